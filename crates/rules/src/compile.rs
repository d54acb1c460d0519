//! Compiling rule files: raw blocks become matchers (name sets, globs, regexes, Aho-Corasick
//! automata), list references are expanded, macros are merged, and each rule gets the literal
//! set the pre-filter uses.

use std::collections::HashMap;

use aho_corasick::AhoCorasick;
use event::Phase;
use regex::Regex;
use std::sync::OnceLock;

use crate::Severity;
use crate::format::{RawBlock, RawCmd, RawPath, RawRedirect, RawText, RawUrl};
use crate::glob::Glob;
use crate::shell::{Lang, RedirectMode};

/// Named lists and macros visible while compiling.
#[derive(Default)]
pub(crate) struct Scope {
    pub lists: HashMap<String, Vec<String>>,
    pub macros: HashMap<String, toml::Table>,
}

/// A compile error; the loader adds file and line.
pub(crate) type CResult<T> = Result<T, String>;

impl Scope {
    /// Expands `@list` references in a list of strings.
    pub fn expand(&self, items: &[String]) -> CResult<Vec<String>> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let list_ref = item.strip_prefix('@').filter(|n| {
                !n.is_empty()
                    && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            });
            match list_ref {
                Some(name) => match self.lists.get(name) {
                    Some(list) => out.extend(list.iter().cloned()),
                    None => return Err(format!("unknown list `@{name}`")),
                },
                None => out.push(item.clone()),
            }
        }
        Ok(out)
    }

    /// Merges the macros a block names under `use` into it (the block's own keys win,
    /// nested tables merge key by key).
    pub fn merge_macros(&self, block: &toml::Table, depth: usize) -> CResult<toml::Table> {
        let mut out = block.clone();
        let uses = match block.get("use") {
            None => return Ok(out),
            Some(toml::Value::Array(a)) => a
                .iter()
                .map(|v| v.as_str().map(str::to_owned).ok_or("`use` takes macro names"))
                .collect::<Result<Vec<_>, _>>()?,
            Some(toml::Value::String(s)) => vec![s.clone()],
            Some(_) => return Err("`use` takes macro names".to_owned()),
        };
        out.remove("use");
        if depth > 8 {
            return Err("macros nest too deeply (a cycle?)".to_owned());
        }
        for name in uses {
            let Some(m) = self.macros.get(&name) else {
                return Err(format!("unknown macro `{name}`"));
            };
            let m = self.merge_macros(m, depth + 1)?;
            merge_into(&mut out, &m);
        }
        Ok(out)
    }
}

fn merge_into(dst: &mut toml::Table, src: &toml::Table) {
    for (k, v) in src {
        match (dst.get_mut(k), v) {
            (Some(toml::Value::Table(d)), toml::Value::Table(s)) => merge_into(d, s),
            (Some(_), _) => {}
            (None, v) => {
                dst.insert(k.clone(), v.clone());
            }
        }
    }
}

/// Parses a severity name; the catalog's four-level names map onto the three levels.
pub(crate) fn severity(s: &str) -> CResult<Severity> {
    Ok(match s {
        "info" | "low" => Severity::Info,
        "warning" | "medium" => Severity::Warning,
        "danger" | "high" | "critical" => Severity::Danger,
        other => return Err(format!("unknown severity `{other}` (info, warning, danger)")),
    })
}

/// A set of names: exact items, and `prefix*` items.
#[derive(Clone, Debug, Default)]
pub(crate) struct Names {
    pub exact: Vec<String>,
    pub prefixes: Vec<String>,
}

impl Names {
    fn new(items: Vec<String>) -> Names {
        let mut n = Names::default();
        for i in items {
            match i.strip_suffix('*') {
                Some(p) => n.prefixes.push(p.to_owned()),
                None => n.exact.push(i),
            }
        }
        n
    }

    /// True when `s` is in the set.
    pub fn matches(&self, s: &str) -> bool {
        self.exact.iter().any(|e| e == s) || self.prefixes.iter().any(|p| s.starts_with(p.as_str()))
    }

