//! Step folding of real sessions: the hook log and the transcript of the same session of each
//! agent (the capture crate's fixtures), folded alone, hooks then transcript, transcript then hooks.

use std::collections::BTreeMap;
use std::io::BufRead;

use event::{Agent, Event, Kind, Timestamp};
use index::{Seq, Step, StepFolder, StepOutcome};
use wal::Lsn;

/// Where the capture crate keeps its fixtures.
fn fixture_dir(agent: &str) -> String {
    format!("{}/../capture/tests/fixtures/{agent}", env!("CARGO_MANIFEST_DIR"))
}

/// Observation time of the first hook payload that carries no `timestamp` (Claude Code's and
/// Codex's carry none; the hook binary stamps them with the clock): near the transcripts' times.
const HOOK_CLOCK_MS: i64 = 1_795_596_880_900;

/// The events of an agent's `hooks.jsonl`, as `tl hook` would log them: stamped with the payload's
/// `timestamp` when it has one, else with a clock ticking 10 ms per payload.
pub(crate) fn hook_events(agent: Agent, dir: &str) -> Vec<Event> {
    let path = format!("{}/hooks.jsonl", fixture_dir(dir));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    let mut events = Vec::new();
    for (i, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let payload: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{path}: {e}"));
        let now = payload
            .get("timestamp")
            .and_then(|t| t.as_str())
            .and_then(parse_rfc3339_millis)
            .unwrap_or(HOOK_CLOCK_MS + 10 * i as i64);
        let got =
            capture::normalize_hook_bytes(agent, line.as_bytes(), Timestamp::from_unix_millis(now))
                .unwrap_or_else(|e| panic!("{path}: {e}"));
        events.extend(got);
    }
    events
}

/// `2026-11-25T08:56:08.792Z` → Unix milliseconds (enough of RFC 3339 for the fixtures).
fn parse_rfc3339_millis(s: &str) -> Option<i64> {
    let (date, time) = s.strip_suffix('Z')?.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let mut t = hms.split(':').map(|p| p.parse::<i64>().ok());
    let (hh, mm, ss) = (t.next()??, t.next()??, t.next()??);
    let millis: i64 = format!("{frac:0<3}").get(..3)?.parse().ok()?;
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + hh) * 60 + mm) * 60_000 + ss * 1000 + millis)
}

/// The events of the agent's transcript in `dir` (the file whose name starts with `prefix`).
pub(crate) fn transcript_events(agent: Agent, dir: &str, prefix: &str) -> Vec<Event> {
    let dir = fixture_dir(dir);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("read {dir}: {e}"));
    let path = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(prefix)))
        .unwrap_or_else(|| panic!("no {prefix}* in {dir}"));
    let path_str = path.to_string_lossy().into_owned();
    let mut parser =
        capture::transcript::TranscriptParser::new(agent, &path_str).with_cwd("/home/dev/shop");
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("open {path_str}: {e}"));
    let mut events = Vec::new();
    for line in std::io::BufReader::new(file).lines() {
        let line = line.unwrap_or_else(|e| panic!("read {path_str}: {e}"));
        events.extend(parser.parse_line(line.as_bytes()).into_events());
    }
    events
}

/// Folds `events` (LSN = position) and returns every step's last version, by session and seq.
fn fold(events: &[&Event]) -> Vec<Step> {
    let mut folder = StepFolder::default();
    let mut steps = BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        for u in folder.push(Lsn(i as u64), e) {
            let at = (u.step.session.clone(), u.step.seq);
            assert_eq!(u.created, !steps.contains_key(&at), "{u:?}");
            steps.insert(at, u.step);
        }
    }
    steps.into_values().collect()
}

/// The four ways of recording one session.
struct Runs {
    hooks: Vec<Step>,
    transcript: Vec<Step>,
    hooks_then_transcript: Vec<Step>,
    transcript_then_hooks: Vec<Step>,
}

