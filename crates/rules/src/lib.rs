//! The rules engine: parses shell commands and evaluates declarative rules over events. Pure: no IO, no clock.

pub mod shell;
