//! Gemini CLI hook payloads: tools without call ids, model turns, agent turns.

use event::{Agent, Kind, Phase};
use serde_json::{Value, json};

use crate::support::{check, fixture, line, normalize};

fn lines() -> Vec<Value> {
    fixture("gemini/hooks.jsonl")
}

fn named(lines: &[Value], name: &str, nth: usize) -> Value {
    line(lines, name, None, nth)
}

#[test]
fn fixture_shell_call_and_failed_result_pair_on_a_derived_id() {
    let lines = lines();
    let call = normalize(Agent::Gemini, &line(&lines, "BeforeTool", Some("git push"), 0));
    let result = normalize(Agent::Gemini, &line(&lines, "AfterTool", Some("git push"), 0));
    check(
        Agent::Gemini,
        &line(&lines, "BeforeTool", Some("git push"), 0),
        r##"
        SHELL_EXEC call h:8d6b089b3b57131e | $ git push --force
          hook=BeforeTool
          tool=run_shell_command
          command="git push --force"
          text="Push changes"
    "##,
    );
    check(
        Agent::Gemini,
        &line(&lines, "AfterTool", Some("git push"), 0),
        r##"
        SHELL_EXEC result h:8d6b089b3b57131e | $ git push --force → exit 128
          hook=AfterTool
          tool=run_shell_command
          command="git push --force"
          exit=128
          text="Push changes"
          output="fatal: No configured push destination.\nEither specify the UR"…(213 chars)
          outcome=error
    "##,
    );
    assert_eq!(call[0].correlation, result[0].correlation);
    // Different calls get different ids.
    let other = normalize(Agent::Gemini, &line(&lines, "BeforeTool", Some("rm -rf build/"), 0));
    assert_ne!(call[0].correlation, other[0].correlation);
}

#[test]
fn fixture_empty_shell_output_and_file_tools() {
    let lines = lines();
    check(
        Agent::Gemini,
        &line(&lines, "AfterTool", Some("rm config/secrets.yml"), 0),
        r##"
        SHELL_EXEC result h:f5d0effbc121bd9a | $ rm config/secrets.yml
          hook=AfterTool
          tool=run_shell_command
          command="rm config/secrets.yml"
          text="Remove secrets file"
          output=""
          outcome=ok
    "##,
    );
    check(
        Agent::Gemini,
        &line(&lines, "AfterTool", Some("secrets.yml"), 0),
        r##"
        FILE_READ result h:44c75d011ca60c68 | Read config/secrets.yml
          hook=AfterTool
          tool=read_file
          paths=["/home/dev/shop/config/secrets.yml"]
          output="# DO NOT COMMIT\naws:\n  access_key_id: AKIAQ3EXAMPLE7FAKE42\n "…(204 chars)
          outcome=ok
    "##,
    );
    check(
        Agent::Gemini,
        &line(&lines, "BeforeTool", Some("content"), 0),
        r##"
        FILE_WRITE call h:642881d4104de668 | Write config/app.yml
          hook=BeforeTool
          tool=write_file
          paths=["/home/dev/shop/config/app.yml"]
    "##,
    );
}

#[test]
fn fixture_model_turns() {
    let lines = lines();
    check(
        Agent::Gemini,
        &named(&lines, "BeforeModel", 0),
        r##"
        MODEL_REQUEST instant - | model request gemini-2.5-pro (1 message)
          hook=BeforeModel
          model=gemini-2.5-pro
    "##,
    );
    // The first chunk has only a thought part; the second the text; the third the token counts.
    check(
        Agent::Gemini,
        &named(&lines, "AfterModel", 0),
        r##"
        AGENT_THINK instant - | thinking: The user wants the config/ directory tidied. First I should see what is in it.
          hook=AfterModel
          model=gemini-2.5-pro
          text="The user wants the config/ directory tidied. First I should "…(78 chars)
    "##,
    );
    check(
        Agent::Gemini,
        &named(&lines, "AfterModel", 1),
        r##"
        MODEL_RESPONSE instant - | assistant: I'll start by looking at what's in config/.
          hook=AfterModel
          model=gemini-2.5-pro
          text="I'll start by looking at what's in config/."
    "##,
    );
    check(
        Agent::Gemini,
        &named(&lines, "AfterModel", 2),
        r##"
        MODEL_RESPONSE instant - | tokens gemini-2.5-pro: 3120 in, 64 out
          hook=AfterModel
          model=gemini-2.5-pro
          tokens=3120/64/0/0/0
          reason=STOP
    "##,
    );
    check(
        Agent::Gemini,
        &named(&lines, "BeforeToolSelection", 0),
        r##"
        OTHER instant - | before tool selection (gemini-2.5-pro)
          hook=BeforeToolSelection
          model=gemini-2.5-pro
    "##,
    );
}

#[test]
fn fixture_tokens_add_up() {
    let total: u64 = lines()
        .iter()
        .flat_map(|l| normalize(Agent::Gemini, l))
        .filter_map(|e| e.fields.tokens)
        .map(|t| t.total())
        .sum();
    // The sum of totalTokenCount over the fixture's AfterModel chunks.
    assert_eq!(total, 3184 + 448 + 558 + 820 + 340 + 230 + 240 + 250 + 370);
}

