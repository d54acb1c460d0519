//! Claude Code hook payloads: representative fixture lines in full, and the hook events and tools
//! the fixtures do not show, with payloads shaped after Claude Code's hook documentation.

use event::Agent;
use serde_json::{Value, json};

use crate::support::{check, fixture, line};

fn lines() -> Vec<Value> {
    fixture("claude-code/hooks.jsonl")
}

/// The envelope every Claude Code hook payload has, plus `extra`.
fn payload(extra: Value) -> Value {
    let mut p = json!({
        "session_id": "s1",
        "transcript_path": "/home/dev/.claude/projects/x/s1.jsonl",
        "cwd": "/home/dev/shop",
        "permission_mode": "default",
    });
    if let (Some(map), Value::Object(extra)) = (p.as_object_mut(), extra) {
        map.extend(extra);
    }
    p
}

#[test]
fn fixture_bash_call_and_result() {
    let lines = lines();
    check(
        Agent::ClaudeCode,
        &line(&lines, "PreToolUse", Some("rm config/secrets.yml"), 0),
        r##"
        SHELL_EXEC call toolu_01ba6705b97cea4600401 | $ rm config/secrets.yml
          hook=PreToolUse
          tool=Bash
          command="rm config/secrets.yml"
          text="Remove secrets file"
    "##,
    );
    check(
        Agent::ClaudeCode,
        &line(&lines, "PostToolUse", Some("ls -la config/"), 0),
        r##"
        SHELL_EXEC result toolu_01ba6705b97cea4600002 | $ ls -la config/
          hook=PostToolUse
          tool=Bash
          command="ls -la config/"
          duration_ms=22
          text="List files in config directory"
          output="total 16\ndrwxr-xr-x 2 root root 4096 Nov 25 08:54 .\ndrwxr-xr"…(197 chars)
          outcome=ok
    "##,
    );
}

#[test]
fn fixture_failed_bash_has_exit_code_and_error() {
    check(
        Agent::ClaudeCode,
        &line(&lines(), "PostToolUseFailure", None, 0),
        r##"
        SHELL_EXEC result toolu_01ba6705b97cea4600700 | $ git push --force → exit 128
          hook=PostToolUseFailure
          tool=Bash
          command="git push --force"
          exit=128
          duration_ms=9
          text="Push changes"
          error="Exit code 128\nfatal: No configured push destination.\nEither "…(227 chars)
          outcome=error
    "##,
    );
}

#[test]
fn fixture_read_and_write() {
    let lines = lines();
    check(
        Agent::ClaudeCode,
        &line(&lines, "PostToolUse", Some("secrets.yml"), 0),
        r##"
        FILE_READ result toolu_01ba6705b97cea4600200 | Read config/secrets.yml
          hook=PostToolUse
          tool=Read
          paths=["/home/dev/shop/config/secrets.yml"]
          duration_ms=2
          output="# DO NOT COMMIT\naws:\n  access_key_id: AKIAQ3EXAMPLE7FAKE42\n "…(204 chars)
          outcome=ok
    "##,
    );
    check(
        Agent::ClaudeCode,
        &line(&lines, "PreToolUse", Some("content"), 0),
        r##"
        FILE_WRITE call toolu_01ba6705b97cea4600301 | Write config/app.yml
          hook=PreToolUse
          tool=Write
          paths=["/home/dev/shop/config/app.yml"]
    "##,
    );
}

#[test]
fn fixture_post_tool_batch_is_a_result_per_call() {
    let lines = lines();
    let batches: Vec<&Value> =
        lines.iter().filter(|l| l["hook_event_name"] == "PostToolBatch").collect();
    check(
        Agent::ClaudeCode,
        batches[7],
        r##"
        SHELL_EXEC result toolu_01ba6705b97cea4600700 | $ git push --force → exit 128
          hook=PostToolBatch
          tool=Bash
          command="git push --force"
          exit=128
          text="Push changes"
          output="Exit code 128\nfatal: No configured push destination.\nEither "…(227 chars)
          outcome=error
    "##,
    );
    let two = payload(json!({
        "hook_event_name": "PostToolBatch",
        "tool_calls": [
            {"tool_name": "Read", "tool_input": {"file_path": "/home/dev/shop/a"}, "tool_use_id": "t1", "tool_response": "1\tx"},
            {"tool_name": "Glob", "tool_input": {"pattern": "**/*.rs"}, "tool_use_id": "t2", "tool_response": "a.rs"},
        ],
    }));
    check(
        Agent::ClaudeCode,
        &two,
        r##"
        FILE_READ result t1 | Read a
          hook=PostToolBatch
          tool=Read
          paths=["/home/dev/shop/a"]
          output="1\tx"

        FILE_READDIR result t2 | Glob **/*.rs
          hook=PostToolBatch
          tool=Glob
          query="**/*.rs"
          output="a.rs"
    "##,
    );
    check(
        Agent::ClaudeCode,
        &payload(json!({"hook_event_name": "PostToolBatch", "tool_calls": []})),
        r##"
        OTHER instant - | PostToolBatch
          hook=PostToolBatch
    "##,
    );
}

