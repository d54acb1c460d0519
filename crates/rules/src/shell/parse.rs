//! Guarded access to `brush-parser`, the fast path for plain commands, and the fallback
//! splitter used when parsing fails.
//!
//! `brush-parser` is recursive and has a few `unwrap`s on numbers taken from the input, so it
//! is only called on inputs that pass cheap lexical checks (size, nesting, the known
//! overflow shapes), and every call is additionally wrapped in `catch_unwind`.

use std::panic::{AssertUnwindSafe, catch_unwind};

use brush_parser::ast::Program;
use brush_parser::word::WordPieceWithSource;
use brush_parser::{Parser, ParserOptions};

use super::limits;

/// Why the parser was not used or failed.
pub(crate) type ParseFailure = String;

fn options() -> ParserOptions {
    ParserOptions::default()
}

/// Parses a full program, or explains why not.
pub(crate) fn parse_program(src: &str) -> Result<Program, ParseFailure> {
    if src.len() > limits::MAX_INPUT {
        return Err(format!("command too long ({} bytes)", src.len()));
    }
    let nesting = lexical_nesting(src);
    if nesting > limits::MAX_NESTING {
        return Err(format!("nesting too deep ({nesting} levels)"));
    }
    if has_overlong_io_number(src) {
        return Err("file descriptor number out of range".to_owned());
    }
    let opts = options();
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut parser = Parser::new(std::io::Cursor::new(src.as_bytes()), &opts);
        parser.parse_program()
    }));
    match result {
        Ok(Ok(program)) => Ok(program),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("parser failure".to_owned()),
    }
}

/// Splits one shell word into pieces, or `None` when it cannot be (or must not be) parsed.
pub(crate) fn parse_word(word: &str) -> Option<Vec<WordPieceWithSource>> {
    if has_overlong_tilde_number(word) || lexical_nesting(word) > limits::MAX_NESTING {
        return None;
    }
    let opts = options();
    catch_unwind(AssertUnwindSafe(|| brush_parser::word::parse(word, &opts).ok())).ok().flatten()
}

/// Splits a here-document body (quotes are literal) into pieces.
pub(crate) fn parse_heredoc(body: &str) -> Option<Vec<WordPieceWithSource>> {
    if has_overlong_tilde_number(body) || lexical_nesting(body) > limits::MAX_NESTING {
        return None;
    }
    let opts = options();
    catch_unwind(AssertUnwindSafe(|| brush_parser::word::parse_heredoc(body, &opts).ok()))
        .ok()
        .flatten()
}

/// A cheap upper estimate of how deeply the parser will recurse: brackets, `$(`, backticks
/// (counted as toggles) and compound keywords.
fn lexical_nesting(src: &str) -> usize {
    let bytes = src.as_bytes();
    let mut depth: usize = 0;
    let mut max = 0;
    let mut backtick = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'(' | b'{' | b'[' => depth += 1,
            b')' | b'}' | b']' => depth = depth.saturating_sub(1),
            b'`' => {
                if backtick {
                    depth = depth.saturating_sub(1);
                } else {
                    depth += 1;
                }
                backtick = !backtick;
            }
            b'a'..=b'z' => {
                let start = i;
                while i < bytes.len() && bytes[i].is_ascii_lowercase() {
                    i += 1;
                }
                let boundary_before = start == 0 || !is_word_byte(bytes[start - 1]);
                let boundary_after = i >= bytes.len() || !is_word_byte(bytes[i]);
                if boundary_before && boundary_after {
                    match &src[start..i] {
                        "if" | "case" | "while" | "until" | "for" | "select" | "do" | "then" => {
                            depth += 1;
                        }
                        "fi" | "esac" | "done" => depth = depth.saturating_sub(2),
                        _ => {}
                    }
                }
                max = max.max(depth);
                continue;
            }
            _ => {}
        }
        max = max.max(depth);
        i += 1;
    }
    max
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// A run of 10+ digits starting a word and directly followed by `<` or `>` would overflow the
/// parser's descriptor number (it unwraps the conversion).
fn has_overlong_io_number(src: &str) -> bool {
    let bytes = src.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i - start >= 10 && matches!(bytes.get(i), Some(b'<' | b'>')) {
                return true;
            }
        } else {
            i += 1;
        }
    }
    false
}

