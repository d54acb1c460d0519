//! One hook call, end to end inside capture: payload bytes in, redacted events out.
//!
//! This is what `tl hook` runs between reading its standard input and appending to the log. It
//! never fails: a payload that is not JSON, not an object, or enormous still becomes an event
//! (an `OTHER` one at worst, with the redacted text and a note of what was wrong), because a
//! hook call that leaves no trace is the one a user will be looking for.

use std::borrow::Cow;

use event::{Agent, Event, Kind, Phase, SessionId, Source, Timestamp};
use serde_json::Value;

use crate::redact::Redactor;

/// Payloads above this size have their long strings shortened before anything else.
pub const LARGE_PAYLOAD: usize = 1024 * 1024;
/// The longest string kept whole in a large payload; longer ones keep their first and last
/// halves of this around a marker.
pub const MAX_STRING: usize = 256 * 1024;
/// How much of a payload that is not JSON is kept.
pub const MAX_UNPARSED: usize = 256 * 1024;

/// What came of one hook call.
#[derive(Debug, Default)]
pub struct Captured {
    /// The events to append, redacted.
    pub events: Vec<Event>,
    /// How many secrets were replaced by `[REDACTED:<kind>]`.
    pub redactions: usize,
    /// What was wrong with the payload, for `errors.log` (the events are still recorded).
    pub problems: Vec<String>,
}

/// Captures one hook payload of `agent`: parse, shorten if huge, redact, normalize.
pub fn capture_hook(agent: Agent, bytes: &[u8], now: Timestamp, redactor: &Redactor) -> Captured {
    let mut out = Captured::default();
    let mut value: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            out.problems.push(format!("payload is not JSON ({} bytes): {e}", bytes.len()));
            out.events.push(unparsed(agent, bytes, now, redactor, &mut out.redactions));
            return out;
        }
    };
    let shortened = if bytes.len() > LARGE_PAYLOAD { shorten_strings(&mut value) } else { 0 };
    if shortened > 0 {
        out.problems.push(format!(
            "payload of {} bytes: {shortened} strings longer than {MAX_STRING} bytes were shortened",
            bytes.len()
        ));
    }
    let hits = redactor.redact_json(&mut value);
    out.redactions = hits.len();
    // With nothing changed, the raw payload is the text exactly as sent (key order and all).
    let text = (hits.is_empty() && shortened == 0)
        .then(|| std::str::from_utf8(bytes).ok().map(str::trim))
        .flatten();
    match crate::hook::normalize(agent, &value, text, now) {
        Ok(events) => out.events = events,
        Err(e) => {
            out.problems.push(e.to_string());
            let raw = serde_json::to_string(&value).unwrap_or_default();
            let mut event =
                other(agent, now, format!("{agent} hook payload that is not an object"));
            event.raw = raw;
            out.events.push(event);
        }
    }
    out
}

/// Captures Codex's turn-complete notification (JSON as the last command-line argument).
pub fn capture_codex_notify(arg: &str, now: Timestamp, redactor: &Redactor) -> Captured {
    let mut out = Captured::default();
    let mut value: Value = match serde_json::from_str(arg) {
        Ok(v) => v,
        Err(e) => {
            out.problems.push(format!("codex notify argument is not JSON: {e}"));
            out.events.push(unparsed(
                Agent::Codex,
                arg.as_bytes(),
                now,
                redactor,
                &mut out.redactions,
            ));
            return out;
        }
    };
    out.redactions = redactor.redact_json(&mut value).len();
    match crate::normalize_codex_notify(&value, now) {
        Ok(event) => out.events.push(event),
        Err(e) => {
            out.problems.push(e.to_string());
            let mut event =
                other(Agent::Codex, now, "codex notification that is not an object".into());
            event.raw = serde_json::to_string(&value).unwrap_or_default();
            out.events.push(event);
        }
    }
    out
}

/// Redacts every text an event carries (raw payload, summary and the free-text fields), for
/// events built from sources that were not redacted as JSON first (transcripts). Returns how many
/// secrets were replaced.
pub fn redact_event(redactor: &Redactor, e: &mut Event) -> usize {
    let mut count = 0;
    let mut fix = |s: &mut String| {
        let (redacted, kinds) = redactor.redact_str(s);
        if !kinds.is_empty() {
            count += kinds.len();
            *s = redacted.into_owned();
        }
    };
    fix(&mut e.raw);
    fix(&mut e.summary);
    let f = &mut e.fields;
    for s in [
        &mut f.command,
        &mut f.url,
        &mut f.query,
        &mut f.text,
        &mut f.output,
        &mut f.stderr,
        &mut f.error,
        &mut f.reason,
        &mut f.cwd,
    ]
    .into_iter()
    .flatten()
    {
        fix(s);
    }
    f.paths.iter_mut().for_each(&mut fix);
    count
}

fn other(agent: Agent, now: Timestamp, summary: String) -> Event {
    let mut e = Event::new(
        now,
        SessionId::from("unknown"),
        agent,
        Source::Hook,
        Kind::Other,
        Phase::Instant,
    );
    e.summary = summary;
    e
}

/// An event for bytes that are not JSON: their (redacted, lossy, capped) text.
fn unparsed(
    agent: Agent,
    bytes: &[u8],
    now: Timestamp,
    redactor: &Redactor,
    redactions: &mut usize,
) -> Event {
    let kept = bytes.get(..MAX_UNPARSED).unwrap_or(bytes);
    let text = String::from_utf8_lossy(kept);
    let (redacted, kinds) = redactor.redact_str(&text);
    *redactions += kinds.len();
    let mut raw = redacted.into_owned();
    if bytes.len() > kept.len() {
        raw.push_str(&format!("…[tl: {} more bytes not kept]", bytes.len() - kept.len()));
    }
    let mut e =
        other(agent, now, format!("unparseable {agent} hook payload ({} bytes)", bytes.len()));
    e.raw = raw;
    e
}

