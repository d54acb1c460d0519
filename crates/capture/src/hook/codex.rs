//! Codex CLI's hook events (Claude Code's names, plus `Interrupt`) and tool results.

use event::Outcome;
use serde_json::Value;

use super::{Hook, ToolResult, claude};

/// The meaning of a Codex `hook_event_name`.
pub(super) fn hook(name: &str) -> Hook {
    match name {
        "Interrupt" => Hook::Interrupt,
        other => claude::hook(other),
    }
}

/// The result in a `PostToolUse`'s `tool_response`: a string, the shell command's combined
/// output. Codex reports no exit code for shell commands, so their outcome stays unknown; the
/// `apply_patch` output starts `Exit code: N\nWall time: …\nOutput:\n`, which is parsed.
pub(super) fn post_result(response: &Value) -> ToolResult {
    let Value::String(text) = response else {
        return claude::post_result(response);
    };
    match exec_output(text) {
        Some((code, output)) => ToolResult {
            output: Some(output.to_owned()),
            exit_code: Some(code),
            outcome: Some(if code == 0 { Outcome::Ok } else { Outcome::Error }),
            ..ToolResult::default()
        },
        None => ToolResult { output: Some(text.clone()), ..ToolResult::default() },
    }
}

/// `Exit code: N\nWall time: …\nOutput:\nrest` → (N, rest).
fn exec_output(text: &str) -> Option<(i32, &str)> {
    let rest = text.strip_prefix("Exit code: ")?;
    let (code, rest) = rest.split_once('\n')?;
    let code = code.trim().parse().ok()?;
    let output = match rest.find("Output:\n") {
        Some(at) => rest.get(at + "Output:\n".len()..).unwrap_or(""),
        None => rest,
    };
    Some((code, output))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_output_headers() {
        assert_eq!(
            exec_output(
                "Exit code: 0\nWall time: 0 seconds\nOutput:\nSuccess. Updated the following files:\nM a\n"
            ),
            Some((0, "Success. Updated the following files:\nM a\n"))
        );
        assert_eq!(
            exec_output("Exit code: 2\nWall time: 1 seconds\n"),
            Some((2, "Wall time: 1 seconds\n"))
        );
        assert_eq!(exec_output("Exit code: x\n"), None);
        assert_eq!(exec_output("total 16\n"), None);
    }
}
