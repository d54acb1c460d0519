//! Integration tests of the rules crate, one binary.

mod corpus;
mod engine;
mod select;
mod shell;

/// The original TraceLog rule ids (DESIGN.md §6), which must exist with their meaning.
pub(crate) const TRACELOG_IDS: &[&str] = &[
    "dangerous-rm-rf",
    "dangerous-sudo",
    "dangerous-chmod-777",
    "dangerous-curl-pipe-sh",
    "dangerous-git-push-force",
    "dangerous-git-reset-hard",
    "destructive-rm",
    "sensitive-env-file",
    "sensitive-pem-key",
    "sensitive-ssh-dir",
    "sensitive-aws-dir",
    "sensitive-secrets-file",
    "sensitive-credentials",
    "long-running",
    "secret-detected",
];
