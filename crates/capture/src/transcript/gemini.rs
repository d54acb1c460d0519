//! Gemini CLI's chat recordings: `~/.gemini/tmp/<project>/chats/session-<time>-<id>.jsonl`.
//!
//! The first line is the session's header (`sessionId`, `projectHash`, `startTime`, `kind`); then
//! message records (`id`, `timestamp`, `type`: `user`, `gemini`, `info`, `warning`, `error`) and
//! `{"$set": {…}}` updates of the session object. A message is written again each time it grows
//! (a `gemini` message first with its text, thoughts and tokens, again with its `toolCalls`, again
//! with their results), so what a message gives is emitted once per file, keyed on its `id`.
//!
//! | record | events |
//! |---|---|
//! | header | `SESSION_START` |
//! | `user` message with text | `USER_INPUT`; the `<session_context>` Gemini sends first is `OTHER` (and gives the working directory) |
//! | `user` message with only `functionResponse` parts | skipped: the results are in the `gemini` message's `toolCalls` |
//! | `gemini` message | `AGENT_THINK` per thought, `ASSISTANT_TEXT`, per tool call its call (as a `BeforeTool`) and, once its status is `success`, `error` or `cancelled`, its result (as an `AfterTool`), and `TOKEN_USAGE` (`message_id` = the message id) |
//! | `info`, `warning`, `error` message | `OTHER` (`error` with the text as error) |
//! | `$set` with `messages` | each message, as above (copies of messages already seen give nothing) |
//! | `$set` of anything else (`lastUpdated`) | skipped |
//!
//! Correlation: Gemini's hooks carry no call id, so the hook normalizer derives one from the tool's
//! name and arguments; a call read here gets that same id (not the transcript's own call id),
//! which is what makes the two pair up.
//!
//! Token counts: `input` includes the cached tokens (as `promptTokenCount` does), so
//! `Tokens::input` is `input - cached + tool`, unless the cached count exceeds the input count,
//! in which case they were reported apart; `output` includes `thoughts`.

use std::path::Path;

use event::{Event, Kind, Timestamp, Tokens};
use serde_json::{Map, Value};

use super::{Parsed, PendingCall, Reply, State, text_of};
use crate::hook::json::{str_at, string_at, u64_at};

/// The session id until the header says: the file name's short id (`session-<time>-<id>`).
pub(crate) fn from_path(st: &mut State, path: &Path) {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if let Some((_, id)) = stem.strip_prefix("session-").and_then(|rest| rest.rsplit_once('-'))
        && !id.is_empty()
    {
        st.session = id.into();
    }
}

pub(crate) fn parse(st: &mut State, mut rec: Value, raw: &str) -> Parsed {
    if let Some(set) = rec.get_mut("$set").map(Value::take) {
        let ts = st.now();
        return match set {
            Value::Object(mut set) => match set.remove("messages") {
                Some(Value::Array(messages)) => {
                    let mut events = Vec::new();
                    for m in messages {
                        // The line may hold the whole history: each event keeps its own message.
                        let own = serde_json::to_string(&m).unwrap_or_default();
                        events.extend(message(st, m, &own));
                    }
                    Parsed::Events(events)
                }
                _ => Parsed::Skipped,
            },
            _ => Parsed::Unknown("$set".to_owned(), Some(ts)),
        };
    }
    let op = rec.as_object().and_then(|m| m.keys().find(|k| k.starts_with('$')).cloned());
    if let Some(op) = op {
        let ts = st.now();
        return Parsed::Unknown(op, Some(ts));
    }
    match str_at(&rec, "type") {
        Some("user" | "gemini" | "info" | "warning" | "error") => {
            Parsed::Events(message(st, rec, raw))
        }
        None if rec.get("sessionId").is_some() => header(st, rec, raw),
        other => {
            let name = other.unwrap_or("").to_owned();
            let ts = st.ts(rec.get("timestamp"));
            Parsed::Unknown(name, Some(ts))
        }
    }
}

/// The session's header (and, in a file holding the whole session on one line, its messages).
fn header(st: &mut State, mut rec: Value, raw: &str) -> Parsed {
    if let Some(id) = string_at(&rec, "sessionId") {
        st.session = event::SessionId(id);
    }
    let ts = st.ts(rec.get("startTime"));
    let mut events = Vec::new();
    let session = st.session.0.clone();
    if st.first_time(&["gemini session", &session]) {
        let mut e = st.instant(ts, Kind::SessionStart, "session", "session start".to_owned());
        e.raw = raw.to_owned();
        events.push(e);
    }
    if let Some(Value::Array(messages)) = rec.get_mut("messages").map(Value::take) {
        for m in messages {
            let own = serde_json::to_string(&m).unwrap_or_default();
            events.extend(message(st, m, &own));
        }
    }
    Parsed::Events(events)
}

