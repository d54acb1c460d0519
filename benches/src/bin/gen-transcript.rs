//! Writes a large Claude Code transcript for the import benchmark: the real session of the capture
//! fixtures, repeated with fresh tool, message and request ids until the file reaches a size.
//!
//! Usage: `gen-transcript OUT.jsonl MIB`

use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().ok_or("usage: gen-transcript OUT.jsonl MIB")?;
    let mib: u64 = args.next().ok_or("usage: gen-transcript OUT.jsonl MIB")?.parse()?;
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../crates/capture/tests/fixtures/claude-code/0cfde7cd-23f6-45f2-9cd7-3fae11d5363e.jsonl",
    );
    let text = std::fs::read_to_string(fixture)?;
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut file = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&out)?);
    let target = mib * 1024 * 1024;
    let mut written = 0u64;
    let mut round = 0u64;
    while written < target {
        // Fresh ids per round, so no call, message or request repeats one of another round.
        let tag = format!("r{round:06}");
        for line in &lines {
            let line = line
                .replace("toolu_", &format!("toolu_{tag}"))
                .replace("\"msg_", &format!("\"msg_{tag}"))
                .replace("\"req_", &format!("\"req_{tag}"));
            file.write_all(line.as_bytes())?;
            file.write_all(b"\n")?;
            written += line.len() as u64 + 1;
        }
        round += 1;
    }
    file.flush()?;
    eprintln!("wrote {written} bytes ({round} copies of the session) to {out}");
    Ok(())
}
