//! Secrets recognised by their context rather than their format: values of secret-named
//! keys, variables and flags, URL passwords, authorization headers and private key blocks.
//!
//! Each scanner starts at a pre-filter hit (a keyword such as `token`, `://`, `bearer`,
//! `-----BEGIN`) and looks only at the bytes around it, so its cost is proportional to the
//! number of hits, not to the size of the text.

use super::SecretKind;
use super::rules::{ALNUM, B64URL, Charset, after_escape, longest_alnum_run};

/// A byte range to redact and what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) kind: SecretKind,
}

/// What a key, variable or flag name says about its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyClass {
    /// The value is a secret whatever it looks like (`password`, `GITHUB_TOKEN`).
    Secret(SecretKind),
    /// The value is a secret only if it looks random (`key`, `auth`, `sig`, `salt`).
    Weak,
    /// An authorization header: `<scheme> <credentials>`.
    Authorization,
    /// A cookie header: `name=value; name2=value2`, secret when random or secret-named.
    Cookie,
}

const IDENT: Charset = Charset::new(b"A-Za-z0-9_.-");
/// Longest name looked at; longer runs are data, not names.
const MAX_NAME: usize = 96;

/// Words before `key` that make it a secret key (`api_key`, `AWS_SECRET_ACCESS_KEY`).
const SECRET_KEY_QUALIFIERS: &[&str] = &[
    "access",
    "account",
    "admin",
    "api",
    "app",
    "application",
    "auth",
    "client",
    "consumer",
    "crypto",
    "decryption",
    "deploy",
    "encrypt",
    "encryption",
    "gpg",
    "hmac",
    "jwt",
    "license",
    "live",
    "master",
    "pgp",
    "private",
    "prod",
    "rest",
    "root",
    "sas",
    "secret",
    "server",
    "service",
    "session",
    "shared",
    "sign",
    "signing",
    "ssh",
    "storage",
    "subscription",
    "webhook",
    "write",
];

/// Words before `token` that make it not a credential (`max_tokens`, `page_token`).
const NON_SECRET_TOKEN_QUALIFIERS: &[&str] = &[
    "bos",
    "cancel",
    "cancellation",
    "cls",
    "continuation",
    "count",
    "end",
    "eos",
    "input",
    "limit",
    "mask",
    "max",
    "min",
    "next",
    "num",
    "output",
    "pad",
    "page",
    "pagination",
    "prev",
    "previous",
    "sep",
    "special",
    "start",
    "stop",
    "sync",
    "total",
    "unk",
];

/// Words before `pass` that make it a password (`DB_PASS`), as `pass` alone is often a verb.
const PASS_QUALIFIERS: &[&str] = &[
    "admin",
    "api",
    "app",
    "db",
    "email",
    "ftp",
    "http",
    "key",
    "keystore",
    "ldap",
    "login",
    "mail",
    "my",
    "mysql",
    "pg",
    "postgres",
    "proxy",
    "redis",
    "root",
    "sa",
    "smtp",
    "ssh",
    "store",
    "sudo",
    "truststore",
    "user",
    "vpn",
    "wifi",
];

