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
    // With "headwords " (10 bytes) first, the head's cap falls inside a "lorem": the head is
    // cut back to the word before, and whatever the tail starts with is a whole word.
    let output = format!("headwords {filler} middleword {filler} tailwords!");
    let (head, tail) = cap_output(&output);
    let mut words = tail.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty());
    assert!(head.len() < OUTPUT_HEAD_BYTES && head.ends_with(" lorem"), "{head:?}");
    assert_eq!(words.next(), Some("lorem"));
    assert!(tail.len() < OUTPUT_TAIL_BYTES && tail.ends_with(" tailwords!"));
    // A word longer than the look-back is cut where the cap falls (on a character boundary).
    let wide = "é".repeat(3000);
    let (head, tail) = cap_output(&wide);
    assert_eq!((head.len(), tail.len()), (OUTPUT_HEAD_BYTES, OUTPUT_TAIL_BYTES));
    let spaced = format!("{} {}", "a".repeat(OUTPUT_HEAD_BYTES), "b".repeat(OUTPUT_TAIL_BYTES));
    assert_eq!(
        cap_output(&spaced),
        (&spaced[..OUTPUT_HEAD_BYTES], &spaced[OUTPUT_HEAD_BYTES + 1..])
    );
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

/// A deterministic generator of step-shaped text (xorshift; no dependency).
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A word from a vocabulary of 20 000, skewed to the first ones (as in real text).
    fn word(&mut self) -> String {
        const SYLLABLES: [&str; 16] = [
            "ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ex", "por", "dat", "fig", "on", "us",
            "er", "al",
        ];
        let n = self.next() % 20_000;
        let n = n * n / 20_000; // quadratic skew
        let mut w = String::new();
        let mut k = n + 1;
        while k > 0 {
            w.push_str(SYLLABLES[(k % 16) as usize]);
            k /= 16;
        }
        w
    }

    fn words(&mut self, bytes: usize) -> String {
        let mut s = String::with_capacity(bytes + 16);
        while s.len() < bytes {
            s.push_str(&self.word());
            s.push(if self.next().is_multiple_of(12) { '\n' } else { ' ' });
        }
        s
    }
}

/// Builds an index of `steps` generated steps whose outputs are cut to `cap` bytes at each end
/// before indexing (the writer's own cap applies on top); returns the raw bytes given and the
/// index's size on disk.
fn build_measured(path: &Path, steps: u64, cap: usize) -> (u64, u64) {
    let mut g = Gen(0x9E37_79B9_7F4A_7C15);
    let ft = FullText::open(path).expect("open");
    let mut w = ft.writer().expect("writer");
    let mut raw = 0u64;
    for i in 0..steps {
        let out_len = match g.next() % 100 {
            0..=69 => (g.next() % 500) as usize,
            70..=94 => 1000 + (g.next() % 5000) as usize,
            _ => 20_000 + (g.next() % 80_000) as usize,
        };
        let mut text = format!("{} {}/{}.rs --{}", g.word(), g.word(), g.word(), g.word());
        if i % 33_333 == 7 {
            text.push_str(" zebracorn");
        }
        let output = g.words(out_len);
        let path = format!("/home/u/proj/{}/{}.rs", g.word(), g.word());
        raw += (text.len() + output.len() + path.len()) as u64;
        let (head, tail) = if output.len() > 2 * cap {
            (&output[..cap], &output[output.len() - cap..])
        } else {
            (output.as_str(), "")
        };
        let output = format!("{head}\n{tail}");
        let d = Doc {
            session: format!("{:08x}-0000-4000-8000-{:012x}", i / 1000, i / 1000),
            seq: i % 1000 + 1,
            agent: Agent::ClaudeCode,
            kind: Kind::ShellExec,
            ts: T0 + i as i64 * 1_000_000_000,
            tool: Some("Bash".to_owned()),
            paths: vec![path],
            text,
            output,
            last_lsn: i,
        };
        w.upsert(&d.step()).expect("upsert");
        if i % 5000 == 4999 {
            w.commit(i).expect("commit");
        }
    }
    w.commit(steps).expect("commit");
    w.wait_merges().expect("merges");
    let size = std::fs::read_dir(path)
        .expect("read dir")
        .map(|e| e.expect("entry").metadata().expect("metadata").len())
        .sum();
    (raw, size)
}

/// Open + search timings and index sizes on 100 000 generated steps; numbers go in
/// docs/search.md. Run with
/// `cargo test -p index --release --lib measure_search -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a test: takes a minute, prints numbers"]
fn measure_search_on_100k_steps() {
    use std::time::Instant;
    let dir = tempfile::tempdir().expect("tempdir");
    for cap in [1024, 2048] {
        let path = dir.path().join(format!("cap{cap}"));
        let t = Instant::now();
        let (raw, size) = build_measured(&path, 100_000, cap);
        eprintln!(
            "cap {cap} B + {cap} B: indexed 100k steps in {:.1} s, raw text {:.1} MB, index {:.1} MB ({:.3} x raw)",
            t.elapsed().as_secs_f64(),
            raw as f64 / 1e6,
            size as f64 / 1e6,
            size as f64 / raw as f64
        );
    }
    let path = dir.path().join("cap2048");
    let segments = std::fs::read_dir(&path)
        .expect("read dir")
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "idx")))
        .count();
    eprintln!("segments after build: {segments}");
    for (label, q, order) in [
        ("rare term, newest", "zebracorn", Order::Newest),
        ("common term, newest", "lo", Order::Newest),
        ("common term, relevance", "lo", Order::Relevance),
        ("common phrase, newest", "\"lo mi\"", Order::Newest),
        ("common phrase, relevance", "\"lo mi\"", Order::Relevance),
        ("filters only, newest", "kind:SHELL_EXEC path:proj/", Order::Newest),
    ] {
        let query = parse(q);
        let all = FullText::open(&path).expect("open");
        let matches =
            all.search(&SearchRequest { limit: 1 << 20, ..request(&query) }).expect("search").len();
        let mut times = Vec::new();
        let mut n = 0;
        for _ in 0..21 {
            let t = Instant::now();
            let ft = FullText::open(&path).expect("open");
            let query = parse(q);
            let hits =
                ft.search(&SearchRequest { order, limit: 20, ..request(&query) }).expect("search");
            times.push(t.elapsed().as_secs_f64() * 1e3);
            n = hits.len();
        }
        times.sort_by(f64::total_cmp);
        eprintln!(
            "open + search {label:26} {q:28}: {matches:6} matches, {n:2} hits, p50 {:.2} ms, max {:.2} ms",
            times[10], times[20]
        );
    }
}