#[test]
fn fixture_session_prompt_text_stop() {
    let lines = lines();
    check(
        Agent::ClaudeCode,
        &line(&lines, "UserPromptSubmit", None, 0),
        r##"
        USER_INPUT instant - | prompt: Please tidy up the config/ directory.
          hook=UserPromptSubmit
          text="Please tidy up the config/ directory."
    "##,
    );
    check(
        Agent::ClaudeCode,
        &line(&lines, "MessageDisplay", None, 2),
        r##"
        ASSISTANT_TEXT instant - | assistant: secrets.yml looks like a stray file; removing it.
          hook=MessageDisplay
          text="secrets.yml looks like a stray file; removing it."
          message_id=cb7a5a18-370d-4b65-befc-0b7105be80cd
          turn_id=d52a7008-8789-4990-84b7-62b22dce6a91
    "##,
    );
    check(
        Agent::ClaudeCode,
        &line(&fixture("claude-code/interactive_tui/hooks.jsonl"), "SessionStart", None, 0),
        r##"
        SESSION_START instant - | session start (startup, claude-sonnet-4-5)
          hook=SessionStart
          model=claude-sonnet-4-5
          reason=startup
    "##,
    );
    check(
        Agent::ClaudeCode,
        &line(&lines, "SessionEnd", None, 0),
        r##"
        SESSION_END instant - | session end (other)
          hook=SessionEnd
          reason=other
    "##,
    );
}

#[test]
fn common_fields_come_from_the_envelope() {
    let events =
        crate::support::normalize(Agent::ClaudeCode, &line(&lines(), "PreToolUse", None, 0));
    let f = &events[0].fields;
    assert_eq!(f.cwd.as_deref(), Some("/home/dev/shop"));
    assert_eq!(f.permission_mode.as_deref(), Some("bypassPermissions"));
    assert_eq!(f.prompt_id.as_deref(), Some("c576e5ce-3630-41cb-a879-644def17fda4"));
    assert_eq!(
        f.transcript_path.as_deref(),
        Some(
            "/home/dev/.claude/projects/-home-dev-shop/0cfde7cd-23f6-45f2-9cd7-3fae11d5363e.jsonl"
        )
    );
}

#[test]
fn subagents_notifications_compaction() {
    check(
        Agent::ClaudeCode,
        &payload(
            json!({"hook_event_name": "SubagentStart", "agent_id": "a-1", "agent_type": "Explore"}),
        ),
        r##"
        SUBAGENT_START instant - | subagent start (Explore)
          hook=SubagentStart
          subagent=a-1
          subagent_type=Explore
    "##,
    );
    check(
        Agent::ClaudeCode,
        &payload(
            json!({"hook_event_name": "SubagentStop", "stop_hook_active": false, "agent_id": "a-1", "agent_type": "Explore",
            "agent_transcript_path": "/x/a-1.jsonl", "last_assistant_message": "Found 3 callers."}),
        ),
        r##"
        SUBAGENT_STOP instant - | subagent stop (Explore): Found 3 callers.
          hook=SubagentStop
          text="Found 3 callers."
          subagent=a-1
          subagent_type=Explore
    "##,
    );
    check(
        Agent::ClaudeCode,
        &payload(
            json!({"hook_event_name": "Notification", "message": "Claude needs your permission to use Bash", "notification_type": "permission_prompt"}),
        ),
        r##"
        NOTIFICATION instant - | notification: Claude needs your permission to use Bash
          hook=Notification
          text="Claude needs your permission to use Bash"
          reason=permission_prompt
    "##,
    );
    check(
        Agent::ClaudeCode,
        &payload(
            json!({"hook_event_name": "PreCompact", "trigger": "manual", "custom_instructions": "keep the plan"}),
        ),
        r##"
        COMPACTION instant - | compaction (manual)
          hook=PreCompact
          text="keep the plan"
          reason=manual
    "##,
    );
    check(
        Agent::ClaudeCode,
        &payload(
            json!({"hook_event_name": "PostCompact", "trigger": "auto", "compact_summary": ""}),
        ),
        r##"
        COMPACTION instant - | compaction done (auto)
          hook=PostCompact
          reason=auto
    "##,
    );
}

