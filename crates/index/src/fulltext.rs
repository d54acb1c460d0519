//! The tantivy full-text index: one document per step, searched by `tl search` and the web UI.
//!
//! The index is derived data (DESIGN.md §5): the catalog is canonical, bodies stay in the log,
//! and the whole index can be rebuilt from the log. So it stores nothing it does not need to
//! answer a query: no stored fields at all. A hit's session, seq, time and kind come from fast
//! (columnar) fields, the caller takes summaries from the catalog and bodies from the log.
//!
//! # Schema
//!
//! | field | type | for |
//! |---|---|---|
//! | `id` | keyword `session \0 seq`, indexed | [`FullTextWriter::upsert`] replaces a step; `steps` restriction |
//! | `session` | keyword, indexed + fast | `delete_session`, the session filter, hits |
//! | `seq` | u64 fast | hits, tie-break of newest-first |
//! | `ts` | i64 fast (ns since the epoch) | newest-first order, `after:`/`before:` |
//! | `kind` | u64 indexed + fast (the kind's codec index) | `kind:`, hits |
//! | `agent` | u64 indexed (the agent's codec index) | `agent:` |
//! | `tool` | keyword, lowercased, indexed | `tool:` |
//! | `path` | path components with positions | `path:` |
//! | `text` | words with positions: the step's text, its tool name and its paths | free text (BM25 boost 2) |
//! | `output` | words with positions: output, capped ([`OUTPUT_HEAD_BYTES`] + [`OUTPUT_TAIL_BYTES`]) | free text |
//! | `last_lsn` | u64 fast | `delete_before` (`tl gc`) |
//!
//! Word splitting is in `fulltext::tokenize`; the query language in [`crate::query`]; the user's view
//! in `docs/search.md`.
//!
//! # Checkpoint and readers
//!
//! [`FullTextWriter::commit`] stores the LSN it covers in the commit's payload, so the index
//! resumes from its own checkpoint after a crash (DESIGN.md §5: exactly once). A [`FullText`]
//! opens its reader on the first search, without a watcher thread (every `tl search` is a new
//! process, and opening must stay cheap); it sees its own writers' commits at once, and another
//! process's commits after [`FullText::reload`].

mod search;
mod snippet;
mod tokenize;

use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tantivy::directory::{Advice, MmapDirectory};
use tantivy::indexer::LogMergePolicy;
use tantivy::query::RangeQuery;
use tantivy::schema::{
    FAST, Field, IndexRecordOption, NumericOptions, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{LowerCaser, RawTokenizer, TextAnalyzer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, TantivyError, Term};

pub use self::search::{Hit, Order, SearchRequest};
pub use self::snippet::Snippet;
pub use self::tokenize::MAX_WORD_BYTES;
use crate::query::Query;

/// How many bytes of the start of a step's output are indexed.
///
/// Outputs are capped to their head and tail because that is where the searchable part is (the
/// command's first lines, its final error or summary) and full outputs would dominate the
/// index: DESIGN.md §5 measured head+tail KiB caps at a third of the size of full outputs. The
/// whole output stays in the log; a search that needs the middle of an output has to read it.
pub const OUTPUT_HEAD_BYTES: usize = 2048;

/// How many bytes of the end of a step's output are indexed (see [`OUTPUT_HEAD_BYTES`]).
pub const OUTPUT_TAIL_BYTES: usize = 2048;

/// The indexing memory budget of a writer, shared by its threads: 64 MiB keeps segments large
/// (fewer merges) without weighing on the daemon.
const WRITER_MEMORY_BYTES: usize = 64 << 20;

/// The most indexing threads a writer uses (the machine the design targets has two cores).
const WRITER_MAX_THREADS: usize = 2;

/// What the commit payload says: `lsn:<decimal>`.
const PAYLOAD_PREFIX: &str = "lsn:";

/// An error of the full-text index.
#[derive(Debug, thiserror::Error)]
pub enum FullTextError {
    /// The index directory could not be created.
    #[error("cannot create the full-text index directory {path}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The index could not be opened or created.
    #[error("cannot open the full-text index at {path}")]
    Open {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: TantivyError,
    },
    /// The index on disk has another schema (written by another version of tl).
    #[error(
        "the full-text index at {path} was built by another version of tl\nhint: run `tl reindex`"
    )]
    Incompatible {
        /// The directory.
        path: PathBuf,
    },
    /// The last commit's payload is not an LSN: the index was not written by tl.
    #[error(
        "the full-text index at {path} has an unreadable checkpoint {payload:?}\nhint: run `tl reindex`"
    )]
    BadPayload {
        /// The directory.
        path: PathBuf,
        /// The payload found.
        payload: String,
    },
    /// Another process holds the index's writer lock.
    #[error("another process is writing the full-text index at {path}")]
    Locked {
        /// The directory.
        path: PathBuf,
    },
    /// An operation of tantivy failed.
    #[error("full-text index at {path}: {op} failed")]
    Tantivy {
        /// The directory.
        path: PathBuf,
        /// What was being done (`search`, `commit`, …).
        op: &'static str,
        /// Why.
        #[source]
        source: TantivyError,
    },
}

