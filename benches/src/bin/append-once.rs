//! The hook-sized process: opens the log in `<log-dir>`, appends one record (the bytes of
//! `[payload-file]`, else of stdin, without a trailing newline) and exits; with `--noop` it exits
//! at once, which is the baseline (the same binary doing nothing, as `tl --version` will be for
//! `tl hook`). Kept as small as the real hook should be: no argument parser, no logging.
//!
//! Usage: `append-once --noop` | `append-once <log-dir> [payload-file]`

use std::io::Read;

fn main() {
    let mut args = std::env::args_os().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: append-once --noop | append-once <log-dir> [payload-file]");
        std::process::exit(2);
    };
    if dir == "--noop" {
        return;
    }
    if let Err(e) = append(dir.into(), args.next().map(Into::into)) {
        eprintln!("append-once: {e}");
        std::process::exit(1);
    }
}

fn append(
    dir: std::path::PathBuf,
    payload: Option<std::path::PathBuf>,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut bytes = Vec::with_capacity(4096);
    match payload {
        Some(path) => bytes = std::fs::read(path)?,
        None => {
            std::io::stdin().lock().read_to_end(&mut bytes)?;
        }
    }
    while bytes.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        bytes.pop();
    }
    let log = wal::Wal::open(wal::Config::new(dir))?;
    log.append(&bytes)?;
    Ok(())
}
