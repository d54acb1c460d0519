//! The AST walker: visits every simple command reachable in a parsed program, threads
//! variables and the working directory through sequential commands, and records pipeline
//! positions.

use std::collections::HashMap;

use brush_parser::ast::{
    AndOr, AndOrList, Assignment, AssignmentName, AssignmentValue, Command,
    CommandPrefixOrSuffixItem, CompoundCommand, CompoundList, ExtendedTestExpr, IoFileRedirectKind,
    IoFileRedirectTarget, IoRedirect, Pipeline, ProcessSubstitutionKind, SimpleCommand,
    SubshellCommand,
};

use super::parse::{self, parse_program, rough_split};
use super::path::{classify, normalize};
use super::words::{Env, Resolver, Val};
use super::{Analysis, Redirect, RedirectMode, Segment, ShellContext, TargetClass, Word, limits};

/// Where the walker is: embedding depth, wrappers passed so far, remote or not.
#[derive(Clone, Debug, Default)]
pub(crate) struct Frame {
    pub depth: usize,
    pub via: Vec<String>,
    pub remote: bool,
}

impl Frame {
    /// The frame for commands embedded one level further through `how`.
    pub fn nested(&self, how: &str) -> Frame {
        let mut via = self.via.clone();
        via.push(how.to_owned());
        Frame { depth: self.depth + 1, via, remote: self.remote }
    }
}

/// Everything about a simple command besides its words.
#[derive(Clone, Debug, Default)]
pub(crate) struct Proto {
    pub assignments: Vec<(String, Word)>,
    pub redirects: Vec<Redirect>,
    pub heredoc: Option<String>,
    pub cmdsubst_cmds: Vec<String>,
    pub procsubst_cmds: Vec<String>,
    pub unparsed: bool,
}

/// The walker's output and context.
pub(crate) struct Walker<'c> {
    pub ctx: &'c ShellContext,
    pub out: Analysis,
    /// Whether plain commands may skip the parser.
    pub fast_path: bool,
    /// Expanded bytes still allowed (see [`limits::EXPANSION_BUDGET`]).
    pub budget: std::cell::Cell<usize>,
}

/// Entry point behind [`super::analyze`].
pub(crate) fn analyze(command: &str, ctx: &ShellContext, fast_path: bool) -> Analysis {
    let budget = std::cell::Cell::new(limits::EXPANSION_BUDGET);
    let mut walker = Walker { ctx, out: Analysis::default(), fast_path, budget };
    let cwd = ctx.cwd.starts_with('/').then(|| normalize(&ctx.cwd));
    let mut env = Env { vars: HashMap::new(), cwd, remote: false };
    walker.analyze_str(command, &mut env, &Frame::default());
    walker.out
}

