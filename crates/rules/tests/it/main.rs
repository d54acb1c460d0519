//! Integration tests of the rules crate, one binary.

mod corpus;
mod engine;
mod shell;
