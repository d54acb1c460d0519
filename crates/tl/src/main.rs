//! tl (TraceLog): the flight recorder for AI coding agents.
fn main() {}
