//! The indexer end to end over a real log: the fixture sessions of all three agents appended to a
//! segment log, indexed into the catalog and the full-text index, then read back: sessions,
//! steps, tokens, findings, search. Batch size and interruption must not change the result.

use event::{Agent, Event, Kind, Timestamp};
use index::{
    Catalog, FullText, Indexer, IndexerConfig, Judge, NewFinding, Order, Query, SearchRequest,
    SessionFilter, Severity, Step, StepFilter,
};

use crate::fixtures::{hook_events, transcript_events};

/// Flags every shell command containing `rm ` (danger) and every step slower than 10 ms (info),
/// with a version the test can change.
struct TestJudge {
    version: String,
}

impl Judge for TestJudge {
    fn version(&self) -> String {
        self.version.clone()
    }

    fn judge_event(&mut self, event: &Event, _step: &Step) -> Vec<NewFinding> {
        match event.fields.command.as_deref() {
            Some(c) if c.contains("rm ") && self.version != "no-rm" => vec![NewFinding {
                rule: "test-rm".into(),
                severity: Severity::Danger,
                message: format!("deletes: {c}"),
                evidence: c.to_owned(),
            }],
            _ => Vec::new(),
        }
    }

    fn judge_step(&mut self, step: &Step) -> Vec<NewFinding> {
        match step.duration_ms {
            Some(ms) if ms > 10 => vec![NewFinding {
                rule: "test-slow".into(),
                severity: Severity::Info,
                message: format!("{ms} ms"),
                evidence: String::new(),
            }],
            _ => Vec::new(),
        }
    }
}

/// Every fixture event: each agent's hooks, then its transcript.
fn all_events() -> Vec<Event> {
    let mut events = Vec::new();
    for (agent, dir, prefix) in [
        (Agent::ClaudeCode, "claude-code", "0cfde7cd"),
        (Agent::Codex, "codex", "rollout-"),
        (Agent::Gemini, "gemini", "session-"),
    ] {
        events.extend(hook_events(agent, dir));
        events.extend(transcript_events(agent, dir, prefix));
    }
    events
}

struct Store {
    dir: tempfile::TempDir,
    wal: wal::Wal,
}

impl Store {
    fn new() -> Store {
        let dir = tempfile::tempdir().expect("tempdir");
        let wal = wal::Wal::open(wal::Config::new(dir.path().join("log"))).expect("wal");
        Store { dir, wal }
    }

    fn append(&self, events: &[Event]) {
        for e in events {
            self.wal.append(&event::encode(e)).expect("append");
        }
    }

    fn index(&self, batch: usize, version: &str) -> index::CatchUp {
        let config = IndexerConfig { batch_records: batch, ..IndexerConfig::default() };
        let judge = TestJudge { version: version.into() };
        let mut indexer = Indexer::open(
            &self.wal,
            &self.dir.path().join("catalog.db"),
            &self.dir.path().join("index"),
            judge,
            config,
        )
        .expect("indexer");
        indexer.catch_up(&mut |_| {}).expect("catch up")
    }

    fn catalog(&self) -> Catalog {
        Catalog::open(&self.dir.path().join("catalog.db")).expect("catalog")
    }

    fn fulltext(&self) -> FullText {
        FullText::open(&self.dir.path().join("index")).expect("fulltext")
    }

    /// Everything a user can see, as text: sessions, steps with findings, the documents.
    fn dump(&self) -> String {
        let catalog = self.catalog();
        let mut out = String::new();
        for s in catalog.sessions(&SessionFilter::default()).expect("sessions") {
            out.push_str(&format!("{s:?}\n"));
            catalog
                .for_each_step(&s.id, &StepFilter::default(), |row| {
                    out.push_str(&format!("  {row:?}\n"));
                    true
                })
                .expect("steps");
        }
        let query = Query::parse("", Timestamp(0)).expect("empty query");
        let hits = self.search_all(&query);
        out.push_str(&format!("documents: {hits:?}\n"));
        out
    }

    fn search_all(&self, query: &Query) -> Vec<(String, u64)> {
        let request = SearchRequest {
            query,
            sessions: None,
            steps: None,
            limit: 100_000,
            offset: 0,
            order: Order::Newest,
        };
        let mut hits: Vec<(String, u64)> = self
            .fulltext()
            .search(&request)
            .expect("search")
            .into_iter()
            .map(|h| (h.session, h.seq))
            .collect();
        hits.sort();
        hits
    }
}

/// Fails with the first lines that differ (dumps are long).
fn assert_same(got: &str, expected: &str, what: &str) {
    if got == expected {
        return;
    }
    for (i, (g, e)) in got.lines().zip(expected.lines()).enumerate() {
        if g != e {
            panic!("{what}: line {i} differs\n got:      {g}\n expected: {e}");
        }
    }
    panic!("{what}: {} lines, expected {}", got.lines().count(), expected.lines().count());
}

