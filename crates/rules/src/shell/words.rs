//! Word resolution: quote removal, escapes, ANSI-C quotes, tilde, brace expansion, known
//! parameters and field splitting, the static part of what a shell does to a word before
//! running a command.

use std::cell::Cell;
use std::collections::HashMap;

use brush_parser::word::{Parameter, ParameterExpr, TildeExpr, WordPiece, WordPieceWithSource};

use super::parse::parse_word;
use super::path::is_glob_char;
use super::{ShellContext, Word, limits};

/// What the analysis knows about a shell variable.
#[derive(Clone, Debug)]
pub(crate) enum Val {
    /// One of these values (more than one for loop variables).
    Known(Vec<String>),
    /// Assigned from something not resolvable (`$(…)`, `read`).
    Unknown,
}

/// Shell state that flows along a command line: variables and the working directory.
#[derive(Clone, Debug, Default)]
pub(crate) struct Env {
    /// Variables assigned earlier in the line.
    pub vars: HashMap<String, Val>,
    /// Effective working directory; `None` once a `cd` went somewhere unknown.
    pub cwd: Option<String>,
    /// True on another machine (`ssh host …`): the local home and temp dirs do not apply.
    pub remote: bool,
}

/// One field being built.
#[derive(Clone, Debug, Default)]
struct Field {
    text: String,
    dynamic: bool,
    glob: bool,
    /// True once a literal or quoted piece contributed (an empty result then still counts).
    solid: bool,
    /// True once field splitting ended this field; later pieces go to the next one.
    closed: bool,
}

/// Resolves words against the context and the current state, collecting the command
/// substitutions met on the way.
pub(crate) struct Resolver<'a> {
    pub ctx: &'a ShellContext,
    pub env: &'a Env,
    /// Bytes of expanded text the whole analysis may still produce.
    budget: &'a Cell<usize>,
    /// Source text of every command substitution met, for the caller to analyse.
    pub substitutions: Vec<String>,
}

impl<'a> Resolver<'a> {
    pub fn new(ctx: &'a ShellContext, env: &'a Env, budget: &'a Cell<usize>) -> Self {
        Self { ctx, env, budget, substitutions: Vec::new() }
    }

    /// Charges the produced text to the budget; false when it is exhausted.
    fn charge(&self, words: &[Word]) -> bool {
        let used: usize = words.iter().map(|w| w.text.len()).sum();
        match self.budget.get().checked_sub(used) {
            Some(left) => {
                self.budget.set(left);
                true
            }
            None => {
                self.budget.set(0);
                false
            }
        }
    }

    /// Resolves a command word into the fields the shell would produce.
    pub fn fields(&mut self, raw: &str) -> Vec<Word> {
        if is_literal(raw) {
            return vec![Word::lit(raw)];
        }
        let Some(pieces) = parse_word(raw) else {
            return vec![Word::dynamic(raw)];
        };
        let mut fields = vec![Field::default()];
        self.pieces(raw, &pieces, false, &mut fields);
        let words: Vec<Word> = fields
            .into_iter()
            .filter(|f| f.solid || !f.text.is_empty())
            .map(|f| Word { text: f.text, dynamic: f.dynamic, glob: f.glob })
            .collect();
        if self.charge(&words) { words } else { vec![Word::dynamic(raw)] }
    }

    /// Resolves an assignment value or other single-word context (no splitting, no globbing).
    pub fn single(&mut self, raw: &str) -> Word {
        if is_literal(raw) {
            return Word::lit(raw);
        }
        let Some(pieces) = parse_word(raw) else {
            return Word::dynamic(raw);
        };
        let mut fields = vec![Field::default()];
        self.pieces(raw, &pieces, true, &mut fields);
        let mut out = Word::default();
        for (i, f) in fields.into_iter().enumerate() {
            if i > 0 {
                out.text.push(' ');
            }
            out.text.push_str(&f.text);
            out.dynamic |= f.dynamic;
        }
        if self.charge(std::slice::from_ref(&out)) { out } else { Word::dynamic(raw) }
    }

    /// Collects command substitutions from a here-document body or arithmetic text.
    pub fn scan_expansions(&mut self, body: &str) {
        if !(body.contains('$') || body.contains('`')) {
            return;
        }
        if let Some(pieces) = super::parse::parse_heredoc(body) {
            let mut fields = vec![Field::default()];
            self.pieces(body, &pieces, true, &mut fields);
        }
    }

