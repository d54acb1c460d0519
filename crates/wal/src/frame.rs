//! Frame layout and the frame scanner shared by live segments, sealed segments and the fuzzer.
//!
//! A frame is a 16-byte header followed by the payload, padded to 8 bytes:
//!
//! | bytes | field | meaning |
//! |---|---|---|
//! | 0..8 | state word (u64 LE, atomic) | bits 0..24 payload length, 24..28 state, 28..32 flags, 32..64 writer pid |
//! | 8..12 | crc (u32 LE) | CRC-32 (crc32fast) of the committed state word (8 bytes LE), then the payload |
//! | 12..16 | reserved | zero (checked) |
//! | 16.. | payload | `length` bytes, then zero padding to the next multiple of 8 (checked) |
//!
//! The three states are 3, 5 and 6, two bits apart from each other and from 0, so no single
//! bit flip turns one state into another: it becomes damage that the reader reports.
//!
//! A writer claims a slot by a compare-and-swap of the state word from 0 to (length, RESERVED,
//! pid); so a slot below the segment cursor always knows its length, even when its writer died
//! right after the claim. The scanner is written against [`FrameSource`] so the same code reads a
//! live mapping, a decompressed block and arbitrary fuzzer bytes; it treats its input as hostile.
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::arithmetic_side_effects)]

/// Bytes in a frame header.
pub const HEADER_LEN: usize = 16;
/// Frames start at multiples of this.
pub const ALIGN: usize = 8;
/// The largest payload a frame can carry (the length field has 24 bits).
pub const MAX_PAYLOAD: usize = (1 << 24) - 1;

/// The slot is claimed by a writer that has not published it yet.
pub const STATE_RESERVED: u8 = 0b0011;
/// The slot holds a complete record.
pub const STATE_COMMITTED: u8 = 0b0101;
/// The slot was claimed and given up (its writer lost a race with sealing).
pub const STATE_ABANDONED: u8 = 0b0110;

const LEN_MASK: u64 = (1 << 24) - 1;
const STATE_SHIFT: u32 = 24;
const FLAGS_SHIFT: u32 = 28;
const PID_SHIFT: u32 = 32;

/// The fields of a frame's state word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateWord {
    /// Payload length in bytes.
    pub len: u32,
    /// One of the `STATE_*` constants (0 for a word never written).
    pub state: u8,
    /// Frame flags (4 bits; none defined yet, must be zero).
    pub flags: u8,
    /// The pid of the writer that claimed the slot.
    pub pid: u32,
}

impl StateWord {
    /// Packs the fields into the 64-bit word stored in the frame.
    pub fn pack(self) -> u64 {
        (u64::from(self.len) & LEN_MASK)
            | (u64::from(self.state & 0xf) << STATE_SHIFT)
            | (u64::from(self.flags & 0xf) << FLAGS_SHIFT)
            | (u64::from(self.pid) << PID_SHIFT)
    }

    /// Splits a stored word into its fields.
    pub fn unpack(word: u64) -> StateWord {
        StateWord {
            len: (word & LEN_MASK) as u32,
            state: ((word >> STATE_SHIFT) & 0xf) as u8,
            flags: ((word >> FLAGS_SHIFT) & 0xf) as u8,
            pid: (word >> PID_SHIFT) as u32,
        }
    }
}

/// The size a frame with `payload_len` bytes of payload occupies, header and padding included.
pub fn frame_len(payload_len: usize) -> usize {
    HEADER_LEN.saturating_add(payload_len).next_multiple_of(ALIGN)
}

/// The CRC stored in a frame: over the whole committed state word (length, state, flags and
/// pid), then the payload; so a flipped bit anywhere in a published frame is detected.
pub fn checksum(committed_word: u64, payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&committed_word.to_le_bytes());
    hasher.update(payload);
    hasher.finalize()
}

/// Builds a complete committed frame in memory (used by tests, the fuzzer and compaction).
pub fn encode_committed(payload: &[u8], pid: u32) -> Option<Vec<u8>> {
    let len = u32::try_from(payload.len()).ok().filter(|l| *l as usize <= MAX_PAYLOAD)?;
    let mut out = vec![0u8; frame_len(payload.len())];
    let word = StateWord { len, state: STATE_COMMITTED, flags: 0, pid }.pack();
    out.get_mut(0..8)?.copy_from_slice(&word.to_le_bytes());
    out.get_mut(8..12)?.copy_from_slice(&checksum(word, payload).to_le_bytes());
    out.get_mut(HEADER_LEN..HEADER_LEN.checked_add(payload.len())?)?.copy_from_slice(payload);
    Some(out)
}