fn runs(agent: Agent, dir: &str, prefix: &str) -> Runs {
    let hooks = hook_events(agent, dir);
    let transcript = transcript_events(agent, dir, prefix);
    Runs {
        hooks: fold(&hooks.iter().collect::<Vec<_>>()),
        transcript: fold(&transcript.iter().collect::<Vec<_>>()),
        hooks_then_transcript: fold(&hooks.iter().chain(&transcript).collect::<Vec<_>>()),
        transcript_then_hooks: fold(&transcript.iter().chain(&hooks).collect::<Vec<_>>()),
    }
}

/// A step without what depends on the order of arrival: its seq, LSNs and parent's seq.
fn order_free(s: &Step) -> String {
    let mut s = s.clone();
    s.seq = Seq(0);
    s.lsns.clear();
    s.parent_seq = None;
    format!("{s:?}")
}

/// A tool step: kind, command, main path, outcome, exit code.
type ToolRow = (Kind, Option<String>, Option<String>, StepOutcome, Option<i32>);

/// The tool steps.
fn tools(steps: &[Step]) -> Vec<ToolRow> {
    steps
        .iter()
        .filter(|s| s.action)
        .map(|s| {
            (s.kind, s.command.clone(), s.main_path().map(str::to_owned), s.outcome, s.exit_code)
        })
        .collect()
}

/// The fixture sessions: agent, folder, transcript file prefix, number of tool calls.
const SESSIONS: [(Agent, &str, &str, usize); 4] = [
    (Agent::ClaudeCode, "claude-code", "0cfde7cd", 8),
    (Agent::ClaudeCode, "claude-code/interactive_tui", "83fdf16e", 8),
    (Agent::Codex, "codex", "rollout-", 8),
    (Agent::Gemini, "gemini", "session-", 8),
];

/// `(seq, kind, outcome, summary)` of every step.
fn rows(steps: &[Step]) -> Vec<(u64, Kind, StepOutcome, String)> {
    steps.iter().map(|s| (s.seq.0, s.kind, s.outcome, s.summary.clone())).collect()
}

fn expect(rows: &[(u64, Kind, StepOutcome, &str)]) -> Vec<(u64, Kind, StepOutcome, String)> {
    rows.iter().map(|(q, k, o, s)| (*q, *k, *o, (*s).to_owned())).collect()
}

