//! Codex CLI's rollouts: `~/.codex/sessions/YYYY/MM/DD/rollout-<time>-<thread-id>.jsonl`, one
//! `{"timestamp", "type", "payload"}` record per line, the `session_meta` first. (The first
//! rollouts of 2025 had no envelope: a meta line with `id` and `instructions`, then bare response
//! items; those are read too.)
//!
//! | record | events |
//! |---|---|
//! | `session_meta` | `SESSION_START` (session id, cwd, git branch, CLI version; a subagent's parent thread as `parent_id`) |
//! | `turn_context`, `event_msg` `task_started`/`thread_settings_applied` | skipped; they set the turn id, model and cwd of what follows |
//! | `response_item` `message`, role `user` | `USER_INPUT` for what the user typed; `OTHER` for the context Codex adds (`<environment_context>`, `AGENTS.md`) |
//! | `response_item` `message`, role `assistant` / `developer` | `ASSISTANT_TEXT` / `OTHER` |
//! | `response_item` `reasoning` | `AGENT_THINK` (summary and raw reasoning text; skipped if only encrypted) |
//! | `response_item` `function_call`, `custom_tool_call`, `local_shell_call`, `web_search_call` | the tool's call, as a `PreToolUse`; shell tools (`exec_command`, `shell`, `local_shell`, …) are named `Bash`, as Codex's hooks name them |
//! | `response_item` `function_call_output`, `custom_tool_call_output` | the tool's result: exit code and output from the `Process exited with code N … Output:` header (or the older JSON `{output, metadata}`); `<tool> failed: …` is an error, a sandbox or user rejection `denied` |
//! | `token_usage_record` | `TOKEN_USAGE`, once per `response_id` (`message_id` = response id, `request_id` empty) |
//! | `event_msg` `token_count` | `TOKEN_USAGE` from `last_token_usage` when the file has no `token_usage_record`s, skipping repeats of the same cumulative total (`message_id` = `token_count:<cumulative total>`) |
//! | `event_msg` `task_complete` / `turn_aborted` | `STOP` (interrupted for an abort) |
//! | `compacted` | `COMPACTION` with the summary |
//! | `event_msg` `error` | `OTHER` with the error |
//! | `world_state`, `ghost_snapshot`, and the `event_msg`s that mirror response items (`user_message`, `agent_message`, `agent_reasoning`, `item_completed`, `exec_command_end`, …) | skipped (an `item_completed` command's duration goes to its result) |
//!
//! Token counts: OpenAI's `input_tokens` include the cached ones, so `Tokens::input` is
//! `input_tokens - cached_input_tokens`; a file whose cached count exceeds its input count reports
//! them apart, and then `input_tokens` is taken as is.

use std::path::Path;

use event::{Kind, Outcome, Timestamp, Tokens};
use serde_json::{Map, Value};

use super::{Parsed, Reply, State, text_of};
use crate::hook::json::{first_str, str_at, string_at, u64_at};

/// The `response_item` payload types, which the first rollouts wrote bare.
const RESPONSE_ITEMS: &[&str] = &[
    "message",
    "reasoning",
    "function_call",
    "function_call_output",
    "custom_tool_call",
    "custom_tool_call_output",
    "local_shell_call",
    "web_search_call",
];

/// `event_msg`s that repeat what response items say, or only report progress.
const MIRROR_EVENTS: &[&str] = &[
    "user_message",
    "agent_message",
    "agent_message_delta",
    "agent_reasoning",
    "agent_reasoning_delta",
    "agent_reasoning_raw_content",
    "agent_reasoning_section_break",
    "item_started",
    "item_completed",
    "exec_command_begin",
    "exec_command_end",
    "exec_command_output_delta",
    "patch_apply_begin",
    "patch_apply_end",
    "mcp_tool_call_begin",
    "mcp_tool_call_end",
    "web_search_begin",
    "web_search_end",
    "turn_diff",
    "plan_update",
    "context_compacted",
    "thread_name_updated",
    "entered_review_mode",
    "exited_review_mode",
    "background_event",
];

