//! Fuzz the frame scanner with arbitrary segment bytes: it must never panic, never return a
//! range outside its input, and every record it returns must be a frame that checks out.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (records, _damage) = wal::frame::scan_all(data, 0);
    for r in records {
        // A returned payload re-encodes to a frame that scans back to itself.
        let frame = wal::frame::encode_committed(r, 1).expect("a returned record fits a frame");
        let (again, damage) = wal::frame::scan_all(&frame, 0);
        assert_eq!(again, vec![r]);
        assert!(damage.is_empty());
    }
});
