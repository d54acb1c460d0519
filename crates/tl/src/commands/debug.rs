//! `tl debug …`: views of the raw store for developers and tests, below the level of steps.

use std::io::Write;

use anyhow::Context;

use crate::home::Home;

/// `tl debug log`: every record of the log as one JSON line `{lsn, event}` (or `{lsn, error}`
/// for a record that does not decode), then a summary of what the reader stepped over on stderr.
pub fn dump_log(home: &Home, from: u64) -> anyhow::Result<()> {
    let dir = home.log_dir();
    if !dir.exists() {
        anyhow::bail!(
            "no log at {}\nhint: nothing has been recorded yet; see `tl install --help`",
            dir.display()
        );
    }
    let wal = wal::Wal::open(wal::Config::new(&dir)).context("opening the log")?;
    let mut reader = wal.reader(wal::Lsn(from));
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut count = 0u64;
    while let Some(record) = reader.next().context("reading the log")? {
        let line = match event::decode(record.payload) {
            Ok(e) => serde_json::json!({ "lsn": record.lsn.0, "event": e }),
            Err(err) => serde_json::json!({ "lsn": record.lsn.0, "error": err.to_string() }),
        };
        writeln!(out, "{line}")?;
        count += 1;
    }
    out.flush()?;
    let report = reader.report();
    eprintln!(
        "{count} records; {} damaged, {} abandoned, {} stalled",
        report.damage_count, report.abandoned, report.stalled
    );
    Ok(())
}

/// `tl debug catalog`: everything the catalog and the full-text index hold, as deterministic
/// JSON lines (sessions by id, each step, then the indexed documents): what the crash tests
/// compare against a clean `tl reindex`. Does not catch up first.
pub fn dump_catalog(home: &Home) -> anyhow::Result<()> {
    let catalog = index::Catalog::open(&crate::store::catalog_path(home))?;
    let prices = crate::prices::Prices::defaults();
    let mut sessions = catalog.sessions(&index::SessionFilter::default())?;
    sessions.sort_by(|a, b| a.id.cmp(&b.id));
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for s in &sessions {
        writeln!(out, "{}", crate::views::session(s, &prices))?;
        let mut failed = None;
        catalog.for_each_step(&s.id, &index::StepFilter::default(), |row| {
            if let Err(e) = writeln!(out, "{}", crate::views::step(&row)) {
                failed = Some(e);
            }
            true
        })?;
        if let Some(e) = failed {
            return Err(e.into());
        }
    }
    let fulltext = index::FullText::open(&crate::store::index_dir(home))?;
    let everything = index::Query::parse("", event::Timestamp(0))
        .map_err(|e| anyhow::anyhow!("empty query: {}", e.message))?;
    let request = index::SearchRequest {
        query: &everything,
        sessions: None,
        steps: None,
        limit: fulltext.doc_count()? as usize + 1,
        offset: 0,
        order: index::Order::Newest,
    };
    let mut docs: Vec<(String, u64)> =
        fulltext.search(&request)?.into_iter().map(|h| (h.session, h.seq)).collect();
    docs.sort();
    writeln!(out, "{}", serde_json::json!({ "documents": docs }))?;
    Ok(())
}
