//! Evaluating one event with only the rules it could need: [`screen`].
//!
//! Loading the whole built-in set costs 11–28 ms (TOML parsing, compiling 62 rules, building
//! the pre-filter automaton), ten times a whole `tl hook` process. A pre-tool hook that blocks
//! dangerous calls asks one question about one event: does any rule report it at `danger`?
//! Most events cannot reach any danger rule, and the others reach one or two.
//!
//! So the built-ins are indexed ahead of time ([`builtin_index`], generated from
//! `builtin/*.toml` by this module's tests, which fail when it is stale): for every rule its
//! kinds, default severity and, per `when` block, the block's severity, phases, required
//! command names and subcommands, and the literals one of which any event the block matches
//! contains (the pre-filter's). [`screen`] keeps a built-in rule only when one of its blocks that
//! can give the wanted severity passes those checks against the event, parses the TOML of the
//! kept rules (without their inline tests) and of the lists and macros they use, and evaluates
//! them with the ordinary engine. Every check is a necessary condition of the block matching,
//! so the findings at the wanted severity are exactly those of the full set; the tests compare
//! both on every inline test case and the whole detection corpus.
//!
//! User files are always loaded whole (their errors must show the same way everywhere), and
//! they can change built-ins: an override's severity or `enabled` and `disable` lists are taken
//! into account when choosing, and a built-in that uses a list a user file appends to, or a
//! macro a user file redefines, is kept without the name and literal checks.

#[rustfmt::skip]
mod builtin_index;
mod generate;

pub use generate::builtin_index_source;

use event::{Event, Kind, Phase};

use crate::engine::{event_cwd, key_text, target_class};
use crate::format::{RawFile, RawOverride};
use crate::glob::Glob;
use crate::load::{BUILTIN_SOURCES, LoadError, Src, load_sources};
use crate::shell::{self, Analysis, Segment, ShellContext};
use crate::{Context, Finding, Severity};

/// A `[[list]]` or `[[macro]]` of the built-in files.
#[derive(Debug)]
struct Item {
    id: &'static str,
    /// Index into [`BUILTIN_SOURCES`].
    file: usize,
    /// Byte range of the item's TOML in the file.
    start: usize,
    end: usize,
    /// Line of `start` in the file.
    first_line: usize,
    /// Lists (indices into `LISTS`) and macros (into `MACROS`) the item uses, transitively.
    lists: &'static [usize],
    macros: &'static [usize],
}

/// A built-in `[[rule]]`, with what choosing it needs to know.
#[derive(Debug)]
struct IndexedRule {
    id: &'static str,
    file: usize,
    /// Byte ranges of the rule's TOML without its `[[rule.test]]` tables.
    pieces: &'static [(usize, usize)],
    first_line: usize,
    /// Event kinds (bit `1 << kind`).
    kinds: u64,
    step: bool,
    enabled: bool,
    severity: Severity,
    fallback: bool,
    lists: &'static [usize],
    macros: &'static [usize],
    blocks: &'static [IndexedBlock],
}

/// A `[[rule.when]]` block of an [`IndexedRule`].
#[derive(Debug)]
struct IndexedBlock {
    /// The block's own `kinds` (0: the rule's).
    kinds: u64,
    severity: Option<Severity>,
    /// Phases the block accepts (bit `1 << phase`; 0: any).
    phases: u8,
    /// Looks at the simple commands of shell events (`cmd`, `path` or `url`).
    segment: bool,
    /// Has `cmd` conditions, which only shell events can satisfy.
    cmd: bool,
    /// `cmd.name`: exact names and `prefix*` prefixes.
    names: Option<(&'static [&'static str], &'static [&'static str])>,
    /// `cmd.sub`: subcommand paths, one of which the same segment must start with.
    subs: Option<&'static [&'static [&'static str]]>,
    /// `cmd.flags_all`: canonical options the same segment must all have.
    flags: &'static [&'static str],
    /// `cmd.opt` names: the same segment must have one of these options with a value.
    opts: &'static [&'static str],
    /// `cmd.target.class`: the same segment must have a target of one of these classes.
    targets: Option<&'static [&'static str]>,
    /// `cmd.target.glob`: the same segment must have a target matching one of these.
    target_globs: &'static [&'static str],
    /// `cmd.exe`: the same segment's program must be a path (`./run.sh`, `/tmp/x`).
    exe: bool,
    /// `path.glob` (shell events): some segment must have a target or redirect matching one.
    path_globs: &'static [&'static str],
    /// `cmd.script`: the same segment must run inline code (`python -c …`).
    script: bool,
    /// Lowercase literals one of which the event's key text contains if the block matches.
    literals: Option<&'static [&'static str]>,
    /// A step block (`duration_ms_over`): never matches an event.
    step: bool,
}

