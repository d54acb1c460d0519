//! Loading rule files: TOML text in, a [`RuleSet`] and per-rule [`LoadError`]s out.
//!
//! Files are read in order. Lists and macros are collected first (from all files, so a user
//! file can use the built-in lists), list overrides applied, then every rule is compiled on
//! its own: a rule that fails is reported with its file and line and left out, the others
//! load. Rule overrides and `disable` lists come last. Rules from files not named
//! `builtin/…` must also pass their inline tests to load.

use std::collections::HashMap;

use crate::compile::{Scope, severity};
use crate::engine::{Rule, RuleSet, Template, kinds_mask};
use crate::format::{RawFile, RawList, RawOverride, RawRule};

/// The built-in rule files, embedded: `(name, text)`.
pub const BUILTIN_SOURCES: &[(&str, &str)] = &[
    ("builtin/lists.toml", include_str!("../builtin/lists.toml")),
    ("builtin/tracelog.toml", include_str!("../builtin/tracelog.toml")),
    ("builtin/filesystem.toml", include_str!("../builtin/filesystem.toml")),
    ("builtin/git.toml", include_str!("../builtin/git.toml")),
    ("builtin/credentials.toml", include_str!("../builtin/credentials.toml")),
    ("builtin/network.toml", include_str!("../builtin/network.toml")),
    ("builtin/persistence.toml", include_str!("../builtin/persistence.toml")),
    ("builtin/infra.toml", include_str!("../builtin/infra.toml")),
    ("builtin/supply.toml", include_str!("../builtin/supply.toml")),
];

/// A rule, list, macro or file that could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {}{message}", rule.as_ref().map(|r| format!("rule `{r}`: ")).unwrap_or_default())]
pub struct LoadError {
    /// The source name given to [`RuleSet::load`].
    pub file: String,
    /// 1-based line of the offending item (the file's first line for whole-file errors).
    pub line: usize,
    /// The rule's id, when the error is about a rule.
    pub rule: Option<String>,
    /// What is wrong, lowercase.
    pub message: String,
}

fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes().get(..end).map_or(0, |b| memchr::memchr_iter(b'\n', b).count()) + 1
}

/// FNV-1a, 64 bits: a hash that stays the same across builds and platforms.
pub(crate) fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

pub(crate) const FNV_SEED: u64 = 0xcbf2_9ce4_8422_2325;

impl RuleSet {
    /// The built-in rules. They are tested in CI, so errors cannot happen; if one did, the
    /// rule would be left out.
    pub fn builtin() -> RuleSet {
        RuleSet::load(BUILTIN_SOURCES).0
    }

    /// The built-in rules followed by user files (which may use built-in lists and macros,
    /// override and disable built-in rules).
    pub fn with_builtins(user: &[(&str, &str)]) -> (RuleSet, Vec<LoadError>) {
        let mut all: Vec<(&str, &str)> = BUILTIN_SOURCES.to_vec();
        all.extend_from_slice(user);
        RuleSet::load(&all)
    }

    /// Loads rule files given as `(name, text)`, in order. Never fails as a whole: what does
    /// not load is returned as errors, the rest is in the set.
    pub fn load(sources: &[(&str, &str)]) -> (RuleSet, Vec<LoadError>) {
        let srcs: Vec<Src<'_>> =
            sources.iter().map(|(name, text)| Src { name, text, first_line: 1 }).collect();
        load_sources(&srcs, &[], true)
    }
}

/// A rules text to load: a whole file, or pieces of one (see `select`) whose lines are
/// numbered as in the file.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Src<'a> {
    /// The file's name (`builtin/…` for the embedded ones).
    pub name: &'a str,
    /// The TOML text.
    pub text: &'a str,
    /// The file's line number of the text's first line.
    pub first_line: usize,
}

impl Src<'_> {
    fn line(&self, offset: usize) -> usize {
        line_of(self.text, offset) + self.first_line - 1
    }
}

