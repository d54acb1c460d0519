//! Keeping the derived stores: `tl reindex` (rebuild the catalog and the index from the log),
//! `tl gc --older-than D` (drop old segments with their rows and documents), and `tl daemon`
//! (the background indexer `tl start` launches).

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context as _;
use index::{Catalog, FullText};
use serde::Serialize;

use crate::home::{Home, write_private};
use crate::judge::RulesJudge;
use crate::output::Output;
use crate::store::{self, catalog_path, index_dir};

/// `tl reindex`: deletes the catalog and the index and rebuilds both from the log. Killing it
/// half way is harmless: the next command resumes from what it committed.
pub fn reindex(home: &Home, out: &Output) -> anyhow::Result<()> {
    let started = Instant::now();
    let wal = store::open_wal(home)?;
    let _lock = store::lock(home)?;
    let catalog = catalog_path(home);
    for suffix in ["", "-wal", "-shm"] {
        let path = PathBuf::from(format!("{}{suffix}", catalog.display()));
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot remove {}", path.display())),
        }
    }
    match std::fs::remove_dir_all(index_dir(home)) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(e).with_context(|| format!("cannot remove {}", index_dir(home).display()));
        }
    }
    let report = store::index_locked(home, &wal, RulesJudge::load(home)?, !out.json)?;
    let (sessions, steps, findings) = Catalog::open(&catalog)?.counts()?;
    let secs = started.elapsed().as_secs_f64();
    if out.json {
        return out.json_value(&serde_json::json!({
            "records": report.records, "undecodable": report.undecodable, "sessions": sessions,
            "steps": steps, "findings": findings, "seconds": (secs * 1000.0).round() / 1000.0,
            "damage": report.damage,
        }));
    }
    out.line(&format!(
        "reindexed {} records into {sessions} sessions, {steps} steps, {findings} findings in {secs:.1}s{}",
        report.records,
        if report.undecodable > 0 { format!(" ({} undecodable records skipped)", report.undecodable) } else { String::new() }
    ));
    Ok(())
}

/// What `tl gc` did.
#[derive(Debug, Serialize)]
struct GcReport {
    dry_run: bool,
    segments_removed: usize,
    bytes_freed: u64,
    steps_removed: u64,
    sessions_removed: Vec<String>,
    kept_from_lsn: u64,
    segments_compressed: usize,
}

