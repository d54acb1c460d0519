//! Tests of the full-text index on real tantivy indexes in temporary directories: what a query
//! finds, in which order, and what writes, deletes and commits leave behind.

use event::{Agent, Kind, Timestamp};

use super::*;
use crate::query::Query;

/// An owned step document, so tests can build lists of them.
#[derive(Clone)]
struct Doc {
    session: String,
    seq: u64,
    agent: Agent,
    kind: Kind,
    ts: i64,
    tool: Option<String>,
    paths: Vec<String>,
    text: String,
    output: String,
    last_lsn: u64,
}

fn doc(session: &str, seq: u64, ts: i64, kind: Kind, text: &str) -> Doc {
    Doc {
        session: session.to_owned(),
        seq,
        agent: Agent::ClaudeCode,
        kind,
        ts,
        tool: None,
        paths: Vec::new(),
        text: text.to_owned(),
        output: String::new(),
        last_lsn: seq * 10,
    }
}

impl Doc {
    fn step(&self) -> StepDoc<'_> {
        StepDoc {
            session: &self.session,
            seq: self.seq,
            agent: self.agent,
            kind: self.kind,
            ts: Timestamp(self.ts),
            tool: self.tool.as_deref(),
            paths: &self.paths,
            text: &self.text,
            output: &self.output,
            last_lsn: self.last_lsn,
        }
    }

    fn tool(mut self, tool: &str) -> Doc {
        self.tool = Some(tool.to_owned());
        self
    }

    fn path(mut self, path: &str) -> Doc {
        self.paths.push(path.to_owned());
        self
    }

    fn output(mut self, output: &str) -> Doc {
        self.output = output.to_owned();
        self
    }

    fn agent(mut self, agent: Agent) -> Doc {
        self.agent = agent;
        self
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    ft: FullText,
}

fn fixture(docs: &[Doc]) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("index");
    let ft = FullText::open(&path).expect("open");
    let mut w = ft.writer().expect("writer");
    for d in docs {
        w.upsert(&d.step()).expect("upsert");
    }
    w.commit(1).expect("commit");
    Fixture { _dir: dir, path, ft }
}

/// 2026-11-01T00:00:00Z in ns, and an hour.
const T0: i64 = 1_793_491_200_000_000_000;
const H: i64 = 3_600_000_000_000;

fn request(query: &Query) -> SearchRequest<'_> {
    SearchRequest {
        query,
        sessions: None,
        steps: None,
        limit: 100,
        offset: 0,
        order: Order::Newest,
    }
}

fn parse(q: &str) -> Query {
    Query::parse(q, Timestamp(T0 + 48 * H)).expect("query")
}

impl Fixture {
    /// `(session, seq)` of the hits of `q`, newest first.
    fn find(&self, q: &str) -> Vec<(String, u64)> {
        let query = parse(q);
        self.ids(&request(&query))
    }

    fn seqs(&self, q: &str) -> Vec<u64> {
        self.find(q).into_iter().map(|(_, seq)| seq).collect()
    }

    fn ids(&self, req: &SearchRequest) -> Vec<(String, u64)> {
        let hits = self.ft.search(req).expect("search");
        hits.into_iter().map(|h| (h.session, h.seq)).collect()
    }
}

/// The secrets.yml story of DESIGN.md §5, with near misses.
fn story() -> Vec<Doc> {
    vec![
        doc("s1", 1, T0, Kind::UserInput, "tidy config/ and drop secrets.yml"),
        doc("s1", 2, T0 + H, Kind::FileRead, "Read")
            .tool("Read")
            .path("/home/u/proj/config/secrets.yml"),
        doc("s1", 3, T0 + 2 * H, Kind::ShellExec, "rm config/secrets.yml").tool("Bash"),
        doc("s1", 4, T0 + 3 * H, Kind::AssistantText, "the secrets are in yml files"),
        doc("s1", 5, T0 + 4 * H, Kind::FileWrite, "Write")
            .tool("Write")
            .path("/home/u/proj/myconfig/secrets.yaml"),
        doc("s2", 1, T0 + 5 * H, Kind::ShellExec, "rm -rf build/ && git push --force")
            .tool("Bash")
            .agent(Agent::Codex)
            .output("Everything up-to-date"),
        doc("s2", 2, T0 + 6 * H, Kind::FileWrite, "Edit src/main.rs")
            .tool("MultiEdit")
            .path("src/main.rs")
            .agent(Agent::Codex),
    ]
}

