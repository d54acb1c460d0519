//! The read commands over the catalog: `tl sessions`, `tl inspect`, `tl timeline`, `tl stats`.
//!
//! Each first catches up on what the daemon has not indexed yet ([`Reading::open`]), then reads
//! the catalog (step bodies from the log by LSN for `inspect --step`). Lists stream: a
//! million-step session prints its first page at once and in constant memory.

use std::io::Write;

use anyhow::Context as _;
use event::{Agent, Kind, Timestamp};
use index::{LogLookup, SessionFilter, SessionRow, Severity, StepFilter, StepRow};
use serde_json::json;

use crate::home::Home;
use crate::output::Output;
use crate::prices::Prices;
use crate::render::{self, Style, clip};
use crate::store::Reading;
use crate::views;

/// Parses a kind as users type it: `SHELL_EXEC`, `shell_exec`, `shell-exec`.
pub fn parse_kind(text: &str) -> anyhow::Result<Kind> {
    let norm = text.trim().to_ascii_uppercase().replace('-', "_");
    norm.parse::<Kind>().map_err(|_| {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        anyhow::anyhow!("unknown step kind {text:?}\nhint: one of {}", names.join(", "))
    })
}

/// Parses `--since`: an RFC 3339 date or time, or a span back from now (`30m`, `2h`, `7d`), as
/// the search filter `after:` does.
pub fn parse_since(text: &str, now: Timestamp) -> anyhow::Result<Timestamp> {
    index::query::parse_time(text.trim(), now).map_err(|_| {
        anyhow::anyhow!(
            "cannot read the time {text:?}\nhint: 2026-11-01, 2026-11-01T10:00, or 30m, 2h, 7d back from now"
        )
    })
}

/// `tl sessions`.
pub fn sessions(
    home: &Home,
    limit: usize,
    agent: Option<Agent>,
    anomalies_only: bool,
    since: Option<&str>,
    out: &Output,
) -> anyhow::Result<()> {
    let reading = Reading::open(home)?;
    let prices = Prices::load(home)?;
    let filter = SessionFilter {
        limit,
        agent,
        min_severity: anomalies_only.then_some(Severity::Info),
        since: since.map(|s| parse_since(s, Timestamp::now())).transpose()?,
    };
    let rows = reading.catalog.sessions(&filter)?;
    if out.json {
        let list: Vec<_> = rows.iter().map(|s| views::session(s, &prices)).collect();
        return out.json_value(&list);
    }
    if rows.is_empty() {
        out.line("no sessions recorded yet\nhint: `tl install claude-code` (or codex, gemini) records from now on; `tl import` backfills; `tl demo` shows an example");
        return Ok(());
    }
    let style = Style::detect();
    out.line(&style.dim(&format!(
        "{:<8}  {:<11}  {:<16}  {:>7}  {:>6}  {:<9}  {:>7}  PROJECT · FIRST PROMPT",
        "SESSION", "AGENT", "STARTED (UTC)", "TIME", "STEPS", "FLAGS", "COST"
    )));
    for s in &rows {
        out.line(&session_line(s, &prices, &style));
    }
    Ok(())
}

/// One line of the session list.
pub fn session_line(s: &SessionRow, prices: &Prices, style: &Style) -> String {
    let (cost, complete) = views::session_cost(s, prices);
    let flags = flag_counts(s, style);
    let project = s
        .cwd
        .as_deref()
        .map(|c| c.rsplit('/').find(|p| !p.is_empty()).unwrap_or(c).to_owned())
        .unwrap_or_default();
    let head = format!(
        "{:<8}  {:<11}  {:<16}  {:>7}  {:>6}  ",
        index::catalog::short_id(&s.id),
        s.agent.as_str(),
        render::date_minute(s.started_at),
        render::duration(((s.ended_at.0 - s.started_at.0).max(0) / 1_000_000) as u64),
        s.total_steps,
    );
    let used = head.chars().count() + 9 + 2 + 7 + 2;
    let tail = match (&project, &s.title) {
        (p, Some(t)) if !p.is_empty() => format!("{p} · {t}"),
        (p, _) if !p.is_empty() => p.clone(),
        (_, Some(t)) => t.clone(),
        _ => String::new(),
    };
    let tail = clip(&tail, style.width.saturating_sub(used).max(10));
    format!(
        "{}{}  {:>7}  {}",
        style.bold(&head[..8]) + &head[8..],
        flags,
        render::cost(cost, complete),
        tail
    )
}