/// Loads `srcs` in order. `elsewhere` names rules that exist but are not among the sources
/// (built-ins left out by `select`): overriding or disabling them is not an error and does
/// nothing, and no other rule may take their id. Without `prefilter` the set has no literal
/// pre-filter and evaluates every rule (for the few rules `select` already chose).
pub(crate) fn load_sources(
    srcs: &[Src<'_>],
    elsewhere: &[&str],
    prefilter: bool,
) -> (RuleSet, Vec<LoadError>) {
    let mut errors = Vec::new();
    let mut files: Vec<(&Src<'_>, RawFile)> = Vec::new();
    let mut hash = FNV_SEED;
    for src in srcs {
        let (name, text) = (&src.name, src.text);
        hash = fnv(fnv(hash, name.as_bytes()), &[0]);
        hash = fnv(fnv(hash, text.as_bytes()), &[0]);
        match toml::from_str::<RawFile>(text) {
            Ok(f) => {
                if let Some(v) = f.schema.filter(|v| *v != 1) {
                    errors.push(LoadError {
                        file: (*name).to_owned(),
                        line: src.first_line,
                        rule: None,
                        message: format!(
                            "schema {v} is not supported (this tl reads schema 1)\nhint: upgrade tl"
                        ),
                    });
                    continue;
                }
                files.push((src, f));
            }
            Err(e) => errors.push(LoadError {
                file: (*name).to_owned(),
                line: e.span().map_or(src.first_line, |s| src.line(s.start)),
                rule: None,
                message: e.message().trim_end().to_owned(),
            }),
        }
    }
    let err =
        |src: &Src<'_>, span: std::ops::Range<usize>, rule: Option<&str>, m: String| LoadError {
            file: src.name.to_owned(),
            line: src.line(span.start),
            rule: rule.map(str::to_owned),
            message: m,
        };

    // Lists, then list overrides, then macros.
    let mut scope = Scope::default();
    for (src, f) in &files {
        for item in &f.list {
            match item.get_ref().clone().try_into::<RawList>() {
                    Ok(l) if scope.lists.contains_key(&l.id) => errors.push(err(
                        src,
                        item.span(),
                        None,
                        format!("list `{}` is already defined\nhint: use [[override]] list = … with items_append", l.id),
                    )),
                    Ok(l) => {
                        scope.lists.insert(l.id, l.items);
                    }
                    Err(e) => errors.push(err(src, item.span(), None, format!("list: {}", e.message()))),
                }
        }
    }
    let mut overrides: Vec<(&Src<'_>, std::ops::Range<usize>, RawOverride)> = Vec::new();
    for (src, f) in &files {
        for item in &f.overrides {
            match item.get_ref().clone().try_into::<RawOverride>() {
                Ok(o) => overrides.push((*src, item.span(), o)),
                Err(e) => {
                    errors.push(err(src, item.span(), None, format!("override: {}", e.message())))
                }
            }
        }
    }
    for (src, span, o) in &overrides {
        if let Some(list) = &o.list {
            match scope.lists.get_mut(list) {
                Some(items) => items.extend(o.items_append.iter().cloned()),
                None => errors.push(err(
                    src,
                    span.clone(),
                    None,
                    format!("override of unknown list `{list}`"),
                )),
            }
        }
    }
    for (src, f) in &files {
        for item in &f.macros {
            let Some(mut table) = item.get_ref().as_table().cloned() else {
                errors.push(err(src, item.span(), None, "a macro is a table".to_owned()));
                continue;
            };
            match table.remove("id") {
                Some(toml::Value::String(id)) => {
                    scope.macros.insert(id, table);
                }
                _ => errors.push(err(
                    src,
                    item.span(),
                    None,
                    "a macro needs a string `id`".to_owned(),
                )),
            }
        }
    }

    // Rules.
    let mut rules: Vec<Rule> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (src, f) in &files {
        let builtin = src.name.starts_with("builtin/");
        for item in &f.rule {
            let id_hint = item.get_ref().get("id").and_then(|v| v.as_str()).map(str::to_owned);
            let raw = match item.get_ref().clone().try_into::<RawRule>() {
                Ok(r) => r,
                Err(e) => {
                    errors.push(err(src, item.span(), id_hint.as_deref(), e.message().to_owned()));
                    continue;
                }
            };
            if index.contains_key(&raw.id) || elsewhere.contains(&raw.id.as_str()) {
                errors.push(err(
                        src,
                        item.span(),
                        Some(&raw.id),
                        "a rule with this id is already loaded\nhint: use [[override]] rule = … to change it".to_owned(),
                    ));
                continue;
            }
            let line = src.line(item.span().start);
            let compiled = compile_rule(&scope, raw, src.name, line).and_then(|rule| {
                if !builtin {
                    for re in rule.regexes() {
                        re.check()?;
                    }
                }
                Ok(rule)
            });
            match compiled {
                Ok(rule) => {
                    if !builtin {
                        let report = crate::testing::run_rule_tests(&rule);
                        if let Some(fail) = report.failures.first() {
                            errors.push(err(
                                src,
                                item.span(),
                                Some(&rule.id),
                                format!("inline test failed: {}: {}", fail.case, fail.reason),
                            ));
                            continue;
                        }
                    }
                    index.insert(rule.id.clone(), rules.len());
                    rules.push(rule);
                }
                Err(m) => errors.push(err(src, item.span(), id_hint.as_deref(), m)),
            }
        }
    }

    // Rule overrides and disables.
    for (src, span, o) in &overrides {
        let Some(id) = &o.rule else { continue };
        if elsewhere.contains(&id.as_str()) {
            continue;
        }
        let Some(rule) = index.get(id).and_then(|i| rules.get_mut(*i)) else {
            errors.push(err(src, span.clone(), Some(id), "override of unknown rule".to_owned()));
            continue;
        };
        if let Some(e) = o.enabled {
            rule.enabled = e;
        }
        if let Some(s) = &o.severity {
            match severity(s) {
                Ok(s) => {
                    rule.severity = s;
                    for b in &mut rule.when {
                        b.severity = None;
                    }
                }
                Err(m) => errors.push(err(src, span.clone(), Some(id), m)),
            }
        }
        for t in &o.except_append {
            match scope.block(t) {
                Ok(b) => rule.except.push(b),
                Err(m) => errors.push(err(src, span.clone(), Some(id), format!("except: {m}"))),
            }
        }
    }
    for (src, f) in &files {
        for id in &f.disable {
            match index.get(id).and_then(|i| rules.get_mut(*i)) {
                Some(r) => r.enabled = false,
                None if elsewhere.contains(&id.as_str()) => {}
                None => errors.push(err(
                    src,
                    0..0,
                    Some(id),
                    "`disable` names an unknown rule".to_owned(),
                )),
            }
        }
    }
    (RuleSet::build(rules, hash, prefilter), errors)
}

fn compile_rule(scope: &Scope, raw: RawRule, file: &str, line: usize) -> Result<Rule, String> {
    if raw.id.is_empty()
        || !raw.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(format!("rule id {:?} must be kebab-case", raw.id));
    }
    let kinds = kinds_mask(&raw.kinds)?;
    if raw.when.is_empty() {
        return Err("a rule needs at least one [[rule.when]] block".to_owned());
    }
    let when = raw
        .when
        .iter()
        .enumerate()
        .map(|(i, t)| scope.block(t).map_err(|m| format!("when block {}: {m}", i + 1)))
        .collect::<Result<Vec<_>, _>>()?;
    let except = raw
        .except
        .iter()
        .enumerate()
        .map(|(i, t)| scope.block(t).map_err(|m| format!("except block {}: {m}", i + 1)))
        .collect::<Result<Vec<_>, _>>()?;
    let step = when.iter().any(|b| b.duration_ms_over.is_some());
    if step && when.iter().any(|b| b.duration_ms_over.is_none()) {
        return Err("a step rule (duration_ms_over) cannot mix with event blocks".to_owned());
    }
    // Compiled on first use like the others (a fallback regex costs ~0.1-0.5 ms to build and
    // runs only on commands the parser gave up on); user rules check it at load.
    let fallback = raw.fallback_regex.as_deref().map(crate::compile::regex).transpose()?;
    for t in &raw.test {
        if let Some(s) = &t.severity {
            severity(s)?;
        }
    }
    Ok(Rule {
        severity: severity(&raw.severity)?,
        message: Template::parse(&raw.message)?,
        id: raw.id,
        description: raw.description,
        tags: raw.tags,
        kinds,
        when,
        except,
        fallback,
        tests: raw.test,
        enabled: raw.enabled,
        file: file.to_owned(),
        line,
        step,
        gate: None,
    })
}