#[test]
fn permission_requests_carry_the_tool() {
    check(
        Agent::ClaudeCode,
        &payload(
            json!({"hook_event_name": "PermissionRequest", "tool_name": "Bash", "tool_input": {"command": "rm -rf /tmp/x"}, "permission_suggestions": []}),
        ),
        r##"
        PERMISSION_REQUEST instant - | permission: $ rm -rf /tmp/x
          hook=PermissionRequest
          tool=Bash
          command="rm -rf /tmp/x"
    "##,
    );
}

#[test]
fn tools_map_to_kinds() {
    let cases: &[(&str, Value, &str)] = &[
        (
            "Edit",
            json!({"file_path": "/home/dev/shop/src/a.rs", "old_string": "a", "new_string": "b"}),
            "FILE_WRITE call t | Edit src/a.rs",
        ),
        (
            "MultiEdit",
            json!({"file_path": "/home/dev/shop/b.rs", "edits": []}),
            "FILE_WRITE call t | Edit b.rs",
        ),
        (
            "NotebookEdit",
            json!({"notebook_path": "/home/dev/shop/n.ipynb", "new_source": "x"}),
            "FILE_WRITE call t | Edit n.ipynb",
        ),
        (
            "Glob",
            json!({"pattern": "**/*.yml", "path": "/home/dev/shop/config"}),
            "FILE_READDIR call t | Glob **/*.yml in config",
        ),
        ("LS", json!({"path": "/etc"}), "FILE_READDIR call t | List /etc"),
        (
            "Grep",
            json!({"pattern": "api_key", "path": "/home/dev/shop"}),
            r#"FILE_READ call t | Grep "api_key" in /home/dev/shop"#,
        ),
        (
            "WebFetch",
            json!({"url": "https://example.com/x", "prompt": "summarize"}),
            "HTTP_REQUEST call t | Fetch https://example.com/x",
        ),
        (
            "WebSearch",
            json!({"query": "rust postcard"}),
            r#"HTTP_REQUEST call t | Web search "rust postcard""#,
        ),
        (
            "Task",
            json!({"description": "Find callers", "prompt": "…", "subagent_type": "Explore"}),
            "AGENT_ACT call t | Agent (Explore): Find callers",
        ),
        (
            "Agent",
            json!({"description": "Review", "prompt": "…"}),
            "AGENT_ACT call t | Agent: Review",
        ),
        (
            "mcp__github__create_issue",
            json!({"title": "Bug"}),
            r#"MCP_TOOL_CALL call t | mcp github/create_issue {"title":"Bug"}"#,
        ),
        ("TodoWrite", json!({"todos": []}), "TOOL_CALL call t | TodoWrite"),
        ("BashOutput", json!({"bash_id": "b1"}), "SHELL_STDOUT call t | output of shell b1"),
        ("", json!({}), "TOOL_CALL call t | unnamed tool"),
    ];
    for (tool, input, want) in cases {
        let p = payload(
            json!({"hook_event_name": "PreToolUse", "tool_name": tool, "tool_input": input, "tool_use_id": "t"}),
        );
        let events = crate::support::normalize(Agent::ClaudeCode, &p);
        let got: Vec<String> = events
            .iter()
            .map(|e| crate::support::render(e).lines().next().unwrap_or("").to_owned())
            .collect();
        assert_eq!(got, [*want], "{tool}");
    }
}

