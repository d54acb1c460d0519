//! Secret redaction: every string of a hook payload passes through here before anything is
//! written, and each secret becomes `[REDACTED:<kind>]` (DESIGN.md §7).
//!
//! # Use
//!
//! ```
//! use capture::redact::{Redactor, SecretKind};
//!
//! let r = Redactor::shared();
//! let (text, kinds) = r.redact_str("export DB_PASSWORD=hunter2");
//! assert_eq!(text, "export DB_PASSWORD=[REDACTED:env-secret]");
//! assert_eq!(kinds, [SecretKind::EnvSecret]);
//!
//! let mut payload = serde_json::json!({"tool_input": {"command": "ls"}, "env": {"API_TOKEN": "s3cr3t-v4lue"}});
//! let hits = r.redact_json(&mut payload);
//! assert_eq!(payload["env"]["API_TOKEN"], "[REDACTED:env-secret]");
//! assert_eq!(hits[0].pointer, "/env/API_TOKEN");
//! ```
//!
//! # How it works
//!
//! 1. **Pre-filter.** One pass over the text looks for every literal that can start or
//!    announce a secret: provider prefixes (`AKIA`, `ghp_`, `sk-ant-`, `xoxb-`, `AIza`, `eyJ`,
//!    `-----BEGIN`…), secret-ish names (`pass`, `secret`, `token`, `key`, `auth`, `cred`…),
//!    `://`, `bearer` and `curl`'s `-u`. It tests a rolling hash of every 3-byte window
//!    against a 4 KiB bitset and compares keywords in full only where the bit is set (ASCII
//!    case-insensitively; provider prefixes are then checked case-sensitively). A text
//!    with no hit costs that one scan and is returned borrowed. Unlike an Aho-Corasick
//!    automaton over the same ~150 keywords, it costs nothing to build, which matters in a
//!    hook process that redacts one payload and exits.
//! 2. **Local checks at each hit.** Provider formats are "prefix + shape" rules matched by
//!    hand from the hit (`rules.rs`); names are split into words and classified, and the
//!    value after `=`, `:`, `=>` or a `--flag` is parsed and judged (`context.rs`); URLs are
//!    checked for a password in their user info; private key blocks are delimited. The few
//!    formats without a literal prefix (Telegram, Azure AD, Discord, Terraform, `sshpass`)
//!    are regexes compiled on first use, only for a text that contains
//!    one of their keywords.
//! 3. **Merge and rewrite.** Overlapping findings merge into one redaction named after the
//!    most specific kind (a GitHub token assigned to `GITHUB_TOKEN` is a `github-token`,
//!    not an `env-secret`); the text is rebuilt once.
//!
//! Redaction is idempotent: nothing inside a `[REDACTED:…]` marker is matched again, so
//! redacting twice equals redacting once. Nothing here panics on any input, and every
//! scanner is linear in the text (hits inside a value already found are skipped).
//!
//! # What is kept on purpose
//!
//! Stripe publishable keys (`pk_…`) and public keys are public by design. UUIDs, hex
//! digests, base64 data, placeholders (`<YOUR_API_KEY>`, `${TOKEN}`, `changeme`,
//! `os.environ["X"]`, `your-token`), code (`token: str`, `password = getpass()`), prose
//! (`error: invalid token: expected 3 segments`) and names that merely contain a secret-ish
//! word (`max_tokens`, `tokenizer`, `auth.rs`, `PWD=/home/dev`) pass through.
//!
//! # Known gaps
//!
//! Values of single-letter flags other than `curl -u` and `mysql -p` (`docker login -p
//! SECRET`, `psql` connection strings are fine), passphrases of four or more words under a secret name, and provider
//! formats without a prefix or a keyword nearby (Cloudflare, Datadog and Okta keys are
//! found only when assigned to a secret-looking name).

mod context;
mod kind;
mod rules;

use std::borrow::Cow;
use std::sync::LazyLock;

use serde_json::{Map, Value};

pub use kind::SecretKind;

use context::{KeyClass, Span};
use rules::{REGEX_RULES, TOKEN_RULES};

/// One redaction made by [`Redactor::redact_json`]: what was found and where. Never the
/// secret itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Hit {
    /// What kind of secret was replaced.
    pub kind: SecretKind,
    /// Where, as a JSON Pointer (RFC 6901) into the redacted value, e.g. `/tool_input/command`.
    pub pointer: String,
}