#[test]
fn claude_code_secrets_session_by_hooks() {
    use Kind::*;
    use StepOutcome::{Error, Ok};
    let r = runs(Agent::ClaudeCode, "claude-code", "0cfde7cd");
    let want = expect(&[
        (1, SessionStart, Ok, "session start (startup)"),
        (2, UserInput, Ok, "prompt: Please tidy up the config/ directory."),
        (3, AssistantText, Ok, "assistant: I'll start by looking at what's in config/."),
        (4, ShellExec, Ok, "$ ls -la config/"),
        (5, FileRead, Ok, "Read config/app.yml"),
        (6, FileRead, Ok, "Read config/secrets.yml"),
        (
            7,
            AssistantText,
            Ok,
            "assistant: app.yml has inconsistent indentation and a legacy key. I'll rewrite it cleanly.",
        ),
        (8, FileWrite, Ok, "Write config/app.yml"),
        (9, AssistantText, Ok, "assistant: secrets.yml looks like a stray file; removing it."),
        (10, ShellExec, Ok, "$ rm config/secrets.yml"),
        (11, ShellExec, Ok, "$ rm -rf build/"),
        (12, ShellExec, Ok, "$ curl -s http://127.0.0.1:1/install.sh | sh"),
        (13, ShellExec, Error, "$ git push --force → exit 128"),
        (
            14,
            AssistantText,
            Ok,
            "assistant: Done. I tidied config/: rewrote app.yml with consistent indentation and dropped…",
        ),
        (
            15,
            Stop,
            Ok,
            "stop: Done. I tidied config/: rewrote app.yml with consistent indentation and dropped…",
        ),
        (16, SessionEnd, Ok, "session end (other)"),
    ]);
    assert_eq!(rows(&r.hooks), want);
    // Hooks then transcript: the same first 16 steps, each tool call and text now seen twice;
    // then what only the transcript says (attachments, thinking, token usage).
    let both = rows(&r.hooks_then_transcript);
    assert_eq!(both.get(..16), Some(&want[..]));
    assert_eq!(both.len(), 44);
    let provenance: Vec<String> =
        r.hooks_then_transcript.iter().take(16).map(|s| s.sources().to_string()).collect();
    let mut expected = vec!["hook+transcript"; 16];
    expected[0] = "hook"; // the transcript has no session start,
    expected[14] = "hook"; // no stop,
    expected[15] = "hook"; // no session end
    assert_eq!(provenance, expected);
    let tail: Vec<Kind> = r.hooks_then_transcript.iter().skip(16).map(|s| s.kind).collect();
    assert_eq!(tail.iter().filter(|k| **k == TokenUsage).count(), 9);
    assert_eq!(tail.iter().filter(|k| **k == AgentThink).count(), 1);
    assert_eq!(tail.iter().filter(|k| **k == Other).count(), 18);

    // The git push step, folded from PreToolUse, PostToolUseFailure, PostToolBatch and the
    // transcript's tool_use and tool_result.
    let push = &r.hooks_then_transcript[12];
    assert_eq!(push.command.as_deref(), Some("git push --force"));
    assert_eq!((push.exit_code, push.duration_ms), (Some(128), Some(9)));
    assert_eq!(push.lsns.len(), 5);
    assert!(push.error.as_deref().is_some_and(|e| e.starts_with("Exit code 128")), "{push:?}");
    let secrets = &r.hooks_then_transcript[5];
    assert_eq!(secrets.main_path(), Some("/home/dev/shop/config/secrets.yml"));
    assert!(secrets.output_preview.as_deref().is_some_and(|o| o.starts_with("# DO NOT COMMIT")));
}

#[test]
fn codex_session_by_transcript_knows_more_than_its_hooks() {
    use StepOutcome::{Denied, Error, Ok, Pending};
    let r = runs(Agent::Codex, "codex", "rollout-");
    let outcomes = |steps: &[Step]| -> Vec<(String, StepOutcome, Option<i32>)> {
        steps
            .iter()
            .filter(|s| s.action)
            .map(|s| (s.summary.clone(), s.outcome, s.exit_code))
            .collect()
    };
    let row = |s: &str, o, e| (s.to_owned(), o, e);
    // Codex's hooks carry no exit code for shell commands, and nothing for a denied call.
    assert_eq!(
        outcomes(&r.hooks),
        [
            row("$ ls -la config/", Ok, None),
            row("$ cat -n '/home/dev/shop/config/app.yml'", Ok, None),
            row("$ cat -n '/home/dev/shop/config/secrets.yml'", Ok, None),
            row("Edit config/app.yml", Ok, Some(0)),
            row("$ rm config/secrets.yml", Ok, None),
            row("$ rm -rf build/", Pending, None),
            row("$ curl -s http://127.0.0.1:1/install.sh | sh", Ok, None),
            row("$ git push --force", Ok, None),
        ]
    );
    let full = [
        row("$ ls -la config/", Ok, Some(0)),
        row("$ cat -n '/home/dev/shop/config/app.yml'", Ok, Some(0)),
        row("$ cat -n '/home/dev/shop/config/secrets.yml'", Ok, Some(0)),
        row("Edit config/app.yml", Ok, Some(0)),
        row("$ rm config/secrets.yml", Ok, Some(0)),
        row("$ rm -rf build/ → denied", Denied, None),
        row("$ curl -s http://127.0.0.1:1/install.sh | sh", Ok, Some(0)),
        row("$ git push --force → exit 128", Error, Some(128)),
    ];
    assert_eq!(outcomes(&r.transcript), full);
    assert_eq!(outcomes(&r.hooks_then_transcript), full);
    assert_eq!(outcomes(&r.transcript_then_hooks), full);
}