/// The session id a rollout's file name ends with (`rollout-<time>-<uuid>.jsonl`).
pub(crate) fn from_path(st: &mut State, path: &Path) {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let tail = stem.len().checked_sub(36).and_then(|at| stem.get(at..));
    if let Some(id) = tail.filter(|t| looks_like_uuid(t)) {
        st.session = id.into();
    }
}

fn looks_like_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

pub(crate) fn parse(st: &mut State, mut rec: Value, raw: &str) -> Parsed {
    let ts = st.ts(rec.get("timestamp"));
    let ty = str_at(&rec, "type").unwrap_or("").to_owned();
    let Some(payload) = rec.get_mut("payload").map(Value::take) else {
        return legacy(st, ts, rec, &ty, raw);
    };
    if let Some(turn) = payload
        .get("internal_chat_message_metadata_passthrough")
        .and_then(|m| string_at(m, "turn_id"))
    {
        st.turn_id = Some(turn);
    }
    match ty.as_str() {
        "session_meta" => session_meta(st, ts, &payload, raw),
        "turn_context" => {
            set_context(st, &payload);
            Parsed::Skipped
        }
        "world_state" => Parsed::Skipped,
        "response_item" => response_item(st, ts, payload, raw),
        "event_msg" => event_msg(st, ts, &payload, raw),
        "token_usage_record" => usage_record(st, ts, &payload, raw),
        "compacted" => {
            let text = str_at(&payload, "message").filter(|t| !t.trim().is_empty());
            let mut e = match text {
                Some(t) => {
                    st.text_event(ts, Kind::Compaction, "compacted", "compaction summary", t)
                }
                None => st.instant(ts, Kind::Compaction, "compacted", "compaction".to_owned()),
            };
            e.raw = raw.to_owned();
            Parsed::Events(vec![e])
        }
        _ => Parsed::Unknown(ty, Some(ts)),
    }
}

/// A line of the first, envelope-less rollout format.
fn legacy(st: &mut State, ts: Timestamp, rec: Value, ty: &str, raw: &str) -> Parsed {
    if rec.get("record_type").is_some() {
        return Parsed::Skipped;
    }
    if RESPONSE_ITEMS.contains(&ty) {
        return response_item(st, ts, rec, raw);
    }
    if ty.is_empty() && rec.get("id").is_some() && rec.get("instructions").is_some() {
        return session_meta(st, ts, &rec, raw);
    }
    Parsed::Unknown(if ty.is_empty() { String::new() } else { ty.to_owned() }, Some(ts))
}

/// The model, cwd and turn of what follows (`turn_context`, `task_started`, thread settings).
fn set_context(st: &mut State, p: &Value) {
    let settings = p.get("thread_settings").unwrap_or(p);
    if let Some(model) = string_at(settings, "model") {
        st.model = Some(model);
    }
    if let Some(cwd) = string_at(settings, "cwd") {
        st.cwd = Some(cwd);
    }
    if let Some(turn) = string_at(p, "turn_id") {
        st.turn_id = Some(turn);
    }
}

fn session_meta(st: &mut State, ts: Timestamp, p: &Value, raw: &str) -> Parsed {
    if let Some(id) = first_str(p, &["id", "session_id"]).filter(|s| !s.is_empty()) {
        st.session = id.into();
    }
    if let Some(cwd) = string_at(p, "cwd") {
        st.cwd = Some(cwd);
    }
    if let Some(branch) = p.get("git").and_then(|g| string_at(g, "branch")) {
        st.git_branch = Some(branch);
    }
    // A subagent's thread names its parent somewhere in `source` (`{"subagent": {…}}`).
    if let Some(parent) = p.get("source").and_then(|s| find_str(s, "parent_thread_id", 4)) {
        st.parent_id = Some(parent);
        st.subagent_id = Some(st.session.0.clone()).filter(|s| !s.is_empty());
        st.subagent_type = first_str(p, &["agent_role", "agent_nickname"]).map(str::to_owned);
    }
    let parts: Vec<&str> = [str_at(p, "originator"), str_at(p, "cli_version")]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect();
    let summary = if parts.is_empty() {
        "session start".to_owned()
    } else {
        format!("session start ({})", parts.join(" "))
    };
    let mut e = st.instant(ts, Kind::SessionStart, "session_meta", summary);
    e.fields.reason = string_at(p, "source");
    e.raw = raw.to_owned();
    Parsed::Events(vec![e])
}

