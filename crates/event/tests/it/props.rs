//! Properties of the codec: decoding arbitrary bytes never panics, every event round-trips, and
//! any truncation of a record is an error, never a different event.

use event::{
    Agent, CorrelationId, Event, Fields, Kind, McpTarget, Outcome, Phase, SessionId, Source,
    Timestamp, Tokens,
};
use proptest::prelude::*;

fn opt_str() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(".{0,12}")
}

fn tokens() -> impl Strategy<Value = Tokens> {
    (any::<u64>(), any::<u64>(), any::<u64>(), any::<u64>(), any::<u64>()).prop_map(
        |(input, output, cache_read, cache_write, reasoning)| Tokens {
            input,
            output,
            cache_read,
            cache_write,
            reasoning,
        },
    )
}

fn fields() -> impl Strategy<Value = Fields> {
    let a = (
        opt_str(),
        opt_str(),
        opt_str(),
        opt_str(),
        proptest::collection::vec(".{0,8}", 0..3),
        any::<Option<i32>>(),
        any::<Option<u64>>(),
        opt_str(),
    );
    let b = (
        opt_str(),
        opt_str(),
        proptest::option::of(tokens()),
        opt_str(),
        opt_str(),
        opt_str(),
        opt_str(),
        proptest::option::of(proptest::sample::select(Outcome::ALL)),
    );
    let c =
        (opt_str(), opt_str(), opt_str(), opt_str(), opt_str(), opt_str(), opt_str(), opt_str());
    let d =
        (opt_str(), proptest::option::of((".{0,6}", ".{0,6}")), opt_str(), any::<Option<u16>>());
    (a, b, c, d).prop_map(|(a, b, c, d)| Fields {
        hook_event: a.0,
        tool_name: a.1,
        command: a.2,
        cwd: a.3,
        paths: a.4,
        exit_code: a.5,
        duration_ms: a.6,
        url: a.7,
        query: b.0,
        model: b.1,
        tokens: b.2,
        text: b.3,
        output: b.4,
        stderr: b.5,
        error: b.6,
        outcome: b.7,
        permission_mode: c.0,
        transcript_path: c.1,
        message_id: c.2,
        request_id: c.3,
        turn_id: c.4,
        prompt_id: c.5,
        parent_id: c.6,
        subagent_id: c.7,
        subagent_type: d.0,
        mcp: d.1.map(|(server, tool)| McpTarget { server, tool }),
        reason: d.2,
        http_status: d.3,
    })
}

fn events() -> impl Strategy<Value = Event> {
    (
        any::<i64>(),
        ".{0,12}",
        proptest::sample::select(Agent::ALL),
        proptest::sample::select(Source::ALL),
        proptest::sample::select(Kind::ALL),
        proptest::sample::select(Phase::ALL),
        opt_str(),
        fields(),
        ".{0,20}",
        ".{0,40}",
    )
        .prop_map(|(ts, session, agent, source, kind, phase, corr, fields, summary, raw)| {
            Event {
                ts: Timestamp(ts),
                session: SessionId(session),
                agent,
                source,
                kind,
                phase,
                correlation: corr.map(CorrelationId),
                fields,
                summary,
                raw,
            }
        })
}

/// Whatever decodes encodes to bytes that decode to the same event (what `fuzz/event_decode`
/// checks too).
fn reencodes_if_it_decodes(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(ev) = event::decode(bytes) {
        prop_assert_eq!(event::decode(&event::encode(&ev)).ok(), Some(ev));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn decode_of_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        reencodes_if_it_decodes(&bytes)?;
    }

    #[test]
    fn decode_of_version_1_garbage_never_panics(body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let mut bytes = vec![1];
        bytes.extend(body);
        reencodes_if_it_decodes(&bytes)?;
    }

    #[test]
    fn every_event_round_trips(ev in events()) {
        let bytes = event::encode(&ev);
        prop_assert_eq!(event::decode(&bytes).ok(), Some(ev));
    }

    #[test]
    fn a_cut_record_is_an_error(ev in events(), cut in any::<prop::sample::Index>()) {
        let bytes = event::encode(&ev);
        let at = cut.index(bytes.len());
        prop_assert!(event::decode(&bytes[..at]).is_err());
    }

    #[test]
    fn a_flipped_byte_never_panics(ev in events(), at in any::<prop::sample::Index>(), xor in 1u8..) {
        let mut bytes = event::encode(&ev);
        let i = at.index(bytes.len());
        bytes[i] ^= xor;
        reencodes_if_it_decodes(&bytes)?;
    }
}