#[test]
fn indexes_every_agent_session_with_steps_tokens_and_findings() {
    let store = Store::new();
    store.append(&all_events());
    let report = store.index(10_000, "v1");
    assert!(report.records > 200, "{report:?}");
    assert_eq!(report.undecodable, 0);
    let catalog = store.catalog();
    let sessions = catalog.sessions(&SessionFilter::default()).expect("sessions");
    let agents: Vec<Agent> = sessions.iter().map(|s| s.agent).collect();
    assert_eq!(sessions.len(), 3, "{agents:?}");
    for agent in [Agent::ClaudeCode, Agent::Codex, Agent::Gemini] {
        assert!(agents.contains(&agent), "{agents:?}");
    }
    let claude = sessions.iter().find(|s| s.agent == Agent::ClaudeCode).expect("claude");
    assert_eq!(claude.git_branch.as_deref(), Some("master"));
    assert_eq!(claude.title.as_deref(), Some("Please tidy up the config/ directory."));
    let tokens = claude.tokens();
    assert!(tokens.input + tokens.cache_read > 40_000 && tokens.output > 400, "{tokens:?}");
    assert!(claude.models.iter().all(|m| m.model.starts_with("claude-")), "{:?}", claude.models);
    // The rm commands are flagged once per step, although hooks and transcript both saw them.
    assert_eq!(claude.findings.danger, 2, "{:?}", claude.findings);
    let mut flagged = Vec::new();
    let filter = StepFilter { min_severity: Some(Severity::Danger), ..StepFilter::default() };
    catalog
        .for_each_step(&claude.id, &filter, |row| {
            flagged.push((row.step.summary.clone(), row.findings.len()));
            true
        })
        .expect("steps");
    assert_eq!(
        flagged,
        // rm -rf build/ also took over 10 ms: test-slow.
        vec![("$ rm config/secrets.yml".to_owned(), 1), ("$ rm -rf build/".to_owned(), 2)],
    );
    // A session can be named by a prefix and as `last`.
    assert_eq!(catalog.resolve_session(&claude.id[..6]).expect("prefix"), claude.id);
    assert!(catalog.resolve_session("last").is_ok());
    assert!(catalog.resolve_session("zzzz").is_err());
    assert_eq!(claude.total_steps, {
        let mut n = 0;
        catalog
            .for_each_step(&claude.id, &StepFilter::default(), |_| {
                n += 1;
                true
            })
            .expect("all");
        n
    });
}

#[test]
fn search_finds_the_read_the_rm_and_the_answer_about_secrets_yml() {
    let store = Store::new();
    store.append(&all_events());
    store.index(10_000, "v1");
    let catalog = store.catalog();
    let query = Query::parse("secrets.yml", Timestamp(0)).expect("query");
    let hits = store.search_all(&query);
    let kinds: Vec<(Kind, String)> = hits
        .iter()
        .filter_map(|(s, q)| catalog.step(s, *q).expect("step"))
        .map(|r| (r.step.kind, r.step.summary))
        .collect();
    for wanted in ["Read config/secrets.yml", "$ rm config/secrets.yml"] {
        assert!(kinds.iter().any(|(_, s)| s == wanted), "{wanted} not in {kinds:#?}");
    }
    let shell =
        Query::parse("secrets.yml kind:SHELL_EXEC agent:claude-code", Timestamp(0)).expect("q");
    let shell_hits = store.search_all(&shell);
    assert!(!shell_hits.is_empty() && shell_hits.len() < hits.len(), "{shell_hits:?}");
}

#[test]
fn batch_size_and_interruptions_do_not_change_the_result() {
    let events = all_events();
    let whole = Store::new();
    whole.append(&events);
    whole.index(100_000, "v1");
    let expected = whole.dump();
    // Tiny batches: steps whose call and result land in different batches.
    let tiny = Store::new();
    tiny.append(&events);
    let report = tiny.index(3, "v1");
    assert_eq!(report.records as usize, events.len());
    assert_same(&tiny.dump(), &expected, "batches of 3");
    // The log arriving in pieces, each indexed by a fresh indexer (a restart between pieces).
    let pieces = Store::new();
    for chunk in events.chunks(37) {
        pieces.append(chunk);
        pieces.index(10, "v1");
    }
    assert_same(&pieces.dump(), &expected, "in pieces");
    // Nothing new: nothing to do.
    let again = pieces.index(10, "v1");
    assert_eq!((again.records, again.from, again.to), (0, again.from, again.from));
}

#[test]
fn a_new_rule_set_recomputes_findings_and_a_lost_index_is_rebuilt() {
    let store = Store::new();
    store.append(&all_events());
    store.index(1000, "v1");
    let before = store.dump();
    let count = |s: &Store| s.catalog().counts().expect("counts").2;
    let with_rm = count(&store);
    let report = store.index(1000, "no-rm");
    assert!(report.recomputed_findings && report.records == 0, "{report:?}");
    assert!(count(&store) < with_rm, "rm findings dropped under the new rules");
    store.index(1000, "v1");
    assert_same(&store.dump(), &before, "back to the first rule set");
    // The full-text index deleted: rebuilt from the catalog and the log.
    std::fs::remove_dir_all(store.dir.path().join("index")).expect("rm index");
    let report = store.index(1000, "v1");
    assert!(report.rebuilt_fulltext, "{report:?}");
    assert_same(&store.dump(), &before, "rebuilt index");
}
