//! Tool → kind: what a tool call does, from its name and input, for every agent's tool names.
//!
//! | tools | kind |
//! |---|---|
//! | Claude `Bash`; Codex `Bash`, `shell`, `local_shell`, `exec_command`, `unified_exec`; Gemini `run_shell_command`; `Shell` | `SHELL_EXEC` |
//! | Claude `BashOutput` | `SHELL_STDOUT` |
//! | Claude `Read`, `NotebookRead`, `Grep`; Codex `view_image`; Gemini `read_file`, `read_many_files`, `search_file_content`, `grep_search`, `grep` | `FILE_READ` |
//! | Claude `Write`, `Edit`, `MultiEdit`, `NotebookEdit`; Gemini `write_file`, `replace`, `edit` | `FILE_WRITE` |
//! | Codex `apply_patch` (also `apply_patch <<EOF` in a shell command) | one `FILE_WRITE` per added or updated file, `FILE_DELETE` per deleted file, `FILE_RENAME` per moved file |
//! | Claude `Glob`, `LS`; Gemini `glob`, `list_directory`, `ls` | `FILE_READDIR` |
//! | Claude `WebFetch`, `WebSearch`; Codex `web_search`; Gemini `web_fetch`, `google_web_search` | `HTTP_REQUEST` |
//! | `mcp__server__tool`; a Gemini call with `mcp_context` | `MCP_TOOL_CALL` |
//! | Claude `Agent`, `Task`; Gemini `delegate_to_agent`, `codebase_investigator` | `AGENT_ACT` |
//! | anything else (`TodoWrite`, `update_plan`, `Skill`, …) | `TOOL_CALL` |
//!
//! A result has the call's kind, except `MCP_TOOL_RESULT` and `HTTP_RESPONSE`
//! (`Kind::result_kind`).

use event::{Kind, McpTarget};
use serde_json::Value;

use super::json::{first_str, str_at, strs_at};
use super::patch::{PatchOp, parse_apply_patch, patch_in_shell_command};
use super::text::{EXCERPT_MAX_CHARS, SUMMARY_MAX_CHARS, one_line, relative};

/// What one tool call does. A call gives one or more of these (an `apply_patch` one per file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolCall {
    /// The kind of the call (the result's kind is `kind.result_kind()`).
    pub kind: Kind,
    /// `SHELL_EXEC`: the command line.
    pub command: Option<String>,
    /// The directory the call runs in, when its input names one (Codex `workdir`, Gemini `dir_path`).
    pub cwd: Option<String>,
    /// The files or directories touched (`FILE_RENAME`: `[from, to]`).
    pub paths: Vec<String>,
    /// `HTTP_REQUEST`: the URL.
    pub url: Option<String>,
    /// A search's pattern or query.
    pub query: Option<String>,
    /// Free text of the call: a command's description, a subagent's task.
    pub text: Option<String>,
    /// `AGENT_ACT`: the subagent's type.
    pub subagent_type: Option<String>,
    /// MCP: server and tool.
    pub mcp: Option<McpTarget>,
    /// One line for humans, paths relative to the session's cwd: `$ rm config/secrets.yml`.
    pub summary: String,
}

impl ToolCall {
    fn new(kind: Kind) -> ToolCall {
        ToolCall {
            kind,
            command: None,
            cwd: None,
            paths: Vec::new(),
            url: None,
            query: None,
            text: None,
            subagent_type: None,
            mcp: None,
            summary: String::new(),
        }
    }
}

