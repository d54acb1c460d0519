//! Evaluation: the compiled [`RuleSet`], its per-kind index and literal pre-filter, and the
//! matching of blocks against events and against the simple commands of shell events.
//!
//! Cost model: an event first goes through one Aho-Corasick pass over its key text (command,
//! paths, URL, tool names) that marks the rules whose necessary literals occur; only marked
//! rules and rules without a literal set are evaluated. A shell command is parsed only when a
//! candidate rule looks at simple commands, and an [`Evaluator`] keeps the last few analyses so
//! the call and the result of one command are parsed once. Evaluation never fails.

use std::time::Duration;

use aho_corasick::AhoCorasick;
use event::{Event, Kind, Phase};

use crate::compile::{Block, Class, CmdM, LazyRe, PathM, TextFields, url_host};
use crate::format::RawTest;
use crate::shell::{self, Analysis, RedirectMode, Segment, ShellContext, Target, TargetClass};
use crate::{Context, Evidence, Finding, RuleInfo, Severity};

/// Most evidence items kept per finding.
const MAX_EVIDENCE: usize = 16;
/// Longest command text kept in evidence and messages (bytes).
const MAX_SHOWN: usize = 300;
/// Analyses an [`Evaluator`] keeps.
const CACHE: usize = 64;

/// One compiled rule.
#[derive(Clone, Debug)]
pub(crate) struct Rule {
    pub id: String,
    pub description: String,
    pub severity: Severity,
    pub tags: Vec<String>,
    pub kinds: u64,
    pub message: Template,
    pub when: Vec<Block>,
    pub except: Vec<Block>,
    pub fallback: Option<LazyRe>,
    pub tests: Vec<RawTest>,
    pub enabled: bool,
    pub file: String,
    pub line: usize,
    pub step: bool,
    /// When every shell block requires a command name: all those names. A shell event none
    /// of whose segments has one of them cannot match (checked before the blocks).
    pub gate: Option<crate::compile::Names>,
}

impl Rule {
    fn needs_segments(&self) -> bool {
        self.when.iter().any(Block::per_segment)
    }

    /// Every regex of the rule (blocks, exceptions, fallback), for checking them.
    pub(crate) fn regexes(&self) -> impl Iterator<Item = &LazyRe> {
        self.when.iter().chain(&self.except).flat_map(Block::regexes).chain(&self.fallback)
    }
}

/// Kind names rules use: the aliases below or a kind's own name (`SHELL_EXEC`).
pub(crate) fn kind_alias(name: &str) -> Option<Vec<Kind>> {
    use Kind::*;
    Some(match name {
        "shell" => vec![ShellExec],
        "file_read" => vec![FileRead],
        "file_write" => vec![FileWrite],
        "file_delete" => vec![FileDelete],
        "file_chmod" => vec![FileChmod],
        "file_chown" => vec![FileChown],
        "file_rename" => vec![FileRename],
        "file_readdir" => vec![FileReaddir],
        "file" => {
            vec![FileRead, FileWrite, FileDelete, FileChmod, FileChown, FileRename, FileReaddir]
        }
        "http" => vec![HttpRequest],
        "http_response" => vec![HttpResponse],
        "mcp" => vec![McpToolCall],
        "mcp_result" => vec![McpToolResult],
        "prompt" => vec![UserInput],
        "output" => vec![ShellStdout, ShellStderr],
        "any" => Kind::ALL.to_vec(),
        other => vec![other.parse::<Kind>().ok()?],
    })
}

/// The bit mask of the kinds a rule applies to.
pub(crate) fn kinds_mask(names: &[String]) -> Result<u64, String> {
    if names.is_empty() {
        return Err("`kinds` must name at least one event kind".to_owned());
    }
    let mut mask = 0u64;
    for n in names {
        let kinds = kind_alias(n).ok_or_else(|| format!("unknown event kind `{n}`"))?;
        for k in kinds {
            mask |= 1 << (k as u64);
        }
    }
    Ok(mask)
}

/// A message template: text with `{command}`, `{target}`, `{class}`, `{tool}`, `{kind}`,
/// `{duration}` and `{id}` placeholders.
#[derive(Clone, Debug)]
pub(crate) struct Template(Vec<Piece>);

#[derive(Clone, Debug)]
enum Piece {
    Lit(String),
    Command,
    Target,
    Class,
    Tool,
    Kind,
    Duration,
    Id,
}

impl Template {
    /// Parses a template; an unknown placeholder is an error.
    pub fn parse(s: &str) -> Result<Template, String> {
        let mut out = Vec::new();
        let mut rest = s;
        while let Some(open) = rest.find('{') {
            let (lit, after) = rest.split_at(open);
            if !lit.is_empty() {
                out.push(Piece::Lit(lit.to_owned()));
            }
            let Some(close) = after.find('}') else {
                return Err("unclosed `{` in message".to_owned());
            };
            let name = after.get(1..close).unwrap_or("");
            out.push(match name {
                "command" => Piece::Command,
                "target" | "path" | "url" => Piece::Target,
                "class" => Piece::Class,
                "tool" => Piece::Tool,
                "kind" => Piece::Kind,
                "duration" => Piece::Duration,
                "id" => Piece::Id,
                other => return Err(format!("unknown placeholder `{{{other}}}` in message")),
            });
            rest = after.get(close + 1..).unwrap_or("");
        }
        if !rest.is_empty() {
            out.push(Piece::Lit(rest.to_owned()));
        }
        Ok(Template(out))
    }

