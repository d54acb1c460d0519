//! The stable string names of `Kind`, `Agent`, `Source`, `Phase` and `Outcome`.

use event::{Agent, Kind, Outcome, Phase, Source};

#[test]
fn tracelog_kinds_keep_their_names_and_order() {
    let tracelog: Vec<&str> =
        Kind::ALL.iter().filter(|k| k.is_tracelog()).map(|k| k.as_str()).collect();
    assert_eq!(
        tracelog,
        [
            "SESSION_START",
            "SESSION_END",
            "FILE_READ",
            "FILE_WRITE",
            "FILE_DELETE",
            "FILE_CHMOD",
            "FILE_CHOWN",
            "FILE_RENAME",
            "FILE_READDIR",
            "SHELL_EXEC",
            "SHELL_STDOUT",
            "SHELL_STDERR",
            "HTTP_REQUEST",
            "HTTP_RESPONSE",
            "MCP_TOOL_CALL",
            "MCP_TOOL_RESULT",
            "AGENT_THINK",
            "AGENT_ACT",
            "USER_INPUT",
        ]
    );
    let extra: Vec<&str> =
        Kind::ALL.iter().filter(|k| !k.is_tracelog()).map(|k| k.as_str()).collect();
    assert_eq!(
        extra,
        [
            "ASSISTANT_TEXT",
            "TOKEN_USAGE",
            "SUBAGENT_START",
            "SUBAGENT_STOP",
            "COMPACTION",
            "NOTIFICATION",
            "PERMISSION_REQUEST",
            "STOP",
            "MODEL_REQUEST",
            "MODEL_RESPONSE",
            "TOOL_CALL",
            "OTHER",
        ]
    );
}

#[test]
fn every_name_parses_back() {
    for k in Kind::ALL {
        assert_eq!(k.as_str().parse::<Kind>().ok(), Some(*k));
        assert_eq!(k.to_string(), k.as_str());
        assert_eq!(k.result_kind().call_kind(), k.call_kind());
    }
    for a in Agent::ALL {
        assert_eq!(a.as_str().parse::<Agent>().ok(), Some(*a));
    }
    for s in Source::ALL {
        assert_eq!(s.as_str().parse::<Source>().ok(), Some(*s));
    }
    for p in Phase::ALL {
        assert_eq!(p.as_str().parse::<Phase>().ok(), Some(*p));
    }
    for o in Outcome::ALL {
        assert_eq!(o.as_str().parse::<Outcome>().ok(), Some(*o));
    }
}

#[test]
fn agent_names_are_the_cli_names() {
    let names: Vec<&str> = Agent::ALL.iter().map(|a| a.as_str()).collect();
    assert_eq!(names, ["claude-code", "codex", "gemini", "cursor", "generic"]);
    let sources: Vec<&str> = Source::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(sources, ["hook", "transcript", "daemon", "ptrace", "mcp-proxy", "demo", "notify"]);
}

#[test]
fn unknown_names_are_errors_with_context() {
    let err = "FILE_READS".parse::<Kind>().err().map(|e| e.to_string());
    assert_eq!(err.as_deref(), Some("unknown kind name \"FILE_READS\""));
    assert!("Claude".parse::<Agent>().is_err());
    assert!("".parse::<Phase>().is_err());
}

#[test]
fn result_kinds_pair_mcp_and_http() {
    assert_eq!(Kind::McpToolCall.result_kind(), Kind::McpToolResult);
    assert_eq!(Kind::HttpRequest.result_kind(), Kind::HttpResponse);
    assert_eq!(Kind::ShellExec.result_kind(), Kind::ShellExec);
    assert_eq!(Kind::McpToolResult.call_kind(), Kind::McpToolCall);
    assert_eq!(Kind::HttpResponse.call_kind(), Kind::HttpRequest);
}

#[test]
fn calls_and_results_pair_on_id_kind_and_first_path() {
    use event::{CorrelationId, Event, SessionId, Timestamp};
    let ev = |kind, phase, id: Option<&str>, path: Option<&str>| {
        let mut e =
            Event::new(Timestamp(0), SessionId::from("s"), Agent::Codex, Source::Hook, kind, phase);
        e.correlation = id.map(CorrelationId::from);
        e.fields.paths = path.map(str::to_owned).into_iter().collect();
        e
    };
    let call = ev(Kind::McpToolCall, Phase::Call, Some("c"), None);
    let result = ev(Kind::McpToolResult, Phase::Result, Some("c"), None);
    assert_eq!(call.pair_key(), Some(("c", Kind::McpToolCall, None)));
    assert_eq!(call.pair_key(), result.pair_key());
    let a = ev(Kind::FileWrite, Phase::Call, Some("p"), Some("a"));
    let b = ev(Kind::FileDelete, Phase::Call, Some("p"), Some("b"));
    assert_ne!(a.pair_key(), b.pair_key());
    assert_eq!(ev(Kind::Stop, Phase::Instant, Some("c"), None).pair_key(), None);
    assert_eq!(ev(Kind::ShellExec, Phase::Call, None, None).pair_key(), None);
}
