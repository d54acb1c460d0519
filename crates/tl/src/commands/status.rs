//! `tl start`, `tl stop` and `tl status`: recording on and off, and the health of the hooks.

use std::collections::BTreeMap;

use anyhow::Context;
use serde::Serialize;

use crate::commands::install::{self, InstallAgent, Scope, Target};
use crate::home::{Home, Recording};
use crate::output::Output;

/// `tl start --agent A`: installs A's hooks if they are missing, and turns recording on.
pub fn start(
    home: &Home,
    agents: &[InstallAgent],
    scope: Scope,
    always: bool,
    out: &Output,
) -> anyhow::Result<()> {
    for agent in agents {
        let target = Target::resolve(*agent, scope)?;
        let (_, settings) = install::read_settings(&target.settings_path())?;
        let installed = install::hook_commands(&settings)
            .iter()
            .any(|(_, c)| install::is_tl_command(c, agent.name()));
        if installed {
            out.line(&format!(
                "{}: hooks already installed in {}",
                agent.name(),
                target.settings_path().display()
            ));
        } else {
            for outcome in install::install(&target, false)? {
                for note in outcome.notes {
                    out.line(&note);
                }
            }
        }
    }
    let state = if always { Recording::Always } else { Recording::On };
    home.set_recording(state)
        .with_context(|| format!("cannot write to {}", home.root().display()))?;
    out.line(&format!(
        "recording is on{} (TL_HOME={})",
        if always { ", and stays on after `tl stop`" } else { "" },
        home.root().display()
    ));
    match crate::commands::maintain::spawn_daemon(home)? {
        Some(pid) => out.line(&format!("indexer daemon running (pid {pid})")),
        None => out.line("indexer daemon not started; read commands index on demand"),
    }
    Ok(())
}

/// `tl stop`: turns recording off (hooks stay installed and return at once; an `--enforce`
/// hook still screens pre-tool calls: blocking is protection, not recording).
pub fn stop(home: &Home, out: &Output) -> anyhow::Result<()> {
    if home.recording() == Recording::Always {
        out.line("recording stays on: it was started with `tl start --always` (run `tl start` to make `tl stop` work again)");
        return Ok(());
    }
    home.set_recording(Recording::Off)
        .with_context(|| format!("cannot write to {}", home.root().display()))?;
    out.line(
        "recording is off: hooks return at once without recording, except that an --enforce hook still blocks danger (`tl start` turns recording back on)",
    );
    if crate::commands::maintain::stop_daemon(home) {
        out.line("indexer daemon stopped");
    }
    Ok(())
}

/// What `tl status --json` prints.
#[derive(Debug, Serialize)]
pub struct Status {
    /// The TL_HOME directory.
    pub home: String,
    /// `on`, `off` or `always`.
    pub recording: &'static str,
    /// Per agent and scope, the hook installation.
    pub agents: Vec<AgentStatus>,
    /// The log.
    pub log: LogStatus,
    /// Hook failures recorded in errors.log.
    pub errors: ErrorStatus,
    /// The indexer: daemon, lag, catalog size.
    pub index: crate::commands::maintain::IndexStatus,
}

/// The hooks of one agent in one settings file.
#[derive(Debug, Serialize)]
pub struct AgentStatus {
    /// `claude-code`, `codex`, `gemini`.
    pub agent: &'static str,
    /// `user` or `project`.
    pub scope: &'static str,
    /// The settings file.
    pub settings: String,
    /// How many of the events tl registers carry tl's hook.
    pub events_hooked: usize,
    /// How many events tl registers for this agent.
    pub events_expected: usize,
    /// Whether the hooks run this very binary (not an older tl elsewhere).
    pub points_at_this_binary: bool,
    /// Whether the pre-tool hook blocks calls that match a danger rule (`--enforce`).
    pub enforcing: bool,
    /// The time of the newest event recorded for this agent in the newest segment (RFC 3339).
    pub last_event: Option<String>,
}

/// Size and health of the log.
#[derive(Debug, Serialize)]
pub struct LogStatus {
    /// Segment files.
    pub segments: usize,
    /// Bytes of records written (live segments) plus compressed files.
    pub used_bytes: u64,
    /// Bytes the files take (live segments are preallocated).
    pub file_bytes: u64,
    /// Segments that cannot be read.
    pub damaged_segments: usize,
}

/// errors.log.
#[derive(Debug, Serialize)]
pub struct ErrorStatus {
    /// Lines in errors.log.
    pub count: usize,
    /// The last few lines.
    pub recent: Vec<String>,
}

