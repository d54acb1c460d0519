//! Codex CLI hook and notify payloads.

use event::{Agent, Kind};
use serde_json::{Value, json};

use crate::support::{NOW, check, fixture, line, normalize};

fn payload(extra: Value) -> Value {
    let mut p = json!({"session_id": "c1", "turn_id": "t1", "cwd": "/repo", "model": "gpt-5.5", "permission_mode": "default"});
    if let (Some(map), Value::Object(extra)) = (p.as_object_mut(), extra) {
        map.extend(extra);
    }
    p
}

const PATCH: &str = "*** Begin Patch\n*** Add File: /repo/new.txt\n+hi\n*** Update File: src/old.rs\n*** Move to: src/new.rs\n@@\n-a\n+b\n*** Delete File: /repo/gone.md\n*** End Patch\n";

#[test]
fn fixture_apply_patch_call_and_result() {
    let lines = fixture("codex/hooks.jsonl");
    check(
        Agent::Codex,
        &line(&lines, "PreToolUse", Some("Begin Patch"), 0),
        r##"
        FILE_WRITE call call_003_1_1fee3d26 | Edit config/app.yml
          hook=PreToolUse
          tool=apply_patch
          paths=["/home/dev/shop/config/app.yml"]
          model=gpt-5.5
          turn_id=01a211ea-13a6-7b83-8a0a-722cfc1a5fe4
    "##,
    );
    check(
        Agent::Codex,
        &line(&lines, "PostToolUse", Some("Begin Patch"), 0),
        r##"
        FILE_WRITE result call_003_1_1fee3d26 | Edit config/app.yml
          hook=PostToolUse
          tool=apply_patch
          paths=["/home/dev/shop/config/app.yml"]
          exit=0
          model=gpt-5.5
          output="Success. Updated the following files:\nM /home/dev/shop/confi"…(70 chars)
          outcome=ok
          turn_id=01a211ea-13a6-7b83-8a0a-722cfc1a5fe4
    "##,
    );
}

#[test]
fn fixture_shell_result_has_output_but_no_exit_code() {
    check(
        Agent::Codex,
        &line(&fixture("codex/hooks.jsonl"), "PostToolUse", Some("git push --force"), 0),
        r##"
        SHELL_EXEC result call_007_0_244d86a0 | $ git push --force
          hook=PostToolUse
          tool=Bash
          command="git push --force"
          model=gpt-5.5
          output="fatal: No configured push destination.\nEither specify the UR"…(215 chars)
          turn_id=01a211ea-13a6-7b83-8a0a-722cfc1a5fe4
    "##,
    );
}

#[test]
fn apply_patch_gives_one_event_per_file() {
    let p = payload(
        json!({"hook_event_name": "PreToolUse", "tool_name": "apply_patch", "tool_input": {"command": PATCH}, "tool_use_id": "p1"}),
    );
    let events = normalize(Agent::Codex, &p);
    let got: Vec<(Kind, &str, Vec<String>, Option<&str>)> = events
        .iter()
        .map(|e| {
            (
                e.kind,
                e.summary.as_str(),
                e.fields.paths.clone(),
                e.correlation.as_ref().map(|c| c.as_str()),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (Kind::FileWrite, "Add new.txt", vec!["/repo/new.txt".to_owned()], Some("p1")),
            (
                Kind::FileRename,
                "Rename src/old.rs → src/new.rs",
                vec!["src/old.rs".to_owned(), "src/new.rs".to_owned()],
                Some("p1")
            ),
            (Kind::FileDelete, "Delete gone.md", vec!["/repo/gone.md".to_owned()], Some("p1")),
        ]
    );
    // Each event keeps the whole payload.
    for e in &events {
        assert_eq!(serde_json::from_str::<Value>(&e.raw).ok().as_ref(), Some(&p));
    }
}

#[test]
fn apply_patch_in_a_shell_heredoc_is_a_file_write() {
    let command = format!("apply_patch <<'EOF'\n{PATCH}EOF\n");
    let p = payload(
        json!({"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": command}, "tool_use_id": "p2"}),
    );
    let kinds: Vec<Kind> = normalize(Agent::Codex, &p).iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [Kind::FileWrite, Kind::FileRename, Kind::FileDelete]);
}

#[test]
fn permission_request_for_a_patch_lists_every_path() {
    check(
        Agent::Codex,
        &payload(
            json!({"hook_event_name": "PermissionRequest", "tool_name": "apply_patch", "tool_input": {"command": PATCH}}),
        ),
        r##"
        PERMISSION_REQUEST instant - | permission: Add new.txt (+2 more)
          hook=PermissionRequest
          tool=apply_patch
          paths=["/repo/new.txt", "src/old.rs", "src/new.rs", "/repo/gone.md"]
          model=gpt-5.5
          turn_id=t1
    "##,
    );
}

#[test]
fn exec_command_with_argv_and_workdir() {
    check(
        Agent::Codex,
        &payload(json!({"hook_event_name": "PreToolUse", "tool_name": "shell",
            "tool_input": {"command": ["bash", "-lc", "cargo test"], "workdir": "/repo/crates/x"}, "tool_use_id": "s1"})),
        r##"
        SHELL_EXEC call s1 | $ cargo test
          hook=PreToolUse
          tool=shell
          command="cargo test"
          model=gpt-5.5
          turn_id=t1
    "##,
    );
    let events = normalize(
        Agent::Codex,
        &payload(
            json!({"hook_event_name": "PreToolUse", "tool_name": "exec_command", "tool_input": {"cmd": "ls", "workdir": "/tmp"}}),
        ),
    );
    assert_eq!(events[0].fields.cwd.as_deref(), Some("/tmp"));
    assert_eq!(events[0].fields.command.as_deref(), Some("ls"));
}

#[test]
fn interrupt_is_an_interrupted_stop() {
    check(
        Agent::Codex,
        &payload(json!({"hook_event_name": "Interrupt"})),
        r##"
        STOP instant - | interrupted
          hook=Interrupt
          model=gpt-5.5
          outcome=interrupted
          turn_id=t1
    "##,
    );
}

#[test]
fn notify_payloads() {
    let other = json!({"type": "approval-requested", "thread-id": "th"});
    let e = capture::normalize_codex_notify(&other, NOW).ok();
    assert_eq!(
        e.as_ref().map(|e| (e.kind, e.summary.as_str(), e.session.as_str())),
        Some((Kind::Other, "approval-requested", "th"))
    );
    let bare = capture::normalize_codex_notify(&json!({}), NOW).ok();
    assert_eq!(
        bare.as_ref().map(|e| (e.kind, e.summary.as_str())),
        Some((Kind::Other, "unknown notify payload"))
    );
    let err = capture::normalize_codex_notify(&json!("agent-turn-complete"), NOW)
        .err()
        .map(|e| e.to_string());
    assert_eq!(err.as_deref(), Some("codex hook payload is a JSON string, not an object"));
    // Wrong types: the message is not a string, the ids are numbers.
    let odd = json!({"type": "agent-turn-complete", "thread-id": 7, "turn-id": [], "last-assistant-message": {"text": "x"}});
    let e = capture::normalize_codex_notify(&odd, NOW).ok();
    assert_eq!(
        e.as_ref().map(|e| (e.kind, e.summary.as_str(), e.session.as_str(), e.fields.text.clone())),
        Some((Kind::Stop, "turn complete", "", None))
    );
}
