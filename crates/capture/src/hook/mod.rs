//! Hook payloads → events, for Claude Code, Codex, Gemini CLI and Cursor.
//!
//! Every payload becomes at least one event; a payload this module does not understand (an
//! unknown `hook_event_name`, no name at all) becomes an `OTHER` event with the raw payload, never
//! an error. Only a payload that is not a JSON object is an error. Missing or wrong-typed fields
//! leave the corresponding event field empty; the raw payload keeps them.
//!
//! | hook event (Claude Code, Codex; Gemini) | kind | phase |
//! |---|---|---|
//! | `SessionStart` | `SESSION_START` | instant |
//! | `SessionEnd` | `SESSION_END` | instant |
//! | `UserPromptSubmit`; `BeforeAgent` | `USER_INPUT` | instant |
//! | `PreToolUse`; `BeforeTool` | the tool's kind ([`tool`]) | call |
//! | `PostToolUse`, `PostToolUseFailure`; `AfterTool` | the tool's result kind | result |
//! | `PostToolBatch` | one result per tool call in the batch, raw payload cut to that call | result |
//! | `MessageDisplay` | `ASSISTANT_TEXT` | instant |
//! | `Stop`, `StopFailure`, Codex `Interrupt`; `AfterAgent` | `STOP` | instant |
//! | `SubagentStart` / `SubagentStop` | `SUBAGENT_START` / `SUBAGENT_STOP` | instant |
//! | `Notification` | `NOTIFICATION` | instant |
//! | `PreCompact`, `PostCompact`; `PreCompress` | `COMPACTION` | instant |
//! | `PermissionRequest` | `PERMISSION_REQUEST` (with the tool's fields) | instant |
//! | Gemini `BeforeModel` | `MODEL_REQUEST` | instant |
//! | Gemini `AfterModel` | `MODEL_RESPONSE` (text, tokens), or `AGENT_THINK` for a thought-only chunk | instant |
//! | Gemini `BeforeToolSelection`, anything else | `OTHER` | instant |
//!
//! Correlation: `tool_use_id` (Claude, Codex). Gemini's and Cursor's hooks carry no id, so the
//! id is derived from the tool's name and input (`h:` and 16 hex digits): a `BeforeTool` and its
//! `AfterTool` get the same id, and so do two identical calls in one session, which the indexer
//! must pair in order.
//!
//! Exit codes: Claude Code's `PostToolUse` of `Bash` carries none (a non-zero exit arrives as
//! `PostToolUseFailure` whose error starts `Exit code N`); Codex's carries none for shell commands
//! (only `apply_patch` output starts `Exit code: N`), so such results have `exit_code` and, for
//! Codex, `outcome` empty; Gemini reports `Exit Code: N` in the tool's output when non-zero.

mod claude;
mod codex;
mod cursor;
mod gemini;
pub(crate) mod json;
mod notify;
pub mod patch;
pub mod text;
pub mod tool;

use event::{Agent, CorrelationId, Event, Kind, Outcome, Phase, SessionId, Source, Timestamp};
use serde_json::Value;

use crate::Error;
use json::{content_text, first_str, str_at, string_at, type_name, u64_at};
use text::{EXCERPT_MAX_CHARS, SUMMARY_MAX_CHARS, one_line};
use tool::{ToolCall, classify_tool};

pub use notify::normalize_codex_notify;

/// The agent-independent meaning of a hook event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hook {
    SessionStart,
    SessionEnd,
    UserPrompt,
    PreTool,
    PostTool,
    PostToolFailure,
    PostToolBatch,
    AssistantText,
    Stop,
    StopFailure,
    Interrupt,
    SubagentStart,
    SubagentStop,
    Notification,
    PreCompact,
    PostCompact,
    PermissionRequest,
    BeforeModel,
    AfterModel,
    BeforeToolSelection,
    Other,
}

/// A tool's result as the agent reported it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ToolResult {
    /// The output (stdout, file content, tool reply).
    pub output: Option<String>,
    /// Standard error, when reported separately.
    pub stderr: Option<String>,
    /// The exit code, when reported.
    pub exit_code: Option<i32>,
    /// The error message of a failure.
    pub error: Option<String>,
    /// How it ended, when known.
    pub outcome: Option<Outcome>,
    /// The HTTP status of a fetch.
    pub http_status: Option<u16>,
}

