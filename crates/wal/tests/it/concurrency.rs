//! Many writers at once: processes and threads, each record present exactly once and intact.

use std::collections::HashSet;
use std::io::BufRead;

#[test]
fn eight_processes_append_ten_thousand_records_each() {
    const WRITERS: u32 = 8;
    const RECORDS: u32 = 10_000;
    let dir = crate::basics::tempdir();
    // 1 MiB segments: a few dozen rollovers under full contention.
    let children: Vec<_> = (0..WRITERS)
        .map(|w| {
            let args = [w.to_string(), RECORDS.to_string(), (1024 * 1024).to_string()];
            crate::child::child_command("writer", dir.path(), &args)
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    std::fs::write(dir.path().join("go"), b"").unwrap();
    let mut acked = HashSet::new();
    for (w, mut child) in children.into_iter().enumerate() {
        let out = std::io::BufReader::new(child.stdout.take().unwrap());
        for line in out.lines() {
            let line = line.unwrap();
            // Other lines are the test harness talking.
            let Some((seq, lsn)) = line.strip_prefix("ack ").and_then(|l| l.split_once(' ')) else {
                continue;
            };
            acked.insert((w as u32, seq.parse::<u32>().unwrap(), lsn.parse::<u64>().unwrap()));
        }
        assert!(child.wait().unwrap().success());
    }
    assert_eq!(acked.len(), (WRITERS * RECORDS) as usize);
    let wal = wal::Wal::open(crate::small_config(dir.path(), 1024 * 1024)).unwrap();
    let (records, report) = crate::read_all(&wal);
    assert_eq!(report, wal::ScanReport::default(), "no damage, nothing abandoned");
    let mut seen = HashSet::new();
    for (lsn, p) in &records {
        let (w, seq) = crate::parse_payload(p).expect("every record intact");
        assert!(seen.insert((w, seq, lsn.0)), "record {w}:{seq} read twice");
    }
    assert_eq!(seen, acked, "every acknowledged record, at its acknowledged LSN, and nothing else");
    // Per writer, records are in the order it appended them.
    for w in 0..WRITERS {
        let seqs: Vec<u32> = records
            .iter()
            .filter_map(|(_, p)| crate::parse_payload(p))
            .filter(|(pw, _)| *pw == w)
            .map(|(_, s)| s)
            .collect();
        assert_eq!(seqs, (0..RECORDS).collect::<Vec<_>>());
    }
}

#[test]
fn eight_threads_share_one_handle() {
    let dir = crate::basics::tempdir();
    let wal =
        std::sync::Arc::new(wal::Wal::open(crate::small_config(dir.path(), 256 * 1024)).unwrap());
    std::thread::scope(|s| {
        for w in 0..8u32 {
            let wal = &wal;
            s.spawn(move || {
                for seq in 0..5_000 {
                    wal.append(&crate::payload(w, seq)).unwrap();
                }
            });
        }
    });
    let (records, report) = crate::read_all(&wal);
    assert_eq!(report, wal::ScanReport::default());
    let set: HashSet<_> = records.iter().map(|(_, p)| crate::parse_payload(p).unwrap()).collect();
    assert_eq!(set.len(), 40_000);
    assert_eq!(records.len(), 40_000);
}