/// What the call of `tool_name` with `input` does. `mcp_context` is Gemini's description of an MCP
/// tool (`{"server_name": …}`), if the payload has one; `session_cwd` makes summary paths relative.
///
/// Never empty; never fails: missing or wrong-typed inputs leave fields empty.
pub fn classify_tool(
    tool_name: &str,
    input: &Value,
    mcp_context: Option<&Value>,
    session_cwd: Option<&str>,
) -> Vec<ToolCall> {
    let rel = |p: &str| relative(p, session_cwd).to_owned();
    if let Some(call) = mcp_call(tool_name, input, mcp_context) {
        return vec![call];
    }
    let mut call = match tool_name {
        "Bash" | "shell" | "local_shell" | "exec_command" | "unified_exec" | "container.exec"
        | "run_shell_command" | "Shell" => {
            let command = shell_command(input);
            if let Some(patch) = command.as_deref().and_then(patch_in_shell_command) {
                return patch_calls(patch, session_cwd);
            }
            let mut call = ToolCall::new(Kind::ShellExec);
            call.summary = format!("$ {}", command.as_deref().unwrap_or(""));
            call.command = command;
            call.cwd =
                first_str(input, &["workdir", "dir_path", "directory", "cwd"]).map(str::to_owned);
            call.text = first_str(input, &["description", "justification"]).map(str::to_owned);
            call
        }
        "BashOutput" => {
            let mut call = ToolCall::new(Kind::ShellStdout);
            let id = first_str(input, &["bash_id", "shell_id"]).unwrap_or("");
            call.summary = format!("output of shell {id}");
            call
        }
        "Read" | "NotebookRead" | "read_file" | "view_image" => {
            let mut call = ToolCall::new(Kind::FileRead);
            call.paths = path_of(input);
            call.summary =
                format!("Read {}", call.paths.first().map(|p| rel(p)).unwrap_or_default());
            call
        }
        "read_many_files" => {
            let mut call = ToolCall::new(Kind::FileRead);
            call.paths = [strs_at(input, "paths"), strs_at(input, "include")].concat();
            call.summary = format!(
                "Read {}",
                call.paths.iter().map(|p| rel(p)).collect::<Vec<_>>().join(", ")
            );
            call
        }
        "Grep" | "search_file_content" | "grep_search" | "grep" => {
            let mut call = ToolCall::new(Kind::FileRead);
            call.query = first_str(input, &["pattern", "query"]).map(str::to_owned);
            call.paths = first_str(input, &["path", "dir_path", "file_path"])
                .map(str::to_owned)
                .into_iter()
                .collect();
            call.summary = format!("Grep {:?}", call.query.as_deref().unwrap_or(""));
            if let Some(p) = call.paths.first() {
                call.summary = format!("{} in {}", call.summary, rel(p));
            }
            call
        }
        "Write" | "write_file" => file_write("Write", input, &rel),
        "Edit" | "MultiEdit" | "NotebookEdit" | "replace" | "edit" => {
            file_write("Edit", input, &rel)
        }
        "apply_patch" | "applypatch" => {
            let patch = match input {
                Value::String(s) => Some(s.as_str()),
                _ => first_str(input, &["command", "input", "patch"]),
            };
            return patch_calls(patch.unwrap_or(""), session_cwd);
        }
        "Glob" | "glob" => {
            let mut call = ToolCall::new(Kind::FileReaddir);
            call.query = str_at(input, "pattern").map(str::to_owned);
            call.paths =
                first_str(input, &["path", "dir_path"]).map(str::to_owned).into_iter().collect();
            call.summary = format!("Glob {}", call.query.as_deref().unwrap_or(""));
            if let Some(p) = call.paths.first() {
                call.summary = format!("{} in {}", call.summary, rel(p));
            }
            call
        }
        "LS" | "list_directory" | "ls" => {
            let mut call = ToolCall::new(Kind::FileReaddir);
            call.paths = first_str(input, &["path", "dir_path", "directory"])
                .map(str::to_owned)
                .into_iter()
                .collect();
            call.summary =
                format!("List {}", call.paths.first().map(|p| rel(p)).unwrap_or_default());
            call
        }
        "WebFetch" | "web_fetch" => {
            let mut call = ToolCall::new(Kind::HttpRequest);
            call.url = str_at(input, "url")
                .map(str::to_owned)
                .or_else(|| str_at(input, "prompt").and_then(first_url));
            call.text = str_at(input, "prompt").map(str::to_owned);
            call.summary = format!("Fetch {}", call.url.as_deref().unwrap_or(""));
            call
        }
        "WebSearch" | "web_search" | "google_web_search" => {
            let mut call = ToolCall::new(Kind::HttpRequest);
            call.query = first_str(input, &["query", "q"]).map(str::to_owned);
            call.summary = format!("Web search {:?}", call.query.as_deref().unwrap_or(""));
            call
        }
        "Agent" | "Task" | "delegate_to_agent" | "codebase_investigator" => {
            let mut call = ToolCall::new(Kind::AgentAct);
            call.subagent_type =
                first_str(input, &["subagent_type", "agent_name"]).map(str::to_owned);
            call.text = first_str(input, &["description", "prompt", "objective", "task"])
                .map(str::to_owned);
            let task = one_line(call.text.as_deref().unwrap_or(""), EXCERPT_MAX_CHARS);
            call.summary = match &call.subagent_type {
                Some(t) => format!("Agent ({t}): {task}"),
                None => format!("Agent: {task}"),
            };
            call
        }
        other => {
            let mut call = ToolCall::new(Kind::ToolCall);
            call.paths =
                first_str(input, &["file_path", "path"]).map(str::to_owned).into_iter().collect();
            call.summary =
                if other.is_empty() { "unnamed tool".to_owned() } else { other.to_owned() };
            call
        }
    };
    call.summary = one_line(&call.summary, SUMMARY_MAX_CHARS);
    vec![call]
}

