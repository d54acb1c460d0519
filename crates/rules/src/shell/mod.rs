//! Shell command analysis: parse a command line, find every simple command that could run,
//! and describe each one in a form rules can match on without looking at the raw text.
//!
//! The pipeline follows RULES.md §3.2: parse with `brush-parser`, enumerate every simple command
//! reachable in the AST (lists, pipelines, subshells, compound commands, function bodies,
//! command and process substitutions, here-documents fed to shells), resolve words (quote
//! removal, ANSI-C quotes, tilde and `$HOME`, constants assigned earlier in the same line),
//! unwrap wrappers (`sudo`, `env`, `xargs`, `find -exec`, …), recurse into embedded scripts
//! (`bash -c`, `eval`, `ssh host …`), canonicalise options with a per-command table and
//! classify path operands. Parse failures never surface as errors: the analysis is marked
//! `unparsed` and carries a best-effort split so rules can fall back to regexes.
//!
//! Everything here is pure: the caller passes the working directory, home and temp dirs in a
//! [`ShellContext`].

mod expand;
mod parse;
mod path;
mod spec;
mod walk;
mod words;

pub use path::{classify_path, normalize};

use std::fmt::Write as _;

/// Where a command line runs: the facts about the machine that word resolution needs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShellContext {
    /// Working directory of the shell (absolute).
    pub cwd: String,
    /// Home directory of the user, if known (`~` and `$HOME` resolve to it).
    pub home: Option<String>,
    /// Scratch directories besides `/tmp` and `/var/tmp`; the first one is what `$TMPDIR`
    /// resolves to.
    pub tmp_dirs: Vec<String>,
    /// Root of the project the agent works in; when absent, `cwd` stands in for it.
    pub workspace_root: Option<String>,
}

/// The result of analysing one command line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Analysis {
    /// Every simple command that could run, in execution order as far as it is known:
    /// command and process substitutions come before the command whose words contain them,
    /// scripts a command runs (`bash -c`, `eval`, `ssh`, `find -exec`) right after it.
    pub segments: Vec<Segment>,
    /// Bare `NAME=value` assignments (no command), in order.
    pub assignments: Vec<(String, Word)>,
    /// True when some part of the input could not be parsed (syntax error, limits hit); the
    /// segments then include a best-effort split and rules should also run their fallback
    /// regexes over the raw text.
    pub unparsed: bool,
    /// The first parse problem met, for messages.
    pub parse_error: Option<String>,
}

/// One shell word after resolution.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Word {
    /// The word with quotes removed and known expansions applied; unresolved expansions are
    /// kept in their source form (`$X`, `$(…)`).
    pub text: String,
    /// True when the word still depends on something unknown (a parameter, command
    /// substitution, arithmetic, stdin for `xargs`…).
    pub dynamic: bool,
    /// True when the word contains unquoted glob characters (`*`, `?`, `[`).
    pub glob: bool,
}

impl Word {
    /// A literal word.
    pub fn lit(text: impl Into<String>) -> Self {
        Self { text: text.into(), dynamic: false, glob: false }
    }

    /// A word whose value is unknown; `text` is what to show for it.
    pub fn dynamic(text: impl Into<String>) -> Self {
        Self { text: text.into(), dynamic: true, glob: false }
    }
}

/// One option occurrence after canonicalisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    /// Canonical name from the command's option table (`recursive` for `-r`, `-R`,
    /// `--recursive` and `--rec`); for unknown options the letter or long name as written.
    pub name: String,
    /// The option as written, with its dashes (`-r`, `--rec`).
    pub spelled: String,
    /// The option's value, when it takes one (`-o FILE`, `--output=FILE`).
    pub value: Option<String>,
}

/// How a redirection opens its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedirectMode {
    /// `<`
    Read,
    /// `>`, `>|`, `&>`: truncates the file.
    Truncate,
    /// `>>`, `&>>`
    Append,
    /// `<>`
    ReadWrite,
    /// `>&N`, `<&N`: duplicates a descriptor.
    Duplicate,
}