    /// The union of several sets.
    pub fn union<'a>(sets: impl Iterator<Item = &'a Names>) -> Names {
        let mut out = Names::default();
        for n in sets {
            out.exact.extend(n.exact.iter().cloned());
            out.prefixes.extend(n.prefixes.iter().cloned());
        }
        out.exact.sort();
        out.exact.dedup();
        out
    }

    /// True when any of `items` is in the set.
    pub fn any<'a>(&self, mut items: impl Iterator<Item = &'a str>) -> bool {
        items.any(|s| self.matches(s))
    }

    fn literals(&self) -> Option<Vec<String>> {
        let all: Vec<String> = self.exact.iter().chain(&self.prefixes).cloned().collect();
        (!all.is_empty() && all.iter().all(|l| l.len() >= 2)).then_some(all)
    }

    /// Literals for wrapper names: the command word each `via` label comes from.
    fn via_literals(&self) -> Option<Vec<String>> {
        if !self.prefixes.is_empty() {
            return None;
        }
        self.exact
            .iter()
            .map(|v| {
                let word = match v.as_str() {
                    "$()" | "<()" | ">()" => return None,
                    "heredoc" => "<<",
                    "find-exec" => "find",
                    "docker-exec" | "docker-run" => "docker",
                    "kubectl-exec" => "kubectl",
                    "env-S" => "env",
                    other => other.strip_suffix("-c").unwrap_or(other),
                };
                (word.len() >= 2).then(|| word.to_owned())
            })
            .collect()
    }
}

/// The literal alternatives of an anchored name regex such as `^(A|B)$`, if it is one.
fn regex_literals(re: &str) -> Option<Vec<String>> {
    let body = re.strip_prefix('^')?.strip_suffix('$')?;
    let body = body.strip_prefix("(").and_then(|b| b.strip_suffix(')')).unwrap_or(body);
    let alts: Vec<String> = body.split('|').map(str::to_owned).collect();
    alts.iter()
        .all(|a| a.len() >= 2 && a.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .then_some(alts)
}

/// Target classes as rules name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    Root,
    Home,
    System,
    GlobAll,
    Tmp,
    BuildDir,
    Workspace,
    /// The workspace root itself (deleting it deletes the whole project).
    WorkspaceRoot,
    OutsideWorkspace,
    Remote,
    Dynamic,
}

impl Class {
    fn parse(s: &str) -> CResult<Class> {
        Ok(match s {
            "root" => Class::Root,
            "home" => Class::Home,
            "system" => Class::System,
            "glob_all" => Class::GlobAll,
            "tmp" => Class::Tmp,
            "build_dir" => Class::BuildDir,
            "workspace" => Class::Workspace,
            "workspace_root" => Class::WorkspaceRoot,
            "outside_workspace" => Class::OutsideWorkspace,
            "remote" => Class::Remote,
            "dynamic" => Class::Dynamic,
            other => return Err(format!("unknown target class `{other}`")),
        })
    }

    /// The rule-facing name.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Root => "root",
            Class::Home => "home",
            Class::System => "system",
            Class::GlobAll => "glob_all",
            Class::Tmp => "tmp",
            Class::BuildDir => "build_dir",
            Class::Workspace => "workspace",
            Class::WorkspaceRoot => "workspace_root",
            Class::OutsideWorkspace => "outside_workspace",
            Class::Remote => "remote",
            Class::Dynamic => "dynamic",
        }
    }
}

/// A path condition.
#[derive(Clone, Debug, Default)]
pub(crate) struct PathM {
    pub glob: Vec<Glob>,
    pub not: Vec<Glob>,
    pub class: Option<Vec<Class>>,
}

impl PathM {
    /// True when a path with this text and class satisfies the condition.
    pub fn matches(&self, path: &str, class: Class, home: Option<&str>) -> bool {
        if let Some(classes) = &self.class
            && !classes.contains(&class)
        {
            return false;
        }
        if !self.glob.is_empty() && !self.glob.iter().any(|g| g.matches(path, home)) {
            return false;
        }
        !self.not.iter().any(|g| g.matches(path, home))
    }

    fn literals(&self) -> Option<Vec<String>> {
        if self.glob.is_empty() {
            return None;
        }
        self.glob.iter().map(Glob::literal).collect()
    }
}

/// A redirection condition.
#[derive(Clone, Debug, Default)]
pub(crate) struct RedirM {
    pub modes: Option<Vec<RedirectMode>>,
    pub path: PathM,
}

/// A URL condition.
#[derive(Clone, Debug, Default)]
pub(crate) struct UrlM {
    pub host: Option<Names>,
    pub host_suffix: Vec<String>,
    pub regex: Option<LazyRe>,
}

