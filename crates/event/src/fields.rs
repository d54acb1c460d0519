//! The typed fields of an event (`Fields`), its token counts (`Tokens`), MCP target (`McpTarget`)
//! and a finished action's `Outcome`.
//!
//! Every field is optional: a kind fills the ones it has (see each field's doc). What an agent sent
//! beyond these stays in [`crate::Event::raw`].

use serde::{Deserialize, Serialize};

use crate::names::names;

names! {
    /// How a finished action ended. (`pending` is not an outcome of an event: it is what the
    /// indexer calls a step whose result has not arrived.)
    pub enum Outcome as "outcome" {
        /// It succeeded.
        Ok = "ok",
        /// It failed (non-zero exit, tool error).
        Error = "error",
        /// The user or a policy refused it.
        Denied = "denied",
        /// The user interrupted it.
        Interrupted = "interrupted",
    }
}

/// Token counts of one model response.
///
/// `input` counts uncached input tokens only; cached ones are in `cache_read`, so
/// `input + cache_read + cache_write` is the whole prompt (agents that report a total prompt size
/// including cached tokens, such as Gemini and Codex, are converted).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tokens {
    /// Uncached input tokens.
    pub input: u64,
    /// Output tokens, reasoning included.
    pub output: u64,
    /// Input tokens read from the prompt cache.
    pub cache_read: u64,
    /// Input tokens written to the prompt cache.
    pub cache_write: u64,
    /// Of `output`, the tokens spent on reasoning/thinking, where the agent says.
    pub reasoning: u64,
}

impl Tokens {
    /// Every token of the response: input (cached or not) and output.
    pub const fn total(&self) -> u64 {
        self.input
            .saturating_add(self.output)
            .saturating_add(self.cache_read)
            .saturating_add(self.cache_write)
    }
}

/// The MCP server and tool of an `MCP_TOOL_CALL`/`MCP_TOOL_RESULT`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct McpTarget {
    /// The server's name as configured in the agent (`github` in `mcp__github__create_issue`).
    pub server: String,
    /// The tool's name on that server (`create_issue`).
    pub tool: String,
}

/// The typed fields of an event. All optional; which are set depends on the kind.
///
/// The field order is the codec's: see the `codec` module before changing anything here.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Fields {
    /// The agent's own name for what happened (`PreToolUse`, `AfterModel`, `agent-turn-complete`).
    pub hook_event: Option<String>,
    /// The tool's name as the agent calls it (`Bash`, `apply_patch`, `run_shell_command`).
    pub tool_name: Option<String>,
    /// `SHELL_EXEC`: the command line.
    pub command: Option<String>,
    /// The working directory of the agent (or of the command, when the call names one).
    pub cwd: Option<String>,
    /// File kinds: the files or directories touched, as the agent named them (usually absolute).
    /// `FILE_RENAME`: `[from, to]`.
    pub paths: Vec<String>,
    /// `SHELL_EXEC` result: the exit code, when the agent reports it.
    pub exit_code: Option<i32>,
    /// Result: how long the action took, when the agent reports it.
    pub duration_ms: Option<u64>,
    /// `HTTP_REQUEST`/`HTTP_RESPONSE`: the URL.
    pub url: Option<String>,
    /// A search: the pattern of `Grep`/`Glob`, the query of `WebSearch`.
    pub query: Option<String>,
    /// The model's name, where the payload says.
    pub model: Option<String>,
    /// Token counts (`TOKEN_USAGE`, `MODEL_RESPONSE`).
    pub tokens: Option<Tokens>,
    /// Text written by a person or the model: the prompt (`USER_INPUT`), assistant text, thinking,
    /// the last assistant message (`STOP`), a notification's message, a subagent's task.
    pub text: Option<String>,
    /// Result: the tool's output (a command's stdout, a file's content as read, a tool's reply).
    pub output: Option<String>,
    /// `SHELL_EXEC` result: standard error, when the agent reports it separately.
    pub stderr: Option<String>,
    /// Result: the error message of a failed call.
    pub error: Option<String>,
    /// Result: how the action ended.
    pub outcome: Option<Outcome>,
    /// The agent's permission mode (`default`, `acceptEdits`, `bypassPermissions`, …).
    pub permission_mode: Option<String>,
    /// The agent's transcript file for this session.
    pub transcript_path: Option<String>,
    /// The id of the model message (for `TOKEN_USAGE` deduplication, with `request_id`).
    pub message_id: Option<String>,
    /// The id of the API request (for `TOKEN_USAGE` deduplication, with `message_id`).
    pub request_id: Option<String>,
    /// The agent's id of the turn (Codex `turn_id`, Claude `turn_id`).
    pub turn_id: Option<String>,
    /// The agent's id of the user prompt the event belongs to (Claude `prompt_id`).
    pub prompt_id: Option<String>,
    /// The parent: the session or tool call that spawned this subagent, where the agent says.
    pub parent_id: Option<String>,
    /// The subagent the event belongs to or is about (Claude `agent_id`).
    pub subagent_id: Option<String>,
    /// The subagent's type (Claude `agent_type`, the `subagent_type` of a `Task` call).
    pub subagent_type: Option<String>,
    /// MCP kinds: the server and tool.
    pub mcp: Option<McpTarget>,
    /// Why: a session start's source (`startup`, `resume`), a session end's reason, a
    /// compaction's trigger (`auto`, `manual`), a notification's type.
    pub reason: Option<String>,
    /// `HTTP_RESPONSE`: the HTTP status code, when the agent reports it.
    pub http_status: Option<u16>,
}