/// A redirection of a simple command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    /// The descriptor redirected, when written explicitly (`2>`).
    pub fd: Option<i32>,
    /// How the target is opened.
    pub mode: RedirectMode,
    /// The target file (or descriptor) as resolved.
    pub target: Word,
    /// Classification of the target path (`Dynamic` for descriptor duplication).
    pub class: TargetClass,
}

/// Kinds of place an operand can point at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TargetClass {
    /// The file system root `/`.
    Root,
    /// The home directory itself (`~`, `$HOME`).
    Home,
    /// Operating-system locations: `/etc`, `/usr`, `/bin`, `/var` (not `/var/tmp`), `/System`…
    System,
    /// A wildcard matching everything in a directory: `*`, `.*`, `~/*`, `/*`.
    GlobAll,
    /// Scratch space: `/tmp`, `/var/tmp`, the context's temp dirs.
    Tmp,
    /// A build-output or cache directory inside the workspace (`node_modules`, `target`…).
    BuildDir,
    /// Inside the workspace (or the session cwd when no workspace is known).
    Workspace,
    /// Anywhere else on this machine.
    OutsideWorkspace,
    /// Another machine: `host:path`, `scheme://…`.
    Remote,
    /// Not resolvable statically (unresolved expansion, unknown cwd).
    Dynamic,
}

/// A classified path operand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The operand as resolved (before joining with the cwd).
    pub text: String,
    /// Absolute normalised path, when resolvable.
    pub path: Option<String>,
    /// What the path points at.
    pub class: TargetClass,
}

/// Language of an inline script passed on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    /// `sh -c`, `bash -c`, `eval`, `ssh host CMD`…
    Shell,
    /// `python -c`
    Python,
    /// `node -e`, `node -p`
    JavaScript,
    /// `perl -e`
    Perl,
    /// `ruby -e`
    Ruby,
    /// `php -r`
    Php,
    /// `awk 'PROGRAM'`
    Awk,
    /// `osascript -e`
    AppleScript,
    /// `pwsh -Command`
    PowerShell,
    /// `psql -c`, `mysql -e`, `sqlite3 DB SQL`
    Sql,
}

/// Position of a segment in its pipeline.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PipelinePos {
    /// Index of the stage (0 for a command that is not piped).
    pub index: usize,
    /// Number of stages (1 for a command that is not piped).
    pub len: usize,
    /// Command name of the stage feeding this one.
    pub prev: Option<String>,
    /// Command name of the stage this one feeds.
    pub next: Option<String>,
    /// Every command name upstream in the pipeline, including commands inside their
    /// substitutions (`echo "$(curl …)" | sh` gives `sh` the upstream `echo`, `curl`).
    pub upstream: Vec<String>,
}