/// What a pre-filter keyword triggers.
#[derive(Debug, Clone, Copy)]
enum Trigger {
    /// `TOKEN_RULES[rule]` with its prefix `prefix` (verified case-sensitively).
    Token { rule: u16, prefix: u8 },
    /// Arms `REGEX_RULES[rule]`.
    Regex { rule: u16 },
    /// A secret-ish name: look for an assignment around it.
    Name,
    /// `bearer`: look for a token after it.
    Bearer,
    /// `://`: look for a password in the URL's user info.
    Url,
    /// `-----BEGIN`: look for a private key block.
    PrivateKey,
    /// `-u `/`--user `: look for `user:password` after it on a `curl` line.
    CurlUser,
    /// `-us`: a Mailchimp key ends here (32 hex before, a data centre number after).
    Mailchimp,
    /// `machine`: a `.netrc` entry's password.
    Netrc,
    /// `mysql`: a password attached to `-p` on the same line (`mysql -uroot -pS3cret`).
    MysqlPassword,
}

/// Substrings of names whose values may be secrets (matched case-insensitively).
const NAME_KEYWORDS: &[&str] = &[
    "pass",
    "pwd",
    "secret",
    "token",
    "key",
    "auth",
    "credential",
    "creds",
    "pat",
    "sig",
    "salt",
    "cookie",
];

/// Redacts secrets from text and JSON.
///
/// Build it once ([`Redactor::new`] or the process-wide [`Redactor::shared`]). Building is
/// cheap (tens of microseconds: two small tables of keyword trigram hashes), and the regexes of the rare
/// formats are compiled only when a text first needs them.
#[derive(Clone)]
pub struct Redactor {
    prefilter: Prefilter,
}

/// A pre-filter keyword and what it triggers.
#[derive(Debug, Clone, Copy)]
struct Keyword {
    text: &'static str,
    trigger: Trigger,
    /// Whether the text must match exactly (provider prefixes) or ignoring ASCII case (names).
    case_sensitive: bool,
}

/// The keyword pre-filter: every keyword is bucketed by a hash of its first three bytes,
/// ASCII-lowercased.
///
/// One tight pass tests a rolling hash of each byte triple of the text against a 4 KiB bitset
/// (it stays in L1 cache) and collects the few positions whose bit is set; only there are the
/// keywords of the matching bucket compared in full. It finds every (overlapping) occurrence,
/// like an Aho-Corasick automaton, and builds in tens of microseconds: an automaton over these
/// ~150 case-insensitive keywords took 0.2-10 ms to build here (NFA or DFA) or searched 3-5x
/// slower (NFA), too slow for a hook process that redacts one payload and exits.
#[derive(Clone)]
struct Prefilter {
    /// Bit `h` is set when some keyword's first three bytes hash to `h`.
    bits: Box<[u64]>,
    /// For each hash, 1 + its index in `buckets`; 0 when no keyword hashes there.
    bucket_of: Box<[u8]>,
    /// Indices into `keywords`, per bucket.
    buckets: Vec<Vec<u16>>,
    keywords: Vec<Keyword>,
}

static SHARED: LazyLock<Redactor> = LazyLock::new(Redactor::new);

impl Default for Redactor {
    fn default() -> Self {
        Redactor::new()
    }
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor").field("keywords", &self.prefilter.keywords.len()).finish()
    }
}

/// Bits of the rolling trigram hash.
const HASH_BITS: u32 = 15;
const HASH_MASK: usize = (1 << HASH_BITS) - 1;

/// Adds byte `c` to the rolling hash of the last three bytes. `| 0x20` folds ASCII case
/// (and maps a few punctuation bytes together, which only adds candidates that the full
/// comparison then rejects).
fn roll(h: usize, c: u8) -> usize {
    (h << 5 ^ usize::from(c | 0x20)) & HASH_MASK
}

/// The hash of three bytes, as [`roll`] computes it.
fn trigram(a: u8, b: u8, c: u8) -> usize {
    roll(roll(roll(0, a), b), c)
}

/// The possible third bytes of the two-byte keywords (what their formats allow next).
fn third_bytes(keyword: &str) -> &'static [u8] {
    match keyword {
        // Twilio `SK` + hex.
        "SK" => b"0123456789abcdef",
        // Azure `…Q~` + base64url or `~`/`.`.
        _ => b"abcdefghijklmnopqrstuvwxyz0123456789_-~.",
    }
}

