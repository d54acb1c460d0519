//! `tl hook`: whatever it is given and whatever state the store is in, it exits 0 with empty
//! stdout, records what it can, and says what went wrong in errors.log.

use crate::{Sandbox, fixture};

/// The hook contract, checked on every call.
fn assert_harmless(out: &std::process::Output) {
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.stdout.is_empty(),
        "stdout must stay empty: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        out.stderr.is_empty(),
        "stderr must stay empty: {:?}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn records_every_real_payload_of_each_agent() {
    for (agent, file, expect_kinds) in [
        (
            "claude-code",
            "claude-code/hooks.jsonl",
            &[
                "SESSION_START",
                "USER_INPUT",
                "SHELL_EXEC",
                "FILE_READ",
                "FILE_WRITE",
                "SESSION_END",
            ][..],
        ),
        (
            "codex",
            "codex/hooks.jsonl",
            &["SESSION_START", "USER_INPUT", "SHELL_EXEC", "FILE_WRITE", "SESSION_END"][..],
        ),
        (
            "gemini",
            "gemini/hooks.jsonl",
            &["SESSION_START", "USER_INPUT", "SHELL_EXEC", "FILE_READ", "SESSION_END"][..],
        ),
    ] {
        let sandbox = Sandbox::new();
        let lines: Vec<String> =
            std::fs::read_to_string(fixture(file)).unwrap().lines().map(String::from).collect();
        for line in &lines {
            // The samples wrap each payload with the logger's metadata.
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            let payload = record
                .get("stdin_raw")
                .and_then(|v| v.as_str())
                .map(String::from)
                .unwrap_or_else(|| line.clone());
            assert_harmless(&sandbox.run(&["hook", agent], payload.as_bytes()));
        }
        let events = sandbox.events();
        assert!(
            events.len() >= lines.len(),
            "{agent}: {} events for {} payloads",
            events.len(),
            lines.len()
        );
        assert!(events.iter().all(|e| e["agent"] == agent && e["source"] == "hook"));
        for kind in expect_kinds {
            assert!(events.iter().any(|e| e["kind"] == *kind), "{agent}: no {kind} event");
        }
        assert_eq!(sandbox.errors_log(), "", "{agent}: real payloads are not errors");
    }
}

#[test]
fn garbage_is_recorded_and_reported_never_fatal() {
    let sandbox = Sandbox::new();
    let cases: &[(&str, &[u8])] = &[
        ("not json", b"this is not json"),
        ("truncated", br#"{"session_id":"s","hook_event_name":"PreToolUse","tool_input":{"comm"#),
        ("invalid utf-8", b"{\"session_id\":\"s\xff\xfe\",\"hook_event_name\":\"Stop\"}"),
        ("a number", b"42"),
        ("empty", b""),
    ];
    for (what, bytes) in cases {
        assert_harmless(&sandbox.run(&["hook", "claude-code"], bytes));
        let _ = what;
    }
    let events = sandbox.events();
    assert_eq!(events.len(), cases.len(), "one OTHER event per bad payload: {events:#?}");
    assert!(events.iter().all(|e| e["kind"] == "OTHER"));
    let log = sandbox.errors_log();
    assert_eq!(log.lines().count(), cases.len(), "{log}");
    assert!(
        log.lines()
            .all(|l| l.contains("claude-code") && l.contains("not JSON")
                || l.contains("not an object")),
        "{log}"
    );
}

#[test]
fn unknown_events_and_wrong_types_are_kept() {
    let sandbox = Sandbox::new();
    let payloads = [
        r#"{"session_id":"s1","hook_event_name":"SomethingNew","extra":{"a":1}}"#,
        r#"{"session_id":42,"hook_event_name":"PreToolUse","tool_name":["Bash"],"tool_input":"rm -rf /"}"#,
    ];
    for p in payloads {
        assert_harmless(&sandbox.run(&["hook", "claude-code"], p.as_bytes()));
    }
    let events = sandbox.events();
    assert_eq!(events.len(), 2);
    assert!(events[0]["raw"].as_str().unwrap().contains("SomethingNew"));
    assert!(events[1]["raw"].as_str().unwrap().contains("rm -rf /"));
    assert_eq!(sandbox.errors_log(), "");
}

#[test]
fn a_huge_payload_is_stored_shortened_with_a_marker() {
    let sandbox = Sandbox::new();
    let big = "y".repeat(20 * 1024 * 1024);
    let payload = format!(
        r#"{{"session_id":"s1","hook_event_name":"PostToolUse","tool_name":"Bash","tool_use_id":"t9","tool_input":{{"command":"yes | head"}},"tool_response":{{"stdout":"{big}","stderr":""}}}}"#
    );
    assert_harmless(&sandbox.run(&["hook", "claude-code"], payload.as_bytes()));
    let events = sandbox.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["kind"], "SHELL_EXEC");
    assert_eq!(events[0]["correlation"], "t9");
    assert!(events[0]["raw"].as_str().unwrap().contains("bytes cut]"));
    assert!(sandbox.errors_log().contains("shortened"), "{}", sandbox.errors_log());

    // Past what a hook reads into memory (64 MiB), the rest is drained and the head kept.
    let sandbox = Sandbox::new();
    let huge = format!(
        r#"{{"session_id":"s1","hook_event_name":"PostToolUse","stdout":"{}"}}"#,
        "z".repeat(100 * 1024 * 1024)
    );
    assert_harmless(&sandbox.run(&["hook", "claude-code"], huge.as_bytes()));
    let events = sandbox.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["kind"], "OTHER");
    assert!(events[0]["raw"].as_str().unwrap().ends_with("more bytes not kept]"));
    assert!(sandbox.errors_log().contains("bytes not kept"), "{}", sandbox.errors_log());
}

