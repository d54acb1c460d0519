//! One writer process of the multi-writer benchmark: opens a log, appends one untimed record,
//! creates its ready file, waits for the start file, appends N 300-byte records and prints
//! `<start ns> <end ns> <records>`. Driven by `benches/benches/multi_writer.rs`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = benches::writers::writer_main(&args) {
        eprintln!("wal-writer: {e}");
        std::process::exit(1);
    }
}
