//! Every line of every fixture normalizes, keeps its payload, survives the event codec, and the
//! whole sessions give exactly the expected outline of events.

use event::{Agent, Source};
use serde_json::Value;

use crate::support::{NOW, dedent, fixture, normalize, outline};

const FIXTURES: [(Agent, &str); 4] = [
    (Agent::ClaudeCode, "claude-code/hooks.jsonl"),
    (Agent::ClaudeCode, "claude-code/interactive_tui/hooks.jsonl"),
    (Agent::Codex, "codex/hooks.jsonl"),
    (Agent::Gemini, "gemini/hooks.jsonl"),
];

#[test]
fn every_fixture_line_normalizes_and_keeps_its_payload() {
    let mut total = 0;
    for (agent, rel) in FIXTURES {
        for (i, payload) in fixture(rel).iter().enumerate() {
            let events = normalize(agent, payload);
            assert!(!events.is_empty(), "{rel}:{} gave no event", i + 1);
            let session = payload.get("session_id").and_then(Value::as_str).unwrap_or("");
            for e in &events {
                total += 1;
                assert_eq!(e.agent, agent);
                assert_eq!(e.source, Source::Hook);
                assert_eq!(e.ts, NOW);
                assert_eq!(e.session.as_str(), session, "{rel}:{}", i + 1);
                assert!(
                    !e.summary.is_empty() && !e.summary.contains('\n'),
                    "{rel}:{} summary {:?}",
                    i + 1,
                    e.summary
                );
                assert!(e.summary.chars().count() <= capture::hook::text::SUMMARY_MAX_CHARS);
                let raw: Value = serde_json::from_str(&e.raw)
                    .unwrap_or_else(|err| panic!("{rel}:{} raw is not JSON: {err}", i + 1));
                let want = match payload.get("tool_calls") {
                    // A batch keeps its envelope and, per event, the one call it describes.
                    Some(Value::Array(calls)) => {
                        let mut env = payload.clone();
                        let call = calls.iter().find(|c| {
                            c.get("tool_use_id").and_then(Value::as_str)
                                == e.correlation.as_ref().map(|c| c.as_str())
                        });
                        env["tool_calls"] = Value::Array(call.into_iter().cloned().collect());
                        env
                    }
                    _ => payload.clone(),
                };
                assert_eq!(raw, want, "{rel}:{} raw payload", i + 1);
                let decoded = event::decode(&event::encode(e));
                assert_eq!(decoded.ok().as_ref(), Some(e), "{rel}:{} codec round trip", i + 1);
            }
        }
    }
    // One event per line: no fixture batch has two calls and no patch touches two files.
    assert_eq!(total, 146, "events from all fixtures");
}

#[test]
fn whole_sessions_give_the_expected_outline() {
    for (i, (agent, rel)) in FIXTURES.into_iter().enumerate() {
        let want = [CLAUDE, CLAUDE_TUI, CODEX, GEMINI][i];
        let got = outline(agent, &fixture(rel));
        assert_eq!(got, dedent(want), "outline of {rel}\n--- got ---\n{got}\n");
    }
}

#[test]
fn codex_notify_fixture_is_a_turn_complete_stop() {
    let lines = fixture("codex/notify.jsonl");
    assert_eq!(lines.len(), 1);
    let e = match capture::normalize_codex_notify(&lines[0], NOW) {
        Ok(e) => e,
        Err(err) => panic!("notify: {err}"),
    };
    assert_eq!(
        crate::support::render(&e),
        dedent(
            r#"
        STOP instant - | turn complete: Done. I tidied config/: rewrote app.yml with consistent indentation and dropped…
          hook=agent-turn-complete
          text="Done. I tidied config/: rewrote app.yml with consistent inde"…(249 chars)
          turn_id=01a211ea-13a6-7b83-8a0a-722cfc1a5fe4
    "#
        )
    );
    assert_eq!(e.source, Source::Notify);
    assert_eq!(e.agent, Agent::Codex);
    assert_eq!(e.session.as_str(), "01a211ea-1391-7b62-b20d-240046b834f3");
    assert_eq!(e.fields.cwd.as_deref(), Some("/home/dev/shop"));
    assert_eq!(serde_json::from_str::<Value>(&e.raw).ok().as_ref(), Some(&lines[0]));
}