#[test]
fn secrets_never_reach_the_disk() {
    let sandbox = Sandbox::new();
    let secret = "AKIAIOSFODNN7EXAMPLQ";
    let aws_secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEX";
    let payload = format!(
        r#"{{"session_id":"s1","hook_event_name":"PostToolUse","tool_name":"Bash","tool_use_id":"t1","tool_input":{{"command":"export AWS_ACCESS_KEY_ID={secret} AWS_SECRET_ACCESS_KEY={aws_secret}"}},"tool_response":{{"stdout":"aws_secret_access_key = {aws_secret}\n"}}}}"#
    );
    assert_harmless(&sandbox.run(&["hook", "claude-code"], payload.as_bytes()));
    for entry in walk(&sandbox.tl_home()) {
        let bytes = std::fs::read(&entry).unwrap();
        for needle in [secret, aws_secret] {
            assert!(!contains(&bytes, needle.as_bytes()), "{needle} found in {}", entry.display());
        }
    }
    let raw = sandbox.events()[0]["raw"].as_str().unwrap().to_string();
    assert!(raw.contains("[REDACTED:"), "{raw}");
}

#[test]
fn a_broken_store_never_breaks_the_agent() {
    let payload = br#"{"session_id":"s1","hook_event_name":"Stop"}"#;
    // TL_HOME under a regular file: nothing can be created, not even errors.log.
    let sandbox = Sandbox::new();
    std::fs::write(sandbox.dir.path().join("file"), b"").unwrap();
    let mut cmd = sandbox.tl(&["hook", "claude-code"]);
    cmd.env("TL_HOME", sandbox.dir.path().join("file/tl"));
    assert_harmless(&crate::run_with(cmd, payload));

    // A corrupt segment where the active one should be: writers step past it.
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.tl_home().join("log")).unwrap();
    std::fs::write(sandbox.tl_home().join("log/00000000000000000000.wal"), vec![0xA5; 10_000])
        .unwrap();
    assert_harmless(&sandbox.run(&["hook", "claude-code"], payload));
    assert_eq!(sandbox.events().len(), 1);

    // A full disk (a file size limit below a segment's size): reported, not fatal.
    let sandbox = Sandbox::new();
    let mut cmd = std::process::Command::new("sh");
    cmd.args([
        "-c",
        "trap '' XFSZ; ulimit -f 16; exec \"$0\" hook claude-code",
        env!("CARGO_BIN_EXE_tl"),
    ])
    .env("TL_HOME", sandbox.tl_home())
    .env("HOME", sandbox.home());
    assert_harmless(&crate::run_with(cmd, payload));
    assert!(sandbox.errors_log().contains("no space"), "{}", sandbox.errors_log());
}

#[test]
fn recording_off_records_nothing() {
    let sandbox = Sandbox::new();
    assert!(sandbox.run(&["stop"], b"").status.success());
    assert_harmless(
        &sandbox.run(&["hook", "codex"], br#"{"session_id":"s1","hook_event_name":"Stop"}"#),
    );
    assert!(!sandbox.tl_home().join("log").exists());
    assert!(sandbox.run(&["start"], b"").status.success());
    assert_harmless(
        &sandbox.run(&["hook", "codex"], br#"{"session_id":"s1","hook_event_name":"Stop"}"#),
    );
    assert_eq!(sandbox.events().len(), 1);
}

#[test]
fn codex_notify_arrives_as_an_argument() {
    let sandbox = Sandbox::new();
    let line = std::fs::read_to_string(fixture("codex/notify.jsonl")).unwrap();
    let record: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    let arg = record
        .get("argv")
        .and_then(|a| a.as_array())
        .and_then(|a| a.last())
        .and_then(|v| v.as_str())
        .map(String::from)
        .unwrap_or(line.trim().to_string());
    // stdin is left open and empty, like a terminal that must not be read.
    assert_harmless(&sandbox.run(&["hook", "codex", &arg], b""));
    let events = sandbox.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["agent"], "codex");
    assert_ne!(events[0]["kind"], "OTHER");
}

#[test]
fn an_unknown_agent_is_recorded_as_generic() {
    let sandbox = Sandbox::new();
    assert_harmless(&sandbox.run(
        &["hook", "windsurf", "--bogus-flag"],
        br#"{"session_id":"s","hook_event_name":"Stop"}"#,
    ));
    assert_harmless(&sandbox.run(&["hook"], br#"{}"#));
    let events = sandbox.events();
    assert_eq!(events.len(), 2);
    assert!(events.iter().all(|e| e["agent"] == "generic"));
    assert!(
        sandbox.errors_log().contains("unknown agent \"windsurf\""),
        "{}",
        sandbox.errors_log()
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}