/// Turns one hook payload of `agent` into events (usually one; `apply_patch` and
/// `PostToolBatch` give one per file or call). `now` is the time of observation.
///
/// # Errors
///
/// [`Error::NotAnObject`] when the payload is not a JSON object. Everything else — unknown events,
/// missing or wrong-typed fields — gives events (`OTHER` at worst) with the raw payload.
pub fn normalize_hook(agent: Agent, payload: &Value, now: Timestamp) -> Result<Vec<Event>, Error> {
    normalize(agent, payload, None, now)
}

/// [`normalize_hook`] of a payload given as bytes (a hook's standard input). The events' raw
/// payload is then the text exactly as the agent sent it (surrounding whitespace trimmed), key
/// order and all.
///
/// # Errors
///
/// [`Error::Json`] when the bytes are not JSON, and the errors of [`normalize_hook`].
pub fn normalize_hook_bytes(
    agent: Agent,
    bytes: &[u8],
    now: Timestamp,
) -> Result<Vec<Event>, Error> {
    let payload: Value =
        serde_json::from_slice(bytes).map_err(|source| Error::Json { agent, source })?;
    // JSON that parsed is UTF-8 (serde_json checks strings; the rest is ASCII).
    let text = std::str::from_utf8(bytes).ok().map(str::trim);
    normalize(agent, &payload, text, now)
}

pub(crate) fn normalize(
    agent: Agent,
    payload: &Value,
    text: Option<&str>,
    now: Timestamp,
) -> Result<Vec<Event>, Error> {
    if !payload.is_object() {
        return Err(Error::NotAnObject { agent, found: type_name(payload) });
    }
    let ctx = Ctx::new(agent, payload, now);
    let name = ctx.name.unwrap_or("");
    let hook = match agent {
        Agent::ClaudeCode | Agent::Generic => claude::hook(name),
        Agent::Codex => codex::hook(name),
        Agent::Gemini => gemini::hook(name),
        Agent::Cursor => return Ok(with_raw(cursor::events(&ctx), payload, text)),
    };
    Ok(with_raw(events(&ctx, hook), payload, text))
}

/// Gives every event without a raw payload of its own (all but `PostToolBatch`'s) the payload:
/// `text` as sent if known, else serialized once; moved into the last such event rather than
/// cloned for each.
fn with_raw(mut events: Vec<Event>, payload: &Value, text: Option<&str>) -> Vec<Event> {
    let needy: Vec<usize> =
        (0..events.len()).filter(|&i| events.get(i).is_some_and(|e| e.raw.is_empty())).collect();
    let Some((&last, rest)) = needy.split_last() else {
        return events;
    };
    // A JSON value always serializes; should it not, the events still carry their fields.
    let raw = match text {
        Some(t) => t.to_owned(),
        None => serde_json::to_string(payload).unwrap_or_default(),
    };
    for &i in rest {
        if let Some(e) = events.get_mut(i) {
            e.raw.clone_from(&raw);
        }
    }
    if let Some(e) = events.get_mut(last) {
        e.raw = raw;
    }
    events
}

/// What every event of one payload shares.
pub(crate) struct Ctx<'a> {
    pub(crate) agent: Agent,
    pub(crate) payload: &'a Value,
    pub(crate) name: Option<&'a str>,
    base: Event,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(agent: Agent, payload: &'a Value, now: Timestamp) -> Ctx<'a> {
        let p = payload;
        let session = first_str(p, &["session_id", "conversation_id", "thread-id", "thread_id"])
            .unwrap_or("");
        let source = Source::Hook;
        let mut base =
            Event::new(now, SessionId::from(session), agent, source, Kind::Other, Phase::Instant);
        let name = str_at(p, "hook_event_name").filter(|n| !n.is_empty());
        let f = &mut base.fields;
        f.hook_event = name.map(str::to_owned);
        f.cwd = string_at(p, "cwd").or_else(|| match p.get("workspace_roots") {
            Some(Value::Array(roots)) => roots.first().and_then(Value::as_str).map(str::to_owned),
            _ => None,
        });
        f.transcript_path = string_at(p, "transcript_path");
        f.permission_mode = string_at(p, "permission_mode");
        f.turn_id = string_at(p, "turn_id").or_else(|| string_at(p, "turn-id"));
        f.prompt_id = string_at(p, "prompt_id");
        f.subagent_id = string_at(p, "agent_id");
        f.subagent_type = string_at(p, "agent_type");
        f.model = string_at(p, "model")
            .or_else(|| p.get("llm_request").and_then(|r| string_at(r, "model")));
        Ctx { agent, payload, name, base }
    }

    /// A new event of this payload.
    pub(crate) fn event(&self, kind: Kind, phase: Phase) -> Event {
        let mut e = self.base.clone();
        e.kind = kind;
        e.phase = phase;
        e
    }

    /// An instant event with a summary.
    pub(crate) fn instant(&self, kind: Kind, summary: String) -> Event {
        let mut e = self.event(kind, Phase::Instant);
        e.summary = one_line(&summary, SUMMARY_MAX_CHARS);
        e
    }

    pub(crate) fn cwd(&self) -> Option<&str> {
        self.base.fields.cwd.as_deref()
    }

    pub(crate) fn model(&self) -> Option<&str> {
        self.base.fields.model.as_deref()
    }

    pub(crate) fn str(&self, key: &str) -> Option<&'a str> {
        str_at(self.payload, key)
    }

    /// An `OTHER` event named after the hook.
    pub(crate) fn other(&self) -> Event {
        let summary = match self.name {
            Some(n) => n.to_owned(),
            None => "unknown hook payload".to_owned(),
        };
        self.instant(Kind::Other, summary)
    }
}