/// What [`screen`] found.
#[derive(Debug, Default)]
pub struct Screening {
    /// Findings of at least the wanted severity, as the full rule set gives them.
    pub findings: Vec<Finding>,
    /// Problems with the user's files (the built-ins never have any). Same as a full load
    /// reports for those files.
    pub errors: Vec<LoadError>,
    /// Ids of the built-in rules that were loaded and evaluated.
    pub loaded: Vec<&'static str>,
}

/// Evaluates `event` with the built-in rules and the `user` files (`(name, text)`, as for
/// [`crate::RuleSet::with_builtins`]), loading only the built-ins that could report it at `min`
/// severity or above; returns those findings, exactly as the full set would give them.
///
/// Never fails: problems in user files are returned as errors (the rules that did load are
/// still evaluated).
pub fn screen(event: &Event, ctx: &Context, user: &[(&str, &str)], min: Severity) -> Screening {
    let users = UserFacts::of(user);
    let mut hay = String::new();
    let hidden = key_text(event, &mut hay);
    hay.make_ascii_lowercase();
    let mut probe = Probe { event, ctx, hay, hidden, sctx: None, analysis: None };
    if hidden && let Some(a) = probe.analysis() {
        // An expansion may hide a literal from the text but not from the resolved words: the
        // literals are looked for in those too, rather than every rule being a candidate.
        let mut words = String::new();
        resolved_text(a, &mut words);
        words.make_ascii_lowercase();
        probe.hay.push_str(&words);
        probe.hidden = false;
    }
    let index = builtin_index::RULES;
    let mut keep = vec![false; index.len()];
    for (i, r) in index.iter().enumerate() {
        let Some(k) = keep.get_mut(i) else { continue };
        *k = users.enabled(r) && probe.may_report(r, users.severity(r), users.tainted(r), min);
    }
    let chosen: Vec<&IndexedRule> =
        index.iter().zip(&keep).filter(|(_, k)| **k).map(|(r, _)| r).collect();
    let elsewhere: Vec<&str> =
        index.iter().zip(&keep).filter(|(_, k)| !**k).map(|(r, _)| r.id).collect();

    // Lists and macros: those the chosen rules use, and those a user file names (a superset of
    // what its rules and overrides use), in file order so that definitions precede overrides.
    let mut lists = vec![false; builtin_index::LISTS.len()];
    let mut macros = vec![false; builtin_index::MACROS.len()];
    let mut need = |ls: &[usize], ms: &[usize]| {
        for &l in ls {
            if let Some(x) = lists.get_mut(l) {
                *x = true;
            }
        }
        for &m in ms {
            if let Some(x) = macros.get_mut(m) {
                *x = true;
            }
            if let Some(item) = builtin_index::MACROS.get(m) {
                for &l in item.lists {
                    if let Some(x) = lists.get_mut(l) {
                        *x = true;
                    }
                }
            }
        }
    };
    for r in &chosen {
        need(r.lists, r.macros);
    }
    for (i, item) in builtin_index::LISTS.iter().enumerate() {
        if users.mention(item.id) {
            need(&[i], &[]);
        }
    }
    for (i, item) in builtin_index::MACROS.iter().enumerate() {
        if users.mention(item.id) {
            need(item.lists, &[i]);
            need(&[], item.macros);
        }
    }

    let texts: Vec<(String, usize, usize)> = {
        let mut out = Vec::new();
        let items = builtin_index::LISTS
            .iter()
            .zip(&lists)
            .chain(builtin_index::MACROS.iter().zip(&macros))
            .filter(|(_, on)| **on)
            .map(|(item, _)| item);
        for item in items {
            if let Some(text) = source(item.file).get(item.start..item.end) {
                out.push((text.to_owned(), item.file, item.first_line));
            }
        }
        for r in &chosen {
            let text: String =
                r.pieces.iter().filter_map(|(s, e)| source(r.file).get(*s..*e)).collect();
            out.push((text, r.file, r.first_line));
        }
        out
    };
    let mut srcs: Vec<Src<'_>> = texts
        .iter()
        .map(|(text, file, first_line)| Src {
            name: BUILTIN_SOURCES.get(*file).map_or("builtin/?", |(n, _)| n),
            text,
            first_line: *first_line,
        })
        .collect();
    srcs.extend(user.iter().map(|(name, text)| Src { name, text, first_line: 1 }));
    let (set, errors) = load_sources(&srcs, &elsewhere, false);

    let mut evaluator = set.evaluator();
    if let (Some(sctx), Some(a), Some(cmd)) =
        (&probe.sctx, probe.analysis.take(), event.fields.command.as_deref())
    {
        evaluator.prime(cmd, sctx, a);
    }
    let findings =
        evaluator.evaluate(event, ctx).into_iter().filter(|f| f.severity >= min).collect();
    Screening { findings, errors, loaded: chosen.iter().map(|r| r.id).collect() }
}