/// One simple command that could run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Segment {
    /// Command name: basename, quotes and a leading `\` removed (`/bin/rm`, `r''m` → `rm`).
    /// For a dynamic command word it is the word's text (`$C`).
    pub name: String,
    /// The argument vector after unwrapping wrappers; `argv[0]` is the command word.
    pub argv: Vec<Word>,
    /// Wrappers and embeddings passed through to reach this command, outermost first
    /// (`sudo`, `env`, `xargs`, `bash-c`, `eval`, `ssh`, `$()`, `<()`, `heredoc`, …).
    pub via: Vec<String>,
    /// `NAME=value` words that prefix the command (or given to `env`).
    pub assignments: Vec<(String, Word)>,
    /// Subcommand path for multi-command tools (`git push` → `["push"]`,
    /// `docker system prune` → `["system", "prune"]`).
    pub subcommand: Vec<String>,
    /// Options, canonicalised.
    pub flags: Vec<Flag>,
    /// Non-option operands after the subcommand, in order.
    pub operands: Vec<Word>,
    /// Operands that name files, resolved against `cwd` and classified.
    pub targets: Vec<Target>,
    /// Pipeline position and neighbours.
    pub pipeline: PipelinePos,
    /// File redirections.
    pub redirects: Vec<Redirect>,
    /// Here-document or here-string body fed to the command's stdin.
    pub heredoc: Option<String>,
    /// True when the command runs on another machine or container (`ssh`, `docker exec`,
    /// `kubectl exec`).
    pub remote: bool,
    /// Number of re-parsed embeddings around this command (0 at top level).
    pub depth: usize,
    /// Effective working directory (after `cd` earlier in the line, `git -C`, `env -C`);
    /// `None` when it is unknown.
    pub cwd: Option<String>,
    /// Code given inline to an interpreter (`python -c`, `node -e`, `bash -c`, …).
    pub inline_script: Option<(Lang, String)>,
    /// True when arguments are appended at run time from elsewhere (`xargs`, `parallel`,
    /// `find -exec`): the targets listed are not all there is.
    pub dynamic_args: bool,
    /// Names of the commands run by command substitutions in this command's words.
    pub cmdsubst_cmds: Vec<String>,
    /// Names of the commands run by process substitutions in this command's words.
    pub procsubst_cmds: Vec<String>,
    /// True when this segment comes from the fallback splitter (parse failure).
    pub unparsed: bool,
}

/// Shells whose stdin, `-c` string or script operand is shell code.
pub(crate) const SHELLS: &[&str] =
    &["sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "fish", "yash", "posh"];

impl Segment {
    /// True when an option with this canonical name or spelling (`"recursive"`, `"-r"`,
    /// `"r"`) is present.
    pub fn has_flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| {
            f.name == name || f.spelled == name || f.spelled.trim_start_matches('-') == name
        })
    }

    /// The value of the first occurrence of an option (canonical name or spelling).
    pub fn flag_value(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .find(|f| f.name == name || f.spelled == name)
            .and_then(|f| f.value.as_deref())
    }

    /// Classified path operands: the operands that name files for this command (all of them
    /// for unknown commands), resolved against [`Segment::cwd`].
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// The unwrapped command as one line of resolved words, for messages.
    pub fn line(&self) -> String {
        let words: Vec<&str> = self.argv.iter().map(|w| w.text.as_str()).collect();
        words.join(" ")
    }

    /// True when the command was reached through the named wrapper or embedding.
    pub fn is_via(&self, wrapper: &str) -> bool {
        self.via.iter().any(|v| v == wrapper)
    }

    /// True when the command is an interpreter that executes code from its stdin: a shell or
    /// script interpreter with no script operand and no inline code, or reading `-`,
    /// `/dev/stdin`, or `-s`.
    pub fn executes_stdin(&self) -> bool {
        const INTERPRETERS: &[&str] = &[
            "python",
            "python2",
            "python3",
            "perl",
            "ruby",
            "node",
            "nodejs",
            "php",
            "pwsh",
            "osascript",
        ];
        let interp = SHELLS.contains(&self.name.as_str())
            || INTERPRETERS.contains(&self.name.as_str())
            || self.name.starts_with("python3.");
        if !interp || self.inline_script.is_some() {
            return false;
        }
        // `python -m MODULE` runs a module, not stdin.
        if self.name.starts_with("python") && self.has_flag("m") {
            return false;
        }
        if self.has_flag("s") && SHELLS.contains(&self.name.as_str()) {
            return true;
        }
        match self.operands.first() {
            None => true,
            Some(w) => matches!(w.text.as_str(), "-" | "/dev/stdin" | "/dev/fd/0"),
        }
    }

    /// A compact rendering for tests and debugging:
    /// `name sub[flags] targets=path:Class args=… via=a,b …` (`args` lists the operands of
    /// commands without path targets).
    pub fn summary(&self) -> String {
        let mut s = self.name.clone();
        for sub in &self.subcommand {
            s.push(' ');
            s.push_str(sub);
        }
        if !self.flags.is_empty() {
            s.push('[');
            for (i, f) in self.flags.iter().enumerate() {
                if i > 0 {
                    s.push(' ');
                }
                s.push_str(&f.name);
                if let Some(v) = &f.value {
                    let _ = write!(s, "={v}");
                }
            }
            s.push(']');
        }
        if !self.targets.is_empty() {
            s.push_str(" targets=");
            for (i, t) in self.targets.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                let _ = write!(s, "{}:{:?}", t.path.as_deref().unwrap_or(&t.text), t.class);
            }
        }
        if self.targets.is_empty() && !self.operands.is_empty() && self.inline_script.is_none() {
            let args: Vec<&str> = self.operands.iter().map(|w| w.text.as_str()).collect();
            let _ = write!(s, " args={}", args.join(","));
        }
        if !self.via.is_empty() {
            let _ = write!(s, " via={}", self.via.join(","));
        }
        if self.pipeline.len > 1 {
            let _ = write!(s, " pipe={}/{}", self.pipeline.index, self.pipeline.len);
            if !self.pipeline.upstream.is_empty() {
                let _ = write!(s, "<{}", self.pipeline.upstream.join(","));
            }
        }
        if let Some((lang, code)) = &self.inline_script {
            let _ = write!(s, " script={lang:?}:{code}");
        }
        if self.heredoc.is_some() {
            s.push_str(" heredoc");
        }
        for r in &self.redirects {
            let op = match r.mode {
                RedirectMode::Read => "<",
                RedirectMode::Truncate => ">",
                RedirectMode::Append => ">>",
                RedirectMode::ReadWrite => "<>",
                RedirectMode::Duplicate => ">&",
            };
            let _ = write!(s, " {op}{}", r.target.text);
        }
        if !self.cmdsubst_cmds.is_empty() {
            let _ = write!(s, " $({})", self.cmdsubst_cmds.join(","));
        }
        if !self.procsubst_cmds.is_empty() {
            let _ = write!(s, " <({})", self.procsubst_cmds.join(","));
        }
        if self.dynamic_args {
            s.push_str(" +dyn");
        }
        if self.remote {
            s.push_str(" remote");
        }
        if self.unparsed {
            s.push_str(" unparsed");
        }
        s
    }
}

