//! Cursor's hook payloads (shapes from Cursor's hook documentation; no fixtures yet).

use event::{Agent, Kind, Outcome, Phase};
use serde_json::{Value, json};

use crate::support::{check, normalize};

fn payload(extra: Value) -> Value {
    let mut p =
        json!({"conversation_id": "cv1", "generation_id": "g1", "workspace_roots": ["/proj"]});
    if let (Some(map), Value::Object(extra)) = (p.as_object_mut(), extra) {
        map.extend(extra);
    }
    p
}

#[test]
fn cursor_shell_call_and_result_pair() {
    let call = normalize(
        Agent::Cursor,
        &payload(
            json!({"hook_event_name": "beforeShellExecution", "command": "npm test", "cwd": "/proj"}),
        ),
    );
    let result = normalize(
        Agent::Cursor,
        &payload(
            json!({"hook_event_name": "afterShellExecution", "command": "npm test", "output": "1 failing", "exit_code": 1}),
        ),
    );
    check(
        Agent::Cursor,
        &payload(
            json!({"hook_event_name": "afterShellExecution", "command": "npm test", "output": "1 failing", "exit_code": 1}),
        ),
        r##"
        SHELL_EXEC result h:2f74499f34975ce1 | $ npm test → exit 1
          hook=afterShellExecution
          tool=Shell
          command="npm test"
          exit=1
          output="1 failing"
          outcome=error
    "##,
    );
    assert_eq!((call[0].kind, call[0].phase), (Kind::ShellExec, Phase::Call));
    assert_eq!(call[0].correlation, result[0].correlation);
    assert_eq!(call[0].session.as_str(), "cv1");
    assert_eq!(call[0].fields.cwd.as_deref(), Some("/proj"));
}

#[test]
fn cursor_files_prompts_mcp_and_stop() {
    let cases: &[(Value, Kind, Phase, &str)] = &[
        (
            json!({"hook_event_name": "beforeSubmitPrompt", "prompt": "fix the build"}),
            Kind::UserInput,
            Phase::Instant,
            "prompt: fix the build",
        ),
        (
            json!({"hook_event_name": "beforeReadFile", "file_path": "/proj/.env", "content": "A=1"}),
            Kind::FileRead,
            Phase::Instant,
            "Read .env",
        ),
        (
            json!({"hook_event_name": "afterFileEdit", "file_path": "/proj/src/x.ts", "edits": []}),
            Kind::FileWrite,
            Phase::Instant,
            "Edit src/x.ts",
        ),
        (
            json!({"hook_event_name": "beforeMCPExecution", "tool_name": "query", "tool_input": "{\"sql\":\"select 1\"}", "url": "http://db"}),
            Kind::McpToolCall,
            Phase::Call,
            r#"mcp http://db/query {"sql":"select 1"}"#,
        ),
        (
            json!({"hook_event_name": "afterMCPExecution", "tool_name": "query", "tool_input": "{\"sql\":\"select 1\"}", "result_json": "{}"}),
            Kind::McpToolResult,
            Phase::Result,
            r#"mcp /query {"sql":"select 1"}"#,
        ),
        (
            json!({"hook_event_name": "afterAgentResponse", "text": "Fixed."}),
            Kind::AssistantText,
            Phase::Instant,
            "assistant: Fixed.",
        ),
        (
            json!({"hook_event_name": "afterAgentThought", "text": "hmm"}),
            Kind::AgentThink,
            Phase::Instant,
            "thinking: hmm",
        ),
        (
            json!({"hook_event_name": "stop", "status": "aborted"}),
            Kind::Stop,
            Phase::Instant,
            "stop: aborted",
        ),
        (json!({"hook_event_name": "somethingNew"}), Kind::Other, Phase::Instant, "somethingNew"),
    ];
    for (p, kind, phase, summary) in cases {
        let events = normalize(Agent::Cursor, &payload(p.clone()));
        let got: Vec<(Kind, Phase, &str)> =
            events.iter().map(|e| (e.kind, e.phase, e.summary.as_str())).collect();
        assert_eq!(got, [(*kind, *phase, *summary)], "{p}");
    }
    let stop =
        normalize(Agent::Cursor, &payload(json!({"hook_event_name": "stop", "status": "aborted"})));
    assert_eq!(stop[0].fields.outcome, Some(Outcome::Interrupted));
}