/// The handles of the schema's fields.
#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    session: Field,
    seq: Field,
    ts: Field,
    kind: Field,
    agent: Field,
    tool: Field,
    path: Field,
    text: Field,
    output: Field,
    last_lsn: Field,
}

impl Fields {
    fn schema() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let words = |tokenizer| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(tokenizer)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            )
        };
        let keyword = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenize::KEYWORD)
                .set_index_option(IndexRecordOption::Basic)
                .set_fieldnorms(false),
        );
        let paths = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenize::PATHS)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions)
                .set_fieldnorms(false),
        );
        let fields = Fields {
            id: b.add_text_field("id", STRING),
            session: b.add_text_field("session", STRING | FAST),
            seq: b.add_u64_field("seq", FAST),
            ts: b.add_i64_field("ts", FAST),
            kind: b.add_u64_field("kind", NumericOptions::default().set_indexed().set_fast()),
            agent: b.add_u64_field("agent", NumericOptions::default().set_indexed()),
            tool: b.add_text_field("tool", keyword),
            path: b.add_text_field("path", paths),
            text: b.add_text_field("text", words(tokenize::WORDS)),
            output: b.add_text_field("output", words(tokenize::WORDS)),
            last_lsn: b.add_u64_field("last_lsn", FAST),
        };
        (b.build(), fields)
    }
}

/// What a [`FullText`] and its writers share.
struct Shared {
    /// The LSN of the last commit (this process's or the one found at open or reload).
    lsn: Mutex<Option<u64>>,
    /// Counts this process's commits, so a reader knows it must reload.
    commits: AtomicU64,
}

/// The full-text index of a tl home (`TL_HOME/index/`).
pub struct FullText {
    index: Index,
    path: PathBuf,
    fields: Fields,
    shared: Arc<Shared>,
    /// The reader, opened on first use, with the commit count it reflects.
    reader: Mutex<Option<(IndexReader, u64)>>,
}

/// The data of one step to index. Texts are borrowed: the indexer builds them per step.
#[derive(Clone, Copy, Debug)]
pub struct StepDoc<'a> {
    /// The session id.
    pub session: &'a str,
    /// The step's number in its session.
    pub seq: u64,
    /// The agent.
    pub agent: event::Agent,
    /// The step's kind.
    pub kind: event::Kind,
    /// When the step started.
    pub ts: event::Timestamp,
    /// The tool name, as the agent gave it (`Bash`, `mcp__github__create_issue`).
    pub tool: Option<&'a str>,
    /// The paths the step touched.
    pub paths: &'a [String],
    /// What a user searches for: summary, command line, prompt, assistant text, URL, query, MCP
    /// target.
    pub text: &'a str,
    /// Tool output, stderr and error; capped here to [`OUTPUT_HEAD_BYTES`] + [`OUTPUT_TAIL_BYTES`].
    pub output: &'a str,
    /// The highest LSN of the step's records (`tl gc` deletes by it).
    pub last_lsn: u64,
}

/// The writer of a [`FullText`]: one at a time per index (tantivy's lock file; DESIGN.md §5:
/// one indexer at a time).
pub struct FullTextWriter {
    writer: IndexWriter<TantivyDocument>,
    path: PathBuf,
    fields: Fields,
    shared: Arc<Shared>,
}

