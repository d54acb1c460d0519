//! Fuzz the event decoder with arbitrary bytes: no panic, and whatever decodes re-encodes to
//! bytes that decode to the same event.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(event) = event::decode(data) {
        let bytes = event::encode(&event);
        let again = event::decode(&bytes).expect("an encoded event decodes");
        assert_eq!(again, event);
    }
});