/// `~N`, `~+N`, `~-N` with a huge N overflows the word parser's directory-stack index.
fn has_overlong_tilde_number(word: &str) -> bool {
    let bytes = word.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        if b != b'~' {
            return false;
        }
        let mut j = i + 1;
        if matches!(bytes.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let digits = bytes[j.min(bytes.len())..].iter().take_while(|c| c.is_ascii_digit()).count();
        digits >= 18
    })
}

/// True when `src` is a single plain command: words of ordinary characters separated by
/// blanks, with no quoting, expansion, operator, glob, comment or reserved word. Such a
/// command splits on blanks exactly as the shell would split it.
pub(crate) fn is_plain(src: &str) -> bool {
    if src.len() > 4096 {
        return false;
    }
    let ok = src.bytes().all(|b| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b' ' | b'\t' | b'_' | b'-' | b'.' | b'/' | b',' | b':' | b'@' | b'+' | b'%' | b'^'
            )
    });
    if !ok {
        return false;
    }
    match src.split_ascii_whitespace().next() {
        None => false,
        Some(first) => !is_reserved(first),
    }
}

/// Shell reserved words that change how the rest of a line parses.
fn is_reserved(word: &str) -> bool {
    matches!(
        word,
        "if" | "then"
            | "else"
            | "elif"
            | "fi"
            | "do"
            | "done"
            | "case"
            | "esac"
            | "while"
            | "until"
            | "for"
            | "in"
            | "function"
            | "select"
            | "time"
            | "coproc"
    )
}

/// One command of the fallback split: its words, unquoted as well as possible.
pub(crate) type RoughCommand = Vec<String>;

/// Best-effort split of text the parser rejected: commands at unquoted `;`, `&`, `|`,
/// newlines and parentheses; words at unquoted blanks; quotes removed; an unterminated quote
/// runs to the end. Bounded by [`limits::MAX_SEGMENTS`].
pub(crate) fn rough_split(src: &str) -> Vec<RoughCommand> {
    let mut commands: Vec<RoughCommand> = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = src.chars().peekable();
    let flush_word = |words: &mut Vec<String>, cur: &mut String, in_word: &mut bool| {
        if *in_word {
            words.push(std::mem::take(cur));
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        if commands.len() >= limits::MAX_SEGMENTS {
            break;
        }
        match c {
            '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    cur.push(q);
                }
            }
            '"' => {
                in_word = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = chars.next() {
                                cur.push(n);
                            }
                        }
                        _ => cur.push(q),
                    }
                }
            }
            '\\' => {
                if let Some(n) = chars.next()
                    && n != '\n'
                {
                    in_word = true;
                    cur.push(n);
                }
            }
            ' ' | '\t' => flush_word(&mut words, &mut cur, &mut in_word),
            ';' | '&' | '|' | '\n' | '(' | ')' | '`' => {
                flush_word(&mut words, &mut cur, &mut in_word);
                if !words.is_empty() {
                    commands.push(std::mem::take(&mut words));
                }
            }
            '$' if chars.peek() == Some(&'(') => {
                flush_word(&mut words, &mut cur, &mut in_word);
                if !words.is_empty() {
                    commands.push(std::mem::take(&mut words));
                }
            }
            _ => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    flush_word(&mut words, &mut cur, &mut in_word);
    if !words.is_empty() && commands.len() < limits::MAX_SEGMENTS {
        commands.push(words);
    }
    commands
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_counts_brackets_and_keywords() {
        assert_eq!(lexical_nesting("echo hi"), 0);
        assert_eq!(lexical_nesting("echo $(a $(b))"), 2);
        assert_eq!(lexical_nesting("if x; then y; fi"), 2);
        assert_eq!(lexical_nesting("echo iffy"), 0);
    }

    #[test]
    fn guards_known_overflows() {
        assert!(has_overlong_io_number("echo 99999999999>x"));
        assert!(!has_overlong_io_number("echo a99999999999>x 2>y"));
        assert!(has_overlong_tilde_number("~+99999999999999999999"));
        assert!(!has_overlong_tilde_number("~/x"));
    }

    #[test]
    fn rough_split_separates_commands() {
        assert_eq!(
            rough_split("echo 'a b' && rm -rf \"/x"),
            vec![
                vec!["echo".to_owned(), "a b".to_owned()],
                vec!["rm".to_owned(), "-rf".to_owned(), "/x".to_owned()]
            ]
        );
    }
}
