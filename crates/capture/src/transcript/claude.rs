//! Claude Code's session transcripts: `~/.claude/projects/<project>/<session-id>.jsonl`, and its
//! subagents' in `<session-id>/subagents/agent-<agent-id>.jsonl` (older versions write subagent
//! records into the session's file, marked `isSidechain`).
//!
//! Every record carries `sessionId`, `cwd`, `gitBranch`, `timestamp`; user records `promptId` and
//! `permissionMode`, which later records of the turn inherit here as they do in hooks.
//!
//! | record | events |
//! |---|---|
//! | `user`, text | `USER_INPUT` (`isMeta`: `OTHER`; `isCompactSummary`: `COMPACTION` with the summary; `[Request interrupted by user…]`: `STOP`, interrupted) |
//! | `user`, `tool_result` block | the tool's result, as a `PostToolUse` (`is_error`: `PostToolUseFailure`) of the call with that `tool_use_id`, `tool_response` being the record's `toolUseResult` |
//! | `assistant`, `text` / `thinking` / `redacted_thinking` block | `ASSISTANT_TEXT` / `AGENT_THINK` |
//! | `assistant`, `tool_use` / `server_tool_use` block | the tool's call, as a `PreToolUse` |
//! | `assistant`, `message.usage` | `TOKEN_USAGE`, once per `message.id` + `requestId` (`message_id`, `request_id`); none for the `<synthetic>` model |
//! | `system` `compact_boundary` | `COMPACTION` (reason: the trigger) |
//! | `system` (other subtypes), `attachment` (context injected into the prompt), `summary`, `custom-title` | `OTHER` |
//! | `api-request*`, `atis-latch`, `tools-used`, `last-prompt`, `mode`, `permission-mode`, `file-history-*`, `queue-operation`, `cost-state`, `progress`, `attachment` `prompt_snapshot` | skipped: bookkeeping (request caches, UI state, backups, running totals) |
//!
//! Subagents: a sidechain record's events have `subagent_id` = its `agentId` (or the file name's)
//! and `parent_id` = the session that spawned it; the parent's `Task`/`Agent` result carries the
//! same `subagent_id` (from `toolUseResult.agentId`), which links the two.

use std::path::Path;

use event::{Kind, Tokens};
use serde_json::Value;

use super::{Parsed, Reply, State, text_of};
use crate::hook::json::{bool_at, first_str, str_at, string_at, u64_at};

/// The record types of Claude Code transcripts this parser knows.
pub(crate) const KNOWN_TYPES: &[&str] = &[
    "user",
    "assistant",
    "system",
    "attachment",
    "summary",
    "custom-title",
    "ai-title",
    "api-request",
    "api-request-blob",
    "api-request-shape",
    "atis-latch",
    "tools-used",
    "last-prompt",
    "mode",
    "permission-mode",
    "file-history-snapshot",
    "file-history-delta",
    "queue-operation",
    "cost-state",
    "progress",
];

/// The session id and subagent id a transcript's path gives.
pub(crate) fn from_path(st: &mut State, path: &Path) {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if let Some(agent) = stem.strip_prefix("agent-").filter(|a| !a.is_empty()) {
        st.path_subagent = Some(agent.to_owned());
        // `<session>/subagents/agent-<id>.jsonl`
        let session = path.parent().and_then(Path::parent).and_then(Path::file_name);
        if let Some(session) = session.and_then(|s| s.to_str()) {
            st.session = session.into();
        }
    } else if !stem.is_empty() {
        st.session = stem.into();
    }
}

pub(crate) fn parse(st: &mut State, mut rec: Value, raw: &str) -> Parsed {
    let ty = str_at(&rec, "type").unwrap_or("").to_owned();
    let ts = st.ts(rec.get("timestamp"));
    if !KNOWN_TYPES.contains(&ty.as_str()) {
        return Parsed::Unknown(ty, Some(ts));
    }
    envelope(st, &rec);
    // A sidechain in the session's own file (older versions) runs its own model: swap it in for
    // the record, so that neither thread's model leaks into the other's events.
    let side = st.subagent_id.is_some() && st.path_subagent.is_none();
    if side {
        std::mem::swap(&mut st.model, &mut st.side_model);
    }
    let parsed = record(st, ts, &ty, &mut rec, raw);
    if side {
        std::mem::swap(&mut st.model, &mut st.side_model);
    }
    parsed
}