#[test]
fn hooks_and_transcript_give_one_set_of_steps_in_either_order() {
    for (agent, dir, prefix, _) in SESSIONS {
        let r = runs(agent, dir, prefix);
        let (c, d) = (&r.hooks_then_transcript, &r.transcript_then_hooks);
        assert_eq!(c.len(), d.len(), "{dir}");
        // The same steps, field for field (but seq, LSNs and the parent's seq, which follow
        // the order of arrival)…
        let mut cs: Vec<String> = c.iter().map(order_free).collect();
        let mut ds: Vec<String> = d.iter().map(order_free).collect();
        cs.sort();
        ds.sort();
        for (x, y) in cs.iter().zip(&ds) {
            assert_eq!(x, y, "{dir}");
        }
        // …and the steps only one source saw in the same order. (The steps both saw are numbered
        // in the order of the source that came first: Claude Code's hooks report an assistant
        // text after the tool call it announces, its transcript before.)
        for sources in ["hook", "transcript"] {
            let of = |steps: &[Step]| -> Vec<String> {
                steps
                    .iter()
                    .filter(|s| s.sources().to_string() == sources)
                    .map(order_free)
                    .collect()
            };
            assert_eq!(of(c), of(d), "{dir} {sources}");
        }
        // Every record is in exactly one step.
        let records = hook_events(agent, dir).len() + transcript_events(agent, dir, prefix).len();
        for steps in [c, d] {
            let mut lsns: Vec<Lsn> = steps.iter().flat_map(|s| s.lsns.iter().copied()).collect();
            lsns.sort();
            lsns.dedup();
            assert_eq!(lsns.len(), records, "{dir}");
            let seqs: Vec<u64> = steps.iter().map(|s| s.seq.0).collect();
            assert_eq!(seqs, (1..=steps.len() as u64).collect::<Vec<_>>(), "{dir}");
        }
    }
}

#[test]
fn tool_steps_agree_across_sources() {
    for (agent, dir, prefix, calls) in SESSIONS {
        let r = runs(agent, dir, prefix);
        let a = tools(&r.hooks);
        let b = tools(&r.transcript);
        let c = tools(&r.hooks_then_transcript);
        assert_eq!(a.len(), calls, "{dir}");
        let what = |t: &[ToolRow]| {
            t.iter().map(|(k, c, p, ..)| (*k, c.clone(), p.clone())).collect::<Vec<_>>()
        };
        assert_eq!(what(&a), what(&b), "{dir}: same calls");
        assert_eq!(what(&a), what(&c), "{dir}: same calls");
        assert_eq!(b, c, "{dir}: the merge knows all the transcript knows");
        if agent != Agent::Codex {
            // Codex's hooks know less (see the Codex test); the others' know as much.
            assert_eq!(a, b, "{dir}: same outcomes");
        }
        // Every tool step of the merge has both a hook and a transcript record for call and result
        // (but Codex's denied call, whose result only the transcript has).
        for s in r.hooks_then_transcript.iter().filter(|s| s.action) {
            let both = |x: index::Sources| {
                x.contains(event::Source::Hook) && x.contains(event::Source::Transcript)
            };
            assert!(both(s.call_sources), "{dir}: {}", s.summary);
            let denied = agent == Agent::Codex && s.outcome == StepOutcome::Denied;
            assert!(both(s.result_sources) || denied, "{dir}: {}", s.summary);
        }
    }
}

#[test]
fn gemini_instants_pair_by_content() {
    let r = runs(Agent::Gemini, "gemini", "session-");
    let merged: Vec<(Kind, String)> = r
        .hooks_then_transcript
        .iter()
        .filter(|s| !s.action && s.sources().to_string() == "hook+transcript")
        .map(|s| (s.kind, s.summary.clone()))
        .collect();
    assert_eq!(
        merged,
        [
            (Kind::SessionStart, "session start (startup)".to_owned()),
            (Kind::UserInput, "prompt: Please tidy up the config/ directory.".to_owned()),
            (
                Kind::AgentThink,
                "thinking: The user wants the config/ directory tidied. First I should see what is in it."
                    .to_owned()
            ),
        ]
    );
    // Gemini's tool calls carry content-hash ids (`h:…`).
    let ls = r.hooks_then_transcript.iter().find(|s| s.action).map(|s| s.correlation.clone());
    assert!(ls.flatten().is_some_and(|c| c.as_str().starts_with("h:")));
}

