//! `tl install` / `tl uninstall`: idempotent, everything else kept, the original restored byte
//! for byte, unreadable files left alone.

use crate::Sandbox;

const USER_SETTINGS: &str = r#"{
    "model": "opus",
    "hooks": {
        "PreToolUse": [
            {
                "matcher": "Bash",
                "hooks": [
                    {
                        "type": "command",
                        "command": "my-guard.sh"
                    }
                ]
            }
        ]
    },
    "includeCoAuthoredBy": false
}
"#;

fn ok(out: std::process::Output) -> String {
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn install_keeps_other_settings_and_uninstall_restores_the_bytes() {
    for (agent, dir, file) in [
        ("claude-code", ".claude", "settings.json"),
        ("gemini", ".gemini", "settings.json"),
        ("codex", ".codex", "hooks.json"),
    ] {
        let sandbox = Sandbox::new();
        let path = sandbox.home().join(dir).join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, USER_SETTINGS).unwrap();
        let said = ok(sandbox.run(&["install", agent], b""));
        assert!(said.contains("registered"), "{said}");
        let installed = std::fs::read_to_string(&path).unwrap();
        let v: serde_json::Value = serde_json::from_str(&installed).unwrap();
        // The user's own settings and hook are untouched, and in their order.
        assert_eq!(v["model"], "opus");
        assert_eq!(v["includeCoAuthoredBy"], false);
        assert_eq!(v["hooks"]["PreToolUse"][0]["hooks"][0]["command"], "my-guard.sh");
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys[..3], ["model", "hooks", "includeCoAuthoredBy"]);
        assert!(
            installed.starts_with("{\n    \"model\""),
            "the file's 4-space indentation is kept"
        );
        let event = if agent == "gemini" { "BeforeTool" } else { "PreToolUse" };
        let group = if agent == "gemini" { 0 } else { 1 };
        let tl_hook = v["hooks"][event][group]["hooks"][0]["command"].as_str().unwrap();
        assert!(tl_hook.ends_with(&format!("/tl hook {agent}")), "{tl_hook}");
        // Idempotent.
        ok(sandbox.run(&["install", agent], b""));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), installed);
        // Uninstall gives back the exact bytes and leaves no backup behind.
        ok(sandbox.run(&["uninstall", agent], b""));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), USER_SETTINGS, "{agent}");
        assert!(!path.with_file_name(format!("{file}.tl-backup")).exists());
    }
}

#[test]
fn delegating_hook_events_are_skipped_and_said_so() {
    let sandbox = Sandbox::new();
    let said = ok(sandbox.run(&["install", "claude-code", "--print"], b""));
    assert!(said.contains("skipped WorktreeCreate"), "{said}");
    assert!(said.contains("skipped WorktreeRemove"), "{said}");
    assert!(!sandbox.home().join(".claude").exists(), "--print changes nothing");
    ok(sandbox.run(&["install", "claude-code"], b""));
    let v: serde_json::Value = serde_json::from_slice(
        &std::fs::read(sandbox.home().join(".claude/settings.json")).unwrap(),
    )
    .unwrap();
    let hooks = v["hooks"].as_object().unwrap();
    assert_eq!(hooks.len(), 31);
    assert!(!hooks.contains_key("WorktreeCreate"));
    assert!(hooks.contains_key("MessageDisplay") && hooks.contains_key("PostToolBatch"));
    // A file tl created goes away entirely on uninstall.
    ok(sandbox.run(&["uninstall", "claude-code"], b""));
    assert!(!sandbox.home().join(".claude/settings.json").exists());
}

#[test]
fn codex_gets_notify_and_a_trust_hint() {
    let sandbox = Sandbox::new();
    let config = sandbox.home().join(".codex/config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    let original = "model = \"gpt-5\"\n\n[features]\nhooks = true\n";
    std::fs::write(&config, original).unwrap();
    let said = ok(sandbox.run(&["install", "codex"], b""));
    assert!(said.contains("/hooks"), "says how to trust the hooks: {said}");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.starts_with("notify = [\"env\", \"TL_HOME="), "{text}");
    assert!(text.ends_with(original), "the rest of config.toml is byte for byte: {text}");
    ok(sandbox.run(&["uninstall", "codex"], b""));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), original);
    // A notify the user set is left alone.
    std::fs::write(&config, "notify = [\"my-notifier\"]\n").unwrap();
    let said = ok(sandbox.run(&["install", "codex"], b""));
    assert!(said.contains("already sets a notify program"), "{said}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "notify = [\"my-notifier\"]\n");
}

