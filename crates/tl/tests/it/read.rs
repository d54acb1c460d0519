//! The read commands as a user sees them: `tl sessions`, `inspect`, `timeline`, `search`,
//! `export`, `stats` over the real Claude Code and Codex transcripts of the fixtures, human and
//! JSON output pinned by insta snapshots (review changes with `cargo insta review`).
//!
//! Transcripts carry their own timestamps, so every time in these outputs is stable.

use crate::{Sandbox, fixture};

fn recorded() -> Sandbox {
    let sandbox = Sandbox::new();
    for path in [
        "claude-code/0cfde7cd-23f6-45f2-9cd7-3fae11d5363e.jsonl",
        "codex/rollout-2026-11-25T08-54-42-01a211ea-1391-7b62-b20d-240046b834f3.jsonl",
    ] {
        let path = fixture(path);
        let out = sandbox.run(&["import", path.to_str().unwrap()], b"");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    sandbox
}

fn stdout(sandbox: &Sandbox, args: &[&str]) -> String {
    let out = sandbox.run(args, b"");
    assert!(out.status.success(), "tl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn json(sandbox: &Sandbox, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&stdout(sandbox, args)).unwrap()
}

#[test]
fn read_commands_human_output() {
    let s = recorded();
    insta::assert_snapshot!("sessions", stdout(&s, &["sessions"]));
    insta::assert_snapshot!("timeline", stdout(&s, &["timeline", "0cfd"]));
    insta::assert_snapshot!(
        "inspect_anomalies",
        stdout(&s, &["inspect", "0cfd", "--anomalies-only"])
    );
    insta::assert_snapshot!("inspect_step", stdout(&s, &["inspect", "0cfd", "--step", "10"]));
    insta::assert_snapshot!("search", stdout(&s, &["search", "secrets.yml"]));
    insta::assert_snapshot!("stats", stdout(&s, &["stats", "0cfd"]));
}

#[test]
fn read_commands_json_output() {
    let s = recorded();
    insta::assert_json_snapshot!("sessions_json", json(&s, &["sessions", "--json"]));
    insta::assert_json_snapshot!("search_json", json(&s, &["search", "secrets.yml", "--json"]));
    insta::assert_json_snapshot!(
        "timeline_json",
        json(&s, &["timeline", "0cfd", "--json", "--to", "12"])
    );
    insta::assert_json_snapshot!("stats_json", json(&s, &["stats", "--json"]));
    let mut export = json(&s, &["export", "0cfd"]);
    export["exported_at"] = "<time>".into();
    export["generator"] = "<tl version>".into();
    insta::assert_json_snapshot!("export", export);
}

#[test]
fn sessions_are_named_by_prefix_or_last_and_errors_say_why() {
    let s = recorded();
    let last = json(&s, &["inspect", "last", "--json", "--limit", "1"]);
    let prefix = json(&s, &["inspect", "01a2", "--json", "--limit", "1"]);
    assert_eq!(last["session"]["id"], prefix["session"]["id"], "codex started last");
    let out = s.run(&["inspect", "zz"], b"");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no session matches \"zz\"") && err.contains("tl sessions"), "{err}");
    let out = s.run(&["search", "kind:NOPE"], b"");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("SHELL_EXEC"), "the hint lists kinds");
    // Filters narrow: the Claude session only, danger findings only.
    let hits = json(&s, &["search", "severity:danger", "--session", "0cfd", "--json"]);
    let summaries: Vec<&str> =
        hits.as_array().unwrap().iter().map(|h| h["summary"].as_str().unwrap()).collect();
    assert!(summaries.contains(&"$ rm config/secrets.yml"), "{summaries:?}");
    assert!(hits.as_array().unwrap().iter().all(|h| h["risk_level"] == "danger"), "{hits}");
}

#[test]
fn a_hook_payload_is_searchable_by_the_next_command() {
    let s = Sandbox::new();
    let payload = br#"{"session_id":"f00d0000-0000-4000-8000-000000000001","transcript_path":"/tmp/t.jsonl","cwd":"/home/dev/app","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"cat deploy/keys.txt"},"tool_use_id":"toolu_x1"}"#;
    assert!(s.run(&["hook", "claude-code"], payload).status.success());
    let hits = json(&s, &["search", "keys.txt", "--json"]);
    assert_eq!(hits[0]["summary"], "$ cat deploy/keys.txt", "{hits}");
    assert_eq!(hits[0]["session"], "f00d0000-0000-4000-8000-000000000001");
}

/// The export matches docs/trace.schema.json: every required field present, no field the schema
/// does not declare, enums within their values (a structural check: no validator dependency).
#[test]
fn export_follows_its_json_schema() {
    let s = recorded();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/trace.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let defs = &schema["$defs"];
    let check = |value: &serde_json::Value, def: &serde_json::Value, what: &str| {
        let object = value.as_object().unwrap_or_else(|| panic!("{what} is not an object"));
        for required in def["required"].as_array().unwrap() {
            assert!(object.contains_key(required.as_str().unwrap()), "{what} lacks {required}");
        }
        for (key, v) in object {
            let declared = &def["properties"][key];
            assert!(!declared.is_null(), "{what}.{key} is not in the schema");
            if let Some(values) = declared["enum"].as_array() {
                assert!(values.contains(v), "{what}.{key} = {v} not in {values:?}");
            }
        }
    };
    for session in ["0cfd", "01a2"] {
        let export = json(&s, &["export", session]);
        assert_eq!(export["format_version"], schema["properties"]["format_version"]["const"]);
        check(&export["session"], &defs["session"], "session");
        let events = export["events"].as_array().unwrap();
        assert!(!events.is_empty());
        for (i, step) in events.iter().enumerate() {
            assert_eq!(step["seq"], i + 1, "steps in order, numbered from 1");
            check(step, &defs["step"], "step");
            let risk = step["risk_level"].as_str().unwrap();
            assert!(defs["risk"]["enum"].as_array().unwrap().iter().any(|r| r == risk));
            for finding in step["anomalies"].as_array().unwrap() {
                check(finding, &defs["finding"], "finding");
            }
        }
    }
}