impl FullText {
    /// Opens the index in `dir`, creating the directory and an empty index if absent.
    ///
    /// Files are mapped with random-access advice: a search touches a few pages of each file,
    /// and the kernel's default read-ahead made a cold search ten times slower (DESIGN.md §5).
    ///
    /// # Errors
    ///
    /// [`FullTextError::CreateDir`] or [`FullTextError::Open`] if the directory or index cannot
    /// be opened, [`FullTextError::Incompatible`] if its schema is another version's,
    /// [`FullTextError::BadPayload`] if its checkpoint is unreadable.
    pub fn open(dir: &Path) -> Result<FullText, FullTextError> {
        let path = dir.to_path_buf();
        std::fs::create_dir_all(dir)
            .map_err(|source| FullTextError::CreateDir { path: path.clone(), source })?;
        let open_err = |source| FullTextError::Open { path: path.clone(), source };
        let directory = MmapDirectory::open_with_madvice(dir, Advice::Random)
            .map_err(|e| open_err(TantivyError::from(e)))?;
        let (schema, fields) = Fields::schema();
        let index = match Index::open_or_create(directory, schema) {
            Ok(index) => index,
            Err(TantivyError::SchemaError(_)) => {
                return Err(FullTextError::Incompatible { path });
            }
            Err(e) => return Err(open_err(e)),
        };
        register_tokenizers(&index);
        let payload = index.load_metas().map_err(open_err)?.payload;
        let lsn = parse_payload(&path, payload.as_deref())?;
        Ok(FullText {
            index,
            path,
            fields,
            shared: Arc::new(Shared { lsn: Mutex::new(lsn), commits: AtomicU64::new(0) }),
            reader: Mutex::new(None),
        })
    }

    /// The LSN the last commit covers; `None` for an index never committed by tl.
    pub fn committed_lsn(&self) -> Option<u64> {
        *lock(&self.shared.lsn)
    }

    /// The number of steps in the index, as of the last commit this handle sees.
    ///
    /// # Errors
    ///
    /// [`FullTextError::Tantivy`] if the reader cannot be opened.
    pub fn doc_count(&self) -> Result<u64, FullTextError> {
        Ok(self.reader()?.searcher().num_docs())
    }

    /// A writer (one per index at a time, across processes), with a bounded merge policy.
    ///
    /// # Errors
    ///
    /// [`FullTextError::Locked`] if another writer is open, [`FullTextError::Tantivy`] else.
    pub fn writer(&self) -> Result<FullTextWriter, FullTextError> {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, WRITER_MAX_THREADS);
        let writer = self.index.writer_with_num_threads(threads, WRITER_MEMORY_BYTES).map_err(
            |e| match e {
                TantivyError::LockFailure(..) => FullTextError::Locked { path: self.path.clone() },
                source => {
                    FullTextError::Tantivy { path: self.path.clone(), op: "open writer", source }
                }
            },
        )?;
        writer.set_merge_policy(Box::new(merge_policy()));
        // A writer killed mid-commit leaves files the last commit does not reference, among them
        // deletion files named by segment and opstamp. The replayed batch reaches the same
        // opstamp and would fail creating the same file ("FileAlreadyExists"): collect them
        // first (found by crates/tl/tests/it/kill_indexer.rs).
        writer.garbage_collect_files().wait().map_err(|source| FullTextError::Tantivy {
            path: self.path.clone(),
            op: "collect leftover files",
            source,
        })?;
        Ok(FullTextWriter {
            writer,
            path: self.path.clone(),
            fields: self.fields,
            shared: Arc::clone(&self.shared),
        })
    }

    /// Sees what other processes committed since this handle was opened (or last reloaded):
    /// a long-lived reader (the web UI) calls this before searching.
    ///
    /// # Errors
    ///
    /// [`FullTextError::Tantivy`] if the index's metadata cannot be read,
    /// [`FullTextError::BadPayload`] if the new checkpoint is unreadable.
    pub fn reload(&self) -> Result<(), FullTextError> {
        let payload = self.index.load_metas().map_err(|e| self.err("reload", e))?.payload;
        *lock(&self.shared.lsn) = parse_payload(&self.path, payload.as_deref())?;
        if let Some((reader, _)) = lock(&self.reader).as_ref() {
            reader.reload().map_err(|e| self.err("reload", e))?;
        }
        Ok(())
    }

    /// The steps that match `req`, in its order, from `req.offset`, at most `req.limit`.
    ///
    /// # Errors
    ///
    /// [`FullTextError::Tantivy`] if the index cannot be read.
    pub fn search(&self, req: &SearchRequest) -> Result<Vec<Hit>, FullTextError> {
        let searcher = self.reader()?.searcher();
        search::run(&searcher, self.fields, req).map_err(|e| self.err("search", e))
    }

    /// The fragment of `text` (a body the caller read from the log) that best shows why it
    /// matched `query`, with the matches marked; at most `max_chars` characters plus an
    /// ellipsis at each end that was cut.
    pub fn snippet(&self, query: &Query, text: &str, max_chars: usize) -> Snippet {
        snippet::snippet(query, text, max_chars)
    }

    /// The reader, opened now if it was not, reloaded if this process committed since.
    fn reader(&self) -> Result<IndexReader, FullTextError> {
        let commits = self.shared.commits.load(Ordering::Acquire);
        let mut slot = lock(&self.reader);
        match slot.as_mut() {
            Some((reader, seen)) => {
                if *seen != commits {
                    reader.reload().map_err(|e| self.err("reload", e))?;
                    *seen = commits;
                }
                Ok(reader.clone())
            }
            None => {
                let reader = self
                    .index
                    .reader_builder()
                    .reload_policy(ReloadPolicy::Manual)
                    .try_into()
                    .map_err(|e| self.err("open reader", e))?;
                *slot = Some((IndexReader::clone(&reader), commits));
                Ok(reader)
            }
        }
    }

    fn err(&self, op: &'static str, source: TantivyError) -> FullTextError {
        FullTextError::Tantivy { path: self.path.clone(), op, source }
    }
}

