//! Transcript parsing (`capture::transcript`): the real transcripts in `tests/fixtures` line by
//! line, their tool calls against the hook payloads of the same runs, token usage deduplication,
//! synthetic records of every kind, and garbage.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use capture::transcript::{LineResult, Stats, TranscriptParser, detect_agent};
use event::{Agent, Event, Kind, Phase, Source, Timestamp, Tokens};
use proptest::prelude::*;
use serde_json::Value;

use crate::support::{NOW, dedent, fixture, normalize, render};

const CLAUDE: &str = "claude-code/0cfde7cd-23f6-45f2-9cd7-3fae11d5363e.jsonl";
const CLAUDE_TUI: &str = "claude-code/interactive_tui/83fdf16e-26db-4a94-818f-06e58c3351fa.jsonl";
const CODEX: &str = "codex/rollout-2026-11-25T08-54-42-01a211ea-1391-7b62-b20d-240046b834f3.jsonl";
const GEMINI: &str = "gemini/session-2026-11-25T08-56-9c571702.jsonl";

/// Every transcript fixture, its agent and its hook payloads.
const FIXTURES: [(Agent, &str, &str); 4] = [
    (Agent::ClaudeCode, CLAUDE, "claude-code/hooks.jsonl"),
    (Agent::ClaudeCode, CLAUDE_TUI, "claude-code/interactive_tui/hooks.jsonl"),
    (Agent::Codex, CODEX, "codex/hooks.jsonl"),
    (Agent::Gemini, GEMINI, "gemini/hooks.jsonl"),
];

