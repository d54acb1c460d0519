//! Hostile and malformed payloads: errors or `OTHER` events, never a panic.

use event::{Agent, Kind};
use serde_json::{Value, json};

use crate::support::{NOW, fixture};

const AGENTS: [Agent; 5] =
    [Agent::ClaudeCode, Agent::Codex, Agent::Gemini, Agent::Cursor, Agent::Generic];

#[test]
fn non_objects_are_errors_naming_the_type() {
    let cases = [
        (json!(42), "number"),
        (json!(null), "null"),
        (json!("PreToolUse"), "string"),
        (json!([{"hook_event_name": "Stop"}]), "array"),
        (json!(true), "boolean"),
    ];
    for agent in AGENTS {
        for (payload, found) in &cases {
            let err = capture::normalize_hook(agent, payload, NOW).err().map(|e| e.to_string());
            assert_eq!(err, Some(format!("{agent} hook payload is a JSON {found}, not an object")));
        }
    }
}

#[test]
fn bytes_that_are_not_json_are_errors() {
    let cases: [&[u8]; 5] = [b"", b"{", b"\xff\xfe{}", b"{\"a\": 1} trailing", b"nul\x00"];
    for bytes in cases {
        let got = capture::normalize_hook_bytes(Agent::ClaudeCode, bytes, NOW);
        assert!(
            matches!(got, Err(capture::Error::Json { agent: Agent::ClaudeCode, .. })),
            "{bytes:?}"
        );
    }
    // The raw payload is the text as sent: key order and spacing kept, the final newline not.
    let sent = "{\"session_id\":\"s\", \"hook_event_name\":\"Stop\"}\n";
    let ok = capture::normalize_hook_bytes(Agent::Codex, sent.as_bytes(), NOW).unwrap_or_default();
    let got: Vec<(Kind, &str)> = ok.iter().map(|e| (e.kind, e.raw.as_str())).collect();
    assert_eq!(got, [(Kind::Stop, sent.trim_end())]);
}

#[test]
fn missing_or_non_string_event_names_are_other_events() {
    for agent in AGENTS {
        for payload in [
            json!({}),
            json!({"hook_event_name": 3}),
            json!({"hook_event_name": ""}),
            json!({"hook_event_name": null, "session_id": []}),
        ] {
            let events = capture::normalize_hook(agent, &payload, NOW).unwrap_or_default();
            let got: Vec<(Kind, &str)> =
                events.iter().map(|e| (e.kind, e.summary.as_str())).collect();
            assert_eq!(got, [(Kind::Other, "unknown hook payload")], "{agent} {payload}");
            assert_eq!(serde_json::from_str::<Value>(&events[0].raw).ok(), Some(payload));
        }
    }
}

/// Every value at `path` replaced by `with`, for every path in `v`.
fn variants(v: &Value, with: &Value, out: &mut Vec<Value>) {
    fn walk(
        root: &Value,
        node: &Value,
        path: &mut Vec<PathStep>,
        with: &Value,
        out: &mut Vec<Value>,
    ) {
        if !path.is_empty() {
            let mut copy = root.clone();
            if let Some(slot) = pointer_mut(&mut copy, path) {
                *slot = with.clone();
                out.push(copy);
            }
        }
        match node {
            Value::Object(map) => {
                for (k, child) in map {
                    path.push(PathStep::Key(k.clone()));
                    walk(root, child, path, with, out);
                    path.pop();
                }
            }
            // The first element stands for the rest: arrays here are homogeneous.
            Value::Array(items) => {
                if let Some(child) = items.first() {
                    path.push(PathStep::Index(0));
                    walk(root, child, path, with, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    walk(v, v, &mut Vec::new(), with, out);
}

enum PathStep {
    Key(String),
    Index(usize),
}

fn pointer_mut<'a>(v: &'a mut Value, path: &[PathStep]) -> Option<&'a mut Value> {
    let mut node = v;
    for step in path {
        node = match step {
            PathStep::Key(k) => node.get_mut(k.as_str())?,
            PathStep::Index(i) => node.get_mut(*i)?,
        };
    }
    Some(node)
}

/// Every field of every fixture payload, at every depth, replaced by a value of every other JSON
/// type: normalizing still succeeds (the top level stays an object) and every event encodes.
#[test]
fn wrong_types_anywhere_in_real_payloads_never_fail() {
    let replacements = [
        json!(null),
        json!(-1),
        json!(1.5e300),
        json!("x"),
        json!([]),
        json!([1, "a"]),
        json!({}),
        json!({"text": 1}),
        json!(true),
    ];
    let fixtures = [
        (Agent::ClaudeCode, "claude-code/hooks.jsonl"),
        (Agent::Codex, "codex/hooks.jsonl"),
        (Agent::Gemini, "gemini/hooks.jsonl"),
    ];
    let mut checked = 0;
    for (agent, rel) in fixtures {
        let mut seen_shapes = std::collections::HashSet::new();
        for payload in fixture(rel) {
            // One payload per hook event and tool is enough: the rest have the same shape.
            let shape = format!("{}/{}", payload["hook_event_name"], payload["tool_name"]);
            if !seen_shapes.insert(shape) {
                continue;
            }
            for with in &replacements {
                let mut mutated = Vec::new();
                variants(&payload, with, &mut mutated);
                for m in mutated {
                    // Cursor and Generic read the same payloads differently; run them all.
                    for a in [agent, Agent::Cursor, Agent::Generic] {
                        match capture::normalize_hook(a, &m, NOW) {
                            Ok(events) => {
                                assert!(!events.is_empty());
                                for e in &events {
                                    assert!(event::decode(&event::encode(e)).is_ok());
                                }
                            }
                            Err(e) => panic!("{a}: {e} for {m}"),
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 3000, "only {checked} variants checked");
}

#[test]
fn huge_and_odd_strings_are_kept_whole_and_summaries_stay_short() {
    let command = format!("echo {}\n\u{0}\u{202e}done", "x".repeat(100_000));
    let p = json!({"session_id": "s", "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": command}, "tool_use_id": "t"});
    let events = capture::normalize_hook(Agent::ClaudeCode, &p, NOW).unwrap_or_default();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].fields.command.as_deref(), Some(command.as_str()));
    assert!(events[0].summary.chars().count() <= capture::hook::text::SUMMARY_MAX_CHARS);
    assert!(events[0].summary.ends_with('…'));
}
