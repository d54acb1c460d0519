//! The query language of `tl search`: free words, phrases, negation and field filters.
//!
//! Parsing is pure (no index, no clock: the caller passes `now`), so the CLI and the web UI can
//! report a bad query with a position before they open anything, and tests can pin relative
//! dates. The full-text index ([`crate::fulltext`]) turns a [`Query`] into a tantivy query; the
//! user-facing reference is `docs/search.md`.
//!
//! ```text
//! secrets.yml "rm -rf" -test agent:codex kind:SHELL_EXEC,FILE_READ path:config/ after:2h
//! ```
//!
//! - A word is a [`TextClause::Term`]; `"…"` is a [`TextClause::Phrase`]; a `-` directly before a
//!   word or phrase negates it. `--force` is a word, not a negation (two dashes), so flags can be
//!   searched as words; a single-dash flag has to be quoted (`"-rf"`), since `-rf` excludes `rf`.
//! - `name:value` is a filter when `name` is one of ours (`agent kind session severity path tool
//!   after before`, case-insensitive), otherwise plain text: `http://x` and `C:\` are words.
//!   A value may be quoted (`path:"my dir/"`). A repeated filter ORs its values (so `after:`
//!   keeps the earliest bound, `before:` the latest, `severity:` the mildest); `agent`, `kind`
//!   and `tool` also take comma-separated lists.
//! - A word with no letter or digit (`-`, `...`) is dropped: the index holds no punctuation.
//!
//! Positions in [`QueryError`] are byte offsets into the input.

use std::fmt;

use event::{Agent, Kind, Timestamp};

use crate::Severity;

/// A parsed search query: text clauses (all must hold) and field filters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// Words and phrases, as typed (the index analyzes them); every positive clause must match,
    /// no negated one may.
    pub clauses: Vec<TextClause>,
    /// The field filters.
    pub filters: Filters,
}

/// One text clause of a [`Query`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TextClause {
    /// A word as typed, e.g. `secrets.yml` (the index splits it like the text it searches, and
    /// then matches its parts as a phrase).
    Term(String),
    /// The text between double quotes, matched as a phrase.
    Phrase(String),
    /// A negated term or phrase (`-word`, `-"a phrase"`): steps that match it are excluded.
    Not(Box<TextClause>),
}

/// The field filters of a [`Query`]. Within a field the values are alternatives (OR); different
/// fields must all hold (AND). An empty list or `None` does not filter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    /// `agent:` (`claude` is accepted for `claude-code`).
    pub agents: Vec<Agent>,
    /// `kind:`, by the kind's name in any case (`SHELL_EXEC`, `shell_exec`).
    pub kinds: Vec<Kind>,
    /// `session:` values as typed (an id prefix, or `last`): the caller resolves them.
    pub sessions: Vec<String>,
    /// `severity:`: steps with a finding of this severity or worse (the caller resolves it
    /// through the catalog).
    pub min_severity: Option<Severity>,
    /// `path:` values as typed: a path component sequence (`config/`, `config/secrets.yml`).
    pub paths: Vec<String>,
    /// `tool:` values as typed, matched case-insensitively.
    pub tools: Vec<String>,
    /// `after:`: steps at or after this instant.
    pub after: Option<Timestamp>,
    /// `before:`: steps strictly before this instant.
    pub before: Option<Timestamp>,
}

/// Why a query could not be parsed, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError {
    /// The byte offset in the input where the problem is.
    pub position: usize,
    /// What is wrong, one lowercase line.
    pub message: String,
    /// How to fix it, when there is something to say (e.g. the valid values).
    pub hint: Option<String>,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at position {})", self.message, self.position)
    }
}

impl std::error::Error for QueryError {}

/// The filter fields, by the name the user types.
const FIELDS: [&str; 8] =
    ["agent", "kind", "session", "severity", "path", "tool", "after", "before"];