#[test]
fn fixture_agent_and_session_events() {
    let lines = lines();
    check(
        Agent::Gemini,
        &named(&lines, "BeforeAgent", 0),
        r##"
        USER_INPUT instant - | prompt: Please tidy up the config/ directory.
          hook=BeforeAgent
          text="Please tidy up the config/ directory."
    "##,
    );
    check(
        Agent::Gemini,
        &named(&lines, "AfterAgent", 0),
        r##"
        STOP instant - | stop: I'll start by looking at what's in config/. app.yml has inconsistent indentatio…
          hook=AfterAgent
          text=" I'll start by looking at what's in config/. \napp.yml has in"…(427 chars)
    "##,
    );
    check(
        Agent::Gemini,
        &named(&lines, "PreCompress", 0),
        r##"
        COMPACTION instant - | compaction (auto)
          hook=PreCompress
          reason=auto
    "##,
    );
    check(
        Agent::Gemini,
        &named(&lines, "SessionEnd", 0),
        r##"
        SESSION_END instant - | session end (exit)
          hook=SessionEnd
          reason=exit
    "##,
    );
}

#[test]
fn other_gemini_tools_map_to_kinds() {
    let cases: &[(&str, Value, &str)] = &[
        (
            "replace",
            json!({"file_path": "/w/a.py", "old_string": "a", "new_string": "b"}),
            "FILE_WRITE | Edit a.py",
        ),
        ("list_directory", json!({"dir_path": "/w/src"}), "FILE_READDIR | List src"),
        ("glob", json!({"pattern": "*.md"}), "FILE_READDIR | Glob *.md"),
        (
            "search_file_content",
            json!({"pattern": "TODO", "dir_path": "/w"}),
            r#"FILE_READ | Grep "TODO" in /w"#,
        ),
        ("read_many_files", json!({"paths": ["/w/a", "/w/b"]}), "FILE_READ | Read a, b"),
        (
            "web_fetch",
            json!({"prompt": "Summarize https://example.com/page and more"}),
            "HTTP_REQUEST | Fetch https://example.com/page",
        ),
        (
            "google_web_search",
            json!({"query": "gemini hooks"}),
            r#"HTTP_REQUEST | Web search "gemini hooks""#,
        ),
        ("save_memory", json!({"fact": "x"}), "TOOL_CALL | save_memory"),
    ];
    for (tool, input, want) in cases {
        let p = json!({"session_id": "g", "cwd": "/w", "hook_event_name": "BeforeTool", "tool_name": tool, "tool_input": input});
        let events = normalize(Agent::Gemini, &p);
        let got: Vec<String> =
            events.iter().map(|e| format!("{} | {}", e.kind, e.summary)).collect();
        assert_eq!(got, [*want], "{tool}");
        assert_eq!(events[0].phase, Phase::Call);
        assert!(events[0].correlation.as_ref().is_some_and(|c| c.as_str().starts_with("h:")));
    }
}

#[test]
fn mcp_tools_and_tool_errors() {
    let p = json!({"session_id": "g", "cwd": "/w", "hook_event_name": "AfterTool", "tool_name": "create_issue",
        "tool_input": {"title": "Bug"}, "mcp_context": {"server_name": "github", "tool_name": "create_issue"},
        "tool_response": {"llmContent": [{"text": "created #4"}], "returnDisplay": "created #4"}});
    let e = &normalize(Agent::Gemini, &p)[0];
    assert_eq!(
        (e.kind, e.summary.as_str(), e.fields.output.as_deref()),
        (Kind::McpToolResult, r#"mcp github/create_issue {"title":"Bug"}"#, Some("created #4"))
    );
    let failed = json!({"session_id": "g", "hook_event_name": "AfterTool", "tool_name": "read_file", "tool_input": {"file_path": "/nope"},
        "tool_response": {"llmContent": "", "returnDisplay": "", "error": {"message": "File not found: /nope", "type": "FILE_NOT_FOUND"}}});
    check(
        Agent::Gemini,
        &failed,
        r##"
        FILE_READ result h:d16b081a8df80c09 | Read /nope → error
          hook=AfterTool
          tool=read_file
          paths=["/nope"]
          output=""
          error="File not found: /nope"
          outcome=error
    "##,
    );
}

#[test]
fn thought_parts_and_cached_tokens() {
    let p = json!({"session_id": "g", "hook_event_name": "AfterModel", "llm_request": {"model": "gemini-2.5-flash"},
        "llm_response": {"text": "", "candidates": [{"content": {"parts": [{"text": "weighing options", "thought": true}]}}]}});
    assert_eq!(normalize(Agent::Gemini, &p)[0].kind, Kind::AgentThink);
    let p = json!({"session_id": "g", "hook_event_name": "AfterModel", "llm_request": {"model": "gemini-2.5-flash"},
        "llm_response": {"text": "ok", "usageMetadata": {"promptTokenCount": 100, "cachedContentTokenCount": 60, "candidatesTokenCount": 5, "thoughtsTokenCount": 7}}});
    check(
        Agent::Gemini,
        &p,
        r##"
        MODEL_RESPONSE instant - | assistant: ok (100 in, 12 out)
          hook=AfterModel
          model=gemini-2.5-flash
          tokens=40/12/60/0/7
          text="ok"
    "##,
    );
}