/// A Claude/Codex `mcp__server__tool` name, or a Gemini call with an `mcp_context`.
fn mcp_call(tool_name: &str, input: &Value, mcp_context: Option<&Value>) -> Option<ToolCall> {
    let target = if let Some(rest) = tool_name.strip_prefix("mcp__") {
        let (server, tool) = rest.split_once("__").unwrap_or((rest, ""));
        McpTarget { server: server.to_owned(), tool: tool.to_owned() }
    } else {
        let ctx = mcp_context.filter(|c| c.is_object())?;
        let server = first_str(ctx, &["server_name", "server"]).unwrap_or("").to_owned();
        let tool = first_str(ctx, &["tool_name", "tool"]).unwrap_or(tool_name).to_owned();
        McpTarget { server, tool }
    };
    let mut call = ToolCall::new(Kind::McpToolCall);
    let args = match input {
        Value::Null => String::new(),
        Value::Object(map) if map.is_empty() => String::new(),
        other => format!(" {}", other),
    };
    call.summary =
        one_line(&format!("mcp {}/{}{args}", target.server, target.tool), SUMMARY_MAX_CHARS);
    call.mcp = Some(target);
    Some(call)
}

/// A Write/Edit-like call: `FILE_WRITE` of `file_path` (or `notebook_path`, `absolute_path`, `path`).
fn file_write(verb: &str, input: &Value, rel: &dyn Fn(&str) -> String) -> ToolCall {
    let mut call = ToolCall::new(Kind::FileWrite);
    call.paths = path_of(input);
    call.summary = one_line(
        &format!("{verb} {}", call.paths.first().map(|p| rel(p)).unwrap_or_default()),
        SUMMARY_MAX_CHARS,
    );
    call
}

fn path_of(input: &Value) -> Vec<String> {
    first_str(input, &["file_path", "notebook_path", "absolute_path", "path"])
        .map(str::to_owned)
        .into_iter()
        .collect()
}