/// `tl gc --older-than D`: removes the log segments whose records are all older than D (by the
/// segment's last write), with the catalog rows and index documents of the steps they held.
/// The active segment and anything not yet indexed are always kept.
pub fn gc(home: &Home, older_than: &str, dry_run: bool, out: &Output) -> anyhow::Result<()> {
    let span = parse_span(older_than)?;
    let cutoff = SystemTime::now().checked_sub(span).unwrap_or(SystemTime::UNIX_EPOCH);
    store::catch_up(home, !out.json)?;
    let wal = store::open_wal(home)?;
    let _lock = store::lock(home)?;
    let mut catalog = Catalog::open(&catalog_path(home))?;
    let cursor = catalog.cursor(index::CURSOR)?;
    let segments = wal.segments()?;
    // Removable: a prefix of sealed segments, each last written before the cutoff and indexed.
    let mut keep_from = None;
    let mut removable = Vec::new();
    for s in &segments {
        let old = s.modified.is_some_and(|m| m < cutoff);
        if s.sealed && old && s.end.0 <= cursor {
            removable.push(s);
        } else {
            keep_from = Some(s.base.0);
            break;
        }
    }
    let Some(keep_from) = keep_from.or_else(|| removable.last().map(|s| s.end.0)) else {
        out.line("the log is empty: nothing to remove");
        return Ok(());
    };
    let bytes: u64 = removable.iter().map(|s| s.file_bytes).sum();
    let mut report = GcReport {
        dry_run,
        segments_removed: removable.len(),
        bytes_freed: bytes,
        steps_removed: 0,
        sessions_removed: Vec::new(),
        kept_from_lsn: keep_from,
        segments_compressed: 0,
    };
    if !removable.is_empty() && !dry_run {
        // Rows first, then segments: a crash in between leaves segments whose steps are gone
        // from the catalog, and the next gc removes them.
        let fulltext = FullText::open(&index_dir(home))?;
        let mut writer = fulltext.writer()?;
        writer.delete_before(keep_from)?;
        writer.commit(cursor.max(fulltext.committed_lsn().unwrap_or(0)))?;
        let (sessions, steps) = catalog.remove_before(keep_from)?;
        report.sessions_removed = sessions;
        report.steps_removed = steps;
        wal.remove_segments_before(wal::Lsn(keep_from))?;
    }
    if !dry_run {
        // What stays is kept compressed (the daemon does this too; gc without one must not
        // leave the log at twice the size of the raw JSON).
        report.segments_compressed = wal.compress_sealed()?;
    }
    if out.json {
        return out.json_value(&report);
    }
    if removable.is_empty() {
        out.line(&format!("nothing is older than {older_than}: every segment is kept"));
        if report.segments_compressed > 0 {
            out.line(&format!("compressed {} sealed segment(s)", report.segments_compressed));
        }
        return Ok(());
    }
    out.line(&format!(
        "{} {} segment(s), {} ({} steps, {} whole sessions)",
        if dry_run { "would remove" } else { "removed" },
        report.segments_removed,
        crate::commands::status::human_bytes(report.bytes_freed),
        if dry_run { "their".to_owned() } else { report.steps_removed.to_string() },
        if dry_run { "some".to_owned() } else { report.sessions_removed.len().to_string() },
    ));
    Ok(())
}

/// `30d`, `12h`, `90m`, `2w` as a duration.
pub fn parse_span(text: &str) -> anyhow::Result<Duration> {
    let t = text.trim();
    let secs = match t.chars().last() {
        Some('s') => 1,
        Some('m') => 60,
        Some('h') => 3600,
        Some('d') => 86_400,
        Some('w') => 7 * 86_400,
        _ => 0,
    };
    let n = t.get(..t.len().saturating_sub(1)).and_then(|n| n.parse::<u64>().ok());
    match (secs, n) {
        (s, Some(n)) if s > 0 => Ok(Duration::from_secs(n.saturating_mul(s))),
        _ => anyhow::bail!(
            "cannot read the age {text:?}\nhint: a number and a unit: 30d, 12h, 90m, 2w"
        ),
    }
}

fn pid_path(home: &Home) -> PathBuf {
    home.root().join("daemon.pid")
}

fn daemon_lock_path(home: &Home) -> PathBuf {
    home.root().join("daemon.lock")
}

/// The running daemon's pid, if one holds the daemon lock.
pub fn daemon_pid(home: &Home) -> Option<u32> {
    let file = std::fs::OpenOptions::new().write(true).open(daemon_lock_path(home)).ok()?;
    match file.try_lock() {
        Ok(()) => None,
        Err(_) => std::fs::read_to_string(pid_path(home)).ok()?.trim().parse().ok(),
    }
}

