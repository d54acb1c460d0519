//! Integration tests of the rules crate, one binary.

mod shell;