impl FullTextWriter {
    /// Indexes `doc`, replacing any document of the same `(session, seq)` (on commit).
    ///
    /// # Errors
    ///
    /// [`FullTextError::Tantivy`] if the writer has failed (its threads died).
    pub fn upsert(&mut self, doc: &StepDoc) -> Result<(), FullTextError> {
        let f = self.fields;
        let id = step_id(doc.session, doc.seq);
        self.writer.delete_term(Term::from_field_text(f.id, &id));
        let mut d = TantivyDocument::new();
        d.add_text(f.id, &id);
        d.add_text(f.session, doc.session);
        d.add_u64(f.seq, doc.seq);
        d.add_i64(f.ts, doc.ts.as_unix_nanos());
        d.add_u64(f.kind, doc.kind as u64);
        d.add_u64(f.agent, doc.agent as u64);
        d.add_u64(f.last_lsn, doc.last_lsn);
        d.add_text(f.text, doc.text);
        if let Some(tool) = doc.tool {
            d.add_text(f.tool, tool);
            d.add_text(f.text, tool);
        }
        for path in doc.paths {
            d.add_text(f.path, path);
            d.add_text(f.text, path);
        }
        // Head and tail go in as two values, so no phrase matches across the cut.
        let (head, tail) = cap_output(doc.output);
        d.add_text(f.output, head);
        if !tail.is_empty() {
            d.add_text(f.output, tail);
        }
        self.writer.add_document(d).map_err(|e| self.err("add document", e))?;
        Ok(())
    }

    /// Deletes every document of `session` (on commit).
    ///
    /// # Errors
    ///
    /// None today; a `Result` so that the indexer's error handling does not change if tantivy's
    /// delete starts failing.
    pub fn delete_session(&mut self, session: &str) -> Result<(), FullTextError> {
        self.writer.delete_term(Term::from_field_text(self.fields.session, session));
        Ok(())
    }

    /// Deletes the documents whose `last_lsn` is below `lsn` (on commit): `tl gc` after removing
    /// the log segments before `lsn`.
    ///
    /// # Errors
    ///
    /// [`FullTextError::Tantivy`] if the delete cannot be queued.
    pub fn delete_before(&mut self, lsn: u64) -> Result<(), FullTextError> {
        let upper = Term::from_field_u64(self.fields.last_lsn, lsn);
        let query = RangeQuery::new(Bound::Unbounded, Bound::Excluded(upper));
        self.writer.delete_query(Box::new(query)).map_err(|e| self.err("delete", e))?;
        Ok(())
    }

    /// Deletes every document (on commit): `tl reindex`.
    ///
    /// # Errors
    ///
    /// [`FullTextError::Tantivy`] if the delete fails.
    pub fn delete_all(&mut self) -> Result<(), FullTextError> {
        self.writer.delete_all_documents().map_err(|e| self.err("delete all", e))?;
        Ok(())
    }

    /// Makes everything since the last commit durable and visible, with `lsn` as the checkpoint
    /// ([`FullText::committed_lsn`], in this process and any that opens the index later).
    ///
    /// # Errors
    ///
    /// [`FullTextError::Tantivy`] if the commit fails; nothing since the last commit is then
    /// visible, and the checkpoint is the previous one.
    pub fn commit(&mut self, lsn: u64) -> Result<(), FullTextError> {
        let path = &self.path;
        let err = |source| FullTextError::Tantivy { path: path.clone(), op: "commit", source };
        let mut prepared = self.writer.prepare_commit().map_err(err)?;
        prepared.set_payload(&format!("{PAYLOAD_PREFIX}{lsn}"));
        prepared.commit().map_err(err)?;
        *lock(&self.shared.lsn) = Some(lsn);
        self.shared.commits.fetch_add(1, Ordering::Release);
        Ok(())
    }