#[test]
fn secrets_yml_is_found_in_a_command_a_path_and_a_prompt() {
    let f = fixture(&story());
    assert_eq!(f.seqs("secrets.yml"), [3, 2, 1]);
    assert_eq!(f.seqs("\"secrets.yml\""), [3, 2, 1]);
    assert_eq!(f.seqs("SECRETS.YML"), [3, 2, 1]);
    assert_eq!(f.seqs("secrets"), [5, 4, 3, 2, 1]);
    assert_eq!(f.seqs("secrets.yaml"), [5]);
}

#[test]
fn commands_tokenize_into_searchable_words() {
    let f = fixture(&story());
    let s2 = |seqs: &[u64]| seqs.iter().map(|s| ("s2".to_owned(), *s)).collect::<Vec<_>>();
    assert_eq!(f.find("\"rm -rf build/\""), s2(&[1]));
    assert_eq!(f.find("--force"), s2(&[1]));
    assert_eq!(f.find("\"push --force\""), s2(&[1]));
    assert_eq!(f.find("\"rm -rf src\""), s2(&[]));
    assert_eq!(f.find("build/"), s2(&[1]));
    // In the output field.
    assert_eq!(f.find("up-to-date"), s2(&[1]));
    // CamelCase tool names: the whole name and its parts, in the text and in `tool:`.
    assert_eq!(f.find("MultiEdit"), s2(&[2]));
    assert_eq!(f.find("edit"), s2(&[2]));
    assert_eq!(f.find("tool:multiedit"), s2(&[2]));
    assert_eq!(f.find("tool:MULTIEDIT"), s2(&[2]));
    assert_eq!(f.find("tool:edit"), s2(&[]));
}

#[test]
fn path_filter_matches_component_sequences() {
    let f = fixture(&story());
    assert_eq!(f.seqs("path:config/"), [2]);
    assert_eq!(f.seqs("path:config"), [2]);
    assert_eq!(f.seqs("path:config/secrets.yml"), [2]);
    assert_eq!(f.seqs("path:proj/config/"), [2]);
    assert_eq!(f.seqs("path:/home/u"), [5, 2]);
    assert_eq!(f.seqs("path:/u/proj"), Vec::<u64>::new(), "absolute paths anchor at the root");
    assert_eq!(f.seqs("path:u/proj"), [5, 2]);
    assert_eq!(f.seqs("path:onfig/"), Vec::<u64>::new());
    assert_eq!(f.seqs("path:secrets.yml/config"), Vec::<u64>::new());
    assert_eq!(f.seqs("path:myconfig path:src/"), [2, 5], "a repeated filter ORs");
    assert_eq!(f.seqs("path:SRC/Main.rs"), [2]);
}

#[test]
fn filters_combine_and_negations_exclude() {
    let f = fixture(&story());
    assert_eq!(f.seqs("agent:codex"), [2, 1]);
    assert_eq!(f.seqs("agent:codex kind:SHELL_EXEC"), [1]);
    assert_eq!(f.seqs("kind:shell_exec"), [1, 3]);
    assert_eq!(f.seqs("kind:shell_exec,file_read"), [1, 3, 2]);
    assert_eq!(f.seqs("kind:shell_exec agent:claude"), [3]);
    assert_eq!(f.seqs("tool:bash rm"), [1, 3]);
    assert_eq!(f.seqs("rm -force"), [3]);
    assert_eq!(f.seqs("secrets -\"secrets.yml\""), [5, 4]);
    assert_eq!(f.seqs("-rm agent:claude"), [5, 4, 2, 1]);
    assert_eq!(f.find("-secrets"), [("s2".to_owned(), 2), ("s2".to_owned(), 1)]);
    // after: is inclusive, before: exclusive.
    assert_eq!(f.seqs("after:2026-11-01T02:00 before:2026-11-01T04:00"), [4, 3]);
    assert_eq!(f.seqs("secrets after:2026-11-01T01:00"), [5, 4, 3, 2]);
    assert_eq!(f.seqs("before:2026-11-01T01:00:01"), [2, 1]);
}

#[test]
fn a_query_of_only_filters_returns_every_match_newest_first() {
    let f = fixture(&story());
    let query = parse("");
    let hits = f.ft.search(&request(&query)).expect("search");
    let ids: Vec<(&str, u64)> = hits.iter().map(|h| (h.session.as_str(), h.seq)).collect();
    assert_eq!(ids, [("s2", 2), ("s2", 1), ("s1", 5), ("s1", 4), ("s1", 3), ("s1", 2), ("s1", 1)]);
    assert!(hits.iter().all(|h| h.score == 0.0));
    assert_eq!((hits[1].kind, hits[1].ts), (Kind::ShellExec, Timestamp(T0 + 5 * H)));
    assert_eq!(f.ft.doc_count().expect("count"), 7);
}

