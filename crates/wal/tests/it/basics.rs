//! Appending, reading from any LSN, rollover, compression, removal and durability tiers.

use crate::{read_all, small_config};

#[test]
fn appends_read_back_in_order_across_rollovers() {
    let dir = tempdir();
    let wal = wal::Wal::open(small_config(dir.path(), 16 * 1024)).unwrap();
    let mut lsns = Vec::new();
    for i in 0..500u32 {
        lsns.push(wal.append(&crate::payload(1, i)).unwrap());
    }
    assert!(lsns.windows(2).all(|w| w[0] < w[1]), "LSNs grow");
    let (records, report) = read_all(&wal);
    assert_eq!(records.len(), 500);
    for (i, (lsn, p)) in records.iter().enumerate() {
        assert_eq!(*lsn, lsns[i]);
        assert_eq!(p, &crate::payload(1, i as u32));
    }
    assert_eq!(report, wal::ScanReport::default());
    let segments = wal.segments().unwrap();
    assert!(segments.len() > 5, "500 records of ~300 B roll over 16 KiB segments");
    assert!(segments[..segments.len() - 1].iter().all(|s| s.sealed));
    assert!(!segments.last().unwrap().sealed);
}

#[test]
fn reads_from_any_returned_lsn() {
    let dir = tempdir();
    let wal = wal::Wal::open(small_config(dir.path(), 16 * 1024)).unwrap();
    let lsns: Vec<_> = (0..200).map(|i| wal.append(&crate::payload(2, i)).unwrap()).collect();
    for start in [0usize, 1, 57, 120, 199] {
        let mut reader = wal.reader(lsns[start]);
        let mut n = start;
        while let Some(r) = reader.next().unwrap() {
            assert_eq!(r.lsn, lsns[n]);
            assert_eq!(r.payload, crate::payload(2, n as u32));
            n += 1;
        }
        assert_eq!(n, 200);
        assert!(reader.position().0 > lsns[199].0);
    }
}

#[test]
fn a_reader_follows_the_tail() {
    let dir = tempdir();
    let wal = wal::Wal::open(small_config(dir.path(), 8192)).unwrap();
    let mut reader = wal.reader(wal::Lsn::ZERO);
    assert!(reader.next().unwrap().is_none(), "empty log");
    for round in 0..30u32 {
        wal.append(&crate::payload(3, round)).unwrap();
        assert!(reader.wait(std::time::Duration::from_secs(5)).unwrap());
        let r = reader.next().unwrap().expect("the record just appended");
        assert_eq!(r.payload, crate::payload(3, round));
        assert!(reader.next().unwrap().is_none());
    }
}

#[test]
fn sealed_segments_compress_and_read_the_same() {
    let dir = tempdir();
    let wal = wal::Wal::open(small_config(dir.path(), 64 * 1024)).unwrap();
    let json = r#"{"session_id":"0cfde7cd","hook_event_name":"PostToolUse","tool_name":"Bash","tool_input":{"command":"ls -la config/"},"tool_response":{"stdout":"total 16\ndrwxr-xr-x 2 dev dev 4096 app.yml\n","exit_code":0}}"#;
    let lsns: Vec<_> =
        (0..2000).map(|i| wal.append(format!("{json}{i}").as_bytes()).unwrap()).collect();
    let before = read_all(&wal).0;
    let compressed = wal.compress_sealed().unwrap();
    assert!(compressed >= 5);
    let infos = wal.segments().unwrap();
    assert_eq!(infos.iter().filter(|s| s.compressed).count(), compressed);
    let raw: u64 = infos.iter().filter(|s| s.compressed).map(|s| s.end.0 - s.base.0).sum();
    let packed: u64 = infos.iter().filter(|s| s.compressed).map(|s| s.file_bytes).sum();
    assert!(packed * 10 < raw, "repetitive JSON compresses at least 10x: {packed} of {raw}");
    let (after, report) = read_all(&wal);
    assert_eq!(after, before);
    assert_eq!(report, wal::ScanReport::default());
    // Reading from the middle of a compressed segment.
    let mut reader = wal.reader(lsns[777]);
    assert_eq!(reader.next().unwrap().unwrap().payload, format!("{json}777").as_bytes());
    // Appends go on after compaction, and a fresh handle finds the right segment.
    let wal2 = wal::Wal::open(small_config(dir.path(), 64 * 1024)).unwrap();
    let next = wal2.append(b"after").unwrap();
    assert!(next > *lsns.last().unwrap());
    assert_eq!(read_all(&wal2).0.last().unwrap().1, b"after");
}

