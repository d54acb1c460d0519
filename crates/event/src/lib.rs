//! The event model: one [`Event`] per observation of an agent, and its versioned binary codec.
//!
//! An event says *when* ([`Timestamp`]), *in which session* ([`SessionId`]), *of which agent*
//! ([`Agent`]), *seen how* ([`Source`]), *what* ([`Kind`], [`Phase`], typed [`Fields`], a one-line
//! summary) and keeps the payload the agent sent, redacted, in [`Event::raw`].
//!
//! Steps: the indexer folds the `Phase::Call` and `Phase::Result` events of one action into a step,
//! pairing them on their [`CorrelationId`]. One call may yield several events (a Codex `apply_patch`
//! touching three files gives three `FILE_WRITE` calls with the same id); those differ in
//! `fields.paths`, so the pairing key is (correlation, [`Kind::call_kind`], first path).
//!
//! The codec ([`encode`], [`decode`]) is postcard behind a format-version byte; see [`codec`] for
//! the layout rules and how a version 2 will be added.
//!
//! This crate has no workspace dependencies and does no IO.

mod agent;
pub mod civil;
pub mod codec;
mod fields;
mod id;
mod kind;
mod names;

use serde::{Deserialize, Serialize};

pub use agent::{Agent, Source};
pub use codec::{FORMAT_VERSION, decode, encode, encode_into};
pub use fields::{Fields, McpTarget, Outcome, Tokens};
pub use id::{CorrelationId, SessionId, Timestamp};
pub use kind::{Kind, Phase};

/// One observation of an agent.
///
/// The field order is the codec's: see [`codec`] before changing anything here.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Event {
    /// When it was observed.
    pub ts: Timestamp,
    /// The agent's own session id.
    pub session: SessionId,
    /// The agent observed.
    pub agent: Agent,
    /// How it was observed.
    pub source: Source,
    /// What it is.
    pub kind: Kind,
    /// Where it sits in a step.
    pub phase: Phase,
    /// The key that pairs a call with its result (`tool_use_id`, `call_id`), if any.
    pub correlation: Option<CorrelationId>,
    /// The typed fields of the kind.
    pub fields: Fields,
    /// One line for humans: `$ rm config/secrets.yml`, `Read config/secrets.yml`.
    pub summary: String,
    /// The payload as the agent sent it (JSON, after redaction), so that nothing is lost.
    pub raw: String,
}

impl Event {
    /// An event with empty fields, summary and raw payload, for building up.
    pub fn new(
        ts: Timestamp,
        session: SessionId,
        agent: Agent,
        source: Source,
        kind: Kind,
        phase: Phase,
    ) -> Event {
        Event {
            ts,
            session,
            agent,
            source,
            kind,
            phase,
            correlation: None,
            fields: Fields::default(),
            summary: String::new(),
            raw: String::new(),
        }
    }
}

impl Event {
    /// The key that pairs this event with the other half of its step, for `Call` and `Result`
    /// events with a correlation id: the id, the call's kind ([`Kind::call_kind`]) and the first
    /// path (which tells apart the files of one `apply_patch`). `None` for instants and for
    /// events without an id, which are steps by themselves.
    pub fn pair_key(&self) -> Option<(&str, Kind, Option<&str>)> {
        if self.phase == Phase::Instant {
            return None;
        }
        let id = self.correlation.as_ref()?;
        Some((id.as_str(), self.kind.call_kind(), self.fields.paths.first().map(String::as_str)))
    }
}

/// Errors of this crate: decoding a record, or parsing one of the stable names.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The record has no bytes at all.
    #[error("empty event record")]
    Empty,
    /// The record's version byte is not one this build reads.
    #[error(
        "unsupported event format version {found} (this build reads 1..={FORMAT_VERSION})\nhint: a newer tl wrote this log; upgrade tl"
    )]
    UnsupportedVersion {
        /// The version byte found.
        found: u8,
    },
    /// The record's body does not decode as an event of its version.
    #[error("malformed event record (format version {version}): {source}")]
    Malformed {
        /// The record's version byte.
        version: u8,
        /// What postcard found wrong.
        source: postcard::Error,
    },
    /// The record decoded, but bytes were left after the event.
    #[error("{count} trailing bytes after event record (format version {version})")]
    TrailingBytes {
        /// The record's version byte.
        version: u8,
        /// How many bytes were left over.
        count: usize,
    },
    /// A string is not one of the stable names of a `Kind`, `Agent`, `Source`, `Phase` or `Outcome`.
    #[error("unknown {what} name {name:?}")]
    UnknownName {
        /// Which enum was parsed (`kind`, `agent`, …).
        what: &'static str,
        /// The string given.
        name: String,
    },
}
