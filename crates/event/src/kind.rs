//! What an event is about (`Kind`) and where it sits in a step (`Phase`).
//!
//! The first 19 kinds are the original TraceLog's, with the same SCREAMING names; the rest are what
//! the agents report beyond them. Tool errors are not a kind: a failed call is the call's own kind
//! in `Phase::Result` with `Outcome::Error` (see [`crate::Fields::outcome`]).

use crate::names::names;

names! {
    /// The kind of an observation.
    ///
    /// Call and result of one tool share the kind of the call, except for the two pairs that have
    /// their own result kind: `MCP_TOOL_CALL`/`MCP_TOOL_RESULT` and `HTTP_REQUEST`/`HTTP_RESPONSE`
    /// (see [`Kind::result_kind`] and [`Kind::call_kind`]).
    ///
    /// The variant order is the codec's: append new kinds at the end, never reorder.
    pub enum Kind as "kind" {
        /// A session began (Claude/Codex/Gemini `SessionStart`).
        SessionStart = "SESSION_START",
        /// A session ended (`SessionEnd`).
        SessionEnd = "SESSION_END",
        /// A file was read, or searched (Claude `Read`, `Grep`; Gemini `read_file`, `search_file_content`).
        FileRead = "FILE_READ",
        /// A file was created or modified (`Write`, `Edit`, `MultiEdit`, `NotebookEdit`, Codex `apply_patch`).
        FileWrite = "FILE_WRITE",
        /// A file was deleted (Codex `apply_patch` `*** Delete File:`).
        FileDelete = "FILE_DELETE",
        /// A file's mode changed (daemon, ptrace).
        FileChmod = "FILE_CHMOD",
        /// A file's owner changed (daemon, ptrace).
        FileChown = "FILE_CHOWN",
        /// A file was renamed; `paths` is `[from, to]` (Codex `apply_patch` `*** Move to:`).
        FileRename = "FILE_RENAME",
        /// A directory was listed or globbed (`Glob`, `LS`, Gemini `list_directory`, `glob`).
        FileReaddir = "FILE_READDIR",
        /// A shell command (`Bash`, Codex `shell`/`exec_command`, Gemini `run_shell_command`).
        ShellExec = "SHELL_EXEC",
        /// Standard output of a shell command, seen separately from its call (`BashOutput`, ptrace).
        ShellStdout = "SHELL_STDOUT",
        /// Standard error of a shell command, seen separately from its call (ptrace).
        ShellStderr = "SHELL_STDERR",
        /// A web request (`WebFetch`, `WebSearch`, Gemini `web_fetch`, `google_web_search`).
        HttpRequest = "HTTP_REQUEST",
        /// The result of an `HTTP_REQUEST`.
        HttpResponse = "HTTP_RESPONSE",
        /// A call of an MCP tool (`mcp__server__tool`).
        McpToolCall = "MCP_TOOL_CALL",
        /// The result of an `MCP_TOOL_CALL`.
        McpToolResult = "MCP_TOOL_RESULT",
        /// The model's thinking (thinking blocks, Gemini thought parts).
        AgentThink = "AGENT_THINK",
        /// The agent delegated to a subagent (`Agent`/`Task` tool).
        AgentAct = "AGENT_ACT",
        /// The user submitted a prompt (`UserPromptSubmit`, Gemini `BeforeAgent`).
        UserInput = "USER_INPUT",
        /// Text the assistant showed the user (Claude `MessageDisplay`).
        AssistantText = "ASSISTANT_TEXT",
        /// Token counts of one model response, for cost (transcripts; deduplicate on
        /// `message_id` + `request_id`).
        TokenUsage = "TOKEN_USAGE",
        /// A subagent started (`SubagentStart`).
        SubagentStart = "SUBAGENT_START",
        /// A subagent finished (`SubagentStop`).
        SubagentStop = "SUBAGENT_STOP",
        /// The context was compacted (`PreCompact`, `PostCompact`, Gemini `PreCompress`).
        Compaction = "COMPACTION",
        /// The agent notified the user (`Notification`).
        Notification = "NOTIFICATION",
        /// The agent asked the user for permission to run a tool (`PermissionRequest`).
        PermissionRequest = "PERMISSION_REQUEST",
        /// The agent finished its turn (`Stop`, Gemini `AfterAgent`, Codex `notify`, Codex `Interrupt`).
        Stop = "STOP",
        /// A request to the model (Gemini `BeforeModel`).
        ModelRequest = "MODEL_REQUEST",
        /// A (streamed part of a) model response with its text and token counts (Gemini `AfterModel`).
        ModelResponse = "MODEL_RESPONSE",
        /// A tool call that fits no other kind (`TodoWrite`, `Skill`, unknown tools).
        ToolCall = "TOOL_CALL",
        /// Anything else: an unknown or unmodelled hook event. The raw payload keeps it all.
        Other = "OTHER",
    }
}

impl Kind {
    /// The kind a tool's result has when its call has kind `self`: `MCP_TOOL_RESULT` for
    /// `MCP_TOOL_CALL`, `HTTP_RESPONSE` for `HTTP_REQUEST`, `self` for every other kind.
    pub const fn result_kind(self) -> Kind {
        match self {
            Kind::McpToolCall => Kind::McpToolResult,
            Kind::HttpRequest => Kind::HttpResponse,
            other => other,
        }
    }

    /// The inverse of [`Kind::result_kind`]: the kind of the call a result of kind `self` answers.
    pub const fn call_kind(self) -> Kind {
        match self {
            Kind::McpToolResult => Kind::McpToolCall,
            Kind::HttpResponse => Kind::HttpRequest,
            other => other,
        }
    }

    /// True for the 19 kinds of the original TraceLog.
    pub const fn is_tracelog(self) -> bool {
        (self as u8) <= (Kind::UserInput as u8)
    }
}

names! {
    /// Where an event sits in a step.
    ///
    /// The indexer folds a `Call` and the `Result` with the same correlation id (and kind pair and
    /// paths) into one step; a lone `Instant` is a step by itself.
    pub enum Phase as "phase" {
        /// The start of an action (PreToolUse, BeforeTool).
        Call = "call",
        /// The end of an action (PostToolUse, PostToolUseFailure, AfterTool).
        Result = "result",
        /// A self-contained observation (a prompt, a notification, a session start).
        Instant = "instant",
    }
}