impl UrlM {
    /// True when a URL (or bare host) satisfies the condition.
    pub fn matches(&self, url: &str) -> bool {
        let host = url_host(url);
        let host_ok = match &self.host {
            None => true,
            Some(n) => {
                n.matches(host)
                    || self.host_suffix.iter().any(|s| {
                        host.len() > s.len()
                            && host.ends_with(s.as_str())
                            && host.as_bytes().get(host.len() - s.len() - 1) == Some(&b'.')
                    })
            }
        };
        host_ok && self.regex.as_ref().is_none_or(|r| r.is_match(url))
    }
}

/// The host of a URL, lowercase-insensitive comparison left to the caller; for a bare
/// `host/path` the part before the first `/`.
pub(crate) fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..end).unwrap_or(rest);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_port.starts_with('[') {
        return host_port.split_once(']').map_or(host_port, |(h, _)| h.trim_start_matches('['));
    }
    host_port.split_once(':').map_or(host_port, |(h, _)| h)
}

/// Which text fields a `text` condition reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TextFields(pub u16);

impl TextFields {
    pub const COMMAND: u16 = 1;
    pub const TEXT: u16 = 2;
    pub const OUTPUT: u16 = 4;
    pub const STDERR: u16 = 8;
    pub const ERROR: u16 = 16;
    pub const URL: u16 = 32;
    pub const QUERY: u16 = 64;
    pub const PATHS: u16 = 128;
    pub const RAW: u16 = 256;
    pub const SUMMARY: u16 = 512;
    pub const ALL: u16 = 1023;

    fn parse(names: &[String]) -> CResult<TextFields> {
        let mut bits = 0;
        for n in names {
            bits |= match n.as_str() {
                "command" => Self::COMMAND,
                "text" => Self::TEXT,
                "output" => Self::OUTPUT,
                "stderr" => Self::STDERR,
                "error" => Self::ERROR,
                "url" => Self::URL,
                "query" => Self::QUERY,
                "paths" => Self::PATHS,
                "raw" => Self::RAW,
                "summary" => Self::SUMMARY,
                "all" => Self::ALL,
                other => return Err(format!("unknown text field `{other}`")),
            };
        }
        Ok(TextFields(bits))
    }
}

/// A text condition.
#[derive(Clone, Debug)]
pub(crate) struct TextM {
    pub fields: TextFields,
    pub contains: Option<AhoCorasick>,
    /// A single case-sensitive needle: searched with SIMD memmem instead of the automaton.
    pub needle: Option<memchr::memmem::Finder<'static>>,
    pub regex: Option<LazyRe>,
}

impl TextM {
    /// True when the text satisfies the condition.
    pub fn matches(&self, text: &str) -> bool {
        if let Some(f) = &self.needle {
            if f.find(text.as_bytes()).is_none() {
                return false;
            }
        } else if let Some(ac) = &self.contains
            && !ac.is_match(text)
        {
            return false;
        }
        self.regex.as_ref().is_none_or(|r| r.is_match(text))
    }
}

/// Conditions on one simple command.
#[derive(Clone, Debug, Default)]
pub(crate) struct CmdM {
    pub name: Option<Names>,
    pub sub: Option<Vec<Vec<String>>>,
    pub flags_all: Vec<String>,
    pub flags_any: Vec<String>,
    pub flags_none: Vec<String>,
    pub opt: Vec<(String, LazyRe)>,
    pub arg: Option<LazyRe>,
    pub arg_none: Option<LazyRe>,
    pub nargs_max: Option<usize>,
    pub nargs_min: Option<usize>,
    pub line: Option<LazyRe>,
    pub line_not: Option<LazyRe>,
    pub via: Option<Names>,
    pub upstream: Option<Names>,
    pub next: Option<Names>,
    pub procsubst: Option<Names>,
    pub cmdsubst: Option<Names>,
    pub executes_stdin: Option<bool>,
    pub remote: Option<bool>,
    pub script: Option<(Option<Vec<Lang>>, LazyRe)>,
    pub assign: Option<(LazyRe, Option<LazyRe>)>,
    pub target: Option<PathM>,
    pub dest: Option<PathM>,
    pub exe: Option<PathM>,
    pub runs_downloaded: Option<bool>,
    pub redirect: Option<RedirM>,
}

/// One compiled `when` (or `except`) block.
#[derive(Clone, Debug, Default)]
pub(crate) struct Block {
    pub severity: Option<Severity>,
    /// Kinds this block applies to (all of the rule's when absent), as a bit mask.
    pub kinds: Option<u64>,
    /// Declared pre-filter literals: one of them is in the key text of any matching event.
    pub requires: Option<Vec<String>>,
    pub cmd: Option<CmdM>,
    pub path: Option<PathM>,
    pub url: Option<UrlM>,
    pub text: Option<TextM>,
    pub tool: Option<Names>,
    pub mcp_server: Option<Names>,
    pub mcp_tool: Option<Names>,
    pub phase: Option<Vec<Phase>>,
    pub duration_ms_over: Option<u64>,
}