    fn pieces(
        &mut self,
        raw: &str,
        pieces: &[WordPieceWithSource],
        quoted: bool,
        fields: &mut Vec<Field>,
    ) {
        for p in pieces {
            if fields.iter().any(|f| f.text.len() > limits::MAX_WORD) {
                // Runaway expansion: keep a bounded prefix and call the word dynamic.
                for f in fields.iter_mut() {
                    let mut cut = limits::MAX_WORD.min(f.text.len());
                    while !f.text.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    f.text.truncate(cut);
                    f.dynamic = true;
                }
                return;
            }
            let src = raw.get(p.start_index..p.end_index).unwrap_or("");
            match &p.piece {
                WordPiece::Text(s) => {
                    if quoted {
                        append(fields, s, false, true);
                    } else {
                        let alts = brace_expand(s);
                        if alts.len() > 1 {
                            multiply(fields, &alts, s.chars().any(is_glob_char));
                        } else {
                            append(fields, s, s.chars().any(is_glob_char), true);
                        }
                    }
                }
                WordPiece::SingleQuotedText(s) => append(fields, s, false, true),
                WordPiece::AnsiCQuotedText(s) => append(fields, &decode_ansi_c(s), false, true),
                WordPiece::DoubleQuotedSequence(inner)
                | WordPiece::GettextDoubleQuotedSequence(inner) => {
                    for f in fields.iter_mut() {
                        f.solid = true;
                    }
                    self.pieces(raw, inner, true, fields);
                }
                WordPiece::EscapeSequence(s) => {
                    let rest = s.get(1..).unwrap_or("");
                    if rest != "\n" {
                        append(fields, rest, false, true);
                    }
                }
                WordPiece::TildeExpansion(t) => match t {
                    TildeExpr::Home => match self.lookup("HOME") {
                        Some(Val::Known(v)) => multiply_solid(fields, &v),
                        _ => append_dynamic(fields, "~"),
                    },
                    TildeExpr::WorkingDir => match &self.env.cwd {
                        Some(cwd) => append(fields, cwd, false, true),
                        None => append_dynamic(fields, "~+"),
                    },
                    _ => append_dynamic(fields, src),
                },
                WordPiece::ParameterExpansion(expr) => {
                    let value = match expr {
                        ParameterExpr::Parameter {
                            parameter: Parameter::Named(n),
                            indirect: false,
                        } => self.lookup(n),
                        ParameterExpr::UseDefaultValues {
                            parameter: Parameter::Named(n),
                            indirect: false,
                            ..
                        }
                        | ParameterExpr::AssignDefaultValues {
                            parameter: Parameter::Named(n),
                            indirect: false,
                            ..
                        }
                        | ParameterExpr::IndicateErrorIfNullOrUnset {
                            parameter: Parameter::Named(n),
                            indirect: false,
                            ..
                        } => match self.lookup(n) {
                            Some(Val::Known(v)) if v.iter().all(|s| !s.is_empty()) => {
                                Some(Val::Known(v))
                            }
                            _ => None,
                        },
                        _ => None,
                    };
                    match value {
                        Some(Val::Known(v)) => {
                            if quoted {
                                multiply_solid(fields, &v);
                            } else {
                                split_values(fields, &v);
                            }
                        }
                        _ => append_dynamic(fields, src),
                    }
                }
                WordPiece::CommandSubstitution(s) => {
                    self.substitutions.push(s.clone());
                    append_dynamic(fields, src);
                }
                WordPiece::BackquotedCommandSubstitution(s) => {
                    self.substitutions.push(unescape_backquoted(s));
                    append_dynamic(fields, src);
                }
                WordPiece::ArithmeticExpression(e) => {
                    let text = e.value.clone();
                    self.scan_expansions(&text);
                    append_dynamic(fields, src);
                }
            }
        }
    }

    fn lookup(&self, name: &str) -> Option<Val> {
        if let Some(v) = self.env.vars.get(name) {
            return Some(v.clone());
        }
        if self.env.remote {
            return None;
        }
        match name {
            "HOME" => self.ctx.home.clone().map(|h| Val::Known(vec![h])),
            "PWD" => self.env.cwd.clone().map(|c| Val::Known(vec![c])),
            "TMPDIR" => self.ctx.tmp_dirs.first().cloned().map(|t| Val::Known(vec![t])),
            _ => None,
        }
    }
}