#[test]
fn equal_times_order_by_seq_descending() {
    let f = fixture(&[
        doc("s", 1, T0, Kind::Other, "x"),
        doc("s", 3, T0, Kind::Other, "x"),
        doc("s", 2, T0, Kind::Other, "x"),
    ]);
    assert_eq!(f.seqs("x"), [3, 2, 1]);
}

#[test]
fn offset_and_limit_page_through_both_orders() {
    let docs: Vec<Doc> = (1..=30)
        .map(|i| {
            // Every third step says "needle" in its text, the others only in their output.
            let d = doc(
                "s",
                i,
                T0 + i as i64 * H,
                Kind::ShellExec,
                if i % 3 == 0 { "needle" } else { "x" },
            );
            if i % 3 == 0 { d } else { d.output("a needle in a long haystack of words") }
        })
        .collect();
    let f = fixture(&docs);
    let query = parse("needle");
    let page = |offset, limit, order| {
        let req = SearchRequest { offset, limit, order, ..request(&query) };
        f.ft.search(&req).expect("search")
    };
    let seqs = |hits: &[Hit]| hits.iter().map(|h| h.seq).collect::<Vec<_>>();
    assert_eq!(seqs(&page(0, 3, Order::Newest)), [30, 29, 28]);
    assert_eq!(seqs(&page(3, 3, Order::Newest)), [27, 26, 25]);
    assert_eq!(seqs(&page(28, 10, Order::Newest)), [2, 1]);
    assert!(page(30, 10, Order::Newest).is_empty());
    assert!(page(0, 0, Order::Newest).is_empty());

    // Relevance: the ten text matches (boosted) first.
    let top = page(0, 10, Order::Relevance);
    let mut top_seqs = seqs(&top);
    top_seqs.sort_unstable();
    assert_eq!(top_seqs, [3, 6, 9, 12, 15, 18, 21, 24, 27, 30]);
    let next = page(10, 5, Order::Relevance);
    assert_eq!(next.len(), 5);
    assert!(next.iter().all(|h| h.seq % 3 != 0 && h.score < top[9].score));
    // Newest-first hits carry the same BM25 scores as relevance order computes.
    let all_newest = page(0, 30, Order::Newest);
    for hit in top.iter().chain(&next) {
        let same = all_newest.iter().find(|h| h.seq == hit.seq).expect("in both");
        assert!(hit.score > 0.0 && (same.score - hit.score).abs() < 1e-6, "{hit:?} {same:?}");
    }
}

#[test]
fn sessions_and_steps_restrict_the_search() {
    let f = fixture(&story());
    let query = parse("rm");
    let s2 = ["s2".to_owned()];
    let req = SearchRequest { sessions: Some(&s2), ..request(&query) };
    assert_eq!(f.ids(&req), [("s2".to_owned(), 1)]);
    let none: [String; 0] = [];
    let req = SearchRequest { sessions: Some(&none), ..request(&query) };
    assert!(f.ids(&req).is_empty());

    let steps = [("s1".to_owned(), 3), ("s1".to_owned(), 1), ("s9".to_owned(), 3)];
    let req = SearchRequest { steps: Some(&steps), ..request(&query) };
    assert_eq!(f.ids(&req), [("s1".to_owned(), 3)]);
    let all = parse("");
    let req = SearchRequest { steps: Some(&steps), ..request(&all) };
    assert_eq!(f.ids(&req), [("s1".to_owned(), 3), ("s1".to_owned(), 1)]);
}

#[test]
fn upsert_replaces_the_step() {
    let f = fixture(&[
        doc("s", 1, T0, Kind::ShellExec, "make alpha"),
        doc("s", 2, T0, Kind::Other, "alpha"),
    ]);
    let mut w = f.ft.writer().expect("writer");
    w.upsert(&doc("s", 1, T0 + H, Kind::ShellExec, "make beta").step()).expect("upsert");
    w.commit(2).expect("commit");
    assert_eq!(f.ft.doc_count().expect("count"), 2);
    assert_eq!(f.seqs("alpha"), [2]);
    assert_eq!(f.seqs("beta"), [1]);
    // Another session's step with the same seq is another step.
    w.upsert(&doc("t", 1, T0, Kind::ShellExec, "beta").step()).expect("upsert");
    w.commit(3).expect("commit");
    assert_eq!(f.find("beta"), [("s".to_owned(), 1), ("t".to_owned(), 1)]);
}

#[test]
fn deletes_by_session_by_lsn_and_all() {
    let f = fixture(&story());
    let mut w = f.ft.writer().expect("writer");
    w.delete_session("s2").expect("delete");
    w.commit(2).expect("commit");
    assert_eq!(f.ft.doc_count().expect("count"), 5);
    assert!(f.find("agent:codex").is_empty());

    // last_lsn is seq * 10: steps 1 and 2 (10, 20) go, step 3 (30) stays.
    w.delete_before(30).expect("delete");
    w.commit(3).expect("commit");
    assert_eq!(f.seqs(""), [5, 4, 3]);

    w.delete_all().expect("delete");
    w.commit(4).expect("commit");
    assert_eq!(f.ft.doc_count().expect("count"), 0);
    assert_eq!(f.ft.committed_lsn(), Some(4));
}

