//! `tl demo`: the 30-second story. An agent asked to tidy `config/` lists it, reads
//! `secrets.yml`, rewrites `app.yml`, deletes `secrets.yml`, runs `rm -rf build/`, pipes a script
//! from the internet into `sh` and force-pushes. The demo records that session into the current
//! `TL_HOME` and shows what tl makes of it.
//!
//! The payloads are the hook payloads the real Claude Code 2.1.328 sent for that scenario
//! (`assets/demo/secrets_incident.jsonl`, recorded through ../shared/harness), with a fresh
//! session id, a project under the user's home and times spread over the last two minutes. They
//! go through exactly what `tl hook claude-code` does (capture: normalization and redaction, then
//! an append to the log) and are then indexed and judged like any session: nothing is
//! pre-computed, so the demo is also a smoke test of the whole path on a new machine.

use std::io::Read as _;

use anyhow::Context as _;
use capture::redact::Redactor;
use event::{Agent, Timestamp};
use index::{Severity, StepFilter};
use serde_json::json;

use crate::home::Home;
use crate::output::Output;
use crate::prices::Prices;
use crate::render::{Style, clip};
use crate::store;
use crate::views;

/// The recorded payloads, with `@SESSION@`, `@CWD@`, `@HOME@` and `@PROJECT_DASHED@` to fill in.
const PAYLOADS: &str = include_str!("../../assets/demo/secrets_incident.jsonl");

/// Seconds between two payloads: the pace of a real session.
const PACE_MS: i64 = 2_300;

/// `tl demo`.
pub fn run(home: &Home, out: &Output) -> anyhow::Result<()> {
    let session = new_session_id()?;
    let user_home = std::env::var("HOME")
        .ok()
        .filter(|h| h.starts_with('/'))
        .unwrap_or_else(|| "/home/you".into());
    let cwd = format!("{}/projects/shop", user_home.trim_end_matches('/'));
    let fill = |line: &str| {
        line.replace("@SESSION@", &session)
            .replace("@PROJECT_DASHED@", &json_text(&cwd.replace('/', "-")))
            .replace("@CWD@", &json_text(&cwd))
            .replace("@HOME@", &json_text(user_home.trim_end_matches('/')))
    };
    let payloads: Vec<String> =
        PAYLOADS.lines().filter(|l| !l.trim().is_empty()).map(fill).collect();

    // What `tl hook claude-code` does for each payload, stamped as if over the last minutes.
    let wal = store::open_wal(home)?;
    let redactor = Redactor::shared();
    let start = Timestamp::now().0 - payloads.len() as i64 * PACE_MS * 1_000_000;
    let mut buf = Vec::with_capacity(4096);
    let mut records = 0;
    for (i, payload) in payloads.iter().enumerate() {
        let now = Timestamp(start + i as i64 * PACE_MS * 1_000_000);
        let captured = capture::capture_hook(Agent::ClaudeCode, payload.as_bytes(), now, redactor);
        if !captured.problems.is_empty() {
            anyhow::bail!(
                "the demo payload {i} did not capture cleanly: {}",
                captured.problems.join("; ")
            );
        }
        for e in &captured.events {
            buf.clear();
            event::encode_into(e, &mut buf);
            wal.append(&buf).context("cannot append to the log")?;
            records += 1;
        }
    }

    let reading = store::Reading::open(home)?;
    let row = reading.catalog.session(&session)?.context("the demo session was not indexed")?;
    let mut flagged = Vec::new();
    let filter = StepFilter { min_severity: Some(Severity::Info), ..StepFilter::default() };
    reading.catalog.for_each_step(&session, &filter, |step| {
        flagged.push(step);
        true
    })?;
    let prices = Prices::load(home)?;
    if out.json {
        return out.json_value(&json!({
            "tl_home": home.root().display().to_string(),
            "payloads": payloads.len(),
            "records": records,
            "session": views::session(&row, &prices),
            "flagged": flagged.iter().map(views::step).collect::<Vec<_>>(),
        }));
    }
    let style = Style::detect();
    let short = index::catalog::short_id(&session);
    out.line(&format!(
        "{} recorded a Claude Code session: {} hook payloads as Claude Code 2.1.328 sent them,",
        style.bold("tl demo:"),
        payloads.len()
    ));
    out.line(&format!(
        "captured, redacted and indexed into {} like any other.",
        home.root().display()
    ));
    out.line("");
    out.line(
        &style.dim("The user asked: “Please tidy up the config/ directory.” The agent did this:"),
    );
    out.line(&crate::commands::read::session_line(&row, &prices, &style));
    out.line("");
    for f in &flagged {
        let s = &f.step;
        out.line(&format!(
            "{} #{:<3} {}",
            style.severity_icon(f.severity),
            s.seq.0,
            style.bold(&clip(&s.summary, style.width.saturating_sub(10)))
        ));
        for finding in &f.findings {
            out.line(&format!(
                "        {} {}: {}",
                style.severity_name(finding.severity),
                finding.rule,
                clip(&finding.message, style.width.saturating_sub(30).max(20))
            ));
        }
    }
    out.line("");
    out.line("Rewind it:");
    if let Some(exe) = not_on_path() {
        out.line(&format!(
            "  {}  {}",
            style.bold(&format!("{:<40}", format!("alias tl={}", exe.display()))),
            style.dim("tl is not on PATH (cargo install --path crates/tl puts it there)")
        ));
    }
    if std::env::var_os("TL_HOME").is_some() {
        let export = format!("export TL_HOME={}", home.root().display());
        out.line(&format!(
            "  {}  {}",
            style.bold(&format!("{export:<40}")),
            style.dim("the demo's TL_HOME, for the commands below")
        ));
    }
    for (cmd, what) in [
        (format!("tl timeline {short}"), "every step with its duration and flags"),
        (format!("tl inspect {short} --anomalies-only"), "just the risky steps"),
        (
            format!("tl inspect {short} --step {}", first_seq(&flagged, "rm config/secrets.yml")),
            "the rm in full: command, output, raw payload",
        ),
        ("tl search secrets.yml".to_owned(), "every step that touched or mentioned it"),
        (format!("tl export {short} --pretty"), "the whole trace as JSON"),
        ("tl view --open".to_owned(), "the same in the browser"),
    ] {
        out.line(&format!("  {}  {}", style.bold(&format!("{cmd:<40}")), style.dim(what)));
    }
    Ok(())
}

/// This binary's path, when `tl` on PATH is not this binary (run through `cargo run`).
fn not_on_path() -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?.canonicalize().ok()?;
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths).map(|d| d.join("tl")).find(|p| p.is_file())
    });
    match on_path.and_then(|p| p.canonicalize().ok()) {
        Some(p) if p == exe => None,
        _ => Some(exe),
    }
}

/// The seq of the first flagged step whose summary contains `needle` (1 if none).
fn first_seq(flagged: &[index::StepRow], needle: &str) -> u64 {
    flagged.iter().find(|f| f.step.summary.contains(needle)).map_or(1, |f| f.step.seq.0)
}

/// `text` escaped for the inside of a JSON string.
fn json_text(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_default();
    quoted[1..quoted.len().saturating_sub(1).max(1)].to_owned()
}

/// A random UUID v4 (from /dev/urandom), so every demo run is a session of its own.
fn new_session_id() -> anyhow::Result<String> {
    let mut b = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .context("cannot read /dev/urandom")?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32]))
}