/// `✖2 ▲1 •3`, padded to 9 columns.
fn flag_counts(s: &SessionRow, style: &Style) -> String {
    let mut parts = Vec::new();
    let mut plain = 0;
    for (sev, n) in [
        (Severity::Danger, s.findings.danger),
        (Severity::Warning, s.findings.warning),
        (Severity::Info, s.findings.info),
    ] {
        if n > 0 {
            let text = format!("{}{n}", style.severity_icon(Some(sev)));
            plain += 1 + n.to_string().len() + usize::from(!parts.is_empty());
            parts.push(text);
        }
    }
    let joined = parts.join(" ");
    format!("{joined}{}", " ".repeat(9usize.saturating_sub(plain)))
}

/// The header of `inspect` and `timeline`: who, where, when, how much, how bad.
fn session_header(s: &SessionRow, prices: &Prices, style: &Style, out: &Output) {
    let (cost, complete) = views::session_cost(s, prices);
    let t = s.tokens();
    out.line(&format!(
        "{} {}  {}{}",
        style.bold("session"),
        style.bold(&s.id),
        s.agent.as_str(),
        s.cwd.as_deref().map(|c| format!("  {c}")).unwrap_or_default()
            + &s.git_branch.as_deref().map(|b| format!(" ({b})")).unwrap_or_default()
    ));
    let mut flags = Vec::new();
    for (sev, n) in [
        (Severity::Danger, s.findings.danger),
        (Severity::Warning, s.findings.warning),
        (Severity::Info, s.findings.info),
    ] {
        if n > 0 {
            flags.push(format!("{} {n} {}", style.severity_icon(Some(sev)), sev.as_str()));
        }
    }
    out.line(&format!(
        "started {}  lasted {}  {} steps  {}  tokens {} in / {} out  {}",
        render::date_minute(s.started_at),
        render::duration(((s.ended_at.0 - s.started_at.0).max(0) / 1_000_000) as u64),
        s.total_steps,
        if flags.is_empty() { "no findings".to_owned() } else { flags.join("  ") },
        render::count(t.input + t.cache_read + t.cache_write),
        render::count(t.output),
        render::cost(cost, complete),
    ));
    if let Some(title) = &s.title {
        out.line(&style.dim(&format!("“{}”", clip(title, style.width.saturating_sub(4)))));
    }
}

/// The options of `tl inspect`.
#[derive(Debug, Default)]
pub struct InspectArgs {
    /// The session as the user named it.
    pub session: String,
    /// Only steps with findings.
    pub anomalies_only: bool,
    /// Only these kinds.
    pub kinds: Vec<String>,
    /// One step in full.
    pub step: Option<u64>,
    /// At most this many steps (0: all).
    pub limit: usize,
}

