//! Shared test helpers: fixture loading, a compact rendering of events, and `check`.

use std::fmt::Write as _;

use event::{Agent, Event, Timestamp};
use serde_json::Value;

/// The fixed observation time of every test event.
pub const NOW: Timestamp = Timestamp(1_764_060_882_000_000_000);

/// The lines of a fixture file under `tests/fixtures`, parsed.
pub fn fixture(rel: &str) -> Vec<Value> {
    let path = format!("{}/tests/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{path}: bad JSON line: {e}")))
        .collect()
}

/// Normalizes one payload, failing the test on an error.
pub fn normalize(agent: Agent, payload: &Value) -> Vec<Event> {
    match capture::normalize_hook(agent, payload, NOW) {
        Ok(events) => events,
        Err(e) => panic!("normalize_hook({agent}) failed: {e}\npayload: {payload}"),
    }
}

/// Text shortened for expectations: escaped, at most 60 characters, with the full length.
fn short(s: &str) -> String {
    let n = s.chars().count();
    if n <= 60 {
        format!("{s:?}")
    } else {
        let head: String = s.chars().take(60).collect();
        format!("{head:?}…({n} chars)")
    }
}

/// One event as text: kind, phase, correlation and summary on the first line, then every set field
/// except those every event of a fixture shares (session, transcript, cwd, permission mode,
/// prompt id), and except `raw`, which the fixture tests check on their own.
pub fn render(e: &Event) -> String {
    let corr = e.correlation.as_ref().map_or("-", |c| c.as_str());
    let mut out = format!("{} {} {corr} | {}", e.kind, e.phase, e.summary);
    let f = &e.fields;
    let mut field = |name: &str, value: Option<String>| {
        if let Some(v) = value {
            let _ = write!(out, "\n  {name}={v}");
        }
    };
    field("hook", f.hook_event.clone());
    field("tool", f.tool_name.clone());
    field("command", f.command.as_deref().map(short));
    field("paths", (!f.paths.is_empty()).then(|| format!("{:?}", f.paths)));
    field("exit", f.exit_code.map(|c| c.to_string()));
    field("duration_ms", f.duration_ms.map(|d| d.to_string()));
    field("url", f.url.clone());
    field("query", f.query.as_deref().map(short));
    field("model", f.model.clone());
    field(
        "tokens",
        f.tokens.map(|t| {
            format!("{}/{}/{}/{}/{}", t.input, t.output, t.cache_read, t.cache_write, t.reasoning)
        }),
    );
    field("text", f.text.as_deref().map(short));
    field("output", f.output.as_deref().map(short));
    field("stderr", f.stderr.as_deref().map(short));
    field("error", f.error.as_deref().map(short));
    field("outcome", f.outcome.map(|o| o.to_string()));
    field("message_id", f.message_id.clone());
    field("request_id", f.request_id.clone());
    field("turn_id", f.turn_id.clone());
    field("parent_id", f.parent_id.clone());
    field("subagent", f.subagent_id.clone());
    field("subagent_type", f.subagent_type.clone());
    field("mcp", f.mcp.as_ref().map(|m| format!("{}/{}", m.server, m.tool)));
    field("reason", f.reason.clone());
    field("http_status", f.http_status.map(|s| s.to_string()));
    out
}

/// Normalizes `payload` as `agent` and compares the rendered events with `expect` (events
/// separated by blank lines; the common indentation of `expect` is ignored).
#[track_caller]
pub fn check(agent: Agent, payload: &Value, expect: &str) {
    let events = normalize(agent, payload);
    let got: Vec<String> = events.iter().map(render).collect();
    let got = got.join("\n\n");
    let want = dedent(expect);
    assert_eq!(got, want, "\n--- got ---\n{got}\n--- want ---\n{want}\n");
}

/// The one-line outline of the events of a whole fixture: `KIND phase correlation | summary`.
pub fn outline(agent: Agent, lines: &[Value]) -> String {
    let mut out = Vec::new();
    for payload in lines {
        for e in normalize(agent, payload) {
            let corr = e.correlation.as_ref().map_or("-", |c| c.as_str());
            out.push(format!("{} {} {corr} | {}", e.kind, e.phase, e.summary));
        }
    }
    out.join("\n")
}

/// `s` without its common indentation and surrounding blank lines.
pub fn dedent(s: &str) -> String {
    let lines: Vec<&str> = s.lines().skip_while(|l| l.trim().is_empty()).collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let body: Vec<&str> = lines.iter().map(|l| l.get(indent..).unwrap_or("").trim_end()).collect();
    body.join("\n").trim_end().to_owned()
}

/// The line of a fixture whose `hook_event_name` is `name` and, if given, whose `tool_input` has
/// `needle` in its command or file path; the `nth` such line (0-based).
pub fn line(lines: &[Value], name: &str, needle: Option<&str>, nth: usize) -> Value {
    lines
        .iter()
        .filter(|l| l.get("hook_event_name").and_then(Value::as_str) == Some(name))
        .filter(|l| match needle {
            None => true,
            Some(n) => l.get("tool_input").is_some_and(|i| i.to_string().contains(n)),
        })
        .nth(nth)
        .cloned()
        .unwrap_or_else(|| panic!("no line #{nth} {name} {needle:?}"))
}
