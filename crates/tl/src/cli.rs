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
  tl sessions                   the recorded sessions, newest first, with their findings
  tl timeline last              what the last session did, step by step
  tl search secrets.yml         every step that touched or mentioned it
  tl inspect last --step 12     one step in full: command, output, diff, raw payload
  tl status                     recording, daemon, index lag, hook health

Data lives in $TL_HOME (default ~/.tracelog).";

#[derive(Debug, Subcommand)]
enum Command {
    /// Record one hook payload from standard input (what agents call; exits 0 unless blocking).
    ///
    /// Example, in an agent's hook settings: `tl hook claude-code`
    Hook {
        /// The agent calling: claude-code, codex, gemini.
        agent: String,
        /// On a pre-tool event, block a call that matches a danger rule: exit 2 with the reason
        /// on stderr (after recording it). Errors never block.
        #[arg(long)]
        enforce: bool,
    },
    /// Register tl's hooks in an agent's settings (idempotent, keeps everything else).
    #[command(after_help = "Examples:
  tl install claude-code                  ~/.claude/settings.json
  tl install codex --scope project        .codex/hooks.json in this directory
  tl install gemini --print               show what would change, change nothing
  tl install claude-code --enforce        also block tool calls that match a danger rule")]
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
    /// Turn recording off: hooks stay installed and return at once (--enforce still blocks).
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
    /// The recorded sessions, newest first: agent, start, length, steps, findings, cost.
    #[command(after_help = "Examples:
  tl sessions --limit 5
  tl sessions --agent codex --since 2d
  tl sessions --anomalies-only --json")]
    Sessions {
        /// At most this many.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Only this agent's sessions.
        #[arg(long)]
        agent: Option<event::Agent>,
        /// Only sessions with findings.
        #[arg(long)]
        anomalies_only: bool,
        /// Only sessions active since: 2026-11-01, 2026-11-01T10:00, or 30m, 2h, 7d back.
        #[arg(long)]
        since: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// A session's steps with their findings, or one step in full (--step).
    #[command(after_help = "A session is named by its id, any unique prefix of it, or `last`.

Examples:
  tl inspect last
  tl inspect 3f2a --anomalies-only
  tl inspect 3f2a --type SHELL_EXEC --type FILE_WRITE
  tl inspect 3f2a --step 12            command, output, diff, findings, raw payload")]
    Inspect {
        /// The session: an id, a unique prefix, or `last`.
        session: String,
        /// Only steps with findings.
        #[arg(long)]
        anomalies_only: bool,
        /// Only steps of this kind (SHELL_EXEC, FILE_READ, …); repeatable.
        #[arg(long = "type", value_name = "KIND")]
        kinds: Vec<String>,
        /// Show one step in full.
        #[arg(long, value_name = "N")]
        step: Option<u64>,
        /// At most this many steps.
        #[arg(long, default_value_t = 0, hide_default_value = true)]
        limit: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// A session as an ASCII timeline: time, duration bar, kind, summary, flags.
    #[command(after_help = "Examples:
  tl timeline last
  tl timeline 3f2a --from 100 --to 200")]
    Timeline {
        /// The session: an id, a unique prefix, or `last`.
        session: String,
        /// From this step on.
        #[arg(long, value_name = "N")]
        from: Option<u64>,
        /// Up to this step.
        #[arg(long, value_name = "N")]
        to: Option<u64>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Full-text search over every step, newest first, with field filters.
    #[command(
        after_help = "Query syntax (docs/search.md): words, \"quoted phrases\", -excluded, and filters
  agent:codex  kind:SHELL_EXEC  session:3f2a|last  severity:warning  path:config/
  tool:Bash  after:2026-11-01  before:2h

Examples:
  tl search secrets.yml
  tl search '\"git push\" severity:danger'
  tl search 'kind:FILE_WRITE path:src/ after:1d'
  tl search 'rm -rf' --session last --json"
    )]
    Search {
        /// The query.
        query: String,
        /// Only this session (id, prefix or `last`).
        #[arg(long)]
        session: Option<String>,
        /// At most this many hits.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Skip this many hits (the next page).
        #[arg(long, default_value_t = 0, hide_default_value = true)]
        offset: usize,
        /// Most relevant first (BM25) instead of newest first.
        #[arg(long)]
        rank: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// A session as a TraceLog JSON trace (format_version 1.0; schema in docs/trace.schema.json).
    #[command(after_help = "Examples:
  tl export last > trace.json
  tl export 3f2a --pretty -o incident.json")]
    Export {
        /// The session: an id, a unique prefix, or `last`.
        session: String,
        /// Indent the JSON.
        #[arg(long)]
        pretty: bool,
        /// Write to this file instead of standard output.
        #[arg(short, long, value_name = "PATH")]
        output: Option<std::path::PathBuf>,
    },
    /// Steps by kind, tokens and cost by model, error rate, slowest steps.
    #[command(after_help = "Examples:
  tl stats              every session
  tl stats last --json")]
    Stats {
        /// One session (id, prefix or `last`); every session when absent.
        session: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The local web UI: sessions, timelines, steps, search, a live tail (127.0.0.1 only).
    #[command(after_help = "Examples:
  tl view                       serve on http://127.0.0.1:9876 and print the URL (with its token)
  tl view --open --session last open the newest session in the browser
  tl view --port 0              any free port

The page is read-only; every API call needs the token printed with the URL.")]
    View {
        /// The port on 127.0.0.1 (0: any free one).
        #[arg(long, default_value_t = 9876)]
        port: u16,
        /// Open this session (id, prefix or `last`) at once.
        #[arg(long)]
        session: Option<String>,
        /// Open the page in the default browser.
        #[arg(long)]
        open: bool,
    },
    /// Rebuild the catalog and the search index from the log.
    Reindex {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove log segments older than an age, with their steps in the catalog and the index.
    #[command(after_help = "Examples:
  tl gc --older-than 90d --dry-run
  tl gc --older-than 30d")]
    Gc {
        /// The age: 30d, 12h, 2w.
        #[arg(long, value_name = "AGE")]
        older_than: String,
        /// Say what would go, remove nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run the background indexer in the foreground (`tl start` launches it; `tl stop` ends it).
    Daemon,
    /// Record the secrets.yml story (a real Claude Code session's hook payloads) and show it.
    #[command(after_help = "Try it without touching your own data:
  TL_HOME=$(mktemp -d) tl demo")]
    Demo {
        /// Print JSON.
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
    /// Install the pre-tool hook as `tl hook <agent> --enforce`: tool calls that match a danger
    /// rule are blocked, with the reason given to the model (install without it to stop).
    #[arg(long)]
    enforce: bool,
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
    /// Print the catalog and the indexed documents as deterministic JSON lines.
    Catalog,
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let home = Home::from_env();
    let text = Output { json: false };
    match cli.command {
        // Dispatched before clap in main(); kept here so that `tl help hook` documents it.
        Command::Hook { .. } => unreachable!("tl hook is dispatched before argument parsing"),
        Command::Install(args) => {
            let target = Target::resolve(args.agent, args.scope)?.enforcing(args.enforce);
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
        Command::Sessions { limit, agent, anomalies_only, since, json } => {
            crate::commands::read::sessions(
                &home,
                limit,
                agent,
                anomalies_only,
                since.as_deref(),
                &Output { json },
            )
        }
        Command::Inspect { session, anomalies_only, kinds, step, limit, json } => {
            let args =
                crate::commands::read::InspectArgs { session, anomalies_only, kinds, step, limit };
            crate::commands::read::inspect(&home, &args, &Output { json })
        }
        Command::Timeline { session, from, to, json } => {
            crate::commands::read::timeline(&home, &session, from, to, &Output { json })
        }
        Command::Search { query, session, limit, offset, rank, json } => {
            let args = crate::commands::search::SearchArgs { query, session, limit, offset, rank };
            crate::commands::search::run(&home, &args, &Output { json })
        }
        Command::Export { session, pretty, output } => {
            crate::commands::export::run(&home, &session, pretty, output.as_deref())
        }
        Command::Stats { session, json } => {
            crate::commands::read::stats(&home, session.as_deref(), &Output { json })
        }
        Command::View { port, session, open } => crate::commands::view::run(
            &home,
            &crate::commands::view::ViewArgs { port, session, open },
        ),
        Command::Reindex { json } => crate::commands::maintain::reindex(&home, &Output { json }),
        Command::Gc { older_than, dry_run, json } => {
            crate::commands::maintain::gc(&home, &older_than, dry_run, &Output { json })
        }
        Command::Demo { json } => crate::commands::demo::run(&home, &Output { json }),
        Command::Daemon => {
            crate::commands::maintain::daemon(&home, std::time::Duration::from_millis(200))
        }
        Command::Debug(DebugCommand::Log { from }) => crate::commands::debug::dump_log(&home, from),
        Command::Debug(DebugCommand::Catalog) => crate::commands::debug::dump_catalog(&home),
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
