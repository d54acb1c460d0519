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