fn record(st: &mut State, ts: event::Timestamp, ty: &str, rec: &mut Value, raw: &str) -> Parsed {
    match ty {
        "user" => user(st, ts, rec, raw),
        "assistant" => assistant(st, ts, rec, raw),
        "system" => system(st, ts, rec, raw),
        "attachment" => attachment(st, ts, rec, raw),
        "summary" | "custom-title" | "ai-title" => {
            let text = first_str(rec, &["summary", "customTitle", "aiTitle", "title"]);
            let mut e = match text {
                Some(t) => st.text_event(ts, Kind::Other, ty, ty, t),
                None => st.instant(ts, Kind::Other, ty, ty.to_owned()),
            };
            e.raw = raw.to_owned();
            Parsed::Events(vec![e])
        }
        "permission-mode" => {
            if let Some(mode) = string_at(rec, "permissionMode") {
                st.permission_mode = Some(mode);
            }
            Parsed::Skipped
        }
        _ => Parsed::Skipped,
    }
}

/// The context every record may update: session, directory, branch, prompt, subagent.
fn envelope(st: &mut State, rec: &Value) {
    if let Some(s) = first_str(rec, &["sessionId", "session_id"]).filter(|s| !s.is_empty())
        && st.session.as_str() != s
    {
        st.session = s.into();
    }
    if let Some(cwd) = string_at(rec, "cwd") {
        st.cwd = Some(cwd);
    }
    if let Some(branch) = string_at(rec, "gitBranch") {
        st.git_branch = Some(branch);
    }
    if let Some(mode) = string_at(rec, "permissionMode") {
        st.permission_mode = Some(mode);
    }
    if let Some(prompt) = string_at(rec, "promptId") {
        st.prompt_id = Some(prompt);
    }
    if bool_at(rec, "isSidechain") == Some(true) || st.path_subagent.is_some() {
        st.subagent_id = string_at(rec, "agentId").or_else(|| st.path_subagent.clone());
        st.parent_id = (!st.session.as_str().is_empty()).then(|| st.session.0.clone());
    } else if bool_at(rec, "isSidechain") == Some(false) {
        st.subagent_id = None;
        st.parent_id = None;
    }
}

fn user(st: &mut State, ts: event::Timestamp, rec: &mut Value, raw: &str) -> Parsed {
    let message = rec.get_mut("message").map(Value::take).unwrap_or(Value::Null);
    let mut tool_use_result = rec.get_mut("toolUseResult").map(Value::take);
    let meta = bool_at(rec, "isMeta") == Some(true);
    let compact = bool_at(rec, "isCompactSummary") == Some(true);
    let content = match message {
        Value::Object(mut m) => m.remove("content").unwrap_or(Value::Null),
        Value::String(s) => Value::String(s),
        _ => Value::Null,
    };
    let mut events = Vec::new();
    let blocks = match content {
        Value::Array(blocks) => blocks,
        Value::String(text) => {
            events.extend(user_text(st, ts, &text, meta, compact, raw));
            return Parsed::Events(events);
        }
        _ => return Parsed::Events(events),
    };
    let results = blocks.iter().filter(|b| str_at(b, "type") == Some("tool_result")).count();
    let mut texts = Vec::new();
    for mut block in blocks {
        match str_at(&block, "type") {
            Some("text") => {
                if let Some(t) = str_at(&block, "text").filter(|t| !t.trim().is_empty()) {
                    texts.push(t.to_owned());
                }
            }
            Some("tool_result") => {
                // `toolUseResult` is the record's, so it describes the block only if it is alone.
                let response = if results == 1 { tool_use_result.take() } else { None };
                events.extend(tool_result(st, ts, &mut block, response, raw));
            }
            _ => {}
        }
    }
    if !texts.is_empty() {
        events.extend(user_text(st, ts, &texts.join("\n"), meta, compact, raw));
    }
    Parsed::Events(events)
}