/// The events of a message record not yet emitted for its id.
fn message(st: &mut State, mut m: Value, raw: &str) -> Vec<Event> {
    if !m.is_object() {
        return Vec::new();
    }
    let ty = str_at(&m, "type").unwrap_or("").to_owned();
    let ts = st.ts(m.get("timestamp"));
    // Without an id the message cannot be told from its rewrites; its text stands in.
    let id = string_at(&m, "id").unwrap_or_else(|| raw.to_owned());
    let mut events = Vec::new();
    match ty.as_str() {
        "user" => {
            let Some(text) = m.get("content").and_then(text_of) else {
                return events;
            };
            if !st.first_time(&["gemini user", &id]) {
                return events;
            }
            let e = if text.trim_start().starts_with("<session_context>") {
                if st.cwd.is_none() {
                    st.cwd = workspace_dir(&text);
                }
                st.instant(ts, Kind::Other, "user", "session context".to_owned())
            } else {
                st.text_event(ts, Kind::UserInput, "user", "prompt", &text)
            };
            events.push(e);
        }
        "gemini" => {
            if let Some(model) = string_at(&m, "model") {
                st.model = Some(model);
            }
            if let Some(Value::Array(thoughts)) = m.get("thoughts") {
                for (i, t) in thoughts.iter().enumerate() {
                    let subject = str_at(t, "subject").unwrap_or("").trim();
                    let description = str_at(t, "description").unwrap_or("").trim();
                    let text = match (subject.is_empty(), description.is_empty()) {
                        (_, true) => subject.to_owned(),
                        (true, false) => description.to_owned(),
                        (false, false) => format!("{subject}\n{description}"),
                    };
                    if text.is_empty() || !st.first_time(&["gemini thought", &id, &i.to_string()]) {
                        continue;
                    }
                    let ts = match t.get("timestamp") {
                        Some(v) => st.ts(Some(v)),
                        None => ts,
                    };
                    let mut e = st.text_event(ts, Kind::AgentThink, "gemini", "thinking", &text);
                    e.fields.message_id = Some(id.clone());
                    events.push(e);
                }
            }
            if let Some(text) = m.get("content").and_then(text_of)
                && st.first_time(&["gemini text", &id])
            {
                let mut e = st.text_event(ts, Kind::AssistantText, "gemini", "assistant", &text);
                e.fields.message_id = Some(id.clone());
                events.push(e);
            }
            if let Some(Value::Array(calls)) = m.get_mut("toolCalls").map(Value::take) {
                for call in calls {
                    events.extend(tool_call(st, ts, call, raw));
                }
            }
            if let Some(tokens) = m.get("tokens").filter(|t| t.is_object()).map(tokens) {
                if st.first_time(&["gemini usage", &id]) {
                    events.push(st.usage_event(ts, "gemini", tokens, Some(id.clone()), None));
                } else {
                    st.stats.usage_duplicates += 1;
                }
            }
        }
        _ => {
            let text = m.get("content").and_then(text_of);
            if !st.first_time(&["gemini other", &id]) {
                return events;
            }
            let mut e =
                st.instant(ts, Kind::Other, &ty, crate::hook::excerpt(&ty, text.as_deref()));
            if ty == "error" {
                e.fields.error.clone_from(&text);
            }
            e.fields.text = text;
            events.push(e);
        }
    }
    for e in &mut events {
        if e.raw.is_empty() {
            e.raw = raw.to_owned();
        }
    }
    events
}