fn fixture_path(rel: &str) -> String {
    format!("{}/tests/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn fixture_text(rel: &str) -> String {
    let path = fixture_path(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

/// Every event of a transcript fixture, read through `parse_reader`, with the parser's stats.
fn parse_fixture(agent: Agent, rel: &str) -> (Vec<Event>, Stats) {
    let path = fixture_path(rel);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("open {path}: {e}"));
    let mut parser = TranscriptParser::new(agent, &path).with_fallback_time(NOW);
    let mut events = Vec::new();
    let read = parser
        .parse_reader(std::io::BufReader::new(file), |e| events.push(e))
        .unwrap_or_else(|e| panic!("read {path}: {e}"));
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    assert_eq!(read, size, "{rel}: bytes read");
    (events, parser.stats().clone())
}

/// `KIND phase correlation | summary`, one line per event, with ids derived from content masked.
fn outline(events: &[Event]) -> String {
    let lines: Vec<String> = events
        .iter()
        .map(|e| {
            let corr = e.correlation.as_ref().map_or("-", |c| c.as_str());
            format!("{} {} {corr} | {}", e.kind, e.phase, e.summary)
        })
        .collect();
    mask_content_ids(&lines.join("\n"))
}

/// `s` with every id the hook normalizer derives from a call's content (`h:` and 16 hex digits)
/// shown as `h:*`: their value depends on how `serde_json` orders keys, which is not this test's
/// business; `transcript_tool_events_pair_with_hook_events` checks they equal the hooks' ids.
fn mask_content_ids(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find("h:") {
        let (head, tail) = rest.split_at(at);
        out.push_str(head);
        let hex = tail.get(2..18).filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
        if hex.is_some() {
            out.push_str("h:*");
            rest = tail.get(18..).unwrap_or("");
        } else {
            out.push_str("h:");
            rest = tail.get(2..).unwrap_or("");
        }
    }
    out.push_str(rest);
    out
}

/// Parses `lines` as one transcript of `agent` at `path` and compares what each line gave with
/// `expect`: the rendered events (as in the hook tests), or `skipped`, `blank`, `invalid: …`,
/// `unknown: <event>`; separated by blank lines.
#[track_caller]
fn check(agent: Agent, path: &str, lines: &[&str], expect: &str) {
    let mut parser = TranscriptParser::new(agent, path).with_fallback_time(NOW);
    let mut got = Vec::new();
    for line in lines {
        match parser.parse_line(line.as_bytes()) {
            LineResult::Events(events) => got.extend(events.iter().map(render)),
            LineResult::Unknown(e) => got.push(format!("unknown: {}", render(&e))),
            LineResult::Skipped => got.push("skipped".to_owned()),
            LineResult::Invalid(reason) => got.push(format!("invalid: {reason}")),
            LineResult::Blank => got.push("blank".to_owned()),
        }
    }
    let got = mask_content_ids(&got.join("\n\n"));
    let want = dedent(expect);
    assert_eq!(got, want, "\n--- got ---\n{got}\n--- want ---\n{want}\n");
}

// ---------------------------------------------------------------------------------------------
// The real transcripts

#[test]
fn every_fixture_line_parses() {
    let cases: [(&str, Stats); 4] = [
        (CLAUDE, stats(74, 34, 49, 4)),
        (CLAUDE_TUI, stats(95, 49, 56, 4)),
        (CODEX, stats(61, 26, 35, 9)),
        (GEMINI, stats(46, 26, 33, 8)),
    ];
    for ((agent, rel, _), (rel2, want)) in FIXTURES.iter().zip(cases) {
        assert_eq!(*rel, rel2);
        let (events, got) = parse_fixture(*agent, rel);
        assert_eq!(got, want, "{rel}");
        assert_eq!(got.lines as usize, fixture_text(rel).lines().count(), "{rel}: every line");
        for e in &events {
            assert_eq!(e.source, Source::Transcript, "{rel}: {}", e.summary);
            assert_eq!(e.agent, *agent, "{rel}");
            assert!(!e.raw.is_empty(), "{rel}: {} has no raw payload", e.summary);
            assert!(serde_json::from_str::<Value>(&e.raw).is_ok(), "{rel}: raw is the record");
            assert_ne!(e.ts, NOW, "{rel}: {} has no time of its own", e.summary);
            assert_eq!(e.fields.cwd.as_deref(), cwd_of(rel, e), "{rel}: {}", e.summary);
            let path = fixture_path(rel);
            assert_eq!(e.fields.transcript_path.as_deref(), Some(path.as_str()));
        }
        let sessions: BTreeSet<&str> = events.iter().map(|e| e.session.as_str()).collect();
        let want = match *agent {
            Agent::ClaudeCode => Path::new(rel).file_stem().and_then(|s| s.to_str()).unwrap_or(""),
            Agent::Codex => "01a211ea-1391-7b62-b20d-240046b834f3",
            _ => "9c571702-9c71-4523-ae3c-72fc8b60bd75",
        };
        assert_eq!(sessions, BTreeSet::from([want]), "{rel}");
        // Agents stamp records as they are made, not as they are written: the file's order is
        // not quite the time order, so the events keep the records' own times.
        let times = record_times(rel);
        for e in &events {
            assert!(times.contains(&e.ts), "{rel}: {} at {:?}", e.summary, e.ts);
        }
    }
}

/// Every time a fixture writes (`"2026-11-25T08:54:40.936Z"`), read the way the parser reads a
/// record's `timestamp`.
fn record_times(rel: &str) -> BTreeSet<Timestamp> {
    let text = fixture_text(rel);
    let mut parser = TranscriptParser::new(Agent::ClaudeCode, "");
    text.split('"')
        .filter(|part| part.len() == 24 && part.starts_with("2026-") && part.ends_with('Z'))
        .flat_map(|t| {
            let line = format!(r#"{{"type":"summary","summary":"","timestamp":"{t}"}}"#);
            parser.parse_line(line.as_bytes()).into_events()
        })
        .map(|e| e.ts)
        .collect()
}

fn stats(lines: u64, skipped: u64, events: u64, usage_duplicates: u64) -> Stats {
    Stats { lines, skipped, events, usage_duplicates, ..Stats::default() }
}

/// The working directory an event of a fixture must have: the project's, except for Gemini's
/// session start, which comes before the message that names the directory.
fn cwd_of(rel: &str, e: &Event) -> Option<&'static str> {
    if rel == GEMINI && e.kind == Kind::SessionStart { None } else { Some("/home/dev/shop") }
}

#[test]
fn parser_reports_the_session_context() {
    let cases = [
        (CLAUDE, "0cfde7cd-23f6-45f2-9cd7-3fae11d5363e", Some("claude-sonnet-4-5"), Some("master")),
        (CODEX, "01a211ea-1391-7b62-b20d-240046b834f3", Some("gpt-5.5"), Some("master")),
        (GEMINI, "9c571702-9c71-4523-ae3c-72fc8b60bd75", Some("gemini-2.5-pro"), None),
    ];
    for (rel, session, model, branch) in cases {
        let agent = FIXTURES.iter().find(|f| f.1 == rel).map_or(Agent::Generic, |f| f.0);
        let mut parser = TranscriptParser::new(agent, &fixture_path(rel));
        for line in fixture_text(rel).lines() {
            parser.parse_line(line.as_bytes());
        }
        assert_eq!(parser.agent(), agent);
        assert_eq!(parser.session().as_str(), session, "{rel}");
        assert_eq!(parser.cwd(), Some("/home/dev/shop"), "{rel}");
        assert_eq!(parser.model(), model, "{rel}");
        assert_eq!(parser.git_branch(), branch, "{rel}");
    }
}

#[test]
fn claude_code_outline() {
    let (events, _) = parse_fixture(Agent::ClaudeCode, CLAUDE);
    let want = "
        USER_INPUT instant - | prompt: Please tidy up the config/ directory.
        OTHER instant - | attachment environment
        OTHER instant - | attachment model
        OTHER instant - | attachment deferred_tools_delta
        OTHER instant - | attachment agent_listing_delta
        OTHER instant - | attachment skill_listing
        OTHER instant - | attachment total_tokens_reminder
        OTHER instant - | attachment session_context
        OTHER instant - | attachment date
        AGENT_THINK instant - | thinking: The user wants the config/ directory tidied. First I should see what is in it.
        TOKEN_USAGE instant - | tokens claude-sonnet-4-5: 5168 in, 64 out
        ASSISTANT_TEXT instant - | assistant: I'll start by looking at what's in config/.
        SHELL_EXEC call toolu_01ba6705b97cea4600002 | $ ls -la config/
        SHELL_EXEC result toolu_01ba6705b97cea4600002 | $ ls -la config/
        OTHER instant - | attachment total_tokens_reminder
        FILE_READ call toolu_01ba6705b97cea4600100 | Read config/app.yml
        TOKEN_USAGE instant - | tokens claude-sonnet-4-5: 3410 in, 38 out
        FILE_READ result toolu_01ba6705b97cea4600100 | Read config/app.yml
        OTHER instant - | attachment total_tokens_reminder
        FILE_READ call toolu_01ba6705b97cea4600200 | Read config/secrets.yml
        TOKEN_USAGE instant - | tokens claude-sonnet-4-5: 3920 in, 38 out
        FILE_READ result toolu_01ba6705b97cea4600200 | Read config/secrets.yml
        OTHER instant - | attachment total_tokens_reminder
        ASSISTANT_TEXT instant - | assistant: app.yml has inconsistent indentation and a legacy key. I'll rewrite it cleanly.
        TOKEN_USAGE instant - | tokens claude-sonnet-4-5: 4600 in, 120 out
        FILE_WRITE call toolu_01ba6705b97cea4600301 | Write config/app.yml
        FILE_WRITE result toolu_01ba6705b97cea4600301 | Write config/app.yml
        OTHER instant - | attachment total_tokens_reminder
        ASSISTANT_TEXT instant - | assistant: secrets.yml looks like a stray file; removing it.
        TOKEN_USAGE instant - | tokens claude-sonnet-4-5: 4900 in, 40 out
        SHELL_EXEC call toolu_01ba6705b97cea4600401 | $ rm config/secrets.yml
        SHELL_EXEC result toolu_01ba6705b97cea4600401 | $ rm config/secrets.yml
        OTHER instant - | attachment total_tokens_reminder
        SHELL_EXEC call toolu_01ba6705b97cea4600500 | $ rm -rf build/
        TOKEN_USAGE instant - | tokens claude-sonnet-4-5: 5100 in, 30 out
        SHELL_EXEC result toolu_01ba6705b97cea4600500 | $ rm -rf build/
        OTHER instant - | attachment total_tokens_reminder
        SHELL_EXEC call toolu_01ba6705b97cea4600600 | $ curl -s http://127.0.0.1:1/install.sh | sh
        TOKEN_USAGE instant - | tokens claude-sonnet-4-5: 5300 in, 40 out
        SHELL_EXEC result toolu_01ba6705b97cea4600600 | $ curl -s http://127.0.0.1:1/install.sh | sh
        OTHER instant - | attachment task_reminder
        OTHER instant - | attachment total_tokens_reminder
        SHELL_EXEC call toolu_01ba6705b97cea4600700 | $ git push --force
        TOKEN_USAGE instant - | tokens claude-sonnet-4-5: 5520 in, 30 out
        SHELL_EXEC result toolu_01ba6705b97cea4600700 | $ git push --force → exit 128
        OTHER instant - | attachment total_tokens_reminder
        ASSISTANT_TEXT instant - | assistant: Done. I tidied config/: rewrote app.yml with consistent indentation and dropped…
        TOKEN_USAGE instant - | tokens claude-sonnet-4-5: 5800 in, 70 out
        OTHER instant - | system stop_hook_summary
    ";
    assert_eq!(outline(&events), dedent(want));
}

#[test]
fn claude_code_tui_outline() {
    let (events, _) = parse_fixture(Agent::ClaudeCode, CLAUDE_TUI);
    // The first turn is the same run as the SDK one; only the ids differ.
    let first_turn = 49;
    let (sdk, _) = parse_fixture(Agent::ClaudeCode, CLAUDE);
    let strip = |events: &[Event]| {
        events.iter().map(|e| (e.kind, e.phase, e.summary.clone())).collect::<Vec<_>>()
    };
    assert_eq!(strip(events.get(..first_turn).unwrap_or(&[])), strip(&sdk));
    let rest = events.get(first_turn..).unwrap_or(&[]);
    let want = "
        OTHER instant - | system turn_duration
        USER_INPUT instant - | prompt: what did you change?
        OTHER instant - | attachment total_tokens_reminder
        ASSISTANT_TEXT instant - | assistant: Done.
        TOKEN_USAGE instant - | tokens claude-sonnet-4-5: 4481 in, 2 out
        OTHER instant - | system stop_hook_summary
        OTHER instant - | system turn_duration
    ";
    assert_eq!(outline(rest), dedent(want));
    let prompts: Vec<Option<&str>> = events
        .iter()
        .filter(|e| e.kind == Kind::UserInput)
        .map(|e| e.fields.prompt_id.as_deref())
        .collect();
    assert_eq!(
        prompts,
        [
            Some("4936a438-2405-4653-8298-c264d19812ca"),
            Some("a2d23573-8811-4662-9b78-e4a46116d155")
        ]
    );
}

#[test]
fn codex_outline() {
    let (events, _) = parse_fixture(Agent::Codex, CODEX);
    let want = "
        SESSION_START instant - | session start (codex_exec 0.169.0)
        OTHER instant - | developer context: <skills_instructions> ## Skills A skill is a set of local instructions to follo…
        OTHER instant - | user context: <environment_context> <cwd>/home/dev/shop</cwd> <shell>bash</shell> <current_da…
        USER_INPUT instant - | prompt: Please tidy up the config/ directory.
        AGENT_THINK instant - | thinking: The user wants the config/ directory tidied. First I should see what is in it.
        ASSISTANT_TEXT instant - | assistant: I'll start by looking at what's in config/.
        SHELL_EXEC call call_000_2_c5c73fd4 | $ ls -la config/
        TOKEN_USAGE instant - | tokens gpt-5.5: 3120 in, 64 out
        SHELL_EXEC result call_000_2_c5c73fd4 | $ ls -la config/
        SHELL_EXEC call call_001_0_1f76ca2c | $ cat -n '/home/dev/shop/config/app.yml'
        TOKEN_USAGE instant - | tokens gpt-5.5: 3410 in, 38 out
        SHELL_EXEC result call_001_0_1f76ca2c | $ cat -n '/home/dev/shop/config/app.yml'
        SHELL_EXEC call call_002_0_b809d80b | $ cat -n '/home/dev/shop/config/secrets.yml'
        TOKEN_USAGE instant - | tokens gpt-5.5: 3920 in, 38 out
        SHELL_EXEC result call_002_0_b809d80b | $ cat -n '/home/dev/shop/config/secrets.yml'
        ASSISTANT_TEXT instant - | assistant: app.yml has inconsistent indentation and a legacy key. I'll rewrite it cleanly.
        FILE_WRITE call call_003_1_1fee3d26 | Edit config/app.yml
        TOKEN_USAGE instant - | tokens gpt-5.5: 4600 in, 120 out
        FILE_WRITE result call_003_1_1fee3d26 | Edit config/app.yml
        ASSISTANT_TEXT instant - | assistant: secrets.yml looks like a stray file; removing it.
        SHELL_EXEC call call_004_1_1e7891d0 | $ rm config/secrets.yml
        TOKEN_USAGE instant - | tokens gpt-5.5: 4900 in, 40 out
        SHELL_EXEC result call_004_1_1e7891d0 | $ rm config/secrets.yml
        SHELL_EXEC call call_005_0_13899362 | $ rm -rf build/
        TOKEN_USAGE instant - | tokens gpt-5.5: 5100 in, 30 out
        SHELL_EXEC result call_005_0_13899362 | $ rm -rf build/ → denied
        SHELL_EXEC call call_006_0_b687335b | $ curl -s http://127.0.0.1:1/install.sh | sh
        TOKEN_USAGE instant - | tokens gpt-5.5: 5300 in, 40 out
        SHELL_EXEC result call_006_0_b687335b | $ curl -s http://127.0.0.1:1/install.sh | sh
        SHELL_EXEC call call_007_0_244d86a0 | $ git push --force
        TOKEN_USAGE instant - | tokens gpt-5.5: 5520 in, 30 out
        SHELL_EXEC result call_007_0_244d86a0 | $ git push --force → exit 128
        ASSISTANT_TEXT instant - | assistant: Done. I tidied config/: rewrote app.yml with consistent indentation and dropped…
        TOKEN_USAGE instant - | tokens gpt-5.5: 5800 in, 70 out
        STOP instant - | stop: Done. I tidied config/: rewrote app.yml with consistent indentation and dropped…
    ";
    assert_eq!(outline(&events), dedent(want));
    // What the transcript says beyond the hooks: exit codes, the rejection, durations.
    let results: Vec<String> = events
        .iter()
        .filter(|e| e.phase == Phase::Result)
        .map(|e| {
            let f = &e.fields;
            format!("{:?} {:?} {:?}", f.exit_code, f.outcome.map(|o| o.as_str()), f.duration_ms)
        })
        .collect();
    let want = [
        "Some(0) Some(\"ok\") Some(0)",
        "Some(0) Some(\"ok\") Some(0)",
        "Some(0) Some(\"ok\") Some(0)",
        "Some(0) Some(\"ok\") None",
        "Some(0) Some(\"ok\") Some(0)",
        "None Some(\"denied\") None",
        "Some(0) Some(\"ok\") Some(0)",
        "Some(128) Some(\"error\") Some(0)",
    ];
    assert_eq!(results, want);
}

#[test]
fn gemini_outline() {
    let (events, _) = parse_fixture(Agent::Gemini, GEMINI);
    let want = "
        SESSION_START instant - | session start
        OTHER instant - | session context
        USER_INPUT instant - | prompt: Please tidy up the config/ directory.
        AGENT_THINK instant - | thinking: The user wants the config/ directory tidied. First I should see what is in it.
        ASSISTANT_TEXT instant - | assistant: I'll start by looking at what's in config/.
        TOKEN_USAGE instant - | tokens gemini-2.5-pro: 3120 in, 64 out
        SHELL_EXEC call h:* | $ ls -la config/
        SHELL_EXEC result h:* | $ ls -la config/
        TOKEN_USAGE instant - | tokens gemini-2.5-pro: 3410 in, 38 out
        FILE_READ call h:* | Read config/app.yml
        FILE_READ result h:* | Read config/app.yml
        TOKEN_USAGE instant - | tokens gemini-2.5-pro: 3920 in, 38 out
        FILE_READ call h:* | Read config/secrets.yml
        FILE_READ result h:* | Read config/secrets.yml
        ASSISTANT_TEXT instant - | assistant: app.yml has inconsistent indentation and a legacy key. I'll rewrite it cleanly.
        TOKEN_USAGE instant - | tokens gemini-2.5-pro: 4600 in, 120 out
        FILE_WRITE call h:* | Write config/app.yml
        FILE_WRITE result h:* | Write config/app.yml
        ASSISTANT_TEXT instant - | assistant: secrets.yml looks like a stray file; removing it.
        TOKEN_USAGE instant - | tokens gemini-2.5-pro: 4900 in, 40 out
        SHELL_EXEC call h:* | $ rm config/secrets.yml
        SHELL_EXEC result h:* | $ rm config/secrets.yml
        TOKEN_USAGE instant - | tokens gemini-2.5-pro: 5100 in, 30 out
        SHELL_EXEC call h:* | $ rm -rf build/
        SHELL_EXEC result h:* | $ rm -rf build/
        TOKEN_USAGE instant - | tokens gemini-2.5-pro: 5300 in, 40 out
        SHELL_EXEC call h:* | $ curl -s http://127.0.0.1:1/install.sh | sh
        SHELL_EXEC result h:* | $ curl -s http://127.0.0.1:1/install.sh | sh
        TOKEN_USAGE instant - | tokens gemini-2.5-pro: 5520 in, 30 out
        SHELL_EXEC call h:* | $ git push --force
        SHELL_EXEC result h:* | $ git push --force → exit 128
        ASSISTANT_TEXT instant - | assistant: Done. I tidied config/: rewrote app.yml with consistent indentation and dropped…
        TOKEN_USAGE instant - | tokens gemini-2.5-pro: 5800 in, 70 out
    ";
    assert_eq!(outline(&events), dedent(want));
}

// ---------------------------------------------------------------------------------------------
// Transcript and hooks of the same run line up

/// What a tool event says about its call, hook or transcript alike.
fn call_view(e: &Event) -> String {
    let f = &e.fields;
    format!(
        "{} {:?} | {} | tool={:?} command={:?} cwd={:?} paths={:?} url={:?} query={:?} text={:?} mcp={:?} subagent_type={:?}",
        e.kind,
        e.correlation,
        e.summary,
        f.tool_name,
        f.command,
        f.cwd,
        f.paths,
        f.url,
        f.query,
        f.text,
        f.mcp,
        f.subagent_type
    )
}

/// What a result event says about how the call ended.
fn result_view(e: &Event) -> String {
    let f = &e.fields;
    format!(
        "{} | output={:?} stderr={:?} exit={:?} error={:?} outcome={:?}",
        call_view(e),
        f.output,
        f.stderr,
        f.exit_code,
        f.error,
        f.outcome
    )
}

/// `e` without the outcome its summary ends with (` → exit 128`).
fn sans_outcome(e: &Event) -> Event {
    let mut e = e.clone();
    if let Some((head, tail)) = e.summary.rsplit_once(" → ")
        && (tail.starts_with("exit ") || ["error", "denied", "interrupted"].contains(&tail))
    {
        e.summary = head.to_owned();
    }
    e
}

type PairKey = (String, Kind, Option<String>);

fn pair_key(e: &Event) -> Option<PairKey> {
    e.pair_key().map(|(id, kind, path)| (id.to_owned(), kind, path.map(str::to_owned)))
}

/// The tool events of `events` by pair key: calls, and results (the first of each key).
fn by_key(events: &[Event], phase: Phase) -> BTreeMap<PairKey, &Event> {
    let mut map = BTreeMap::new();
    for e in events.iter().filter(|e| e.phase == phase) {
        if let Some(key) = pair_key(e) {
            map.entry(key).or_insert(e);
        }
    }
    map
}

#[test]
fn transcript_tool_events_pair_with_hook_events() {
    for (agent, rel, hooks) in FIXTURES {
        let (transcript, _) = parse_fixture(agent, rel);
        let hook: Vec<Event> = fixture(hooks).iter().flat_map(|p| normalize(agent, p)).collect();

        // Every tool call of the run is in both, under the same pair key, saying the same.
        let t_calls = by_key(&transcript, Phase::Call);
        let h_calls = by_key(&hook, Phase::Call);
        assert_eq!(t_calls.len(), 8, "{rel}: tool calls in the transcript");
        assert_eq!(
            t_calls.keys().collect::<Vec<_>>(),
            h_calls.keys().collect::<Vec<_>>(),
            "{rel}: call pair keys"
        );
        for (key, t) in &t_calls {
            let h = h_calls.get(key).map(|h| call_view(h)).unwrap_or_default();
            assert_eq!(call_view(t), h, "{rel}: call {key:?}");
        }

        // Every result a hook saw, the transcript has, under the same key. The hook's post-tool
        // result (not `PostToolBatch`'s, which shows what the model read) says the same, except
        // for Codex, whose hooks carry no exit code; the transcript says more there.
        let t_results = by_key(&transcript, Phase::Result);
        assert_eq!(t_results.len(), 8, "{rel}: tool results in the transcript");
        let post = |e: &&Event| {
            matches!(
                e.fields.hook_event.as_deref(),
                Some("PostToolUse" | "PostToolUseFailure" | "AfterTool")
            )
        };
        let h_post: Vec<Event> = hook.iter().filter(post).cloned().collect();
        let h_results = by_key(&h_post, Phase::Result);
        assert!(!h_results.is_empty(), "{rel}");
        for (key, h) in &h_results {
            let Some(t) = t_results.get(key) else {
                panic!("{rel}: hook result {key:?} not in the transcript");
            };
            if agent == Agent::Codex {
                assert_eq!(call_view(&sans_outcome(t)), call_view(h), "{rel}: result {key:?}");
            } else {
                assert_eq!(result_view(t), result_view(h), "{rel}: result {key:?}");
            }
        }
        // Each call's result pairs with it.
        for key in t_calls.keys() {
            assert!(t_results.contains_key(key), "{rel}: no result for {key:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Token usage

/// The (message id, request id) of usage events.
type UsageKeys = BTreeSet<(Option<String>, Option<String>)>;

/// The number of `TOKEN_USAGE` events, their summed tokens and their keys.
fn usage(events: &[Event]) -> (usize, Tokens, UsageKeys) {
    let mut sum = Tokens::default();
    let mut keys = BTreeSet::new();
    let mut n = 0;
    for e in events.iter().filter(|e| e.kind == Kind::TokenUsage) {
        n += 1;
        let t = e.fields.tokens.unwrap_or_default();
        sum.input += t.input;
        sum.output += t.output;
        sum.cache_read += t.cache_read;
        sum.cache_write += t.cache_write;
        sum.reasoning += t.reasoning;
        keys.insert((e.fields.message_id.clone(), e.fields.request_id.clone()));
        assert!(e.fields.model.is_some(), "{}", e.summary);
    }
    (n, sum, keys)
}

/// The totals the agent itself wrote at the end of the file: Claude's `cost-state` `modelUsage`,
/// Codex's last `thread_token_usage`.
fn agent_totals(rel: &str) -> Tokens {
    let text = fixture_text(rel);
    let last = |ty: &str| {
        text.lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .rfind(|v| v.get("type").and_then(Value::as_str) == Some(ty))
            .unwrap_or_else(|| panic!("{rel}: no {ty}"))
    };
    let n = |v: &Value, k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
    if rel.starts_with("codex") {
        let record = last("token_usage_record");
        let t = &record["payload"]["thread_token_usage"];
        Tokens {
            input: n(t, "input_tokens"),
            output: n(t, "output_tokens"),
            cache_read: n(t, "cached_input_tokens"),
            cache_write: n(t, "cache_write_input_tokens"),
            reasoning: n(t, "reasoning_output_tokens"),
        }
    } else {
        let cost = last("cost-state");
        let u = &cost["modelUsage"]["claude-sonnet-4-5"];
        Tokens {
            input: n(u, "inputTokens"),
            output: n(u, "outputTokens"),
            cache_read: n(u, "cacheReadInputTokens"),
            cache_write: n(u, "cacheCreationInputTokens"),
            reasoning: n(u, "thinkingTokens"),
        }
    }
}

#[test]
fn token_usage_once_per_response() {
    let run =
        Tokens { input: 5970, output: 470, cache_read: 35700, cache_write: 2048, reasoning: 0 };
    let cases = [
        (Agent::ClaudeCode, CLAUDE, 9, run),
        (Agent::ClaudeCode, CLAUDE_TUI, 10, Tokens { input: 10451, output: 472, ..run }),
        (Agent::Codex, CODEX, 9, Tokens { cache_write: 0, ..run }),
        (Agent::Gemini, GEMINI, 9, Tokens { cache_write: 0, ..run }),
    ];
    for (agent, rel, count, want) in cases {
        let (events, _) = parse_fixture(agent, rel);
        let (n, sum, keys) = usage(&events);
        assert_eq!((n, sum), (count, want), "{rel}");
        assert_eq!(keys.len(), n, "{rel}: one (message id, request id) per event");
        if agent != Agent::Gemini {
            assert_eq!(sum, agent_totals(rel), "{rel}: the agent's own totals");
        }
    }
    // Claude Code: the message and request ids, as written.
    let (events, _) = parse_fixture(Agent::ClaudeCode, CLAUDE);
    let (_, _, keys) = usage(&events);
    assert_eq!(
        keys.first(),
        Some(&(Some("msg_fake_0001_989d74d68850".to_owned()), Some("req_fake_1".to_owned())))
    );
}

#[test]
fn claude_usage_repeated_across_lines_counts_once() {
    let line = |block: &str, msg: &str, req: &str| {
        format!(
            r#"{{"type":"assistant","sessionId":"s","timestamp":"2026-11-25T08:54:41.000Z","requestId":"{req}","message":{{"id":"{msg}","model":"claude-opus-4-5","content":[{block}],"usage":{{"input_tokens":10,"output_tokens":5,"cache_read_input_tokens":100,"cache_creation_input_tokens":1,"output_tokens_details":{{"thinking_tokens":2}}}}}}}}"#
        )
    };
    let text = r#"{"type":"text","text":"hi"}"#;
    let think = r#"{"type":"thinking","thinking":"hmm"}"#;
    let lines = [
        line(think, "msg_1", "req_1"),
        line(text, "msg_1", "req_1"),
        line(text, "msg_1", "req_1"),
        line(text, "msg_1", "req_2"),
        line(text, "msg_2", "req_2"),
    ];
    let mut parser = TranscriptParser::new(Agent::ClaudeCode, "s.jsonl");
    let events: Vec<Event> =
        lines.iter().flat_map(|l| parser.parse_line(l.as_bytes()).into_events()).collect();
    let (n, sum, keys) = usage(&events);
    assert_eq!(n, 3);
    assert_eq!(
        sum,
        Tokens { input: 30, output: 15, cache_read: 300, cache_write: 3, reasoning: 6 }
    );
    let want: BTreeSet<_> = [("msg_1", "req_1"), ("msg_1", "req_2"), ("msg_2", "req_2")]
        .into_iter()
        .map(|(m, r)| (Some(m.to_owned()), Some(r.to_owned())))
        .collect();
    assert_eq!(keys, want);
    assert_eq!(parser.stats().usage_duplicates, 2);
    // Every block is still there.
    let kinds: Vec<Kind> =
        events.iter().filter(|e| e.kind != Kind::TokenUsage).map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            Kind::AgentThink,
            Kind::AssistantText,
            Kind::AssistantText,
            Kind::AssistantText,
            Kind::AssistantText
        ]
    );
}

#[test]
fn codex_token_counts_without_usage_records() {
    let count = |last: u64, total: u64| {
        format!(
            r#"{{"timestamp":"2026-01-02T03:04:05.000Z","type":"event_msg","payload":{{"type":"token_count","info":{{"total_token_usage":{{"input_tokens":{total},"total_tokens":{total}}},"last_token_usage":{{"input_tokens":{last},"cached_input_tokens":4,"output_tokens":1,"reasoning_output_tokens":1,"total_tokens":{last}}}}}}}}}"#
        )
    };
    let rate_limits_only = r#"{"timestamp":"2026-01-02T03:04:05.000Z","type":"event_msg","payload":{"type":"token_count","info":null,"rate_limits":{}}}"#;
    let context = r#"{"timestamp":"2026-01-02T03:04:05.000Z","type":"turn_context","payload":{"model":"gpt-5.1-codex"}}"#;
    let lines = [
        context.to_owned(),
        count(10, 10),
        count(10, 10),
        rate_limits_only.to_owned(),
        count(20, 30),
    ];
    let mut parser = TranscriptParser::new(Agent::Codex, "rollout.jsonl");
    let results: Vec<LineResult> = lines.iter().map(|l| parser.parse_line(l.as_bytes())).collect();
    let events: Vec<Event> = results.iter().cloned().flat_map(LineResult::into_events).collect();
    let (n, sum, keys) = usage(&events);
    assert_eq!(n, 2);
    assert_eq!(sum, Tokens { input: 22, output: 2, cache_read: 8, cache_write: 0, reasoning: 2 });
    let ids: Vec<Option<String>> = keys.into_iter().map(|(m, _)| m).collect();
    assert_eq!(ids, [Some("token_count:10".to_owned()), Some("token_count:30".to_owned())]);
    assert_eq!(results.get(2), Some(&LineResult::Skipped));
    assert_eq!(parser.stats().usage_duplicates, 1);
}

// ---------------------------------------------------------------------------------------------
// Records of every kind, synthetic

#[test]
fn claude_records() {
    let s = r#""sessionId":"sess-1","cwd":"/w","gitBranch":"main","timestamp":"2026-11-25T08:00:00.000Z""#;
    let lines = [
        // A prompt with its id, then a meta message and an interruption.
        format!(
            r#"{{"type":"user",{s},"promptId":"p-1","permissionMode":"default","message":{{"role":"user","content":[{{"type":"text","text":"fix the tests"}},{{"type":"image","source":{{}}}}]}}}}"#
        ),
        format!(
            r#"{{"type":"user",{s},"isMeta":true,"message":{{"role":"user","content":"Caveat: local commands below"}}}}"#
        ),
        // A Task call, denied Bash call, and their results; the Task's result names the subagent.
        format!(
            r#"{{"type":"assistant",{s},"requestId":"r-1","message":{{"id":"m-1","model":"claude-opus-4-5","content":[{{"type":"tool_use","id":"t-1","name":"Task","input":{{"description":"find flaky tests","subagent_type":"Explore","prompt":"look"}}}},{{"type":"tool_use","id":"t-2","name":"Bash","input":{{"command":"rm -rf /"}}}},{{"type":"redacted_thinking","data":"x"}}]}}}}"#
        ),
        format!(
            r#"{{"type":"user",{s},"message":{{"role":"user","content":[{{"type":"tool_result","tool_use_id":"t-2","is_error":true,"content":"The user doesn't want to proceed with this tool use."}}]}}}}"#
        ),
        format!(
            r#"{{"type":"user",{s},"message":{{"role":"user","content":[{{"type":"tool_result","tool_use_id":"t-1","content":[{{"type":"text","text":"found 2"}}]}}]}},"toolUseResult":{{"status":"completed","agentId":"a-7","content":[{{"type":"text","text":"found 2"}}],"totalDurationMs":1234}}}}"#
        ),
        // The subagent's own records, in the session's file (older versions).
        format!(
            r#"{{"type":"assistant",{s},"isSidechain":true,"agentId":"a-7","requestId":"r-2","message":{{"id":"m-2","model":"claude-haiku-4-5","content":[{{"type":"tool_use","id":"t-3","name":"Grep","input":{{"pattern":"flaky","path":"/w/tests"}}}}]}}}}"#
        ),
        format!(
            r#"{{"type":"user",{s},"isSidechain":true,"agentId":"a-7","message":{{"role":"user","content":[{{"type":"tool_result","tool_use_id":"t-3","content":"tests/a.rs"}}]}},"toolUseResult":{{"mode":"files_with_matches","filenames":["tests/a.rs","tests/b.rs"]}}}}"#
        ),
        // Back in the main thread: an interruption, a compaction, and what follows it.
        format!(
            r#"{{"type":"user",{s},"isSidechain":false,"message":{{"role":"user","content":[{{"type":"text","text":"[Request interrupted by user]"}}]}}}}"#
        ),
        format!(
            r#"{{"type":"system",{s},"subtype":"compact_boundary","content":"Conversation compacted","compactMetadata":{{"trigger":"manual","preTokens":123}}}}"#
        ),
        format!(
            r#"{{"type":"user",{s},"isCompactSummary":true,"message":{{"role":"user","content":"This session is being continued. Summary: tests fixed."}}}}"#
        ),
        format!(
            r#"{{"type":"system",{s},"subtype":"api_error","level":"error","content":"overloaded"}}"#
        ),
        r#"{"type":"summary","summary":"Fix flaky tests","leafUuid":"u-1"}"#.to_owned(),
        r#"{"type":"permission-mode","permissionMode":"plan","sessionId":"sess-1"}"#.to_owned(),
        r#"{"type":"file-history-snapshot","messageId":"x","snapshot":{}}"#.to_owned(),
        // Usage of Claude Code's own synthetic messages is not a model's.
        format!(
            r#"{{"type":"assistant",{s},"message":{{"id":"m-3","model":"<synthetic>","content":[{{"type":"text","text":"No response requested."}}],"usage":{{"input_tokens":0,"output_tokens":0}}}}}}"#
        ),
        format!(r#"{{"type":"brand-new-record",{s},"what":"ever"}}"#),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    check(
        Agent::ClaudeCode,
        "/home/dev/.claude/projects/-w/sess-1.jsonl",
        &lines,
        r#"
        USER_INPUT instant - | prompt: fix the tests
          hook=user
          text="fix the tests"

        OTHER instant - | meta: Caveat: local commands below
          hook=user
          text="Caveat: local commands below"

        AGENT_ACT call t-1 | Agent (Explore): find flaky tests
          hook=assistant
          tool=Task
          model=claude-opus-4-5
          text="find flaky tests"
          subagent_type=Explore

        SHELL_EXEC call t-2 | $ rm -rf /
          hook=assistant
          tool=Bash
          command="rm -rf /"
          model=claude-opus-4-5

        AGENT_THINK instant - | thinking (redacted)
          hook=assistant
          model=claude-opus-4-5
          message_id=m-1

        SHELL_EXEC result t-2 | $ rm -rf / → denied
          hook=user
          tool=Bash
          command="rm -rf /"
          model=claude-opus-4-5
          error="The user doesn't want to proceed with this tool use."
          outcome=denied

        AGENT_ACT result t-1 | Agent (Explore): find flaky tests
          hook=user
          tool=Task
          duration_ms=1234
          model=claude-opus-4-5
          text="find flaky tests"
          output="found 2"
          outcome=ok
          subagent=a-7
          subagent_type=Explore

        FILE_READ call t-3 | Grep "flaky" in tests
          hook=assistant
          tool=Grep
          paths=["/w/tests"]
          query="flaky"
          model=claude-haiku-4-5
          parent_id=sess-1
          subagent=a-7

        FILE_READ result t-3 | Grep "flaky" in tests
          hook=user
          tool=Grep
          paths=["/w/tests"]
          query="flaky"
          model=claude-haiku-4-5
          output="tests/a.rs\ntests/b.rs"
          outcome=ok
          parent_id=sess-1
          subagent=a-7

        STOP instant - | interrupted
          hook=user
          model=claude-opus-4-5
          text="[Request interrupted by user]"
          outcome=interrupted

        COMPACTION instant - | compaction (manual)
          hook=system:compact_boundary
          model=claude-opus-4-5
          reason=manual

        COMPACTION instant - | compaction summary: This session is being continued. Summary: tests fixed.
          hook=user
          model=claude-opus-4-5
          text="This session is being continued. Summary: tests fixed."
          reason=manual

        OTHER instant - | system api_error: overloaded
          hook=system:api_error
          model=claude-opus-4-5
          text="overloaded"
          error="overloaded"

        OTHER instant - | summary: Fix flaky tests
          hook=summary
          model=claude-opus-4-5
          text="Fix flaky tests"

        skipped

        skipped

        ASSISTANT_TEXT instant - | assistant: No response requested.
          hook=assistant
          model=claude-opus-4-5
          text="No response requested."
          message_id=m-3

        unknown: OTHER instant - | unknown record brand-new-record
          hook=brand-new-record
          model=claude-opus-4-5
        "#,
    );
}

#[test]
fn claude_subagent_files_are_linked_to_their_session() {
    let line = r#"{"type":"assistant","sessionId":"sess-1","isSidechain":true,"cwd":"/w","timestamp":"2026-11-25T08:00:00Z","message":{"id":"m","model":"claude-haiku-4-5","content":[{"type":"text","text":"on it"}]}}"#;
    let mut parser =
        TranscriptParser::new(Agent::ClaudeCode, "/p/sess-1/subagents/agent-a-9.jsonl");
    assert_eq!(parser.session().as_str(), "sess-1", "from the path, before any record");
    let events = parser.parse_line(line.as_bytes()).into_events();
    let links: Vec<(Option<&str>, Option<&str>)> = events
        .iter()
        .map(|e| (e.fields.subagent_id.as_deref(), e.fields.parent_id.as_deref()))
        .collect();
    assert_eq!(links, [(Some("a-9"), Some("sess-1"))]);
}

#[test]
fn codex_records() {
    let lines = [
        // The first rollouts had no envelope.
        r#"{"id":"0a0b","timestamp":"2025-05-01T10:00:00.000Z","instructions":null,"git":{"branch":"dev"}}"#,
        r#"{"type":"message","role":"user","content":[{"type":"input_text","text":"<environment_context>\n<cwd>/r</cwd>\n</environment_context>"}]}"#,
        r#"{"type":"message","role":"user","content":[{"type":"input_text","text":"list files"}]}"#,
        r#"{"type":"function_call","name":"shell","arguments":"{\"command\":[\"bash\",\"-lc\",\"ls\"],\"workdir\":\"/r\"}","call_id":"c1"}"#,
        r#"{"type":"function_call_output","call_id":"c1","output":"{\"output\":\"a\\nb\\n\",\"metadata\":{\"exit_code\":1,\"duration_seconds\":0.2}}"}"#,
        r#"{"record_type":"state"}"#,
        // The envelope, a subagent's session, an MCP call, a web search, an abort and a compaction.
        r#"{"timestamp":"2026-01-02T03:04:05.000Z","type":"session_meta","payload":{"id":"child-1","cwd":"/r","source":{"subagent":{"thread_spawn":{"parent_thread_id":"parent-1","depth":1}}},"agent_role":"explorer"}}"#,
        r#"{"timestamp":"2026-01-02T03:04:06.000Z","type":"turn_context","payload":{"turn_id":"t1","cwd":"/r","model":"gpt-5.5"}}"#,
        r#"{"timestamp":"2026-01-02T03:04:07.000Z","type":"response_item","payload":{"type":"function_call","name":"mcp__github__get_issue","arguments":"{\"number\":7}","call_id":"c2"}}"#,
        r#"{"timestamp":"2026-01-02T03:04:08.000Z","type":"response_item","payload":{"type":"function_call_output","call_id":"c2","output":{"content":"issue 7","success":true}}}"#,
        r#"{"timestamp":"2026-01-02T03:04:09.000Z","type":"response_item","payload":{"type":"web_search_call","status":"completed","action":{"type":"search","query":"rust mmap"}}}"#,
        r#"{"timestamp":"2026-01-02T03:04:10.000Z","type":"response_item","payload":{"type":"reasoning","summary":[],"content":null,"encrypted_content":"gAAA"}}"#,
        r#"{"timestamp":"2026-01-02T03:04:11.000Z","type":"event_msg","payload":{"type":"turn_aborted","reason":"interrupted"}}"#,
        r#"{"timestamp":"2026-01-02T03:04:12.000Z","type":"compacted","payload":{"message":"We listed files.","replacement_history":[]}}"#,
        r#"{"timestamp":"2026-01-02T03:04:13.000Z","type":"event_msg","payload":{"type":"error","message":"stream disconnected"}}"#,
        r#"{"timestamp":"2026-01-02T03:04:14.000Z","type":"event_msg","payload":{"type":"agent_message","message":"mirrored"}}"#,
        r#"{"timestamp":"2026-01-02T03:04:15.000Z","type":"event_msg","payload":{"type":"brand_new_event"}}"#,
        r#"{"timestamp":"2026-01-02T03:04:16.000Z","type":"brand_new_record","payload":{}}"#,
    ];
    check(
        Agent::Codex,
        "rollout-2025-05-01T10-00-00-00000000-0000-0000-0000-000000000000.jsonl",
        &lines,
        r#"
        SESSION_START instant - | session start
          hook=session_meta

        OTHER instant - | user context: <environment_context> <cwd>/r</cwd> </environment_context>
          hook=response_item:message

        USER_INPUT instant - | prompt: list files
          hook=response_item:message
          text="list files"

        SHELL_EXEC call c1 | $ ls
          hook=response_item:function_call
          tool=Bash
          command="ls"

        SHELL_EXEC result c1 | $ ls → exit 1
          hook=response_item:function_call_output
          tool=Bash
          command="ls"
          exit=1
          output="a\nb\n"
          outcome=error

        skipped

        SESSION_START instant - | session start
          hook=session_meta
          parent_id=parent-1
          subagent=child-1
          subagent_type=explorer

        skipped

        MCP_TOOL_CALL call c2 | mcp github/get_issue {"number":7}
          hook=response_item:function_call
          tool=mcp__github__get_issue
          model=gpt-5.5
          turn_id=t1
          parent_id=parent-1
          subagent=child-1
          subagent_type=explorer
          mcp=github/get_issue

        MCP_TOOL_RESULT result c2 | mcp github/get_issue {"number":7}
          hook=response_item:function_call_output
          tool=mcp__github__get_issue
          model=gpt-5.5
          output="issue 7"
          turn_id=t1
          parent_id=parent-1
          subagent=child-1
          subagent_type=explorer
          mcp=github/get_issue

        HTTP_REQUEST call - | Web search "rust mmap"
          hook=response_item:web_search_call
          tool=web_search
          query="rust mmap"
          model=gpt-5.5
          turn_id=t1
          parent_id=parent-1
          subagent=child-1
          subagent_type=explorer

        skipped

        STOP instant - | interrupted: interrupted
          hook=event_msg:turn_aborted
          model=gpt-5.5
          outcome=interrupted
          turn_id=t1
          parent_id=parent-1
          subagent=child-1
          subagent_type=explorer
          reason=interrupted

        COMPACTION instant - | compaction summary: We listed files.
          hook=compacted
          model=gpt-5.5
          text="We listed files."
          turn_id=t1
          parent_id=parent-1
          subagent=child-1
          subagent_type=explorer

        OTHER instant - | error: stream disconnected
          hook=event_msg:error
          model=gpt-5.5
          error="stream disconnected"
          turn_id=t1
          parent_id=parent-1
          subagent=child-1
          subagent_type=explorer

        skipped

        unknown: OTHER instant - | unknown record event_msg:brand_new_event
          hook=event_msg:brand_new_event
          model=gpt-5.5
          turn_id=t1
          parent_id=parent-1
          subagent=child-1
          subagent_type=explorer

        unknown: OTHER instant - | unknown record brand_new_record
          hook=brand_new_record
          model=gpt-5.5
          turn_id=t1
          parent_id=parent-1
          subagent=child-1
          subagent_type=explorer
        "#,
    );
}

#[test]
fn gemini_records() {
    let m = |rest: &str| {
        format!(
            r#"{{"id":"g1","timestamp":"2026-11-25T08:56:09.000Z","type":"gemini","model":"gemini-2.5-flash",{rest}}}"#
        )
    };
    let lines = [
        r#"{"sessionId":"s-1","projectHash":"abc","startTime":"2026-11-25T08:56:08.000Z","lastUpdated":"2026-11-25T08:56:08.000Z","kind":"main"}"#.to_owned(),
        r#"{"$set":{"messages":[{"id":"u0","timestamp":"2026-11-25T08:56:08.100Z","type":"user","content":[{"text":"<session_context>\n- **Workspace Directories:**\n  - /w\n</session_context>"}]}]}}"#.to_owned(),
        // A message as it grows: thoughts and text, then a call in flight, then its results.
        m(r#""content":"Checking.","thoughts":[{"subject":"Plan","description":"look first","timestamp":"2026-11-25T08:56:08.900Z"}]"#),
        m(r#""content":"Checking.","toolCalls":[{"id":"x1","name":"read_file","args":{"file_path":"/w/a.txt"},"status":"executing"}]"#),
        m(r#""content":"Checking.","toolCalls":[{"id":"x1","name":"read_file","args":{"file_path":"/w/a.txt"},"status":"error","timestamp":"2026-11-25T08:56:10.000Z","result":[{"functionResponse":{"id":"x1","name":"read_file","response":{"error":"File not found: /w/a.txt"}}}],"resultDisplay":"File not found"},{"id":"x2","name":"run_shell_command","args":{"command":"make"},"status":"cancelled","result":[],"resultDisplay":"cancelled by user"}],"tokens":{"input":100,"output":5,"cached":40,"thoughts":3,"tool":0,"total":108}"#),
        r#"{"id":"i1","timestamp":"2026-11-25T08:56:11.000Z","type":"error","content":"Quota exceeded"}"#.to_owned(),
        r#"{"$set":{"lastUpdated":"2026-11-25T08:56:11.000Z"}}"#.to_owned(),
        r#"{"$rewindTo":"g1"}"#.to_owned(),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    check(
        Agent::Gemini,
        "/home/dev/.gemini/tmp/w/chats/session-2026-11-25T08-56-deadbeef.jsonl",
        &lines,
        r#"
        SESSION_START instant - | session start
          hook=session

        OTHER instant - | session context
          hook=user

        AGENT_THINK instant - | thinking: Plan look first
          hook=gemini
          model=gemini-2.5-flash
          text="Plan\nlook first"
          message_id=g1

        ASSISTANT_TEXT instant - | assistant: Checking.
          hook=gemini
          model=gemini-2.5-flash
          text="Checking."
          message_id=g1

        FILE_READ call h:* | Read a.txt
          hook=gemini
          tool=read_file
          paths=["/w/a.txt"]
          model=gemini-2.5-flash

        FILE_READ result h:* | Read a.txt → error
          hook=gemini
          tool=read_file
          paths=["/w/a.txt"]
          model=gemini-2.5-flash
          output="File not found"
          error="File not found: /w/a.txt"
          outcome=error

        SHELL_EXEC call h:* | $ make
          hook=gemini
          tool=run_shell_command
          command="make"
          model=gemini-2.5-flash

        SHELL_EXEC result h:* | $ make → interrupted
          hook=gemini
          tool=run_shell_command
          command="make"
          model=gemini-2.5-flash
          output="cancelled by user"
          outcome=interrupted

        TOKEN_USAGE instant - | tokens gemini-2.5-flash: 100 in, 8 out
          hook=gemini
          model=gemini-2.5-flash
          tokens=60/8/40/0/3
          message_id=g1

        OTHER instant - | error: Quota exceeded
          hook=error
          model=gemini-2.5-flash
          text="Quota exceeded"
          error="Quota exceeded"

        skipped

        unknown: OTHER instant - | unknown record $rewindTo
          hook=$rewindTo
          model=gemini-2.5-flash
        "#,
    );
}

#[test]
fn gemini_call_ids_are_the_ids_its_hooks_get() {
    let args = r#"{"file_path":"/w/b.txt","content":"x","offset":{"z":1,"a":2}}"#;
    let line = format!(
        r#"{{"id":"g","timestamp":"2026-11-25T08:56:09Z","type":"gemini","content":"","toolCalls":[{{"id":"c","name":"write_file","args":{args},"status":"success","result":[]}}]}}"#
    );
    let hook = format!(
        r#"{{"hook_event_name":"BeforeTool","session_id":"s","tool_name":"write_file","tool_input":{args}}}"#
    );
    let mut parser = TranscriptParser::new(Agent::Gemini, "session-x.jsonl");
    let events = parser.parse_line(line.as_bytes()).into_events();
    let hook_payload: Value = serde_json::from_str(&hook).unwrap_or_default();
    let from_hook = normalize(Agent::Gemini, &hook_payload);
    let ids = |events: &[Event]| -> Vec<String> {
        events.iter().filter_map(|e| e.correlation.as_ref()).map(|c| c.to_string()).collect()
    };
    let hook_ids = ids(&from_hook);
    assert_eq!(hook_ids.len(), 1);
    assert!(hook_ids.iter().all(|id| id.starts_with("h:")));
    assert_eq!(ids(&events), [hook_ids.clone(), hook_ids].concat(), "call and result");
}

#[test]
fn times_come_from_records_else_the_latest_else_the_fallback() {
    let lines = [
        r#"{"type":"summary","summary":"before any time"}"#,
        r#"{"type":"user","timestamp":"2026-11-25T08:00:00.500+01:00","message":{"content":"hi"}}"#,
        r#"{"type":"summary","summary":"after"}"#,
        r#"{"type":"user","timestamp":"not a time","message":{"content":"hello"}}"#,
        r#"{"type":"user","timestamp":1700000000123,"message":{"content":"millis"}}"#,
    ];
    let mut parser = TranscriptParser::new(Agent::ClaudeCode, "").with_fallback_time(NOW);
    let times: Vec<i64> = lines
        .iter()
        .flat_map(|l| parser.parse_line(l.as_bytes()).into_events())
        .map(|e| e.ts.as_unix_nanos())
        .collect();
    let at = 1_795_590_000_500_000_000;
    assert_eq!(times, [NOW.as_unix_nanos(), at, at, at, 1_700_000_000_123_000_000]);
}

// ---------------------------------------------------------------------------------------------
// Garbage

#[test]
fn garbage_is_counted_never_fatal() {
    let deep = "[".repeat(100_000);
    let common: Vec<(Vec<u8>, &str)> = vec![
        (b"".to_vec(), "blank"),
        (b"  \r\n".to_vec(), "blank"),
        (b"not json".to_vec(), "invalid"),
        (br#"{"type": "user""#.to_vec(), "invalid"),
        (vec![b'{', 0xff, 0xfe, b'}'], "invalid"),
        (b"\"a string\"".to_vec(), "invalid"),
        (b"[1, 2]".to_vec(), "invalid"),
        (b"42".to_vec(), "invalid"),
        (b"null".to_vec(), "invalid"),
        (deep.clone().into_bytes(), "invalid"),
        (b"{}".to_vec(), "unknown"),
        (br#"{"type": 5}"#.to_vec(), "unknown"),
        (br#"{"type": "brand-new"}"#.to_vec(), "unknown"),
    ];
    let specific: [(Agent, Vec<(&str, &str)>); 3] = [
        (
            Agent::ClaudeCode,
            vec![
                (r#"{"type":"user","message":5}"#, "skipped"),
                (r#"{"type":"user","message":{"content":{"a":1}}}"#, "skipped"),
                (
                    r#"{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":{},"content":7,"is_error":"yes"}]},"toolUseResult":[1]}"#,
                    "events 1",
                ),
                (
                    r#"{"type":"assistant","timestamp":"yesterday","message":{"content":[1,"x",{"type":"tool_use","id":5,"name":[],"input":"s"}],"usage":{"input_tokens":"many"}}}"#,
                    "events 2",
                ),
                (r#"{"type":"assistant","message":null,"requestId":[]}"#, "skipped"),
                (r#"{"type":"system","subtype":7,"content":{}}"#, "events 1"),
                (r#"{"type":"attachment","attachment":"x"}"#, "events 1"),
                (r#"{"type":"permission-mode","permissionMode":{}}"#, "skipped"),
            ],
        ),
        (
            Agent::Codex,
            vec![
                (r#"{"type":"response_item","payload":5}"#, "unknown"),
                (
                    r#"{"type":"response_item","payload":{"type":"function_call","arguments":"{not json","call_id":7}}"#,
                    "events 1",
                ),
                (
                    r#"{"type":"response_item","payload":{"type":"function_call_output","call_id":"nope","output":{"a":1}}}"#,
                    "events 1",
                ),
                (
                    r#"{"type":"response_item","payload":{"type":"message","role":"user","content":"flat"}}"#,
                    "skipped",
                ),
                (
                    r#"{"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":"x"}}}"#,
                    "skipped",
                ),
                (r#"{"type":"token_usage_record","payload":{"usage":[]}}"#, "skipped"),
                (r#"{"type":"session_meta","payload":[]}"#, "events 1"),
                (
                    r#"{"type":"event_msg","payload":{"type":"item_completed","item":{"id":"c","duration":"long"}}}"#,
                    "skipped",
                ),
            ],
        ),
        (
            Agent::Gemini,
            vec![
                (r#"{"$set": 5}"#, "unknown"),
                (r#"{"$set":{"messages":[5,{"type":"gemini","toolCalls":"x"}]}}"#, "skipped"),
                (
                    r#"{"type":"gemini","id":"z","toolCalls":[{"name":5,"args":[],"status":"success","result":"x"}],"tokens":{"input":-1}}"#,
                    "events 3",
                ),
                (r#"{"type":"user","content":[{"functionResponse":{}}]}"#, "skipped"),
                (r#"{"sessionId":7}"#, "events 1"),
            ],
        ),
    ];
    for (agent, cases) in specific {
        let mut parser = TranscriptParser::new(agent, "garbage.jsonl");
        let mut want = Stats::default();
        let all = common
            .iter()
            .map(|(l, w)| (l.clone(), *w))
            .chain(cases.iter().map(|(l, w)| (l.as_bytes().to_vec(), *w)));
        for (line, expect) in all {
            let got = match parser.parse_line(&line) {
                LineResult::Events(events) => format!("events {}", events.len()),
                LineResult::Unknown(e) => {
                    assert_eq!((e.kind, e.raw.as_bytes()), (Kind::Other, line.trim_ascii()));
                    "unknown".to_owned()
                }
                LineResult::Skipped => "skipped".to_owned(),
                LineResult::Invalid(reason) => {
                    assert!(!reason.is_empty());
                    "invalid".to_owned()
                }
                LineResult::Blank => "blank".to_owned(),
            };
            let shown = String::from_utf8_lossy(&line).chars().take(80).collect::<String>();
            assert_eq!(got, expect, "{agent}: {shown}");
            want.lines += 1;
            match expect {
                "blank" => want.blank += 1,
                "invalid" => want.invalid += 1,
                "unknown" => {
                    want.unknown += 1;
                    want.events += 1;
                }
                "skipped" => want.skipped += 1,
                events => {
                    let n: u64 = events.trim_start_matches("events ").parse().unwrap_or(0);
                    want.events += n;
                }
            }
        }
        let got = parser.stats();
        assert_eq!(
            (got.lines, got.blank, got.invalid, got.unknown, got.skipped, got.events),
            (want.lines, want.blank, want.invalid, want.unknown, want.skipped, want.events),
            "{agent}"
        );
        assert_eq!(got.unknown_types.values().sum::<u64>(), got.unknown, "{agent}");
    }
}

#[test]
fn unknown_type_names_are_bounded() {
    let mut parser = TranscriptParser::new(Agent::ClaudeCode, "x.jsonl");
    for i in 0..1000 {
        parser.parse_line(format!(r#"{{"type":"t{i}"}}"#).as_bytes());
    }
    let stats = parser.stats();
    assert_eq!(stats.unknown, 1000);
    assert_eq!(stats.unknown_types.len(), 65);
    assert_eq!(stats.unknown_types.get("…"), Some(&936));
}

#[test]
fn every_prefix_of_every_fixture_line_is_harmless() {
    for (agent, rel, _) in FIXTURES {
        let mut parser = TranscriptParser::new(agent, rel);
        let text = fixture_text(rel);
        let mut lines = 0;
        for line in text.lines() {
            let bytes = line.as_bytes();
            for cut in (0..bytes.len()).step_by(bytes.len() / 16 + 1) {
                let _ = parser.parse_line(bytes.get(..cut).unwrap_or(bytes));
                lines += 1;
            }
        }
        assert_eq!(parser.stats().lines, lines, "{rel}");
    }
}

#[test]
fn reader_handles_crlf_blank_lines_and_a_last_line_without_newline() {
    let text = "{\"type\":\"user\",\"message\":{\"content\":\"a\"}}\r\n\r\n{\"type\":\"user\",\"message\":{\"content\":\"b\"}}";
    let mut parser = TranscriptParser::new(Agent::ClaudeCode, "x.jsonl");
    let mut texts = Vec::new();
    let read = parser
        .parse_reader(std::io::BufReader::with_capacity(7, text.as_bytes()), |e| {
            texts.push(e.fields.text.unwrap_or_default())
        })
        .unwrap_or_default();
    assert_eq!(read, text.len() as u64);
    assert_eq!(texts, ["a", "b"]);
    assert_eq!((parser.stats().lines, parser.stats().blank), (3, 1));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_never_panic(lines in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..200), 0..8)) {
        for agent in [Agent::ClaudeCode, Agent::Codex, Agent::Gemini, Agent::Cursor] {
            let mut parser = TranscriptParser::new(agent, "p.jsonl");
            for line in &lines {
                let _ = parser.parse_line(line);
            }
            prop_assert_eq!(parser.stats().lines, lines.len() as u64);
        }
    }

    #[test]
    fn json_shaped_lines_never_panic(
        ty in prop::sample::select(vec!["user", "assistant", "system", "attachment", "response_item", "event_msg", "session_meta", "token_usage_record", "gemini", "compacted", "$set"]),
        inner in prop::sample::select(vec!["message", "function_call", "function_call_output", "token_count", "tool_use", "tool_result", "text", "reasoning", "x"]),
        value in prop::sample::select(vec!["1", "\"s\"", "null", "[]", "{}", "[{}]", "{\"a\":[1]}", "-1", "1e400", "true"]),
    ) {
        let lines = [
            format!(r#"{{"type":"{ty}","payload":{{"type":"{inner}","call_id":{value},"output":{value},"arguments":{value}}}}}"#),
            format!(r#"{{"type":"{ty}","message":{{"content":[{{"type":"{inner}","id":{value},"input":{value},"content":{value}}}],"usage":{value}}}}}"#),
            format!(r#"{{"type":"{ty}","{ty}":{value},"content":{value},"toolCalls":[{{"name":{value},"args":{value},"status":"success","result":{value}}}],"tokens":{value},"thoughts":{value}}}"#),
        ];
        for agent in [Agent::ClaudeCode, Agent::Codex, Agent::Gemini] {
            let mut parser = TranscriptParser::new(agent, "p.jsonl");
            for line in &lines {
                let _ = parser.parse_line(line.as_bytes());
            }
            prop_assert_eq!(parser.stats().lines, 3);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Agent detection

#[test]
fn agents_are_detected_from_the_first_line_or_the_path() {
    let first_lines: Vec<(Agent, String)> = FIXTURES
        .iter()
        .map(|(agent, rel, _)| (*agent, fixture_text(rel).lines().next().unwrap_or("").to_owned()))
        .collect();
    for (agent, line) in &first_lines {
        assert_eq!(detect_agent(Path::new("x.jsonl"), line.as_bytes()), Some(*agent), "{line}");
    }
    let cases: &[(&str, &str, Option<Agent>)] = &[
        ("/h/.claude/projects/-w/s.jsonl", "", Some(Agent::ClaudeCode)),
        ("/h/.claude/projects/-w/s.jsonl", "garbage", Some(Agent::ClaudeCode)),
        ("/h/x/rollout-2026-01-01T00-00-00-abc.jsonl", "", Some(Agent::Codex)),
        ("/h/.gemini/tmp/p/chats/session-2026-x.jsonl", "", Some(Agent::Gemini)),
        ("/h/.gemini/tmp/p/chats/session-2026-x.json", "", Some(Agent::Gemini)),
        ("/h/notes.jsonl", "", None),
        ("/h/notes.jsonl", r#"{"type":"assistant","message":{}}"#, Some(Agent::ClaudeCode)),
        (
            "/h/notes.jsonl",
            r#"{"type":"summary","summary":"t","leafUuid":"u"}"#,
            Some(Agent::ClaudeCode),
        ),
        ("/h/notes.jsonl", r#"{"type":"gemini","content":"x"}"#, Some(Agent::Gemini)),
        ("/h/notes.jsonl", r#"{"$set":{}}"#, Some(Agent::Gemini)),
        ("/h/notes.jsonl", r#"{"id":"x","timestamp":"t","instructions":null}"#, Some(Agent::Codex)),
        ("/h/notes.jsonl", r#"{"type":"user","content":"x"}"#, None),
        ("/h/notes.jsonl", "[1]", None),
    ];
    for (path, line, want) in cases {
        assert_eq!(detect_agent(Path::new(path), line.as_bytes()), *want, "{path} {line}");
    }
}
