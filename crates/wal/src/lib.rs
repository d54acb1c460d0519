//! The segment log: an append-only, crash-safe log of framed byte records that any number of
//! processes and threads append to at once, coordinated only through the files themselves.
//!
//! `wal` knows nothing of events: records are opaque bytes, positions are [`Lsn`]s. The byte
//! layout is documented in `docs/wal-format.md`; the append protocol in `segment.rs` and the format doc.
//!
//! ```no_run
//! let wal = wal::Wal::open(wal::Config::new("/tmp/log"))?;
//! let lsn = wal.append(b"hello")?;
//! let mut reader = wal.reader(wal::Lsn::ZERO);
//! while let Some(record) = reader.next()? {
//!     println!("{} {:?}", record.lsn, record.payload);
//! }
//! # Ok::<(), wal::Error>(())
//! ```

mod compressed;
mod dir;
pub mod frame;
mod mmap;
mod reader;
mod segment;
mod writer;

use std::path::PathBuf;
use std::time::Duration;

pub use reader::{DamageReport, Reader, Record, ScanReport};
pub use writer::{Flusher, SegmentInfo, Wal};

/// A log sequence number: the position of a record in the log (its segment's base plus the
/// frame's offset). LSNs grow with every append but are not dense.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lsn(pub u64);

impl Lsn {
    /// The start of the log: reading from here returns every record still present.
    pub const ZERO: Lsn = Lsn(0);
}

impl std::fmt::Display for Lsn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// How durable an append is when it returns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// The record is in the page cache: it survives the death of every process (kill -9), not a
    /// power loss. The default, and what a hook uses.
    #[default]
    Os,
    /// Like `Os` on append; the owner of the log (the daemon) writes back every few
    /// milliseconds with [`Wal::sync`] or a [`Flusher`], so a power loss loses at most that window.
    Batch,
    /// The record and the cursor covering it are written back (`msync(MS_SYNC)`) before the
    /// append returns.
    Sync,
}

/// Options of a log.
#[derive(Clone, Debug)]
pub struct Config {
    /// The directory holding the segments (created 0700 when missing).
    pub dir: PathBuf,
    /// Size of a new segment in bytes (multiple of 4096, at least 8192). Default 64 MiB.
    pub segment_size: u64,
    /// Durability tier of appends.
    pub durability: Durability,
    /// How long a reader waits for a slot reserved by a process that still exists before it
    /// skips it (the pid may have been reused by another process). Default 10 s.
    pub stall_timeout: Duration,
    /// zstd level for compressing sealed segments. Default 6.
    pub compression_level: i32,
}

impl Config {
    /// Defaults for a log in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Config {
        Config {
            dir: dir.into(),
            segment_size: 64 * 1024 * 1024,
            durability: Durability::Os,
            stall_timeout: Duration::from_secs(10),
            compression_level: 6,
        }
    }
}

/// Errors of the log. Damage inside segments is not an error: readers skip it and report it in
/// their [`ScanReport`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file system has no room for a new segment.
    #[error("{}: no space left for a {bytes}-byte segment", path.display())]
    NoSpace {
        /// The segment being created.
        path: PathBuf,
        /// Its size.
        bytes: u64,
    },
    /// A segment file is not usable (bad header).
    #[error("{}: damaged segment: {why}", path.display())]
    Damaged {
        /// The segment file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// The record is larger than a frame or a segment can hold.
    #[error("record of {len} bytes is larger than the limit of {max}")]
    TooLarge {
        /// The record's length.
        len: usize,
        /// The largest record this log takes.
        max: usize,
    },
    /// An earlier write-back failed; this handle accepts no more appends (the kernel may have
    /// dropped the dirty pages, so acknowledging anything further would be a lie).
    #[error("the log handle is poisoned by an earlier failed write-back; reopen the log")]
    Poisoned,
    /// The configuration is invalid.
    #[error("invalid log configuration: {0}")]
    Config(String),
}