    fn render(
        &self,
        id: &str,
        ev: Option<&Event>,
        e: Option<&Evidence>,
        dur: Option<Duration>,
    ) -> String {
        let mut s = String::new();
        for p in &self.0 {
            match p {
                Piece::Lit(l) => s.push_str(l),
                Piece::Command => {
                    let c = e
                        .and_then(|e| e.command.as_deref())
                        .or_else(|| ev.and_then(|ev| ev.fields.command.as_deref()))
                        .or_else(|| ev.map(|ev| ev.summary.as_str()))
                        .unwrap_or("");
                    s.push_str(clip(c));
                }
                Piece::Target => s.push_str(clip(
                    e.and_then(|e| e.target.as_deref())
                        .or_else(|| ev.and_then(|ev| ev.fields.paths.first().map(String::as_str)))
                        .or_else(|| ev.and_then(|ev| ev.fields.url.as_deref()))
                        .or_else(|| e.and_then(|e| e.command.as_deref()))
                        .unwrap_or("?"),
                )),
                Piece::Class => s.push_str(e.and_then(|e| e.class.as_deref()).unwrap_or("unknown")),
                Piece::Tool => {
                    s.push_str(ev.and_then(|ev| ev.fields.tool_name.as_deref()).unwrap_or("?"))
                }
                Piece::Kind => s.push_str(ev.map_or("?", |ev| ev.kind.as_str())),
                Piece::Duration => {
                    let ms = dur
                        .map(|d| d.as_millis())
                        .or_else(|| ev.and_then(|ev| ev.fields.duration_ms).map(u128::from));
                    match ms {
                        Some(ms) => s.push_str(&format!("{:.1} s", ms as f64 / 1000.0)),
                        None => s.push('?'),
                    }
                }
                Piece::Id => s.push_str(id),
            }
        }
        s
    }
}

fn clip(s: &str) -> &str {
    if s.len() <= MAX_SHOWN {
        return s;
    }
    let mut end = MAX_SHOWN;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("")
}

/// A completed step, for step-level rules such as `long-running`.
#[derive(Clone, Copy, Debug)]
pub struct Step<'a> {
    /// The kind of the step's call.
    pub kind: Kind,
    /// How long it took.
    pub duration: Duration,
    /// The step's one-line summary (used as `{command}` in messages).
    pub summary: &'a str,
}

/// A loaded, compiled rule set. Cheap to share; evaluation takes `&self`.
#[derive(Debug)]
pub struct RuleSet {
    rules: Vec<Rule>,
    by_kind: Vec<Vec<usize>>,
    step_rules: Vec<usize>,
    ac: Option<AhoCorasick>,
    ac_rules: Vec<Vec<usize>>,
    /// Per rule, the kinds (bit mask) for which the rule has a necessary literal set.
    has_literals: Vec<u64>,
    needs_segments: Vec<bool>,
    /// Per rule: some block has a `path` condition (file events need resolved paths).
    needs_paths: Vec<bool>,
    source_hash: u64,
}