/// `tl inspect`.
pub fn inspect(home: &Home, args: &InspectArgs, out: &Output) -> anyhow::Result<()> {
    let reading = Reading::open(home)?;
    let id = reading.resolve(&args.session)?;
    let session = reading.catalog.session(&id)?.context("the session vanished while reading")?;
    let prices = Prices::load(home)?;
    if let Some(seq) = args.step {
        return inspect_step(&reading, &session, seq, out);
    }
    let kinds = args.kinds.iter().map(|k| parse_kind(k)).collect::<anyhow::Result<Vec<_>>>()?;
    let filter = StepFilter {
        kinds,
        min_severity: args.anomalies_only.then_some(Severity::Info),
        limit: args.limit,
        ..StepFilter::default()
    };
    let style = Style::detect();
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let mut failed = None;
    if out.json {
        let head = json!({ "session": views::session(&session, &prices) });
        let head = serde_json::to_string(&head)?;
        write_or_quit(&mut stdout, &format!("{},\"steps\":[", &head[..head.len() - 1]));
        let mut first = true;
        reading.catalog.for_each_step(&id, &filter, |row| {
            let sep = if first { "" } else { "," };
            first = false;
            match serde_json::to_string(&views::step(&row)) {
                Ok(text) => write_or_quit(&mut stdout, &format!("{sep}\n{text}")),
                Err(e) => failed = Some(e),
            }
            true
        })?;
        write_or_quit(&mut stdout, "\n]}\n");
    } else {
        drop(stdout);
        session_header(&session, &prices, &style, out);
        out.line("");
        let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
        let mut shown = 0u64;
        reading.catalog.for_each_step(&id, &filter, |row| {
            write_or_quit(&mut stdout, &step_block(&row, &style));
            shown += 1;
            // The first screen goes out at once, the rest in blocks.
            if shown == 40 {
                let _ = stdout.flush();
            }
            true
        })?;
        if shown == 0 {
            write_or_quit(&mut stdout, "no steps match\n");
        } else {
            write_or_quit(
                &mut stdout,
                &style.dim(&format!(
                    "\n{shown} step(s). One in full: tl inspect {} --step N\n",
                    index::catalog::short_id(&id)
                )),
            );
        }
        let _ = stdout.flush();
        return Ok(());
    }
    let _ = stdout.flush();
    if let Some(e) = failed {
        return Err(e.into());
    }
    Ok(())
}

/// Writes to stdout, exiting quietly when the reader went away (`tl inspect last | head`).
pub fn write_or_quit(w: &mut impl Write, text: &str) {
    if w.write_all(text.as_bytes()).is_err() {
        std::process::exit(0);
    }
}

/// A step in the `inspect` list: its line, its findings, the start of its output.
fn step_block(row: &StepRow, style: &Style) -> String {
    let s = &row.step;
    let head = format!(
        "{} {:>5}  {}  {:<14}  ",
        style.severity_icon(row.severity),
        format!("#{}", s.seq.0),
        render::clock(s.ts_start),
        s.kind.as_str(),
    );
    let dur = s.duration_ms.map(render::duration).unwrap_or_default();
    let room = style.width.saturating_sub(2 + 5 + 2 + 8 + 2 + 14 + 2 + 8);
    let summary = clip(&s.summary, room.max(20));
    let mut text = format!("{head}{summary}  {}\n", style.dim(&dur));
    for f in &row.findings {
        text.push_str(&format!(
            "           {} {} {}: {}\n",
            style.severity_icon(Some(f.severity)),
            style.severity_name(f.severity),
            style.bold(&f.rule),
            clip(&f.message, style.width.saturating_sub(30).max(20))
        ));
    }
    let preview = s.error.as_deref().or(s.output_preview.as_deref()).unwrap_or("");
    let first = preview.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if !first.is_empty() && !matches!(s.kind, Kind::UserInput | Kind::AssistantText) {
        text.push_str(&style.dim(&format!(
            "           │ {}\n",
            clip(first, style.width.saturating_sub(14).max(20))
        )));
    }
    text
}