/// `tl daemon`: follows the log and indexes it in batches until `tl stop` (which removes
/// `daemon.pid`) or a signal. Runs in the foreground; `tl start` launches it detached.
pub fn daemon(home: &Home, poll: Duration) -> anyhow::Result<()> {
    home.ensure().with_context(|| format!("cannot create {}", home.root().display()))?;
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(daemon_lock_path(home))?;
    if lock.try_lock().is_err() {
        anyhow::bail!("a tl daemon is already running for {}", home.root().display());
    }
    let me = std::process::id();
    write_private(&pid_path(home), format!("{me}\n").as_bytes())?;
    let wal = store::open_wal(home)?;
    let mut failures = 0u32;
    loop {
        // `tl stop` asks the daemon to leave by removing its pid file.
        let asked_to_stop =
            std::fs::read_to_string(pid_path(home)).ok().and_then(|p| p.trim().parse::<u32>().ok())
                != Some(me);
        if asked_to_stop {
            return Ok(());
        }
        let pass = (|| -> anyhow::Result<()> {
            let judge = RulesJudge::load(home)?;
            let _lock = store::lock(home)?;
            store::index_locked(home, &wal, judge, false)?;
            Ok(())
        })();
        // Sealed segments are compressed once indexed (about 0.15 of their live size, §5 of
        // docs/performance.md); readers go on reading them by LSN.
        let pass = pass.and_then(|()| wal.compress_sealed().map(drop).map_err(Into::into));
        match pass {
            Ok(()) => failures = 0,
            Err(e) => {
                failures += 1;
                home.log_error("daemon", &format!("indexing failed: {e:#}"));
                // Back off on repeated failures (a full disk) instead of spinning.
                std::thread::sleep(Duration::from_secs(u64::from(failures.min(30))));
            }
        }
        let mut reader =
            wal.reader(wal::Lsn(Catalog::open(&catalog_path(home))?.cursor(index::CURSOR)?));
        let deadline = Instant::now() + Duration::from_secs(1);
        while Instant::now() < deadline {
            if reader.wait(poll)? {
                break;
            }
        }
    }
}

/// Launches `tl daemon` detached (its own process group, no terminal, output to errors.log).
pub fn spawn_daemon(home: &Home) -> anyhow::Result<Option<u32>> {
    if let Some(pid) = daemon_pid(home) {
        return Ok(Some(pid));
    }
    let exe = std::env::current_exe().context("cannot find the tl binary")?;
    use std::os::unix::process::CommandExt;
    let child = std::process::Command::new(exe)
        .arg("daemon")
        .env("TL_HOME", home.root())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .context("cannot start the tl daemon")?;
    // Wait briefly for it to take its lock, so that `tl status` right after shows it.
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        if daemon_pid(home).is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(Some(child.id()))
}

/// Asks the daemon to stop (removes its pid file) and waits up to 5 s for it to go.
pub fn stop_daemon(home: &Home) -> bool {
    if daemon_pid(home).is_none() {
        return false;
    }
    let _ = std::fs::remove_file(pid_path(home));
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline && daemon_pid(home).is_some() {
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

/// The indexer's state for `tl status`.
#[derive(Debug, Serialize)]
pub struct IndexStatus {
    /// The daemon's pid, when it runs.
    pub daemon_pid: Option<u32>,
    /// The LSN indexed.
    pub indexed_lsn: u64,
    /// Bytes of log not yet indexed.
    pub lag_bytes: u64,
    /// Records not yet indexed (counted up to 1,000,000).
    pub lag_records: u64,
    /// Sessions, steps and findings in the catalog.
    pub sessions: u64,
    /// Steps in the catalog.
    pub steps: u64,
    /// Findings in the catalog.
    pub findings: u64,
}

/// The indexer's state, read without indexing.
pub fn index_status(home: &Home) -> anyhow::Result<IndexStatus> {
    let mut status = IndexStatus {
        daemon_pid: daemon_pid(home),
        indexed_lsn: 0,
        lag_bytes: 0,
        lag_records: 0,
        sessions: 0,
        steps: 0,
        findings: 0,
    };
    if !home.log_dir().exists() {
        return Ok(status);
    }
    let wal = store::open_wal(home)?;
    if catalog_path(home).exists() {
        let catalog = Catalog::open(&catalog_path(home))?;
        status.indexed_lsn = catalog.cursor(index::CURSOR)?;
        (status.sessions, status.steps, status.findings) = catalog.counts()?;
    }
    let mut reader = wal.reader(wal::Lsn(status.indexed_lsn));
    while status.lag_records < 1_000_000 && reader.next()?.is_some() {
        status.lag_records += 1;
    }
    status.lag_bytes = reader.position().0.saturating_sub(status.indexed_lsn);
    Ok(status)
}