impl RuleSet {
    /// Indexes compiled rules by kind and builds the literal pre-filter (unless `prefilter` is
    /// false: building its automaton costs ~1 M instructions even for a few rules, more than
    /// evaluating them all once).
    pub(crate) fn build(mut rules: Vec<Rule>, source_hash: u64, prefilter: bool) -> RuleSet {
        let shell_bit = 1u64 << (Kind::ShellExec as u64);
        for r in &mut rules {
            let shell_blocks =
                || r.when.iter().filter(|b| b.kinds.is_none_or(|m| m & shell_bit != 0));
            let gated = r.fallback.is_none()
                && shell_blocks().count() > 0
                && shell_blocks().all(|b| b.cmd.as_ref().is_some_and(|c| c.name.is_some()));
            r.gate = gated.then(|| {
                crate::compile::Names::union(
                    shell_blocks().filter_map(|b| b.cmd.as_ref().and_then(|c| c.name.as_ref())),
                )
            });
        }
        let mut by_kind = vec![Vec::new(); Kind::ALL.len()];
        let mut step_rules = Vec::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut ac_rules: Vec<Vec<usize>> = Vec::new();
        let mut has_literals = Vec::with_capacity(rules.len());
        for (i, r) in rules.iter().enumerate() {
            if r.step {
                step_rules.push(i);
            } else {
                for k in Kind::ALL {
                    if r.kinds & (1 << (*k as u64)) != 0 {
                        by_kind[*k as usize].push(i);
                    }
                }
            }
            // The kinds for which every applicable block has a literal set.
            let mut lit_kinds = 0u64;
            for k in Kind::ALL {
                let bit = 1u64 << (*k as u64);
                if r.kinds & bit != 0
                    && r.when
                        .iter()
                        .filter(|b| b.kinds.is_none_or(|m| m & bit != 0))
                        .all(|b| b.literals().is_some())
                {
                    lit_kinds |= bit;
                }
            }
            if !prefilter {
                has_literals.push(0);
                continue;
            }
            has_literals.push(lit_kinds);
            for l in r.when.iter().filter_map(Block::literals).flatten() {
                let l = l.to_ascii_lowercase();
                match patterns.iter().position(|p| *p == l) {
                    Some(j) => {
                        if let Some(v) = ac_rules.get_mut(j)
                            && !v.contains(&i)
                        {
                            v.push(i);
                        }
                    }
                    None => {
                        patterns.push(l);
                        ac_rules.push(vec![i]);
                    }
                }
            }
        }
        let ac = if patterns.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
                .build(&patterns)
                .ok()
        };
        let needs_segments = rules.iter().map(Rule::needs_segments).collect();
        let needs_paths = rules
            .iter()
            .map(|r| r.when.iter().chain(&r.except).any(|b| b.path.is_some()))
            .collect();
        RuleSet {
            rules,
            by_kind,
            step_rules,
            ac,
            ac_rules,
            has_literals,
            needs_segments,
            needs_paths,
            source_hash,
        }
    }

    /// A hash of the loaded rule sources and of which rules are enabled: when it changes,
    /// stored findings are stale and should be recomputed.
    pub fn hash(&self) -> u64 {
        let mut h = self.source_hash;
        for r in &self.rules {
            h = crate::load::fnv(h, r.id.as_bytes());
            h = crate::load::fnv(h, &[u8::from(r.enabled), r.severity as u8]);
        }
        h
    }

    /// Compiles every regex now (they are otherwise compiled on first use) and returns
    /// `(rule id, error)` for those that do not compile; for `tl rules check` and CI.
    pub fn check_regexes(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for r in &self.rules {
            for re in r.regexes() {
                if let Err(e) = re.check() {
                    out.push((r.id.clone(), e));
                }
            }
        }
        out
    }

    /// Disables a rule by id. Returns false when no rule has that id.
    pub fn disable(&mut self, id: &str) -> bool {
        self.set_enabled(id, false)
    }

    /// Enables a rule by id (rules can ship disabled). Returns false when no rule has that id.
    pub fn enable(&mut self, id: &str) -> bool {
        self.set_enabled(id, true)
    }

    fn set_enabled(&mut self, id: &str, on: bool) -> bool {
        match self.rules.iter_mut().find(|r| r.id == id) {
            Some(r) => {
                r.enabled = on;
                true
            }
            None => false,
        }
    }

    /// Every loaded rule, in load order.
    pub fn rules(&self) -> impl Iterator<Item = RuleInfo<'_>> {
        self.rules.iter().map(|r| RuleInfo {
            id: &r.id,
            description: &r.description,
            severity: r.severity,
            tags: &r.tags,
            enabled: r.enabled,
            source: (&r.file, r.line),
            tests: r
                .tests
                .iter()
                .map(|t| t.matches.len() + t.no_match.len() + usize::from(t.event.is_some()))
                .sum(),
        })
    }

    pub(crate) fn compiled(&self) -> &[Rule] {
        &self.rules
    }

    /// An evaluator that caches shell analyses between calls (use one per thread).
    pub fn evaluator(&self) -> Evaluator<'_> {
        Evaluator {
            set: self,
            cache: Vec::new(),
            next: 0,
            marks: Vec::new(),
            buf: String::new(),
            cands: Vec::new(),
            sctx: ShellContext::default(),
            paths: Vec::new(),
            next_path: 0,
        }
    }

    /// Evaluates one event against every enabled rule. Never fails, never panics.
    pub fn evaluate(&self, event: &Event, ctx: &Context) -> Vec<Finding> {
        let mut out = Vec::new();
        self.evaluator().run(event, ctx, None, &mut out);
        out
    }

    /// Evaluates the step-level rules (`long-running`) for a completed step.
    pub fn evaluate_step(&self, step: &Step<'_>) -> Vec<Finding> {
        let mut out = Vec::new();
        let ms = u64::try_from(step.duration.as_millis()).unwrap_or(u64::MAX);
        for &i in &self.step_rules {
            let Some(r) = self.rules.get(i) else { continue };
            if !r.enabled || r.kinds & (1 << (step.kind as u64)) == 0 {
                continue;
            }
            let hit = r.when.iter().filter(|b| b.duration_ms_over.is_some_and(|t| ms > t));
            let Some(sev) = hit.map(|b| b.severity.unwrap_or(r.severity)).max() else { continue };
            let e =
                Evidence { command: Some(clip(step.summary).to_owned()), ..Evidence::default() };
            out.push(Finding {
                rule: r.id.clone(),
                severity: sev,
                message: r.message.render(&r.id, None, Some(&e), Some(step.duration)),
                evidence: vec![e],
            });
        }
        out
    }
}

/// Evaluates events one after another, reusing buffers and the analyses of recent commands
/// (a shell call and its result carry the same command).
#[derive(Debug)]
pub struct Evaluator<'r> {
    set: &'r RuleSet,
    /// Recent analyses: (hash of command and cwd, command, cwd, analysis).
    cache: Vec<(u64, String, String, Analysis)>,
    next: usize,
    marks: Vec<u64>,
    buf: String,
    cands: Vec<usize>,
    /// Recently resolved file paths: (hash of path and cwd, path, cwd, absolute path, class).
    paths: Vec<(u64, String, String, String, Class)>,
    next_path: usize,
    /// The shell context of the last event that needed one (reused while cwd and context
    /// stay the same, which is nearly always within a session).
    sctx: ShellContext,
}

/// Bytes that can hide a literal from the pre-filter: expansions and brace expansion.
///
/// Globs (`*`, `?`, `[`) are not among them: the analysis does not expand them either, so a
/// rule cannot see through `/bin/r?` or `~/.ss*/` whatever the pre-filter does.
fn hides_literals(b: u8) -> bool {
    matches!(b, b'$' | b'`' | b'{')
}

/// The text the literal pre-filter searches for one event: a shell command with its quotes and
/// backslashes removed (`r''m` holds the literal `rm`), then the paths, URL, tool and MCP
/// names, each followed by a NUL so that no literal spans two of them. Returns true when the
/// command has expansions that could hide a literal from the words the analysis resolves
/// (`$'\x72m'`, `C=rm; $C`): rules that look at simple commands must then run regardless.
pub(crate) fn key_text(ev: &Event, buf: &mut String) -> bool {
    buf.clear();
    let mut hidden = false;
    if ev.kind == Kind::ShellExec
        && let Some(cmd) = ev.fields.command.as_deref()
    {
        hidden = cmd.bytes().any(hides_literals);
        if memchr::memchr3(b'\'', b'"', b'\\', cmd.as_bytes()).is_some() {
            let mut chars = cmd.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '\'' | '"' => {}
                    '\\' => {
                        if chars.peek() == Some(&'\n') {
                            chars.next();
                        }
                    }
                    c => buf.push(c),
                }
            }
        } else {
            buf.push_str(cmd);
        }
        buf.push('\0');
    }
    for t in ev.fields.paths.iter().map(String::as_str).chain(ev.fields.url.as_deref()) {
        buf.push_str(t);
        buf.push('\0');
    }
    if let Some(t) = ev.fields.tool_name.as_deref() {
        buf.push_str(t);
        buf.push('\0');
    }
    if let Some(m) = &ev.fields.mcp {
        for t in [&m.server, &m.tool] {
            buf.push_str(t);
            buf.push('\0');
        }
    }
    hidden
}