/// `tl inspect SESSION --step N`: one step in full, its records read back from the log.
fn inspect_step(
    reading: &Reading,
    session: &SessionRow,
    seq: u64,
    out: &Output,
) -> anyhow::Result<()> {
    let Some(row) = reading.catalog.step(&session.id, seq)? else {
        anyhow::bail!(
            "session {} has no step {seq} (it has {})\nhint: `tl inspect {}` lists them",
            index::catalog::short_id(&session.id),
            session.total_steps,
            index::catalog::short_id(&session.id)
        );
    };
    let mut lookup = LogLookup::new(&reading.wal);
    let records: Vec<(u64, Option<event::Event>)> =
        row.step.lsns.iter().map(|l| (l.0, lookup.event(*l))).collect();
    if out.json {
        let value = step_detail(&session.id, &row, &mut LogLookup::new(&reading.wal), usize::MAX);
        return out.json_value(&value);
    }
    let style = Style::detect();
    let s = &row.step;
    out.line(&format!(
        "{} {}  step #{}  {}  {}",
        style.severity_icon(row.severity),
        style.bold(s.kind.as_str()),
        s.seq.0,
        views::time(s.ts_start),
        s.outcome
    ));
    out.line(&style.bold(&s.summary));
    let field = |name: &str, value: Option<String>| {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            out.line(&format!("  {:<10} {}", style.dim(name), v));
        }
    };
    field("session", Some(session.id.clone()));
    field("tool", s.tool_name.clone());
    field("cwd", s.cwd.clone());
    field("command", s.command.clone());
    field("paths", (!s.paths.is_empty()).then(|| s.paths.join(", ")));
    field("url", s.url.clone());
    field("query", s.query.clone());
    field("mcp", s.mcp.as_ref().map(|m| format!("{} / {}", m.server, m.tool)));
    field("exit code", s.exit_code.map(|c| c.to_string()));
    field("duration", s.duration_ms.map(render::duration));
    field("model", s.model.clone());
    field(
        "tokens",
        s.tokens.map(|t| {
            format!(
                "{} in, {} out, {} cache read, {} cache write",
                t.input, t.output, t.cache_read, t.cache_write
            )
        }),
    );
    field("sources", Some(s.sources().to_string()));
    field("subagent", s.subagent_id.clone());
    field("parent", s.parent_seq.map(|p| format!("step #{}", p.0)));
    if !row.findings.is_empty() {
        out.line("");
        out.line(&style.bold("findings"));
        for f in &row.findings {
            out.line(&format!(
                "  {} {} {}: {}",
                style.severity_icon(Some(f.severity)),
                style.severity_name(f.severity),
                style.bold(&f.rule),
                f.message
            ));
            if !f.evidence.is_empty() {
                out.line(&style.dim(&format!("      matched: {}", f.evidence)));
            }
        }
    }
    for (lsn, event) in &records {
        out.line("");
        let Some(e) = event else {
            out.line(&style.dim(&format!("── record {lsn}: no longer in the log (tl gc) ──")));
            continue;
        };
        out.line(&style.dim(&format!(
            "── record {lsn} · {} · {} · {} ──",
            e.source.as_str(),
            e.phase.as_str(),
            views::time(e.ts)
        )));
        if let Some(text) = &e.fields.text {
            out.line(text.trim_end());
        }
        for (label, body) in
            [("stdout", &e.fields.output), ("stderr", &e.fields.stderr), ("error", &e.fields.error)]
        {
            if let Some(body) = body.as_deref().filter(|b| !b.trim().is_empty()) {
                out.line(&style.bold(label));
                out.line(body.trim_end());
            }
        }
        if let Some(diff) = file_change(&e.raw) {
            out.line(&style.bold("change"));
            for line in diff.lines() {
                let painted = match line.chars().next() {
                    Some('+') => style.paint("32", line),
                    Some('-') => style.paint("31", line),
                    _ => line.to_owned(),
                };
                out.line(&painted);
            }
        }
        out.line(&style.bold("raw payload"));
        let pretty = serde_json::from_str::<serde_json::Value>(&e.raw)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| e.raw.clone());
        out.line(&style.dim(&pretty));
    }
    Ok(())
}

/// A step in full, as `tl inspect --step N --json` and the web UI's API show it: the step's
/// fields, its session, and each of its records read back from the log with the change a write
/// carries (`diff`). Bodies (texts, outputs, the raw payload) longer than `max_body` bytes are
/// cut, and named in the record's `truncated`.
pub fn step_detail(
    session: &str,
    row: &StepRow,
    lookup: &mut LogLookup,
    max_body: usize,
) -> serde_json::Value {
    let records: Vec<_> = row
        .step
        .lsns
        .iter()
        .map(|lsn| match lookup.event(*lsn) {
            Some(e) => record_json(lsn.0, &e, max_body),
            None => json!({ "lsn": lsn.0, "missing": true }),
        })
        .collect();
    let mut value = views::step(row);
    if let Some(m) = value.as_object_mut() {
        m.insert("session".into(), json!(session));
        m.insert("records".into(), json!(records));
        if max_body < usize::MAX {
            m.insert("body_max_bytes".into(), json!(max_body));
        }
    }
    value
}