/// The first string at `key` in `v` or in its objects, at most `depth` levels down.
fn find_str(v: &Value, key: &str, depth: usize) -> Option<String> {
    let Value::Object(map) = v else { return None };
    if let Some(s) = map.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()) {
        return Some(s.to_owned());
    }
    if depth == 0 {
        return None;
    }
    map.values().find_map(|inner| find_str(inner, key, depth - 1))
}

fn response_item(st: &mut State, ts: Timestamp, mut p: Value, raw: &str) -> Parsed {
    let ty = str_at(&p, "type").unwrap_or("").to_owned();
    let record = format!("response_item:{ty}");
    let call_id = string_at(&p, "call_id");
    let events = match ty.as_str() {
        "message" => return message(st, ts, &p, &record, raw),
        "reasoning" => {
            let summary = p.get("summary").and_then(text_of);
            let content = p.get("content").and_then(text_of);
            let text = match (summary, content) {
                (Some(s), Some(c)) => format!("{s}\n\n{c}"),
                (Some(t), None) | (None, Some(t)) => t,
                (None, None) => return Parsed::Skipped,
            };
            let mut e = st.text_event(ts, Kind::AgentThink, &record, "thinking", &text);
            e.raw = raw.to_owned();
            vec![e]
        }
        "function_call" => {
            let name = str_at(&p, "name").unwrap_or("").to_owned();
            let input = match p.get_mut("arguments").map(Value::take) {
                Some(Value::String(args)) => {
                    serde_json::from_str(&args).unwrap_or(Value::String(args))
                }
                Some(other) => other,
                None => Value::Null,
            };
            st.tool_call(ts, &record, raw, call_id.as_deref(), hook_tool_name(&name), input)
        }
        "custom_tool_call" => {
            let name = str_at(&p, "name").unwrap_or("").to_owned();
            let input = p.get_mut("input").map(Value::take).unwrap_or(Value::Null);
            st.tool_call(ts, &record, raw, call_id.as_deref(), hook_tool_name(&name), input)
        }
        "local_shell_call" => {
            let action = p.get("action").unwrap_or(&Value::Null);
            let mut input = Map::new();
            if let Some(command) = action.get("command") {
                input.insert("command".to_owned(), command.clone());
            }
            if let Some(dir) = action.get("working_directory") {
                input.insert("workdir".to_owned(), dir.clone());
            }
            let id = call_id.or_else(|| string_at(&p, "id"));
            st.tool_call(ts, &record, raw, id.as_deref(), "Bash", Value::Object(input))
        }
        "web_search_call" => {
            let action = p.get_mut("action").map(Value::take).unwrap_or(Value::Null);
            let id = call_id.or_else(|| string_at(&p, "id"));
            st.tool_call(ts, &record, raw, id.as_deref(), "web_search", action)
        }
        "function_call_output" | "custom_tool_call_output" => {
            let call = call_id.as_deref().and_then(|id| st.pending.take(id));
            let output = p.get_mut("output").map(Value::take).unwrap_or(Value::Null);
            let reply = reply(&output);
            st.tool_result(ts, &record, raw, call_id.as_deref(), call, reply)
        }
        "ghost_snapshot" => return Parsed::Skipped,
        "compaction" | "compaction_summary" => {
            let mut e = st.instant(ts, Kind::Compaction, &record, "compaction".to_owned());
            e.raw = raw.to_owned();
            vec![e]
        }
        _ => return Parsed::Unknown(record, Some(ts)),
    };
    Parsed::Events(events)
}

/// Codex's hooks name every shell tool `Bash`; so do its transcript events, to match.
fn hook_tool_name(name: &str) -> &str {
    match name {
        "exec_command" | "shell" | "local_shell" | "container.exec" | "unified_exec"
        | "shell_command" => "Bash",
        other => other,
    }
}