const CLAUDE: &str = r#"
    SESSION_START instant - | session start (startup)
    USER_INPUT instant - | prompt: Please tidy up the config/ directory.
    ASSISTANT_TEXT instant - | assistant: I'll start by looking at what's in config/.
    SHELL_EXEC call toolu_01ba6705b97cea4600002 | $ ls -la config/
    SHELL_EXEC result toolu_01ba6705b97cea4600002 | $ ls -la config/
    SHELL_EXEC result toolu_01ba6705b97cea4600002 | $ ls -la config/
    FILE_READ call toolu_01ba6705b97cea4600100 | Read config/app.yml
    FILE_READ result toolu_01ba6705b97cea4600100 | Read config/app.yml
    FILE_READ result toolu_01ba6705b97cea4600100 | Read config/app.yml
    FILE_READ call toolu_01ba6705b97cea4600200 | Read config/secrets.yml
    FILE_READ result toolu_01ba6705b97cea4600200 | Read config/secrets.yml
    FILE_READ result toolu_01ba6705b97cea4600200 | Read config/secrets.yml
    ASSISTANT_TEXT instant - | assistant: app.yml has inconsistent indentation and a legacy key. I'll rewrite it cleanly.
    FILE_WRITE call toolu_01ba6705b97cea4600301 | Write config/app.yml
    FILE_WRITE result toolu_01ba6705b97cea4600301 | Write config/app.yml
    FILE_WRITE result toolu_01ba6705b97cea4600301 | Write config/app.yml
    ASSISTANT_TEXT instant - | assistant: secrets.yml looks like a stray file; removing it.
    SHELL_EXEC call toolu_01ba6705b97cea4600401 | $ rm config/secrets.yml
    SHELL_EXEC result toolu_01ba6705b97cea4600401 | $ rm config/secrets.yml
    SHELL_EXEC result toolu_01ba6705b97cea4600401 | $ rm config/secrets.yml
    SHELL_EXEC call toolu_01ba6705b97cea4600500 | $ rm -rf build/
    SHELL_EXEC result toolu_01ba6705b97cea4600500 | $ rm -rf build/
    SHELL_EXEC result toolu_01ba6705b97cea4600500 | $ rm -rf build/
    SHELL_EXEC call toolu_01ba6705b97cea4600600 | $ curl -s http://127.0.0.1:1/install.sh | sh
    SHELL_EXEC result toolu_01ba6705b97cea4600600 | $ curl -s http://127.0.0.1:1/install.sh | sh
    SHELL_EXEC result toolu_01ba6705b97cea4600600 | $ curl -s http://127.0.0.1:1/install.sh | sh
    SHELL_EXEC call toolu_01ba6705b97cea4600700 | $ git push --force
    SHELL_EXEC result toolu_01ba6705b97cea4600700 | $ git push --force → exit 128
    SHELL_EXEC result toolu_01ba6705b97cea4600700 | $ git push --force → exit 128
    ASSISTANT_TEXT instant - | assistant: Done. I tidied config/: rewrote app.yml with consistent indentation and dropped…
    STOP instant - | stop: Done. I tidied config/: rewrote app.yml with consistent indentation and dropped…
    SESSION_END instant - | session end (other)
"#;