/// `prefix: text` with the text on one line and cut short, or `prefix` alone when there is none.
pub(crate) fn excerpt(prefix: &str, text: Option<&str>) -> String {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => format!("{prefix}: {}", one_line(t, EXCERPT_MAX_CHARS)),
        None => prefix.to_owned(),
    }
}

/// `base (a, b)` with the parts that are present, or `base`.
fn with_parens(base: &str, parts: &[Option<&str>]) -> String {
    let parts: Vec<&str> = parts.iter().flatten().copied().filter(|p| !p.is_empty()).collect();
    if parts.is_empty() { base.to_owned() } else { format!("{base} ({})", parts.join(", ")) }
}

fn events(ctx: &Ctx<'_>, hook: Hook) -> Vec<Event> {
    let p = ctx.payload;
    let e = match hook {
        Hook::SessionStart => {
            let mut e = ctx.instant(
                Kind::SessionStart,
                with_parens("session start", &[ctx.str("source"), ctx.model()]),
            );
            e.fields.reason = string_at(p, "source");
            e
        }
        Hook::SessionEnd => {
            let mut e =
                ctx.instant(Kind::SessionEnd, with_parens("session end", &[ctx.str("reason")]));
            e.fields.reason = string_at(p, "reason");
            e
        }
        Hook::UserPrompt => {
            let prompt = ctx.str("prompt");
            let mut e = ctx.instant(Kind::UserInput, excerpt("prompt", prompt));
            e.fields.text = prompt.map(str::to_owned);
            e
        }
        Hook::PreTool => return tool_events(ctx, Phase::Call, None),
        Hook::PostTool => {
            let tool_name = ctx.str("tool_name").unwrap_or("");
            let response = p.get("tool_response").unwrap_or(&Value::Null);
            let result = match ctx.agent {
                Agent::Codex => codex::post_result(response),
                Agent::Gemini => gemini::post_result(tool_name, response),
                _ => claude::post_result(response),
            };
            return tool_events(ctx, Phase::Result, Some(result));
        }
        Hook::PostToolFailure => {
            return tool_events(ctx, Phase::Result, Some(claude::failure_result(p)));
        }
        Hook::PostToolBatch => return batch_events(ctx),
        Hook::AssistantText => {
            let text = first_str(p, &["delta", "text", "message"]);
            let mut e = ctx.instant(Kind::AssistantText, excerpt("assistant", text));
            e.fields.text = text.map(str::to_owned);
            e.fields.message_id = string_at(p, "message_id");
            e
        }
        Hook::Stop | Hook::StopFailure | Hook::Interrupt => {
            let text = first_str(p, &["last_assistant_message", "prompt_response"]);
            let (prefix, outcome) = match hook {
                Hook::StopFailure => ("stop failure", Some(Outcome::Error)),
                Hook::Interrupt => ("interrupted", Some(Outcome::Interrupted)),
                _ => ("stop", None),
            };
            let mut e = ctx.instant(Kind::Stop, excerpt(prefix, text));
            e.fields.text = text.map(str::to_owned);
            e.fields.outcome = outcome;
            if hook == Hook::StopFailure {
                e.fields.error = first_str(p, &["error", "error_message"]).map(str::to_owned);
            }
            e
        }
        Hook::SubagentStart => {
            let summary =
                with_parens("subagent start", &[ctx.base.fields.subagent_type.as_deref()]);
            ctx.instant(Kind::SubagentStart, summary)
        }
        Hook::SubagentStop => {
            let text = ctx.str("last_assistant_message");
            let prefix = with_parens("subagent stop", &[ctx.base.fields.subagent_type.as_deref()]);
            let mut e = ctx.instant(Kind::SubagentStop, excerpt(&prefix, text));
            e.fields.text = text.map(str::to_owned);
            e
        }
        Hook::Notification => {
            let text = first_str(p, &["message", "title"]);
            let mut e = ctx.instant(Kind::Notification, excerpt("notification", text));
            e.fields.text = text.map(str::to_owned);
            e.fields.reason = first_str(p, &["notification_type", "type"]).map(str::to_owned);
            e
        }
        Hook::PreCompact | Hook::PostCompact => {
            let trigger = ctx.str("trigger");
            let (base, text) = if hook == Hook::PreCompact {
                ("compaction", ctx.str("custom_instructions"))
            } else {
                ("compaction done", first_str(p, &["compact_summary", "summary"]))
            };
            let mut e = ctx.instant(Kind::Compaction, with_parens(base, &[trigger]));
            e.fields.reason = trigger.map(str::to_owned);
            e.fields.text = text.filter(|t| !t.is_empty()).map(str::to_owned);
            e
        }
        Hook::PermissionRequest => permission_event(ctx),
        Hook::BeforeModel => gemini::before_model(ctx),
        Hook::AfterModel => gemini::after_model(ctx),
        Hook::BeforeToolSelection => {
            ctx.instant(Kind::Other, with_parens("before tool selection", &[ctx.model()]))
        }
        Hook::Other => ctx.other(),
    };
    vec![e]
}

