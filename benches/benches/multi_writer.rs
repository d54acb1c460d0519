//! Four writer processes appending 300-byte records at once, total records/s, against the same
//! four processes appending to four separate logs in the same run (no contention): the ratio
//! is the cost of sharing one log (the CAS on the shared cursor, its cache line bouncing
//! between cores).
//!
//! Each sample spawns four `wal-writer` processes (this package's binary, found through
//! `CARGO_BIN_EXE_wal-writer`, which cargo sets for benches), lets them open their logs, then
//! starts them together; the time is from the first writer's start to the last one's end
//! (spawning and opening are not timed). Every sample writes to a fresh log whose segment holds
//! the whole sample (no rollover).
//!
//! Run: `cargo bench -p benches --bench multi_writer`; the last lines print the ratio.

use std::path::PathBuf;
use std::time::Duration;

use benches::timing::{self, Tally};
use benches::writers::{self, WriterCommand};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group};

const SAMPLES: usize = 10;
const WRITERS: usize = 4;
/// Records per writer in one criterion iteration: large enough that the writers' start skew
/// (each polls for the start file) is small against the work.
const CHUNK: u64 = 50_000;

fn multi_writer(c: &mut Criterion) {
    let cmd = WriterCommand {
        program: PathBuf::from(env!("CARGO_BIN_EXE_wal-writer")),
        prefix: Vec::new(),
    };
    let shared = Tally::default();
    let mut group = c.benchmark_group("four_writer_processes");
    group
        .throughput(Throughput::Elements(CHUNK * WRITERS as u64))
        .sample_size(SAMPLES)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    // An iteration is 4 x CHUNK records (CHUNK per writer); a sample of n iterations is one run
    // of the four writers. The shared-log samples also run the separate-logs baseline on the
    // same n just before: the ratio is taken per sample.
    group.bench_function("separate_logs_baseline", |b| {
        b.iter_custom(|n| {
            let run = writers::separate_logs(&cmd, WRITERS, per_writer(n)).expect("writers");
            run.elapsed
        });
    });
    group.bench_function("shared_log", |b| {
        b.iter_custom(|n| {
            let base = writers::separate_logs(&cmd, WRITERS, per_writer(n)).expect("writers");
            let run = writers::shared_log(&cmd, WRITERS, per_writer(n)).expect("writers");
            shared.record_pair(run.records, run.elapsed, base.elapsed);
            run.elapsed
        });
    });
    group.finish();
    println!();
    timing::print_paired("4 writers on one log vs on 4 logs", " records", &shared, SAMPLES);
    if let Some(rate) = shared.rate(SAMPLES) {
        let verdict = if rate >= 2e6 { "met" } else { "NOT met" };
        println!("TARGET 4 writer processes >= 2 M records/s: {} ({verdict})", timing::si(rate));
    }
}

fn per_writer(n: u64) -> u64 {
    n * CHUNK
}

criterion_group!(benches, multi_writer);

fn main() {
    println!("load average before: {}", benches::timing::load_average());
    benches();
    println!("load average after: {}", benches::timing::load_average());
    Criterion::default().configure_from_args().final_summary();
}
