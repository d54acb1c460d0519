//! Gemini CLI's hook events, tool results and model turns.

use event::{Event, Kind, Outcome, Tokens};
use serde_json::Value;

use super::json::{bool_at, content_text, str_at, u64_at};
use super::text::{EXCERPT_MAX_CHARS, one_line};
use super::{Ctx, Hook, ToolResult, excerpt};

/// The meaning of a Gemini CLI `hook_event_name`.
pub(super) fn hook(name: &str) -> Hook {
    match name {
        "SessionStart" => Hook::SessionStart,
        "SessionEnd" => Hook::SessionEnd,
        "BeforeAgent" => Hook::UserPrompt,
        "AfterAgent" => Hook::Stop,
        "BeforeTool" => Hook::PreTool,
        "AfterTool" => Hook::PostTool,
        "BeforeModel" => Hook::BeforeModel,
        "AfterModel" => Hook::AfterModel,
        "BeforeToolSelection" => Hook::BeforeToolSelection,
        "PreCompress" => Hook::PreCompact,
        "Notification" => Hook::Notification,
        _ => Hook::Other,
    }
}

/// The trailer lines of `run_shell_command`'s `llmContent` after `Output: …`.
const SHELL_TRAILERS: [&str; 5] =
    ["Error: ", "Exit Code: ", "Signal: ", "Background PIDs: ", "Process Group PGID: "];

/// The result in an `AfterTool`'s `tool_response`: `{llmContent, returnDisplay, error?}`.
///
/// For `run_shell_command`, `llmContent` is
/// `<untrusted_context>\nOutput: …\nExit Code: N\nProcess Group PGID: …\n</untrusted_context>`
/// (`Exit Code` only when non-zero) and `returnDisplay` the bare output; other tools put their
/// result (a file's content, a confirmation) in `llmContent`.
pub(super) fn post_result(tool_name: &str, response: &Value) -> ToolResult {
    let mut r = ToolResult { outcome: Some(Outcome::Ok), ..ToolResult::default() };
    let llm = response.get("llmContent").and_then(content_text);
    let display = str_at(response, "returnDisplay").filter(|d| !d.is_empty());
    if tool_name == "run_shell_command" {
        let parsed = llm.as_deref().map(parse_shell_content);
        r.exit_code = parsed.as_ref().and_then(|p| p.exit_code);
        r.output = display.map(str::to_owned).or_else(|| parsed.and_then(|p| p.output));
    } else {
        r.output = llm.or_else(|| display.map(str::to_owned));
    }
    if !response.is_object() {
        r.output = content_text(response);
    }
    r.error = match response.get("error") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(e @ Value::Object(_)) => {
            str_at(e, "message").map(str::to_owned).or_else(|| Some(e.to_string()))
        }
        _ => None,
    };
    if r.error.is_some() || r.exit_code.is_some_and(|c| c != 0) {
        r.outcome = Some(Outcome::Error);
    }
    r
}

/// What `run_shell_command`'s `llmContent` says.
#[derive(Debug, Default, PartialEq, Eq)]
struct ShellContent {
    output: Option<String>,
    exit_code: Option<i32>,
}

fn parse_shell_content(text: &str) -> ShellContent {
    let body = text.trim();
    let body = body.strip_prefix("<untrusted_context>").unwrap_or(body);
    let body = body.strip_suffix("</untrusted_context>").unwrap_or(body);
    let mut out = ShellContent::default();
    let mut output: Option<Vec<&str>> = None;
    let mut in_output = false;
    for line in body.lines() {
        if let Some(first) = line.strip_prefix("Output: ") {
            output = Some(vec![first]);
            in_output = true;
        } else if SHELL_TRAILERS.iter().any(|t| line.starts_with(t)) {
            in_output = false;
            if let Some(code) = line.strip_prefix("Exit Code: ") {
                out.exit_code = code.trim().parse().ok();
            }
        } else if in_output && let Some(lines) = output.as_mut() {
            lines.push(line);
        }
    }
    out.output = output
        .map(|lines| lines.join("\n"))
        .map(|o| if o == "(empty)" { String::new() } else { o });
    out
}

/// `BeforeModel`: a `MODEL_REQUEST` with the model and the number of messages sent.
pub(super) fn before_model(ctx: &Ctx<'_>) -> Event {
    let request = ctx.payload.get("llm_request").unwrap_or(&Value::Null);
    let messages = match request.get("messages") {
        Some(Value::Array(m)) => Some(m.len()),
        _ => None,
    };
    let mut summary = format!("model request {}", ctx.model().unwrap_or(""));
    if let Some(n) = messages {
        let plural = if n == 1 { "" } else { "s" };
        summary = format!("{} ({n} message{plural})", summary.trim_end());
    }
    ctx.instant(Kind::ModelRequest, summary)
}