/// The working directory an event's command or paths are resolved in: the event's own, else
/// the context's, else the workspace root.
pub(crate) fn event_cwd<'a>(ev: &'a Event, ctx: &'a Context) -> &'a str {
    ev.fields.cwd.as_deref().or(ctx.cwd.as_deref()).or(ctx.workspace_root.as_deref()).unwrap_or("")
}

impl Evaluator<'_> {
    /// The ids of the rules the pre-filter lets through for an event, for debugging rules and
    /// measuring the pre-filter.
    #[doc(hidden)]
    pub fn candidates(&mut self, ev: &Event) -> Vec<String> {
        let set = self.set;
        for w in &mut self.marks {
            *w = 0;
        }
        let mut buf = std::mem::take(&mut self.buf);
        let hidden = key_text(ev, &mut buf);
        self.mark_text(&buf);
        self.buf = buf;
        let bit = 1u64 << (ev.kind as u64);
        set.by_kind
            .get(ev.kind as usize)
            .into_iter()
            .flatten()
            .filter(|&&i| {
                set.has_literals.get(i).is_none_or(|m| m & bit == 0)
                    || self.marked(i)
                    || (hidden && set.needs_segments.get(i).copied().unwrap_or(true))
            })
            .filter_map(|&i| set.rules.get(i).map(|r| r.id.clone()))
            .collect()
    }

    /// Hands the evaluator an analysis of `command` made in `sctx` (by [`crate::select`],
    /// which needed it to choose the rules), so that it is not parsed twice.
    pub(crate) fn prime(&mut self, command: &str, sctx: &ShellContext, analysis: Analysis) {
        let h = crate::load::fnv(
            crate::load::fnv(crate::load::FNV_SEED, command.as_bytes()),
            sctx.cwd.as_bytes(),
        );
        self.cache.push((h, command.to_owned(), sctx.cwd.clone(), analysis));
    }

    /// Evaluates one event; see [`RuleSet::evaluate`].
    pub fn evaluate(&mut self, event: &Event, ctx: &Context) -> Vec<Finding> {
        let mut out = Vec::new();
        self.run(event, ctx, None, &mut out);
        out
    }

    /// Evaluates one event, appending findings to `out` (no allocation when nothing matches
    /// and no command needs parsing).
    pub fn evaluate_into(&mut self, event: &Event, ctx: &Context, out: &mut Vec<Finding>) {
        self.run(event, ctx, None, out);
    }

    fn mark_text(&mut self, text: &str) {
        let Some(ac) = &self.set.ac else { return };
        for m in ac.find_overlapping_iter(text) {
            for &r in self.set.ac_rules.get(m.pattern().as_usize()).map_or(&[][..], Vec::as_slice) {
                let words = self.set.rules.len().div_ceil(64);
                if self.marks.len() < words {
                    self.marks.resize(words, 0);
                }
                if let Some(w) = self.marks.get_mut(r / 64) {
                    *w |= 1 << (r % 64);
                }
            }
        }
    }

    fn marked(&self, r: usize) -> bool {
        self.marks.get(r / 64).is_some_and(|w| w & (1 << (r % 64)) != 0)
    }

    /// The analysis of a command, from the cache or fresh.
    fn analysis(&mut self, command: &str, sctx: &ShellContext) -> usize {
        let h = crate::load::fnv(
            crate::load::fnv(crate::load::FNV_SEED, command.as_bytes()),
            sctx.cwd.as_bytes(),
        );
        if let Some(i) =
            self.cache.iter().position(|(hh, c, d, _)| *hh == h && c == command && *d == sctx.cwd)
        {
            return i;
        }
        let a = shell::analyze(command, sctx);
        let entry = (h, command.to_owned(), sctx.cwd.clone(), a);
        if self.cache.len() < CACHE {
            self.cache.push(entry);
            self.cache.len() - 1
        } else {
            let i = self.next % CACHE;
            self.next = self.next.wrapping_add(1);
            if let Some(slot) = self.cache.get_mut(i) {
                *slot = entry;
            }
            i
        }
    }

    /// A file path of an event resolved and classified, from the cache or fresh.
    fn resolve(&mut self, p: &str, sctx: &ShellContext) -> (String, Class) {
        let h = crate::load::fnv(
            crate::load::fnv(crate::load::FNV_SEED, p.as_bytes()),
            sctx.cwd.as_bytes(),
        );
        if let Some((.., abs, class)) =
            self.paths.iter().find(|(hh, pp, cwd, ..)| *hh == h && pp == p && *cwd == sctx.cwd)
        {
            return (abs.clone(), *class);
        }
        let abs = resolve_path(p, sctx);
        let class = to_class(shell::classify_path(&abs, sctx));
        let entry = (h, p.to_owned(), sctx.cwd.clone(), abs.clone(), class);
        if self.paths.len() < CACHE {
            self.paths.push(entry);
        } else {
            let i = self.next_path % CACHE;
            self.next_path = self.next_path.wrapping_add(1);
            if let Some(slot) = self.paths.get_mut(i) {
                *slot = entry;
            }
        }
        (abs, class)
    }

    /// Runs the candidate rules (or only rule `only`, enabled or not) over an event.
    pub(crate) fn run(
        &mut self,
        ev: &Event,
        ctx: &Context,
        only: Option<usize>,
        out: &mut Vec<Finding>,
    ) {
        let set = self.set;
        let kind_bit = 1u64 << (ev.kind as u64);
        let all: &[usize] = match &only {
            Some(i) => std::slice::from_ref(i),
            None => set.by_kind.get(ev.kind as usize).map_or(&[][..], Vec::as_slice),
        };
        if all.is_empty() {
            return;
        }
        // Literal pre-filter.
        for w in &mut self.marks {
            *w = 0;
        }
        let shell_cmd =
            if ev.kind == Kind::ShellExec { ev.fields.command.as_deref() } else { None };
        let mut buf = std::mem::take(&mut self.buf);
        let hidden = key_text(ev, &mut buf);
        self.mark_text(&buf);
        self.buf = buf;
        let mut cands = std::mem::take(&mut self.cands);
        cands.clear();
        let mut need_analysis = false;
        let mut need_paths = false;
        for &i in all {
            let Some(r) = set.rules.get(i) else { continue };
            if (only.is_none() && !r.enabled) || r.step || r.kinds & kind_bit == 0 {
                continue;
            }
            let lit = set.has_literals.get(i).is_some_and(|m| m & kind_bit != 0);
            // An expansion can hide a literal from the resolved words simple-command conditions
            // see, never from the raw text the other conditions read.
            let segments = set.needs_segments.get(i).copied().unwrap_or(true);
            if lit && !self.marked(i) && !(hidden && segments) {
                continue;
            }
            need_analysis |= set.needs_segments.get(i).copied().unwrap_or(false);
            need_paths |= set.needs_paths.get(i).copied().unwrap_or(false);
            cands.push(i);
        }
        if cands.is_empty() {
            self.cands = cands;
            return;
        }
        need_analysis &= shell_cmd.is_some();
        need_paths &= !ev.fields.paths.is_empty();
        // Text-only candidates (secret markers) need no context: skip building it.
        let empty = ShellContext::default();
        let mut owned = std::mem::take(&mut self.sctx);
        let sctx: &ShellContext = if !(need_analysis || need_paths) {
            &empty
        } else {
            let cwd = event_cwd(ev, ctx);
            let same = owned.cwd == cwd
                && owned.home == ctx.home
                && owned.workspace_root == ctx.workspace_root
                && owned.tmp_dirs == ctx.tmp_dirs;
            if !same {
                owned = ShellContext {
                    cwd: cwd.to_owned(),
                    home: ctx.home.clone(),
                    tmp_dirs: ctx.tmp_dirs.clone(),
                    workspace_root: ctx.workspace_root.clone(),
                };
            }
            &owned
        };
        let paths: Vec<(String, Class)> = if need_paths {
            ev.fields.paths.iter().map(|p| self.resolve(p, sctx)).collect()
        } else {
            Vec::new()
        };
        let analysis_idx = match shell_cmd {
            Some(cmd) if need_analysis => Some(self.analysis(cmd, sctx)),
            _ => None,
        };
        let analysis = analysis_idx.and_then(|i| self.cache.get(i)).map(|(_, _, _, a)| a);
        let bare = analysis
            .filter(|a| !a.assignments.is_empty())
            .map(|a| Segment { assignments: a.assignments.clone(), ..Segment::default() });
        let env = Env { ev, sctx, analysis, bare: bare.as_ref(), paths: &paths };
        for &i in &cands {
            if let Some(r) = set.rules.get(i)
                && let Some(f) = env.rule(r)
            {
                out.push(f);
            }
        }
        self.cands = cands;
        self.sctx = owned;
    }
}