impl Block {
    /// Every regex of the block, for checking them at load.
    pub fn regexes(&self) -> Vec<&LazyRe> {
        let mut out: Vec<&LazyRe> = Vec::new();
        if let Some(c) = &self.cmd {
            out.extend(c.opt.iter().map(|(_, r)| r));
            out.extend([&c.arg, &c.arg_none, &c.line, &c.line_not].into_iter().flatten());
            out.extend(c.script.as_ref().map(|(_, r)| r));
            if let Some((n, v)) = &c.assign {
                out.push(n);
                out.extend(v);
            }
        }
        out.extend(self.url.as_ref().and_then(|u| u.regex.as_ref()));
        out.extend(self.text.as_ref().and_then(|t| t.regex.as_ref()));
        out
    }

    /// True when the block looks at the simple commands of a shell event.
    pub fn per_segment(&self) -> bool {
        self.cmd.is_some() || self.path.is_some() || self.url.is_some()
    }

    /// Literals one of which any event matching this block contains in its key text
    /// (command, paths, URL, tool and MCP names), or `None` when there is no such set.
    pub fn literals(&self) -> Option<Vec<String>> {
        if let Some(r) = &self.requires {
            return Some(r.clone());
        }
        if let Some(cmd) = &self.cmd {
            let names = [&cmd.name, &cmd.upstream, &cmd.procsubst, &cmd.cmdsubst, &cmd.next];
            if let Some(l) = names.into_iter().flatten().find_map(Names::literals) {
                return Some(l);
            }
            if let Some(v) = &cmd.via
                && let Some(l) = v.via_literals()
            {
                return Some(l);
            }
            let paths = [&cmd.target, &cmd.dest, &cmd.exe];
            if let Some(l) = paths.into_iter().flatten().find_map(PathM::literals) {
                return Some(l);
            }
            if let Some(r) = &cmd.redirect {
                if let Some(l) = r.path.literals() {
                    return Some(l);
                }
                // Any redirection of these modes needs its operator in the text.
                let reads =
                    r.modes.as_ref().is_some_and(|m| m.iter().all(|m| *m == RedirectMode::Read));
                return Some(vec![if reads { "<" } else { ">" }.to_owned()]);
            }
            if let Some((name, _)) = &cmd.assign
                && let Some(l) = regex_literals(name.as_str())
            {
                return Some(l);
            }
        }
        if let Some(l) = self.path.as_ref().and_then(PathM::literals) {
            return Some(l);
        }
        if let Some(u) = &self.url
            && let Some(h) = &u.host
        {
            let mut l = h.literals()?;
            l.extend(u.host_suffix.iter().cloned());
            return Some(l);
        }
        for names in [&self.tool, &self.mcp_server, &self.mcp_tool].into_iter().flatten() {
            if let Some(l) = names.literals() {
                return Some(l);
            }
        }
        None
    }
}

fn build_regex(s: &str) -> CResult<Regex> {
    regex::RegexBuilder::new(s)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| format!("bad regex {s:?}: {e}"))
}

/// A regex compiled on first use, so that loading the rule set costs little and only the
/// rules an event kind reaches pay for their regexes. User rules are checked at load
/// ([`LazyRe::check`]); a built-in that failed to compile would match nothing.
#[derive(Clone, Debug)]
pub(crate) struct LazyRe {
    src: String,
    re: OnceLock<Option<Regex>>,
}

impl LazyRe {
    /// True when the regex matches somewhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        self.re
            .get_or_init(|| build_regex(&self.src).ok())
            .as_ref()
            .is_some_and(|r| r.is_match(text))
    }

    /// Compiles now, reporting an error.
    pub fn check(&self) -> CResult<()> {
        let re = build_regex(&self.src)?;
        let _ = self.re.set(Some(re));
        Ok(())
    }

    /// The source text.
    pub fn as_str(&self) -> &str {
        &self.src
    }
}

/// A regex to compile on first use (its errors show at [`LazyRe::check`]).
pub(crate) fn regex(s: &str) -> CResult<LazyRe> {
    Ok(LazyRe { src: s.to_owned(), re: OnceLock::new() })
}