/// One record of a step, its bodies cut to `max_body` bytes.
fn record_json(lsn: u64, e: &event::Event, max_body: usize) -> serde_json::Value {
    let mut truncated = Vec::new();
    let mut fields = e.fields.clone();
    for (name, body) in [
        ("text", &mut fields.text),
        ("output", &mut fields.output),
        ("stderr", &mut fields.stderr),
        ("error", &mut fields.error),
    ] {
        if let Some(b) = body
            && cut(b, max_body)
        {
            truncated.push(name);
        }
    }
    let raw = if e.raw.len() > max_body {
        truncated.push("raw");
        let mut r = e.raw.clone();
        cut(&mut r, max_body);
        json!(r)
    } else {
        serde_json::from_str::<serde_json::Value>(&e.raw).unwrap_or_else(|_| json!(e.raw))
    };
    let mut value = json!({ "lsn": lsn, "source": e.source, "phase": e.phase, "kind": e.kind,
        "timestamp": views::time(e.ts), "fields": fields, "summary": e.summary, "raw": raw });
    if let Some(mut diff) = file_change(&e.raw) {
        if cut(&mut diff, max_body) {
            truncated.push("diff");
        }
        value["diff"] = json!(diff);
    }
    if !truncated.is_empty() {
        value["truncated"] = json!(truncated);
    }
    value
}

/// Cuts `text` to at most `max` bytes at a character boundary; whether it was longer.
fn cut(text: &mut String, max: usize) -> bool {
    if text.len() <= max {
        return false;
    }
    let mut at = max;
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    text.truncate(at);
    true
}

/// The file change a write payload carries, as a diff (`Edit`: old → new string; `Write`: the
/// new content; `MultiEdit`: each edit), found in `tool_input` of a hook payload.
fn file_change(raw: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(raw).ok()?;
    let input = v.get("tool_input").or_else(|| v.pointer("/message/content/0/input"))?;
    let mut out = String::new();
    fn edit(out: &mut String, old: &str, new: &str) {
        for l in old.lines() {
            out.push_str(&format!("-{l}\n"));
        }
        for l in new.lines() {
            out.push_str(&format!("+{l}\n"));
        }
    }
    let text = |v: Option<&serde_json::Value>| v.and_then(|s| s.as_str()).unwrap_or("").to_owned();
    if input.get("old_string").is_some() || input.get("new_string").is_some() {
        edit(&mut out, &text(input.get("old_string")), &text(input.get("new_string")));
    } else if let Some(edits) = input.get("edits").and_then(|e| e.as_array()) {
        for e in edits {
            edit(&mut out, &text(e.get("old_string")), &text(e.get("new_string")));
            out.push_str("···\n");
        }
    } else if let Some(content) = input.get("content").and_then(|c| c.as_str()) {
        edit(&mut out, "", content);
    } else {
        return None;
    }
    (!out.is_empty()).then_some(out)
}

