//! kill -9 at random moments: every acknowledged record survives, nothing corrupt is returned,
//! and the log takes appends afterwards. Small segments make many kills land mid-rollover.

use std::collections::HashSet;
use std::io::Read;
use std::time::Duration;

const ROUNDS: u32 = 200;
const WRITERS: u32 = 3;
const SEGMENT: u64 = 64 * 1024;

#[test]
fn kill_nine_at_random_moments_loses_no_acknowledged_record() {
    let mut rng = Rng::from_time();
    eprintln!("crash test seed {}", rng.0);
    let mut dir = crate::basics::tempdir();
    let mut acked: HashSet<(u32, u32, u64)> = HashSet::new();
    let (mut total_acked, mut total_abandoned, mut max_segments) = (0, 0, 0);
    for round in 0..ROUNDS {
        if round % 10 == 0 {
            dir = crate::basics::tempdir();
            acked.clear();
        }
        let go = dir.path().join("go");
        let _ = std::fs::remove_file(&go);
        let mut children: Vec<_> = (0..WRITERS)
            .map(|i| {
                let w = round * WRITERS + i;
                let args = [w.to_string(), "1000000".into(), SEGMENT.to_string()];
                let child = crate::child::child_command("writer", dir.path(), &args)
                    .stdout(std::process::Stdio::piped())
                    .spawn()
                    .unwrap();
                (w, child)
            })
            .collect();
        std::fs::write(&go, b"").unwrap();
        std::thread::sleep(Duration::from_micros(rng.below(20_000)));
        for (_, child) in &mut children {
            child.kill().unwrap();
        }
        for (w, mut child) in children {
            child.wait().unwrap(); // reaped: a zombie's pid would still look alive
            let mut out = String::new();
            child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
            for line in out.lines() {
                // The last line may be cut by the kill; only whole lines were acknowledged.
                let Some((seq, lsn)) = line.strip_prefix("ack ").and_then(|l| l.split_once(' '))
                else {
                    continue;
                };
                let (Ok(seq), Ok(lsn)) = (seq.parse(), lsn.parse()) else { continue };
                acked.insert((w, seq, lsn));
            }
        }
        let wal = wal::Wal::open(crate::small_config(dir.path(), SEGMENT)).unwrap();
        let (records, report) = crate::read_all(&wal);
        assert_eq!(report.damage, vec![], "round {round}: kill -9 damages nothing");
        total_abandoned += report.abandoned;
        max_segments = max_segments.max(wal.segments().unwrap().len());
        let mut seen = HashSet::new();
        for (lsn, p) in &records {
            if p.starts_with(b"after round ") {
                continue; // appended by this test after an earlier round
            }
            let (w, seq) = crate::parse_payload(p)
                .unwrap_or_else(|| panic!("round {round}: corrupt record returned at {lsn}"));
            assert!(seen.insert((w, seq, lsn.0)), "round {round}: {w}:{seq} twice");
        }
        total_acked += acked.len();
        let missing: Vec<_> = acked.difference(&seen).take(5).collect();
        assert!(
            missing.is_empty(),
            "round {round} (seed {}): acknowledged but lost: {missing:?}",
            rng.0
        );
        // The log still takes appends, and they are read back.
        let lsn = wal.append(format!("after round {round}").as_bytes()).unwrap();
        let mut reader = wal.reader(lsn);
        assert_eq!(
            reader.next().unwrap().unwrap().payload,
            format!("after round {round}").as_bytes()
        );
    }
    // The kills must land while writers work, or this test proves nothing.
    eprintln!(
        "acknowledged {total_acked}, abandoned slots {total_abandoned}, up to {max_segments} segments"
    );
    assert!(total_acked > 1000 && max_segments > 2, "writers were killed before they wrote");
}

/// xorshift64*: enough randomness for kill timing, with a seed to replay a failure.
struct Rng(u64);

impl Rng {
    fn from_time() -> Rng {
        let seed = std::env::var("WAL_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        Rng(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}