#[test]
fn an_unreadable_settings_file_is_an_error_and_left_alone() {
    let sandbox = Sandbox::new();
    let path = sandbox.home().join(".claude/settings.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "{ \"model\": \"opus\", oops }").unwrap();
    let out = sandbox.run(&["install", "claude-code"], b"");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("error: ") && err.contains("is not valid JSON") && err.contains("hint:"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{ \"model\": \"opus\", oops }");
}

#[test]
fn status_reports_hooks_recording_and_errors() {
    let sandbox = Sandbox::new();
    ok(sandbox.run(&["install", "claude-code"], b""));
    let _ = sandbox.run(&["hook", "claude-code"], b"garbage");
    let _ =
        sandbox.run(&["hook", "claude-code"], br#"{"session_id":"s","hook_event_name":"Stop"}"#);
    let json: serde_json::Value =
        serde_json::from_str(&ok(sandbox.run(&["status", "--json"], b""))).unwrap();
    assert_eq!(json["recording"], "on");
    let agent = &json["agents"][0];
    assert_eq!(agent["agent"], "claude-code");
    assert_eq!(agent["events_hooked"], 31);
    assert_eq!(agent["points_at_this_binary"], true);
    assert!(agent["last_event"].as_str().unwrap().starts_with("20"));
    assert_eq!(json["errors"]["count"], 1);
    assert_eq!(json["log"]["segments"], 1);
    let text = ok(sandbox.run(&["status"], b""));
    assert!(text.contains("recording  on") && text.contains("31/31 events"), "{text}");
    ok(sandbox.run(&["stop"], b""));
    assert!(ok(sandbox.run(&["status"], b"")).contains("recording  off"));
}

#[test]
fn install_enforce_blocks_on_the_pre_tool_event_only_and_switches_back() {
    for (agent, dir, file, pre) in [
        ("claude-code", ".claude", "settings.json", "PreToolUse"),
        ("gemini", ".gemini", "settings.json", "BeforeTool"),
        ("codex", ".codex", "hooks.json", "PreToolUse"),
    ] {
        let sandbox = Sandbox::new();
        let path = sandbox.home().join(dir).join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, USER_SETTINGS).unwrap();
        let tl_commands = |text: &str| -> Vec<(String, String)> {
            let v: serde_json::Value = serde_json::from_str(text).unwrap();
            let mut out = Vec::new();
            for (event, groups) in v["hooks"].as_object().unwrap() {
                for g in groups.as_array().unwrap() {
                    for h in g["hooks"].as_array().unwrap() {
                        let c = h["command"].as_str().unwrap();
                        if c.contains(" hook ") {
                            out.push((event.clone(), c.to_owned()));
                        }
                    }
                }
            }
            out
        };

        // --print shows the blocking hook and changes nothing.
        let said = ok(sandbox.run(&["install", agent, "--enforce", "--print"], b""));
        assert!(said.contains(&format!("hook {agent} --enforce")), "{said}");
        assert!(said.contains(&format!("{pre} runs `tl hook {agent} --enforce`")), "{said}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), USER_SETTINGS);

        ok(sandbox.run(&["install", agent, "--enforce"], b""));
        let enforcing = std::fs::read_to_string(&path).unwrap();
        let hooks = tl_commands(&enforcing);
        assert!(hooks.len() >= 10, "{agent}: {hooks:?}");
        for (event, command) in &hooks {
            let blocks = command.ends_with(&format!(" hook {agent} --enforce"));
            assert_eq!(blocks, event == pre, "{agent} {event}: {command}");
            assert!(blocks || command.ends_with(&format!(" hook {agent}")), "{command}");
        }
        assert_eq!(hooks.iter().filter(|(e, _)| e == pre).count(), 1, "one tl hook on {pre}");
        let v: serde_json::Value = serde_json::from_str(&enforcing).unwrap();
        assert_eq!(v["hooks"]["PreToolUse"][0]["hooks"][0]["command"], "my-guard.sh");
        // Idempotent, and `tl status` says so.
        ok(sandbox.run(&["install", agent, "--enforce"], b""));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), enforcing);
        let status: serde_json::Value =
            serde_json::from_str(&ok(sandbox.run(&["status", "--json"], b""))).unwrap();
        let mine = status["agents"].as_array().unwrap().iter().find(|a| a["agent"] == agent);
        assert_eq!(mine.unwrap()["enforcing"], true, "{status:#}");

        // Installing again without --enforce switches back to the recording hook, in place.
        ok(sandbox.run(&["install", agent], b""));
        let plain = std::fs::read_to_string(&path).unwrap();
        let hooks = tl_commands(&plain);
        assert!(hooks.iter().all(|(_, c)| c.ends_with(&format!(" hook {agent}"))), "{hooks:?}");
        assert_eq!(hooks.iter().filter(|(e, _)| e == pre).count(), 1);

        // Uninstall removes either form and gives the original bytes back.
        ok(sandbox.run(&["install", agent, "--enforce"], b""));
        ok(sandbox.run(&["uninstall", agent], b""));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), USER_SETTINGS, "{agent}");
        assert!(!path.with_file_name(format!("{file}.tl-backup")).exists());
    }
}