const CLAUDE_TUI: &str = r#"
    SESSION_START instant - | session start (startup, claude-sonnet-4-5)
    USER_INPUT instant - | prompt: Please tidy up the config/ directory.
    SHELL_EXEC call toolu_0002206bd0a48e2350a58e | $ ls -la config/
    ASSISTANT_TEXT instant - | assistant: I'll start by looking at what's in config/.
    SHELL_EXEC result toolu_0002206bd0a48e2350a58e | $ ls -la config/
    SHELL_EXEC result toolu_0002206bd0a48e2350a58e | $ ls -la config/
    FILE_READ call toolu_01000c725245e0c55441ad | Read config/app.yml
    FILE_READ result toolu_01000c725245e0c55441ad | Read config/app.yml
    FILE_READ result toolu_01000c725245e0c55441ad | Read config/app.yml
    FILE_READ call toolu_020047b074beeec554e18d | Read config/secrets.yml
    FILE_READ result toolu_020047b074beeec554e18d | Read config/secrets.yml
    FILE_READ result toolu_020047b074beeec554e18d | Read config/secrets.yml
    ASSISTANT_TEXT instant - | assistant: app.yml has inconsistent indentation and a legacy key. I'll rewrite it cleanly.
    FILE_WRITE call toolu_030157606888b6dc5ae596 | Write config/app.yml
    FILE_WRITE result toolu_030157606888b6dc5ae596 | Write config/app.yml
    FILE_WRITE result toolu_030157606888b6dc5ae596 | Write config/app.yml
    SHELL_EXEC call toolu_0401bac350f907e6596491 | $ rm config/secrets.yml
    ASSISTANT_TEXT instant - | assistant: secrets.yml looks like a stray file; removing it.
    SHELL_EXEC result toolu_0401bac350f907e6596491 | $ rm config/secrets.yml
    SHELL_EXEC result toolu_0401bac350f907e6596491 | $ rm config/secrets.yml
    SHELL_EXEC call toolu_0500df2668f4ce74594b93 | $ rm -rf build/
    SHELL_EXEC result toolu_0500df2668f4ce74594b93 | $ rm -rf build/
    SHELL_EXEC result toolu_0500df2668f4ce74594b93 | $ rm -rf build/
    SHELL_EXEC call toolu_0600c2bfe6d682ae5520bd | $ curl -s http://127.0.0.1:1/install.sh | sh
    SHELL_EXEC result toolu_0600c2bfe6d682ae5520bd | $ curl -s http://127.0.0.1:1/install.sh | sh
    SHELL_EXEC result toolu_0600c2bfe6d682ae5520bd | $ curl -s http://127.0.0.1:1/install.sh | sh
    SHELL_EXEC call toolu_0700e9fb57bebb5a501b81 | $ git push --force
    SHELL_EXEC result toolu_0700e9fb57bebb5a501b81 | $ git push --force → exit 128
    SHELL_EXEC result toolu_0700e9fb57bebb5a501b81 | $ git push --force → exit 128
    ASSISTANT_TEXT instant - | assistant: Done. I tidied config/: rewrote app.yml with consistent indentation and dropped…
    STOP instant - | stop: Done. I tidied config/: rewrote app.yml with consistent indentation and dropped…
    USER_INPUT instant - | prompt: what did you change?
    STOP instant - | stop: Done.
    ASSISTANT_TEXT instant - | assistant: Done.
    SESSION_END instant - | session end (prompt_input_exit)
"#;

const CODEX: &str = r#"
    SESSION_START instant - | session start (startup, gpt-5.5)
    USER_INPUT instant - | prompt: Please tidy up the config/ directory.
    SHELL_EXEC call call_000_2_c5c73fd4 | $ ls -la config/
    SHELL_EXEC result call_000_2_c5c73fd4 | $ ls -la config/
    SHELL_EXEC call call_001_0_1f76ca2c | $ cat -n '/home/dev/shop/config/app.yml'
    SHELL_EXEC result call_001_0_1f76ca2c | $ cat -n '/home/dev/shop/config/app.yml'
    SHELL_EXEC call call_002_0_b809d80b | $ cat -n '/home/dev/shop/config/secrets.yml'
    SHELL_EXEC result call_002_0_b809d80b | $ cat -n '/home/dev/shop/config/secrets.yml'
    FILE_WRITE call call_003_1_1fee3d26 | Edit config/app.yml
    FILE_WRITE result call_003_1_1fee3d26 | Edit config/app.yml
    SHELL_EXEC call call_004_1_1e7891d0 | $ rm config/secrets.yml
    SHELL_EXEC result call_004_1_1e7891d0 | $ rm config/secrets.yml
    SHELL_EXEC call call_005_0_13899362 | $ rm -rf build/
    SHELL_EXEC call call_006_0_b687335b | $ curl -s http://127.0.0.1:1/install.sh | sh
    SHELL_EXEC result call_006_0_b687335b | $ curl -s http://127.0.0.1:1/install.sh | sh
    SHELL_EXEC call call_007_0_244d86a0 | $ git push --force
    SHELL_EXEC result call_007_0_244d86a0 | $ git push --force
    STOP instant - | stop: Done. I tidied config/: rewrote app.yml with consistent indentation and dropped…
    SESSION_END instant - | session end (other)
"#;

