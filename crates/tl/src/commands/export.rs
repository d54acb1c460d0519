//! `tl export`: a session as the TraceLog JSON trace (format_version "1.0", schema in
//! docs/trace.schema.json), streamed step by step so a million-step session exports in bounded
//! memory. The file is written next to its destination and renamed into place, so a failed export
//! never leaves half a trace under the requested name.

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;
use index::StepFilter;
use serde_json::json;

use crate::home::Home;
use crate::prices::Prices;
use crate::store::Reading;
use crate::views;

/// The trace format this writes.
pub const FORMAT_VERSION: &str = "1.0";

/// `tl export SESSION [--pretty] [-o PATH]`.
pub fn run(home: &Home, session: &str, pretty: bool, output: Option<&Path>) -> anyhow::Result<()> {
    let reading = Reading::open(home)?;
    let id = reading.resolve(session)?;
    let row = reading.catalog.session(&id)?.context("the session vanished while reading")?;
    let prices = Prices::load(home)?;
    match output {
        None => {
            let mut w = std::io::BufWriter::new(std::io::stdout().lock());
            match write_trace(&mut w, &reading, &row, &prices, pretty) {
                // A closed pipe (`tl export last | head`) is the reader's choice, not an error.
                Err(e) if is_broken_pipe(&e) => Ok(()),
                other => other,
            }
        }
        Some(path) => {
            let tmp = path.with_extension("tl-export-tmp");
            let file = std::fs::File::create(&tmp)
                .with_context(|| format!("cannot create {}", tmp.display()))?;
            let mut w = std::io::BufWriter::new(file);
            let result = write_trace(&mut w, &reading, &row, &prices, pretty)
                .and_then(|()| w.flush().map_err(Into::into));
            if let Err(e) = result {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
            std::fs::rename(&tmp, path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("exported {} steps of session {} to {}", row.total_steps, id, path.display());
            Ok(())
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

fn write_trace(
    w: &mut impl Write,
    reading: &Reading,
    session: &index::SessionRow,
    prices: &Prices,
    pretty: bool,
) -> anyhow::Result<()> {
    let head = json!({
        "format_version": FORMAT_VERSION,
        "generator": format!("tl {}", env!("CARGO_PKG_VERSION")),
        "exported_at": crate::home::now_rfc3339(),
        "session": views::session(session, prices),
    });
    let text =
        if pretty { serde_json::to_string_pretty(&head)? } else { serde_json::to_string(&head)? };
    // Reopen the object to append the streamed `events` array.
    let open = text.trim_end().strip_suffix('}').unwrap_or(&text).trim_end();
    write!(w, "{open},{}\"events\": [", if pretty { "\n  " } else { "" })?;
    let mut first = true;
    let mut failure: Option<anyhow::Error> = None;
    reading.catalog.for_each_step(&session.id, &StepFilter::default(), |row| {
        let value = views::step(&row);
        let result = (|| -> anyhow::Result<()> {
            let sep = if first { "" } else { "," };
            if pretty {
                let body = serde_json::to_string_pretty(&value)?;
                write!(w, "{sep}\n    {}", body.replace('\n', "\n    "))?;
            } else {
                write!(w, "{sep}\n{}", serde_json::to_string(&value)?)?;
            }
            Ok(())
        })();
        first = false;
        match result {
            Ok(()) => true,
            Err(e) => {
                failure = Some(e);
                false
            }
        }
    })?;
    if let Some(e) = failure {
        return Err(e);
    }
    writeln!(w, "{}]\n}}", if pretty { "\n  " } else { "\n" })?;
    w.flush()?;
    Ok(())
}
