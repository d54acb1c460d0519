//! Integration tests of the index crate: step folding over the capture crate's real fixtures.

mod fixtures;
mod indexer;
