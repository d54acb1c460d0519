//! Where the derived stores live in `TL_HOME` and how a command gets them up to date.
//!
//! `TL_HOME/catalog.db` (SQLite) and `TL_HOME/index/` (tantivy) are written by one indexer at a
//! time: whoever holds `TL_HOME/index.lock` (an advisory `flock`, released by the kernel when the
//! holder dies, so a killed indexer never leaves it stuck). The daemon takes it for each pass;
//! every read command takes it to catch up on what the daemon has not indexed yet
//! (read-your-writes: a step `tl hook` recorded a moment ago is visible to the next `tl search`).
//! When there is nothing to do (the cursor is at the end of the log, the rule set unchanged),
//! a read command neither locks nor opens an indexer.

use std::fs::{File, OpenOptions};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use index::{Catalog, CatchUp, FullText, Indexer, IndexerConfig};

use crate::home::Home;
use crate::judge::RulesJudge;
use crate::progress::Progress;

/// How long a command waits for another indexer's lock before giving up.
const LOCK_WAIT: Duration = Duration::from_secs(60);

/// The paths of the derived stores.
pub fn catalog_path(home: &Home) -> PathBuf {
    home.root().join("catalog.db")
}

/// The full-text index directory.
pub fn index_dir(home: &Home) -> PathBuf {
    home.root().join("index")
}

fn lock_path(home: &Home) -> PathBuf {
    home.root().join("index.lock")
}

/// The log, opened for reading and appending.
pub fn open_wal(home: &Home) -> anyhow::Result<wal::Wal> {
    home.ensure().with_context(|| format!("cannot create {}", home.root().display()))?;
    wal::Wal::open(wal::Config::new(home.log_dir()))
        .with_context(|| format!("cannot open the log in {}", home.log_dir().display()))
}

/// The indexer lock, held until dropped.
pub struct IndexLock {
    _file: File,
}

/// Takes the indexer lock, waiting for another holder (the daemon's pass, another command's
/// catch-up) up to a minute.
pub fn lock(home: &Home) -> anyhow::Result<IndexLock> {
    home.ensure().with_context(|| format!("cannot create {}", home.root().display()))?;
    let path = lock_path(home);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let deadline = Instant::now() + LOCK_WAIT;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(IndexLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
                "another tl process has been indexing for over a minute ({})\nhint: `tl status` shows the daemon",
                path.display()
            ),
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("cannot lock {}", path.display()));
            }
        }
    }
}

/// Batch limits, with `TL_INDEX_BATCH` (records per batch) for tests that want many batches.
pub fn indexer_config() -> IndexerConfig {
    let mut config = IndexerConfig::default();
    if let Some(n) = std::env::var("TL_INDEX_BATCH").ok().and_then(|v| v.parse().ok()) {
        config.batch_records = n;
    }
    config
}

/// The catalog and the index, opened, if they already cover the whole log under the current
/// rules (then a read command reuses them); `None` when there is work to do.
fn up_to_date(
    home: &Home,
    wal: &wal::Wal,
    judge_version: &str,
) -> anyhow::Result<Option<(Catalog, FullText)>> {
    let catalog_file = catalog_path(home);
    if !catalog_file.exists() || !index_dir(home).exists() {
        return Ok(None);
    }
    let catalog = Catalog::open(&catalog_file)?;
    let cursor = catalog.cursor(index::CURSOR)?;
    if catalog.meta("rules_hash")?.as_deref() != Some(judge_version) {
        return Ok(None);
    }
    let mut reader = wal.reader(wal::Lsn(cursor));
    if reader.next()?.is_some() {
        return Ok(None);
    }
    let fulltext = FullText::open(&index_dir(home))?;
    Ok((fulltext.committed_lsn().unwrap_or(0) >= cursor).then_some((catalog, fulltext)))
}

/// Brings the catalog and the index up to the end of the log (what read commands do first).
/// Shows a progress bar on a terminal when there is much to do.
pub fn catch_up(home: &Home, show_progress: bool) -> anyhow::Result<Option<CatchUp>> {
    let wal = open_wal(home)?;
    catch_up_with(home, &wal, show_progress).map(|(report, _)| report)
}

/// [`catch_up`] over an open log; also returns the stores when they were already up to date.
fn catch_up_with(
    home: &Home,
    wal: &wal::Wal,
    show_progress: bool,
) -> anyhow::Result<(Option<CatchUp>, Option<(Catalog, FullText)>)> {
    let judge = RulesJudge::load(home)?;
    if let Some(stores) = up_to_date(home, wal, judge.version_str())? {
        return Ok((None, Some(stores)));
    }
    let _lock = lock(home)?;
    Ok((Some(index_locked(home, wal, judge, show_progress)?), None))
}

/// Runs the indexer while holding the lock.
pub fn index_locked(
    home: &Home,
    wal: &wal::Wal,
    judge: RulesJudge,
    show_progress: bool,
) -> anyhow::Result<CatchUp> {
    let mut indexer =
        Indexer::open(wal, &catalog_path(home), &index_dir(home), judge, indexer_config())?;
    let from = indexer.catalog().cursor(index::CURSOR)?;
    let end = log_end(wal);
    let enabled =
        show_progress && std::io::stderr().is_terminal() && end.saturating_sub(from) > 8 << 20;
    let mut bar = Progress::new(end.saturating_sub(from), enabled);
    let report = indexer.catch_up(&mut |p| bar.set(p.lsn.saturating_sub(from)))?;
    bar.finish();
    Ok(report)
}

/// The LSN just past the last record (an estimate from the segments, for progress and lag).
pub fn log_end(wal: &wal::Wal) -> u64 {
    wal.segments().ok().and_then(|s| s.last().map(|s| s.base.0 + s.used_bytes)).unwrap_or(0)
}

/// The stores, caught up, for a read command.
pub struct Reading {
    /// The catalog.
    pub catalog: Catalog,
    /// The log.
    pub wal: wal::Wal,
    fulltext: std::cell::OnceCell<FullText>,
    home: Home,
}

impl Reading {
    /// Catches up, then opens the catalog (reusing what the up-to-date check opened).
    pub fn open(home: &Home) -> anyhow::Result<Reading> {
        let wal = open_wal(home)?;
        let (_, stores) = catch_up_with(home, &wal, true)?;
        let fulltext = std::cell::OnceCell::new();
        let catalog = match stores {
            Some((catalog, index)) => {
                let _ = fulltext.set(index);
                catalog
            }
            None => Catalog::open(&catalog_path(home))?,
        };
        Ok(Reading { catalog, wal, fulltext, home: home.clone() })
    }

    /// The full-text index.
    pub fn fulltext(&self) -> anyhow::Result<&FullText> {
        if let Some(index) = self.fulltext.get() {
            return Ok(index);
        }
        let index = FullText::open(&index_dir(&self.home))?;
        Ok(self.fulltext.get_or_init(|| index))
    }

    /// The session a user named (`last`, an id, a unique prefix).
    pub fn resolve(&self, name: &str) -> anyhow::Result<String> {
        Ok(self.catalog.resolve_session(name)?)
    }
}
