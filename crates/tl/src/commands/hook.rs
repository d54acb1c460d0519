//! `tl hook <agent> [--enforce]`: the capture entry point agents call on every hook event.
//!
//! The contract (DESIGN.md §7): empty stdout, exit 0, always, fast, whatever happens — a missing,
//! unwritable, full or corrupt store, garbage on stdin, an unknown agent, a panic. Failures go to
//! `TL_HOME/errors.log`. This path does not use clap (a usage error would exit 2, which Claude
//! Code reads as "block this tool call") and touches nothing it does not need.
//!
//! With `--enforce` (installed by `tl install <agent> --enforce` on the pre-tool event only) the
//! hook also screens the calls of a pre-tool event (Claude Code's and Codex's `PreToolUse`,
//! Gemini's `BeforeTool`: the events capture marks as phase `call`) with the rules, after
//! recording the payload. A call that a rule reports at `danger` is blocked with the blocking
//! contract all three agents share: exit 2 with the reason on stderr, which the agent hands to
//! the model as the tool's error. Everything else passes. The hook fails open: when the rules
//! cannot be loaded (an unreadable rules directory, a user rule file with errors: tl cannot
//! know what the user meant to switch off) or anything panics, it exits 0 and says why in
//! errors.log. A broken store does not switch screening off: the rules do not depend on it.
//! Screening loads only the rules the call could need ([`rules::screen`]), so that it stays
//! within the hook's time budget (docs/performance.md).

use std::io::{IsTerminal, Read};

use capture::redact::Redactor;
use event::{Agent, Event, Phase, Source, Timestamp};
use rules::{Finding, Severity};

use crate::home::{Home, Recording};

/// The most of a payload that is read into memory; the rest is drained and counted, so the
/// agent never blocks on a full pipe.
const MAX_READ: usize = 64 * 1024 * 1024;

/// The exit code with which Claude Code, Codex and Gemini CLI block a tool call (the reason is
/// read from stderr).
const BLOCK: i32 = 2;

/// Runs the hook for the arguments after `hook`, and exits 0 (or [`BLOCK`]).
pub fn run(args: &[String]) -> ! {
    let home = Home::from_env();
    let agent_name = args.first().map(String::as_str).unwrap_or("");
    let hook_home = home.clone();
    let name = agent_name.to_string();
    // A panic must not print to the agent's stderr or change the exit code.
    std::panic::set_hook(Box::new(move |info| {
        hook_home.log_error(&name, &format!("panic: {info}"));
    }));
    let outcome = std::panic::catch_unwind(|| handle(&home, args));
    if let Ok(outcome) = outcome {
        if !outcome.problems.is_empty() {
            home.log_error(agent_name, &outcome.problems.join("; "));
        }
        if let Some(reason) = outcome.block {
            use std::io::Write;
            let mut err = std::io::stderr().lock();
            if err.write_all(reason.as_bytes()).and_then(|()| err.flush()).is_ok() {
                std::process::exit(BLOCK);
            }
            // Without its reason a block would leave the model guessing: let the call pass.
            home.log_error(agent_name, "could not write the block reason to stderr; not blocking");
        }
    }
    std::process::exit(0)
}

/// What one hook call came to.
#[derive(Default)]
struct Outcome {
    /// What went wrong, for errors.log.
    problems: Vec<String>,
    /// The reason to block the tool call with, if a danger rule matched.
    block: Option<String>,
}

fn handle(home: &Home, args: &[String]) -> Outcome {
    let name = args.first().map(String::as_str).unwrap_or("");
    let enforce = args.iter().skip(1).any(|a| a == "--enforce");
    let recording = home.recording() != Recording::Off;
    let mut out = Outcome::default();
    if !recording && !enforce {
        drain_stdin();
        return out;
    }
    let agent = match name.parse::<Agent>() {
        Ok(a) => a,
        Err(_) => {
            out.problems.push(format!("unknown agent {name:?}, recorded as generic"));
            Agent::Generic
        }
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
                out.problems.push(format!(
                    "payload larger than {MAX_READ} bytes: {dropped} bytes not kept"
                ));
            }
            capture::capture_hook(agent, &bytes, now, redactor)
        }
    };
    out.problems.extend(captured.problems);
    // Recording first: a blocked call is in the log like any other.
    if recording && let Err(e) = append(home, &captured.events) {
        out.problems.push(e);
    }
    if enforce {
        match screen(home, agent, &captured.events) {
            Ok(block) => out.block = block,
            Err(e) => out.problems.push(format!("{e}; the call was not screened (fails open)")),
        }
    }
    out
}

