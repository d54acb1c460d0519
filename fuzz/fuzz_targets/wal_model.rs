//! Model-based fuzzing of the segment log: a sequence of appends, reopens, torn tails (a crash
//! that left the last frame half written) and compactions, checked after every step against a
//! `Vec` of the records that must be there.
#![no_main]

use libfuzzer_sys::fuzz_target;

const SEGMENT: u64 = 8192;

fn config(dir: &std::path::Path) -> wal::Config {
    let mut c = wal::Config::new(dir);
    c.segment_size = SEGMENT;
    c.stall_timeout = std::time::Duration::ZERO;
    c
}

fn read_all(wal: &wal::Wal) -> Vec<Vec<u8>> {
    let mut reader = wal.reader(wal::Lsn::ZERO);
    let mut out = Vec::new();
    while let Some(r) = reader.next().expect("read") {
        out.push(r.payload.to_vec());
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut wal = wal::Wal::open(config(dir.path())).expect("open");
    let mut model: Vec<Vec<u8>> = Vec::new();
    let mut last: Option<(wal::Lsn, usize)> = None;
    for chunk in data.chunks(2).take(64) {
        let [op, arg] = [chunk[0], *chunk.get(1).unwrap_or(&0)];
        match op % 4 {
            0 | 1 => {
                let payload = vec![op; usize::from(arg) * 7];
                let lsn = wal.append(&payload).expect("append");
                last = Some((lsn, payload.len()));
                model.push(payload);
            }
            2 => {
                drop(wal);
                wal = wal::Wal::open(config(dir.path())).expect("reopen");
            }
            _ => {
                if arg % 2 == 0 {
                    // A crash tore the last frame: zero its payload tail (when it has one).
                    if let Some((lsn, len)) = last.take().filter(|(_, len)| *len > 0) {
                        let base = lsn.0 / SEGMENT * SEGMENT;
                        let path = dir.path().join(format!("{base:020}.wal"));
                        if let Ok(mut bytes) = std::fs::read(&path) {
                            let at = (lsn.0 - base) as usize + 16 + len - 1;
                            bytes[at] = !bytes[at];
                            std::fs::write(&path, bytes).expect("write");
                            model.pop();
                        }
                    }
                } else {
                    wal.compress_sealed().expect("compress");
                    last = None; // its segment may be compressed now
                }
            }
        }
        assert_eq!(read_all(&wal), model);
    }
});