/// Splits a name into lowercase words at `_`, `-`, `.` and camelCase boundaries.
pub(crate) fn words(name: &str) -> Vec<String> {
    let b = name.as_bytes();
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for (i, &c) in b.iter().enumerate() {
        if matches!(c, b'_' | b'-' | b'.' | b' ') {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = if i > 0 { b[i - 1] } else { b'_' };
        let next = b.get(i + 1).copied().unwrap_or(b'_');
        let boundary = c.is_ascii_uppercase()
            && !cur.is_empty()
            && (prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next.is_ascii_lowercase()));
        if boundary {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c.to_ascii_lowercase() as char);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A cheap, allocation-free necessary condition for [`classify_name`]: the name ends with a
/// word that can name a secret. Most keyword hits (`transcript_path`, `tokenizer`, `monkey`)
/// stop here.
fn ends_like_secret_name(name: &[u8]) -> bool {
    const SUFFIXES: &[&[u8]] = &[
        b"password",
        b"passwd",
        b"passphrase",
        b"secret",
        b"credential",
        b"credentials",
        b"creds",
        b"key",
        b"token",
        b"pwd",
        b"pass",
        b"pat",
        b"auth",
        b"sig",
        b"salt",
        b"authorization",
        b"cookie",
    ];
    SUFFIXES.iter().any(|suffix| {
        name.len() >= suffix.len() && name[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
    })
}

/// What a name says about its value, or `None` for an ordinary name.
pub(crate) fn classify_name(name: &str) -> Option<KeyClass> {
    if name.is_empty() || name.len() > MAX_NAME {
        return None;
    }
    let w = words(name);
    let last = w.last()?.as_str();
    let prev = w.len().checked_sub(2).and_then(|i| w.get(i)).map(String::as_str);
    let has = |x: &str| w.iter().any(|y| y == x);
    let secret = |kind| Some(KeyClass::Secret(kind));
    let generic = || {
        if has("aws") && has("secret") || (has("secret") && has("access") && last == "key") {
            secret(SecretKind::AwsSecretKey)
        } else {
            secret(SecretKind::EnvSecret)
        }
    };
    match last {
        "password" | "passwd" | "passphrase" | "secret" | "credential" | "credentials"
        | "creds" | "apikey" | "accesstoken" | "authtoken" | "privatekey" | "secretkey"
        | "accesskey" | "clientsecret" | "refreshtoken" | "sessiontoken" | "apitoken"
        | "apisecret" | "appsecret" | "masterkey" | "signingkey" | "encryptionkey" | "idtoken"
        | "bearertoken" => generic(),
        "pwd" => {
            // `PWD`/`OLDPWD` are the shell's working directory.
            if w.len() == 1 || prev == Some("old") { None } else { generic() }
        }
        "pass" => {
            if w.len() == 1 || prev.is_some_and(|p| PASS_QUALIFIERS.contains(&p)) {
                generic()
            } else {
                None
            }
        }
        "pat" => {
            if w.len() > 1 {
                generic()
            } else {
                None
            }
        }
        "token" => {
            if prev.is_some_and(|p| NON_SECRET_TOKEN_QUALIFIERS.contains(&p)) {
                None
            } else {
                generic()
            }
        }
        "key" => match prev {
            Some(p) if SECRET_KEY_QUALIFIERS.contains(&p) => generic(),
            Some(
                "public" | "publishable" | "pub" | "primary" | "foreign" | "sort" | "partition"
                | "cache" | "lookup" | "map" | "unique" | "idempotency" | "hash" | "row" | "index"
                | "dedup" | "dedupe" | "group" | "routing" | "object" | "s3" | "i18n"
                | "translation" | "react" | "hot",
            ) => None,
            _ => Some(KeyClass::Weak),
        },
        // Not `signature`: Claude's thinking blocks carry a public `signature` blob.
        "auth" | "sig" | "salt" => Some(KeyClass::Weak),
        "authorization" => Some(KeyClass::Authorization),
        "cookie" => Some(KeyClass::Cookie),
        // Run-together names: `PGPASSWORD`, `MYSQLPASSWORD`, `NPMTOKEN`.
        l if l.len() > 8
            && (l.ends_with("password") || l.ends_with("passwd") || l.ends_with("secret"))
            || l.len() > 6 && l.ends_with("token") && !l.ends_with("retoken") =>
        {
            generic()
        }
        _ => None,
    }
}

/// Whether a value is a placeholder, a reference or code rather than a secret.
///
/// `quoted` says the value was a string literal: bare values are also checked for code
/// (`os.environ[...]`, `settings.token`, type names).
pub(crate) fn is_placeholder(v: &str, name: &str, quoted: bool) -> bool {
    let t = v.trim();
    if t.is_empty() {
        return true;
    }
    let b = t.as_bytes();
    if matches!(b[0], b'$' | b'%' | b'<' | b'[' | b'*' | b'&' | b'#' | b'@' | b'{' | b'(') {
        return true;
    }
    if b.iter().all(|&c| c == b[0]) {
        return true;
    }
    let lower = t.to_ascii_lowercase();
    const EXACT: &[&str] = &[
        "true",
        "false",
        "null",
        "none",
        "nil",
        "undefined",
        "yes",
        "no",
        "on",
        "off",
        "empty",
        "unset",
        "required",
        "optional",
        "string",
        "str",
        "text",
        "int",
        "integer",
        "number",
        "bool",
        "boolean",
        "any",
        "object",
        "bytes",
        "redacted",
        "hidden",
        "masked",
        "secret",
        "password",
        "passwd",
        "pass",
        "token",
        "key",
        "changeme",
        "change_me",
        "change-me",
        "replaceme",
        "replace_me",
        "todo",
        "tbd",
        "fixme",
        "n/a",
        "na",
        "dummy",
        "sample",
        "placeholder",
        "default",
        "env",
        "value",
        "...",
        "xxx",
        "example",
    ];
    if EXACT.contains(&lower.as_str()) {
        return true;
    }
    const CONTAINS: &[&str] = &[
        "your",
        "placeholder",
        "changeme",
        "change_me",
        "change-me",
        "replace",
        "dummy",
        "xxxx",
        "****",
        "....",
        "redacted",
        "${",
        "{{",
        "<",
        ">",
        "insert",
        "_here",
        "-here",
        " here",
    ];
    if CONTAINS.iter().any(|p| lower.contains(p)) {
        return true;
    }
    // The name itself, or one of its words, as the value: `--token TOKEN`, `token=token`.
    if lower == name.to_ascii_lowercase() || words(name).contains(&lower) {
        return true;
    }
    if !quoted && looks_like_code(t) {
        return true;
    }
    false
}

/// Bare values that are expressions in code, not literals.
fn looks_like_code(t: &str) -> bool {
    let b = t.as_bytes();
    if t.contains(['(', '[', '{', '<']) {
        return true;
    }
    // A type name: `String`, `SecretStr`, `Option`.
    if b[0].is_ascii_uppercase() && b.iter().all(u8::is_ascii_alphabetic) && b.len() > 1 {
        let rest_lower = b[1..].iter().any(u8::is_ascii_lowercase);
        if rest_lower {
            return true;
        }
    }
    // A dotted path of identifiers: `settings.API_KEY`, `process.env.TOKEN`, `args.token`.
    let segments: Vec<&str> = t.split('.').collect();
    if segments.len() >= 2
        && segments.iter().all(|s| {
            let sb = s.as_bytes();
            !sb.is_empty()
                && (sb[0].is_ascii_alphabetic() || sb[0] == b'_')
                && sb.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_')
        })
    {
        return true;
    }
    false
}

/// Shannon entropy of the bytes of `s`, in bits per byte.
pub(crate) fn entropy(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &c in s {
        counts[c as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Whether a value under a weakly secret-looking name looks like a random secret.
pub(crate) fn looks_random(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() < 16 || b.len() > 4096 || b.iter().any(u8::is_ascii_whitespace) {
        return false;
    }
    if b[0] == b'/' || v.starts_with("./") || v.starts_with("~/") || v.contains("://") {
        return false;
    }
    let hex = b.iter().all(u8::is_ascii_hexdigit);
    // Digests: git object ids, sha256, sha512.
    if hex && matches!(b.len(), 40 | 64 | 128) {
        return false;
    }
    if is_uuid(b) {
        return false;
    }
    let digits = b.iter().any(u8::is_ascii_digit);
    let letters = b.iter().any(u8::is_ascii_alphabetic);
    digits && letters && entropy(b) >= 3.0 && longest_alnum_run(b) >= 8
}

fn is_uuid(b: &[u8]) -> bool {
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| {
            if matches!(i, 8 | 13 | 18 | 23) { c == b'-' } else { c.is_ascii_hexdigit() }
        })
}

/// Decides whether `value`, assigned to a name of class `class`, is a secret, and of which
/// kind. Used both for text assignments and for JSON members.
pub(crate) fn judge(class: KeyClass, name: &str, value: &str, quoted: bool) -> Option<SecretKind> {
    if is_placeholder(value, name, quoted) {
        return None;
    }
    match class {
        KeyClass::Secret(kind) => {
            if value.trim().len() < 3 {
                return None;
            }
            // `PWD=/home/dev`: a working directory, not a password.
            let w = words(name);
            if w.last().is_some_and(|l| l == "pwd") && value.starts_with(['/', '~', '.']) {
                return None;
            }
            // Prose under a secret-looking name: help text, descriptions.
            if value.split_ascii_whitespace().count() > 3 {
                return None;
            }
            Some(kind)
        }
        KeyClass::Weak => looks_random(value).then_some(SecretKind::HighEntropy),
        KeyClass::Authorization => {
            if value.contains(' ') {
                None
            } else {
                Some(SecretKind::EnvSecret)
            }
        }
        KeyClass::Cookie => {
            let spans = cookie_spans(value, 0, value.len());
            spans.iter().map(|sp| sp.kind).max_by_key(|k| k.rank())
        }
    }
}

/// Bytes that end a bare (unquoted) value.
fn ends_bare(c: u8) -> bool {
    c.is_ascii_whitespace()
        || matches!(
            c,
            b'"' | b'\''
                | b'`'
                | b','
                | b';'
                | b'&'
                | b'|'
                | b')'
                | b'}'
                | b']'
                | b'<'
                | b'>'
                | b'\\'
        )
}

/// Scans the assignment around a name keyword hit at `kw_start..kw_end` and pushes the
/// value's span if it is a secret. Returns the end of the name, so later hits inside the
/// same name are skipped.
pub(crate) fn assignment_at(s: &str, kw_start: usize, kw_end: usize, out: &mut Vec<Span>) -> usize {
    let b = s.as_bytes();
    let mut start = kw_start;
    while start > 0 && IDENT.has(b[start - 1]) && kw_end - start < MAX_NAME {
        start -= 1;
    }
    let mut end = kw_end;
    while end < b.len() && IDENT.has(b[end]) && end - start < MAX_NAME {
        end += 1;
    }
    // `\nPASSWORD=` in JSON-encoded text: the `n` belongs to the escape.
    if start + 1 < kw_start && after_escape(b, start + 1) && b.get(start) == Some(&b'n') {
        start += 1;
    }
    let dashes = b[start..end].iter().take_while(|&&c| c == b'-').count();
    let name_end = {
        let mut e = end;
        while e > start && matches!(b[e - 1], b'.' | b'-') {
            e -= 1;
        }
        e
    };
    let name_start = start + dashes;
    if name_start >= name_end || kw_start < name_start {
        return end;
    }
    // `scheme://user:password@host`: the URL scanner owns user info.
    if b[..start].ends_with(b"://") {
        return end;
    }
    let Some(name) = s.get(name_start..name_end) else {
        return end;
    };
    if !ends_like_secret_name(name.as_bytes()) {
        return end;
    }
    let Some(class) = classify_name(name) else {
        return end;
    };
    // `public key: age1…`, `Public Key: ssh-ed25519 …`: a label in prose, and public.
    if class == KeyClass::Weak && matches!(word_before(b, start).as_deref(), Some("public" | "pub"))
    {
        return end;
    }
    value_spans(s, name, name_end, dashes >= 2, class, out);
    end
}

/// The lowercased word right before `at`, across spaces (`public` in `public key`).
fn word_before(b: &[u8], at: usize) -> Option<String> {
    let mut e = at;
    while e > 0 && b[e - 1] == b' ' {
        e -= 1;
    }
    if e == at {
        return None;
    }
    let mut st = e;
    while st > 0 && b[st - 1].is_ascii_alphabetic() {
        st -= 1;
    }
    (st < e).then(|| String::from_utf8_lossy(&b[st..e]).to_ascii_lowercase())
}

/// Skips `<close-quote>? <sep>` after a name ending at `i`. Returns where the value starts
/// and whether the separator was a `:` (YAML, headers), or `None` when no assignment follows.
fn after_separator(b: &[u8], mut i: usize, flag: bool) -> Option<(usize, bool)> {
    // The name's closing quote (`"password": …`, `\"password\": …`, `ENV['X'] = …`).
    if b.get(i..)?.starts_with(b"\\\"") {
        i += 2;
    } else if matches!(b.get(i), Some(b'"' | b'\'' | b'`')) {
        i += 1;
    }
    if b.get(i) == Some(&b']') {
        i += 1;
    }
    let after_name = i;
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    let rest = b.get(i..)?;
    let colon;
    if rest.starts_with(b"=>") || rest.starts_with(b":=") || rest.starts_with(b"?=") {
        i += 2;
        colon = false;
    } else if rest.starts_with(b"==") || rest.starts_with(b"::") {
        return None;
    } else if rest.first() == Some(&b'=') {
        i += 1;
        colon = false;
    } else if rest.first() == Some(&b':') {
        i += 1;
        colon = true;
    } else if flag && i > after_name {
        // `--token VALUE`
        colon = false;
        if matches!(rest.first(), Some(b'-') | None) {
            return None;
        }
    } else {
        return None;
    }
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    Some((i, colon))
}

/// Parses the assignment after a name ending at `i` and pushes the secret spans of its value.
fn value_spans(s: &str, name: &str, i: usize, flag: bool, class: KeyClass, out: &mut Vec<Span>) {
    let b = s.as_bytes();
    let Some((i, colon)) = after_separator(b, i, flag) else { return };
    let span = match class {
        KeyClass::Authorization => quoted_or_bare(b, i, false)
            .and_then(|(vs, ve, quoted)| authorization(s, vs, ve, quoted)),
        KeyClass::Cookie => {
            // The header runs to the end of its line or its closing quote.
            let mut e = i;
            while e < b.len() && !matches!(b[e], b'\n' | b'\r' | b'"' | b'\'' | b'\\' | b'`') {
                e += 1;
            }
            out.extend(cookie_spans(s, i, e));
            None
        }
        KeyClass::Secret(_) | KeyClass::Weak => {
            quoted_or_bare(b, i, colon).and_then(|(vs, ve, quoted)| {
                let kind = judge(class, name, s.get(vs..ve)?, quoted)?;
                Some(Span { start: vs, end: ve, kind })
            })
        }
    };
    out.extend(span);
}

/// The value starting at `i`: a quoted string (without its quotes) or a bare word.
/// After a `:` a bare value must end its line, so prose like `error: bad token` is skipped.
fn quoted_or_bare(b: &[u8], i: usize, colon: bool) -> Option<(usize, usize, bool)> {
    let first = *b.get(i)?;
    let (quote, open): (&[u8], usize) = if b[i..].starts_with(b"\\\"") {
        (b"\\\"", 2)
    } else if matches!(first, b'"' | b'\'' | b'`') {
        (&b[i..=i], 1)
    } else {
        (b"", 0)
    };
    if open > 0 {
        let vs = i + open;
        let mut j = vs;
        let limit = (vs + 8192).min(b.len());
        while j < limit {
            let c = b[j];
            if c == b'\n' {
                return None;
            }
            if b[j..].starts_with(quote) {
                return Some((vs, j, true));
            }
            if c == b'\\' && quote.len() == 1 && quote[0] != b'\'' {
                j += 2;
                continue;
            }
            j += 1;
        }
        return None;
    }
    let mut j = i;
    while j < b.len() && !ends_bare(b[j]) {
        j += 1;
    }
    if j == i {
        return None;
    }
    if colon {
        let mut k = j;
        while matches!(b.get(k), Some(b' ' | b'\t')) {
            k += 1;
        }
        let line_ends = match b.get(k) {
            None => true,
            Some(&c) => {
                matches!(c, b'\n' | b'\r' | b',' | b'}' | b']' | b'"' | b'\'' | b'#' | b'\\')
            }
        };
        if !line_ends {
            return None;
        }
    }
    Some((i, j, false))
}

/// The secret values in the cookie list `s[from..to]`: values of secret-named cookies and
/// random-looking ones (session ids); attributes like `Path=/` stay.
pub(crate) fn cookie_spans(s: &str, from: usize, to: usize) -> Vec<Span> {
    let mut out = Vec::new();
    let Some(list) = s.get(from..to) else { return out };
    let mut offset = from;
    for pair in list.split(';') {
        let pair_start = offset;
        offset += pair.len() + 1;
        let Some(eq) = pair.find('=') else { continue };
        let name = pair[..eq].trim();
        let raw = &pair[eq + 1..];
        let value = raw.trim();
        if value.is_empty() {
            continue;
        }
        let vs = pair_start + eq + 1 + (raw.len() - raw.trim_start().len());
        let kind = match classify_name(name) {
            Some(KeyClass::Secret(kind)) if !is_placeholder(value, name, true) => Some(kind),
            _ => looks_random(value).then_some(SecretKind::HighEntropy),
        };
        if let Some(kind) = kind {
            out.push(Span { start: vs, end: vs + value.len(), kind });
        }
    }
    out
}

/// `Authorization: <scheme> <credentials>`. A quoted value is `vs..ve` whole; a bare one
/// starts with the word at `vs..ve` and its credentials follow on the same line.
fn authorization(s: &str, vs: usize, ve: usize, quoted: bool) -> Option<Span> {
    let b = s.as_bytes();
    let mut scheme_end = vs;
    while scheme_end < ve && !b[scheme_end].is_ascii_whitespace() {
        scheme_end += 1;
    }
    let scheme = s.get(vs..scheme_end)?;
    let mut cs = scheme_end;
    while matches!(b.get(cs), Some(b' ' | b'\t')) {
        cs += 1;
    }
    let ce = if quoted {
        ve
    } else {
        let mut j = cs;
        while j < b.len() && !ends_bare(b[j]) {
            j += 1;
        }
        j
    };
    if cs == scheme_end || (quoted && cs >= ce) {
        // A single word: the credential itself (`Authorization: abc123…`).
        if matches!(scheme.to_ascii_lowercase().as_str(), "bearer" | "basic" | "token" | "bot") {
            return None;
        }
        let kind = judge(KeyClass::Secret(SecretKind::EnvSecret), "authorization", scheme, true)?;
        return Some(Span { start: vs, end: scheme_end, kind });
    }
    if cs >= ce {
        return None;
    }
    let kind = match scheme.to_ascii_lowercase().as_str() {
        "bearer" | "token" | "bot" | "jwt" => SecretKind::BearerToken,
        "basic" => SecretKind::BasicAuth,
        _ => return None,
    };
    let cred = s.get(cs..ce)?;
    if cred.len() < 8 || cred.contains(char::is_whitespace) || is_placeholder(cred, "token", false)
    {
        return None;
    }
    Some(Span { start: cs, end: ce, kind })
}

/// `Bearer <token>` anywhere (headers in logs, code, curl commands).
pub(crate) fn bearer_at(s: &str, kw_start: usize, kw_end: usize, out: &mut Vec<Span>) {
    let b = s.as_bytes();
    if kw_start > 0 && ALNUM.has(b[kw_start - 1]) && !after_escape(b, kw_start) {
        return;
    }
    let mut i = kw_end;
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    if i == kw_end {
        return;
    }
    const CRED: Charset = Charset::new(b"A-Za-z0-9._~+/=-");
    let cs = i;
    while i < b.len() && CRED.has(b[i]) {
        i += 1;
    }
    let Some(cred) = s.get(cs..i) else { return };
    let cb = cred.as_bytes();
    let random = cb.iter().any(u8::is_ascii_digit) || (cb.len() >= 20 && entropy(cb) >= 3.5);
    if cb.len() >= 12 && random && !is_placeholder(cred, "token", false) {
        out.push(Span { start: cs, end: i, kind: SecretKind::BearerToken });
    }
}

/// The password in `scheme://user:password@host` at a `://` hit.
pub(crate) fn url_at(s: &str, sep: usize, out: &mut Vec<Span>) {
    let b = s.as_bytes();
    const SCHEME: Charset = Charset::new(b"A-Za-z0-9+.-");
    if sep == 0 || !SCHEME.has(b[sep - 1]) {
        return;
    }
    let auth_start = sep + 3;
    let mut i = auth_start;
    let mut at = None;
    while i < b.len() && i - auth_start < 1024 {
        let c = b[i];
        if c.is_ascii_whitespace()
            || matches!(
                c,
                b'/' | b'?' | b'#' | b'"' | b'\'' | b'<' | b'>' | b'`' | b'\\' | b'{' | b'}'
            )
        {
            break;
        }
        if c == b'@' {
            at = Some(i);
        }
        i += 1;
    }
    let Some(at) = at else { return };
    let Some(userinfo) = s.get(auth_start..at) else {
        return;
    };
    match userinfo.find(':') {
        Some(colon) => {
            let ps = auth_start + colon + 1;
            let Some(pass) = s.get(ps..at) else { return };
            if !is_placeholder(pass, "password", true) && !is_port(pass) {
                out.push(Span { start: ps, end: at, kind: SecretKind::UrlPassword });
            }
        }
        None => {
            // A token as the user name: `https://<token>@github.com`.
            if looks_random(userinfo) && !userinfo.contains('.') {
                out.push(Span { start: auth_start, end: at, kind: SecretKind::UrlPassword });
            }
        }
    }
}

fn is_port(p: &str) -> bool {
    !p.is_empty() && p.len() <= 5 && p.bytes().all(|c| c.is_ascii_digit())
}

/// Where the next `-----END ` is, remembered across the `-----BEGIN` hits of one text so
/// that many headers without an end (hostile input) do not each search the rest of it.
#[derive(Debug, Default)]
pub(crate) struct NextKeyEnd {
    /// The search started here…
    from: usize,
    /// …and found this (`None`: no `-----END ` after `from`). Unset before the first search.
    found: Option<Option<usize>>,
}

impl NextKeyEnd {
    fn after(&mut self, b: &[u8], from: usize) -> Option<usize> {
        if let Some(found) = self.found
            && from >= self.from
            && found.is_none_or(|at| at >= from)
        {
            return found;
        }
        let found = b
            .get(from..)
            .and_then(|rest| memchr::memmem::find(rest, b"-----END "))
            .map(|i| from + i);
        self.from = from;
        self.found = Some(found);
        found
    }
}

/// A private key block at a `-----BEGIN` hit: the whole block, or, when its end is missing
/// (truncated output), the key material that follows.
pub(crate) fn private_key_at(s: &str, at: usize, next_end: &mut NextKeyEnd, out: &mut Vec<Span>) {
    let b = s.as_bytes();
    let Some(head) = b.get(at..) else { return };
    if !head.starts_with(b"-----BEGIN ") {
        return;
    }
    let label_start = at + "-----BEGIN ".len();
    let mut i = label_start;
    const LABEL: Charset = Charset::new(b"A-Z0-9 _-");
    while i < b.len() && i - label_start < 64 && LABEL.has(b[i]) && !b[i..].starts_with(b"-----") {
        i += 1;
    }
    let label = &b[label_start..i];
    if !b[i..].starts_with(b"-----")
        || !(label.ends_with(b"PRIVATE KEY") || label.ends_with(b"PRIVATE KEY BLOCK"))
    {
        return;
    }
    let body_start = i + 5;
    // Key blocks are a few KiB; an END further than this belongs to something else.
    let end_marker = next_end.after(b, body_start).filter(|&e| e - body_start <= 65536);
    let (body_end, end) = match end_marker {
        Some(end_at) => {
            let end_label = end_at + "-----END ".len();
            match memchr::memmem::find(&b[end_label..(end_label + 80).min(b.len())], b"-----") {
                Some(r) => (end_at, end_label + r + 5),
                None => return,
            }
        }
        None => {
            let end = truncated_key_end(b, body_start);
            (end, end)
        }
    };
    // Count key material in the body only, not in the END label.
    let material = b[body_start..body_end]
        .iter()
        .filter(|&&c| B64URL.has(c) || c == b'+' || c == b'/')
        .count();
    if material >= 32 {
        out.push(Span { start: at, end, kind: SecretKind::PrivateKey });
    }
}

/// Where the key material of a block without `-----END` stops: at a byte that cannot be in
/// a PEM body or its headers, or at a blank line.
fn truncated_key_end(b: &[u8], from: usize) -> usize {
    const BODY: Charset = Charset::new(b"A-Za-z0-9+/=:,.()_ \t\r\n\\-");
    let mut i = from;
    while i < b.len() && BODY.has(b[i]) {
        if b[i..].starts_with(b"\n\n") || b[i..].starts_with(b"\\n\\n") {
            break;
        }
        i += 1;
    }
    while i > from && matches!(b[i - 1], b' ' | b'\t' | b'\r' | b'\n') {
        i -= 1;
    }
    i
}

/// `curl -u user:password` (also `--user`, `-U`/`--proxy-user`): the password, when the
/// line runs `curl` (elsewhere `-u` means other things: `docker run -u 1000:1000`).
pub(crate) fn curl_user_at(s: &str, at: usize, kw_end: usize, out: &mut Vec<Span>) {
    let b = s.as_bytes();
    if at > 0 && !b[at - 1].is_ascii_whitespace() {
        return;
    }
    // `curl` earlier on the same line, within a command line's length (bounded, so that many
    // `-u` in one huge line stay linear).
    let window = &b[at.saturating_sub(8192)..at];
    let line = memchr::memrchr(b'\n', window).map_or(window, |i| &window[i + 1..]);
    if memchr::memmem::rfind(line, b"curl").is_none() {
        return;
    }
    let mut i = kw_end;
    while matches!(b.get(i), Some(b' ' | b'\t' | b'=')) {
        i += 1;
    }
    let quote = match b.get(i) {
        Some(&q @ (b'"' | b'\'')) => {
            i += 1;
            Some(q)
        }
        _ => None,
    };
    let user_start = i;
    while i < b.len() && !matches!(b[i], b':' | b'"' | b'\'') && !b[i].is_ascii_whitespace() {
        i += 1;
    }
    if b.get(i) != Some(&b':') || i == user_start {
        return;
    }
    let ps = i + 1;
    let mut j = ps;
    while j < b.len()
        && !b[j].is_ascii_whitespace()
        && Some(b[j]) != quote
        && b[j] != b'"'
        && b[j] != b'\''
    {
        j += 1;
    }
    let Some(pass) = s.get(ps..j) else { return };
    if pass.len() >= 3 && !is_placeholder(pass, "password", false) {
        out.push(Span { start: ps, end: j, kind: SecretKind::BasicAuth });
    }
}

/// A Mailchimp key, `<32 lowercase hex>-us<1-2 digits>`, at the `-us` hit `at`.
pub(crate) fn mailchimp_at(s: &str, at: usize, out: &mut Vec<Span>) {
    let b = s.as_bytes();
    let Some(start) = at.checked_sub(32) else { return };
    let is_hex = |c: &u8| c.is_ascii_digit() || (b'a'..=b'f').contains(c);
    if !b[start..at].iter().all(is_hex) || (start > 0 && WORD_CHARS.has(b[start - 1])) {
        return;
    }
    let digits = b[at + 3..].iter().take(3).take_while(|c| c.is_ascii_digit()).count();
    let end = at + 3 + digits;
    if !(1..=2).contains(&digits) || b.get(end).is_some_and(|&c| ALNUM.has(c)) {
        return;
    }
    out.push(Span { start, end, kind: SecretKind::MailchimpKey });
}

const WORD_CHARS: Charset = Charset::new(b"A-Za-z0-9_");

/// A `.netrc` entry at a `machine` hit: `machine <host> login <user> password <secret>`.
pub(crate) fn netrc_at(s: &str, at: usize, kw_end: usize, out: &mut Vec<Span>) {
    let b = s.as_bytes();
    if at > 0 && !b[at - 1].is_ascii_whitespace() {
        return;
    }
    // The next whitespace-separated words, as byte ranges.
    let mut words = b[kw_end..]
        .split(|c| c.is_ascii_whitespace())
        .scan(kw_end, |pos, w| {
            let start = *pos;
            *pos += w.len() + 1;
            Some((start, start + w.len()))
        })
        .filter(|(st, en)| en > st)
        .take(5);
    let mut next = || words.next().and_then(|(st, en)| Some((st, en, s.get(st..en)?)));
    let (Some(_host), Some((_, _, login)), Some(_user), Some((_, _, password))) =
        (next(), next(), next(), next())
    else {
        return;
    };
    if login != "login" || password != "password" {
        return;
    }
    let Some((st, en, secret)) = next() else { return };
    if !is_placeholder(secret, "password", false) {
        out.push(Span { start: st, end: en, kind: SecretKind::EnvSecret });
    }
}

/// `mysql … -p<password>` (also `mysqldump`, `mysqladmin`, `mariadb`) after a hit ending at
/// `from`: the attached form only, as `-p name` means "prompt, then use database `name`".
pub(crate) fn mysql_password_at(s: &str, from: usize, out: &mut Vec<Span>) {
    let b = s.as_bytes();
    let line_end = memchr::memchr(b'\n', &b[from..]).map_or(b.len(), |i| from + i).min(from + 4096);
    let Some(line) = b.get(from..line_end) else { return };
    for at in memchr::memmem::find_iter(line, b" -p") {
        let vs = from + at + 3;
        let first = b.get(vs).copied().unwrap_or(b' ');
        if first.is_ascii_whitespace() || first == b'-' {
            continue;
        }
        let (vs, quote) = match first {
            b'\'' | b'"' => (vs + 1, Some(first)),
            _ => (vs, None),
        };
        let mut ve = vs;
        while ve < line_end
            && match quote {
                Some(q) => b[ve] != q,
                None => !b[ve].is_ascii_whitespace() && !matches!(b[ve], b'"' | b'\'' | b';'),
            }
        {
            ve += 1;
        }
        let Some(pass) = s.get(vs..ve) else { continue };
        if !pass.is_empty() && !is_placeholder(pass, "password", false) {
            out.push(Span { start: vs, end: ve, kind: SecretKind::EnvSecret });
        }
    }
}
