//! Golden bytes of format version 1: `tests/golden/v1.bin` must decode to exactly these events,
//! and encoding these events must give exactly those bytes. Either failing means the layout
//! changed: follow "Adding version 2" in the `codec` module docs instead of re-blessing.
//!
//! The file is a sequence of frames `[u32 little-endian length][record]`. To create it again
//! (only when adding a new golden file, never to paper over a layout change), run the tests with
//! `TL_BLESS=1`.

use event::{
    Agent, CorrelationId, Event, Fields, Kind, McpTarget, Outcome, Phase, SessionId, Source,
    Timestamp, Tokens,
};

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/v1.bin");

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

/// Representative events: a shell call, its failed result, a model response with tokens, an MCP
/// result with every field set, and a bare event with every option empty.
fn expected() -> Vec<Event> {
    let session = SessionId::from("0cfde7cd-23f6-45f2-9cd7-3fae11d5363e");
    let mut call = Event::new(
        Timestamp(1_764_060_882_000_000_000),
        session.clone(),
        Agent::ClaudeCode,
        Source::Hook,
        Kind::ShellExec,
        Phase::Call,
    );
    call.correlation = Some(CorrelationId::from("toolu_01ba6705b97cea4600401"));
    call.fields = Fields {
        hook_event: s("PreToolUse"),
        tool_name: s("Bash"),
        command: s("rm config/secrets.yml"),
        cwd: s("/home/dev/shop"),
        permission_mode: s("bypassPermissions"),
        text: s("Remove secrets file"),
        ..Fields::default()
    };
    call.summary = "$ rm config/secrets.yml".to_owned();
    call.raw = r#"{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"rm config/secrets.yml"}}"#.to_owned();

    let mut failed = Event::new(
        Timestamp(1_764_060_883_500_000_000),
        session,
        Agent::ClaudeCode,
        Source::Hook,
        Kind::ShellExec,
        Phase::Result,
    );
    failed.correlation = Some(CorrelationId::from("toolu_01ba6705b97cea4600700"));
    failed.fields = Fields {
        hook_event: s("PostToolUseFailure"),
        tool_name: s("Bash"),
        command: s("git push --force"),
        exit_code: Some(128),
        duration_ms: Some(9),
        error: s("Exit code 128\nfatal: No configured push destination."),
        outcome: Some(Outcome::Error),
        ..Fields::default()
    };
    failed.summary = "$ git push --force → exit 128".to_owned();
    failed.raw = "{}".to_owned();

    let mut model = Event::new(
        Timestamp(1_764_060_969_114_000_000),
        SessionId::from("9c571702-9c71-4523-ae3c-72fc8b60bd75"),
        Agent::Gemini,
        Source::Hook,
        Kind::ModelResponse,
        Phase::Instant,
    );
    model.fields = Fields {
        hook_event: s("AfterModel"),
        model: s("gemini-2.5-pro"),
        tokens: Some(Tokens {
            input: 3120,
            output: 64,
            cache_read: 0,
            cache_write: 0,
            reasoning: 0,
        }),
        ..Fields::default()
    };
    model.summary = "model gemini-2.5-pro: 3120 in, 64 out".to_owned();

    let mut full = Event::new(
        Timestamp(-1),
        SessionId::from("ß-séssion"),
        Agent::Cursor,
        Source::McpProxy,
        Kind::McpToolResult,
        Phase::Result,
    );
    full.correlation = Some(CorrelationId::from("h:00ff"));
    full.fields = Fields {
        hook_event: s("PostToolUse"),
        tool_name: s("mcp__github__create_issue"),
        command: s("echo"),
        cwd: s("/"),
        paths: vec!["a".to_owned(), "b/ç".to_owned()],
        exit_code: Some(-1),
        duration_ms: Some(u64::MAX),
        url: s("https://example.invalid/x"),
        query: s("q"),
        model: s("m"),
        tokens: Some(Tokens { input: 1, output: 2, cache_read: 3, cache_write: 4, reasoning: 5 }),
        text: s("t"),
        output: s("o"),
        stderr: s("e"),
        error: s("err"),
        outcome: Some(Outcome::Interrupted),
        permission_mode: s("default"),
        transcript_path: s("/t.jsonl"),
        message_id: s("msg"),
        request_id: s("req"),
        turn_id: s("turn"),
        prompt_id: s("prompt"),
        parent_id: s("parent"),
        subagent_id: s("sub"),
        subagent_type: s("general-purpose"),
        mcp: Some(McpTarget { server: "github".to_owned(), tool: "create_issue".to_owned() }),
        reason: s("why"),
        http_status: Some(404),
    };
    full.summary = "mcp github/create_issue".to_owned();
    full.raw = "[]".to_owned();

    let bare = Event::new(
        Timestamp(0),
        SessionId::default(),
        Agent::Generic,
        Source::Notify,
        Kind::Other,
        Phase::Instant,
    );

    vec![call, failed, model, full, bare]
}

fn frames(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while let Some((len, tail)) = rest.split_first_chunk::<4>() {
        let len = u32::from_le_bytes(*len) as usize;
        assert!(tail.len() >= len, "truncated golden frame");
        let (frame, tail) = tail.split_at(len);
        out.push(frame);
        rest = tail;
    }
    assert!(rest.is_empty(), "stray bytes at the end of the golden file");
    out
}

#[test]
fn golden_v1_decodes_to_the_expected_events_and_encodes_back_byte_for_byte() {
    let events = expected();
    if std::env::var_os("TL_BLESS").is_some() {
        let mut out = Vec::new();
        for ev in &events {
            let rec = event::encode(ev);
            out.extend_from_slice(&u32::try_from(rec.len()).expect("small record").to_le_bytes());
            out.extend_from_slice(&rec);
        }
        std::fs::write(PATH, out).expect("write golden file");
    }
    let bytes = std::fs::read(PATH).expect("tests/golden/v1.bin is checked in");
    let frames = frames(&bytes);
    assert_eq!(frames.len(), events.len());
    for (i, (frame, ev)) in frames.iter().zip(&events).enumerate() {
        assert_eq!(frame.first(), Some(&1), "frame {i} version byte");
        match event::decode(frame) {
            Ok(decoded) => assert_eq!(&decoded, ev, "frame {i} decodes to the expected event"),
            Err(e) => panic!("frame {i} does not decode: {e}"),
        }
        assert_eq!(event::encode(ev).as_slice(), *frame, "frame {i} encodes to the golden bytes");
    }
}

#[test]
fn golden_bare_event_has_the_documented_layout() {
    // The last golden event spelled out byte by byte, so that the layout rules in the codec docs
    // are checked, not only remembered: version, ts (zigzag varint 0), session "" (len 0), agent
    // Generic (4), source Notify (6), kind OTHER (30), phase Instant (2), correlation None, then
    // the 28 fields of `Fields` (27 empty options, and `paths` as an empty vector, each one zero
    // byte), summary "" and raw "".
    let mut want = vec![1, 0, 0, 4, 6, 30, 2, 0];
    want.extend([0; 28]);
    want.extend([0, 0]);
    let bare = expected().pop().expect("five events");
    assert_eq!(event::encode(&bare), want);
}
