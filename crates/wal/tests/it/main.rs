//! Integration tests of the segment log: one binary (STYLE.md), one module per concern.
//!
//! The multi-process tests re-execute this binary as writer processes: `child::writer` is an
//! ignored test that does nothing unless `WAL_CHILD` is set, which is how a child is told to act.

mod basics;
mod child;
mod concurrency;
mod crash;
mod damage;
mod props;

use std::path::Path;
use std::time::{Duration, Instant};

/// A log config in `dir` with small segments, so tests roll over often.
pub fn small_config(dir: &Path, segment_size: u64) -> wal::Config {
    let mut c = wal::Config::new(dir);
    c.segment_size = segment_size;
    c.stall_timeout = Duration::from_millis(300);
    c
}

/// Every record from `from`, waiting out slots of writers that may still be alive.
pub fn read_all(wal: &wal::Wal) -> (Vec<(wal::Lsn, Vec<u8>)>, wal::ScanReport) {
    let mut reader = wal.reader(wal::Lsn::ZERO);
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(r) = reader.next().expect("read") {
            out.push((r.lsn, r.payload.to_vec()));
        } else if reader.is_waiting_on_writer() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        } else {
            break;
        }
    }
    let report = reader.report().clone();
    (out, report)
}

/// The payload writer `w` appends as its `seq`th record: self-describing, so a reader can tell
/// an intact record from a damaged one, with a length that varies from 0 to ~600 bytes.
pub fn payload(w: u32, seq: u32) -> Vec<u8> {
    let len = (seq.wrapping_mul(2_654_435_761) ^ w) % 600;
    let mut p = format!("{w}:{seq}:").into_bytes();
    p.extend((0..len).map(|i| b'a' + ((i + seq + w) % 26) as u8));
    p
}

/// Parses and checks a record made by [`payload`].
pub fn parse_payload(p: &[u8]) -> Option<(u32, u32)> {
    let s = std::str::from_utf8(p).ok()?;
    let mut parts = s.splitn(3, ':');
    let w = parts.next()?.parse().ok()?;
    let seq = parts.next()?.parse().ok()?;
    (payload(w, seq) == p).then_some((w, seq))
}
