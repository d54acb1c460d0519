//! Identifier and time newtypes: `Timestamp`, `SessionId`, `CorrelationId`.

use serde::{Deserialize, Serialize};

/// A point in time: nanoseconds since the Unix epoch (UTC). Negative before 1970.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The timestamp `nanos` nanoseconds after the Unix epoch.
    pub const fn from_unix_nanos(nanos: i64) -> Timestamp {
        Timestamp(nanos)
    }

    /// The timestamp `millis` milliseconds after the Unix epoch (saturating at the ends of the range).
    pub const fn from_unix_millis(millis: i64) -> Timestamp {
        Timestamp(millis.saturating_mul(1_000_000))
    }

    /// Nanoseconds since the Unix epoch.
    pub const fn as_unix_nanos(self) -> i64 {
        self.0
    }

    /// The system clock now. A clock before 1970 reads as negative; one past year 2262 saturates.
    pub fn now() -> Timestamp {
        use std::time::{SystemTime, UNIX_EPOCH};
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => Timestamp(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)),
            Err(e) => Timestamp(i64::try_from(e.duration().as_nanos()).map_or(i64::MIN, |n| -n)),
        }
    }
}

/// The agent's own session id (Claude's `session_id`, Codex's thread id, Gemini's `session_id`).
///
/// Empty when the payload carried none.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(pub String);

impl SessionId {
    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SessionId {
    fn from(s: &str) -> SessionId {
        SessionId(s.to_owned())
    }
}

impl core::fmt::Display for SessionId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The key that pairs a tool call with its result: Claude's `tool_use_id`, Codex's `call_id`.
///
/// For agents whose hooks carry no id (Gemini), capture derives one from the call's content; such
/// ids start with `h:` and repeat when the same call is made twice (see the `capture` crate).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CorrelationId(pub String);

impl CorrelationId {
    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for CorrelationId {
    fn from(s: &str) -> CorrelationId {
        CorrelationId(s.to_owned())
    }
}

impl core::fmt::Display for CorrelationId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}