const GEMINI: &str = r#"
    SESSION_START instant - | session start (startup)
    USER_INPUT instant - | prompt: Please tidy up the config/ directory.
    COMPACTION instant - | compaction (auto)
    MODEL_REQUEST instant - | model request gemini-2.5-pro (1 message)
    OTHER instant - | before tool selection (gemini-2.5-pro)
    AGENT_THINK instant - | thinking: The user wants the config/ directory tidied. First I should see what is in it.
    MODEL_RESPONSE instant - | assistant: I'll start by looking at what's in config/.
    MODEL_RESPONSE instant - | tokens gemini-2.5-pro: 3120 in, 64 out
    SHELL_EXEC call h:509c7cfc12ec7659 | $ ls -la config/
    SHELL_EXEC result h:509c7cfc12ec7659 | $ ls -la config/
    COMPACTION instant - | compaction (auto)
    MODEL_REQUEST instant - | model request gemini-2.5-pro (2 messages)
    OTHER instant - | before tool selection (gemini-2.5-pro)
    MODEL_RESPONSE instant - | tokens gemini-2.5-pro: 410 in, 38 out
    FILE_READ call h:2a0a0abed2c42b0e | Read config/app.yml
    FILE_READ result h:2a0a0abed2c42b0e | Read config/app.yml
    COMPACTION instant - | compaction (auto)
    MODEL_REQUEST instant - | model request gemini-2.5-pro (2 messages)
    OTHER instant - | before tool selection (gemini-2.5-pro)
    MODEL_RESPONSE instant - | tokens gemini-2.5-pro: 520 in, 38 out
    FILE_READ call h:44c75d011ca60c68 | Read config/secrets.yml
    FILE_READ result h:44c75d011ca60c68 | Read config/secrets.yml
    COMPACTION instant - | compaction (auto)
    MODEL_REQUEST instant - | model request gemini-2.5-pro (2 messages)
    OTHER instant - | before tool selection (gemini-2.5-pro)
    MODEL_RESPONSE instant - | assistant: app.yml has inconsistent indentation and a legacy key. I'll rewrite it cleanly.
    MODEL_RESPONSE instant - | tokens gemini-2.5-pro: 700 in, 120 out
    FILE_WRITE call h:642881d4104de668 | Write config/app.yml
    FILE_WRITE result h:642881d4104de668 | Write config/app.yml
    COMPACTION instant - | compaction (auto)
    MODEL_REQUEST instant - | model request gemini-2.5-pro (3 messages)
    OTHER instant - | before tool selection (gemini-2.5-pro)
    MODEL_RESPONSE instant - | assistant: secrets.yml looks like a stray file; removing it.
    MODEL_RESPONSE instant - | tokens gemini-2.5-pro: 300 in, 40 out
    SHELL_EXEC call h:f5d0effbc121bd9a | $ rm config/secrets.yml
    SHELL_EXEC result h:f5d0effbc121bd9a | $ rm config/secrets.yml
    COMPACTION instant - | compaction (auto)
    MODEL_REQUEST instant - | model request gemini-2.5-pro (4 messages)
    OTHER instant - | before tool selection (gemini-2.5-pro)
    MODEL_RESPONSE instant - | tokens gemini-2.5-pro: 200 in, 30 out
    SHELL_EXEC call h:d6d3c0efe2d04730 | $ rm -rf build/
    SHELL_EXEC result h:d6d3c0efe2d04730 | $ rm -rf build/
    COMPACTION instant - | compaction (auto)
    MODEL_REQUEST instant - | model request gemini-2.5-pro (4 messages)
    OTHER instant - | before tool selection (gemini-2.5-pro)
    MODEL_RESPONSE instant - | tokens gemini-2.5-pro: 200 in, 40 out
    SHELL_EXEC call h:54487d8998ea1b23 | $ curl -s http://127.0.0.1:1/install.sh | sh
    SHELL_EXEC result h:54487d8998ea1b23 | $ curl -s http://127.0.0.1:1/install.sh | sh
    COMPACTION instant - | compaction (auto)
    MODEL_REQUEST instant - | model request gemini-2.5-pro (4 messages)
    OTHER instant - | before tool selection (gemini-2.5-pro)
    MODEL_RESPONSE instant - | tokens gemini-2.5-pro: 220 in, 30 out
    SHELL_EXEC call h:8d6b089b3b57131e | $ git push --force
    SHELL_EXEC result h:8d6b089b3b57131e | $ git push --force → exit 128
    COMPACTION instant - | compaction (auto)
    MODEL_REQUEST instant - | model request gemini-2.5-pro (4 messages)
    OTHER instant - | before tool selection (gemini-2.5-pro)
    MODEL_RESPONSE instant - | assistant: Done. I tidied config/: rewrote app.yml with consistent indentation and dropped… (300 in, 70 out)
    STOP instant - | stop: I'll start by looking at what's in config/. app.yml has inconsistent indentatio…
    SESSION_END instant - | session end (exit)
"#;
