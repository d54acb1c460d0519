//! `tl rules …`: list the loaded rules, run their inline tests, check a command or event against
//! them (showing how the command was parsed), and switch rules off and on.
//!
//! Rules are the built-ins embedded in the binary, then every `TL_HOME/rules/*.toml` in name order
//! (see docs/rules.md). `tl rules disable ID` keeps its list in `TL_HOME/rules/disabled.toml` as
//! `disable = [...]`, the format's own way to turn built-ins off.

use std::path::PathBuf;

use anyhow::{Context, bail};
use event::{Agent, Event, Kind, Phase, SessionId, Source, Timestamp};
use rules::{Finding, LoadError, RuleSet};
use serde::Serialize;

use crate::home::{Home, write_private};
use crate::output::Output;

const DISABLED_FILE: &str = "disabled.toml";

fn rules_dir(home: &Home) -> PathBuf {
    home.root().join("rules")
}

/// The user's rule files, `(name, text)`, in name order. No rules directory is no files; one
/// that cannot be read is an error (it may hold the user's `disable` list).
pub fn user_files(home: &Home) -> anyhow::Result<Vec<(String, String)>> {
    let dir = rules_dir(home);
    let mut files = Vec::new();
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(files),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    for p in paths {
        let text =
            std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))?;
        files.push((p.display().to_string(), text));
    }
    Ok(files)
}

/// The built-in rules and the user's, with what did not load.
pub fn load(home: &Home) -> anyhow::Result<(RuleSet, Vec<LoadError>)> {
    let files = user_files(home)?;
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    Ok(RuleSet::with_builtins(&refs))
}

fn load_error_line(e: &LoadError) -> String {
    match &e.rule {
        Some(rule) => format!("{}:{}: rule `{rule}`: {}", e.file, e.line, e.message),
        None => format!("{}:{}: {}", e.file, e.line, e.message),
    }
}

#[derive(Serialize)]
struct RuleRow {
    id: String,
    severity: String,
    enabled: bool,
    source: String,
    tests: usize,
    description: String,
}

/// `tl rules list`.
pub fn list(home: &Home, out: &Output) -> anyhow::Result<()> {
    let (set, errors) = load(home)?;
    let rows: Vec<RuleRow> = set
        .rules()
        .map(|r| RuleRow {
            id: r.id.to_string(),
            severity: r.severity.to_string(),
            enabled: r.enabled,
            source: format!("{}:{}", r.source.0, r.source.1),
            tests: r.tests,
            description: r.description.to_string(),
        })
        .collect();
    if out.json {
        return out.json_value(&serde_json::json!({
            "rules": rows,
            "load_errors": errors.iter().map(load_error_line).collect::<Vec<_>>(),
        }));
    }
    let width = rows.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for r in &rows {
        out.line(&format!(
            "{:<width$}  {:<7}  {:<8}  {:>2} tests  {}",
            r.id,
            r.severity,
            if r.enabled { "enabled" } else { "disabled" },
            r.tests,
            r.source
        ));
    }
    let enabled = rows.iter().filter(|r| r.enabled).count();
    out.line(&format!("{} rules, {enabled} enabled", rows.len()));
    for e in &errors {
        out.line(&format!("not loaded: {}", load_error_line(e)));
    }
    Ok(())
}

/// `tl rules test [FILE…]`: the inline tests of every loaded rule (plus FILEs); fails when a
/// case fails or a file does not load.
pub fn test(home: &Home, extra: &[PathBuf], out: &Output) -> anyhow::Result<()> {
    let mut files = user_files(home)?;
    for p in extra {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
        files.push((p.display().to_string(), text));
    }
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    let (set, errors) = RuleSet::with_builtins(&refs);
    let report = set.run_tests();
    if out.json {
        out.json_value(&serde_json::json!({
            "positives": report.positives,
            "negatives": report.negatives,
            "failures": report.failures.iter().map(|f| serde_json::json!({"rule": f.rule, "case": f.case, "reason": f.reason})).collect::<Vec<_>>(),
            "load_errors": errors.iter().map(load_error_line).collect::<Vec<_>>(),
        }))?;
    } else {
        for f in &report.failures {
            out.line(&format!("FAIL {}: {}\n     {}", f.rule, f.case, f.reason));
        }
        for e in &errors {
            out.line(&format!("not loaded: {}", load_error_line(e)));
        }
        out.line(&format!(
            "{} passed, {} failed ({} cases that must match, {} that must not)",
            report.positives + report.negatives - report.failures.len(),
            report.failures.len(),
            report.positives,
            report.negatives
        ));
    }
    if !report.failures.is_empty() || !errors.is_empty() {
        bail!(
            "{} rule tests failed, {} files or rules did not load",
            report.failures.len(),
            errors.len()
        );
    }
    Ok(())
}

