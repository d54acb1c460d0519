//! In-process append of 300-byte records by one writer, in records/s, against a baseline of
//! copying the same 300 bytes into a preallocated buffer, measured in the same run.
//!
//! - `memcpy_baseline`: `copy_from_slice` into successive 320-byte slots of a touched 64 MiB
//!   buffer (no page faults, no atomics, no CRC);
//! - `wal_append`: `Wal::append` into a fresh log whose one segment is sized to hold the whole
//!   sample (no rollover; the segment is created before the clock starts); page faults on the
//!   fresh pages of the shared mapping are in the time, as for every real append;
//! - `wal_append_warm`: the same with the segment's pages already in the page cache (read
//!   before the clock starts): no zeroing of new pages inside the loop;
//! - `wal_append_rollover_64MiB`: the default 64 MiB segments, kept across samples, so the
//!   time includes rolling over: msync of the full segment, fallocate + fsync of the next.
//!
//! Run: `cargo bench -p benches --bench append`; the last lines print the ratios.

use std::time::Duration;

use benches::timing::{self, MemcpyTarget, Tally};
use benches::workload;
use criterion::{Criterion, SamplingMode, Throughput, criterion_group};

const SAMPLES: usize = 10;
/// Records per criterion iteration. Large, because every sample is a fresh log and a fresh
/// mapping runs slower for its first tens of MB (the kernel's readahead starts with small folios:
/// see docs/performance.md), which small samples would overweight.
const CHUNK: u64 = 250_000;

fn append(c: &mut Criterion) {
    let record = workload::record_300();
    let fresh = Tally::default();
    let warm = Tally::default();
    let rollover = Tally::default();
    let mut group = c.benchmark_group("append_300B");
    group
        .throughput(Throughput::Elements(CHUNK))
        .sample_size(SAMPLES)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));

    let mut target = MemcpyTarget::default();
    group.bench_function("memcpy_baseline", |b| {
        b.iter_custom(|n| target.copy(&record, n * CHUNK));
    });
    // Each sample of the wal benchmarks also times memcpy on the same n just before: the ratio
    // is taken per sample.
    group.bench_function("wal_append", |b| {
        b.iter_custom(|n| {
            let n = n * CHUNK;
            let baseline = target.copy(&record, n);
            let elapsed = timing::append_fresh(&record, n).expect("append");
            fresh.record_pair(n, elapsed, baseline)
        });
    });
    group.bench_function("wal_append_warm", |b| {
        b.iter_custom(|n| {
            let n = n * CHUNK;
            let baseline = target.copy(&record, n);
            let elapsed = timing::append_warm(&record, n).expect("append");
            warm.record_pair(n, elapsed, baseline)
        });
    });
    let dir = workload::bench_tempdir("tl-bench-rollover").expect("temp dir");
    let log = wal::Wal::open(wal::Config::new(dir.path())).expect("open");
    group.bench_function("wal_append_rollover_64MiB", |b| {
        b.iter_custom(|n| {
            let n = n * CHUNK;
            let baseline = target.copy(&record, n);
            let elapsed = timing::append_to(&log, &record, n).expect("append");
            // Keep the disk use bounded; removing sealed segments is not timed.
            log.remove_segments_before(wal::Lsn(u64::MAX)).expect("remove");
            rollover.record_pair(n, elapsed, baseline)
        });
    });
    group.finish();
    println!();
    timing::print_paired("wal_append vs memcpy", " records", &fresh, SAMPLES);
    timing::print_paired("wal_append_warm vs memcpy", " records", &warm, SAMPLES);
    timing::print_paired("wal_append_rollover_64MiB vs memcpy", " records", &rollover, SAMPLES);
    for (name, tally) in [("wal_append", &fresh), ("wal_append_warm", &warm)] {
        if let Some(rate) = tally.rate(SAMPLES) {
            let verdict = if rate >= 5e6 { "met" } else { "NOT met" };
            println!("TARGET {name} >= 5 M records/s: {} ({verdict})", timing::si(rate));
        }
    }
}

criterion_group!(benches, append);

fn main() {
    println!("load average before: {}", benches::timing::load_average());
    benches();
    println!("load average after: {}", benches::timing::load_average());
    Criterion::default().configure_from_args().final_summary();
}