fn resolve_path(p: &str, sctx: &ShellContext) -> String {
    let home = sctx.home.as_deref().unwrap_or("");
    if p == "~" {
        return shell::normalize(home);
    }
    if let Some(rest) = p.strip_prefix("~/") {
        return shell::normalize(&format!("{home}/{rest}"));
    }
    if p.starts_with('/') || sctx.cwd.is_empty() {
        shell::normalize(p)
    } else {
        shell::normalize(&format!("{}/{p}", sctx.cwd))
    }
}

fn to_class(c: TargetClass) -> Class {
    match c {
        TargetClass::Root => Class::Root,
        TargetClass::Home => Class::Home,
        TargetClass::System => Class::System,
        TargetClass::GlobAll => Class::GlobAll,
        TargetClass::Tmp => Class::Tmp,
        TargetClass::BuildDir => Class::BuildDir,
        TargetClass::Workspace => Class::Workspace,
        TargetClass::OutsideWorkspace => Class::OutsideWorkspace,
        TargetClass::Remote => Class::Remote,
        TargetClass::Dynamic => Class::Dynamic,
    }
}

/// The class of a target as rules see it: a wildcard over everything in a directory is
/// `glob_all` at the root, home or a system directory, and takes the directory's class
/// elsewhere (`rm -rf *` in the workspace is a workspace delete).
///
/// The workspace root itself is `workspace_root`: removing it removes the whole project.
pub(crate) fn target_class(t: &Target, sctx: &ShellContext) -> Class {
    if t.class == TargetClass::Workspace
        && let Some(p) = &t.path
        && sctx
            .workspace_root
            .as_deref()
            .or(Some(sctx.cwd.as_str()))
            .is_some_and(|w| !w.is_empty() && shell::normalize(w) == *p)
    {
        return Class::WorkspaceRoot;
    }
    if t.class != TargetClass::GlobAll {
        return to_class(t.class);
    }
    let Some(path) = &t.path else { return Class::GlobAll };
    let dir = match path.find(['*', '?', '[']) {
        Some(i) => path.get(..i).and_then(|p| p.rfind('/').map(|j| p.get(..j).unwrap_or(""))),
        None => path.rfind('/').map(|j| path.get(..j).unwrap_or("")),
    };
    let dir = match dir {
        Some("") | None => "/",
        Some(d) => d,
    };
    match shell::classify_path(dir, sctx) {
        TargetClass::Root | TargetClass::Home | TargetClass::System => Class::GlobAll,
        other => to_class(other),
    }
}

