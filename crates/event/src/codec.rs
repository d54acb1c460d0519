//! The binary codec of an [`Event`]: one format-version byte, then the event in postcard.
//!
//! ```text
//! +---------+--------------------------------------------+
//! | version | postcard(Event) of that version            |
//! | 1 byte  | rest of the record, no trailing bytes      |
//! +---------+--------------------------------------------+
//! ```
//!
//! The record's length is the log frame's; the codec adds no framing of its own.
//!
//! # Layout rules
//!
//! postcard is not self-describing: the bytes are the struct fields in declaration order, enums
//! as their variant index (a varint), `Option` as a 0/1 tag, strings and vectors as a varint
//! length and the bytes. Therefore, within a version:
//!
//! - never reorder, insert, remove or retype a field of `Event`, `Fields`, `Tokens` or `McpTarget`;
//! - enums (`Kind`, `Agent`, `Source`, `Phase`, `Outcome`) may gain variants **at the end** only
//!   (an old reader then rejects a record with a new variant as `Malformed`; a new reader reads
//!   every old record);
//! - never use `#[serde(skip_serializing_if)]`, `flatten`, `untagged` or `skip` on these types.
//!
//! The golden test (`tests/golden/v1.bin`, checked by `tests/it/golden.rs`) fails on any change
//! to the layout.
//!
//! # Adding version 2
//!
//! When the layout must change (a new field, say):
//!
//! 1. Copy today's types, unchanged, into a new private module `v1.rs` (`v1::Event`, `v1::Fields`,
//!    …, with their serde derives), and write `impl From<v1::Event> for Event` that fills the new
//!    fields with their defaults.
//! 2. Change the public types as needed and set [`FORMAT_VERSION`] to 2.
//! 3. In [`decode`], dispatch on the version byte: `1 => postcard::from_bytes::<v1::Event>` then
//!    `.into()`, `2 => postcard::from_bytes::<Event>`. [`encode`] only ever writes the newest
//!    version.
//! 4. Keep `golden/v1.bin` and its test as they are (it now exercises the v1 path) and add
//!    `golden/v2.bin` for the new layout.
//!
//! Logs are never rewritten: a newer tl reads every older record through this chain.

use crate::{Error, Event};

/// The format version [`encode`] writes, and the newest one [`decode`] reads.
pub const FORMAT_VERSION: u8 = 1;

/// Encodes `event` as one record: the version byte, then postcard.
pub fn encode(event: &Event) -> Vec<u8> {
    let mut buf = Vec::with_capacity(64 + event.raw.len() + event.summary.len());
    encode_into(event, &mut buf);
    buf
}

/// Appends the record of `event` to `buf` (see [`encode`]); reuse `buf` to avoid allocation.
pub fn encode_into(event: &Event, buf: &mut Vec<u8>) {
    let start = buf.len();
    buf.push(FORMAT_VERSION);
    // postcard's serializer only fails on types it cannot express (maps or sequences of unknown
    // length, errors from hand-written `Serialize` impls); `Event` is derived structs, enums,
    // strings, options and vectors, so this cannot fail. Should it ever, leave a bare version
    // byte (which `decode` reports as malformed) rather than panic in a hook process.
    if postcard::serialize_with_flavor(event, Append(buf)).is_err() {
        buf.truncate(start + 1);
    }
}

/// A postcard output flavor that appends to a borrowed `Vec`, keeping what it held.
struct Append<'a>(&'a mut Vec<u8>);

impl postcard::ser_flavors::Flavor for Append<'_> {
    type Output = ();

    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.0.push(data);
        Ok(())
    }

    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        self.0.extend_from_slice(data);
        Ok(())
    }

    fn finalize(self) -> postcard::Result<()> {
        Ok(())
    }
}

/// Decodes one record written by [`encode`] of this or any older version.
///
/// The input is treated as hostile: any byte string gives an event or an error, never a panic,
/// and allocations are bounded by the input's length.
///
/// # Errors
///
/// [`Error::Empty`] for no bytes, [`Error::UnsupportedVersion`] for a version byte other than 1,
/// [`Error::Malformed`] when the body does not decode, [`Error::TrailingBytes`] when bytes remain.
pub fn decode(bytes: &[u8]) -> Result<Event, Error> {
    let Some((&version, body)) = bytes.split_first() else {
        return Err(Error::Empty);
    };
    match version {
        1 => {
            let (event, rest) = postcard::take_from_bytes::<Event>(body)
                .map_err(|source| Error::Malformed { version, source })?;
            if rest.is_empty() {
                Ok(event)
            } else {
                Err(Error::TrailingBytes { version, count: rest.len() })
            }
        }
        found => Err(Error::UnsupportedVersion { found }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Agent, Kind, Phase, SessionId, Source, Timestamp};

    fn minimal() -> Event {
        Event::new(
            Timestamp(1),
            SessionId::from("s"),
            Agent::Codex,
            Source::Hook,
            Kind::Other,
            Phase::Instant,
        )
    }

    #[test]
    fn round_trips_minimal_event() {
        let ev = minimal();
        assert_eq!(decode(&encode(&ev)).ok(), Some(ev));
    }

    #[test]
    fn rejects_empty_unknown_version_and_trailing_bytes() {
        assert!(matches!(decode(&[]), Err(Error::Empty)));
        let mut bytes = encode(&minimal());
        bytes[0] = 2;
        assert!(matches!(decode(&bytes), Err(Error::UnsupportedVersion { found: 2 })));
        bytes[0] = 1;
        bytes.push(0);
        assert!(matches!(decode(&bytes), Err(Error::TrailingBytes { version: 1, count: 1 })));
        assert!(matches!(decode(&[1]), Err(Error::Malformed { version: 1, .. })));
    }

    #[test]
    fn encode_into_appends() {
        let mut buf = vec![0xAA];
        encode_into(&minimal(), &mut buf);
        assert_eq!(buf[0], 0xAA);
        assert_eq!(&buf[1..], encode(&minimal()).as_slice());
    }
}