/// The correlation id of a tool call: the agent's own, or one derived from the call's content.
pub(crate) fn correlation(
    agent: Agent,
    call: &Value,
    tool_name: &str,
    input: &Value,
) -> Option<CorrelationId> {
    if let Some(id) =
        first_str(call, &["tool_use_id", "call_id", "tool_call_id"]).filter(|id| !id.is_empty())
    {
        return Some(CorrelationId::from(id));
    }
    match agent {
        Agent::Gemini | Agent::Cursor => Some(content_id(tool_name, input)),
        _ => None,
    }
}

/// `h:` and the FNV-1a 64 hash of the tool's name and input, in canonical form (object keys
/// sorted at every level), so the hook and the transcript of the same call agree whatever order
/// each wrote the arguments in.
pub(crate) fn content_id(tool_name: &str, input: &Value) -> CorrelationId {
    let mut canonical = String::new();
    write_canonical(input, &mut canonical);
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in tool_name.bytes().chain([0]).chain(canonical.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    CorrelationId(format!("h:{hash:016x}"))
}

/// JSON with the keys of every object sorted (scalars as serde_json writes them).
fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push(':');
                if let Some(v) = map.get(k) {
                    write_canonical(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&serde_json::to_string(scalar).unwrap_or_default()),
    }
}

/// The events of a tool call (`phase` Call) or of its result (`phase` Result, with `result`).
fn tool_events(ctx: &Ctx<'_>, phase: Phase, result: Option<ToolResult>) -> Vec<Event> {
    let p = ctx.payload;
    let tool_name = ctx.str("tool_name").unwrap_or("");
    let input = p.get("tool_input").unwrap_or(&Value::Null);
    let correlation = correlation(ctx.agent, p, tool_name, input);
    let duration_ms = u64_at(p, "duration_ms");
    classify_tool(tool_name, input, p.get("mcp_context"), ctx.cwd())
        .into_iter()
        .map(|call| {
            let kind = if phase == Phase::Result { call.kind.result_kind() } else { call.kind };
            let mut e = ctx.event(kind, phase);
            apply_call(&mut e, call, tool_name);
            if let Some(r) = &result {
                apply_result(&mut e, r);
                e.fields.duration_ms = duration_ms;
            }
            e.correlation = correlation.clone();
            e
        })
        .collect()
}

/// Copies what a tool call says into `e`.
pub(crate) fn apply_call(e: &mut Event, call: ToolCall, tool_name: &str) {
    let f = &mut e.fields;
    if !tool_name.is_empty() {
        f.tool_name = Some(tool_name.to_owned());
    }
    f.command = call.command;
    if call.cwd.is_some() {
        f.cwd = call.cwd;
    }
    f.paths = call.paths;
    f.url = call.url;
    f.query = call.query;
    f.text = call.text;
    if call.subagent_type.is_some() {
        f.subagent_type = call.subagent_type;
    }
    f.mcp = call.mcp;
    e.summary = call.summary;
}