/// What one event offers the matchers.
struct Env<'a> {
    ev: &'a Event,
    sctx: &'a ShellContext,
    analysis: Option<&'a Analysis>,
    bare: Option<&'a Segment>,
    paths: &'a [(String, Class)],
}

/// A matched target: shown text and class.
type Hit = Option<(String, Option<Class>)>;

impl Env<'_> {
    fn home(&self) -> Option<&str> {
        self.sctx.home.as_deref()
    }

    fn segments(&self) -> impl Iterator<Item = (Option<usize>, &Segment)> {
        let segs = self.analysis.map_or(&[][..], |a| a.segments.as_slice());
        segs.iter().enumerate().map(|(i, s)| (Some(i), s)).chain(self.bare.map(|b| (None, b)))
    }

    fn rule(&self, r: &Rule) -> Option<Finding> {
        let is_shell = self.ev.kind == Kind::ShellExec;
        if is_shell
            && let Some(gate) = &r.gate
            && !self.analysis.is_some_and(|a| a.segments.iter().any(|s| gate.matches(&s.name)))
        {
            return None;
        }
        let mut sev: Option<Severity> = None;
        let mut evidence: Vec<Evidence> = Vec::new();
        for b in &r.when {
            if !self.event_ok(b) {
                continue;
            }
            let bsev = b.severity.unwrap_or(r.severity);
            if b.per_segment() && is_shell {
                for (i, seg) in self.segments() {
                    let Some(hit) = self.on_segment(b, seg) else { continue };
                    if r.except.iter().any(|x| {
                        self.event_ok(x) && x.per_segment() && self.on_segment(x, seg).is_some()
                    }) {
                        continue;
                    }
                    sev = sev.max(Some(bsev));
                    let command = if seg.name.is_empty() {
                        let a: Vec<String> = seg
                            .assignments
                            .iter()
                            .map(|(n, v)| format!("{n}={}", v.text))
                            .collect();
                        a.join(" ")
                    } else {
                        seg.line()
                    };
                    push_evidence(
                        &mut evidence,
                        Evidence {
                            segment: i,
                            command: Some(clip(&command).to_owned()),
                            target: hit.as_ref().map(|(t, _)| t.clone()),
                            class: hit.and_then(|(_, c)| c).map(|c| c.as_str().to_owned()),
                        },
                    );
                }
            } else if b.per_segment() {
                if b.cmd.is_some() {
                    continue;
                }
                let Some(hit) = self.on_event(b) else { continue };
                if r.except.iter().any(|x| {
                    self.event_ok(x) && !x.per_segment()
                        || self.event_ok(x) && x.cmd.is_none() && self.on_event(x).is_some()
                }) {
                    continue;
                }
                sev = sev.max(Some(bsev));
                push_evidence(
                    &mut evidence,
                    Evidence {
                        target: hit.as_ref().map(|(t, _)| t.clone()),
                        class: hit.and_then(|(_, c)| c).map(|c| c.as_str().to_owned()),
                        ..Evidence::default()
                    },
                );
            } else {
                if r.except.iter().any(|x| !x.per_segment() && self.event_ok(x)) {
                    continue;
                }
                sev = sev.max(Some(bsev));
                push_evidence(
                    &mut evidence,
                    Evidence {
                        command: is_shell
                            .then(|| self.ev.fields.command.as_deref().map(|c| clip(c).to_owned()))
                            .flatten(),
                        ..Evidence::default()
                    },
                );
            }
        }
        if sev.is_none()
            && is_shell
            && let (Some(re), Some(cmd)) = (&r.fallback, self.ev.fields.command.as_deref())
            && self.analysis.is_none_or(|a| a.unparsed)
            && re.is_match(cmd)
        {
            sev = Some(r.severity);
            evidence.push(Evidence { command: Some(clip(cmd).to_owned()), ..Evidence::default() });
        }
        let severity = sev?;
        let message = r.message.render(&r.id, Some(self.ev), evidence.first(), None);
        Some(Finding { rule: r.id.clone(), severity, message, evidence })
    }

    /// The event-level conditions of a block: phase, tool, MCP names, text.
    fn event_ok(&self, b: &Block) -> bool {
        let f = &self.ev.fields;
        if b.duration_ms_over.is_some()
            || b.kinds.is_some_and(|k| k & (1 << (self.ev.kind as u64)) == 0)
        {
            return false;
        }
        if let Some(p) = &b.phase
            && !p.contains(&self.ev.phase)
        {
            return false;
        }
        if let Some(t) = &b.tool
            && !f.tool_name.as_deref().is_some_and(|n| t.matches(n))
        {
            return false;
        }
        if let Some(s) = &b.mcp_server
            && !f.mcp.as_ref().is_some_and(|m| s.matches(&m.server))
        {
            return false;
        }
        if let Some(s) = &b.mcp_tool
            && !f.mcp.as_ref().is_some_and(|m| s.matches(&m.tool))
        {
            return false;
        }
        if let Some(t) = &b.text {
            let bits = t.fields.0;
            let ev = self.ev;
            let singles = [
                (TextFields::COMMAND, f.command.as_deref()),
                (TextFields::TEXT, f.text.as_deref()),
                (TextFields::OUTPUT, f.output.as_deref()),
                (TextFields::STDERR, f.stderr.as_deref()),
                (TextFields::ERROR, f.error.as_deref()),
                (TextFields::URL, f.url.as_deref()),
                (TextFields::QUERY, f.query.as_deref()),
                (TextFields::RAW, Some(ev.raw.as_str())),
                (TextFields::SUMMARY, Some(ev.summary.as_str())),
            ];
            let hit = singles
                .iter()
                .filter(|(bit, _)| bits & bit != 0)
                .filter_map(|(_, v)| *v)
                .any(|v| t.matches(v))
                || (bits & TextFields::PATHS != 0 && f.paths.iter().any(|p| t.matches(p)));
            if !hit {
                return false;
            }
        }
        true
    }

    /// Path and URL conditions of a block on a non-shell event.
    fn on_event(&self, b: &Block) -> Option<Hit> {
        let mut hit: Hit = None;
        if let Some(p) = &b.path {
            let (path, class) = self.paths.iter().find(|(p2, c)| p.matches(p2, *c, self.home()))?;
            hit = Some((path.clone(), Some(*class)));
        }
        if let Some(u) = &b.url {
            let url = self.ev.fields.url.as_deref().filter(|url| u.matches(url))?;
            hit = hit.or_else(|| Some((url.to_owned(), None)));
        }
        Some(hit)
    }

    /// The segment-level conditions of a block on one simple command.
    fn on_segment(&self, b: &Block, seg: &Segment) -> Option<Hit> {
        let mut hit: Hit = None;
        if let Some(c) = &b.cmd {
            hit = self.cmd(c, seg)?;
        }
        if let Some(p) = &b.path {
            let found = self.seg_target(p, seg).or_else(|| self.seg_redirect(p, None, seg))?;
            hit = Some(found);
        }
        if let Some(u) = &b.url {
            let url = seg_urls(seg).find(|url| u.matches(url))?;
            hit = hit.or_else(|| Some((url.to_owned(), None)));
        }
        Some(hit)
    }

    fn seg_target(&self, p: &PathM, seg: &Segment) -> Option<(String, Option<Class>)> {
        seg.targets.iter().find_map(|t| {
            let class = target_class(t, self.sctx);
            let text = t.path.as_deref().unwrap_or(&t.text);
            p.matches(text, class, self.home()).then(|| (text.to_owned(), Some(class)))
        })
    }

    fn seg_redirect(
        &self,
        p: &PathM,
        modes: Option<&[RedirectMode]>,
        seg: &Segment,
    ) -> Option<(String, Option<Class>)> {
        seg.redirects.iter().find_map(|r| {
            let fd_dup = r.mode == RedirectMode::Duplicate
                && (r.target.text == "-" || r.target.text.bytes().all(|b| b.is_ascii_digit()));
            if fd_dup || modes.is_some_and(|m| !m.contains(&r.mode)) {
                return None;
            }
            let text = &r.target.text;
            let abs = if text.starts_with('/') {
                shell::normalize(text)
            } else {
                match &seg.cwd {
                    Some(cwd) => shell::normalize(&format!("{cwd}/{text}")),
                    None => text.clone(),
                }
            };
            let class = to_class(r.class);
            p.matches(&abs, class, self.home()).then_some((abs, Some(class)))
        })
    }

    fn cmd(&self, c: &CmdM, seg: &Segment) -> Option<Hit> {
        if let Some(n) = &c.name
            && !n.matches(&seg.name)
        {
            return None;
        }
        if let Some(subs) = &c.sub
            && !subs.iter().any(|s| {
                seg.subcommand.len() >= s.len() && seg.subcommand.iter().zip(s).all(|(a, b)| a == b)
            })
        {
            return None;
        }
        if !c.flags_all.iter().all(|f| seg.has_flag(f))
            || (!c.flags_any.is_empty() && !c.flags_any.iter().any(|f| seg.has_flag(f)))
            || c.flags_none.iter().any(|f| seg.has_flag(f))
        {
            return None;
        }
        if !c.opt.is_empty()
            && !c.opt.iter().any(|(name, re)| {
                seg.flags.iter().any(|f| {
                    (f.name == *name || f.spelled == *name)
                        && f.value.as_deref().is_some_and(|v| re.is_match(v))
                })
            })
        {
            return None;
        }
        if let Some(re) = &c.arg
            && !seg.operands.iter().any(|w| re.is_match(&w.text))
        {
            return None;
        }
        if let Some(re) = &c.arg_none
            && seg.operands.iter().any(|w| re.is_match(&w.text))
        {
            return None;
        }
        if c.nargs_max.is_some_and(|n| seg.operands.len() > n)
            || c.nargs_min.is_some_and(|n| seg.operands.len() < n)
        {
            return None;
        }
        if let Some(v) = &c.via
            && !v.any(seg.via.iter().map(String::as_str))
        {
            return None;
        }
        if let Some(u) = &c.upstream
            && !u.any(seg.pipeline.upstream.iter().map(String::as_str))
        {
            return None;
        }
        if let Some(n) = &c.next
            && !seg.pipeline.next.as_deref().is_some_and(|x| n.matches(x))
        {
            return None;
        }
        if let Some(p) = &c.procsubst
            && !p.any(seg.procsubst_cmds.iter().map(String::as_str))
        {
            return None;
        }
        if let Some(p) = &c.cmdsubst
            && !p.any(seg.cmdsubst_cmds.iter().map(String::as_str))
        {
            return None;
        }
        if c.executes_stdin.is_some_and(|e| seg.executes_stdin() != e)
            || c.remote.is_some_and(|r| seg.remote != r)
        {
            return None;
        }
        if let Some((langs, re)) = &c.script {
            let (lang, code) = seg.inline_script.as_ref()?;
            if langs.as_ref().is_some_and(|l| !l.contains(lang)) || !re.is_match(code) {
                return None;
            }
        }
        if let Some((name, value)) = &c.assign {
            let env_args = (seg.name == "export" || seg.name == "declare")
                .then(|| seg.operands.iter().filter_map(|w| w.text.split_once('=')))
                .into_iter()
                .flatten();
            let pairs =
                seg.assignments.iter().map(|(n, v)| (n.as_str(), v.text.as_str())).chain(env_args);
            let mut pairs = pairs;
            if !pairs.any(|(n, v)| name.is_match(n) && value.as_ref().is_none_or(|r| r.is_match(v)))
            {
                return None;
            }
        }
        if c.line.is_some() || c.line_not.is_some() {
            let line = seg.line();
            if c.line.as_ref().is_some_and(|re| !re.is_match(&line))
                || c.line_not.as_ref().is_some_and(|re| re.is_match(&line))
            {
                return None;
            }
        }
        if let Some(want) = c.runs_downloaded
            && self.runs_downloaded(seg) != want
        {
            return None;
        }
        let mut hit: Hit = None;
        if let Some(p) = &c.target {
            hit = Some(self.seg_target(p, seg)?);
        }
        if let Some(p) = &c.dest {
            let t = seg.targets.last()?;
            let class = target_class(t, self.sctx);
            let text = t.path.as_deref().unwrap_or(&t.text);
            if !p.matches(text, class, self.home()) {
                return None;
            }
            hit = Some((text.to_owned(), Some(class)));
        }
        if let Some(p) = &c.exe {
            let (abs, class) = self.exe(seg)?;
            if !p.matches(&abs, class, self.home()) {
                return None;
            }
            hit = hit.or(Some((abs, Some(class))));
        }
        if let Some(r) = &c.redirect {
            let found = self.seg_redirect(&r.path, r.modes.as_deref(), seg)?;
            hit = hit.or(Some(found));
        }
        Some(hit)
    }
}

