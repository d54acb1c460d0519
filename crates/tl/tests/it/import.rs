//! `tl import`: finds each agent's transcripts, redacts, and is incremental.

use crate::{Sandbox, fixture};

fn place(sandbox: &Sandbox) -> std::path::PathBuf {
    let home = sandbox.home();
    let claude = home.join(".claude/projects/-home-dev-shop");
    let codex = home.join(".codex/sessions/2026/11/25");
    let gemini = home.join(".gemini/tmp/shop/chats");
    for d in [&claude, &codex, &gemini] {
        std::fs::create_dir_all(d).unwrap();
    }
    let claude_file = claude.join("0cfde7cd-23f6-45f2-9cd7-3fae11d5363e.jsonl");
    std::fs::copy(fixture("claude-code/0cfde7cd-23f6-45f2-9cd7-3fae11d5363e.jsonl"), &claude_file)
        .unwrap();
    std::fs::copy(
        fixture("codex/rollout-2026-11-25T08-54-42-01a211ea-1391-7b62-b20d-240046b834f3.jsonl"),
        codex.join("rollout-2026-11-25T08-54-42-01a211ea-1391-7b62-b20d-240046b834f3.jsonl"),
    )
    .unwrap();
    std::fs::copy(
        fixture("gemini/session-2026-11-25T08-56-9c571702.jsonl"),
        gemini.join("session-2026-11-25T08-56-9c571702.jsonl"),
    )
    .unwrap();
    claude_file
}

fn summary(sandbox: &Sandbox, args: &[&str]) -> serde_json::Value {
    let out = sandbox.run(args, b"");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn imports_every_agent_once_and_then_only_what_is_new() {
    let sandbox = Sandbox::new();
    let claude_file = place(&sandbox);
    let first = summary(&sandbox, &["import", "--json"]);
    assert_eq!(first["files"], 3);
    assert_eq!(first["files_changed"], 3);
    assert_eq!(first["invalid_lines"], 0);
    let events = sandbox.events();
    assert_eq!(first["events"].as_u64().unwrap() as usize, events.len());
    for agent in ["claude-code", "codex", "gemini"] {
        for kind in ["USER_INPUT", "SHELL_EXEC", "TOKEN_USAGE", "ASSISTANT_TEXT"] {
            assert!(
                events.iter().any(|e| e["agent"] == agent
                    && e["kind"] == kind
                    && e["source"] == "transcript"),
                "{agent} {kind}"
            );
        }
    }
    // A second run adds nothing.
    let second = summary(&sandbox, &["import", "--json"]);
    assert_eq!(second["events"], 0);
    assert_eq!(sandbox.events().len(), events.len());
    // A session that goes on: only its new line is imported.
    let mut f = std::fs::OpenOptions::new().append(true).open(&claude_file).unwrap();
    std::io::Write::write_all(
        &mut f,
        br#"{"type":"user","message":{"role":"user","content":"and now the tests please"},"uuid":"u-new","timestamp":"2026-11-25T09:00:00.000Z","sessionId":"0cfde7cd-23f6-45f2-9cd7-3fae11d5363e","cwd":"/home/dev/shop"}
"#,
    )
    .unwrap();
    // A half-written last line waits for its newline.
    std::io::Write::write_all(&mut f, br#"{"type":"user","message":{"role":"us"#).unwrap();
    let third = summary(&sandbox, &["import", "--json"]);
    assert_eq!(third["files_changed"], 1);
    assert_eq!(third["lines"], 1);
    let after = sandbox.events();
    assert_eq!(after.len(), events.len() + third["events"].as_u64().unwrap() as usize);
    assert!(after.iter().any(|e| e["kind"] == "USER_INPUT"
        && e["summary"].as_str().unwrap().contains("and now the tests")));
}

#[test]
fn imported_secrets_are_redacted() {
    let sandbox = Sandbox::new();
    let dir = sandbox.home().join(".claude/projects/p");
    std::fs::create_dir_all(&dir).unwrap();
    let token = format!("ghp_{}", "Ab3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5");
    let line = format!(
        r#"{{"type":"user","message":{{"role":"user","content":"use the token {token} to push"}},"uuid":"u1","timestamp":"2026-11-25T09:00:00.000Z","sessionId":"s1","cwd":"/w"}}"#
    );
    std::fs::write(dir.join("s1.jsonl"), format!("{line}\n")).unwrap();
    let s = summary(&sandbox, &["import", "--json", "--agent", "claude-code"]);
    assert!(s["redactions"].as_u64().unwrap() >= 1);
    let dump = String::from_utf8(sandbox.run(&["debug", "log"], b"").stdout).unwrap();
    assert!(!dump.contains(&token), "{dump}");
    assert!(dump.contains("[REDACTED:github"), "{dump}");
}

#[test]
fn explicit_paths_detect_their_agent_or_say_so() {
    let sandbox = Sandbox::new();
    let path =
        fixture("codex/rollout-2026-11-25T08-54-42-01a211ea-1391-7b62-b20d-240046b834f3.jsonl");
    let s = summary(&sandbox, &["import", "--json", path.to_str().unwrap()]);
    assert_eq!(s["files"], 1);
    assert!(sandbox.events().iter().all(|e| e["agent"] == "codex"));
    let unknown = sandbox.dir.path().join("notes.jsonl");
    std::fs::write(&unknown, "{\"hello\": 1}\n").unwrap();
    let out = sandbox.run(&["import", unknown.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("cannot tell which agent wrote") && err.contains("--agent"), "{err}");
}