/// True when a word has no quoting, expansion, escape, brace or glob character: it then
/// resolves to itself, and the word parser can be skipped.
fn is_literal(raw: &str) -> bool {
    !raw.is_empty()
        && !raw.bytes().any(|b| {
            matches!(
                b,
                b'$' | b'\''
                    | b'"'
                    | b'\\'
                    | b'`'
                    | b'~'
                    | b'{'
                    | b'}'
                    | b'*'
                    | b'?'
                    | b'['
                    | b'('
                    | b')'
                    | b'@'
                    | b'!'
                    | b'+'
            )
        })
}

fn append(fields: &mut [Field], s: &str, glob: bool, solid: bool) {
    for f in fields.iter_mut().filter(|f| !f.closed) {
        f.text.push_str(s);
        f.glob |= glob;
        f.solid |= solid;
    }
}

fn append_dynamic(fields: &mut [Field], s: &str) {
    for f in fields.iter_mut().filter(|f| !f.closed) {
        f.text.push_str(s);
        f.dynamic = true;
        f.solid = true;
    }
}

/// Each field continues with each alternative (cartesian product, bounded).
fn multiply(fields: &mut Vec<Field>, alts: &[String], glob: bool) {
    let mut out = Vec::with_capacity(fields.len() * alts.len());
    'outer: for f in fields.iter() {
        if f.closed {
            out.push(f.clone());
            continue;
        }
        for a in alts {
            if out.len() >= limits::MAX_FIELDS {
                break 'outer;
            }
            let mut g = f.clone();
            g.text.push_str(a);
            g.glob |= glob || a.chars().any(is_glob_char);
            g.solid = true;
            out.push(g);
        }
    }
    *fields = out;
}

fn multiply_solid(fields: &mut Vec<Field>, alts: &[String]) {
    if let [one] = alts {
        append(fields, one, false, true);
    } else {
        let before: Vec<bool> = fields.iter().map(|f| f.glob).collect();
        multiply(fields, alts, false);
        // Quoted values are never patterns; keep the glob state from before.
        if before.iter().all(|g| !g) {
            for f in fields.iter_mut() {
                f.glob = false;
            }
        }
    }
}

/// Unquoted expansion of known values: field splitting at blanks, glob characters active.
fn split_values(fields: &mut Vec<Field>, alts: &[String]) {
    let mut out: Vec<Field> = Vec::new();
    for alt in alts {
        let mut set = fields.clone();
        for (k, part) in alt.split([' ', '\t', '\n']).enumerate() {
            let glob = part.chars().any(is_glob_char);
            if k == 0 {
                for f in set.iter_mut().filter(|f| !f.closed) {
                    f.text.push_str(part);
                    f.glob |= glob;
                }
            } else {
                // A blank ends the field; empty parts (runs of blanks) produce nothing.
                for f in set.iter_mut() {
                    f.closed = true;
                }
                set.push(Field { text: part.to_owned(), glob, ..Field::default() });
            }
        }
        out.extend(set);
        if out.len() >= limits::MAX_FIELDS {
            out.truncate(limits::MAX_FIELDS);
            break;
        }
    }
    *fields = out;
}