/// A `toolCalls` entry: its call, once, and its result, once it has one.
fn tool_call(st: &mut State, ts: Timestamp, mut call: Value, raw: &str) -> Vec<Event> {
    let name = str_at(&call, "name").unwrap_or("").to_owned();
    let args = call.get_mut("args").map(Value::take).unwrap_or(Value::Null);
    let call_key = string_at(&call, "id").unwrap_or_else(|| format!("{name}\0{args}"));
    let mut events = Vec::new();
    if st.first_time(&["gemini call", &call_key]) {
        events.extend(st.tool_call(ts, "gemini", raw, None, &name, args.clone()));
    }
    let status = str_at(&call, "status").unwrap_or("");
    if !matches!(status, "success" | "error" | "cancelled")
        || !st.first_time(&["gemini result", &call_key])
    {
        return events;
    }
    let result_ts = match call.get("timestamp") {
        Some(v) => st.ts(Some(v)),
        None => ts,
    };
    let response = response(&call, status);
    let reply =
        if status == "cancelled" { Reply::Cancelled(response) } else { Reply::Response(response) };
    let pending = PendingCall { tool_name: name, input: args, duration_ms: None };
    events.extend(st.tool_result(result_ts, "gemini", raw, None, Some(pending), reply));
    events
}

/// The `tool_response` of Gemini's `AfterTool` hook for a call: `llmContent` (what the model was
/// sent), `returnDisplay` (what the user was shown) and `error`.
fn response(call: &Value, status: &str) -> Value {
    let mut outputs = Vec::new();
    let mut error = None;
    let parts = match call.get("result") {
        Some(Value::Array(parts)) => parts.as_slice(),
        Some(other) => std::slice::from_ref(other),
        None => &[],
    };
    for part in parts {
        let response = part.get("functionResponse").and_then(|f| f.get("response"));
        match response {
            Some(r) => {
                if let Some(out) = r.get("output").and_then(text_of) {
                    outputs.push(out);
                }
                if let Some(e) = r.get("error").and_then(text_of) {
                    error = Some(e);
                }
            }
            None => outputs.extend(text_of(part)),
        }
    }
    let display = call.get("resultDisplay").filter(|d| match d {
        Value::String(s) => !s.is_empty(),
        Value::Object(_) => true,
        _ => false,
    });
    if status == "error" && error.is_none() {
        error = Some(display.and_then(Value::as_str).unwrap_or("error").to_owned());
    }
    let mut r = Map::new();
    if !outputs.is_empty() {
        r.insert("llmContent".to_owned(), Value::String(outputs.join("\n")));
    }
    if let Some(d) = display {
        r.insert("returnDisplay".to_owned(), d.clone());
    }
    if let Some(e) = error {
        r.insert("error".to_owned(), Value::String(e));
    }
    Value::Object(r)
}

/// The first workspace directory of Gemini's `<session_context>` message.
fn workspace_dir(text: &str) -> Option<String> {
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some(dir) = line.trim().strip_prefix("I'm currently working in the directory:") {
            return Some(dir.trim().to_owned()).filter(|d| !d.is_empty());
        }
        if line.contains("Workspace Directories:") {
            let first = lines.next()?.trim().strip_prefix("- ")?.trim();
            return (!first.is_empty()).then(|| first.to_owned());
        }
    }
    None
}

/// Gemini's `tokens` as [`Tokens`] (see the module docs).
fn tokens(t: &Value) -> Tokens {
    let n = |k: &str| u64_at(t, k).unwrap_or(0);
    let input = n("input");
    let cached = n("cached");
    let thoughts = n("thoughts");
    Tokens {
        input: (if cached <= input { input - cached } else { input }).saturating_add(n("tool")),
        output: n("output").saturating_add(thoughts),
        cache_read: cached,
        cache_write: 0,
        reasoning: thoughts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_directories() {
        let cases = [
            (
                "<session_context>\n- **Workspace Directories:**\n  - /home/dev/shop\n- **Directory",
                Some("/home/dev/shop"),
            ),
            ("I'm currently working in the directory: /srv/app\nmore", Some("/srv/app")),
            ("- **Workspace Directories:**", None),
            ("- **Workspace Directories:**\nnot a list", None),
            ("nothing here", None),
        ];
        for (text, want) in cases {
            assert_eq!(workspace_dir(text).as_deref(), want, "{text:?}");
        }
    }

    #[test]
    fn token_counts() {
        let t = serde_json::json!({"input": 5000, "output": 64, "cached": 3000, "thoughts": 10, "tool": 5});
        assert_eq!(
            tokens(&t),
            Tokens { input: 2005, output: 74, cache_read: 3000, cache_write: 0, reasoning: 10 }
        );
        let apart = serde_json::json!({"input": 410, "output": 38, "cached": 3000});
        assert_eq!(tokens(&apart).input, 410);
        assert_eq!(tokens(&serde_json::json!({"input": "x"})), Tokens::default());
    }
}