fn regex_any(items: &[String]) -> CResult<LazyRe> {
    let joined: Vec<String> = items.iter().map(|i| format!("(?:{i})")).collect();
    regex(&joined.join("|"))
}

fn lang(s: &str) -> CResult<Lang> {
    Ok(match s {
        "shell" => Lang::Shell,
        "python" => Lang::Python,
        "javascript" | "js" => Lang::JavaScript,
        "perl" => Lang::Perl,
        "ruby" => Lang::Ruby,
        "php" => Lang::Php,
        "awk" => Lang::Awk,
        "applescript" => Lang::AppleScript,
        "powershell" => Lang::PowerShell,
        "sql" => Lang::Sql,
        other => return Err(format!("unknown script language `{other}`")),
    })
}

impl Scope {
    fn names(&self, items: &[String]) -> CResult<Names> {
        Ok(Names::new(self.expand(items)?))
    }

    fn opt_names(&self, items: &Option<Vec<String>>) -> CResult<Option<Names>> {
        items.as_ref().map(|i| self.names(i)).transpose()
    }

    fn path(&self, p: &RawPath) -> CResult<PathM> {
        Ok(PathM {
            glob: self
                .expand(p.glob.as_deref().unwrap_or(&[]))?
                .iter()
                .map(|g| Glob::new(g))
                .collect(),
            not: self
                .expand(p.not.as_deref().unwrap_or(&[]))?
                .iter()
                .map(|g| Glob::new(g))
                .collect(),
            class: p
                .class
                .as_ref()
                .map(|c| c.iter().map(|s| Class::parse(s)).collect::<CResult<Vec<_>>>())
                .transpose()?,
        })
    }

    fn redirect(&self, r: &RawRedirect) -> CResult<RedirM> {
        let modes = r
            .mode
            .as_ref()
            .map(|m| {
                m.iter()
                    .map(|s| {
                        Ok(match s.as_str() {
                            "read" => RedirectMode::Read,
                            "truncate" | "write" => RedirectMode::Truncate,
                            "append" => RedirectMode::Append,
                            "readwrite" => RedirectMode::ReadWrite,
                            other => return Err(format!("unknown redirect mode `{other}`")),
                        })
                    })
                    .collect::<CResult<Vec<_>>>()
            })
            .transpose()?;
        let path = self.path(&RawPath {
            glob: r.glob.clone(),
            not: r.not.clone(),
            class: r.class.clone(),
        })?;
        Ok(RedirM { modes, path })
    }

    fn url(&self, u: &RawUrl) -> CResult<UrlM> {
        let mut m = UrlM { regex: u.regex.as_deref().map(regex).transpose()?, ..UrlM::default() };
        if let Some(hosts) = &u.host {
            let mut exact = Vec::new();
            for h in self.expand(hosts)? {
                match h.strip_prefix("*.") {
                    Some(s) => m.host_suffix.push(s.to_owned()),
                    None => exact.push(h),
                }
            }
            m.host = Some(Names::new(exact));
        }
        Ok(m)
    }

    fn text(&self, t: &RawText) -> CResult<TextM> {
        let fields = match &t.fields {
            Some(f) => TextFields::parse(f)?,
            None => TextFields(TextFields::ALL),
        };
        let mut needle = None;
        let contains = match &t.contains_any {
            Some(items) => {
                let items = self.expand(items)?;
                if let [one] = items.as_slice()
                    && !t.icase
                {
                    needle = Some(memchr::memmem::Finder::new(one.as_bytes()).into_owned());
                }
                Some(
                    AhoCorasick::builder()
                        .ascii_case_insensitive(t.icase)
                        .build(&items)
                        .map_err(|e| format!("bad contains_any: {e}"))?,
                )
            }
            None => None,
        };
        let regex = match &t.regex {
            Some(r) if t.icase => Some(regex(&format!("(?i){r}"))?),
            Some(r) => Some(regex(r)?),
            None => None,
        };
        if contains.is_none() && regex.is_none() {
            return Err("`text` needs `contains_any` or `regex`".to_owned());
        }
        Ok(TextM { fields, contains, needle, regex })
    }

