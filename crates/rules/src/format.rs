//! The rule file format as written: serde structures for lists, macros, rules, their `when`
//! blocks, exceptions, inline tests and overrides (see `docs/rules.md`).
//!
//! Everything here is data; [`crate::compile`] turns it into matchers. Unknown keys are
//! errors, so a typo in a rule is reported instead of silently matching everything.

use serde::Deserialize;

/// One rules file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    /// Format version; this engine reads 1.
    #[serde(default)]
    pub schema: Option<i64>,
    #[serde(default)]
    pub list: Vec<toml::Spanned<toml::Value>>,
    #[serde(default, rename = "macro")]
    pub macros: Vec<toml::Spanned<toml::Value>>,
    #[serde(default)]
    pub rule: Vec<toml::Spanned<toml::Value>>,
    #[serde(default, rename = "override")]
    pub overrides: Vec<toml::Spanned<toml::Value>>,
    /// Rule ids to disable.
    #[serde(default)]
    pub disable: Vec<String>,
}

/// `[[list]]`: a named list of strings, referenced as `"@id"` in any string list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawList {
    pub id: String,
    pub items: Vec<String>,
}

/// `[[rule]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRule {
    pub id: String,
    #[serde(default)]
    pub description: String,
    pub severity: String,
    #[serde(default)]
    pub tags: Vec<String>,
    pub kinds: Vec<String>,
    pub message: String,
    #[serde(default)]
    pub fallback_regex: Option<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Alternatives: the rule matches when any block matches. Kept as tables so macros can be
    /// merged in before they are typed.
    pub when: Vec<toml::Table>,
    #[serde(default)]
    pub except: Vec<toml::Table>,
    #[serde(default)]
    pub test: Vec<RawTest>,
}

fn yes() -> bool {
    true
}

/// One condition block: every key present must hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBlock {
    pub severity: Option<String>,
    pub kinds: Option<Vec<String>>,
    pub requires: Option<Vec<String>>,
    pub cmd: Option<RawCmd>,
    pub path: Option<RawPath>,
    pub url: Option<RawUrl>,
    pub text: Option<RawText>,
    pub tool: Option<Vec<String>>,
    pub mcp_server: Option<Vec<String>>,
    pub mcp_tool: Option<Vec<String>>,
    pub phase: Option<Vec<String>>,
    pub duration_ms_over: Option<u64>,
}

/// Conditions on one simple command of a shell event.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCmd {
    pub name: Option<Vec<String>>,
    pub sub: Option<Vec<String>>,
    pub flags_all: Option<Vec<String>>,
    pub flags_any: Option<Vec<String>>,
    pub flags_none: Option<Vec<String>>,
    pub opt: Option<toml::Table>,
    pub arg: Option<Vec<String>>,
    pub arg_none: Option<Vec<String>>,
    pub nargs_max: Option<usize>,
    pub nargs_min: Option<usize>,
    pub line: Option<String>,
    pub line_not: Option<String>,
    pub via: Option<Vec<String>>,
    pub upstream: Option<Vec<String>>,
    pub next: Option<Vec<String>>,
    pub procsubst: Option<Vec<String>>,
    pub cmdsubst: Option<Vec<String>>,
    pub executes_stdin: Option<bool>,
    pub remote: Option<bool>,
    pub script: Option<RawScript>,
    pub assign: Option<RawAssign>,
    pub target: Option<RawPath>,
    pub dest: Option<RawPath>,
    pub exe: Option<RawPath>,
    pub runs_downloaded: Option<bool>,
    pub redirect: Option<RawRedirect>,
}

/// `cmd.script`: code given inline to an interpreter.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScript {
    pub lang: Option<Vec<String>>,
    pub regex: String,
}

/// `cmd.assign`: a `NAME=value` prefix, `env` argument or bare assignment.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAssign {
    pub name: String,
    pub value: Option<String>,
}

/// A path condition: some path satisfies all keys.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPath {
    pub glob: Option<Vec<String>>,
    pub not: Option<Vec<String>>,
    pub class: Option<Vec<String>>,
}

/// `cmd.redirect`: a redirection whose mode and target satisfy all keys.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRedirect {
    pub mode: Option<Vec<String>>,
    pub glob: Option<Vec<String>>,
    pub not: Option<Vec<String>>,
    pub class: Option<Vec<String>>,
}

/// `url`: some URL of the event satisfies all keys.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawUrl {
    pub host: Option<Vec<String>>,
    pub regex: Option<String>,
}

/// `text`: a text field of the event contains or matches.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawText {
    pub fields: Option<Vec<String>>,
    pub contains_any: Option<Vec<String>>,
    pub regex: Option<String>,
    #[serde(default)]
    pub icase: bool,
}

/// `[[rule.test]]`: commands that must and must not match, or one event.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTest {
    #[serde(default, rename = "match")]
    pub matches: Vec<String>,
    #[serde(default)]
    pub no_match: Vec<String>,
    pub severity: Option<String>,
    pub cwd: Option<String>,
    pub event: Option<RawTestEvent>,
    /// For `event`: whether it must match (default true).
    pub expect: Option<bool>,
}

/// An event literal in a test (`~` is the test home `/home/u`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTestEvent {
    pub kind: String,
    pub phase: Option<String>,
    pub path: Option<String>,
    #[serde(default)]
    pub paths: Vec<String>,
    pub command: Option<String>,
    pub cwd: Option<String>,
    pub url: Option<String>,
    pub text: Option<String>,
    pub output: Option<String>,
    pub tool: Option<String>,
    pub mcp_server: Option<String>,
    pub mcp_tool: Option<String>,
    pub duration_ms: Option<u64>,
}

/// `[[override]]`: changes to a rule or list defined earlier.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOverride {
    pub rule: Option<String>,
    pub list: Option<String>,
    pub enabled: Option<bool>,
    pub severity: Option<String>,
    #[serde(default)]
    pub except_append: Vec<toml::Table>,
    #[serde(default)]
    pub items_append: Vec<String>,
}
