//! How the append rate depends on how far the writer is into its mapping: appends 300-byte
//! records to a fresh log (one 512 MiB segment) in chunks of 125 000 records (40 MB), printing
//! records/s and the process's minor page faults per chunk; then opens the log again (a new
//! mapping of the same segment) and does the same for a few more chunks. Few faults per chunk
//! mean the kernel maps large folios (2 MiB); many mean small ones.
//!
//! Usage: `cargo run --release -p benches --bin append-by-offset [ROUNDS]` (default 3)

use std::time::Instant;

use benches::workload;

const CHUNK: u64 = 125_000;

fn minor_faults() -> u64 {
    // Field 10 of /proc/self/stat; the command name (field 2) has no spaces here.
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    stat.split(' ').nth(9).and_then(|f| f.parse().ok()).unwrap_or(0)
}

fn chunks(log: &wal::Wal, record: &[u8], count: usize) -> benches::Result<String> {
    let mut line = String::new();
    for _ in 0..count {
        let faults = minor_faults();
        let start = Instant::now();
        for _ in 0..CHUNK {
            std::hint::black_box(log.append(record)?);
        }
        let rate = CHUNK as f64 / start.elapsed().as_secs_f64();
        line += &format!(" {:>5.2} M/s {:>5} faults |", rate / 1e6, minor_faults() - faults);
    }
    Ok(line)
}

fn main() -> benches::Result<()> {
    let rounds: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(3);
    let record = workload::record_300();
    println!("load average: {}", benches::timing::load_average());
    println!("each cell: one chunk of {CHUNK} records ({} MB)", CHUNK * 320 / 1_000_000);
    for round in 0..rounds {
        let dir = workload::bench_tempdir("tl-bench-offset")?;
        let config = wal::Config { segment_size: 512 << 20, ..wal::Config::new(dir.path()) };
        let log = wal::Wal::open(config.clone())?;
        log.append(&record)?;
        println!("round {round}, first open: |{}", chunks(&log, &record, 8)?);
        drop(log);
        let log = wal::Wal::open(config)?;
        println!("round {round}, reopened:   |{}", chunks(&log, &record, 4)?);
    }
    Ok(())
}