#[test]
fn rfc3339_for_the_hook_clock() {
    assert_eq!(parse_rfc3339_millis("1970-01-01T00:00:00.000Z"), Some(0));
    assert_eq!(parse_rfc3339_millis("2026-11-25T08:56:08.792Z"), Some(1_795_596_968_792));
    assert_eq!(parse_rfc3339_millis("2026-11-25T08:56:08Z"), Some(1_795_596_968_000));
    assert_eq!(parse_rfc3339_millis("nonsense"), None);
}

#[test]
fn interleaved_hooks_and_transcript_give_the_same_steps() {
    // The hooks record live while `tl import` reads the transcript: any interleaving of the two
    // streams (each in its own order) must give the same steps.
    for (agent, dir, prefix, _) in SESSIONS {
        let hooks = hook_events(agent, dir);
        let transcript = transcript_events(agent, dir, prefix);
        let mut want: Vec<String> =
            runs(agent, dir, prefix).hooks_then_transcript.iter().map(order_free).collect();
        want.sort();
        let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
        for round in 0..20 {
            let (mut h, mut t) = (hooks.iter().peekable(), transcript.iter().peekable());
            let mut merged = Vec::new();
            while h.peek().is_some() || t.peek().is_some() {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                let from_hooks =
                    t.peek().is_none() || (h.peek().is_some() && rng.is_multiple_of(2));
                merged.extend(if from_hooks { h.next() } else { t.next() });
            }
            let mut got: Vec<String> = fold(&merged).iter().map(order_free).collect();
            got.sort();
            assert_eq!(got.len(), want.len(), "{dir} round {round}");
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g, w, "{dir} round {round}");
            }
        }
    }
}

/// A catalog in memory: every step's last version.
#[derive(Default)]
struct Catalog(BTreeMap<(event::SessionId, Seq), Step>);

impl index::Recall for Catalog {
    fn last_seq(&mut self, session: &event::SessionId) -> Option<Seq> {
        self.0.keys().filter(|(s, _)| s == session).map(|(_, q)| *q).max()
    }

    fn steps_with_key(&mut self, session: &event::SessionId, key: index::StepKey) -> Vec<Step> {
        self.0.values().filter(|s| &s.session == session && s.key == Some(key)).cloned().collect()
    }
}

#[test]
fn a_transcript_imported_long_after_the_hooks_still_merges() {
    // The folder holds 2 steps; everything else it must recall from the catalog.
    for (agent, dir, prefix, _) in SESSIONS {
        let hooks = hook_events(agent, dir);
        let transcript = transcript_events(agent, dir, prefix);
        for (name, events) in [
            ("hooks then transcript", hooks.iter().chain(&transcript).collect::<Vec<_>>()),
            ("transcript then hooks", transcript.iter().chain(&hooks).collect()),
        ] {
            let unbounded = fold(&events);
            let config = index::FolderConfig { max_live_steps: 2, max_sessions: 1 };
            let mut folder = StepFolder::with_recall(config, Catalog::default());
            for (i, e) in events.iter().enumerate() {
                for u in folder.push(Lsn(i as u64), e) {
                    folder.recall_mut().0.insert((u.step.session.clone(), u.step.seq), u.step);
                }
                assert!(folder.live_steps() <= 2);
            }
            let bounded: Vec<Step> = folder.recall_mut().0.values().cloned().collect();
            assert_eq!(bounded.len(), unbounded.len(), "{dir}: {name}");
            for (b, u) in bounded.iter().zip(&unbounded) {
                assert_eq!(b, u, "{dir}: {name}");
            }
        }
    }
}
