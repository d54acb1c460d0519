//! Storage cost of the log, printed as Markdown tables: bytes on disk / raw JSON for the wal's
//! real `compress_sealed()` (independent zstd blocks of 256 KiB at level 6), the same scheme
//! simulated at levels 3/6/9 and blocks of 64 KiB/256 KiB/1 MiB, and per-record zstd with and
//! without a dictionary trained on other sessions (DESIGN.md §4 asks which).
//!
//! The corpus is every JSON line of the capture fixtures (Claude Code hooks and transcripts,
//! Codex rollout and hooks, Gemini hooks and session), repeated with fresh ids.
//!
//! Usage: `cargo run --release -p benches --bin compression [-- --quick]`

use std::time::Duration;

use benches::compression::{self, Corpus, Measured};
use benches::workload;

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    if let Err(e) = run(quick) {
        eprintln!("compression: {e}");
        std::process::exit(1);
    }
}

fn run(quick: bool) -> benches::Result<()> {
    let corpus = Corpus::load()?;
    println!(
        "corpus: {} lines, {:.0} KB of JSON from {} fixture files; dictionary training part {} \
         lines ({:.0} KB), evaluation part {} lines ({:.0} KB)",
        corpus.all.len(),
        compression::bytes_of(&corpus.all) as f64 / 1e3,
        corpus.files,
        corpus.train.len(),
        compression::bytes_of(&corpus.train) as f64 / 1e3,
        corpus.eval.len(),
        compression::bytes_of(&corpus.eval) as f64 / 1e3,
    );

    // 1. The real thing, over several sealed segments.
    let (segment, segments) = if quick { (8u64 << 20, 3) } else { (64u64 << 20, 3) };
    let stream = workload::repeat_varied(&corpus.all, segment * segments + segment / 2);
    println!(
        "\n## wal compress_sealed: all fixture lines repeated with fresh ids ({} records, {:.0} MB)\n",
        stream.len(),
        compression::bytes_of(&stream) as f64 / 1e6
    );
    let mut rows = vec![compression::wal_sealed(&stream, segment, 6)?];
    if !quick {
        for level in [3, 9] {
            rows.push(compression::wal_sealed(&stream, segment, level)?);
        }
    }
    compression::print_table(&rows);
    let headline = &rows[0];
    let verdict = if headline.ratio() <= 0.25 { "met" } else { "NOT met" };
    println!("\nTARGET log <= 0.25 x raw JSON: {:.3} ({verdict})", headline.ratio());

    // 2. Per-block against per-record (+ dictionary), on the evaluation part only.
    let eval_bytes = if quick { 4u64 << 20 } else { 16 << 20 };
    let eval = workload::repeat_varied(&corpus.eval, eval_bytes);
    println!(
        "\n## per-block vs per-record, evaluation part repeated with fresh ids ({} records, {:.1} MB)\n",
        eval.len(),
        compression::bytes_of(&eval) as f64 / 1e6
    );
    let mut rows: Vec<Measured> = Vec::new();
    let levels: &[i32] = if quick { &[6] } else { &[3, 6, 9] };
    let blocks: &[usize] = if quick { &[256 << 10] } else { &[64 << 10, 256 << 10, 1 << 20] };
    // A block larger than one copy of the evaluation part would contain a repetition of it
    // and find it: with fresh ids only, that is not what other sessions would look like.
    let period = compression::bytes_of(&corpus.eval);
    let mut flagged = false;
    for &level in levels {
        for &block in blocks {
            let mut row = compression::per_block(&eval, level, block)?;
            if block as u64 >= period {
                row.method.push_str(" †");
                flagged = true;
            }
            rows.push(row);
        }
    }
    for &level in if quick { &[3][..] } else { &[3, 6][..] } {
        rows.push(compression::per_record(&eval, level, None)?);
    }
    let dict_sizes: &[usize] = if quick { &[112 << 10] } else { &[64 << 10, 112 << 10] };
    let mut dicts = Vec::new();
    for &size in dict_sizes {
        let (dict, took) = compression::train_dictionary(&corpus.train, size)?;
        println!(
            "dictionary: asked {} KiB, got {} KiB from {} training lines in {:.0} ms",
            size >> 10,
            dict.len() >> 10,
            corpus.train.len(),
            took.as_secs_f64() * 1e3
        );
        for &level in if quick { &[3][..] } else { &[3, 6, 9][..] } {
            rows.push(compression::per_record(&eval, level, Some(&dict))?);
        }
        dicts.push(dict);
    }
    println!();
    compression::print_table(&rows);
    if flagged {
        println!(
            "\n† not meaningful: the block is larger than the {:.0} KB of distinct JSON repeated to \
             make the stream, so zstd finds the previous copy inside the block",
            period as f64 / 1e3
        );
    }

    // 3. What one hook process would pay to compress its record with a dictionary.
    let payload = std::fs::read(workload::hook_payload_path())?;
    println!(
        "\n## one-shot cost in a hook process (set up a compressor, compress one 2 KB record)\n"
    );
    println!("| dictionary | level | time per process |");
    println!("|---|---|---|");
    let us = |d: Duration| format!("{:.0} µs", d.as_secs_f64() * 1e6);
    println!("| none | 3 | {} |", us(compression::one_shot(&payload, 3, None, 200)?));
    for dict in &dicts {
        for level in [3, 6] {
            let t = compression::one_shot(&payload, level, Some(dict), 50)?;
            println!("| {} KiB | {level} | {} |", dict.len() >> 10, us(t));
        }
    }
    Ok(())
}
