//! The severity of a finding as the catalog stores it and queries filter on it.
//!
//! The index does not depend on the rules crate (DESIGN.md §2: rules is a consumer beside the
//! index, not below it), so it keeps its own three-level scale; `tl` maps the rule engine's
//! severity onto it one to one.

use serde::{Deserialize, Serialize};

/// How bad a finding is, ordered: `Info < Warning < Danger`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; expected in normal work.
    Info,
    /// Plausibly legitimate but risky.
    Warning,
    /// Destructive, credential-exposing or system-altering.
    Danger,
}

impl Severity {
    /// All severities, mildest first.
    pub const ALL: [Severity; 3] = [Severity::Info, Severity::Warning, Severity::Danger];

    /// The lowercase name: `info`, `warning`, `danger`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Danger => "danger",
        }
    }

    /// Parses a lowercase name (as [`Severity::as_str`] gives), case-insensitively.
    pub fn parse(name: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.as_str().eq_ignore_ascii_case(name))
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_order() {
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.as_str()), Some(s));
            assert_eq!(Severity::parse(&s.as_str().to_uppercase()), Some(s));
        }
        assert_eq!(Severity::parse("critical"), None);
        assert!(Severity::Info < Severity::Warning && Severity::Warning < Severity::Danger);
    }
}