/// `tl status`.
pub fn status(home: &Home, out: &Output) -> anyhow::Result<()> {
    let last_seen = last_event_per_agent(home);
    let this_exe = std::env::current_exe().ok().and_then(|p| p.canonicalize().ok());
    let mut agents = Vec::new();
    for agent in InstallAgent::ALL {
        for scope in [Scope::User, Scope::Project] {
            let Ok(target) = Target::resolve(agent, scope) else { continue };
            let path = target.settings_path();
            let Ok((Some(_), settings)) = install::read_settings(&path) else { continue };
            let ours: Vec<(String, String)> = install::hook_commands(&settings)
                .into_iter()
                .filter(|(_, c)| install::is_tl_command(c, agent.name()))
                .collect();
            if ours.is_empty() && scope == Scope::Project {
                continue;
            }
            let points_at_this_binary = !ours.is_empty()
                && ours.iter().all(|(_, c)| {
                    let words = install::shell_words(c);
                    let exe = words.windows(2).find(|w| w[1] == "hook").map(|w| &w[0]);
                    exe.and_then(|e| std::path::Path::new(e).canonicalize().ok()) == this_exe
                });
            let hooked: std::collections::BTreeSet<&str> =
                ours.iter().map(|(e, _)| e.as_str()).collect();
            agents.push(AgentStatus {
                agent: agent.name(),
                scope: if scope == Scope::User { "user" } else { "project" },
                settings: path.display().to_string(),
                events_hooked: agent.events().iter().filter(|e| hooked.contains(*e)).count(),
                events_expected: agent.events().len(),
                points_at_this_binary,
                enforcing: ours
                    .iter()
                    .any(|(_, c)| install::shell_words(c).iter().any(|w| w == "--enforce")),
                last_event: last_seen.get(agent.name()).cloned(),
            });
        }
    }
    let mut log = LogStatus { segments: 0, used_bytes: 0, file_bytes: 0, damaged_segments: 0 };
    if home.log_dir().exists() {
        let wal = wal::Wal::open(wal::Config::new(home.log_dir()))?;
        for s in wal.segments()? {
            log.segments += 1;
            log.used_bytes += s.used_bytes;
            log.file_bytes += s.file_bytes;
            log.damaged_segments += usize::from(s.damaged.is_some());
        }
    }
    let errors_text = std::fs::read_to_string(home.errors_log()).unwrap_or_default();
    let lines: Vec<&str> = errors_text.lines().collect();
    let errors = ErrorStatus {
        count: lines.len(),
        recent: lines.iter().rev().take(3).rev().map(|l| l.to_string()).collect(),
    };
    let recording = match home.recording() {
        Recording::On => "on",
        Recording::Off => "off",
        Recording::Always => "always",
    };
    let index = crate::commands::maintain::index_status(home)?;
    let status =
        Status { home: home.root().display().to_string(), recording, agents, log, errors, index };
    if out.json {
        return out.json_value(&status);
    }
    out.line(&format!("TL_HOME    {}", status.home));
    out.line(&format!("recording  {}", status.recording));
    if status.agents.is_empty() {
        out.line("hooks      none installed (try `tl install claude-code`)");
    }
    for a in &status.agents {
        let health = if a.events_hooked == 0 {
            "not installed".to_string()
        } else if !a.points_at_this_binary {
            format!(
                "{}/{} events, but the hooks run another tl binary (run `tl install {}` again)",
                a.events_hooked, a.events_expected, a.agent
            )
        } else {
            format!("{}/{} events", a.events_hooked, a.events_expected)
        };
        let health =
            if a.enforcing { format!("{health}, blocking danger (--enforce)") } else { health };
        out.line(&format!(
            "hooks      {:<11} {:<7} {}  last event: {}  ({})",
            a.agent,
            a.scope,
            health,
            a.last_event.as_deref().unwrap_or("none"),
            a.settings
        ));
    }
    out.line(&format!(
        "log        {} segments, {} recorded, {} on disk{}",
        status.log.segments,
        human_bytes(status.log.used_bytes),
        human_bytes(status.log.file_bytes),
        if status.log.damaged_segments > 0 {
            format!(", {} DAMAGED segments", status.log.damaged_segments)
        } else {
            String::new()
        }
    ));
    let ix = &status.index;
    out.line(&format!(
        "index      {} sessions, {} steps, {} findings; {}; {}",
        ix.sessions,
        ix.steps,
        ix.findings,
        match ix.daemon_pid {
            Some(pid) => format!("daemon running (pid {pid})"),
            None => "no daemon (read commands index on demand; `tl start` runs one)".to_owned(),
        },
        if ix.lag_records == 0 {
            "up to date".to_owned()
        } else {
            format!("{} records ({}) not indexed yet", ix.lag_records, human_bytes(ix.lag_bytes))
        }
    ));
    if status.errors.count == 0 {
        out.line("errors     none");
    } else {
        out.line(&format!(
            "errors     {} in {} — the latest:",
            status.errors.count,
            home.errors_log().display()
        ));
        for l in &status.errors.recent {
            out.line(&format!("           {l}"));
        }
    }
    Ok(())
}

/// The newest event time per agent, from the newest segment only (bounded work).
fn last_event_per_agent(home: &Home) -> BTreeMap<String, String> {
    let mut last = BTreeMap::new();
    let Ok(wal) = wal::Wal::open(wal::Config::new(home.log_dir())) else { return last };
    let Some(newest) =
        wal.segments().ok().and_then(|s| s.into_iter().rev().find(|s| s.damaged.is_none()))
    else {
        return last;
    };
    let mut reader = wal.reader(newest.base);
    while let Ok(Some(record)) = reader.next() {
        if let Ok(e) = event::decode(record.payload) {
            let ns = e.ts.0;
            let text = crate::home::rfc3339(
                ns.div_euclid(1_000_000_000),
                (ns.rem_euclid(1_000_000_000) / 1_000_000) as u32,
            );
            last.insert(e.agent.to_string(), text);
        }
    }
    last
}

/// Bytes for humans: 1.2 MiB.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{n} B") } else { format!("{v:.1} {}", UNITS[unit]) }
}
