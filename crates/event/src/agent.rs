//! Who was observed (`Agent`) and how (`Source`).

use crate::names::names;

names! {
    /// The coding agent an event comes from.
    ///
    /// The variant order is the codec's: append new agents at the end, never reorder.
    pub enum Agent as "agent" {
        /// Anthropic's Claude Code.
        ClaudeCode = "claude-code",
        /// OpenAI's Codex CLI.
        Codex = "codex",
        /// Google's Gemini CLI.
        Gemini = "gemini",
        /// Cursor's agent.
        Cursor = "cursor",
        /// Any other agent that speaks Claude Code's hook format.
        Generic = "generic",
    }
}

names! {
    /// The channel an event was observed through.
    ///
    /// The variant order is the codec's: append new sources at the end, never reorder.
    pub enum Source as "source" {
        /// A hook call of the agent (`tl hook <agent>`).
        Hook = "hook",
        /// The agent's transcript on disk (`tl import`).
        Transcript = "transcript",
        /// The daemon's loopback HTTP hooks.
        Daemon = "daemon",
        /// System-call tracing of the agent's processes.
        Ptrace = "ptrace",
        /// An MCP proxy between the agent and its servers.
        McpProxy = "mcp-proxy",
        /// `tl demo`.
        Demo = "demo",
        /// Codex's `notify` program (the JSON argument of a turn-complete notification).
        Notify = "notify",
    }
}
