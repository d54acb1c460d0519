//! Codex's `notify` program: the JSON it passes as the last argument when a turn completes.
//!
//! ```json
//! {"type":"agent-turn-complete","thread-id":"…","turn-id":"…","cwd":"…","client":"codex_exec",
//!  "input-messages":["…"],"last-assistant-message":"…"}
//! ```

use event::{Agent, Event, Kind, Phase, SessionId, Source, Timestamp};
use serde_json::Value;

use super::json::{str_at, string_at, type_name};
use super::text::SUMMARY_MAX_CHARS;
use super::{excerpt, text::one_line};
use crate::Error;

/// Turns a Codex `notify` payload into an event: `agent-turn-complete` is a `STOP` (text: the last
/// assistant message), any other type an `OTHER`; both with `Source::Notify` and the raw payload.
///
/// # Errors
///
/// [`Error::NotAnObject`] when the payload is not a JSON object.
pub fn normalize_codex_notify(payload: &Value, now: Timestamp) -> Result<Event, Error> {
    if !payload.is_object() {
        return Err(Error::NotAnObject { agent: Agent::Codex, found: type_name(payload) });
    }
    let p = payload;
    let session = str_at(p, "thread-id").or_else(|| str_at(p, "thread_id")).unwrap_or("");
    let kind_name = str_at(p, "type");
    let (kind, summary) = match kind_name {
        Some("agent-turn-complete") => {
            (Kind::Stop, excerpt("turn complete", str_at(p, "last-assistant-message")))
        }
        Some(other) if !other.is_empty() => (Kind::Other, other.to_owned()),
        _ => (Kind::Other, "unknown notify payload".to_owned()),
    };
    let mut e = Event::new(
        now,
        SessionId::from(session),
        Agent::Codex,
        Source::Notify,
        kind,
        Phase::Instant,
    );
    e.fields.hook_event = kind_name.filter(|n| !n.is_empty()).map(str::to_owned);
    e.fields.turn_id = string_at(p, "turn-id").or_else(|| string_at(p, "turn_id"));
    e.fields.cwd = string_at(p, "cwd");
    if kind == Kind::Stop {
        e.fields.text = str_at(p, "last-assistant-message").map(str::to_owned);
    }
    e.summary = one_line(&summary, SUMMARY_MAX_CHARS);
    e.raw = serde_json::to_string(p).unwrap_or_default();
    Ok(e)
}
