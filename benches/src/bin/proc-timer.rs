//! Times two commands as whole processes, interleaved run by run (baseline, subject, subject,
//! baseline, …) so that both see the same machine, and prints their percentiles and ratios.
//! The fallback of `benches/hook_process.sh` when hyperfine is missing, and its main
//! measurement otherwise (hyperfine runs one command after the other, not interleaved).
//!
//! Usage: `proc-timer [--runs N] [--warmup N] [--stdin FILE] [--subject-exit CODE] --baseline CMD
//! ARGS… --subject CMD ARGS…`
//!
//! Each run's time is from just before `spawn` to the return of `wait` (the cost of spawning
//! is in both). Standard output and error of the commands are discarded; a run that exits with
//! another code than expected (0, or `--subject-exit` for the subject: `tl hook --enforce`
//! blocking with 2) aborts.

use std::fs::File;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use benches::timing::percentile;

struct Options {
    runs: usize,
    warmup: usize,
    stdin: Option<String>,
    subject_exit: i32,
    baseline: Vec<String>,
    subject: Vec<String>,
}

fn parse(args: Vec<String>) -> Result<Options, String> {
    let mut o = Options {
        runs: 500,
        warmup: 20,
        stdin: None,
        subject_exit: 0,
        baseline: Vec::new(),
        subject: Vec::new(),
    };
    let mut it = args.into_iter();
    let mut target: Option<bool> = None; // Some(false): baseline, Some(true): subject
    while let Some(a) = it.next() {
        match (a.as_str(), target) {
            ("--baseline", _) => target = Some(false),
            ("--subject", _) => target = Some(true),
            (_, Some(false)) => o.baseline.push(a),
            (_, Some(true)) => o.subject.push(a),
            ("--runs", None) => {
                o.runs = it.next().and_then(|v| v.parse().ok()).ok_or("--runs N")?
            }
            ("--warmup", None) => {
                o.warmup = it.next().and_then(|v| v.parse().ok()).ok_or("--warmup N")?;
            }
            ("--stdin", None) => o.stdin = Some(it.next().ok_or("--stdin FILE")?),
            ("--subject-exit", None) => {
                o.subject_exit =
                    it.next().and_then(|v| v.parse().ok()).ok_or("--subject-exit CODE")?;
            }
            (other, None) => return Err(format!("unexpected argument {other}")),
        }
    }
    if o.baseline.is_empty() || o.subject.is_empty() || o.runs == 0 {
        return Err("usage: proc-timer [--runs N] [--warmup N] [--stdin FILE] \
                    [--subject-exit CODE] --baseline CMD ARGS... --subject CMD ARGS..."
            .into());
    }
    Ok(o)
}

fn run(cmd: &[String], stdin: Option<&str>, exit: i32) -> Result<Duration, String> {
    let input = match stdin {
        Some(path) => Stdio::from(File::open(path).map_err(|e| format!("{path}: {e}"))?),
        None => Stdio::null(),
    };
    let mut command = Command::new(&cmd[0]);
    command.args(&cmd[1..]).stdin(input).stdout(Stdio::null()).stderr(Stdio::null());
    let start = Instant::now();
    let status = command.status().map_err(|e| format!("{}: {e}", cmd[0]))?;
    let elapsed = start.elapsed();
    if status.code() != Some(exit) {
        return Err(format!("{} exited {status}, not {exit}", cmd.join(" ")));
    }
    Ok(elapsed)
}

fn main() -> ExitCode {
    let o = match parse(std::env::args().skip(1).collect()) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("proc-timer: {e}");
            return ExitCode::from(2);
        }
    };
    match measure(&o) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("proc-timer: {e}");
            ExitCode::FAILURE
        }
    }
}

fn measure(o: &Options) -> Result<(), String> {
    let stdin = o.stdin.as_deref();
    for _ in 0..o.warmup {
        run(&o.baseline, stdin, 0)?;
        run(&o.subject, stdin, o.subject_exit)?;
    }
    let mut base = Vec::with_capacity(o.runs);
    let mut subj = Vec::with_capacity(o.runs);
    for i in 0..o.runs {
        if i % 2 == 0 {
            base.push(run(&o.baseline, stdin, 0)?);
            subj.push(run(&o.subject, stdin, o.subject_exit)?);
        } else {
            subj.push(run(&o.subject, stdin, o.subject_exit)?);
            base.push(run(&o.baseline, stdin, 0)?);
        }
    }
    base.sort();
    subj.sort();
    let ms = |d: Duration| format!("{:.3}", d.as_secs_f64() * 1e3);
    let mean = |v: &[Duration]| v.iter().sum::<Duration>() / v.len() as u32;
    println!("{} runs each, interleaved, after {} warm-up pairs (times in ms)", o.runs, o.warmup);
    println!();
    println!("| command | min | p50 | p90 | p99 | max | mean |");
    println!("|---|---|---|---|---|---|---|");
    for (name, v) in [(o.baseline.join(" "), &base), (o.subject.join(" "), &subj)] {
        println!(
            "| `{name}` | {} | {} | {} | {} | {} | {} |",
            ms(v[0]),
            ms(percentile(v, 50.0)),
            ms(percentile(v, 90.0)),
            ms(percentile(v, 99.0)),
            ms(v[v.len() - 1]),
            ms(mean(v))
        );
    }
    println!();
    let ratio = |p: f64| percentile(&subj, p).as_secs_f64() / percentile(&base, p).as_secs_f64();
    println!("RATIO p50 subject/baseline = {:.3}", ratio(50.0));
    println!("RATIO p99 subject/baseline = {:.3}", ratio(99.0));
    println!(
        "RATIO mean subject/baseline = {:.3}",
        mean(&subj).as_secs_f64() / mean(&base).as_secs_f64()
    );
    println!(
        "subject p50 - baseline p50 = {:.1} us",
        (percentile(&subj, 50.0).as_secs_f64() - percentile(&base, 50.0).as_secs_f64()) * 1e6
    );
    Ok(())
}
