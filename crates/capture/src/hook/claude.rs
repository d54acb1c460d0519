//! Claude Code's hook events and tool results (also used for `Agent::Generic`).

use event::Outcome;
use serde_json::Value;

use super::json::{bool_at, content_text, first_str, i32_at, str_at, u64_at};
use super::{Hook, ToolResult};

/// The meaning of a Claude Code `hook_event_name`.
pub(super) fn hook(name: &str) -> Hook {
    match name {
        "SessionStart" => Hook::SessionStart,
        "SessionEnd" => Hook::SessionEnd,
        "UserPromptSubmit" => Hook::UserPrompt,
        "PreToolUse" => Hook::PreTool,
        "PostToolUse" => Hook::PostTool,
        "PostToolUseFailure" => Hook::PostToolFailure,
        "PostToolBatch" => Hook::PostToolBatch,
        "MessageDisplay" => Hook::AssistantText,
        "Stop" => Hook::Stop,
        "StopFailure" => Hook::StopFailure,
        "SubagentStart" => Hook::SubagentStart,
        "SubagentStop" => Hook::SubagentStop,
        "Notification" => Hook::Notification,
        "PreCompact" => Hook::PreCompact,
        "PostCompact" => Hook::PostCompact,
        "PermissionRequest" => Hook::PermissionRequest,
        _ => Hook::Other,
    }
}

/// The result in a `PostToolUse`'s `tool_response`. Claude Code reports a failed call as
/// `PostToolUseFailure` instead, so a `PostToolUse` is a success unless it says it was interrupted.
///
/// Shapes seen: `Bash` `{stdout, stderr, interrupted, …}`, `Read` `{type, file: {content, …}}`,
/// `Write`/`Edit` `{filePath, structuredPatch, …}` (no output: the diff stays in the raw payload),
/// `Glob`/`Grep` `{filenames, content?}`, `WebFetch` `{code, result, …}`, MCP and `Task`
/// content blocks, or a plain string.
pub(super) fn post_result(response: &Value) -> ToolResult {
    let mut r = ToolResult { outcome: Some(Outcome::Ok), ..ToolResult::default() };
    match response {
        Value::Object(_) => {
            if let Some(stdout) = str_at(response, "stdout") {
                r.output = Some(stdout.to_owned());
                r.stderr = str_at(response, "stderr").map(str::to_owned);
            } else if let Some(file) = response.get("file").filter(|f| f.is_object()) {
                r.output = str_at(file, "content").map(str::to_owned);
            } else if let Some(text) = first_str(response, &["result", "output"]) {
                r.output = Some(text.to_owned());
            } else if let Some(content) = response
                .get("content")
                .filter(|c| !c.is_string() || response.get("filePath").is_none())
            {
                r.output = content_text(content);
            } else if let Some(Value::Array(names)) = response.get("filenames") {
                let names: Vec<&str> = names.iter().filter_map(Value::as_str).collect();
                r.output = Some(names.join("\n"));
            }
            r.exit_code =
                ["exit_code", "exitCode", "returnCode"].iter().find_map(|k| i32_at(response, k));
            r.http_status = u64_at(response, "code").and_then(|c| u16::try_from(c).ok());
            if bool_at(response, "interrupted") == Some(true) {
                r.outcome = Some(Outcome::Interrupted);
            } else if bool_at(response, "isError") == Some(true)
                || r.exit_code.is_some_and(|c| c != 0)
            {
                r.outcome = Some(Outcome::Error);
            }
        }
        other => r.output = content_text(other),
    }
    r
}

/// The result of a `PostToolUseFailure`: `error` (for `Bash`, `Exit code N` and the output),
/// `is_interrupt`.
pub(super) fn failure_result(payload: &Value) -> ToolResult {
    let error = first_str(payload, &["error", "tool_error"]).map(str::to_owned);
    let outcome = if bool_at(payload, "is_interrupt") == Some(true) {
        Outcome::Interrupted
    } else if error.as_deref().is_some_and(is_denial) {
        Outcome::Denied
    } else {
        Outcome::Error
    };
    ToolResult {
        exit_code: error.as_deref().and_then(exit_code_prefix),
        error,
        outcome: Some(outcome),
        ..ToolResult::default()
    }
}

/// `Exit code 128\n…` → 128.
pub(super) fn exit_code_prefix(error: &str) -> Option<i32> {
    let rest = error.strip_prefix("Exit code ")?;
    let digits: &str = rest.split(|c: char| !(c.is_ascii_digit() || c == '-')).next()?;
    digits.parse().ok()
}

/// Whether a tool error says the user or a policy refused the call.
fn is_denial(error: &str) -> bool {
    error.contains("doesn't want to proceed")
        || error.starts_with("Permission to use")
        || error.contains("was blocked by")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_from_error_text() {
        assert_eq!(exit_code_prefix("Exit code 128\nfatal: x"), Some(128));
        assert_eq!(exit_code_prefix("Exit code 1"), Some(1));
        assert_eq!(exit_code_prefix("Exit code -9\n"), Some(-9));
        assert_eq!(exit_code_prefix("Exit code \n"), None);
        assert_eq!(exit_code_prefix("Exit code 99999999999"), None);
        assert_eq!(exit_code_prefix("File does not exist."), None);
    }
}