impl Query {
    /// Parses `input`; relative times (`after:2h`, `after:today`) count back from `now` (UTC).
    ///
    /// # Errors
    ///
    /// A [`QueryError`] for an unterminated quote, a filter without a value, a negated filter, or
    /// a value that is not valid for its field (unknown agent, kind or severity: the hint lists the
    /// valid ones; a time that is neither a date, a date and time, nor a relative time).
    pub fn parse(input: &str, now: Timestamp) -> Result<Query, QueryError> {
        Parser { input, pos: 0, now }.parse()
    }

    /// True when the query has no text clause: only filters, or nothing (every step matches).
    pub fn is_empty_text(&self) -> bool {
        self.clauses.is_empty()
    }
}

impl TextClause {
    /// The text of a term or phrase; for a negation, the text of what it negates.
    pub fn text(&self) -> &str {
        match self {
            TextClause::Term(t) | TextClause::Phrase(t) => t,
            TextClause::Not(inner) => inner.text(),
        }
    }
}

struct Parser<'a> {
    input: &'a str,
    pos: usize,
    now: Timestamp,
}

/// A value as it appeared: its text and the byte offset where it starts.
struct Value {
    text: String,
    at: usize,
}

impl Parser<'_> {
    fn parse(mut self) -> Result<Query, QueryError> {
        let mut query = Query { clauses: Vec::new(), filters: Filters::default() };
        loop {
            self.skip_space();
            let Some(c) = self.peek() else { break };
            let start = self.pos;
            if c == '"' {
                let phrase = self.quoted()?;
                push_text(&mut query.clauses, TextClause::Phrase(phrase.text));
            } else if c == '-' && self.negates() {
                self.pos += 1;
                let inner = if self.peek() == Some('"') {
                    TextClause::Phrase(self.quoted()?.text)
                } else {
                    let word = self.word();
                    if let Some((name, _)) = filter_name(&word) {
                        return Err(QueryError {
                            position: start,
                            message: format!("a filter cannot be negated: -{name}:"),
                            hint: Some("use `-word` or `-\"a phrase\"` to exclude text".to_owned()),
                        });
                    }
                    TextClause::Term(word)
                };
                if has_alphanumeric(inner.text()) {
                    query.clauses.push(TextClause::Not(Box::new(inner)));
                }
            } else {
                let word = self.word_or_filter_name();
                match filter_name(&word) {
                    Some((name, _)) => {
                        let value = self.value(name, start)?;
                        self.apply(&mut query.filters, name, value)?;
                    }
                    None => push_text(&mut query.clauses, TextClause::Term(word)),
                }
            }
        }
        Ok(query)
    }

    fn peek(&self) -> Option<char> {
        self.input[self.pos..].chars().next()
    }

    fn skip_space(&mut self) {
        let rest = &self.input[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    /// A `-` negates when a word character or a quote follows it directly: `-test`, `-"a b"`,
    /// but not `--force` or a lone `-`.
    fn negates(&self) -> bool {
        let mut chars = self.input[self.pos..].chars().skip(1);
        chars.next().is_some_and(|c| c == '"' || c.is_alphanumeric())
    }

    /// A word up to the next whitespace.
    fn word(&mut self) -> String {
        let rest = &self.input[self.pos..];
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        self.pos += end;
        rest[..end].to_owned()
    }

    /// A word; if it starts with one of our filter names and a colon, only up to the colon
    /// (inclusive), so that the value, possibly quoted, is read by [`Parser::value`].
    fn word_or_filter_name(&mut self) -> String {
        let rest = &self.input[self.pos..];
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        if let Some(colon) = rest[..end].find(':')
            && filter_name(&rest[..=colon]).is_some()
        {
            self.pos += colon + 1;
            return rest[..=colon].to_owned();
        }
        self.pos += end;
        rest[..end].to_owned()
    }

    /// A double-quoted string starting at the current position (on the quote).
    fn quoted(&mut self) -> Result<Value, QueryError> {
        let open = self.pos;
        let body = &self.input[open + 1..];
        match body.find('"') {
            Some(close) => {
                self.pos = open + 1 + close + 1;
                Ok(Value { text: body[..close].to_owned(), at: open + 1 })
            }
            None => Err(QueryError {
                position: open,
                message: "unterminated quote".to_owned(),
                hint: Some("close the phrase with a `\"`".to_owned()),
            }),
        }
    }

    /// The value of filter `name` (the name and colon start at `start`).
    fn value(&mut self, name: &str, start: usize) -> Result<Value, QueryError> {
        let value = if self.peek() == Some('"') {
            self.quoted()?
        } else {
            let at = self.pos;
            Value { text: self.word(), at }
        };
        if value.text.trim().is_empty() {
            return Err(QueryError {
                position: start,
                message: format!("`{name}:` needs a value"),
                hint: Some(format!("write it without a space: `{name}:{}`", example(name))),
            });
        }
        Ok(value)
    }

    fn apply(&self, filters: &mut Filters, name: &str, value: Value) -> Result<(), QueryError> {
        match name {
            "agent" => {
                for (item, at) in list(&value) {
                    filters.agents.push(parse_agent(item, at)?);
                }
            }
            "kind" => {
                for (item, at) in list(&value) {
                    filters.kinds.push(parse_kind(item, at)?);
                }
            }
            "tool" => {
                filters.tools.extend(list(&value).map(|(item, _)| item.to_owned()));
            }
            "session" => filters.sessions.push(value.text),
            "path" => filters.paths.push(value.text),
            "severity" => {
                let severity = Severity::parse(value.text.trim()).ok_or_else(|| {
                    let valid = names(Severity::ALL.iter().map(|s| s.as_str()), ", ");
                    unknown("severity", &value.text, value.at, valid)
                })?;
                // OR of "at least a" and "at least b" is "at least the milder".
                filters.min_severity =
                    Some(filters.min_severity.map_or(severity, |s| s.min(severity)));
            }
            "after" => {
                let t = parse_time(value.text.trim(), self.now).map_err(|e| e.at(value.at))?;
                filters.after = Some(filters.after.map_or(t, |a| a.min(t)));
            }
            "before" => {
                let t = parse_time(value.text.trim(), self.now).map_err(|e| e.at(value.at))?;
                filters.before = Some(filters.before.map_or(t, |b| b.max(t)));
            }
            _ => unreachable!("filter_name returns only names from FIELDS"),
        }
        Ok(())
    }
}

/// Keeps a text clause unless it has nothing the index could match.
fn push_text(clauses: &mut Vec<TextClause>, clause: TextClause) {
    if has_alphanumeric(clause.text()) {
        clauses.push(clause);
    }
}

fn has_alphanumeric(s: &str) -> bool {
    s.chars().any(char::is_alphanumeric)
}

/// If `word` is `name:…` with `name` one of ours, the canonical name and the rest after the colon.
fn filter_name(word: &str) -> Option<(&'static str, &str)> {
    let (name, rest) = word.split_once(':')?;
    FIELDS.iter().find(|f| f.eq_ignore_ascii_case(name)).map(|f| (*f, rest))
}

fn example(name: &str) -> &'static str {
    match name {
        "agent" => "codex",
        "kind" => "SHELL_EXEC",
        "session" => "3f2a",
        "severity" => "danger",
        "path" => "config/",
        "tool" => "Bash",
        _ => "2h",
    }
}