    fn cmd(&self, c: &RawCmd) -> CResult<CmdM> {
        let list = |o: &Option<Vec<String>>| -> CResult<Vec<String>> {
            o.as_ref().map(|v| self.expand(v)).transpose().map(Option::unwrap_or_default)
        };
        let re_list = |o: &Option<Vec<String>>| -> CResult<Option<LazyRe>> {
            o.as_ref().map(|v| self.expand(v).and_then(|v| regex_any(&v))).transpose()
        };
        let mut opt = Vec::new();
        for (k, v) in c.opt.iter().flatten() {
            let v = v.as_str().ok_or_else(|| format!("`cmd.opt.{k}` takes a regex string"))?;
            opt.push((k.clone(), regex(v)?));
        }
        Ok(CmdM {
            name: self.opt_names(&c.name)?,
            sub: c
                .sub
                .as_ref()
                .map(|s| {
                    self.expand(s).map(|s| {
                        s.iter()
                            .map(|p| p.split_whitespace().map(str::to_owned).collect())
                            .collect()
                    })
                })
                .transpose()?,
            flags_all: list(&c.flags_all)?,
            flags_any: list(&c.flags_any)?,
            flags_none: list(&c.flags_none)?,
            opt,
            arg: re_list(&c.arg)?,
            arg_none: re_list(&c.arg_none)?,
            nargs_max: c.nargs_max,
            nargs_min: c.nargs_min,
            line: c.line.as_deref().map(regex).transpose()?,
            line_not: c.line_not.as_deref().map(regex).transpose()?,
            via: self.opt_names(&c.via)?,
            upstream: self.opt_names(&c.upstream)?,
            next: self.opt_names(&c.next)?,
            procsubst: self.opt_names(&c.procsubst)?,
            cmdsubst: self.opt_names(&c.cmdsubst)?,
            executes_stdin: c.executes_stdin,
            remote: c.remote,
            script: c
                .script
                .as_ref()
                .map(|s| -> CResult<_> {
                    let langs = s
                        .lang
                        .as_ref()
                        .map(|l| l.iter().map(|x| lang(x)).collect::<CResult<Vec<_>>>())
                        .transpose()?;
                    Ok((langs, regex(&s.regex)?))
                })
                .transpose()?,
            assign: c
                .assign
                .as_ref()
                .map(|a| -> CResult<_> {
                    Ok((regex(&a.name)?, a.value.as_deref().map(regex).transpose()?))
                })
                .transpose()?,
            target: c.target.as_ref().map(|t| self.path(t)).transpose()?,
            dest: c.dest.as_ref().map(|t| self.path(t)).transpose()?,
            exe: c.exe.as_ref().map(|t| self.path(t)).transpose()?,
            runs_downloaded: c.runs_downloaded,
            redirect: c.redirect.as_ref().map(|r| self.redirect(r)).transpose()?,
        })
    }

    /// Compiles one `when`/`except` table.
    pub fn block(&self, table: &toml::Table) -> CResult<Block> {
        let merged = self.merge_macros(table, 0)?;
        let raw: RawBlock = toml::Value::Table(merged)
            .try_into()
            .map_err(|e: toml::de::Error| e.message().to_owned())?;
        let phase = raw
            .phase
            .as_ref()
            .map(|p| {
                p.iter()
                    .map(|s| s.parse::<Phase>().map_err(|e| e.to_string()))
                    .collect::<CResult<Vec<_>>>()
            })
            .transpose()?;
        let block = Block {
            severity: raw.severity.as_deref().map(severity).transpose()?,
            kinds: raw.kinds.as_deref().map(crate::engine::kinds_mask).transpose()?,
            requires: raw
                .requires
                .as_ref()
                .map(|r| {
                    let r = self.expand(r)?;
                    if r.is_empty() || r.iter().any(String::is_empty) {
                        return Err("`requires` needs non-empty strings".to_owned());
                    }
                    Ok(r)
                })
                .transpose()?,
            cmd: raw.cmd.as_ref().map(|c| self.cmd(c)).transpose()?,
            path: raw.path.as_ref().map(|p| self.path(p)).transpose()?,
            url: raw.url.as_ref().map(|u| self.url(u)).transpose()?,
            text: raw.text.as_ref().map(|t| self.text(t)).transpose()?,
            tool: self.opt_names(&raw.tool)?,
            mcp_server: self.opt_names(&raw.mcp_server)?,
            mcp_tool: self.opt_names(&raw.mcp_tool)?,
            phase,
            duration_ms_over: raw.duration_ms_over,
        };
        let empty = block.cmd.is_none()
            && block.path.is_none()
            && block.url.is_none()
            && block.text.is_none()
            && block.tool.is_none()
            && block.mcp_server.is_none()
            && block.mcp_tool.is_none()
            && block.duration_ms_over.is_none();
        if empty {
            return Err("a block needs at least one condition".to_owned());
        }
        Ok(block)
    }
}
