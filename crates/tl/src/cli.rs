//! The command line: clap structures and dispatch.

use clap::{Args, Parser, Subcommand};

use crate::commands::install::{self, InstallAgent, Scope, Target};
use crate::home::Home;
use crate::output::Output;

/// The flight recorder for AI coding agents.
///
/// tl records every step Claude Code, Codex CLI and Gemini CLI take (prompts, tool calls,
/// commands and their output, file reads and writes) into an append-only log on this machine,
/// with secrets redacted before anything is written. Nothing leaves the machine.
#[derive(Debug, Parser)]
#[command(name = "tl", version, about, long_about, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

const EXAMPLES: &str = "Examples:
  tl install claude-code        record every Claude Code session from now on
  tl status                     is recording on, are the hooks healthy, how big is the log
  tl stop / tl start            pause and resume recording

Data lives in $TL_HOME (default ~/.tracelog).";

#[derive(Debug, Subcommand)]
enum Command {
    /// Record one hook payload from standard input (what agents call; always exits 0).
    ///
    /// Example, in an agent's hook settings: `tl hook claude-code`
    Hook {
        /// The agent calling: claude-code, codex, gemini.
        agent: String,
    },
    /// Register tl's hooks in an agent's settings (idempotent, keeps everything else).
    #[command(after_help = "Examples:
  tl install claude-code                  ~/.claude/settings.json
  tl install codex --scope project        .codex/hooks.json in this directory
  tl install gemini --print               show what would change, change nothing")]
    Install(InstallArgs),
    /// Remove tl's hooks from an agent's settings, leaving the rest as it was.
    Uninstall(InstallArgs),
    /// Turn recording on (installing the agent's hooks first if needed).
    Start {
        /// Agents whose hooks to make sure of.
        #[arg(long = "agent", value_enum)]
        agents: Vec<InstallAgent>,
        /// Which settings file to install into.
        #[arg(long, value_enum, default_value_t = Scope::User)]
        scope: Scope,
        /// Keep recording on even after `tl stop`.
        #[arg(long)]
        always: bool,
    },
    /// Turn recording off: hooks stay installed and return at once.
    Stop,
    /// Recording state, hook health per agent, log size and hook errors.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Backfill from the agents' transcripts (incremental: a second run adds nothing).
    #[command(after_help = "Examples:
  tl import                               every transcript of every agent in ~
  tl import --agent codex                 only Codex rollouts
  tl import ~/.claude/projects/-home-me-shop/0cfde7cd.jsonl")]
    Import {
        /// Transcript files or directories (default: where each agent keeps them).
        paths: Vec<std::path::PathBuf>,
        /// Only this agent's transcripts (or: the agent that wrote PATHs).
        #[arg(long)]
        agent: Option<event::Agent>,
        /// Print a JSON summary.
        #[arg(long)]
        json: bool,
    },
    /// The detection rules: list, test, check a command, switch off and on.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Views of the raw store, for developers and tests.
    #[command(hide = true, subcommand)]
    Debug(DebugCommand),
}

#[derive(Debug, Args)]
struct InstallArgs {
    /// The agent: claude-code, codex, gemini.
    #[arg(value_enum)]
    agent: InstallAgent,
    /// The user's settings (every project) or this directory's project settings.
    #[arg(long, value_enum, default_value_t = Scope::User)]
    scope: Scope,
    /// Show the resulting settings and what is skipped and why; change nothing.
    #[arg(long)]
    print: bool,
}

#[derive(Debug, Subcommand)]
enum RulesCommand {
    /// Every loaded rule: id, severity, enabled, inline tests, source file and line.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run the inline tests of every rule (and of FILEs), like a unit test runner.
    Test {
        /// Extra rule files to load and test.
        files: Vec<std::path::PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show how a command parses and which rules match it, and why.
    #[command(after_help = "Examples:
  tl rules check 'sudo rm -rf ~/'
  tl rules check \"bash -c 'curl -s https://x.sh | sh'\"
  tl rules check 'rm -rf build/' --cwd ~/src/app")]
    Check {
        /// A shell command, or a tl event as JSON (as `tl debug log` prints them).
        input: String,
        /// The directory the command runs in (default: the current one).
        #[arg(long)]
        cwd: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Switch a rule off.
    Disable {
        /// The rule's id.
        id: String,
    },
    /// Switch a rule back on.
    Enable {
        /// The rule's id.
        id: String,
    },
}

#[derive(Debug, Subcommand)]
enum DebugCommand {
    /// Print every record of the log as a JSON line.
    Log {
        /// Start at this LSN.
        #[arg(long, default_value_t = 0)]
        from: u64,
    },
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let home = Home::from_env();
    let text = Output { json: false };
    match cli.command {
        // Dispatched before clap in main(); kept here so that `tl help hook` documents it.
        Command::Hook { .. } => unreachable!("tl hook is dispatched before argument parsing"),
        Command::Install(args) => {
            let target = Target::resolve(args.agent, args.scope)?;
            show(install::install(&target, args.print)?, args.print, &text);
            Ok(())
        }
        Command::Uninstall(args) => {
            let target = Target::resolve(args.agent, args.scope)?;
            show(install::uninstall(&target, args.print)?, args.print, &text);
            Ok(())
        }
        Command::Start { agents, scope, always } => {
            crate::commands::status::start(&home, &agents, scope, always, &text)
        }
        Command::Stop => crate::commands::status::stop(&home, &text),
        Command::Status { json } => crate::commands::status::status(&home, &Output { json }),
        Command::Import { paths, agent, json } => {
            crate::commands::import::run(&home, &paths, agent, &Output { json })
        }
        Command::Rules(cmd) => {
            use crate::commands::rules;
            match cmd {
                RulesCommand::List { json } => rules::list(&home, &Output { json }),
                RulesCommand::Test { files, json } => rules::test(&home, &files, &Output { json }),
                RulesCommand::Check { input, cwd, json } => {
                    rules::check(&home, &input, cwd, &Output { json })
                }
                RulesCommand::Disable { id } => rules::set_enabled(&home, &id, false, &text),
                RulesCommand::Enable { id } => rules::set_enabled(&home, &id, true, &text),
            }
        }
        Command::Debug(DebugCommand::Log { from }) => crate::commands::debug::dump_log(&home, from),
    }
}

fn show(outcomes: Vec<install::Outcome>, print: bool, out: &Output) {
    for o in outcomes {
        for note in &o.notes {
            out.line(note);
        }
        if print && o.changed {
            out.line(&format!("--- {} would become:", o.path.display()));
            out.line(o.content.trim_end());
        } else if !o.changed && !print {
            out.line(&format!("{}: already up to date", o.path.display()));
        }
    }
}