/// The comma-separated items of a value, trimmed, each with its byte offset.
fn list(value: &Value) -> impl Iterator<Item = (&str, usize)> {
    let mut offset = value.at;
    value.text.split(',').filter_map(move |item| {
        let at = offset + (item.len() - item.trim_start().len());
        offset += item.len() + 1;
        let item = item.trim();
        (!item.is_empty()).then_some((item, at))
    })
}

fn parse_agent(name: &str, at: usize) -> Result<Agent, QueryError> {
    let lower = name.to_ascii_lowercase();
    let lower = if lower == "claude" { "claude-code" } else { lower.as_str() };
    let valid = || format!("{} (or `claude`)", names(Agent::ALL.iter().map(|a| a.as_str()), ", "));
    lower.parse::<Agent>().map_err(|_| unknown("agent", name, at, valid()))
}

fn parse_kind(name: &str, at: usize) -> Result<Kind, QueryError> {
    let upper = name.to_ascii_uppercase().replace('-', "_");
    let valid = || names(Kind::ALL.iter().map(|k| k.as_str()), " ");
    upper.parse::<Kind>().map_err(|_| unknown("kind", name, at, valid()))
}

fn names<'a>(all: impl Iterator<Item = &'a str>, separator: &str) -> String {
    all.collect::<Vec<_>>().join(separator)
}