/// Every string of an analysis that a simple-command condition can look at (names, wrappers,
/// words, options, targets, redirects, assignments, inline code, neighbours in the pipeline,
/// working directories), each followed by a NUL: the literals a block derives from such a
/// condition are substrings of what it matched.
fn resolved_text(a: &Analysis, out: &mut String) {
    let mut push = |s: &str| {
        out.push_str(s);
        out.push('\0');
    };
    for (n, w) in &a.assignments {
        push(n);
        push(&w.text);
    }
    for seg in &a.segments {
        push(&seg.name);
        seg.via.iter().for_each(|v| push(v));
        seg.argv.iter().chain(&seg.operands).for_each(|w| push(&w.text));
        seg.subcommand.iter().for_each(|w| push(w));
        for f in &seg.flags {
            push(&f.name);
            push(&f.spelled);
            f.value.iter().for_each(|v| push(v));
        }
        for (n, w) in &seg.assignments {
            push(n);
            push(&w.text);
        }
        for t in &seg.targets {
            push(&t.text);
            t.path.iter().for_each(|p| push(p));
        }
        seg.redirects.iter().for_each(|r| push(&r.target.text));
        seg.heredoc.iter().for_each(|h| push(h));
        seg.cwd.iter().for_each(|c| push(c));
        seg.inline_script.iter().for_each(|(_, code)| push(code));
        seg.cmdsubst_cmds.iter().chain(&seg.procsubst_cmds).for_each(|c| push(c));
        let p = &seg.pipeline;
        p.upstream.iter().chain(&p.prev).chain(&p.next).for_each(|c| push(c));
    }
}

fn source(file: usize) -> &'static str {
    BUILTIN_SOURCES.get(file).map_or("", |(_, text)| text)
}

/// What the user files change about built-in rules, read without compiling anything.
#[derive(Default)]
struct UserFacts<'a> {
    texts: Vec<&'a str>,
    /// `(rule, enabled, severity)` of every `[[override]]` of a rule, in order.
    overrides: Vec<(String, Option<bool>, Option<Severity>)>,
    disabled: Vec<String>,
    /// Lists a user file appends to, and macros it defines.
    touched: Vec<String>,
}

