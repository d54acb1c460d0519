//! Integration tests of the `event` crate: golden bytes, codec properties, stable names.

mod golden;
mod names;
mod props;