    /// Waits for the merges in progress and closes the writer. A short-lived writer (the catch-up
    /// of a read command) may simply be dropped instead: an unfinished merge is discarded and
    /// the next writer redoes it.
    ///
    /// # Errors
    ///
    /// [`FullTextError::Tantivy`] if a merge failed.
    pub fn wait_merges(self) -> Result<(), FullTextError> {
        let path = self.path;
        self.writer.wait_merging_threads().map_err(|source| FullTextError::Tantivy {
            path,
            op: "merge",
            source,
        })
    }

    fn err(&self, op: &'static str, source: TantivyError) -> FullTextError {
        FullTextError::Tantivy { path: self.path.clone(), op, source }
    }
}

/// The merge policy: tantivy's log-structured policy with a lower fan-in, so that a search
/// opens few segments (DESIGN.md §5 asks for a bounded segment count): with commits of a few
/// thousand steps, a 1 M-step index settles at some 15 segments, not 40. Segments with many
/// deletes (upserts of completed steps, `tl gc`) are merged early.
fn merge_policy() -> LogMergePolicy {
    let mut policy = LogMergePolicy::default();
    policy.set_min_num_segments(4);
    policy.set_del_docs_ratio_before_merge(0.25);
    policy
}

fn register_tokenizers(index: &Index) {
    let tokenizers = index.tokenizers();
    tokenizers.register(tokenize::WORDS, tokenize::WordTokenizer::default());
    tokenizers.register(tokenize::PATHS, tokenize::PathTokenizer::default());
    tokenizers.register(
        tokenize::KEYWORD,
        TextAnalyzer::builder(RawTokenizer::default()).filter(LowerCaser).build(),
    );
}

/// The unique key of a step: a session id cannot contain NUL (it comes from JSON the agents
/// write, and the seq follows the last NUL anyway).
fn step_id(session: &str, seq: u64) -> String {
    format!("{session}\0{seq}")
}

/// The indexed part of an output: all of it when short, else its first [`OUTPUT_HEAD_BYTES`]
/// and last [`OUTPUT_TAIL_BYTES`], each shortened to end (start) between words when a word
/// boundary is near, so the cut does not index a fragment of a word as a word.
fn cap_output(output: &str) -> (&str, &str) {
    if output.len() <= OUTPUT_HEAD_BYTES + OUTPUT_TAIL_BYTES {
        return (output, "");
    }
    let mut head = OUTPUT_HEAD_BYTES;
    while !output.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = output.len() - OUTPUT_TAIL_BYTES;
    while !output.is_char_boundary(tail) {
        tail += 1;
    }
    let (head_text, tail_text) = (&output[..head], &output[tail..]);
    let in_word = |a: Option<char>, b: Option<char>| {
        a.is_some_and(char::is_alphanumeric) && b.is_some_and(char::is_alphanumeric)
    };
    // Look back (forward) at most a longest word for a character that is not part of a word.
    let head_text = if in_word(head_text.chars().next_back(), output[head..].chars().next()) {
        let mut back = head_text.char_indices().rev().take(MAX_WORD_BYTES);
        match back.find(|(_, c)| !c.is_alphanumeric()) {
            Some((i, _)) => &head_text[..i],
            None => head_text,
        }
    } else {
        head_text
    };
    let tail_text = if in_word(output[..tail].chars().next_back(), tail_text.chars().next()) {
        match tail_text.char_indices().take(MAX_WORD_BYTES).find(|(_, c)| !c.is_alphanumeric()) {
            Some((i, _)) => &tail_text[i..],
            None => tail_text,
        }
    } else {
        tail_text
    };
    (head_text, tail_text)
}

fn parse_payload(path: &Path, payload: Option<&str>) -> Result<Option<u64>, FullTextError> {
    let Some(payload) = payload else { return Ok(None) };
    payload.strip_prefix(PAYLOAD_PREFIX).and_then(|n| n.parse().ok()).map(Some).ok_or_else(|| {
        FullTextError::BadPayload { path: path.to_path_buf(), payload: payload.to_owned() }
    })
}

/// Locks a mutex, ignoring poisoning: the data behind ours (an LSN, a reader handle) is valid
/// whatever a panicking thread was doing.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests;