/// Where frames are read from: a live mapping (atomic loads) or plain bytes.
pub trait FrameSource {
    /// The 8-byte little-endian word at `offset`, or `None` past the end.
    fn word(&self, offset: usize) -> Option<u64>;
    /// The 4-byte little-endian word at `offset`, or `None` past the end.
    fn word32(&self, offset: usize) -> Option<u32>;
    /// `len` bytes at `offset`, or `None` past the end.
    fn bytes(&self, offset: usize, len: usize) -> Option<&[u8]>;
}

impl FrameSource for [u8] {
    fn word(&self, offset: usize) -> Option<u64> {
        let bytes = self.get(offset..offset.checked_add(8)?)?;
        Some(u64::from_le_bytes(bytes.try_into().ok()?))
    }

    fn word32(&self, offset: usize) -> Option<u32> {
        let bytes = self.get(offset..offset.checked_add(4)?)?;
        Some(u32::from_le_bytes(bytes.try_into().ok()?))
    }

    fn bytes(&self, offset: usize, len: usize) -> Option<&[u8]> {
        self.get(offset..offset.checked_add(len)?)
    }
}

/// Why a frame could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Damage {
    /// A zero state word below the end of written data: the write never reached the disk
    /// (a torn write at power loss).
    Unwritten,
    /// The state word holds an unknown state or flags.
    BadState,
    /// The length runs past the end of the written data.
    BadLength,
    /// The CRC does not match the header and payload.
    BadChecksum,
}

impl Damage {
    /// A short stable name, for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Damage::Unwritten => "unwritten",
            Damage::BadState => "bad-state",
            Damage::BadLength => "bad-length",
            Damage::BadChecksum => "bad-checksum",
        }
    }
}

/// What the scanner found at one position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// A complete, checksummed record: its payload is at `payload_at..payload_at + len`.
    Record {
        /// Offset of the payload.
        payload_at: usize,
        /// Payload length.
        len: usize,
        /// Offset of the next frame.
        next: usize,
    },
    /// A slot claimed but never published; the caller decides whether its writer is still
    /// working on it (wait) or gone (skip to `next`).
    Reserved {
        /// The writer's pid.
        pid: u32,
        /// Offset of the next frame.
        next: usize,
    },
    /// A slot its writer gave up; skip to `next`.
    Abandoned {
        /// Offset of the next frame.
        next: usize,
    },
    /// Damaged bytes; reading resumes at `resume` (the next frame that checks out), or nothing
    /// valid follows before `end` when it is `None`.
    Damaged {
        /// What was wrong.
        damage: Damage,
        /// The next valid frame, if any.
        resume: Option<usize>,
    },
    /// `offset` is at or past `end`.
    End,
}

/// Reads the frame at `offset`, considering only bytes before `end`.
pub fn step<S: FrameSource + ?Sized>(src: &S, offset: usize, end: usize) -> Step {
    match check(src, offset, end) {
        Ok(step) => step,
        Err(damage) => Step::Damaged { damage, resume: resync(src, offset, end) },
    }
}

fn check<S: FrameSource + ?Sized>(src: &S, offset: usize, end: usize) -> Result<Step, Damage> {
    if offset >= end || offset.checked_add(HEADER_LEN).is_none_or(|h| h > end) {
        // Fewer than a header's bytes left: at the exact end this is the end; otherwise the
        // tail is too short to be a frame.
        return if offset >= end { Ok(Step::End) } else { Err(Damage::BadLength) };
    }
    let word = src.word(offset).ok_or(Damage::BadLength)?;
    if word == 0 {
        return Err(Damage::Unwritten);
    }
    let sw = StateWord::unpack(word);
    if sw.flags != 0 {
        return Err(Damage::BadState);
    }
    let next = offset
        .checked_add(frame_len(sw.len as usize))
        .filter(|n| *n <= end)
        .ok_or(Damage::BadLength)?;
    match sw.state {
        STATE_COMMITTED => {
            let payload_at = offset.saturating_add(HEADER_LEN);
            let payload = src.bytes(payload_at, sw.len as usize).ok_or(Damage::BadLength)?;
            let stored = src.word32(offset.saturating_add(8)).ok_or(Damage::BadLength)?;
            let reserved = src.word32(offset.saturating_add(12)).ok_or(Damage::BadLength)?;
            let payload_end = payload_at.saturating_add(sw.len as usize);
            let padding = src
                .bytes(payload_end, next.saturating_sub(payload_end))
                .ok_or(Damage::BadLength)?;
            if stored != checksum(word, payload) || reserved != 0 || padding.iter().any(|b| *b != 0)
            {
                return Err(Damage::BadChecksum);
            }
            Ok(Step::Record { payload_at, len: sw.len as usize, next })
        }
        STATE_RESERVED => Ok(Step::Reserved { pid: sw.pid, next }),
        STATE_ABANDONED => Ok(Step::Abandoned { next }),
        _ => Err(Damage::BadState),
    }
}

