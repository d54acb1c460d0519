//! `tl hook <agent>`: the capture entry point agents call on every hook event.
//!
//! The contract (DESIGN.md §7): empty stdout, exit 0, always, fast, whatever happens — a missing,
//! unwritable, full or corrupt store, garbage on stdin, an unknown agent, a panic. Failures go to
//! `TL_HOME/errors.log`. This path does not use clap (a usage error would exit 2, which Claude
//! Code reads as "block this tool call") and touches nothing it does not need.

use std::io::{IsTerminal, Read};

use capture::redact::Redactor;
use event::{Agent, Timestamp};

use crate::home::{Home, Recording};

/// The most of a payload that is read into memory; the rest is drained and counted, so the
/// agent never blocks on a full pipe.
const MAX_READ: usize = 64 * 1024 * 1024;

/// Runs the hook for the arguments after `hook`, and exits 0.
pub fn run(args: &[String]) -> ! {
    let home = Home::from_env();
    let agent_name = args.first().map(String::as_str).unwrap_or("");
    let hook_home = home.clone();
    let name = agent_name.to_string();
    // A panic must not print to the agent's stderr or change the exit code.
    std::panic::set_hook(Box::new(move |info| {
        hook_home.log_error(&name, &format!("panic: {info}"));
    }));
    let outcome = std::panic::catch_unwind(|| record(&home, args));
    if let Ok(Err(message)) = outcome {
        home.log_error(agent_name, &message);
    }
    std::process::exit(0)
}

fn record(home: &Home, args: &[String]) -> Result<(), String> {
    let name = args.first().map(String::as_str).unwrap_or("");
    if home.recording() == Recording::Off {
        drain_stdin();
        return Ok(());
    }
    let (agent, mut problems) = match name.parse::<Agent>() {
        Ok(a) => (a, Vec::new()),
        Err(_) => (Agent::Generic, vec![format!("unknown agent {name:?}, recorded as generic")]),
    };
    let now = Timestamp::now();
    let redactor = Redactor::shared();
    // Codex's `notify` program gets the notification as its last argument, not on stdin (which
    // may be the user's terminal: never read that).
    let notify = args.iter().skip(1).rfind(|a| !a.starts_with("--"));
    let captured = match notify {
        Some(arg) if arg.trim_start().starts_with('{') => {
            capture::capture_codex_notify(arg, now, redactor)
        }
        _ => {
            let (bytes, dropped) = read_stdin();
            if dropped > 0 {
                problems.push(format!(
                    "payload larger than {MAX_READ} bytes: {dropped} bytes not kept"
                ));
            }
            capture::capture_hook(agent, &bytes, now, redactor)
        }
    };
    problems.extend(captured.problems);
    let wal = wal::Wal::open(wal::Config::new(home.log_dir())).map_err(|e| e.to_string())?;
    let mut buf = Vec::with_capacity(4096);
    for e in &captured.events {
        buf.clear();
        event::encode_into(e, &mut buf);
        if let Err(err) = wal.append(&buf) {
            problems.push(format!("{} event not recorded: {err}", e.kind));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
}

/// Reads standard input up to [`MAX_READ`] bytes, draining the rest; returns the bytes kept and
/// how many were dropped.
fn read_stdin() -> (Vec<u8>, u64) {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return (Vec::new(), 0);
    }
    let mut lock = stdin.lock();
    let mut bytes = Vec::with_capacity(8192);
    let _ = (&mut lock).take(MAX_READ as u64).read_to_end(&mut bytes);
    let dropped = std::io::copy(&mut lock, &mut std::io::sink()).unwrap_or(0);
    (bytes, dropped)
}

fn drain_stdin() {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let _ = std::io::copy(&mut stdin.lock(), &mut std::io::sink());
    }
}
