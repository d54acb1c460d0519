//! The rule engine as the indexer's [`Judge`]: every event and every completed step is evaluated
//! against the loaded rule set (built-ins, `TL_HOME/rules/*.toml`, disabled ids), and the
//! findings go into the catalog with the step.
//!
//! The judge's version is a hash of the rule sources (built-in and the user's files, including
//! `disabled.toml`) and of the home directory rules classify paths against: editing a rule file
//! or `tl rules disable` changes it, and the next catch-up recomputes every finding. It is
//! computed without compiling the rules (which takes milliseconds), so that a read command with
//! nothing to index stays fast; the rules compile on the first event to judge.

use std::time::Duration;

use event::Event;
use index::{Judge, NewFinding, Severity, Step};
use rules::{Context, Finding, RuleSet};

use crate::home::Home;

/// Judges with `TL_HOME`'s rule set, compiled on first use.
pub struct RulesJudge {
    home: Home,
    rules: Option<RuleSet>,
    home_dir: Option<String>,
    version: String,
}

impl RulesJudge {
    /// The judge for `home`'s rules (rule files that do not load are left out; `tl rules test`
    /// reports them).
    pub fn load(home: &Home) -> anyhow::Result<RulesJudge> {
        let home_dir = std::env::var("HOME").ok().filter(|h| !h.is_empty());
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut mix = |bytes: &[u8]| {
            for b in bytes.iter().chain([&0xff]) {
                h = (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
            }
        };
        for (name, text) in rules::BUILTIN_SOURCES {
            mix(name.as_bytes());
            mix(text.as_bytes());
        }
        for (name, text) in crate::commands::rules::user_files(home)? {
            mix(name.as_bytes());
            mix(text.as_bytes());
        }
        mix(home_dir.as_deref().unwrap_or("").as_bytes());
        Ok(RulesJudge { home: home.clone(), rules: None, home_dir, version: format!("{h:016x}") })
    }

    /// The version, as [`Judge::version`] gives it, without a clone.
    pub fn version_str(&self) -> &str {
        &self.version
    }

    fn rules(&mut self) -> &RuleSet {
        let home = &self.home;
        self.rules.get_or_insert_with(|| match crate::commands::rules::load(home) {
            Ok((set, _errors)) => set,
            // A user file that cannot be read: judge with the built-ins rather than not at all.
            Err(_) => RuleSet::builtin(),
        })
    }

    fn context(&self, cwd: Option<&str>) -> Context {
        Context::new(cwd.unwrap_or("/"), self.home_dir.as_deref())
    }
}

impl Judge for RulesJudge {
    fn version(&self) -> String {
        self.version.clone()
    }

    fn judge_event(&mut self, event: &Event, step: &Step) -> Vec<NewFinding> {
        let cwd = event.fields.cwd.as_deref().or(step.cwd.as_deref());
        let ctx = self.context(cwd);
        self.rules().evaluate(event, &ctx).into_iter().map(new_finding).collect()
    }

    fn judge_step(&mut self, step: &Step) -> Vec<NewFinding> {
        let Some(ms) = step.duration_ms else { return Vec::new() };
        let view = rules::Step {
            kind: step.kind,
            duration: Duration::from_millis(ms),
            summary: &step.summary,
        };
        self.rules().evaluate_step(&view).into_iter().map(new_finding).collect()
    }
}

fn new_finding(f: Finding) -> NewFinding {
    let evidence = f
        .evidence
        .iter()
        .filter_map(|e| e.command.as_deref().or(e.target.as_deref()))
        .collect::<Vec<_>>()
        .join("; ");
    NewFinding { rule: f.rule, severity: severity(f.severity), message: f.message, evidence }
}

/// The rule engine's severity on the catalog's scale.
pub fn severity(s: rules::Severity) -> Severity {
    match s {
        rules::Severity::Info => Severity::Info,
        rules::Severity::Warning => Severity::Warning,
        rules::Severity::Danger => Severity::Danger,
    }
}