fn message(st: &mut State, ts: Timestamp, p: &Value, record: &str, raw: &str) -> Parsed {
    let role = str_at(p, "role").unwrap_or("");
    let parts = match p.get("content") {
        Some(Value::Array(parts)) => parts.as_slice(),
        _ => &[],
    };
    // Newer rollouts say what each part is (`user.text`, `environments.environment_context`).
    let kinds = p
        .get("internal_chat_message_metadata_passthrough")
        .and_then(|m| m.get("content_item_kinds"))
        .and_then(Value::as_array);
    let mut typed = Vec::new();
    let mut context = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let Some(text) = str_at(part, "text").filter(|t| !t.trim().is_empty()) else {
            continue;
        };
        let is_user_text = match kinds {
            Some(kinds) => kinds.get(i).and_then(Value::as_str) == Some("user.text"),
            None => !is_context(text),
        };
        if role == "user" && is_user_text || role == "assistant" {
            typed.push(text);
        } else {
            context.push(text);
        }
    }
    let mut events = Vec::new();
    if !typed.is_empty() {
        let text = typed.join("\n");
        let (kind, prefix) = if role == "assistant" {
            (Kind::AssistantText, "assistant")
        } else {
            (Kind::UserInput, "prompt")
        };
        let mut e = st.text_event(ts, kind, record, prefix, &text);
        if role == "assistant" {
            e.fields.message_id = string_at(p, "id");
        }
        events.push(e);
    }
    if !context.is_empty() {
        let prefix = format!("{} context", if role.is_empty() { "message" } else { role });
        let summary = crate::hook::excerpt(&prefix, context.first().copied());
        events.push(st.instant(ts, Kind::Other, record, summary));
    }
    for e in &mut events {
        e.raw = raw.to_owned();
    }
    Parsed::Events(events)
}

/// Text Codex puts in a user message as context, not typed by the user.
fn is_context(text: &str) -> bool {
    let t = text.trim_start();
    const TAGS: &[&str] = &[
        "<environment_context>",
        "<user_instructions>",
        "<permissions instructions>",
        "<skills_instructions>",
        "<user_shell_command>",
        "<turn_aborted>",
        "<INSTRUCTIONS>",
        "# AGENTS.md instructions",
    ];
    TAGS.iter().any(|tag| t.starts_with(tag))
}

/// What a tool's output says: exit code and output, or a failure.
fn reply(output: &Value) -> Reply {
    let (text, success) = match output {
        Value::String(s) => (s.clone(), None),
        // Newer structured outputs: `{"content": …, "success": bool}`.
        Value::Object(_) => (
            output.get("content").and_then(text_of).unwrap_or_default(),
            output.get("success").and_then(Value::as_bool),
        ),
        other => (text_of(other).unwrap_or_default(), None),
    };
    if let Some(reply) = legacy_exec_output(&text) {
        return reply;
    }
    if let Some((head, body)) = text.split_once("\nOutput:\n").filter(|(head, _)| {
        head.starts_with("Chunk ID: ")
            || head.starts_with("Wall time: ")
            || head.contains("Process ")
    }) {
        let code = head.lines().find_map(|l| l.strip_prefix("Process exited with code "));
        let wall = head.lines().find_map(|l| l.strip_prefix("Wall time: ")).unwrap_or("");
        // The form the hook normalizer reads (`apply_patch` outputs look like this already).
        return Reply::Response(Value::String(match code.map(str::trim) {
            Some(code) => format!("Exit code: {code}\nWall time: {wall}\nOutput:\n{body}"),
            None => body.to_owned(),
        }));
    }
    let denied = text.contains("Rejected(")
        || text.contains("rejected by user")
        || text.starts_with("exec command rejected");
    let failed = text
        .split_once(" failed: ")
        .is_some_and(|(tool, _)| !tool.is_empty() && !tool.contains(char::is_whitespace));
    if denied || failed || success == Some(false) {
        return Reply::Failure { error: text, interrupted: false, denied };
    }
    Reply::Response(Value::String(text))
}

/// The JSON outputs of older rollouts: `{"output": "…", "metadata": {"exit_code": 0, "duration_seconds": 0.1}}`.
fn legacy_exec_output(text: &str) -> Option<Reply> {
    if !text.starts_with('{') {
        return None;
    }
    let v: Value = serde_json::from_str(text).ok()?;
    let body = str_at(&v, "output")?;
    let meta = v.get("metadata")?;
    let code = meta.get("exit_code").and_then(Value::as_i64)?;
    let secs = meta.get("duration_seconds").and_then(Value::as_f64).unwrap_or(0.0);
    Some(Reply::Response(Value::String(format!(
        "Exit code: {code}\nWall time: {secs} seconds\nOutput:\n{body}"
    ))))
}