impl Redactor {
    /// Builds a redactor with the built-in rules.
    pub fn new() -> Redactor {
        // (keyword, trigger, case-sensitive)
        let mut entries: Vec<(&'static str, Trigger, bool)> = Vec::new();
        for (r, rule) in TOKEN_RULES.iter().enumerate() {
            for (p, prefix) in rule.prefixes.iter().enumerate() {
                let trigger = Trigger::Token { rule: r as u16, prefix: p as u8 };
                entries.push((prefix, trigger, true));
            }
        }
        for (r, rule) in REGEX_RULES.iter().enumerate() {
            for kw in rule.keywords {
                let trigger = Trigger::Regex { rule: r as u16 };
                entries.push((kw, trigger, rule.keywords_case_sensitive));
            }
        }
        for kw in NAME_KEYWORDS {
            entries.push((kw, Trigger::Name, false));
        }
        entries.push(("bearer", Trigger::Bearer, false));
        entries.push(("://", Trigger::Url, false));
        entries.push(("-----BEGIN", Trigger::PrivateKey, true));
        for kw in ["-u ", "-u=", "--user ", "--user=", "--proxy-user "] {
            entries.push((kw, Trigger::CurlUser, false));
        }
        entries.push(("-us", Trigger::Mailchimp, true));
        entries.push(("machine", Trigger::Netrc, true));
        entries.push(("mysql", Trigger::MysqlPassword, false));
        entries.push(("mariadb", Trigger::MysqlPassword, false));

        // A keyword listed twice is simply compared twice; that is cheaper than de-duplicating
        // here, in every hook process.
        let keywords: Vec<Keyword> = entries
            .into_iter()
            .map(|(text, trigger, case_sensitive)| Keyword { text, trigger, case_sensitive })
            .collect();
        let mut bits = vec![0u64; (HASH_MASK + 1) / 64].into_boxed_slice();
        let mut bucket_of = vec![0u8; HASH_MASK + 1].into_boxed_slice();
        let mut buckets: Vec<Vec<u16>> = Vec::new();
        for (k, kw) in keywords.iter().enumerate() {
            let hashes: Vec<usize> = match *kw.text.as_bytes() {
                [a, b, c, ..] => vec![trigram(a, b, c)],
                [a, b] => third_bytes(kw.text).iter().map(|&c| trigram(a, b, c)).collect(),
                _ => Vec::new(),
            };
            for h in hashes {
                if let Some(word) = bits.get_mut(h / 64) {
                    *word |= 1 << (h % 64);
                }
                let Some(slot) = bucket_of.get_mut(h) else { continue };
                if *slot == 0 {
                    buckets.push(Vec::new());
                    // Past 255 buckets the last one is shared: still correct, as every
                    // candidate is compared in full (a test keeps the built-ins under that).
                    *slot = u8::try_from(buckets.len()).unwrap_or(u8::MAX);
                }
                if let Some(bucket) = buckets.get_mut(usize::from(*slot) - 1)
                    && !bucket.contains(&(k as u16))
                {
                    bucket.push(k as u16);
                }
            }
        }
        Redactor { prefilter: Prefilter { bits, bucket_of, buckets, keywords } }
    }

    /// A process-wide redactor, built on first use.
    pub fn shared() -> &'static Redactor {
        &SHARED
    }