/// `AfterModel`: one streamed chunk of the response. A chunk with text or token counts is a
/// `MODEL_RESPONSE`; a chunk with only thought parts (no `text`, no usage) is `AGENT_THINK`.
pub(super) fn after_model(ctx: &Ctx<'_>) -> Event {
    let response = ctx.payload.get("llm_response").unwrap_or(&Value::Null);
    let text = str_at(response, "text").filter(|t| !t.trim().is_empty()).map(str::to_owned);
    let tokens = response.get("usageMetadata").filter(|u| u.is_object()).map(tokens);
    let finish = response
        .get("candidates")
        .and_then(|c| c.get(0))
        .and_then(|c| str_at(c, "finishReason"))
        .map(str::to_owned);
    if text.is_none()
        && tokens.is_none()
        && let Some(thought) = thought_text(response)
    {
        let mut e = ctx.instant(Kind::AgentThink, excerpt("thinking", Some(thought.as_str())));
        e.fields.text = Some(thought);
        return e;
    }
    let mut e = ctx.event(Kind::ModelResponse, event::Phase::Instant);
    let model =
        e.fields.model.clone().or_else(|| str_at(response, "modelVersion").map(str::to_owned));
    let counts = tokens.map(|t| format!("{} in, {} out", t.input + t.cache_read, t.output));
    let summary = match (&text, &counts) {
        (Some(t), Some(c)) => format!("assistant: {} ({c})", one_line(t, EXCERPT_MAX_CHARS)),
        (Some(t), None) => format!("assistant: {}", one_line(t, EXCERPT_MAX_CHARS)),
        (None, Some(c)) => format!("tokens {}: {c}", model.as_deref().unwrap_or("")),
        (None, None) => format!("model response {}", model.as_deref().unwrap_or("")),
    };
    e.summary = one_line(&summary, super::text::SUMMARY_MAX_CHARS);
    e.fields.model = model;
    e.fields.text = text;
    e.fields.tokens = tokens;
    e.fields.reason = finish;
    e
}

/// The thought parts of a response chunk: parts marked `thought: true`, or, when the chunk has no
/// `text`, every text part (Gemini's hook drops the mark and leaves thoughts out of `text`).
fn thought_text(response: &Value) -> Option<String> {
    let parts = response.get("candidates")?.get(0)?.get("content")?.get("parts")?.as_array()?;
    let texts: Vec<&str> = parts
        .iter()
        .filter_map(|part| match part {
            Value::String(s) => Some(s.as_str()),
            Value::Object(_) if bool_at(part, "thought") != Some(false) => str_at(part, "text"),
            _ => None,
        })
        .filter(|t| !t.trim().is_empty())
        .collect();
    if texts.is_empty() { None } else { Some(texts.join("\n")) }
}

/// Gemini's `usageMetadata` as [`Tokens`]: `promptTokenCount` includes cached tokens and
/// `candidatesTokenCount` excludes thoughts.
fn tokens(usage: &Value) -> Tokens {
    let n = |k: &str| u64_at(usage, k).unwrap_or(0);
    let cached = n("cachedContentTokenCount");
    let thoughts = n("thoughtsTokenCount");
    Tokens {
        input: n("promptTokenCount")
            .saturating_sub(cached)
            .saturating_add(n("toolUsePromptTokenCount")),
        output: n("candidatesTokenCount").saturating_add(thoughts),
        cache_read: cached,
        cache_write: 0,
        reasoning: thoughts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_content_output_and_exit_code() {
        let cases = [
            (
                "<untrusted_context>\nOutput: fatal: x\n\n    git push <name>\nExit Code: 128\nProcess Group PGID: 8178\n</untrusted_context>",
                Some("fatal: x\n\n    git push <name>"),
                Some(128),
            ),
            (
                "<untrusted_context>\nOutput: (empty)\nProcess Group PGID: 8150\n</untrusted_context>",
                Some(""),
                None,
            ),
            (
                "Command: ls\nDirectory: (root)\nOutput: a\nb\nError: (none)\nExit Code: 0\nSignal: (none)",
                Some("a\nb"),
                Some(0),
            ),
            ("no structure at all", None, None),
            ("Exit Code: banana", None, None),
        ];
        for (text, output, exit_code) in cases {
            let got = parse_shell_content(text);
            assert_eq!(
                got,
                ShellContent { output: output.map(str::to_owned), exit_code },
                "{text:?}"
            );
        }
    }

    #[test]
    fn usage_metadata_to_tokens() {
        let usage = serde_json::json!({"promptTokenCount": 3120, "candidatesTokenCount": 64, "cachedContentTokenCount": 1000, "thoughtsTokenCount": 10, "totalTokenCount": 3194});
        assert_eq!(
            tokens(&usage),
            Tokens { input: 2120, output: 74, cache_read: 1000, cache_write: 0, reasoning: 10 }
        );
        assert_eq!(tokens(&serde_json::json!({"promptTokenCount": "many"})), Tokens::default());
    }
}
