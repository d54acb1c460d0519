//! tl (TraceLog): the flight recorder for AI coding agents.
//!
//! This binary is the glue: argument parsing (`cli.rs`), one module per subcommand in
//! `commands/`, and the wiring of the library crates. `tl hook` is dispatched before clap: it is
//! the hot path every agent hook pays for, and it must never exit non-zero.

mod cli;
mod commands;
mod home;
mod judge;
mod output;
mod prices;
mod progress;
mod render;
mod store;
mod views;

use clap::Parser;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("hook") {
        commands::hook::run(args.get(1..).unwrap_or_default());
    }
    let cli = cli::Cli::parse();
    if let Err(e) = cli::run(cli) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