/// `tl timeline`.
pub fn timeline(
    home: &Home,
    session: &str,
    from: Option<u64>,
    to: Option<u64>,
    out: &Output,
) -> anyhow::Result<()> {
    let reading = Reading::open(home)?;
    let id = reading.resolve(session)?;
    let row = reading.catalog.session(&id)?.context("the session vanished while reading")?;
    let prices = Prices::load(home)?;
    let filter = StepFilter { from, to, ..StepFilter::default() };
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    if out.json {
        write_or_quit(&mut stdout, "[");
        let mut first = true;
        reading.catalog.for_each_step(&id, &filter, |r| {
            let s = &r.step;
            let item = json!({
                "seq": s.seq.0, "timestamp": views::time(s.ts_start), "duration_ms": s.duration_ms,
                "event_type": s.kind, "summary": s.summary, "outcome": s.outcome,
                "risk_level": r.severity.map_or("none", |v| v.as_str()),
                "flags": r.findings.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
            });
            write_or_quit(&mut stdout, &format!("{}\n{item}", if first { "" } else { "," }));
            first = false;
            true
        })?;
        write_or_quit(&mut stdout, "\n]\n");
        let _ = stdout.flush();
        return Ok(());
    }
    let style = Style::detect();
    drop(stdout);
    session_header(&row, &prices, &style, out);
    out.line("");
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    write_or_quit(
        &mut stdout,
        &format!(
            "{}\n",
            style.dim(&format!(
                "{:>6}  {:<8}  {:<10} {:>7}  {:<14}  SUMMARY",
                "#", "TIME", "DURATION", "", "KIND"
            ))
        ),
    );
    let mut n = 0u64;
    reading.catalog.for_each_step(&id, &filter, |r| {
        let s = &r.step;
        let flags: Vec<&str> = r.findings.iter().map(|f| f.rule.as_str()).collect();
        let flag_text = if flags.is_empty() {
            String::new()
        } else {
            format!(" {} {}", style.severity_icon(r.severity), flags.join(","))
        };
        let flag_width = if flags.is_empty() { 0 } else { 3 + flags.join(",").chars().count() };
        let room = style
            .width
            .saturating_sub(6 + 2 + 8 + 2 + 10 + 1 + 7 + 2 + 14 + 2 + flag_width)
            .max(16);
        let bar = render::duration_bar(s.duration_ms, 10);
        let bar = match r.severity {
            Some(Severity::Danger) => style.paint("31", &bar),
            Some(Severity::Warning) => style.paint("33", &bar),
            _ => style.paint("36", &bar),
        };
        let outcome_mark = match s.outcome {
            index::StepOutcome::Error => style.paint("31", "✗ "),
            index::StepOutcome::Denied => style.paint("33", "⊘ "),
            index::StepOutcome::Interrupted => style.paint("33", "⏸ "),
            index::StepOutcome::Pending => style.dim("… "),
            index::StepOutcome::Ok => String::new(),
        };
        write_or_quit(
            &mut stdout,
            &format!(
                "{:>6}  {}  {} {:>7}  {:<14} {}{}{}\n",
                s.seq.0,
                render::clock(s.ts_start),
                bar,
                s.duration_ms.map(render::duration).unwrap_or_default(),
                s.kind.as_str(),
                outcome_mark,
                clip(&s.summary, room),
                flag_text
            ),
        );
        n += 1;
        if n == 40 {
            let _ = stdout.flush();
        }
        true
    })?;
    if n == 0 {
        write_or_quit(&mut stdout, "no steps in that range\n");
    }
    let _ = stdout.flush();
    Ok(())
}

