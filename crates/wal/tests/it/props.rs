//! Properties: any appends read back identically (live and compressed); any cut of the tail or
//! flipped bit yields exactly the records it did not touch, never a damaged one.

use proptest::prelude::*;

use crate::{read_all, small_config};

fn payloads() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(prop::collection::vec(any::<u8>(), 0..700), 1..60)
}

/// Appends `records` to a fresh single-segment log; returns the dir, the segment file and
/// where each frame starts and its payload ends (file offsets).
fn single_segment(
    records: &[Vec<u8>],
) -> (tempfile::TempDir, std::path::PathBuf, Vec<(usize, usize)>) {
    let dir = crate::basics::tempdir();
    let wal = wal::Wal::open(small_config(dir.path(), 64 * 1024)).unwrap();
    let spans = records
        .iter()
        .map(|r| {
            let lsn = wal.append(r).unwrap().0 as usize;
            (lsn, lsn + wal::frame::HEADER_LEN + r.len())
        })
        .collect();
    let file = dir.path().join(format!("{:020}.wal", 0));
    (dir, file, spans)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn appends_read_back_identically(records in payloads(), segment_kib in (2u64..8).prop_map(|x| x * 4)) {
        let dir = crate::basics::tempdir();
        let wal = wal::Wal::open(small_config(dir.path(), segment_kib * 1024)).unwrap();
        for r in &records {
            wal.append(r).unwrap();
        }
        let (read, report) = read_all(&wal);
        prop_assert_eq!(report, wal::ScanReport::default());
        let read: Vec<Vec<u8>> = read.into_iter().map(|(_, p)| p).collect();
        prop_assert_eq!(&read, &records);
        wal.compress_sealed().unwrap();
        let (again, _) = read_all(&wal);
        let again: Vec<Vec<u8>> = again.into_iter().map(|(_, p)| p).collect();
        prop_assert_eq!(again, records);
    }

    #[test]
    fn a_cut_tail_yields_exactly_the_longest_valid_prefix(records in payloads(), cut in any::<prop::sample::Index>()) {
        let (dir, file, spans) = single_segment(&records);
        let start = spans[0].0;
        let end = spans.last().unwrap().1;
        let cut_at = start + cut.index(end - start + 1);
        // A torn write: everything from cut_at on never reached the disk.
        let mut bytes = std::fs::read(&file).unwrap();
        bytes[cut_at..end.next_multiple_of(8)].fill(0);
        std::fs::write(&file, bytes).unwrap();
        let wal = wal::Wal::open(small_config(dir.path(), 64 * 1024)).unwrap();
        let (read, _) = read_all(&wal);
        let expected: Vec<&Vec<u8>> = records.iter().zip(&spans).filter(|(_, s)| s.1 <= cut_at).map(|(r, _)| r).collect();
        let read: Vec<&Vec<u8>> = read.iter().map(|(_, p)| p).collect();
        prop_assert_eq!(read, expected);
    }

    #[test]
    fn a_flipped_bit_costs_exactly_the_record_it_hits(records in payloads(), at in any::<prop::sample::Index>(), bit in 0u8..8) {
        let (dir, file, spans) = single_segment(&records);
        let start = spans[0].0;
        let end = spans.last().unwrap().1.next_multiple_of(8);
        let flip = start + at.index(end - start);
        let mut bytes = std::fs::read(&file).unwrap();
        bytes[flip] ^= 1 << bit;
        std::fs::write(&file, bytes).unwrap();
        let wal = wal::Wal::open(small_config(dir.path(), 64 * 1024)).unwrap();
        let (read, report) = read_all(&wal);
        let hit = spans.iter().position(|(s, e)| flip >= *s && flip < e.next_multiple_of(8)).unwrap();
        let expected: Vec<&Vec<u8>> = records.iter().enumerate().filter(|(i, _)| *i != hit).map(|(_, r)| r).collect();
        let read: Vec<&Vec<u8>> = read.iter().map(|(_, p)| p).collect();
        prop_assert_eq!(read, expected);
        prop_assert!(report.damage_count >= 1, "the flip is reported");
    }
}