fn append(home: &Home, events: &[Event]) -> Result<(), String> {
    let wal = wal::Wal::open(wal::Config::new(home.log_dir())).map_err(|e| e.to_string())?;
    let mut buf = Vec::with_capacity(4096);
    let mut problems = Vec::new();
    for e in events {
        buf.clear();
        event::encode_into(e, &mut buf);
        if let Err(err) = wal.append(&buf) {
            problems.push(format!("{} event not recorded: {err}", e.kind));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
}

/// Screens the tool calls of a pre-tool event; returns the reason to block them with when a
/// rule reports one at `danger`.
fn screen(home: &Home, agent: Agent, events: &[Event]) -> Result<Option<String>, String> {
    let calls: Vec<&Event> =
        events.iter().filter(|e| e.phase == Phase::Call && e.source == Source::Hook).collect();
    if calls.is_empty() {
        return Ok(None);
    }
    if !matches!(agent, Agent::ClaudeCode | Agent::Codex | Agent::Gemini) {
        return Err(format!(
            "--enforce is not supported for {agent} (its blocking contract is unknown)"
        ));
    }
    let files = crate::commands::rules::user_files(home).map_err(|e| format!("{e:#}"))?;
    let files: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    let mut found: Vec<(&Event, Finding)> = Vec::new();
    for call in calls {
        let ctx = context(agent, call);
        let s = rules::screen(call, &ctx, &files, Severity::Danger);
        if !s.errors.is_empty() {
            let errors: Vec<String> = s.errors.iter().map(ToString::to_string).collect();
            return Err(format!("rules did not load: {}", errors.join(" | ")));
        }
        found.extend(s.findings.into_iter().map(|f| (call, f)));
    }
    Ok((!found.is_empty()).then(|| reason(agent, &found)))
}

/// Where the call runs: the payload's cwd, the agent's project directory as the workspace
/// (Claude Code and Gemini CLI give their hooks one), this user's home and temp directory.
fn context(agent: Agent, call: &Event) -> rules::Context {
    let var = |name: &str| std::env::var(name).ok().filter(|v| v.starts_with('/'));
    let cwd = call
        .fields
        .cwd
        .clone()
        .or_else(|| std::env::current_dir().ok().map(|d| d.display().to_string()));
    let project = match agent {
        Agent::ClaudeCode => var("CLAUDE_PROJECT_DIR"),
        Agent::Gemini => var("GEMINI_PROJECT_DIR").or_else(|| var("CLAUDE_PROJECT_DIR")),
        _ => None,
    };
    rules::Context {
        workspace_root: project.or_else(|| cwd.clone()),
        cwd,
        home: var("HOME"),
        tmp_dirs: var("TMPDIR").into_iter().collect(),
    }
}

/// The message the agent shows its model: which rule, why, what matched, and what the user can
/// do about it.
fn reason(agent: Agent, found: &[(&Event, Finding)]) -> String {
    let one_line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::from("tl (TraceLog) blocked this tool call: it matches a danger rule.\n");
    let mut ids: Vec<&str> = Vec::new();
    let mut shown: Option<&Event> = None;
    for (call, f) in found {
        if shown.is_none_or(|c| !std::ptr::eq(c, *call)) {
            out.push_str(&format!("Call: {}\n", one_line(&call.summary)));
            shown = Some(call);
        }
        out.push_str(&format!("- {} ({}): {}\n", f.rule, f.severity, one_line(&f.message)));
        for e in f.evidence.iter().take(3) {
            let mut line = match e.command.as_deref() {
                Some(c) => format!("  matched: `{}`", one_line(c)),
                None => "  matched:".to_owned(),
            };
            if let Some(t) = &e.target {
                line.push_str(&format!(" target {}", one_line(t)));
                if let Some(c) = &e.class {
                    line.push_str(&format!(" ({c})"));
                }
            }
            out.push_str(&line);
            out.push('\n');
        }
        if !ids.contains(&f.rule.as_str()) {
            ids.push(&f.rule);
        }
    }
    let disable: Vec<String> = ids.iter().map(|id| format!("`tl rules disable {id}`")).collect();
    out.push_str(&format!(
        "Do not retry this another way. If it is really needed, tell the user: they can run it \
         themselves, allow it by switching the rule off with {}, or stop tl from blocking with \
         `tl install {agent}` (without --enforce).\n",
        disable.join(" and ")
    ));
    out
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