#[test]
fn results_of_web_mcp_and_task() {
    check(
        Agent::ClaudeCode,
        &payload(
            json!({"hook_event_name": "PostToolUse", "tool_name": "WebFetch", "tool_use_id": "w",
            "tool_input": {"url": "https://example.com/x", "prompt": "p"},
            "tool_response": {"bytes": 10, "code": 404, "codeText": "Not Found", "result": "nothing here", "durationMs": 5, "url": "https://example.com/x"}}),
        ),
        r##"
        HTTP_RESPONSE result w | Fetch https://example.com/x
          hook=PostToolUse
          tool=WebFetch
          url=https://example.com/x
          text="p"
          output="nothing here"
          outcome=ok
          http_status=404
    "##,
    );
    check(
        Agent::ClaudeCode,
        &payload(
            json!({"hook_event_name": "PostToolUse", "tool_name": "mcp__db__query", "tool_use_id": "m",
            "tool_input": {}, "tool_response": [{"type": "text", "text": "3 rows"}, {"type": "image", "data": "…"}]}),
        ),
        r##"
        MCP_TOOL_RESULT result m | mcp db/query
          hook=PostToolUse
          tool=mcp__db__query
          output="3 rows"
          outcome=ok
          mcp=db/query
    "##,
    );
    check(
        Agent::ClaudeCode,
        &payload(json!({"hook_event_name": "PostToolUse", "tool_name": "Task", "tool_use_id": "k",
            "tool_input": {"description": "d", "prompt": "p", "subagent_type": "general-purpose"},
            "tool_response": {"content": [{"type": "text", "text": "done"}], "totalDurationMs": 10}})),
        r##"
        AGENT_ACT result k | Agent (general-purpose): d
          hook=PostToolUse
          tool=Task
          text="d"
          output="done"
          outcome=ok
          subagent_type=general-purpose
    "##,
    );
    check(
        Agent::ClaudeCode,
        &payload(json!({"hook_event_name": "PostToolUse", "tool_name": "Grep", "tool_use_id": "g",
            "tool_input": {"pattern": "x"}, "tool_response": {"mode": "files_with_matches", "filenames": ["a", "b"], "numFiles": 2}})),
        r##"
        FILE_READ result g | Grep "x"
          hook=PostToolUse
          tool=Grep
          query="x"
          output="a\nb"
          outcome=ok
    "##,
    );
}

#[test]
fn interrupted_and_denied_calls() {
    check(
        Agent::ClaudeCode,
        &payload(json!({"hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_use_id": "i",
            "tool_input": {"command": "sleep 100"}, "tool_response": {"stdout": "", "stderr": "", "interrupted": true}})),
        r##"
        SHELL_EXEC result i | $ sleep 100 → interrupted
          hook=PostToolUse
          tool=Bash
          command="sleep 100"
          output=""
          outcome=interrupted
    "##,
    );
    check(
        Agent::ClaudeCode,
        &payload(
            json!({"hook_event_name": "PostToolUseFailure", "tool_name": "Bash", "tool_use_id": "d",
            "tool_input": {"command": "rm -rf /"}, "error": "The user doesn't want to proceed with this tool use.", "is_interrupt": false}),
        ),
        r##"
        SHELL_EXEC result d | $ rm -rf / → denied
          hook=PostToolUseFailure
          tool=Bash
          command="rm -rf /"
          error="The user doesn't want to proceed with this tool use."
          outcome=denied
    "##,
    );
    check(
        Agent::ClaudeCode,
        &payload(
            json!({"hook_event_name": "PostToolUseFailure", "tool_name": "Read", "tool_use_id": "r",
            "tool_input": {"file_path": "/nope"}, "error": "File does not exist.", "is_interrupt": true}),
        ),
        r##"
        FILE_READ result r | Read /nope → interrupted
          hook=PostToolUseFailure
          tool=Read
          paths=["/nope"]
          error="File does not exist."
          outcome=interrupted
    "##,
    );
}

#[test]
fn unknown_and_nameless_hooks_are_other_events() {
    check(
        Agent::ClaudeCode,
        &payload(json!({"hook_event_name": "WorktreeCreate", "name": "feature"})),
        r##"
        OTHER instant - | WorktreeCreate
          hook=WorktreeCreate
    "##,
    );
    check(
        Agent::ClaudeCode,
        &payload(json!({"something": "else"})),
        r##"
        OTHER instant - | unknown hook payload
    "##,
    );
    check(
        Agent::Generic,
        &payload(
            json!({"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "make"}}),
        ),
        r##"
        SHELL_EXEC call - | $ make
          hook=PreToolUse
          tool=Bash
          command="make"
    "##,
    );
}

#[test]
fn long_prompts_are_cut_by_characters() {
    let prompt = "é".repeat(200);
    let events = crate::support::normalize(
        Agent::ClaudeCode,
        &payload(json!({"hook_event_name": "UserPromptSubmit", "prompt": prompt})),
    );
    let e = &events[0];
    assert_eq!(e.summary, format!("prompt: {}…", "é".repeat(79)));
    assert_eq!(e.fields.text.as_deref(), Some(prompt.as_str()));
}