/// Finds the next offset after a damaged frame where a committed frame checks out.
///
/// Only committed frames are trusted here: their CRC makes a false match one in 2^32, while a
/// reserved or abandoned word in the middle of garbage proves nothing.
fn resync<S: FrameSource + ?Sized>(src: &S, damaged_at: usize, end: usize) -> Option<usize> {
    let mut at = damaged_at.checked_add(ALIGN)?;
    while at.checked_add(HEADER_LEN).is_some_and(|h| h <= end) {
        if let Some(word) = src.word(at) {
            let sw = StateWord::unpack(word);
            if sw.state == STATE_COMMITTED
                && sw.flags == 0
                && matches!(check(src, at, end), Ok(Step::Record { .. }))
            {
                return Some(at);
            }
        }
        at = at.checked_add(ALIGN)?;
    }
    None
}

/// Every record a byte buffer holds, in order, skipping damage: the model the fuzzer and the
/// property tests check the real readers against.
pub fn scan_all(buf: &[u8], start: usize) -> (Vec<&[u8]>, Vec<(usize, Damage)>) {
    let mut records = Vec::new();
    let mut damage = Vec::new();
    let mut at = start;
    loop {
        match step(buf, at, buf.len()) {
            Step::Record { payload_at, len, next } => {
                if let Some(p) = buf.get(payload_at..payload_at.saturating_add(len)) {
                    records.push(p);
                }
                at = next;
            }
            Step::Reserved { next, .. } | Step::Abandoned { next } => at = next,
            Step::Damaged { damage: d, resume } => {
                damage.push((at, d));
                match resume {
                    Some(r) => at = r,
                    None => break,
                }
            }
            Step::End => break,
        }
    }
    (records, damage)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    fn log_of(payloads: &[&[u8]]) -> Vec<u8> {
        payloads.iter().flat_map(|p| encode_committed(p, 7).expect("fits")).collect()
    }

    #[test]
    fn state_word_round_trips() {
        let sw = StateWord { len: 0xab_cdef, state: STATE_COMMITTED, flags: 0, pid: 4_194_303 };
        assert_eq!(StateWord::unpack(sw.pack()), sw);
    }

    #[test]
    fn frames_are_aligned_and_padded() {
        assert_eq!(frame_len(0), 16);
        assert_eq!(frame_len(1), 24);
        assert_eq!(frame_len(8), 24);
        assert_eq!(frame_len(9), 32);
    }

    #[test]
    fn reads_back_records_in_order() {
        let buf = log_of(&[b"one", b"", b"three is longer"]);
        let (records, damage) = scan_all(&buf, 0);
        assert_eq!(records, vec![&b"one"[..], b"", b"three is longer"]);
        assert!(damage.is_empty());
    }

    #[test]
    fn bad_checksum_is_skipped_and_reading_resumes() {
        let mut buf = log_of(&[b"first", b"second", b"third"]);
        // Flip a payload bit of the second frame.
        buf[frame_len(5) + HEADER_LEN] ^= 0x40;
        let (records, damage) = scan_all(&buf, 0);
        assert_eq!(records, vec![&b"first"[..], b"third"]);
        assert_eq!(damage, vec![(frame_len(5), Damage::BadChecksum)]);
    }

    #[test]
    fn truncated_tail_is_damage_not_data() {
        let buf = log_of(&[b"first", b"second"]);
        let cut = &buf[..buf.len() - 3];
        let (records, damage) = scan_all(cut, 0);
        assert_eq!(records, vec![&b"first"[..]]);
        assert_eq!(damage, vec![(frame_len(5), Damage::BadLength)]);
    }

    #[test]
    fn zero_word_inside_written_data_is_unwritten() {
        let mut buf = vec![0u8; 16];
        buf.extend(log_of(&[b"after the hole"]));
        let (records, damage) = scan_all(&buf, 0);
        assert_eq!(records, vec![&b"after the hole"[..]]);
        assert_eq!(damage, vec![(0, Damage::Unwritten)]);
    }

    #[test]
    fn reserved_and_abandoned_slots_are_stepped_over() {
        let mut reserved = vec![0u8; frame_len(3)];
        let word = StateWord { len: 3, state: STATE_RESERVED, flags: 0, pid: 9 }.pack();
        reserved[..8].copy_from_slice(&word.to_le_bytes());
        let mut abandoned = reserved.clone();
        let word = StateWord { len: 3, state: STATE_ABANDONED, flags: 0, pid: 9 }.pack();
        abandoned[..8].copy_from_slice(&word.to_le_bytes());
        assert_eq!(step(&reserved[..], 0, reserved.len()), Step::Reserved { pid: 9, next: 24 });
        assert_eq!(step(&abandoned[..], 0, abandoned.len()), Step::Abandoned { next: 24 });
    }
}