/// The error for a value `name` of field `what` that is not one of `valid`.
fn unknown(what: &str, name: &str, at: usize, valid: String) -> QueryError {
    QueryError {
        position: at,
        message: format!("unknown {what} `{name}`"),
        hint: Some(format!("valid {what} names: {valid}")),
    }
}

/// A time value that failed to parse, before its position is known.
pub struct TimeError(pub String);

impl TimeError {
    fn at(self, position: usize) -> QueryError {
        QueryError {
            position,
            message: self.0,
            hint: Some(
                "use a date (2026-11-01), a UTC date and time (2026-11-01T10:00[:00]), \
                 a span back from now (30m, 2h, 3d, 1w), today or yesterday"
                    .to_owned(),
            ),
        }
    }
}

const NANOS_PER_SEC: i64 = 1_000_000_000;
const SECS_PER_DAY: i64 = 86_400;

/// Parses an absolute UTC date or date-time, a relative span back from `now`, `today`,
/// `yesterday` or `now`: the values of `after:`/`before:`, and of `tl sessions --since`.
pub fn parse_time(text: &str, now: Timestamp) -> Result<Timestamp, TimeError> {
    let now_ns = now.as_unix_nanos();
    let midnight = now_ns.div_euclid(SECS_PER_DAY * NANOS_PER_SEC) * SECS_PER_DAY * NANOS_PER_SEC;
    match text.to_ascii_lowercase().as_str() {
        "now" => return Ok(now),
        "today" => return Ok(Timestamp(midnight)),
        "yesterday" => return Ok(Timestamp(midnight - SECS_PER_DAY * NANOS_PER_SEC)),
        _ => {}
    }
    if let Some(span) = relative_span(text) {
        let span = span.ok_or_else(|| TimeError(format!("time span `{text}` is too large")))?;
        return Ok(Timestamp(now_ns.saturating_sub(span)));
    }
    absolute_time(text)
        .map(Timestamp)
        .ok_or_else(|| TimeError(format!("cannot read `{text}` as a time")))
}

/// `None` if `text` is not `<digits><unit>`; `Some(None)` if it is but overflows; else the span
/// in nanoseconds.
fn relative_span(text: &str) -> Option<Option<i64>> {
    let unit_at = text.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = text.split_at(unit_at);
    if digits.is_empty() {
        return None;
    }
    let secs: i64 = match unit.to_ascii_lowercase().as_str() {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => SECS_PER_DAY,
        "w" => 7 * SECS_PER_DAY,
        _ => return None,
    };
    Some(
        digits
            .parse::<i64>()
            .ok()
            .and_then(|n| n.checked_mul(secs))
            .and_then(|s| s.checked_mul(NANOS_PER_SEC)),
    )
}

