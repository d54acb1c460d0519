//! Inline rule tests: every `[[rule.test]]` case is turned into an event and evaluated
//! through the full pipeline (pre-filter included) against its rule alone.
//!
//! Test events run in a fixed context: home `/home/u`, workspace and cwd `/home/u/proj`.

use event::{Agent, Event, Kind, McpTarget, Phase, SessionId, Source, Timestamp};

use crate::Context;
use crate::engine::{Rule, RuleSet, kind_alias, parse_phase};
use crate::format::RawTestEvent;

/// Home directory of test events.
pub const TEST_HOME: &str = "/home/u";
/// Workspace (and default cwd) of test events.
pub const TEST_WORKSPACE: &str = "/home/u/proj";

/// One failed inline test case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestFailure {
    /// The rule under test.
    pub rule: String,
    /// The case: the command, or the event in short.
    pub case: String,
    /// What went wrong.
    pub reason: String,
}

/// The outcome of running inline tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TestReport {
    /// Cases that must match, run.
    pub positives: usize,
    /// Cases that must not match, run.
    pub negatives: usize,
    /// Cases that failed.
    pub failures: Vec<TestFailure>,
}

/// A `SHELL_EXEC` call event for `command` run in `cwd`, for tests and examples.
pub fn shell_event(command: &str, cwd: &str) -> Event {
    let mut ev = Event::new(
        Timestamp(0),
        SessionId::from("test"),
        Agent::ClaudeCode,
        Source::Hook,
        Kind::ShellExec,
        Phase::Call,
    );
    ev.fields.command = Some(command.to_owned());
    ev.fields.cwd = Some(cwd.to_owned());
    ev.fields.tool_name = Some("Bash".to_owned());
    ev
}

fn test_context() -> Context {
    Context::new(TEST_WORKSPACE, Some(TEST_HOME))
}

fn event_of(t: &RawTestEvent) -> Result<Event, String> {
    let kind = *kind_alias(&t.kind)
        .and_then(|k| k.first().copied().map(|k| vec![k]))
        .ok_or_else(|| format!("unknown kind `{}`", t.kind))?
        .first()
        .ok_or("no kind")?;
    let phase = match &t.phase {
        Some(p) => parse_phase(p).ok_or_else(|| format!("unknown phase `{p}`"))?,
        None => Phase::Call,
    };
    let mut ev = Event::new(
        Timestamp(0),
        SessionId::from("test"),
        Agent::ClaudeCode,
        Source::Hook,
        kind,
        phase,
    );
    let f = &mut ev.fields;
    f.paths = t.path.iter().chain(&t.paths).cloned().collect();
    f.command.clone_from(&t.command);
    f.cwd = Some(t.cwd.clone().unwrap_or_else(|| TEST_WORKSPACE.to_owned()));
    f.url.clone_from(&t.url);
    f.text.clone_from(&t.text);
    f.output.clone_from(&t.output);
    f.tool_name.clone_from(&t.tool);
    f.duration_ms = t.duration_ms;
    if t.mcp_server.is_some() || t.mcp_tool.is_some() {
        f.mcp = Some(McpTarget {
            server: t.mcp_server.clone().unwrap_or_default(),
            tool: t.mcp_tool.clone().unwrap_or_default(),
        });
    }
    Ok(ev)
}

/// Runs one rule's inline tests.
pub(crate) fn run_rule_tests(rule: &Rule) -> TestReport {
    let mut rule = rule.clone();
    rule.enabled = true;
    let id = rule.id.clone();
    let set = RuleSet::build(vec![rule], 0, true);
    let mut report = TestReport::default();
    let Some(rule) = set.compiled().first() else { return report };
    let ctx = test_context();
    let fail = |report: &mut TestReport, case: &str, reason: String| {
        report.failures.push(TestFailure { rule: id.clone(), case: case.to_owned(), reason });
    };
    let check = |report: &mut TestReport, ev: &Event, case: &str, want: bool, sev: Option<&str>| {
        let mut out = Vec::new();
        if rule.step {
            let dur = std::time::Duration::from_millis(ev.fields.duration_ms.unwrap_or(0));
            out = set.evaluate_step(&crate::Step { kind: ev.kind, duration: dur, summary: case });
        } else {
            set.evaluator().run(ev, &ctx, Some(0), &mut out);
        }
        if want {
            report.positives += 1;
        } else {
            report.negatives += 1;
        }
        match (out.first(), want) {
            (None, true) => fail(report, case, "expected a match, got none".to_owned()),
            (Some(f), false) => fail(
                report,
                case,
                format!("expected no match, got {} ({:?})", f.severity, f.evidence.first()),
            ),
            (Some(f), true) => {
                if let Some(s) = sev
                    && crate::compile::severity(s).ok() != Some(f.severity)
                {
                    fail(report, case, format!("expected severity {s}, got {}", f.severity));
                }
            }
            (None, false) => {}
        }
    };
    for t in &rule.tests {
        let cwd = t.cwd.as_deref().unwrap_or(TEST_WORKSPACE);
        for c in &t.matches {
            check(&mut report, &shell_event(c, cwd), c, true, t.severity.as_deref());
        }
        for c in &t.no_match {
            check(&mut report, &shell_event(c, cwd), c, false, None);
        }
        if let Some(e) = &t.event {
            let case = format!(
                "{} {}",
                e.kind,
                e.path.as_deref().or(e.url.as_deref()).or(e.command.as_deref()).unwrap_or("")
            );
            match event_of(e) {
                Ok(ev) => {
                    check(&mut report, &ev, &case, t.expect.unwrap_or(true), t.severity.as_deref())
                }
                Err(m) => fail(&mut report, &case, m),
            }
        }
    }
    report
}

impl RuleSet {
    /// Runs the inline tests of every loaded rule (disabled ones too).
    pub fn run_tests(&self) -> TestReport {
        let mut total = TestReport::default();
        for r in self.compiled() {
            let rep = run_rule_tests(r);
            total.positives += rep.positives;
            total.negatives += rep.negatives;
            total.failures.extend(rep.failures);
        }
        total
    }

    /// Per rule: `(id, positive cases, negative cases)`.
    pub fn test_counts(&self) -> Vec<(String, usize, usize)> {
        self.compiled()
            .iter()
            .map(|r| {
                let rep = run_rule_tests(r);
                (r.id.clone(), rep.positives, rep.negatives)
            })
            .collect()
    }
}