/// Limits that keep analysis bounded on hostile input.
pub mod limits {
    /// Inputs longer than this (bytes) are not given to the parser; they get the fallback split.
    pub const MAX_INPUT: usize = 256 * 1024;
    /// Lexical nesting of brackets and compound keywords above which the parser is not used
    /// (its recursion would otherwise exhaust the stack).
    pub const MAX_NESTING: usize = 40;
    /// Depth of re-parsed embeddings (`bash -c`, `$(…)`, `eval`, …) that are followed.
    pub const MAX_DEPTH: usize = 6;
    /// Upper bound on the number of segments produced for one command line.
    pub const MAX_SEGMENTS: usize = 2048;
    /// Upper bound on the words one shell word can expand to (braces, constants).
    pub const MAX_FIELDS: usize = 64;
    /// Longest expansion of one word (bytes) before it is cut and marked dynamic.
    pub const MAX_WORD: usize = 16 * 1024;
    /// Longest variable value (bytes) that constant propagation keeps.
    pub const MAX_VALUE: usize = 4096;
    /// Total bytes of expanded text one analysis may produce beyond its input.
    pub const EXPANSION_BUDGET: usize = 4 * 1024 * 1024;
}

/// Analyses a command line. Never fails and never panics; see [`Analysis::unparsed`].
pub fn analyze(command: &str, ctx: &ShellContext) -> Analysis {
    walk::analyze(command, ctx, true)
}

/// [`analyze`] without the fast path for plain commands: always the full parser. Exists to
/// check that both give the same result and to measure the difference.
#[doc(hidden)]
pub fn analyze_full(command: &str, ctx: &ShellContext) -> Analysis {
    walk::analyze(command, ctx, false)
}