impl Env<'_> {
    /// The program a segment runs, when its command word is a path (`/tmp/x`, `./run.sh`).
    fn exe(&self, seg: &Segment) -> Option<(String, Class)> {
        let w = seg.argv.first().filter(|w| !w.dynamic && w.text.contains('/'))?;
        let abs = if w.text.starts_with('/') {
            shell::normalize(&w.text)
        } else {
            shell::normalize(&format!("{}/{}", seg.cwd.as_deref()?, w.text))
        };
        let class = to_class(shell::classify_path(&abs, self.sctx));
        Some((abs, class))
    }

    /// True when a segment runs, sources or makes executable a file that a downloader wrote
    /// earlier in the same command line (`curl -o x.sh … && bash x.sh`).
    fn runs_downloaded(&self, seg: &Segment) -> bool {
        let Some(a) = self.analysis else { return false };
        let mut written: Vec<String> = Vec::new();
        for s in &a.segments {
            if std::ptr::eq(s, seg) {
                break;
            }
            if !matches!(s.name.as_str(), "curl" | "wget" | "aria2c" | "http" | "https" | "xh") {
                continue;
            }
            for t in s.targets.iter().filter_map(|t| t.path.clone()) {
                written.push(t);
            }
            for r in s
                .redirects
                .iter()
                .filter(|r| matches!(r.mode, RedirectMode::Truncate | RedirectMode::Append))
            {
                if let Some(p) = join(s.cwd.as_deref(), &r.target.text) {
                    written.push(p);
                }
            }
        }
        if written.is_empty() {
            return false;
        }
        let runs = |p: &str| written.iter().any(|w| w == p);
        if let Some((abs, _)) = self.exe(seg)
            && runs(&abs)
        {
            return true;
        }
        let interp = crate::shell::SHELLS.contains(&seg.name.as_str())
            || matches!(seg.name.as_str(), "python" | "python3" | "perl" | "ruby" | "node" | "php");
        if interp {
            return seg
                .operands
                .first()
                .and_then(|w| join(seg.cwd.as_deref(), &w.text))
                .is_some_and(|p| runs(&p));
        }
        matches!(seg.name.as_str(), "source" | "." | "chmod")
            && seg.targets.iter().filter_map(|t| t.path.as_deref()).any(runs)
    }
}

