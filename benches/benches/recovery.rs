//! Recovery scan: reading every record of a log with `Reader::next` (open each mapped segment,
//! step frame by frame, CRC every frame), in GB/s of frames, against baselines over the same
//! bytes in memory in the same run: `crc32fast::hash` (the floor: a scan must CRC every byte)
//! and `wal::frame::scan_all` (the frame scanner alone, without mapping or the reader).
//!
//! The log holds 512 MiB of frames of 300-byte records (1.68 M records in 8 default 64 MiB
//! segments): on this 2-core machine that, not the ≥ 1 GB of the brief, keeps the run short.
//! The files are in the page cache (they were just written): this measures the CPU side of
//! recovery, not the disk. Set `TL_BENCH_RECOVERY_MIB` to change the size.
//!
//! Run: `cargo bench -p benches --bench recovery`; the last lines print the ratios.

use std::time::Duration;

use benches::timing::{self, RecoveryLog, Tally};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group};

const SAMPLES: usize = 10;

fn recovery(c: &mut Criterion) {
    // Without --bench (cargo test --benches runs each bench once) a small log will do.
    let default = if std::env::args().any(|a| a == "--bench") { 512 } else { 16 };
    let mib: u64 =
        std::env::var("TL_BENCH_RECOVERY_MIB").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let log = RecoveryLog::build(mib << 20, 64 << 20).expect("build the log");
    println!(
        "log: {} records, {} MiB of frames in {} segments",
        log.records,
        log.frame_bytes >> 20,
        log.segments
    );
    let bytes = log.frame_bytes;
    let scan = Tally::default();
    let read = Tally::default();
    let mut group = c.benchmark_group("recovery_scan");
    group
        .throughput(Throughput::Bytes(bytes))
        .sample_size(SAMPLES)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    // Each sample of the scans also times the CRC baseline over the same bytes just before:
    // the ratio is taken per sample.
    group.bench_function("crc32_baseline", |b| {
        b.iter_custom(|n| (0..n).map(|_| log.crc_baseline()).sum());
    });
    group.bench_function("scan_all_in_memory", |b| {
        b.iter_custom(|n| {
            let baseline: Duration = (0..n).map(|_| log.crc_baseline()).sum();
            let elapsed: Duration = (0..n).map(|_| log.scan_in_memory().expect("scan")).sum();
            scan.record_pair(n * bytes, elapsed, baseline)
        });
    });
    group.bench_function("reader_next", |b| {
        b.iter_custom(|n| {
            let baseline: Duration = (0..n).map(|_| log.crc_baseline()).sum();
            let elapsed: Duration = (0..n).map(|_| log.read_all().expect("read")).sum();
            read.record_pair(n * bytes, elapsed, baseline)
        });
    });
    group.finish();
    println!();
    timing::print_paired("scan_all (in memory) vs crc32fast", "B", &scan, SAMPLES);
    timing::print_paired("Reader::next vs crc32fast", "B", &read, SAMPLES);
}

criterion_group!(benches, recovery);

fn main() {
    println!("load average before: {}", benches::timing::load_average());
    benches();
    println!("load average after: {}", benches::timing::load_average());
    Criterion::default().configure_from_args().final_summary();
}