fn event_msg(st: &mut State, ts: Timestamp, p: &Value, raw: &str) -> Parsed {
    let ty = str_at(p, "type").unwrap_or("");
    let record = format!("event_msg:{ty}");
    let mut e = match ty {
        "token_count" => return token_count(st, ts, p, raw),
        "task_started" | "thread_settings_applied" => {
            set_context(st, p);
            return Parsed::Skipped;
        }
        "item_completed" => {
            // A command's duration, for its result (which comes next, as `function_call_output`).
            let item = p.get("item").unwrap_or(&Value::Null);
            if let (Some(id), Some(d)) = (str_at(item, "id"), item.get("duration"))
                && let Some(call) = st.pending.get_mut(id)
            {
                let ms = u64_at(d, "secs")
                    .unwrap_or(0)
                    .saturating_mul(1000)
                    .saturating_add(u64_at(d, "nanos").unwrap_or(0) / 1_000_000);
                call.duration_ms = Some(ms);
            }
            return Parsed::Skipped;
        }
        t if MIRROR_EVENTS.contains(&t) => return Parsed::Skipped,
        "task_complete" => {
            let text = str_at(p, "last_agent_message");
            let mut e = st.instant(ts, Kind::Stop, &record, crate::hook::excerpt("stop", text));
            e.fields.text = text.map(str::to_owned);
            e.fields.duration_ms = u64_at(p, "duration_ms");
            e
        }
        "turn_aborted" => {
            let reason = string_at(p, "reason");
            let mut e = st.instant(
                ts,
                Kind::Stop,
                &record,
                crate::hook::excerpt("interrupted", reason.as_deref()),
            );
            e.fields.outcome = Some(Outcome::Interrupted);
            e.fields.reason = reason;
            e
        }
        "error" | "stream_error" | "warning" => {
            let message = str_at(p, "message");
            let mut e = st.instant(ts, Kind::Other, &record, crate::hook::excerpt(ty, message));
            e.fields.error = message.map(str::to_owned);
            e
        }
        _ => return Parsed::Unknown(record, Some(ts)),
    };
    e.raw = raw.to_owned();
    Parsed::Events(vec![e])
}

/// `token_usage_record`: one response's usage, with its id.
fn usage_record(st: &mut State, ts: Timestamp, p: &Value, raw: &str) -> Parsed {
    st.codex_usage_records = true;
    let Some(usage) = p.get("usage").filter(|u| u.is_object()) else {
        return Parsed::Skipped;
    };
    let response = string_at(p, "response_id");
    if let Some(id) = response.as_deref()
        && !st.first_time(&["codex usage", id])
    {
        st.stats.usage_duplicates += 1;
        return Parsed::Skipped;
    }
    if let Some(turn) = string_at(p, "turn_id") {
        st.turn_id = Some(turn);
    }
    let mut e = st.usage_event(ts, "token_usage_record", tokens(usage), response, None);
    e.raw = raw.to_owned();
    Parsed::Events(vec![e])
}

/// `event_msg` `token_count`: the last response's usage and the running total, written after
/// each response (and again on rate-limit updates, with the same total).
fn token_count(st: &mut State, ts: Timestamp, p: &Value, raw: &str) -> Parsed {
    let info = p.get("info").unwrap_or(&Value::Null);
    let (Some(last), Some(total)) = (
        info.get("last_token_usage").filter(|u| u.is_object()),
        info.get("total_token_usage").and_then(|t| u64_at(t, "total_tokens")),
    ) else {
        return Parsed::Skipped;
    };
    if st.codex_usage_records || st.codex_last_total == Some(total) {
        st.stats.usage_duplicates += 1;
        return Parsed::Skipped;
    }
    st.codex_last_total = Some(total);
    let id = format!("token_count:{total}");
    let mut e = st.usage_event(ts, "event_msg:token_count", tokens(last), Some(id), None);
    e.raw = raw.to_owned();
    Parsed::Events(vec![e])
}

