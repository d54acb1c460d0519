//! The rules engine: parses shell commands and evaluates declarative rules over events.
//! Pure: no IO, no clock, no environment.
//!
//! Rules are TOML (see `docs/rules.md`): lists, macros, and rules whose `when` blocks are
//! structured matchers over event fields and over the parsed shell analysis ([`shell`]).
//! The built-in rules are embedded ([`RuleSet::builtin`]); user files are passed in as text
//! ([`RuleSet::load`], [`RuleSet::with_builtins`]). A rule that does not load is reported as a
//! [`LoadError`] with its file and line while the others load.
//!
//! ```
//! use rules::{Context, RuleSet, Severity};
//! let rules = RuleSet::builtin();
//! let ctx = Context::new("/home/u/proj", Some("/home/u"));
//! let findings = rules.evaluate(&rules::shell_event("bash -c 'rm -fr ~'", "/home/u/proj"), &ctx);
//! assert!(findings.iter().any(|f| f.rule == "dangerous-rm-rf" && f.severity == Severity::Danger));
//! ```

mod compile;
mod engine;
mod format;
mod glob;
mod load;
mod select;
pub mod shell;
mod testing;

use serde::{Deserialize, Serialize};

pub use engine::{Evaluator, Step};
pub use load::{BUILTIN_SOURCES, LoadError};
pub use select::{Screening, builtin_index_source, screen};
pub use testing::{TestFailure, TestReport, shell_event};

/// How bad a finding is. Ordered: `Info < Warning < Danger`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; expected in normal work (deleting `target/`, a long build).
    #[default]
    Info,
    /// Plausibly legitimate but risky (deleting workspace files, `sudo`).
    Warning,
    /// Destructive, credential-exposing or system-altering.
    Danger,
}

impl Severity {
    /// The stable lowercase name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Danger => "danger",
        }
    }
}

impl core::fmt::Display for Severity {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What in an event made a rule match.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Index of the simple command in the shell analysis, for shell events.
    pub segment: Option<usize>,
    /// The simple command as resolved words (wrappers removed), or the raw command line
    /// when it could not be parsed.
    pub command: Option<String>,
    /// The path, redirect target or URL that matched, when a condition looked at one.
    pub target: Option<String>,
    /// The class of that target (`root`, `home`, `workspace`, `build_dir`, …).
    pub class: Option<String>,
}

/// One rule matching one event (or step).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The rule's id (`dangerous-rm-rf`).
    pub rule: String,
    /// The highest severity among the matching blocks.
    pub severity: Severity,
    /// The rule's message with its placeholders filled from the first evidence.
    pub message: String,
    /// Every simple command, path or URL that matched (at most 16).
    pub evidence: Vec<Evidence>,
}

/// The facts about the machine that evaluation needs: where the workspace and home are.
/// The working directory comes from the event (`fields.cwd`), falling back to `cwd` here.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// Working directory when the event names none (absolute).
    pub cwd: Option<String>,
    /// The user's home directory.
    pub home: Option<String>,
    /// Root of the project the agent works in (the session cwd when unknown).
    pub workspace_root: Option<String>,
    /// Scratch directories besides `/tmp` and `/var/tmp` (`$TMPDIR`).
    pub tmp_dirs: Vec<String>,
}

impl Context {
    /// A context for a session working in `workspace` (also the default cwd) with a home.
    pub fn new(workspace: &str, home: Option<&str>) -> Context {
        Context {
            cwd: Some(workspace.to_owned()),
            home: home.map(str::to_owned),
            workspace_root: Some(workspace.to_owned()),
            tmp_dirs: Vec::new(),
        }
    }
}

/// A public view of one loaded rule, for listings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleInfo<'a> {
    /// The id.
    pub id: &'a str,
    /// What the rule detects.
    pub description: &'a str,
    /// Default severity (blocks may raise or lower it).
    pub severity: Severity,
    /// Tags.
    pub tags: &'a [String],
    /// Whether the rule runs.
    pub enabled: bool,
    /// The file it came from and the line of its `[[rule]]`.
    pub source: (&'a str, usize),
    /// Number of inline test cases (commands and events).
    pub tests: usize,
}

pub use engine::RuleSet;
