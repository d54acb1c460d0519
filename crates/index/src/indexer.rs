//! The indexer: follows the log and keeps the catalog, the findings and the full-text index up
//! to date, exactly once, whatever crashes (DESIGN.md §5).
//!
//! # One batch
//!
//! [`Indexer::catch_up`] reads records from the catalog's cursor in batches (at most
//! [`IndexerConfig::batch_records`] records or [`IndexerConfig::batch_bytes`] bytes), folds them
//! into steps ([`StepFolder`], which asks the catalog for steps it no longer holds), asks the
//! [`Judge`] for findings on every event and on every completed step, then writes:
//!
//! 1. the full-text documents of every step the batch touched, committed with the batch's end
//!    LSN as the commit payload;
//! 2. the catalog rows (steps, sessions, token sums, findings) and the cursor, in one SQLite
//!    transaction.
//!
//! # Exactly once
//!
//! Each store resumes from its own checkpoint. The full-text commit comes first, so after a crash
//! between the two the index is *ahead* of the catalog: the batch is read again from the
//! catalog's cursor, folds into the same steps (the catalog holds the same state as before the
//! batch), and the documents are written again, replacing themselves (one document per
//! `(session, seq)`). The catalog can never be ahead of the index unless the index was deleted or
//! damaged; then the index is rebuilt from the catalog and the log before anything else.
//!
//! Findings are derived from the events and the rule set: they commit with the catalog's rows.
//! When the judge's [`Judge::version`] differs from the one the catalog recorded, every finding
//! is recomputed from the stored steps' records.
//!
//! A batch is at most half the folder's memory ([`FolderConfig::max_live_steps`]) so that no
//! step the batch touches is evicted before the batch is written: the folder's [`Recall`] reads
//! committed rows only.
//!
//! [`Recall`]: crate::Recall

use std::collections::{HashMap, HashSet};
use std::path::Path;

use event::{Event, SessionId};
use wal::{Lsn, Wal};

use crate::catalog::{Catalog, CatalogError, CatalogRecall, NewFinding};
use crate::fulltext::{FullText, FullTextError, FullTextWriter, StepDoc};
use crate::logread::LogLookup;
use crate::steps::{FolderConfig, Seq, Step, StepFolder, StepOutcome};

/// The catalog cursor of the indexer.
pub const CURSOR: &str = "index";

/// The most text and output a step's document accumulates before the full-text index caps it.
const DOC_TEXT_MAX: usize = 64 * 1024;

/// Decides the findings of events and steps; `tl` implements it with the rule engine (the
/// index does not depend on the rules crate).
pub trait Judge {
    /// Identifies the rule set: when it changes, findings are recomputed.
    fn version(&self) -> String;

    /// The findings on `event`, which folded into `step`.
    fn judge_event(&mut self, event: &Event, step: &Step) -> Vec<NewFinding>;

    /// The findings on a completed step as a whole (its duration, its outcome).
    fn judge_step(&mut self, step: &Step) -> Vec<NewFinding>;
}

/// A judge that finds nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoJudge;

impl Judge for NoJudge {
    fn version(&self) -> String {
        "none".into()
    }

    fn judge_event(&mut self, _event: &Event, _step: &Step) -> Vec<NewFinding> {
        Vec::new()
    }

    fn judge_step(&mut self, _step: &Step) -> Vec<NewFinding> {
        Vec::new()
    }
}

/// An indexing error.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The catalog failed.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// The full-text index failed.
    #[error(transparent)]
    FullText(#[from] FullTextError),
    /// The log could not be read.
    #[error("log: {0}")]
    Log(#[from] wal::Error),
}

/// Batch limits.
#[derive(Clone, Copy, Debug)]
pub struct IndexerConfig {
    /// The most records in one batch (one full-text commit, one SQLite transaction).
    pub batch_records: usize,
    /// The most payload bytes in one batch.
    pub batch_bytes: usize,
    /// The folder's limits; `max_live_steps` is raised to twice `batch_records` if lower.
    pub folder: FolderConfig,
}

impl Default for IndexerConfig {
    fn default() -> IndexerConfig {
        IndexerConfig {
            batch_records: 20_000,
            batch_bytes: 48 << 20,
            folder: FolderConfig::default(),
        }
    }
}

/// Where a catch-up is, for a progress bar.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    /// The LSN indexed so far.
    pub lsn: u64,
    /// Records read so far.
    pub records: u64,
    /// Steps written so far.
    pub steps: u64,
}

