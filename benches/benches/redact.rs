//! Redaction speed: `Redactor::redact_str` over every line of the real agent payloads and
//! transcripts of the capture fixtures (hook payloads, Claude Code, Codex and Gemini transcripts,
//! ~0.9 MB, of which a few lines hold the planted fake secrets), in MB/s, against
//! `crc32fast::hash` over the same lines in the same samples (a pass that must touch every byte).
//! Also the common case of a hook: one clean ~2 KB payload, in µs per call.
//!
//! Run: `cargo bench -p benches --bench redact`; the last lines print the ratios.

use std::time::{Duration, Instant};

use benches::timing::{self, Tally};
use capture::redact::Redactor;
use criterion::{Criterion, SamplingMode, Throughput, criterion_group};

const SAMPLES: usize = 10;

fn corpus() -> Vec<String> {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/capture/tests/fixtures");
    let mut lines = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("fixtures") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "jsonl") {
                let text = std::fs::read_to_string(&path).expect("fixture");
                lines.extend(text.lines().map(String::from));
            }
        }
    }
    lines
}

fn redact(c: &mut Criterion) {
    let lines = corpus();
    let bytes: u64 = lines.iter().map(|l| l.len() as u64).sum();
    let redactor = Redactor::new();
    let hook = std::fs::read_to_string(benches::workload::hook_payload_path()).expect("payload");
    println!("corpus: {} lines, {} KB", lines.len(), bytes / 1000);
    let crc = || {
        let t = Instant::now();
        let sum: u32 = lines.iter().fold(0, |acc, l| acc ^ crc32fast::hash(l.as_bytes()));
        std::hint::black_box(sum);
        t.elapsed()
    };
    let tally = Tally::default();
    let mut group = c.benchmark_group("redact");
    group
        .throughput(Throughput::Bytes(bytes))
        .sample_size(SAMPLES)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("redact_str_corpus", |b| {
        b.iter_custom(|n| {
            let baseline: Duration = (0..n).map(|_| crc()).sum();
            let t = Instant::now();
            for _ in 0..n {
                for l in &lines {
                    std::hint::black_box(redactor.redact_str(l));
                }
            }
            tally.record_pair(n * bytes, t.elapsed(), baseline)
        });
    });
    group.throughput(Throughput::Elements(1));
    group.bench_function("redact_str_clean_hook_payload", |b| {
        b.iter(|| std::hint::black_box(redactor.redact_str(std::hint::black_box(&hook))));
    });
    group.bench_function("redactor_new", |b| b.iter(Redactor::new));
    group.finish();
    println!();
    timing::print_paired("redact_str vs crc32fast over the fixture corpus", "B", &tally, SAMPLES);
}

criterion_group!(benches, redact);

fn main() {
    println!("load average before: {}", benches::timing::load_average());
    benches();
    println!("load average after: {}", benches::timing::load_average());
    Criterion::default().configure_from_args().final_summary();
}
