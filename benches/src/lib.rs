//! Workload generators and measuring helpers shared by the benchmarks of tl's hot paths.
//!
//! Every benchmark here reports a **ratio** against a baseline measured in the same run (memcpy,
//! CRC-32 over the same bytes, the same processes on separate logs, the same binary doing
//! nothing): the development machine is shared and noisy, so absolute numbers alone mean little.
//! The results, and the commands that produced them, are in `docs/performance.md`.
//!
//! - [`workload`]: the 300-byte record, the fixture corpus of real agent JSON, id rewriting;
//! - [`timing`]: the timed loops (append, memcpy, scans) shared by the criterion benches and
//!   the `quick` binary, and a tally that turns criterion samples into a ratio;
//! - [`writers`]: the writer process of the multi-process benchmark and its driver;
//! - [`compression`]: per-block (what the wal does) against per-record dictionary compression.

pub mod compression;
pub mod timing;
pub mod workload;
pub mod writers;

/// Errors of the benchmark helpers: any error, with its message.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// A result whose error is any error.
pub type Result<T, E = Error> = std::result::Result<T, E>;