impl Walker<'_> {
    /// Records a problem: the analysis becomes `unparsed` and keeps the first message.
    pub fn fail(&mut self, msg: impl Into<String>) {
        self.out.unparsed = true;
        if self.out.parse_error.is_none() {
            self.out.parse_error = Some(msg.into());
        }
    }

    /// Adds a segment, unless the output is full.
    pub fn push(&mut self, seg: Segment) {
        if self.out.segments.len() >= limits::MAX_SEGMENTS {
            self.fail("too many commands");
            return;
        }
        self.out.segments.push(seg);
    }

    /// Analyses shell source text at the given frame.
    pub fn analyze_str(&mut self, src: &str, env: &mut Env, frame: &Frame) {
        if frame.depth > limits::MAX_DEPTH {
            self.fail("embedding depth limit reached");
            self.rough(src, env, frame);
            return;
        }
        if self.fast_path && parse::is_plain(src) {
            let words: Vec<Word> = src.split_ascii_whitespace().map(Word::lit).collect();
            self.emit(words, Proto::default(), env, frame);
            return;
        }
        match parse_program(src) {
            Ok(program) => {
                for list in &program.complete_commands {
                    self.list(list, env, frame);
                }
            }
            Err(e) => {
                self.fail(e);
                self.rough(src, env, frame);
            }
        }
    }

    /// The fallback: every roughly split command becomes an `unparsed` segment.
    fn rough(&mut self, src: &str, env: &mut Env, frame: &Frame) {
        for cmd in rough_split(src) {
            let words = cmd
                .into_iter()
                .map(|w| {
                    let dynamic = w.contains('$') || w.contains('`');
                    let glob = w.chars().any(super::path::is_glob_char);
                    Word { text: w, dynamic, glob }
                })
                .collect();
            let proto = Proto { unparsed: true, ..Proto::default() };
            // Embedded scripts are still followed, one level further down.
            self.emit(words, proto, env, frame);
        }
    }

    fn list(&mut self, list: &CompoundList, env: &mut Env, frame: &Frame) {
        for item in &list.0 {
            self.and_or(&item.0, env, frame);
        }
    }

    fn and_or(&mut self, list: &AndOrList, env: &mut Env, frame: &Frame) {
        self.pipeline(&list.first, env, frame);
        for next in &list.additional {
            match next {
                AndOr::And(p) | AndOr::Or(p) => self.pipeline(p, env, frame),
            }
        }
    }

    fn pipeline(&mut self, p: &Pipeline, env: &mut Env, frame: &Frame) {
        if p.seq.len() == 1 {
            if let Some(cmd) = p.seq.first() {
                self.command(cmd, env, frame);
            }
            return;
        }
        let mut ranges = Vec::with_capacity(p.seq.len());
        for cmd in &p.seq {
            let start = self.out.segments.len();
            // Every stage runs in its own subshell.
            let mut stage_env = env.clone();
            self.command(cmd, &mut stage_env, frame);
            ranges.push(start..self.out.segments.len());
        }
        let top_names = |segs: &[Segment], r: &std::ops::Range<usize>| -> Vec<String> {
            segs.get(r.clone())
                .unwrap_or(&[])
                .iter()
                .filter(|s| s.depth == frame.depth)
                .map(|s| s.name.clone())
                .collect()
        };
        let len = ranges.len();
        for (i, range) in ranges.iter().enumerate() {
            let mut upstream: Vec<String> = Vec::new();
            for r in &ranges[..i] {
                for s in self.out.segments.get(r.clone()).unwrap_or(&[]) {
                    if !upstream.contains(&s.name) {
                        upstream.push(s.name.clone());
                    }
                }
            }
            let prev = i
                .checked_sub(1)
                .and_then(|j| ranges.get(j))
                .and_then(|r| top_names(&self.out.segments, r).pop());
            let next =
                ranges.get(i + 1).and_then(|r| top_names(&self.out.segments, r).into_iter().next());
            for seg in self.out.segments.get_mut(range.clone()).unwrap_or(&mut []) {
                if seg.depth == frame.depth && seg.pipeline.len <= 1 {
                    seg.pipeline.index = i;
                    seg.pipeline.len = len;
                    seg.pipeline.prev.clone_from(&prev);
                    seg.pipeline.next.clone_from(&next);
                    seg.pipeline.upstream.clone_from(&upstream);
                }
            }
        }
    }

    fn command(&mut self, cmd: &Command, env: &mut Env, frame: &Frame) {
        match cmd {
            Command::Simple(sc) => self.simple(sc, env, frame),
            Command::Compound(cc, redirects) => {
                self.compound(cc, env, frame);
                if let Some(list) = redirects {
                    let mut proto = Proto::default();
                    for r in &list.0 {
                        self.redirect(r, &mut proto, env, frame);
                    }
                }
            }
            Command::Function(def) => {
                // The body may run whenever the function is called: walk it, in isolation.
                let mut body_env = env.clone();
                self.compound(&def.body.0, &mut body_env, frame);
            }
            Command::ExtendedTest(test, _) => self.extended_test(&test.expr, env, frame),
        }
    }

    fn extended_test(&mut self, expr: &ExtendedTestExpr, env: &mut Env, frame: &Frame) {
        match expr {
            ExtendedTestExpr::And(a, b) | ExtendedTestExpr::Or(a, b) => {
                self.extended_test(a, env, frame);
                self.extended_test(b, env, frame);
            }
            ExtendedTestExpr::Not(a) | ExtendedTestExpr::Parenthesized(a) => {
                self.extended_test(a, env, frame);
            }
            ExtendedTestExpr::UnaryTest(_, w) => {
                self.scan_word(&w.value, env, frame);
            }
            ExtendedTestExpr::BinaryTest(_, a, b) => {
                self.scan_word(&a.value, env, frame);
                self.scan_word(&b.value, env, frame);
            }
        }
    }

    /// Resolves a word only for the commands its substitutions run.
    fn scan_word(&mut self, raw: &str, env: &Env, frame: &Frame) -> Vec<Word> {
        let mut r = Resolver::new(self.ctx, env, &self.budget);
        let words = r.fields(raw);
        let subs = r.substitutions;
        self.substitutions(&subs, env, frame);
        words
    }

    /// Runs command substitutions found in words; returns the names of the commands.
    pub fn substitutions(&mut self, subs: &[String], env: &Env, frame: &Frame) -> Vec<String> {
        let mut names = Vec::new();
        for src in subs {
            let start = self.out.segments.len();
            let mut sub_env = env.clone();
            self.analyze_str(src, &mut sub_env, &frame.nested("$()"));
            for s in self.out.segments.get(start..).unwrap_or(&[]) {
                if !names.contains(&s.name) {
                    names.push(s.name.clone());
                }
            }
        }
        names
    }

    fn compound(&mut self, cc: &CompoundCommand, env: &mut Env, frame: &Frame) {
        match cc {
            CompoundCommand::BraceGroup(b) => self.list(&b.list, env, frame),
            CompoundCommand::Subshell(s) => {
                let mut sub_env = env.clone();
                self.list(&s.list, &mut sub_env, frame);
            }
            CompoundCommand::ForClause(f) => {
                let mut values: Vec<Word> = Vec::new();
                let mut known = f.values.is_some();
                for w in f.values.iter().flatten() {
                    values.extend(self.scan_word(&w.value, env, frame));
                }
                known &= values
                    .iter()
                    .all(|w| !w.dynamic && !w.glob && w.text.len() <= limits::MAX_VALUE)
                    && values.len() <= limits::MAX_FIELDS;
                let val = if known && !values.is_empty() {
                    Val::Known(values.into_iter().map(|w| w.text).collect())
                } else {
                    Val::Unknown
                };
                env.vars.insert(f.variable_name.clone(), val);
                self.list(&f.body.list, env, frame);
            }
            CompoundCommand::ArithmeticForClause(a) => {
                for e in [&a.initializer, &a.condition, &a.updater].into_iter().flatten() {
                    self.scan_text(&e.value, env, frame);
                }
                self.list(&a.body.list, env, frame);
            }
            CompoundCommand::CaseClause(c) => {
                self.scan_word(&c.value.value, env, frame);
                for item in &c.cases {
                    for p in &item.patterns {
                        self.scan_word(&p.value, env, frame);
                    }
                    if let Some(list) = &item.cmd {
                        self.list(list, env, frame);
                    }
                }
            }
            CompoundCommand::IfClause(i) => {
                self.list(&i.condition, env, frame);
                self.list(&i.then, env, frame);
                for e in i.elses.iter().flatten() {
                    if let Some(cond) = &e.condition {
                        self.list(cond, env, frame);
                    }
                    self.list(&e.body, env, frame);
                }
            }
            CompoundCommand::WhileClause(w) | CompoundCommand::UntilClause(w) => {
                self.list(&w.0, env, frame);
                self.list(&w.1.list, env, frame);
            }
            CompoundCommand::Arithmetic(a) => {
                self.scan_text(&a.expr.value, env, frame);
            }
            CompoundCommand::Coprocess(c) => self.command(&c.body, env, frame),
        }
    }

    /// Runs the command substitutions inside free text (arithmetic, here-documents).
    fn scan_text(&mut self, text: &str, env: &Env, frame: &Frame) -> Vec<String> {
        let mut r = Resolver::new(self.ctx, env, &self.budget);
        r.scan_expansions(text);
        let subs = r.substitutions;
        self.substitutions(&subs, env, frame)
    }

    fn process_substitution(
        &mut self,
        kind: &ProcessSubstitutionKind,
        sub: &SubshellCommand,
        env: &Env,
        frame: &Frame,
    ) -> Vec<String> {
        let how = match kind {
            ProcessSubstitutionKind::Read => "<()",
            ProcessSubstitutionKind::Write => ">()",
        };
        let start = self.out.segments.len();
        let mut sub_env = env.clone();
        self.list(&sub.list, &mut sub_env, &frame.nested(how));
        let mut names: Vec<String> = Vec::new();
        for s in self.out.segments.get(start..).unwrap_or(&[]) {
            if !names.contains(&s.name) {
                names.push(s.name.clone());
            }
        }
        names
    }

    fn redirect(&mut self, r: &IoRedirect, proto: &mut Proto, env: &Env, frame: &Frame) {
        match r {
            IoRedirect::File(fd, kind, target) => {
                let mode = match kind {
                    IoFileRedirectKind::Read => RedirectMode::Read,
                    IoFileRedirectKind::Write | IoFileRedirectKind::Clobber => {
                        RedirectMode::Truncate
                    }
                    IoFileRedirectKind::Append => RedirectMode::Append,
                    IoFileRedirectKind::ReadAndWrite => RedirectMode::ReadWrite,
                    IoFileRedirectKind::DuplicateInput | IoFileRedirectKind::DuplicateOutput => {
                        RedirectMode::Duplicate
                    }
                };
                match target {
                    IoFileRedirectTarget::Filename(w) => {
                        let word = self.single(&w.value, proto, env, frame);
                        let class = if mode == RedirectMode::Duplicate {
                            TargetClass::Dynamic
                        } else {
                            classify(&word, env.cwd.as_deref(), self.ctx).class
                        };
                        proto.redirects.push(Redirect { fd: *fd, mode, target: word, class });
                    }
                    IoFileRedirectTarget::Fd(n) => proto.redirects.push(Redirect {
                        fd: *fd,
                        mode: RedirectMode::Duplicate,
                        target: Word::lit(n.to_string()),
                        class: TargetClass::Dynamic,
                    }),
                    IoFileRedirectTarget::Duplicate(w) => {
                        let word = self.single(&w.value, proto, env, frame);
                        proto.redirects.push(Redirect {
                            fd: *fd,
                            mode: RedirectMode::Duplicate,
                            target: word,
                            class: TargetClass::Dynamic,
                        });
                    }
                    IoFileRedirectTarget::ProcessSubstitution(kind, sub) => {
                        let names = self.process_substitution(kind, sub, env, frame);
                        proto.procsubst_cmds.extend(names);
                    }
                }
            }
            IoRedirect::HereDocument(_, doc) => {
                if doc.requires_expansion {
                    let names = self.scan_text(&doc.doc.value, env, frame);
                    proto.cmdsubst_cmds.extend(names);
                }
                proto.heredoc = Some(doc.doc.value.clone());
            }
            IoRedirect::HereString(_, w) => {
                let word = self.single(&w.value, proto, env, frame);
                proto.heredoc = Some(word.text);
            }
            IoRedirect::OutputAndError(w, append) => {
                let word = self.single(&w.value, proto, env, frame);
                let class = classify(&word, env.cwd.as_deref(), self.ctx).class;
                let mode = if *append { RedirectMode::Append } else { RedirectMode::Truncate };
                proto.redirects.push(Redirect { fd: None, mode, target: word, class });
            }
        }
    }

    /// Resolves a single-word context, running its substitutions into `proto`.
    fn single(&mut self, raw: &str, proto: &mut Proto, env: &Env, frame: &Frame) -> Word {
        let mut r = Resolver::new(self.ctx, env, &self.budget);
        let word = r.single(raw);
        let subs = r.substitutions;
        let names = self.substitutions(&subs, env, frame);
        proto.cmdsubst_cmds.extend(names);
        word
    }

    fn assignment(
        &mut self,
        a: &Assignment,
        proto: &mut Proto,
        env: &Env,
        frame: &Frame,
    ) -> (String, Word) {
        let name = match &a.name {
            AssignmentName::VariableName(n) | AssignmentName::ArrayElementName(n, _) => n.clone(),
        };
        let value = match &a.value {
            AssignmentValue::Scalar(w) => self.single(&w.value, proto, env, frame),
            AssignmentValue::Array(items) => {
                let mut out = Word::default();
                for (i, (_, w)) in items.iter().enumerate() {
                    let v = self.single(&w.value, proto, env, frame);
                    if i > 0 {
                        out.text.push(' ');
                    }
                    out.text.push_str(&v.text);
                    out.dynamic |= v.dynamic;
                }
                out
            }
        };
        (name, value)
    }

    fn simple(&mut self, sc: &SimpleCommand, env: &mut Env, frame: &Frame) {
        let mut proto = Proto::default();
        let mut words: Vec<Word> = Vec::new();
        let prefix = sc.prefix.iter().flat_map(|p| p.0.iter());
        let name = sc.word_or_name.iter().map(|w| CommandPrefixOrSuffixItem::Word(w.clone()));
        let suffix = sc.suffix.iter().flat_map(|s| s.0.iter());
        let mut is_prefix = true;
        let items: Vec<(bool, CommandPrefixOrSuffixItem)> = prefix
            .cloned()
            .map(|i| (true, i))
            .chain(name.map(|i| (false, i)))
            .chain(suffix.cloned().map(|i| (false, i)))
            .collect();
        for (in_prefix, item) in &items {
            if !in_prefix {
                is_prefix = false;
            }
            match item {
                CommandPrefixOrSuffixItem::AssignmentWord(a, w) => {
                    if is_prefix {
                        let pair = self.assignment(a, &mut proto, env, frame);
                        proto.assignments.push(pair);
                    } else {
                        // `export X=1`: an operand of a declaration builtin.
                        let mut r = Resolver::new(self.ctx, env, &self.budget);
                        words.extend(r.fields(&w.value));
                        let subs = r.substitutions;
                        let names = self.substitutions(&subs, env, frame);
                        proto.cmdsubst_cmds.extend(names);
                    }
                }
                CommandPrefixOrSuffixItem::Word(w) => {
                    let mut r = Resolver::new(self.ctx, env, &self.budget);
                    words.extend(r.fields(&w.value));
                    let subs = r.substitutions;
                    let names = self.substitutions(&subs, env, frame);
                    proto.cmdsubst_cmds.extend(names);
                }
                CommandPrefixOrSuffixItem::IoRedirect(r) => {
                    self.redirect(r, &mut proto, env, frame)
                }
                CommandPrefixOrSuffixItem::ProcessSubstitution(kind, sub) => {
                    let names = self.process_substitution(kind, sub, env, frame);
                    proto.procsubst_cmds.extend(names);
                    let shown = match kind {
                        ProcessSubstitutionKind::Read => "<(…)",
                        ProcessSubstitutionKind::Write => ">(…)",
                    };
                    words.push(Word::dynamic(shown));
                }
            }
        }
        dedup(&mut proto.cmdsubst_cmds);
        dedup(&mut proto.procsubst_cmds);
        if words.is_empty() {
            for (name, value) in &proto.assignments {
                let val = if value.dynamic || value.text.len() > limits::MAX_VALUE {
                    Val::Unknown
                } else {
                    Val::Known(vec![value.text.clone()])
                };
                env.vars.insert(name.clone(), val);
            }
            self.out.assignments.extend(proto.assignments.iter().cloned());
            if !proto.redirects.is_empty() {
                // `> file` alone still opens (and truncates) the file.
                let seg = Segment {
                    redirects: proto.redirects,
                    cmdsubst_cmds: proto.cmdsubst_cmds,
                    via: frame.via.clone(),
                    depth: frame.depth,
                    remote: frame.remote,
                    cwd: env.cwd.clone(),
                    pipeline: super::PipelinePos { len: 1, ..Default::default() },
                    ..Segment::default()
                };
                self.push(seg);
            }
            return;
        }
        self.emit(words, proto, env, frame);
    }
}

fn dedup(v: &mut Vec<String>) {
    let mut seen: Vec<String> = Vec::with_capacity(v.len());
    v.retain(|s| {
        if seen.contains(s) {
            false
        } else {
            seen.push(s.clone());
            true
        }
    });
}