    /// Redacts every secret in `s`, replacing each with `[REDACTED:<kind>]`.
    ///
    /// Returns the text (borrowed when nothing was found) and the kind of each redaction. The
    /// result is a fixed point: redacting it again finds nothing.
    pub fn redact_str<'a>(&self, s: &'a str) -> (Cow<'a, str>, Vec<SecretKind>) {
        let spans = self.find(s);
        if spans.is_empty() {
            return (Cow::Borrowed(s), Vec::new());
        }
        let mut kinds = Vec::with_capacity(spans.len());
        let mut text = rewrite(s, &spans, &mut kinds);
        // A redaction can change how the text around it parses (a `=` or a quote inside the
        // secret is gone), so look again until nothing more is found. Rare, and cheap: only
        // texts that had a secret pay for a second scan.
        for _ in 1..MAX_PASSES {
            let more = self.find(&text);
            if more.is_empty() {
                break;
            }
            text = rewrite(&text, &more, &mut kinds);
        }
        (Cow::Owned(text), kinds)
    }

    /// Whether `s` contains a secret (same rules as [`redact_str`](Self::redact_str)).
    pub fn contains_secret(&self, s: &str) -> bool {
        !self.find(s).is_empty()
    }

    /// Redacts every string in a JSON tree in place: values, object keys, and values whose
    /// key names a secret (`{"password": "…"}`, `{"env": {"GITHUB_TOKEN": "…"}}`) or that
    /// follow a secret flag in an argument array (`["--token", "…"]`).
    ///
    /// Returns one [`Hit`] per redaction.
    pub fn redact_json(&self, v: &mut Value) -> Vec<Hit> {
        let mut hits = Vec::new();
        self.walk(v, None, &Path::Root, &mut hits);
        hits
    }

    fn walk(&self, v: &mut Value, key: Option<&str>, path: &Path<'_>, hits: &mut Vec<Hit>) {
        match v {
            Value::String(s) => self.redact_member(s, key, path, hits),
            Value::Array(items) => {
                let mut after_flag = false;
                for (i, item) in items.iter_mut().enumerate() {
                    let child = Path::Index(path, i);
                    if after_flag {
                        if let Value::String(s) = item {
                            self.redact_member(s, Some("--token"), &child, hits);
                        } else {
                            self.walk(item, None, &child, hits);
                        }
                    } else {
                        self.walk(item, None, &child, hits);
                    }
                    after_flag = matches!(item, Value::String(s) if is_secret_flag(s));
                }
            }
            Value::Object(map) => {
                self.redact_keys(map, path, hits);
                for (k, item) in map.iter_mut() {
                    let child = Path::Key(path, k);
                    self.walk(item, Some(k), &child, hits);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// Redacts a string member: its own secrets, or the whole value when its key names a
    /// secret and the value is not a placeholder.
    fn redact_member(
        &self,
        s: &mut String,
        key: Option<&str>,
        path: &Path<'_>,
        hits: &mut Vec<Hit>,
    ) {
        let (red, kinds) = self.redact_str(s);
        if let Cow::Owned(red) = red {
            *s = red;
            hits.extend(kinds.into_iter().map(|kind| Hit { kind, pointer: path.pointer() }));
            return;
        }
        let Some(key) = key else { return };
        let Some(class) = context::classify_name(key.trim_start_matches('-')) else {
            return;
        };
        let kind = match class {
            KeyClass::Authorization => authorization_value(s),
            _ => context::judge(class, key, s, true),
        };
        if let Some(kind) = kind {
            s.clear();
            push_marker(s, kind);
            hits.push(Hit { kind, pointer: path.pointer() });
        }
    }

    /// Redacts secrets that appear in object keys (rare, but hostile data can do it).
    fn redact_keys(&self, map: &mut Map<String, Value>, path: &Path<'_>, hits: &mut Vec<Hit>) {
        if !map.keys().any(|k| self.contains_secret(k)) {
            return;
        }
        let old = std::mem::take(map);
        for (k, v) in old {
            let (red, kinds) = self.redact_str(&k);
            let mut new_key = red.into_owned();
            if !kinds.is_empty() {
                let base = new_key.clone();
                let mut n = 2;
                while map.contains_key(&new_key) {
                    new_key = format!("{base}#{n}");
                    n += 1;
                }
                let pointer = Path::Key(path, &new_key).pointer();
                hits.extend(kinds.into_iter().map(|kind| Hit { kind, pointer: pointer.clone() }));
            }
            map.insert(new_key, v);
        }
    }

    /// All secret spans in `s`, merged and sorted.
    fn find(&self, s: &str) -> Vec<Span> {
        let b = s.as_bytes();
        let pf = &self.prefilter;
        let mut spans: Vec<Span> = Vec::new();
        let mut armed: u64 = 0;
        let mut name_end = 0;
        // The span reaching furthest among those found by context scanners (values) and by
        // the private key scanner, as (start, end).
        let mut value_cover = (0, 0);
        let mut key_cover = (0, 0);
        let mut next_key_end = context::NextKeyEnd::default();
        // Texts redacted before carry markers; only then is each hit checked against them.
        let has_markers = memchr::memmem::find(b, MARKER.as_bytes()).is_some();
        // The hot loop only collects the positions whose trigram hash is set; everything else
        // happens below, on those few.
        let mut candidates: Vec<(usize, usize)> = Vec::new();
        let mut h = 0;
        for (j, &c) in b.iter().enumerate() {
            h = roll(h, c);
            if pf.bits.get(h / 64).copied().unwrap_or(0) >> (h % 64) & 1 == 1 && j >= 2 {
                candidates.push((j - 2, h));
            }
        }
        for (i, h) in candidates {
            let bucket = pf.bucket_of.get(h).copied().unwrap_or(0);
            let Some(bucket) = pf.buckets.get(usize::from(bucket).wrapping_sub(1)) else {
                continue;
            };
            for &k in bucket {
                let Some(kw) = pf.keywords.get(usize::from(k)) else { continue };
                let end = i + kw.text.len();
                let Some(at) = b.get(i..end) else { continue };
                if !at.eq_ignore_ascii_case(kw.text.as_bytes()) {
                    continue;
                }
                // Markers are never matched again: that keeps redaction idempotent.
                if has_markers && in_marker(b, i) {
                    continue;
                }
                if kw.case_sensitive && at != kw.text.as_bytes() {
                    continue;
                }
                // Context scanners skip hits inside a span they found before: parsing them
                // again is wasted work, and on hostile input (`token=token=…`, runs of key
                // headers) quadratic. Format rules always run, so the most specific kind wins.
                let context = !matches!(
                    kw.trigger,
                    Trigger::Token { .. } | Trigger::Regex { .. } | Trigger::Mailchimp
                );
                let cover = if matches!(kw.trigger, Trigger::PrivateKey) {
                    &mut key_cover
                } else {
                    &mut value_cover
                };
                if context && cover.0 <= i && i < cover.1 {
                    continue;
                }
                let before = spans.len();
                match kw.trigger {
                    Trigger::Token { rule, prefix } => {
                        let Some(rule) = TOKEN_RULES.get(usize::from(rule)) else {
                            continue;
                        };
                        let Some(prefix) = rule.prefixes.get(usize::from(prefix)) else {
                            continue;
                        };
                        if let Some((start, end)) = rules::match_token(b, i, prefix, rule) {
                            spans.push(Span { start, end, kind: rule.kind });
                        }
                    }
                    Trigger::Regex { rule } => armed |= 1 << rule,
                    Trigger::Mailchimp => context::mailchimp_at(s, i, &mut spans),
                    Trigger::Name => {
                        if i >= name_end {
                            name_end = context::assignment_at(s, i, end, &mut spans);
                        }
                    }
                    Trigger::Bearer => context::bearer_at(s, i, end, &mut spans),
                    Trigger::Url => context::url_at(s, i, &mut spans),
                    Trigger::PrivateKey => {
                        context::private_key_at(s, i, &mut next_key_end, &mut spans);
                    }
                    Trigger::CurlUser => context::curl_user_at(s, i, end, &mut spans),
                    Trigger::Netrc => context::netrc_at(s, i, end, &mut spans),
                    Trigger::MysqlPassword => context::mysql_password_at(s, end, &mut spans),
                }
                if context {
                    for sp in spans.get(before..).unwrap_or_default() {
                        if sp.end > cover.1 {
                            *cover = (sp.start, sp.end);
                        }
                    }
                }
            }
        }
        if armed != 0 {
            for (i, rule) in REGEX_RULES.iter().enumerate() {
                if armed & (1 << i) != 0 {
                    regex_spans(s, i, rule, &mut spans);
                }
            }
        }
        if spans.is_empty() {
            return spans;
        }
        // A finding that reaches into an existing marker would redact the marker again.
        if has_markers {
            let markers = marker_ranges(b);
            spans.retain(|sp| !markers.iter().any(|&(ms, me)| sp.start < me && ms < sp.end));
        }
        merge(spans)
    }
}

/// Runs regex rule `i` over `s`.
fn regex_spans(s: &str, i: usize, rule: &rules::RegexRule, spans: &mut Vec<Span>) {
    let Some(re) = rules::compiled(i) else { return };
    let b = s.as_bytes();
    for caps in re.captures_iter(b) {
        let Some(g) = caps.get(1) else { continue };
        if b.get(g.end()).is_some_and(|&c| rule.right.has(c)) {
            continue;
        }
        if rule.kind == SecretKind::EnvSecret {
            let value = String::from_utf8_lossy(g.as_bytes());
            if context::is_placeholder(&value, "password", false) {
                continue;
            }
        }
        spans.push(Span { start: g.start(), end: g.end(), kind: rule.kind });
    }
}

/// Sorts spans and merges overlapping ones; the merged span takes the most specific kind.
fn merge(mut spans: Vec<Span>) -> Vec<Span> {
    if spans.len() <= 1 {
        return spans;
    }
    spans.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        match out.last_mut() {
            Some(last) if span.start < last.end => {
                last.end = last.end.max(span.end);
                if span.kind.rank() > last.kind.rank() {
                    last.kind = span.kind;
                }
            }
            _ => out.push(span),
        }
    }
    out
}

const MARKER: &str = "[REDACTED:";

/// Passes of [`Redactor::redact_str`] at most (each after the first only when the previous
/// one found something).
const MAX_PASSES: usize = 4;

/// `s` with each span replaced by its marker; the kinds are appended to `kinds`.
fn rewrite(s: &str, spans: &[Span], kinds: &mut Vec<SecretKind>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pos = 0;
    for span in spans {
        // Spans start and end at ASCII delimiters; widening to char boundaries keeps that an
        // invariant rather than a panic, and never leaves part of a secret behind.
        let mut start = span.start.max(pos);
        while start > pos && !s.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = span.end.min(s.len());
        while end < s.len() && !s.is_char_boundary(end) {
            end += 1;
        }
        if let Some(before) = s.get(pos..start) {
            out.push_str(before);
            push_marker(&mut out, span.kind);
            kinds.push(span.kind);
            pos = end;
        }
    }
    out.push_str(s.get(pos..).unwrap_or_default());
    out
}

/// The end of the `[REDACTED:<kind>]` marker starting at `start`, if one does: `[REDACTED:`,
/// then 1-40 bytes of `a-z` or `-`, then `]`. Anything else (a broken marker in hostile
/// input) is ordinary text.
fn marker_end(b: &[u8], start: usize) -> Option<usize> {
    let id_start = start + MARKER.len();
    if !b.get(start..)?.starts_with(MARKER.as_bytes()) {
        return None;
    }
    let id_len = b
        .get(id_start..)?
        .iter()
        .take(41)
        .take_while(|c| c.is_ascii_lowercase() || **c == b'-')
        .count();
    ((1..=40).contains(&id_len) && b.get(id_start + id_len) == Some(&b']'))
        .then_some(id_start + id_len + 1)
}

/// Whether byte `at` is inside a `[REDACTED:<kind>]` marker.
fn in_marker(b: &[u8], at: usize) -> bool {
    let from = at.saturating_sub(MARKER.len() + 40);
    let Some(window) = b.get(from..at) else {
        return false;
    };
    memchr::memmem::rfind(window, MARKER.as_bytes())
        .and_then(|i| marker_end(b, from + i))
        .is_some_and(|end| at < end)
}

/// The byte ranges of the `[REDACTED:<kind>]` markers in `b`.
fn marker_ranges(b: &[u8]) -> Vec<(usize, usize)> {
    memchr::memmem::find_iter(b, MARKER.as_bytes())
        .filter_map(|start| Some((start, marker_end(b, start)?)))
        .collect()
}

fn push_marker(out: &mut String, kind: SecretKind) {
    out.push_str(MARKER);
    out.push_str(kind.id());
    out.push(']');
}

/// Whether an argument is a flag whose next argument is a secret (`--token`, `--password`).
fn is_secret_flag(arg: &str) -> bool {
    arg.starts_with("--")
        && !arg.contains('=')
        && matches!(context::classify_name(arg.trim_start_matches('-')), Some(KeyClass::Secret(_)))
}

/// The kind of a whole `Authorization` header value (`Bearer …`, `Basic …`, a bare token).
fn authorization_value(v: &str) -> Option<SecretKind> {
    let mut parts = v.split_ascii_whitespace();
    let first = parts.next()?;
    match parts.next() {
        None => {
            context::judge(KeyClass::Secret(SecretKind::EnvSecret), "authorization", first, true)
        }
        Some(cred) => {
            if context::is_placeholder(cred, "token", false) || cred.len() < 8 {
                return None;
            }
            match first.to_ascii_lowercase().as_str() {
                "bearer" | "token" | "bot" | "jwt" => Some(SecretKind::BearerToken),
                "basic" => Some(SecretKind::BasicAuth),
                _ => None,
            }
        }
    }
}

/// A position in a JSON tree, built on the stack while walking (no allocation unless a
/// pointer is needed for a hit).
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    /// The RFC 6901 JSON Pointer of this position.
    fn pointer(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Path::Root => {}
            Path::Key(parent, key) => {
                parent.write(out);
                out.push('/');
                for c in key.chars() {
                    match c {
                        '~' => out.push_str("~0"),
                        '/' => out.push_str("~1"),
                        c => out.push(c),
                    }
                }
            }
            Path::Index(parent, i) => {
                parent.write(out);
                out.push('/');
                out.push_str(&i.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests;