/// Copies a result into `e` and says in the summary how it ended, if not well.
pub(crate) fn apply_result(e: &mut Event, r: &ToolResult) {
    let f = &mut e.fields;
    f.output = r.output.clone();
    f.stderr = r.stderr.clone().filter(|s| !s.is_empty());
    f.exit_code = r.exit_code;
    f.error = r.error.clone();
    f.outcome = r.outcome;
    f.http_status = r.http_status;
    let suffix = match (r.outcome, r.exit_code) {
        (_, Some(code)) if code != 0 => format!("exit {code}"),
        (Some(Outcome::Error), _) => "error".to_owned(),
        (Some(Outcome::Denied), _) => "denied".to_owned(),
        (Some(Outcome::Interrupted), _) => "interrupted".to_owned(),
        _ => return,
    };
    // Keep the suffix visible: shorten the call's part, not the outcome.
    let head = one_line(&e.summary, SUMMARY_MAX_CHARS.saturating_sub(suffix.chars().count() + 3));
    e.summary = format!("{head} → {suffix}");
}

/// `PermissionRequest`: one event with the tool's fields (all of an `apply_patch`'s paths).
fn permission_event(ctx: &Ctx<'_>) -> Event {
    let p = ctx.payload;
    let tool_name = ctx.str("tool_name").unwrap_or("");
    let input = p.get("tool_input").unwrap_or(&Value::Null);
    let mut calls = classify_tool(tool_name, input, p.get("mcp_context"), ctx.cwd()).into_iter();
    let mut e = ctx.event(Kind::PermissionRequest, Phase::Instant);
    let Some(first) = calls.next() else {
        return ctx.instant(Kind::PermissionRequest, "permission".to_owned());
    };
    let summary = format!("permission: {}", first.summary);
    apply_call(&mut e, first, tool_name);
    let mut more = 0;
    for call in calls {
        e.fields.paths.extend(call.paths);
        more += 1;
    }
    let summary = if more > 0 { format!("{summary} (+{more} more)") } else { summary };
    e.summary = one_line(&summary, SUMMARY_MAX_CHARS);
    e.correlation = correlation(ctx.agent, p, tool_name, input);
    e
}

/// `PostToolBatch`: a result event per call in `tool_calls`, each with the raw payload cut to
/// that call (the envelope plus `"tool_calls": [call]`), so the batch is stored once in all.
fn batch_events(ctx: &Ctx<'_>) -> Vec<Event> {
    let p = ctx.payload;
    let calls = match p.get("tool_calls") {
        Some(Value::Array(calls)) if !calls.is_empty() => calls,
        _ => return vec![ctx.other()],
    };
    // The payload without its calls, cloned once; each event adds back its own call.
    let mut envelope = serde_json::Map::new();
    if let Value::Object(map) = p {
        for (k, v) in map.iter().filter(|(k, _)| *k != "tool_calls") {
            envelope.insert(k.clone(), v.clone());
        }
    }
    let mut out = Vec::new();
    for call in calls {
        let tool_name = str_at(call, "tool_name").unwrap_or("");
        let input = call.get("tool_input").unwrap_or(&Value::Null);
        let correlation = correlation(ctx.agent, call, tool_name, input);
        let output = call.get("tool_response").and_then(content_text);
        // The batch shows what the model saw; for a failed Bash call that starts `Exit code N`.
        let exit_code = output
            .as_deref()
            .filter(|_| tool_name == "Bash")
            .and_then(claude::exit_code_prefix)
            .filter(|c| *c != 0);
        let result = ToolResult {
            output,
            exit_code,
            outcome: exit_code.map(|_| Outcome::Error),
            ..ToolResult::default()
        };
        let mut one = envelope.clone();
        one.insert("tool_calls".to_owned(), Value::Array(vec![call.clone()]));
        let raw = serde_json::to_string(&one).unwrap_or_default();
        for c in classify_tool(tool_name, input, call.get("mcp_context"), ctx.cwd()) {
            let mut e = ctx.event(c.kind.result_kind(), Phase::Result);
            apply_call(&mut e, c, tool_name);
            apply_result(&mut e, &result);
            e.correlation = correlation.clone();
            e.raw = raw.clone();
            out.push(e);
        }
    }
    out
}