/// Codex's usage as [`Tokens`] (see the module docs for `input_tokens`).
fn tokens(usage: &Value) -> Tokens {
    let n = |k: &str| u64_at(usage, k).unwrap_or(0);
    let input = n("input_tokens");
    let cached = n("cached_input_tokens");
    Tokens {
        input: if cached <= input { input - cached } else { input },
        output: n("output_tokens"),
        cache_read: cached,
        cache_write: n("cache_write_input_tokens"),
        reasoning: n("reasoning_output_tokens"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn describe(r: Reply) -> String {
        match r {
            Reply::Response(v) => format!("response {v}"),
            Reply::Failure { error, denied, .. } => format!("failure denied={denied} {error:?}"),
            Reply::Cancelled(v) => format!("cancelled {v}"),
        }
    }

    #[test]
    fn outputs() {
        let cases = [
            (
                Value::String("Chunk ID: 1\nWall time: 0.1 seconds\nProcess exited with code 2\nOriginal token count: 3\nOutput:\nboom\n".into()),
                r#"response "Exit code: 2\nWall time: 0.1 seconds\nOutput:\nboom\n""#,
            ),
            (
                Value::String("Chunk ID: 1\nWall time: 5 seconds\nProcess running with session ID 7\nOutput:\npartial".into()),
                r#"response "partial""#,
            ),
            (
                Value::String(r#"{"output":"hi\n","metadata":{"exit_code":0,"duration_seconds":0.5}}"#.into()),
                r#"response "Exit code: 0\nWall time: 0.5 seconds\nOutput:\nhi\n""#,
            ),
            (
                Value::String("exec_command failed: CreateProcess { message: \"Rejected(\\\"no\\\")\" }".into()),
                r#"failure denied=true "exec_command failed: CreateProcess { message: \"Rejected(\\\"no\\\")\" }""#,
            ),
            (
                Value::String("apply_patch failed: bad hunk".into()),
                r#"failure denied=false "apply_patch failed: bad hunk""#,
            ),
            (Value::String("the build failed: 3 errors".into()), r#"response "the build failed: 3 errors""#),
            (
                serde_json::json!({"content": "nope", "success": false}),
                r#"failure denied=false "nope""#,
            ),
            (Value::Null, r#"response """#),
        ];
        for (output, want) in cases {
            assert_eq!(describe(reply(&output)), want, "{output}");
        }
    }

    #[test]
    fn usage_with_and_without_cached_input_inside() {
        let real = serde_json::json!({"input_tokens": 5000, "cached_input_tokens": 3000, "output_tokens": 10, "reasoning_output_tokens": 4});
        assert_eq!(
            tokens(&real),
            Tokens { input: 2000, output: 10, cache_read: 3000, cache_write: 0, reasoning: 4 }
        );
        let apart = serde_json::json!({"input_tokens": 410, "cached_input_tokens": 3000, "output_tokens": 38});
        assert_eq!(
            tokens(&apart),
            Tokens { input: 410, output: 38, cache_read: 3000, cache_write: 0, reasoning: 0 }
        );
    }

    #[test]
    fn session_ids_from_file_names() {
        let cases = [
            (
                "/x/rollout-2026-11-25T08-54-42-01a211ea-1391-7b62-b20d-240046b834f3.jsonl",
                "01a211ea-1391-7b62-b20d-240046b834f3",
            ),
            ("rollout-short.jsonl", ""),
            ("/x/rollout-2026-11-25T08-54-42-01a211ea-1391-7b62-b20d-240046b834fZ.jsonl", ""),
        ];
        for (path, want) in cases {
            let parser = super::super::TranscriptParser::new(event::Agent::Codex, path);
            assert_eq!(parser.session().as_str(), want, "{path}");
        }
    }

    #[test]
    fn parent_threads_are_found_nested() {
        let source = serde_json::json!({"subagent": {"thread_spawn": {"parent_thread_id": "p-1", "depth": 1}}});
        assert_eq!(find_str(&source, "parent_thread_id", 4).as_deref(), Some("p-1"));
        assert_eq!(find_str(&serde_json::json!("exec"), "parent_thread_id", 4), None);
    }
}