#[test]
fn the_checkpoint_survives_reopening() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("index");
    let ft = FullText::open(&path).expect("open");
    assert_eq!(ft.committed_lsn(), None);
    assert_eq!(ft.doc_count().expect("count"), 0);
    let mut w = ft.writer().expect("writer");
    w.upsert(&doc("s", 1, T0, Kind::Other, "x").step()).expect("upsert");
    w.commit(41).expect("commit");
    assert_eq!(ft.committed_lsn(), Some(41));
    w.upsert(&doc("s", 2, T0, Kind::Other, "y").step()).expect("upsert");
    w.commit(42).expect("commit");
    // An uncommitted upsert is lost with its writer.
    w.upsert(&doc("s", 3, T0, Kind::Other, "z").step()).expect("upsert");
    drop(w);
    drop(ft);

    let again = FullText::open(&path).expect("reopen");
    assert_eq!(again.committed_lsn(), Some(42));
    assert_eq!(again.doc_count().expect("count"), 2);
}

#[test]
fn readers_see_their_own_commits_and_others_after_reload() {
    let f = fixture(&[doc("s", 1, T0, Kind::Other, "one")]);
    let other = FullText::open(&f.path).expect("second handle");
    assert_eq!(other.doc_count().expect("count"), 1);
    let mut w = f.ft.writer().expect("writer");
    w.upsert(&doc("s", 2, T0, Kind::Other, "two").step()).expect("upsert");
    w.commit(7).expect("commit");
    assert_eq!(f.seqs("two"), [2], "own commit visible without reload");
    assert_eq!(other.doc_count().expect("count"), 1, "another handle's view is stable");
    assert_eq!(other.committed_lsn(), Some(1));
    other.reload().expect("reload");
    assert_eq!(other.doc_count().expect("count"), 2);
    assert_eq!(other.committed_lsn(), Some(7));
}

#[test]
fn one_writer_at_a_time() {
    let f = fixture(&[]);
    let _w = f.ft.writer().expect("writer");
    let other = FullText::open(&f.path).expect("second handle");
    match other.writer() {
        Err(FullTextError::Locked { path }) => assert_eq!(path, f.path),
        Err(e) => panic!("expected Locked, got {e}"),
        Ok(_) => panic!("expected Locked, got a second writer"),
    }
}

#[test]
fn outputs_are_indexed_by_head_and_tail() {
    let filler = "lorem ".repeat(2000); // 12 KB
    let output = format!("headword {filler} middleword {filler} tailword");
    let f = fixture(&[doc("s", 1, T0, Kind::ShellExec, "cat big").output(&output)]);
    assert_eq!(f.seqs("headword"), [1]);
    assert_eq!(f.seqs("tailword"), [1]);
    assert!(f.seqs("middleword").is_empty());
    // Head and tail are separate values: no phrase across the cut, while the same words
    // next to each other in a short output do form one.
    let cut = format!(
        "{}omega{}beta{}",
        " ".repeat(OUTPUT_HEAD_BYTES - 5),
        " ".repeat(5000),
        " ".repeat(OUTPUT_TAIL_BYTES - 4)
    );
    let f = fixture(&[
        doc("s", 1, T0, Kind::ShellExec, "long").output(&cut),
        doc("s", 2, T0, Kind::ShellExec, "short").output("omega   beta"),
    ]);
    assert_eq!(f.seqs("omega beta"), [2, 1]);
    assert_eq!(f.seqs("\"omega beta\""), [2]);
    let (head, tail) = cap_output(&output);
    assert_eq!((head.len(), tail.len()), (OUTPUT_HEAD_BYTES, OUTPUT_TAIL_BYTES));
    let wide = "é".repeat(3000);
    let (head, tail) = cap_output(&wide);
    assert_eq!((head.len(), tail.len()), (OUTPUT_HEAD_BYTES, OUTPUT_TAIL_BYTES));
    assert_eq!(cap_output("short"), ("short", ""));
}

#[test]
fn a_foreign_payload_is_reported() {
    let path = Path::new("/x");
    assert_eq!(parse_payload(path, None).expect("none"), None);
    assert_eq!(parse_payload(path, Some("lsn:12")).expect("lsn"), Some(12));
    assert!(matches!(
        parse_payload(path, Some("12")),
        Err(FullTextError::BadPayload { payload, .. }) if payload == "12"
    ));
}