/// `tl stats`.
pub fn stats(home: &Home, session: Option<&str>, out: &Output) -> anyhow::Result<()> {
    let reading = Reading::open(home)?;
    let prices = Prices::load(home)?;
    let (id, sessions) = match session {
        Some(name) => {
            let id = reading.resolve(name)?;
            let row = reading.catalog.session(&id)?.into_iter().collect::<Vec<_>>();
            (Some(id), row)
        }
        None => (None, reading.catalog.sessions(&SessionFilter::default())?),
    };
    let stats = reading.catalog.step_stats(id.as_deref(), 10)?;
    // Tokens and cost by model over the sessions in scope.
    let mut models: std::collections::BTreeMap<String, (u64, event::Tokens)> = Default::default();
    let mut findings = index::SeverityCounts::default();
    for s in &sessions {
        for m in &s.models {
            let e = models.entry(m.model.clone()).or_default();
            e.0 += m.steps;
            e.1.input += m.tokens.input;
            e.1.output += m.tokens.output;
            e.1.cache_read += m.tokens.cache_read;
            e.1.cache_write += m.tokens.cache_write;
            e.1.reasoning += m.tokens.reasoning;
        }
        findings.info += s.findings.info;
        findings.warning += s.findings.warning;
        findings.danger += s.findings.danger;
    }
    let total_steps: u64 = stats.by_kind.iter().map(|(_, n)| n).sum();
    let error_rate =
        if stats.actions == 0 { 0.0 } else { stats.errors as f64 / stats.actions as f64 };
    let model_rows: Vec<_> = models
        .iter()
        .map(|(m, (steps, t))| json!({"model": m, "steps": steps, "tokens": t, "cost_usd": prices.cost(m, t).map(|c| (c * 1e6).round() / 1e6)}))
        .collect();
    let total_cost: f64 = models.iter().filter_map(|(m, (_, t))| prices.cost(m, t)).sum();
    if out.json {
        return out.json_value(&json!({
            "session": id,
            "sessions": sessions.len(),
            "total_steps": total_steps,
            "steps_by_kind": stats.by_kind.iter().map(|(k, n)| json!({"kind": k, "steps": n})).collect::<Vec<_>>(),
            "steps_by_outcome": stats.by_outcome.iter().map(|(o, n)| json!({"outcome": o, "steps": n})).collect::<Vec<_>>(),
            "actions": stats.actions,
            "errors": stats.errors,
            "error_rate": (error_rate * 1e4).round() / 1e4,
            "anomalies": findings,
            "models": model_rows,
            "cost_usd": (total_cost * 1e6).round() / 1e6,
            "slowest": stats.slowest.iter().map(|(s, q, d)| json!({"session": s, "seq": q, "duration_ms": d})).collect::<Vec<_>>(),
        }));
    }
    let style = Style::detect();
    let scope = match &id {
        Some(id) => format!("session {id}"),
        None => format!("{} session(s)", sessions.len()),
    };
    out.line(&format!(
        "{}  {} steps  {} actions, {} failed ({:.1}%)",
        style.bold(&scope),
        total_steps,
        stats.actions,
        stats.errors,
        error_rate * 100.0
    ));
    out.line("");
    out.line(&style.bold("steps by kind"));
    let max = stats.by_kind.first().map_or(1, |(_, n)| (*n).max(1));
    for (kind, n) in &stats.by_kind {
        let bar = "█".repeat(((*n as f64 / max as f64) * 30.0).ceil() as usize);
        out.line(&format!("  {:<16} {:>8}  {}", kind.as_str(), n, style.paint("36", &bar)));
    }
    out.line("");
    out.line(&style.bold("tokens and cost by model"));
    if models.is_empty() {
        out.line(&style.dim(
            "  no token usage recorded (Claude Code's and Codex's usage comes from `tl import`)",
        ));
    }
    for (m, (_, t)) in &models {
        let cost = prices.cost(m, t);
        out.line(&format!(
            "  {:<28} in {:>7}  out {:>7}  cache read {:>7}  write {:>7}  {}",
            clip(if m.is_empty() { "(unknown model)" } else { m }, 28),
            render::count(t.input),
            render::count(t.output),
            render::count(t.cache_read),
            render::count(t.cache_write),
            cost.map_or_else(|| style.dim("no price"), |c| format!("${c:.2}"))
        ));
    }
    if !models.is_empty() {
        out.line(&format!(
            "  {:<28} {}  {}",
            "total",
            style.bold(&format!("${total_cost:.2}")),
            style.dim(&format!(
                "(list prices of {}; override in TL_HOME/config.toml)",
                crate::prices::DEFAULT_PRICES_DATE
            ))
        ));
    }
    if findings.total() > 0 {
        out.line("");
        out.line(&format!(
            "{}  {} danger  {} warning  {} info",
            style.bold("findings"),
            findings.danger,
            findings.warning,
            findings.info
        ));
    }
    if !stats.slowest.is_empty() {
        out.line("");
        out.line(&style.bold("slowest steps"));
        for (sid, seq, ms) in &stats.slowest {
            let summary =
                reading.catalog.step(sid, *seq)?.map(|r| r.step.summary).unwrap_or_default();
            out.line(&format!(
                "  {:>8}  {} #{:<5} {}",
                render::duration(*ms),
                index::catalog::short_id(sid),
                seq,
                clip(&summary, style.width.saturating_sub(30).max(20))
            ));
        }
    }
    Ok(())
}