/// What a catch-up did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CatchUp {
    /// The cursor before.
    pub from: u64,
    /// The cursor after.
    pub to: u64,
    /// Records read.
    pub records: u64,
    /// Records that did not decode as events (counted, skipped).
    pub undecodable: u64,
    /// Step rows written (a step touched by two batches counts twice).
    pub steps: u64,
    /// Findings written.
    pub findings: u64,
    /// Whether findings were recomputed under a changed rule set.
    pub recomputed_findings: bool,
    /// Whether the full-text index was rebuilt from the catalog.
    pub rebuilt_fulltext: bool,
    /// Damage the log reader stepped over.
    pub damage: u64,
}

/// Follows the log into the catalog and the full-text index.
pub struct Indexer<'w, J: Judge> {
    wal: &'w Wal,
    catalog: Catalog,
    fulltext: FullText,
    folder: StepFolder<CatalogRecall>,
    judge: J,
    config: IndexerConfig,
    branch_known: HashSet<SessionId>,
}

impl<J: Judge> std::fmt::Debug for Indexer<'_, J> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Indexer").field("catalog", &self.catalog).finish_non_exhaustive()
    }
}

impl<'w, J: Judge> Indexer<'w, J> {
    /// An indexer over `wal` writing the catalog at `catalog` and the index in `fulltext`
    /// (both created if absent). The caller holds the indexer lock.
    pub fn open(
        wal: &'w Wal,
        catalog: &Path,
        fulltext: &Path,
        judge: J,
        config: IndexerConfig,
    ) -> Result<Indexer<'w, J>, IndexError> {
        let catalog = Catalog::open(catalog)?;
        let fulltext = FullText::open(fulltext)?;
        let mut config = config;
        config.batch_records = config.batch_records.max(1);
        config.folder.max_live_steps = config.folder.max_live_steps.max(2 * config.batch_records);
        let folder = StepFolder::with_recall(config.folder, catalog.recall()?);
        Ok(Indexer { wal, catalog, fulltext, folder, judge, config, branch_known: HashSet::new() })
    }

    /// The catalog this indexer writes.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The full-text index this indexer writes.
    pub fn fulltext(&self) -> &FullText {
        &self.fulltext
    }

    /// Indexes everything the log holds beyond the cursor, calling `progress` after each batch.
    pub fn catch_up(&mut self, progress: &mut dyn FnMut(&Progress)) -> Result<CatchUp, IndexError> {
        let result = self.catch_up_inner(progress);
        if result.is_err() {
            // The folder may hold records of a batch that did not commit: forget them, so the
            // retry folds them once.
            self.reset_folder()?;
        }
        result
    }

    fn reset_folder(&mut self) -> Result<(), IndexError> {
        self.folder = StepFolder::with_recall(self.config.folder, self.catalog.recall()?);
        Ok(())
    }

    fn catch_up_inner(
        &mut self,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<CatchUp, IndexError> {
        let mut report = CatchUp::default();
        let cursor = self.catalog.cursor(CURSOR)?;
        report.from = cursor;
        if self.fulltext.committed_lsn().unwrap_or(0) < cursor {
            self.rebuild_fulltext(cursor)?;
            report.rebuilt_fulltext = true;
        }
        let version = self.judge.version();
        if self.catalog.meta("rules_hash")?.as_deref() != Some(version.as_str()) {
            report.findings += self.recompute_findings(&version)?;
            report.recomputed_findings = true;
        }
        let mut reader = self.wal.reader(Lsn(cursor));
        let mut writer: Option<FullTextWriter> = None;
        let mut done = Progress { lsn: cursor, ..Progress::default() };
        loop {
            let batch_start = reader.position().0;
            let mut batch = BatchState::default();
            let mut bytes = 0usize;
            while batch.records < self.config.batch_records && bytes < self.config.batch_bytes {
                let Some(record) = reader.next()? else { break };
                bytes += record.payload.len();
                batch.records += 1;
                let lsn = record.lsn;
                match event::decode(record.payload) {
                    Ok(event) => self.fold(lsn, event, &mut batch),
                    Err(_) => batch.undecodable += 1,
                }
            }
            if batch.records == 0 {
                break;
            }
            let end = reader.position().0;
            self.complete_steps(&mut batch);
            let writer = match &mut writer {
                Some(w) => w,
                None => writer.insert(self.fulltext.writer()?),
            };
            self.write_fulltext(writer, &mut batch, batch_start, end)?;
            self.write_catalog(&batch, end)?;
            report.records += batch.records as u64;
            report.undecodable += batch.undecodable;
            report.steps += batch.touched.len() as u64;
            report.findings += batch.findings.len() as u64;
            done.lsn = end;
            done.records = report.records;
            done.steps = report.steps;
            progress(&done);
        }
        report.to = done.lsn.max(cursor);
        report.damage = reader.report().damage_count;
        Ok(report)
    }

    /// Folds one record and judges it.
    fn fold(&mut self, lsn: Lsn, event: Event, batch: &mut BatchState) {
        let updates = self.folder.push(lsn, &event);
        let Some(first) = updates.first() else { return };
        let key = (first.step.session.clone(), first.step.seq);
        for finding in self.judge.judge_event(&event, &first.step) {
            batch.findings.push((key.0.clone(), key.1, lsn.0, finding));
        }
        if !self.branch_known.contains(&event.session)
            && let Some(branch) = git_branch(&event.raw)
        {
            self.branch_known.insert(event.session.clone());
            batch.branches.push((first.step.clone(), branch));
        }
        let text = batch.texts.entry(key.clone()).or_default();
        text.add_event(lsn, &event);
        for update in updates {
            let key = (update.step.session.clone(), update.step.seq);
            batch.touched.insert(key, update.step);
        }
    }

    /// Judges the steps this batch completed as a whole.
    fn complete_steps(&mut self, batch: &mut BatchState) {
        for (key, step) in &batch.touched {
            if step.outcome != StepOutcome::Pending && step.duration_ms.is_some() {
                batch.judged_whole.push(key.clone());
                for finding in self.judge.judge_step(step) {
                    batch.findings.push((key.0.clone(), key.1, 0, finding));
                }
            }
        }
    }

    /// Writes the documents of the touched steps and commits them with `end`.
    fn write_fulltext(
        &mut self,
        writer: &mut FullTextWriter,
        batch: &mut BatchState,
        batch_start: u64,
        end: u64,
    ) -> Result<(), IndexError> {
        let mut lookup = LogLookup::new(self.wal);
        for (key, step) in &batch.touched {
            let text = batch.texts.entry(key.clone()).or_default();
            // Records of this step read by earlier batches: their text comes from the log.
            for lsn in step.lsns.iter().filter(|l| l.0 < batch_start) {
                if !text.seen.contains(&lsn.0)
                    && let Some(event) = lookup.event(*lsn)
                {
                    text.add_event(*lsn, &event);
                }
            }
            writer.upsert(&doc_of(step, text))?;
        }
        writer.commit(end)?;
        Ok(())
    }

    fn write_catalog(&mut self, batch: &BatchState, end: u64) -> Result<(), IndexError> {
        let mut tx = self.catalog.batch()?;
        for step in batch.touched.values() {
            tx.upsert_step(step)?;
        }
        for (session, seq) in &batch.judged_whole {
            tx.clear_step_findings(session, *seq)?;
        }
        for (step, branch) in &batch.branches {
            tx.set_git_branch(&step.session, step.agent, step.ts_start, branch)?;
        }
        for (session, seq, lsn, finding) in &batch.findings {
            tx.add_finding(session, *seq, *lsn, finding)?;
        }
        tx.commit(CURSOR, end)?;
        Ok(())
    }

    /// Rebuilds the full-text index from the catalog's steps and their records, committed at
    /// `cursor`.
    fn rebuild_fulltext(&mut self, cursor: u64) -> Result<(), IndexError> {
        let mut writer = self.fulltext.writer()?;
        writer.delete_all()?;
        let mut lookup = LogLookup::new(self.wal);
        let mut failure: Option<FullTextError> = None;
        self.catalog.for_each_stored_step(|step| {
            let mut text = DocText::default();
            for lsn in &step.lsns {
                if let Some(event) = lookup.event(*lsn) {
                    text.add_event(*lsn, &event);
                }
            }
            if let Err(e) = writer.upsert(&doc_of(step, &text)) {
                failure.get_or_insert(e);
            }
            Ok(())
        })?;
        if let Some(e) = failure {
            return Err(e.into());
        }
        writer.commit(cursor)?;
        Ok(())
    }

    /// Recomputes every finding under the judge's rule set; returns how many were written.
    fn recompute_findings(&mut self, version: &str) -> Result<u64, IndexError> {
        self.catalog.clear_findings()?;
        let mut found: Vec<(SessionId, Seq, u64, NewFinding)> = Vec::new();
        let mut lookup = LogLookup::new(self.wal);
        let judge = &mut self.judge;
        self.catalog.for_each_stored_step(|step| {
            for lsn in &step.lsns {
                if let Some(event) = lookup.event(*lsn) {
                    for f in judge.judge_event(&event, step) {
                        found.push((step.session.clone(), step.seq, lsn.0, f));
                    }
                }
            }
            if step.outcome != StepOutcome::Pending && step.duration_ms.is_some() {
                for f in judge.judge_step(step) {
                    found.push((step.session.clone(), step.seq, 0, f));
                }
            }
            Ok(())
        })?;
        let cursor = self.catalog.cursor(CURSOR)?;
        let mut tx = self.catalog.batch()?;
        for (session, seq, lsn, finding) in &found {
            tx.add_finding(session, *seq, *lsn, finding)?;
        }
        // The version is recorded with the last findings: a crash before leaves the old one,
        // and the next run recomputes again.
        tx.set_meta("rules_hash", version)?;
        tx.commit(CURSOR, cursor)?;
        Ok(found.len() as u64)
    }
}