/// Shortens every string longer than [`MAX_STRING`] bytes to its head and tail around a marker
/// saying how much was cut; returns how many were shortened.
pub fn shorten_strings(value: &mut Value) -> usize {
    match value {
        Value::String(s) if s.len() > MAX_STRING => {
            let shortened = shorten(s);
            *s = shortened.into_owned();
            1
        }
        Value::Array(items) => items.iter_mut().map(shorten_strings).sum(),
        Value::Object(map) => map.values_mut().map(shorten_strings).sum(),
        _ => 0,
    }
}

fn shorten(s: &str) -> Cow<'_, str> {
    if s.len() <= MAX_STRING {
        return Cow::Borrowed(s);
    }
    let half = MAX_STRING / 2;
    let head_end = floor_char_boundary(s, half);
    let tail_start = ceil_char_boundary(s, s.len() - half);
    let cut = tail_start - head_end;
    Cow::Owned(format!("{}…[tl: {cut} bytes cut]…{}", &s[..head_end], &s[tail_start..]))
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        Timestamp(1_700_000_000_000_000_000)
    }

    #[test]
    fn a_plain_payload_keeps_its_text_as_raw() {
        let bytes = br#"{"session_id":"s1","hook_event_name":"UserPromptSubmit","prompt":"tidy config/","cwd":"/w"}"#;
        let c = capture_hook(Agent::ClaudeCode, bytes, now(), Redactor::shared());
        assert_eq!(c.events.len(), 1);
        assert_eq!(c.events[0].kind, Kind::UserInput);
        assert_eq!(c.events[0].raw.as_bytes(), bytes);
        assert_eq!(c.redactions, 0);
        assert!(c.problems.is_empty());
    }

    #[test]
    fn secrets_never_reach_the_events() {
        let secret = "ghp_".to_string() + &"a1B2c3D4e5".repeat(4)[..36];
        let payload = format!(
            r#"{{"session_id":"s1","hook_event_name":"PreToolUse","tool_name":"Bash","tool_use_id":"t1","tool_input":{{"command":"curl -H 'Authorization: token {secret}' https://api.github.com"}}}}"#
        );
        let c = capture_hook(Agent::ClaudeCode, payload.as_bytes(), now(), Redactor::shared());
        assert!(c.redactions >= 1);
        let all = format!("{:?}", c.events);
        assert!(!all.contains(&secret), "secret leaked: {all}");
        assert!(all.contains("[REDACTED:"), "{all}");
    }

    #[test]
    fn garbage_becomes_an_other_event_with_a_problem() {
        for bytes in
            [&b"not json at all"[..], b"{\"truncated\": ", b"\xff\xfe\x00garbage", b"42", b"[1,2]"]
        {
            let c = capture_hook(Agent::Gemini, bytes, now(), Redactor::shared());
            assert_eq!(c.events.len(), 1, "{bytes:?}");
            assert_eq!(c.events[0].kind, Kind::Other);
            assert_eq!(c.problems.len(), 1, "{bytes:?}");
        }
    }

    #[test]
    fn huge_strings_are_shortened_with_a_marker() {
        let big = "x".repeat(3 * 1024 * 1024);
        let payload = format!(
            r#"{{"session_id":"s1","hook_event_name":"PostToolUse","tool_name":"Bash","tool_use_id":"t1","tool_input":{{"command":"cat big"}},"tool_response":{{"stdout":"{big}"}}}}"#
        );
        let c = capture_hook(Agent::ClaudeCode, payload.as_bytes(), now(), Redactor::shared());
        assert_eq!(c.events.len(), 1);
        let e = &c.events[0];
        assert!(e.raw.len() < 2 * MAX_STRING, "raw is {} bytes", e.raw.len());
        assert!(e.raw.contains("bytes cut]"));
        assert_eq!(e.kind, Kind::ShellExec);
        assert_eq!(e.correlation.as_ref().map(|c| c.as_str()), Some("t1"));
        assert_eq!(c.problems.len(), 1);
    }

    #[test]
    fn redact_event_covers_raw_summary_and_fields() {
        let key = "sk-ant-api03-".to_string() + &"Zx9".repeat(31) + "AA";
        let mut e = other(Agent::ClaudeCode, now(), format!("$ export ANTHROPIC_API_KEY={key}"));
        e.raw = format!("{{\"command\":\"export ANTHROPIC_API_KEY={key}\"}}");
        e.fields.command = Some(format!("export ANTHROPIC_API_KEY={key}"));
        e.fields.output = Some(format!("key={key}"));
        assert!(redact_event(Redactor::shared(), &mut e) >= 4);
        assert!(!format!("{e:?}").contains(&key));
    }

    #[test]
    fn codex_notify_from_an_argument() {
        let arg = r#"{"type":"agent-turn-complete","thread-id":"th1","turn-id":"tu1","cwd":"/w","input-messages":["hi"],"last-assistant-message":"done"}"#;
        let c = capture_codex_notify(arg, now(), Redactor::shared());
        assert_eq!(c.events.len(), 1);
        assert!(c.problems.is_empty());
        let bad = capture_codex_notify("{oops", now(), Redactor::shared());
        assert_eq!(bad.events[0].kind, Kind::Other);
    }
}