impl<'a> UserFacts<'a> {
    fn of(user: &[(&str, &'a str)]) -> UserFacts<'a> {
        let mut facts = UserFacts::default();
        for (_, text) in user {
            facts.texts.push(text);
            // A file that does not parse is reported by the loader; here it changes nothing.
            let Ok(f) = toml::from_str::<RawFile>(text) else { continue };
            facts.disabled.extend(f.disable);
            for o in &f.overrides {
                let Ok(o) = o.get_ref().clone().try_into::<RawOverride>() else { continue };
                if let Some(list) = o.list {
                    facts.touched.push(list);
                }
                if let Some(rule) = o.rule {
                    let sev = o.severity.as_deref().and_then(|s| crate::compile::severity(s).ok());
                    facts.overrides.push((rule, o.enabled, sev));
                }
            }
            for m in &f.macros {
                if let Some(id) = m.get_ref().get("id").and_then(|v| v.as_str()) {
                    facts.touched.push(id.to_owned());
                }
            }
        }
        facts
    }

    fn enabled(&self, r: &IndexedRule) -> bool {
        let mut on = r.enabled;
        for (_, e, _) in self.overrides.iter().filter(|(id, _, _)| id == r.id) {
            on = e.unwrap_or(on);
        }
        on && !self.disabled.iter().any(|d| d == r.id)
    }

    /// The severity an override gives every block of the rule, if any.
    fn severity(&self, r: &IndexedRule) -> Option<Severity> {
        self.overrides.iter().filter(|(id, _, _)| id == r.id).filter_map(|(_, _, s)| *s).next_back()
    }

    /// True when a user file changes a list or macro the rule uses.
    fn tainted(&self, r: &IndexedRule) -> bool {
        let lists = r.lists.iter().filter_map(|&l| builtin_index::LISTS.get(l));
        let macros = r.macros.iter().filter_map(|&m| builtin_index::MACROS.get(m));
        lists.chain(macros).any(|item| self.touched.iter().any(|t| t == item.id))
    }

    /// True when some user file's text contains `id` (so it may use that list or macro).
    fn mention(&self, id: &str) -> bool {
        self.texts.iter().any(|t| memchr::memmem::find(t.as_bytes(), id.as_bytes()).is_some())
    }
}

/// One event, as the index's checks see it.
struct Probe<'a> {
    event: &'a Event,
    ctx: &'a Context,
    /// The pre-filter's key text, lowercase.
    hay: String,
    hidden: bool,
    sctx: Option<ShellContext>,
    /// The shell command's analysis, made on first need.
    analysis: Option<Analysis>,
}

impl Probe<'_> {
    /// True when rule `r` (with user override severity `over`; `tainted`: without the name
    /// and literal checks) could report the event at `min` or above.
    fn may_report(
        &mut self,
        r: &IndexedRule,
        over: Option<Severity>,
        tainted: bool,
        min: Severity,
    ) -> bool {
        let kind_bit = 1u64 << (self.event.kind as u64);
        if r.step || r.kinds & kind_bit == 0 {
            return false;
        }
        let shell = self.event.kind == Kind::ShellExec && self.event.fields.command.is_some();
        if shell && r.fallback && over.unwrap_or(r.severity) >= min {
            // The fallback regex runs when the parser gave up or no block looks at segments.
            if !r.blocks.iter().any(|b| b.segment) || self.analysis().is_some_and(|a| a.unparsed) {
                return true;
            }
        }
        let phase_bit = phase_bit(self.event.phase);
        for b in r.blocks {
            let severity = over.or(b.severity).unwrap_or(r.severity);
            let kinds = if b.kinds == 0 { r.kinds } else { b.kinds };
            if b.step
                || severity < min
                || kinds & kind_bit == 0
                || (b.phases != 0 && b.phases & phase_bit == 0)
                || (b.cmd && !shell)
            {
                continue;
            }
            if tainted {
                return true;
            }
            if let Some(lits) = b.literals
                && !(self.hidden && shell && b.segment)
                && !lits
                    .iter()
                    .any(|l| memchr::memmem::find(self.hay.as_bytes(), l.as_bytes()).is_some())
            {
                continue;
            }
            if shell && !b.path_globs.is_empty() {
                if self.analysis().is_none() {
                    return true;
                }
                let (Some(a), Some(sctx)) = (self.analysis.as_ref(), self.sctx.as_ref()) else {
                    return true;
                };
                let home = sctx.home.as_deref();
                let hit =
                    |path: &str| b.path_globs.iter().any(|g| Glob::new(g).matches(path, home));
                // The engine matches a target's resolved path (or its text) and a redirect's
                // target joined to the segment's directory.
                let any = a.segments.iter().any(|s| {
                    s.targets.iter().any(|t| hit(t.path.as_deref().unwrap_or(&t.text)))
                        || s.redirects.iter().any(|r| {
                            let text = &r.target.text;
                            hit(&if text.starts_with('/') {
                                shell::normalize(text)
                            } else {
                                match &s.cwd {
                                    Some(cwd) => shell::normalize(&format!("{cwd}/{text}")),
                                    None => text.clone(),
                                }
                            })
                        })
                });
                if !any {
                    continue;
                }
            }
            let checks_segment = b.names.is_some()
                || b.subs.is_some()
                || !b.flags.is_empty()
                || !b.opts.is_empty()
                || b.targets.is_some()
                || !b.target_globs.is_empty()
                || b.exe
                || b.script;
            if b.cmd && checks_segment {
                if self.analysis().is_none() {
                    return true;
                }
                let (Some(a), Some(sctx)) = (self.analysis.as_ref(), self.sctx.as_ref()) else {
                    return true;
                };
                // The engine's own first checks of a segment (name, subcommand, options), which
                // the same segment must pass.
                let fits = |s: &Segment| {
                    b.names.is_none_or(|(exact, prefixes)| {
                        exact.contains(&s.name.as_str())
                            || prefixes.iter().any(|p| s.name.starts_with(p))
                    }) && b.subs.is_none_or(|subs| {
                        subs.iter().any(|sub| {
                            s.subcommand.len() >= sub.len()
                                && s.subcommand.iter().zip(sub.iter()).all(|(a, b)| a == b)
                        })
                    }) && (!b.script || s.inline_script.is_some())
                        && b.flags.iter().all(|f| s.has_flag(f))
                        && b.targets.is_none_or(|classes| {
                            s.targets
                                .iter()
                                .any(|t| classes.contains(&target_class(t, sctx).as_str()))
                        })
                        && (b.target_globs.is_empty()
                            || s.targets.iter().any(|t| {
                                let path = t.path.as_deref().unwrap_or(&t.text);
                                b.target_globs
                                    .iter()
                                    .any(|g| Glob::new(g).matches(path, sctx.home.as_deref()))
                            }))
                        && (!b.exe
                            || s.argv.first().is_some_and(|w| !w.dynamic && w.text.contains('/')))
                        && (b.opts.is_empty()
                            || s.flags.iter().any(|f| {
                                f.value.is_some()
                                    && b.opts.iter().any(|o| f.name == *o || f.spelled == *o)
                            }))
                };
                // The engine also tries a nameless segment holding bare assignments (`X=1`).
                let bare = !a.assignments.is_empty() && fits(&Segment::default());
                if !bare && !a.segments.iter().any(fits) {
                    continue;
                }
            }
            return true;
        }
        false
    }

    /// The analysis of the event's shell command (made once).
    fn analysis(&mut self) -> Option<&Analysis> {
        if self.analysis.is_none() {
            let cmd = self.event.fields.command.as_deref()?;
            let sctx = ShellContext {
                cwd: event_cwd(self.event, self.ctx).to_owned(),
                home: self.ctx.home.clone(),
                tmp_dirs: self.ctx.tmp_dirs.clone(),
                workspace_root: self.ctx.workspace_root.clone(),
            };
            self.analysis = Some(shell::analyze(cmd, &sctx));
            self.sctx = Some(sctx);
        }
        self.analysis.as_ref()
    }
}

/// Bit of a phase in [`IndexedBlock::phases`].
fn phase_bit(p: Phase) -> u8 {
    1 << (p as u8)
}