/// What one batch read and decided.
#[derive(Default)]
struct BatchState {
    records: usize,
    undecodable: u64,
    touched: HashMap<(SessionId, Seq), Step>,
    texts: HashMap<(SessionId, Seq), DocText>,
    findings: Vec<(SessionId, Seq, u64, NewFinding)>,
    /// Completed steps judged as a whole in this batch: their earlier such findings go.
    judged_whole: Vec<(SessionId, Seq)>,
    branches: Vec<(Step, String)>,
}

/// The searchable text of a step, gathered from its records.
#[derive(Default)]
struct DocText {
    text: String,
    output: String,
    seen: HashSet<u64>,
}

impl DocText {
    fn add_event(&mut self, lsn: Lsn, event: &Event) {
        if !self.seen.insert(lsn.0) {
            return;
        }
        let f = &event.fields;
        let mut parts: Vec<&str> = vec![event.summary.as_str()];
        parts.extend(f.command.as_deref());
        parts.extend(f.tool_name.as_deref());
        parts.extend(f.paths.iter().map(String::as_str));
        parts.extend(f.url.as_deref());
        parts.extend(f.query.as_deref());
        parts.extend(f.text.as_deref());
        parts.extend(f.reason.as_deref());
        if let Some(mcp) = &f.mcp {
            parts.push(&mcp.server);
            parts.push(&mcp.tool);
        }
        for part in parts {
            push_unique(&mut self.text, part);
        }
        for part in
            [f.output.as_deref(), f.stderr.as_deref(), f.error.as_deref()].into_iter().flatten()
        {
            push_unique(&mut self.output, part);
        }
    }
}