/// Undoes the backslash escaping that applies inside backquotes.
fn unescape_backquoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && matches!(chars.peek(), Some('$' | '`' | '\\')) {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Decodes the body of a `$'…'` string.
pub(crate) fn decode_ansi_c(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let radix_run = |start: usize, max: usize, radix: u32| -> (u32, usize) {
        let mut v: u32 = 0;
        let mut n = 0;
        while n < max {
            match chars.get(start + n).and_then(|c| c.to_digit(radix)) {
                Some(d) => {
                    v = v.saturating_mul(radix).saturating_add(d);
                    n += 1;
                }
                None => break,
            }
        }
        (v, n)
    };
    while i < chars.len() {
        let c = chars[i];
        if c != '\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let Some(&e) = chars.get(i + 1) else {
            out.push('\\');
            break;
        };
        i += 2;
        match e {
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'e' | 'E' => out.push('\u{1b}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\u{b}'),
            '\\' | '\'' | '"' | '?' => out.push(e),
            'x' | 'u' | 'U' => {
                let max = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let (v, n) = radix_run(i, max, 16);
                if n == 0 {
                    out.push('\\');
                    out.push(e);
                } else {
                    out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                    i += n;
                }
            }
            '0'..='7' => {
                let (v, n) = radix_run(i - 1, 3, 8);
                out.push(char::from_u32(v & 0xff).unwrap_or('\u{fffd}'));
                i += n.saturating_sub(1);
            }
            'c' => {
                if let Some(&x) = chars.get(i) {
                    out.push(char::from_u32((x as u32) & 0x1f).unwrap_or('\u{fffd}'));
                    i += 1;
                }
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}

/// Brace expansion of an unquoted text piece: `{a,b}` lists and small `{1..5}` sequences;
/// anything else stays literal. Bounded by [`limits::MAX_FIELDS`].
pub(crate) fn brace_expand(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    brace_expand_into(s, &mut out, 0);
    if out.is_empty() {
        out.push(s.to_owned());
    }
    out
}

fn brace_expand_into(s: &str, out: &mut Vec<String>, depth: usize) {
    if out.len() >= limits::MAX_FIELDS {
        return;
    }
    if depth > 4 {
        out.push(s.to_owned());
        return;
    }
    let Some((open, close)) = find_brace(s) else {
        out.push(s.to_owned());
        return;
    };
    let (pre, body, post) = (&s[..open], &s[open + 1..close], &s[close + 1..]);
    let members = split_top_commas(body);
    let alts: Vec<String> = if members.len() > 1 {
        members.into_iter().map(str::to_owned).collect()
    } else if let Some(seq) = sequence(body) {
        seq
    } else {
        // Not an expansion: keep the braces and expand what follows.
        let mut rest = Vec::new();
        brace_expand_into(post, &mut rest, depth + 1);
        for r in rest {
            if out.len() >= limits::MAX_FIELDS {
                return;
            }
            out.push(format!("{pre}{{{body}}}{r}"));
        }
        return;
    };
    for a in alts {
        if out.len() >= limits::MAX_FIELDS {
            return;
        }
        brace_expand_into(&format!("{pre}{a}{post}"), out, depth + 1);
    }
}

/// The first `{` and its matching `}`.
fn find_brace(s: &str) -> Option<(usize, usize)> {
    let open = s.find('{')?;
    let mut depth = 0usize;
    for (i, c) in s[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some((open, open + i));
                }
            }
            _ => {}
        }
    }
    None
}

fn split_top_commas(body: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&body[start..]);
    parts
}

fn sequence(body: &str) -> Option<Vec<String>> {
    let (a, b) = body.split_once("..")?;
    if let (Ok(x), Ok(y)) = (a.parse::<i64>(), b.parse::<i64>()) {
        if x.abs_diff(y) >= limits::MAX_FIELDS as u64 {
            return None;
        }
        let v: Vec<String> = if x <= y {
            (x..=y).map(|n| n.to_string()).collect()
        } else {
            (y..=x).rev().map(|n| n.to_string()).collect()
        };
        return Some(v);
    }
    let (mut ca, mut cb) = (a.chars(), b.chars());
    if let (Some(x), None, Some(y), None) = (ca.next(), ca.next(), cb.next(), cb.next())
        && x.is_ascii_alphabetic()
        && y.is_ascii_alphabetic()
    {
        let (lo, hi) = if x <= y { (x, y) } else { (y, x) };
        let v: Vec<String> = (lo..=hi).map(String::from).collect();
        return Some(if x <= y { v } else { v.into_iter().rev().collect() });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_c() {
        assert_eq!(decode_ansi_c(r"\x72m"), "rm");
        assert_eq!(decode_ansi_c(r"\162\155"), "rm");
        assert_eq!(decode_ansi_c(r"a\tb\u0041\'"), "a\tbA'");
        assert_eq!(decode_ansi_c(r"\xzz"), r"\xzz");
        assert_eq!(decode_ansi_c("\\"), "\\");
    }

    #[test]
    fn braces() {
        assert_eq!(brace_expand("/{etc,usr}"), vec!["/etc", "/usr"]);
        assert_eq!(brace_expand("a{1..3}"), vec!["a1", "a2", "a3"]);
        assert_eq!(brace_expand("{x}"), vec!["{x}"]);
        assert_eq!(brace_expand("{a,b}{c,d}"), vec!["ac", "ad", "bc", "bd"]);
        assert_eq!(brace_expand("{1..99999999999999999999}").len(), 1);
    }
}