#[test]
fn removing_old_segments_keeps_the_rest_readable() {
    let dir = tempdir();
    let wal = wal::Wal::open(small_config(dir.path(), 16 * 1024)).unwrap();
    let lsns: Vec<_> = (0..400).map(|i| wal.append(&crate::payload(4, i)).unwrap()).collect();
    wal.compress_sealed().unwrap();
    let cut = lsns[250];
    let removed = wal.remove_segments_before(cut).unwrap();
    assert!(!removed.is_empty());
    assert!(removed.iter().all(|s| s.end <= cut));
    let (records, _) = read_all(&wal);
    let first = records.first().unwrap().0;
    assert!(first <= cut && first > lsns[0]);
    // Every record from the first kept one on is still there, in order.
    let start = lsns.iter().position(|l| *l == first).unwrap();
    assert_eq!(records.len(), 400 - start);
    // The active segment is never removed.
    assert!(wal.remove_segments_before(wal::Lsn(u64::MAX)).unwrap().iter().all(|s| s.sealed));
    assert!(!wal.segments().unwrap().is_empty());
    wal.append(b"still appendable").unwrap();
}

#[test]
fn durability_tiers_all_append_and_sync() {
    for durability in [wal::Durability::Os, wal::Durability::Batch, wal::Durability::Sync] {
        let dir = tempdir();
        let mut config = small_config(dir.path(), 16 * 1024);
        config.durability = durability;
        let wal = std::sync::Arc::new(wal::Wal::open(config).unwrap());
        let flusher = wal.flusher(std::time::Duration::from_millis(5));
        for i in 0..100 {
            wal.append(&crate::payload(5, i)).unwrap();
        }
        wal.sync().unwrap();
        drop(flusher);
        assert_eq!(read_all(&wal).0.len(), 100, "{durability:?}");
    }
}

#[test]
fn oversized_records_and_bad_configs_are_errors() {
    let dir = tempdir();
    let wal = wal::Wal::open(small_config(dir.path(), 8192)).unwrap();
    let too_big = vec![0u8; wal.max_record() + 1];
    assert!(matches!(wal.append(&too_big), Err(wal::Error::TooLarge { .. })));
    wal.append(&vec![7u8; wal.max_record()]).unwrap();
    assert!(matches!(wal::Wal::open(small_config(dir.path(), 5000)), Err(wal::Error::Config(_))));
}

#[test]
fn files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    let log = dir.path().join("log");
    let wal = wal::Wal::open(small_config(&log, 8192)).unwrap();
    wal.append(b"x").unwrap();
    assert_eq!(std::fs::metadata(&log).unwrap().permissions().mode() & 0o777, 0o700);
    for e in std::fs::read_dir(&log).unwrap() {
        assert_eq!(e.unwrap().metadata().unwrap().permissions().mode() & 0o777, 0o600);
    }
}

#[test]
fn a_full_disk_is_an_error_not_a_crash() {
    // RLIMIT_FSIZE below the segment size makes the preallocation fail like a full disk would,
    // without touching a real file system's free space.
    let dir = tempdir();
    let status = crate::child::run_child("full_disk", dir.path(), &[]);
    assert!(status.success(), "the child saw an error, not a signal: {status:?}");
}

pub type TempDirAlias = tempfile::TempDir;

pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("tl-wal-").tempdir().unwrap()
}