fn user_text(
    st: &mut State,
    ts: event::Timestamp,
    text: &str,
    meta: bool,
    compact: bool,
    raw: &str,
) -> Option<event::Event> {
    if text.trim().is_empty() {
        return None;
    }
    let mut e = if compact {
        let mut e = st.text_event(ts, Kind::Compaction, "user", "compaction summary", text);
        e.fields.reason = st.compact_trigger.take();
        e
    } else if meta {
        st.text_event(ts, Kind::Other, "user", "meta", text)
    } else if text.trim_start().starts_with("[Request interrupted by user") {
        let mut e = st.instant(ts, Kind::Stop, "user", "interrupted".to_owned());
        e.fields.text = Some(text.to_owned());
        e.fields.outcome = Some(event::Outcome::Interrupted);
        e
    } else {
        st.text_event(ts, Kind::UserInput, "user", "prompt", text)
    };
    e.raw = raw.to_owned();
    Some(e)
}

/// A `tool_result` block: the result of the call with its `tool_use_id`.
fn tool_result(
    st: &mut State,
    ts: event::Timestamp,
    block: &mut Value,
    tool_use_result: Option<Value>,
    raw: &str,
) -> Vec<event::Event> {
    let id = string_at(block, "tool_use_id");
    let call = id.as_deref().and_then(|id| st.pending.take(id));
    let content = block.get_mut("content").map(Value::take).unwrap_or(Value::Null);
    let subagent = tool_use_result.as_ref().and_then(|r| string_at(r, "agentId"));
    let duration = tool_use_result.as_ref().and_then(|r| u64_at(r, "totalDurationMs"));
    let reply = if bool_at(block, "is_error") == Some(true) {
        let error = text_of(&content).unwrap_or_default();
        let interrupted = error.contains("[Request interrupted by user")
            || tool_use_result.as_ref().and_then(|r| bool_at(r, "interrupted")) == Some(true);
        Reply::Failure { error, interrupted, denied: false }
    } else {
        Reply::Response(match tool_use_result {
            Some(r) if !r.is_null() => r,
            _ => content,
        })
    };
    let mut events = st.tool_result(ts, "user", raw, id.as_deref(), call, reply);
    for e in &mut events {
        if subagent.is_some() {
            e.fields.subagent_id.clone_from(&subagent);
        }
        if e.fields.duration_ms.is_none() {
            e.fields.duration_ms = duration;
        }
    }
    events
}

fn assistant(st: &mut State, ts: event::Timestamp, rec: &mut Value, raw: &str) -> Parsed {
    let request_id = string_at(rec, "requestId");
    let mut message = rec.get_mut("message").map(Value::take).unwrap_or(Value::Null);
    let model = string_at(&message, "model");
    let synthetic = model.as_deref() == Some("<synthetic>");
    if let Some(m) = model.filter(|_| !synthetic) {
        st.model = Some(m);
    }
    let message_id = string_at(&message, "id");
    let usage = message.get_mut("usage").map(Value::take);
    let content = message.get_mut("content").map(Value::take).unwrap_or(Value::Null);
    let mut events = Vec::new();
    let blocks = match content {
        Value::Array(blocks) => blocks,
        Value::String(text) => vec![serde_json::json!({"type": "text", "text": text})],
        _ => Vec::new(),
    };
    for mut block in blocks {
        let kind = str_at(&block, "type").unwrap_or("").to_owned();
        match kind.as_str() {
            "text" => {
                if let Some(t) = str_at(&block, "text").filter(|t| !t.trim().is_empty()) {
                    let mut e = st.text_event(ts, Kind::AssistantText, "assistant", "assistant", t);
                    e.fields.message_id.clone_from(&message_id);
                    e.raw = raw.to_owned();
                    events.push(e);
                }
            }
            "thinking" | "redacted_thinking" => {
                let mut e = match str_at(&block, "thinking").filter(|t| !t.trim().is_empty()) {
                    Some(t) => st.text_event(ts, Kind::AgentThink, "assistant", "thinking", t),
                    None => {
                        st.instant(ts, Kind::AgentThink, "assistant", "thinking (redacted)".into())
                    }
                };
                e.fields.message_id.clone_from(&message_id);
                e.raw = raw.to_owned();
                events.push(e);
            }
            "tool_use" | "server_tool_use" => {
                let id = string_at(&block, "id");
                let name = str_at(&block, "name").unwrap_or("").to_owned();
                let input = block.get_mut("input").map(Value::take).unwrap_or(Value::Null);
                events.extend(st.tool_call(ts, "assistant", raw, id.as_deref(), &name, input));
            }
            // Results of server tools (`web_search_tool_result`) come in the assistant's message.
            k if k.ends_with("_tool_result") => {
                let id = string_at(&block, "tool_use_id");
                let call = id.as_deref().and_then(|id| st.pending.take(id));
                let content = block.get_mut("content").map(Value::take).unwrap_or(Value::Null);
                let reply = Reply::Response(content);
                events.extend(st.tool_result(ts, "assistant", raw, id.as_deref(), call, reply));
            }
            _ => {}
        }
    }
    if let Some(usage) = usage.filter(|u| u.is_object() && !synthetic) {
        // One response is written as one line per content block, each repeating its usage.
        let id = message_id.as_deref().unwrap_or("");
        let req = request_id.as_deref().unwrap_or("");
        if (id.is_empty() && req.is_empty()) || st.first_time(&["claude usage", id, req]) {
            let mut e = st.usage_event(ts, "assistant", tokens(&usage), message_id, request_id);
            e.raw = raw.to_owned();
            events.push(e);
        } else {
            st.stats.usage_duplicates += 1;
        }
    }
    Parsed::Events(events)
}

