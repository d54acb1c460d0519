//! Capture: turns agent hook payloads and transcripts into `event::Event`s, redacting secrets first.
//!
//! - [`normalize_hook`]: one hook payload of Claude Code, Codex, Gemini CLI or Cursor → events
//!   (see [`hook`] for the mapping of every hook event, and [`hook::tool`] for tool → kind).
//! - [`normalize_codex_notify`]: Codex's turn-complete `notify` payload → an event.
//!
//! Normalizing never panics and never drops data: whatever is not understood stays in
//! `Event::raw`. Redaction is a separate step the caller runs on the events before they are
//! appended to the log.

pub mod hook;
pub mod pipeline;
pub mod redact;
pub mod transcript;

use event::Agent;

pub use hook::{ToolResult, normalize_codex_notify, normalize_hook, normalize_hook_bytes};
pub use pipeline::{Captured, capture_codex_notify, capture_hook, redact_event};

/// Errors of capture.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The hook payload is not JSON at all.
    #[error("{agent} hook payload is not valid JSON: {source}")]
    Json {
        /// The agent whose hook was called.
        agent: Agent,
        /// What the JSON parser found.
        source: serde_json::Error,
    },
    /// The payload is JSON but not an object.
    #[error("{agent} hook payload is a JSON {found}, not an object")]
    NotAnObject {
        /// The agent whose hook was called.
        agent: Agent,
        /// The JSON type found (`number`, `array`, …).
        found: &'static str,
    },
}
