//! Damaged files: a crash mid-rollover, a garbage header, a zero-length segment, flipped bits in
//! a compressed block. Each is stepped over and reported, and appends go on.

use std::fs;

use crate::{read_all, small_config};

const SEG: u64 = 16 * 1024;

fn filled(n: u32) -> (crate::basics::TempDirAlias, Vec<wal::Lsn>) {
    let dir = crate::basics::tempdir();
    let wal = wal::Wal::open(small_config(dir.path(), SEG)).unwrap();
    let lsns = (0..n).map(|i| wal.append(&crate::payload(9, i)).unwrap()).collect();
    (dir, lsns)
}

fn segment_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    v.sort();
    v
}

#[test]
fn reopen_after_a_crash_mid_rollover() {
    let (dir, lsns) = filled(100);
    // A writer died after sealing the last segment and while building the next one: the sealed
    // segment has no successor, and a half-made temporary file is left behind.
    let files = segment_files(dir.path());
    let last = files.last().unwrap();
    let next_base = lsns.last().unwrap().0 / SEG * SEG + SEG;
    fs::write(dir.path().join(format!("{next_base:020}.wal.tmp-999999")), b"half a header")
        .unwrap();
    {
        // Seal the last segment the way a writer that found it full does.
        let mut bytes = fs::read(last).unwrap();
        let cursor = u64::from_le_bytes(bytes[64..72].try_into().unwrap()) | (1 << 63);
        bytes[64..72].copy_from_slice(&cursor.to_le_bytes());
        fs::write(last, bytes).unwrap();
    }
    let wal = wal::Wal::open(small_config(dir.path(), SEG)).unwrap();
    let lsn = wal.append(b"after the crash").unwrap();
    assert_eq!(lsn.0, next_base + 4096, "the next segment starts where the sealed one ends");
    let (records, report) = read_all(&wal);
    assert_eq!(records.len(), 101);
    assert_eq!(records.last().unwrap().1, b"after the crash");
    assert_eq!(report, wal::ScanReport::default());
    assert_eq!(wal.remove_leftovers(), 1);
}

#[test]
fn a_garbage_header_is_reported_and_stepped_over() {
    let (dir, lsns) = filled(200);
    let files = segment_files(dir.path());
    assert!(files.len() >= 3);
    let victim = &files[1];
    let mut bytes = fs::read(victim).unwrap();
    bytes[..64].copy_from_slice(&[0xA5; 64]);
    fs::write(victim, bytes).unwrap();
    let wal = wal::Wal::open(small_config(dir.path(), SEG)).unwrap();
    let (records, report) = read_all(&wal);
    assert_eq!(report.damage.len(), 1);
    assert!(report.damage[0].what.starts_with("damaged-segment: not a tl segment"), "{report:?}");
    // Everything outside the damaged segment is there, in order.
    let victim_base: u64 = victim.file_stem().unwrap().to_str().unwrap().parse().unwrap();
    let expected: Vec<_> =
        lsns.iter().filter(|l| l.0 / SEG * SEG != victim_base).copied().collect();
    assert_eq!(records.iter().map(|r| r.0).collect::<Vec<_>>(), expected);
    for (_, p) in &records {
        assert!(crate::parse_payload(p).is_some());
    }
}

#[test]
fn a_zero_length_segment_is_stepped_over_by_readers_and_writers() {
    let (dir, lsns) = filled(10);
    let next_base = lsns.last().unwrap().0 / SEG * SEG + SEG;
    {
        // Seal the active segment, then leave an empty file where the next one would be.
        let wal = wal::Wal::open(small_config(dir.path(), SEG)).unwrap();
        drop(wal);
        let files = segment_files(dir.path());
        let last = files.last().unwrap();
        let mut bytes = fs::read(last).unwrap();
        let cursor = u64::from_le_bytes(bytes[64..72].try_into().unwrap()) | (1 << 63);
        bytes[64..72].copy_from_slice(&cursor.to_le_bytes());
        fs::write(last, bytes).unwrap();
        fs::write(dir.path().join(format!("{next_base:020}.wal")), b"").unwrap();
    }
    let wal = wal::Wal::open(small_config(dir.path(), SEG)).unwrap();
    let lsn = wal.append(b"next").unwrap();
    assert!(lsn.0 > next_base, "written after the empty file, not into it");
    let (records, report) = read_all(&wal);
    assert_eq!(records.len(), 11);
    assert_eq!(report.damage.len(), 1);
    assert!(report.damage[0].what.contains("shorter than a segment header"), "{report:?}");
}

#[test]
fn a_damaged_compressed_block_costs_only_its_records() {
    let dir = crate::basics::tempdir();
    let wal = wal::Wal::open(small_config(dir.path(), 1024 * 1024)).unwrap();
    // ~3 MiB of records: several segments of several 256 KiB blocks each.
    let n = 10_000u32;
    for i in 0..n {
        wal.append(&crate::payload(8, i)).unwrap();
    }
    assert!(wal.compress_sealed().unwrap() >= 2);
    let victim =
        segment_files(dir.path()).into_iter().find(|p| p.extension().unwrap() == "walz").unwrap();
    let mut bytes = fs::read(&victim).unwrap();
    let middle = 64 + 1000; // inside the first block
    bytes[middle] ^= 0x10;
    fs::write(&victim, bytes).unwrap();
    let (records, report) = read_all(&wal);
    assert_eq!(report.damage.len(), 1, "{report:?}");
    assert!(report.damage[0].what.starts_with("damaged-block"));
    assert!(records.len() < n as usize && records.len() > n as usize - 1500);
    assert!(records.iter().all(|(_, p)| crate::parse_payload(p).is_some()));
}