/// Appends `part` on a line of its own unless `buf` already holds it (the hook and the
/// transcript copy of a step say the same things) or is full.
fn push_unique(buf: &mut String, part: &str) {
    let part = part.trim();
    if part.is_empty() || buf.len() >= DOC_TEXT_MAX || buf.contains(part) {
        return;
    }
    if !buf.is_empty() {
        buf.push('\n');
    }
    let room = DOC_TEXT_MAX - buf.len();
    if part.len() <= room {
        buf.push_str(part);
    } else {
        let mut cut = room;
        while !part.is_char_boundary(cut) {
            cut -= 1;
        }
        buf.push_str(&part[..cut]);
    }
}

fn doc_of<'a>(step: &'a Step, text: &'a DocText) -> StepDoc<'a> {
    StepDoc {
        session: step.session.as_str(),
        seq: step.seq.0,
        agent: step.agent,
        kind: step.kind,
        ts: step.ts_start,
        tool: step.tool_name.as_deref(),
        paths: &step.paths,
        text: if text.text.is_empty() { step.summary.as_str() } else { text.text.as_str() },
        output: &text.output,
        last_lsn: step.lsns.iter().map(|l| l.0).max().unwrap_or(0),
    }
}

/// The `gitBranch` a Claude Code transcript record carries, if any (cheap when absent).
fn git_branch(raw: &str) -> Option<String> {
    if !raw.contains("\"gitBranch\"") {
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(raw).ok()?;
    let branch = value.get("gitBranch")?.as_str()?.trim();
    (!branch.is_empty() && branch != "HEAD").then(|| branch.to_owned())
}
