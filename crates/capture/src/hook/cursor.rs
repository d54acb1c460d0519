//! Cursor's agent hooks (`beforeShellExecution`, `afterFileEdit`, …).
//!
//! Cursor's payloads differ from Claude Code's: the session is `conversation_id`, the working
//! directory the first of `workspace_roots`, and each hook names its own fields. Its hooks carry no
//! call id, so calls and results pair on an id derived from the command or MCP tool and input.
//! No real Cursor payloads are in the fixtures; the shapes follow Cursor's hook documentation.

use event::{Event, Kind, Outcome, Phase};
use serde_json::{Value, json};

use super::json::{content_text, first_str, i32_at, str_at, u64_at};
use super::tool::classify_tool;
use super::{
    Ctx, Hook, ToolResult, apply_call, apply_result, content_id, events as hook_events, excerpt,
};

/// The events of one Cursor hook payload.
pub(super) fn events(ctx: &Ctx<'_>) -> Vec<Event> {
    let p = ctx.payload;
    let e = match ctx.name.unwrap_or("") {
        "beforeSubmitPrompt" => return hook_events(ctx, Hook::UserPrompt),
        "sessionStart" => return hook_events(ctx, Hook::SessionStart),
        "sessionEnd" => return hook_events(ctx, Hook::SessionEnd),
        "preToolUse" => return hook_events(ctx, Hook::PreTool),
        "postToolUse" => return hook_events(ctx, Hook::PostTool),
        "beforeShellExecution" => {
            call(ctx, "Shell", &json!({"command": str_at(p, "command")}), None, None)
        }
        "afterShellExecution" => {
            let exit_code = i32_at(p, "exit_code");
            let result = ToolResult {
                output: str_at(p, "output").map(str::to_owned),
                exit_code,
                outcome: exit_code.map(|c| if c == 0 { Outcome::Ok } else { Outcome::Error }),
                ..ToolResult::default()
            };
            call(ctx, "Shell", &json!({"command": str_at(p, "command")}), None, Some(result))
        }
        name @ ("beforeMCPExecution" | "afterMCPExecution") => {
            let tool = str_at(p, "tool_name").unwrap_or("");
            let input = match p.get("tool_input") {
                Some(Value::String(s)) => {
                    serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone()))
                }
                Some(v) => v.clone(),
                None => Value::Null,
            };
            let server = first_str(p, &["server_name", "url", "command"]).unwrap_or("");
            let context = json!({"server_name": server, "tool_name": tool});
            let result = (name == "afterMCPExecution").then(|| ToolResult {
                output: p
                    .get("result_json")
                    .and_then(|r| content_text(r).or_else(|| Some(r.to_string()))),
                ..ToolResult::default()
            });
            call(ctx, tool, &input, Some(&context), result)
        }
        "beforeReadFile" => file(ctx, Kind::FileRead, "Read", str_at(p, "content")),
        "afterFileEdit" => file(ctx, Kind::FileWrite, "Edit", None),
        "afterAgentResponse" => {
            let text = str_at(p, "text");
            let mut e = ctx.instant(Kind::AssistantText, excerpt("assistant", text));
            e.fields.text = text.map(str::to_owned);
            e
        }
        "afterAgentThought" => {
            let text = str_at(p, "text");
            let mut e = ctx.instant(Kind::AgentThink, excerpt("thinking", text));
            e.fields.text = text.map(str::to_owned);
            e.fields.duration_ms = u64_at(p, "duration_ms");
            e
        }
        "stop" => {
            let status = str_at(p, "status");
            let mut e = ctx.instant(Kind::Stop, excerpt("stop", status));
            e.fields.reason = status.map(str::to_owned);
            e.fields.outcome = match status {
                Some("completed") => Some(Outcome::Ok),
                Some("aborted") => Some(Outcome::Interrupted),
                Some("error") => Some(Outcome::Error),
                _ => None,
            };
            e
        }
        _ => ctx.other(),
    };
    vec![e]
}

/// A call (no `result`) or result of a tool whose input Cursor spreads over the payload.
fn call(
    ctx: &Ctx<'_>,
    tool: &str,
    input: &Value,
    mcp: Option<&Value>,
    result: Option<ToolResult>,
) -> Event {
    let phase = if result.is_some() { Phase::Result } else { Phase::Call };
    let mut calls = classify_tool(tool, input, mcp, ctx.cwd()).into_iter();
    let Some(c) = calls.next() else {
        return ctx.other();
    };
    let kind = if result.is_some() { c.kind.result_kind() } else { c.kind };
    let mut e = ctx.event(kind, phase);
    apply_call(&mut e, c, tool);
    if let Some(r) = &result {
        apply_result(&mut e, r);
        e.fields.duration_ms = u64_at(ctx.payload, "duration");
    }
    e.correlation = Some(content_id(tool, input));
    e
}

/// A file read or edit, an instant event of its own (Cursor has no before/after pair for these).
fn file(ctx: &Ctx<'_>, kind: Kind, verb: &str, content: Option<&str>) -> Event {
    let path = str_at(ctx.payload, "file_path");
    let shown = path.map(|p| super::text::relative(p, ctx.cwd())).unwrap_or("");
    let mut e = ctx.instant(kind, format!("{verb} {shown}"));
    e.fields.paths = path.map(str::to_owned).into_iter().collect();
    e.fields.output = content.map(str::to_owned);
    e
}
