//! A 10–20-second summary of the segment log's benchmarks, printing each ratio against its
//! same-run baseline: append vs memcpy, four writer processes on one log vs on four, recovery
//! scan vs CRC-32, and bytes on disk vs raw JSON. The full benchmarks are the criterion benches
//! and the scripts in `benches/`; see docs/performance.md.
//!
//! Usage: `cargo run --release -p benches --bin quick`

use std::time::Instant;

use benches::compression::{self, Corpus};
use benches::timing::{self, MemcpyTarget, RecoveryLog, median, si};
use benches::workload;
use benches::writers::{self, WriterCommand};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // The multi-writer section re-executes this binary as its writers.
    let result = match args.first().map(String::as_str) {
        Some("--writer") => writers::writer_main(&args[1..]),
        _ => run(),
    };
    if let Err(e) = result {
        eprintln!("quick: {e}");
        std::process::exit(1);
    }
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

fn run() -> benches::Result<()> {
    let started = Instant::now();
    println!("load average before: {}", timing::load_average());
    let record = workload::record_300();

    // 1. One writer in process, against memcpy; rounds interleaved, medians compared.
    let n = 1_000_000;
    let mut target = MemcpyTarget::default();
    let (mut wal_rates, mut warm_rates, mut copy_rates) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..7 {
        copy_rates.push(n as f64 / target.copy(&record, n).as_secs_f64());
        wal_rates.push(n as f64 / timing::append_fresh(&record, n)?.as_secs_f64());
        warm_rates.push(n as f64 / timing::append_warm(&record, n)?.as_secs_f64());
    }
    let (wal, copy) = (median(&mut wal_rates), median(&mut copy_rates));
    let warm = median(&mut warm_rates);
    println!("1. append 300 B, one writer (median of 7 interleaved rounds of {})", si(n as f64));
    println!("   memcpy baseline  {}records/s", si(copy));
    println!("   Wal::append      {}records/s", si(wal));
    println!("   ratio {:.3} of memcpy; target >= 5 M/s: {}", wal / copy, verdict(wal >= 5e6));
    println!("   Wal::append, pages already cached  {}records/s", si(warm));
    println!("   ratio {:.3} of memcpy; target >= 5 M/s: {}", warm / copy, verdict(warm >= 5e6));

    // 2. Four writer processes: one shared log against four separate ones.
    let cmd = WriterCommand { program: std::env::current_exe()?, prefix: vec!["--writer".into()] };
    let per_writer = 250_000;
    let (mut shared_rates, mut separate_rates) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        separate_rates.push(writers::separate_logs(&cmd, 4, per_writer)?.rate());
        shared_rates.push(writers::shared_log(&cmd, 4, per_writer)?.rate());
    }
    let (shared, separate) = (median(&mut shared_rates), median(&mut separate_rates));
    println!(
        "2. four writer processes x {} records (median of 5 interleaved rounds)",
        si(per_writer as f64)
    );
    println!("   four separate logs (baseline)  {}records/s", si(separate));
    println!("   one shared log                 {}records/s", si(shared));
    println!(
        "   ratio {:.3} of separate logs; target >= 2 M/s: {}",
        shared / separate,
        verdict(shared >= 2e6)
    );

    // 4. Recovery scan of a 128 MiB log against CRC-32 over the same bytes.
    let log = RecoveryLog::build(128 << 20, 64 << 20)?;
    let (mut read_rates, mut crc_rates) = (Vec::new(), Vec::new());
    let bytes = log.frame_bytes as f64;
    for _ in 0..5 {
        crc_rates.push(bytes / log.crc_baseline().as_secs_f64());
        read_rates.push(bytes / log.read_all()?.as_secs_f64());
    }
    let (read, crc) = (median(&mut read_rates), median(&mut crc_rates));
    println!(
        "4. recovery scan, {} MiB of 300 B records (median of 5 interleaved rounds)",
        log.frame_bytes >> 20
    );
    println!("   crc32fast over the bytes (baseline)  {}B/s", si(crc));
    println!("   Reader::next                         {}B/s", si(read));
    println!("   ratio {:.3} of crc32fast", read / crc);
    drop(log);

    // 5. Storage: the wal's compression of sealed segments, and per-record with a dictionary.
    let corpus = Corpus::load()?;
    let stream = workload::repeat_varied(&corpus.all, (8 << 20) * 3 + (4 << 20));
    let wal = compression::wal_sealed(&stream, 8 << 20, 6)?;
    let eval = workload::repeat_varied(&corpus.eval, 4 << 20);
    let block = compression::per_block(&eval, 6, 256 << 10)?;
    let (dict, _) = compression::train_dictionary(&corpus.train, 112 << 10)?;
    let per_record = compression::per_record(&eval, 3, Some(&dict))?;
    println!("5. storage: bytes stored / raw JSON (fixture lines repeated with fresh ids)");
    println!(
        "   wal compress_sealed, 256 KiB blocks, level 6: {:.3} ({:.0} MB/s); target <= 0.25: {}",
        wal.ratio(),
        wal.compress_mbs(),
        verdict(wal.ratio() <= 0.25)
    );
    println!(
        "   held-out sessions: per-block level 6 {:.3} vs per-record + {} KiB dictionary level 3 {:.3}",
        block.ratio(),
        dict.len() >> 10,
        per_record.ratio()
    );
    println!(
        "\nload average after: {}; total {:.1} s (full runs: see docs/performance.md)",
        timing::load_average(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
