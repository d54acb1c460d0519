//! Integration tests of capture: the real hook payloads in `tests/fixtures` and synthetic ones.

mod claude;
mod codex;
mod fixtures;
mod garbage;
mod gemini;
mod other_agents;
mod support;
mod transcript;