/// `text` resolved against `cwd` and normalised; `None` when relative and the cwd is unknown.
fn join(cwd: Option<&str>, text: &str) -> Option<String> {
    if text.starts_with('/') {
        Some(shell::normalize(text))
    } else {
        cwd.map(|c| shell::normalize(&format!("{c}/{text}")))
    }
}

fn push_evidence(list: &mut Vec<Evidence>, e: Evidence) {
    if list.len() < MAX_EVIDENCE && !list.contains(&e) {
        list.push(e);
    }
}

/// Commands whose arguments are data, never fetched: a URL in `echo https://…` is text.
const DATA_COMMANDS: &[&str] = &[
    "echo", "printf", "grep", "egrep", "fgrep", "rg", "ag", "ack", "sed", "awk", "jq", "yq", "cut",
    "tr", "test", "[", "[[", ":", "true", "false", "export", "declare", "local", "set", "read",
    "wc", "sort", "uniq", "head", "tail", "less", "more", "cat", "printenv", "man", "help", "type",
    "which", "command",
];

/// Options whose values are prose (`git commit -m "…"`), not addresses.
const PROSE_OPTIONS: &[&str] =
    &["message", "m", "title", "body", "description", "comment", "notes", "t"];

/// Words of a segment that name URLs: anything with `://` (except in data commands and
/// prose options), and every operand of the downloaders (which accept bare `host/path`).
fn seg_urls(seg: &Segment) -> impl Iterator<Item = &str> {
    let data = DATA_COMMANDS.contains(&seg.name.as_str());
    let downloader = matches!(
        seg.name.as_str(),
        "curl" | "wget" | "http" | "https" | "xh" | "aria2c" | "nc" | "ncat"
    );
    let ops = seg
        .operands
        .iter()
        .map(|w| w.text.as_str())
        .filter(move |t| !data && (downloader || t.contains("://")));
    let flags = seg
        .flags
        .iter()
        .filter(move |f| !data && !PROSE_OPTIONS.contains(&f.name.as_str()))
        .filter_map(|f| f.value.as_deref())
        .filter(|v| v.contains("://"));
    ops.chain(flags).filter(|u| !url_host(u).is_empty())
}

/// Phase names are parsed by `event`; re-exported here for test events.
pub(crate) fn parse_phase(s: &str) -> Option<Phase> {
    s.parse().ok()
}