/// `tl rules check <command | JSON event>`: how the command parses and which rules match, why.
pub fn check(home: &Home, input: &str, cwd: Option<String>, out: &Output) -> anyhow::Result<()> {
    let (set, errors) = load(home)?;
    let cwd = match cwd {
        Some(c) => c,
        None => std::env::current_dir().context("no current directory")?.display().to_string(),
    };
    let event = if input.trim_start().starts_with('{') {
        serde_json::from_str::<Event>(input)
            .context("the argument looks like JSON but is not a tl event")?
    } else {
        let mut e = Event::new(
            Timestamp::now(),
            SessionId::from("check"),
            Agent::Generic,
            Source::Hook,
            Kind::ShellExec,
            Phase::Call,
        );
        e.fields.command = Some(input.to_string());
        e.fields.cwd = Some(cwd.clone());
        e.summary = format!("$ {input}");
        e
    };
    let home_dir = std::env::var("HOME").ok();
    let mut ctx = rules::Context::new(&cwd, home_dir.as_deref());
    if let Some(tmp) = std::env::var("TMPDIR").ok().filter(|t| !t.is_empty()) {
        ctx.tmp_dirs.push(tmp);
    }
    let findings: Vec<Finding> = set.evaluate(&event, &ctx);
    let analysis = event.fields.command.as_deref().map(|c| {
        let shell_ctx = rules::shell::ShellContext {
            cwd: cwd.clone(),
            home: home_dir.clone(),
            tmp_dirs: ctx.tmp_dirs.clone(),
            workspace_root: Some(cwd.clone()),
        };
        rules::shell::analyze(c, &shell_ctx)
    });
    if out.json {
        return out.json_value(&serde_json::json!({
            "segments": analysis.as_ref().map(|a| a.segments.iter().map(|s| s.summary()).collect::<Vec<_>>()),
            "unparsed": analysis.as_ref().is_some_and(|a| a.unparsed),
            "findings": findings,
        }));
    }
    if let Some(a) = &analysis {
        out.line(&format!(
            "parsed into {} simple commands{}:",
            a.segments.len(),
            if a.unparsed { " (could not parse: fallback split)" } else { "" }
        ));
        for s in &a.segments {
            out.line(&format!("  {}", s.summary()));
        }
    }
    if findings.is_empty() {
        out.line("no rule matches");
    }
    for f in &findings {
        out.line(&format!("{:<7} {}: {}", f.severity.to_string(), f.rule, f.message));
        for e in &f.evidence {
            let mut why = Vec::new();
            if let Some(c) = &e.command {
                why.push(format!("command `{c}`"));
            }
            if let Some(t) = &e.target {
                why.push(format!("target {t}"));
            }
            if let Some(c) = &e.class {
                why.push(format!("class {c}"));
            }
            out.line(&format!("        because: {}", why.join(", ")));
        }
    }
    for e in &errors {
        out.line(&format!("not loaded: {}", load_error_line(e)));
    }
    Ok(())
}

/// `tl rules disable|enable <id>`.
pub fn set_enabled(home: &Home, id: &str, enabled: bool, out: &Output) -> anyhow::Result<()> {
    let (set, _) = load(home)?;
    if !set.rules().any(|r| r.id == id) {
        bail!("no rule `{id}`\nhint: `tl rules list` shows the ids");
    }
    let path = rules_dir(home).join(DISABLED_FILE);
    let mut disabled: Vec<String> = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| toml::from_str::<toml::Table>(&t).ok())
        .and_then(|t| t.get("disable").and_then(|d| d.as_array()).cloned())
        .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect())
        .unwrap_or_default();
    disabled.retain(|d| d != id);
    if !enabled {
        disabled.push(id.to_string());
    }
    disabled.sort();
    std::fs::create_dir_all(rules_dir(home))
        .with_context(|| format!("cannot create {}", rules_dir(home).display()))?;
    let list = disabled.iter().map(|d| format!("{d:?}")).collect::<Vec<_>>().join(", ");
    let text = format!(
        "# Built-in rules switched off by `tl rules disable` (`tl rules enable ID` undoes it).\ndisable = [{list}]\n"
    );
    write_private(&path, text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    out.line(&format!("{id} is {}", if enabled { "enabled" } else { "disabled" }));
    Ok(())
}