/// `YYYY-MM-DD`, optionally followed by `T` or a space and `HH:MM` or `HH:MM:SS`, optionally
/// ending in `Z`; UTC. Nanoseconds since the epoch.
fn absolute_time(text: &str) -> Option<i64> {
    let text = text.strip_suffix(['Z', 'z']).unwrap_or(text);
    let (date, time) = match text.find(['T', 't', ' ']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let year: i64 = number(parts.next()?, 4)?;
    let month: i64 = number(parts.next()?, 2)?;
    let day: i64 = number(parts.next()?, 2)?;
    if parts.next().is_some() || !(1..=12).contains(&month) || day < 1 {
        return None;
    }
    if day > event::civil::days_in_month(year, month) {
        return None;
    }
    let mut secs = event::civil::days_from_civil(year, month, day) * SECS_PER_DAY;
    if let Some(time) = time {
        let mut parts = time.split(':');
        let hour: i64 = number(parts.next()?, 2)?;
        let minute: i64 = number(parts.next()?, 2)?;
        let second: i64 = match parts.next() {
            Some(s) => number(s, 2)?,
            None => 0,
        };
        if parts.next().is_some() || hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        secs += hour * 3600 + minute * 60 + second;
    }
    secs.checked_mul(NANOS_PER_SEC)
}

/// Exactly `width` ASCII digits.
fn number(s: &str, width: usize) -> Option<i64> {
    (s.len() == width && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-15T13:45:30Z.
    const NOW: Timestamp = Timestamp(1_794_750_330 * NANOS_PER_SEC);

    fn parse(input: &str) -> Query {
        Query::parse(input, NOW).unwrap_or_else(|e| panic!("{input:?}: {e} ({:?})", e.hint))
    }

    fn error(input: &str) -> QueryError {
        Query::parse(input, NOW).expect_err(input)
    }

    fn term(s: &str) -> TextClause {
        TextClause::Term(s.to_owned())
    }

    fn phrase(s: &str) -> TextClause {
        TextClause::Phrase(s.to_owned())
    }

    fn not(c: TextClause) -> TextClause {
        TextClause::Not(Box::new(c))
    }

    fn ts(secs: i64) -> Option<Timestamp> {
        Some(Timestamp(secs * NANOS_PER_SEC))
    }

    #[test]
    fn now_constant_is_what_it_says() {
        assert_eq!(absolute_time("2026-11-15T13:45:30Z"), Some(NOW.0));
    }

    #[test]
    fn words_phrases_and_negations() {
        let cases: &[(&str, Vec<TextClause>)] = &[
            ("secrets.yml", vec![term("secrets.yml")]),
            ("  rm   config/  ", vec![term("rm"), term("config/")]),
            ("\"rm -rf build/\"", vec![phrase("rm -rf build/")]),
            ("a\"b c\"d", vec![term("a\"b"), term("c\"d")]),
            ("-test", vec![not(term("test"))]),
            ("-\"dry run\" deploy", vec![not(phrase("dry run")), term("deploy")]),
            ("--force", vec![term("--force")]),
            ("git push --force", vec![term("git"), term("push"), term("--force")]),
            ("- ... \"\" -\"\"", vec![]),
            ("http://x.org/a", vec![term("http://x.org/a")]),
            ("C:\\Users", vec![term("C:\\Users")]),
            ("note:thing", vec![term("note:thing")]),
            ("-é", vec![not(term("é"))]),
        ];
        for (input, clauses) in cases {
            let q = parse(input);
            assert_eq!(&q.clauses, clauses, "{input:?}");
            assert_eq!(q.filters, Filters::default(), "{input:?}");
            assert_eq!(q.is_empty_text(), clauses.is_empty(), "{input:?}");
        }
    }

    #[test]
    fn every_filter() {
        let q = parse(
            "deploy agent:codex agent:claude,Gemini kind:SHELL_EXEC kind:file_read,mcp-tool-call \
             session:3f2a session:last severity:danger path:config/ path:\"my dir/x\" \
             tool:Bash tool:Read,mcp__github__create_issue after:2026-11-01 before:2026-11-02T10:00",
        );
        assert_eq!(q.clauses, vec![term("deploy")]);
        assert_eq!(
            q.filters,
            Filters {
                agents: vec![Agent::Codex, Agent::ClaudeCode, Agent::Gemini],
                kinds: vec![Kind::ShellExec, Kind::FileRead, Kind::McpToolCall],
                sessions: vec!["3f2a".to_owned(), "last".to_owned()],
                min_severity: Some(Severity::Danger),
                paths: vec!["config/".to_owned(), "my dir/x".to_owned()],
                tools: vec!["Bash".into(), "Read".into(), "mcp__github__create_issue".into()],
                after: ts(1_793_491_200),
                before: ts(1_793_613_600),
            }
        );
        assert!(!q.is_empty_text());
        let only_filters = parse("AGENT:codex Kind:shell_exec");
        assert!(only_filters.is_empty_text());
        assert_eq!(only_filters.filters.kinds, vec![Kind::ShellExec]);
    }

    #[test]
    fn repeated_filters_or_their_values() {
        let q = parse("severity:danger severity:warning after:2d after:1d before:1h before:2h");
        assert_eq!(q.filters.min_severity, Some(Severity::Warning));
        assert_eq!(q.filters.after, Some(Timestamp(NOW.0 - 2 * SECS_PER_DAY * NANOS_PER_SEC)));
        assert_eq!(q.filters.before, Some(Timestamp(NOW.0 - 3600 * NANOS_PER_SEC)));
    }

    #[test]
    fn times() {
        let h = 3600 * NANOS_PER_SEC;
        let midnight = 1_794_700_800 * NANOS_PER_SEC; // 2026-11-15T00:00:00Z
        let cases: &[(&str, i64)] = &[
            ("2026-11-01", 1_793_491_200 * NANOS_PER_SEC),
            ("2026-11-01T10:00", 1_793_527_200 * NANOS_PER_SEC),
            ("2026-11-01t10:00:05Z", 1_793_527_205 * NANOS_PER_SEC),
            ("\"2026-11-01 10:00\"", 1_793_527_200 * NANOS_PER_SEC),
            ("1970-01-01", 0),
            ("1969-12-31", -SECS_PER_DAY * NANOS_PER_SEC),
            ("2024-02-29", 1_709_164_800 * NANOS_PER_SEC),
            ("2000-03-01", 951_868_800 * NANOS_PER_SEC),
            ("2h", NOW.0 - 2 * h),
            ("90m", NOW.0 - 90 * 60 * NANOS_PER_SEC),
            ("45s", NOW.0 - 45 * NANOS_PER_SEC),
            ("3d", NOW.0 - 72 * h),
            ("1W", NOW.0 - 168 * h),
            ("today", midnight),
            ("Yesterday", midnight - 24 * h),
            ("now", NOW.0),
        ];
        for (text, expect) in cases {
            let q = parse(&format!("after:{text}"));
            assert_eq!(q.filters.after, Some(Timestamp(*expect)), "{text}");
        }
    }

    #[test]
    fn errors_have_positions_and_hints() {
        // (input, position, message fragment, hint fragment)
        let cases: &[(&str, usize, &str, &str)] = &[
            ("a \"open", 2, "unterminated quote", "close"),
            ("x agent:", 2, "`agent:` needs a value", "agent:codex"),
            ("agent:\"\"", 0, "needs a value", ""),
            ("agent:cline", 6, "unknown agent `cline`", "claude-code, codex, gemini, cursor"),
            ("agent:codex,bogus", 12, "unknown agent `bogus`", "(or `claude`)"),
            ("kind:SHELL", 5, "unknown kind `SHELL`", "SHELL_EXEC"),
            ("severity:high", 9, "unknown severity `high`", "info, warning, danger"),
            ("after:2026-13-01", 6, "cannot read `2026-13-01` as a time", "2026-11-01"),
            ("after:2026-02-30", 6, "cannot read", ""),
            ("before:2026-11-01T24:00", 7, "cannot read", ""),
            ("after:2026-11-1", 6, "cannot read", ""),
            ("after:lastweek", 6, "cannot read", "yesterday"),
            ("after:99999999999999999d", 6, "too large", ""),
            ("ok -kind:SHELL_EXEC", 3, "cannot be negated", "-word"),
            ("path:\"unterminated", 5, "unterminated quote", ""),
        ];
        for (input, position, message, hint) in cases {
            let e = error(input);
            assert_eq!(e.position, *position, "{input:?}: {e}");
            assert!(e.message.contains(message), "{input:?}: {}", e.message);
            assert!(e.hint.as_deref().unwrap_or("").contains(hint), "{input:?}: {:?}", e.hint);
        }
        assert_eq!(error("kind:nope").to_string(), "unknown kind `nope` (at position 5)");
    }
}
