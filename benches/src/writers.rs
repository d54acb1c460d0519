//! Several writer processes appending at once: the writer's side (run by `wal-writer`, or by
//! `quick` re-executing itself) and the driver that starts them together and times them.
//!
//! Protocol: the driver creates each log's first segment, spawns the writers, and waits until
//! each has opened its log, appended one untimed record (which maps the segment) and created
//! its ready file. Then it creates the start file; each writer polls for it, appends its
//! records and prints `<start ns> <end ns> <records>` (wall clock, comparable across
//! processes). The run's time is from the earliest start to the latest end.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::Result;
use crate::workload;

/// The writer's usage line.
pub const USAGE: &str = "wal-writer <log-dir> <records> <segment-size> <ready-file> <start-file>";

/// Runs one writer with the arguments of [`USAGE`]; prints its start, end and record count.
///
/// # Errors
/// On bad arguments, when the log cannot be opened or an append fails, or when the start
/// file does not appear within a minute.
pub fn writer_main(args: &[String]) -> Result<()> {
    let [dir, records, segment_size, ready, start] = args else {
        return Err(format!("usage: {USAGE}").into());
    };
    let records: u64 = records.parse()?;
    let segment_size: u64 = segment_size.parse()?;
    let config = wal::Config { segment_size, ..wal::Config::new(dir) };
    let log = wal::Wal::open(config)?;
    let record = workload::record_300();
    log.append(&record)?;
    std::fs::write(ready, b"")?;
    let start = Path::new(start);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !start.exists() {
        if Instant::now() > deadline {
            return Err("no start file after 60 s".into());
        }
        std::thread::sleep(Duration::from_micros(50));
    }
    let t0 = now_ns();
    for _ in 0..records {
        std::hint::black_box(log.append(&record)?);
    }
    let t1 = now_ns();
    println!("{t0} {t1} {records}");
    Ok(())
}

fn now_ns() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos())
}

/// What a run of writers did.
#[derive(Clone, Copy, Debug)]
pub struct WriterRun {
    /// Records appended (all writers, untimed first records excluded).
    pub records: u64,
    /// From the first writer's start to the last one's end.
    pub elapsed: Duration,
}

impl WriterRun {
    /// Records per second, all writers together.
    pub fn rate(&self) -> f64 {
        self.records as f64 / self.elapsed.as_secs_f64()
    }
}

/// How a writer process is started: the program and the arguments before the writer's own.
#[derive(Clone, Debug)]
pub struct WriterCommand {
    /// The executable.
    pub program: PathBuf,
    /// Arguments that select the writer (e.g. `--writer` for `quick`).
    pub prefix: Vec<String>,
}

/// Starts one writer per entry of `logs` (the same directory several times for a shared log),
/// each appending `per_writer` 300-byte records, all at once; returns the total.
///
/// # Errors
/// When a log cannot be created, a writer cannot be spawned, fails or prints nonsense.
pub fn run_writers(cmd: &WriterCommand, logs: &[PathBuf], per_writer: u64) -> Result<WriterRun> {
    let control = workload::bench_tempdir("tl-bench-writers")?;
    let shared = logs.iter().filter(|l| **l == logs[0]).count() as u64;
    let segment_size = workload::segment_size_for((per_writer + 1) * shared);
    let record = workload::record_300();
    let mut distinct: Vec<&PathBuf> = logs.iter().collect();
    distinct.dedup();
    for dir in distinct {
        // Creates the first segment, so no writer pays for it inside the timed part.
        wal::Wal::open(wal::Config { segment_size, ..wal::Config::new(dir) })?.append(&record)?;
    }
    let start = control.path().join("start");
    let mut children: Vec<Child> = Vec::new();
    let mut ready = Vec::new();
    for (i, dir) in logs.iter().enumerate() {
        let ready_file = control.path().join(format!("ready-{i}"));
        let child = Command::new(&cmd.program)
            .args(&cmd.prefix)
            .arg(dir)
            .arg(per_writer.to_string())
            .arg(segment_size.to_string())
            .arg(&ready_file)
            .arg(&start)
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{}: {e}", cmd.program.display()))?;
        children.push(child);
        ready.push(ready_file);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready.iter().all(|r| r.exists()) {
        for child in &mut children {
            if let Some(status) = child.try_wait()? {
                return Err(format!("a writer exited before starting: {status}").into());
            }
        }
        if Instant::now() > deadline {
            for child in &mut children {
                let _ = child.kill();
            }
            return Err("writers not ready after 30 s".into());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    std::fs::write(&start, b"")?;
    let (mut first, mut last, mut records) = (u128::MAX, 0u128, 0u64);
    for child in children {
        let out = child.wait_with_output()?;
        if !out.status.success() {
            return Err(format!("a writer failed: {}", out.status).into());
        }
        let text = String::from_utf8(out.stdout)?;
        let fields: Vec<u128> =
            text.split_whitespace().map(str::parse).collect::<Result<_, _>>()?;
        let [t0, t1, n] = fields[..] else {
            return Err(format!("unexpected writer output {text:?}").into());
        };
        first = first.min(t0);
        last = last.max(t1);
        records += n as u64;
    }
    let elapsed = Duration::from_nanos(last.saturating_sub(first).try_into()?);
    Ok(WriterRun { records, elapsed })
}

/// `writers` processes each on a log of its own.
///
/// # Errors
/// As [`run_writers`].
pub fn separate_logs(cmd: &WriterCommand, writers: usize, per_writer: u64) -> Result<WriterRun> {
    let work = workload::bench_tempdir("tl-bench-separate")?;
    let logs: Vec<PathBuf> = (0..writers).map(|i| work.path().join(format!("log-{i}"))).collect();
    run_writers(cmd, &logs, per_writer)
}

/// `writers` processes on one shared log.
///
/// # Errors
/// As [`run_writers`].
pub fn shared_log(cmd: &WriterCommand, writers: usize, per_writer: u64) -> Result<WriterRun> {
    let work = workload::bench_tempdir("tl-bench-shared")?;
    let logs = vec![work.path().join("log"); writers];
    run_writers(cmd, &logs, per_writer)
}