/// One call per file operation of an `apply_patch` (one `FILE_WRITE` without paths if none
/// parse), summaries relative to the session's `cwd`.
fn patch_calls(patch: &str, cwd: Option<&str>) -> Vec<ToolCall> {
    let ops = parse_apply_patch(patch);
    if ops.is_empty() {
        let mut call = ToolCall::new(Kind::FileWrite);
        call.summary = "apply_patch".to_owned();
        return vec![call];
    }
    ops.into_iter()
        .map(|op| {
            let (kind, summary, paths) = match op {
                PatchOp::Add(p) => (Kind::FileWrite, format!("Add {}", relative(&p, cwd)), vec![p]),
                PatchOp::Update { path, move_to: None } => {
                    (Kind::FileWrite, format!("Edit {}", relative(&path, cwd)), vec![path])
                }
                PatchOp::Update { path, move_to: Some(to) } => {
                    let summary =
                        format!("Rename {} → {}", relative(&path, cwd), relative(&to, cwd));
                    (Kind::FileRename, summary, vec![path, to])
                }
                PatchOp::Delete(p) => {
                    (Kind::FileDelete, format!("Delete {}", relative(&p, cwd)), vec![p])
                }
            };
            let mut call = ToolCall::new(kind);
            call.paths = paths;
            call.summary = one_line(&summary, SUMMARY_MAX_CHARS);
            call
        })
        .collect()
}

/// The command line of a shell tool's input: `command` or `cmd` as a string, or as an argv array
/// (`["bash", "-lc", "script"]` gives `script`; other arrays are joined, quoting where needed).
pub fn shell_command(input: &Value) -> Option<String> {
    let v = input.get("command").or_else(|| input.get("cmd"))?;
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => {
            let argv: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            if let [shell, flag, script] = argv.as_slice() {
                let name = shell.rsplit('/').next().unwrap_or(shell);
                if matches!(name, "bash" | "sh" | "zsh" | "dash")
                    && matches!(*flag, "-c" | "-lc" | "-ic")
                {
                    return Some((*script).to_owned());
                }
            }
            Some(argv.iter().map(|a| quote_arg(a)).collect::<Vec<_>>().join(" "))
        }
        _ => None,
    }
}

fn quote_arg(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%^".contains(c));
    if plain { arg.to_owned() } else { format!("'{}'", arg.replace('\'', r"'\''")) }
}

/// The first `http://` or `https://` URL in free text (Gemini's `web_fetch` takes a prompt).
fn first_url(text: &str) -> Option<String> {
    let start = text.find("https://").or_else(|| text.find("http://"))?;
    let rest = text.get(start..)?;
    let end =
        rest.find(|c: char| c.is_whitespace() || "\"'<>)]}".contains(c)).unwrap_or(rest.len());
    rest.get(..end).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shell_commands_from_strings_and_argv() {
        let cases = [
            (json!({"command": "ls -la"}), Some("ls -la")),
            (json!({"cmd": "echo hi"}), Some("echo hi")),
            (json!({"command": ["bash", "-lc", "rm -rf build/"]}), Some("rm -rf build/")),
            (json!({"command": ["/bin/zsh", "-c", "x"]}), Some("x")),
            (
                json!({"command": ["git", "commit", "-m", "it's done"]}),
                Some(r"git commit -m 'it'\''s done'"),
            ),
            (json!({"command": 42}), None),
            (json!("ls"), None),
        ];
        for (input, want) in cases {
            assert_eq!(shell_command(&input).as_deref(), want, "{input}");
        }
    }

    #[test]
    fn urls_in_prompts() {
        assert_eq!(
            first_url("Summarize https://a.example/x?y=1 please").as_deref(),
            Some("https://a.example/x?y=1")
        );
        assert_eq!(first_url("see (http://b.example)").as_deref(), Some("http://b.example"));
        assert_eq!(first_url("no url"), None);
    }

    #[test]
    fn mcp_names_split_at_the_first_double_underscore() {
        let calls = classify_tool("mcp__git_hub__create__issue", &json!({}), None, None);
        assert_eq!(
            calls[0].mcp,
            Some(McpTarget { server: "git_hub".into(), tool: "create__issue".into() })
        );
        assert_eq!(calls[0].summary, "mcp git_hub/create__issue");
        let calls = classify_tool(
            "list_issues",
            &json!({"repo": "x"}),
            Some(&json!({"server_name": "gh"})),
            None,
        );
        assert_eq!(calls[0].kind, Kind::McpToolCall);
        assert_eq!(calls[0].summary, r#"mcp gh/list_issues {"repo":"x"}"#);
    }
}