/// Claude's `usage` as [`Tokens`]: `input_tokens` are already the uncached ones.
fn tokens(usage: &Value) -> Tokens {
    let n = |k: &str| u64_at(usage, k).unwrap_or(0);
    Tokens {
        input: n("input_tokens"),
        output: n("output_tokens"),
        cache_read: n("cache_read_input_tokens"),
        cache_write: n("cache_creation_input_tokens"),
        reasoning: usage
            .get("output_tokens_details")
            .and_then(|d| u64_at(d, "thinking_tokens"))
            .unwrap_or(0),
    }
}

fn system(st: &mut State, ts: event::Timestamp, rec: &Value, raw: &str) -> Parsed {
    let subtype = str_at(rec, "subtype").unwrap_or("");
    let record = if subtype.is_empty() { "system".to_owned() } else { format!("system:{subtype}") };
    let content = rec.get("content").and_then(text_of);
    let mut e = if subtype == "compact_boundary" {
        let trigger = rec.get("compactMetadata").and_then(|m| string_at(m, "trigger"));
        st.compact_trigger.clone_from(&trigger);
        let summary = match &trigger {
            Some(t) => format!("compaction ({t})"),
            None => "compaction".to_owned(),
        };
        let mut e = st.instant(ts, Kind::Compaction, &record, summary);
        e.fields.reason = trigger;
        e
    } else {
        let prefix =
            if subtype.is_empty() { "system".to_owned() } else { format!("system {subtype}") };
        let mut e =
            st.instant(ts, Kind::Other, &record, crate::hook::excerpt(&prefix, content.as_deref()));
        e.fields.text = content;
        if str_at(rec, "level") == Some("error") {
            e.fields.error = e.fields.text.clone();
        }
        e
    };
    e.raw = raw.to_owned();
    Parsed::Events(vec![e])
}

fn attachment(st: &mut State, ts: event::Timestamp, rec: &Value, raw: &str) -> Parsed {
    let att = rec.get("attachment").unwrap_or(&Value::Null);
    let kind = str_at(att, "type").unwrap_or("");
    match kind {
        "model" => {
            if let Some(m) = att.get("identity").and_then(|i| string_at(i, "modelId")) {
                st.model = Some(m);
            }
        }
        "environment" if st.cwd.is_none() => {
            st.cwd = att.get("snapshot").and_then(|s| string_at(s, "workingDirectory"));
        }
        // A copy of the system prompt for the agent's own diagnostics, not part of the context.
        "prompt_snapshot" => return Parsed::Skipped,
        _ => {}
    }
    let record =
        if kind.is_empty() { "attachment".to_owned() } else { format!("attachment:{kind}") };
    let summary =
        if kind.is_empty() { "attachment".to_owned() } else { format!("attachment {kind}") };
    let mut e = st.instant(ts, Kind::Other, &record, summary);
    e.raw = raw.to_owned();
    Parsed::Events(vec![e])
}
