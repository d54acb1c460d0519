//! The log directory: which segment files exist, parsed from their names.
//!
//! Live segments are `<base LSN, 20 digits>.wal`, compressed sealed ones `<base>.walz`; a
//! segment being created is `<name>.tmp-<pid>` until it is linked to its final name.

use std::path::{Path, PathBuf};

use crate::{Error, Lsn};

/// The two forms a segment file takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum FileKind {
    /// A live (possibly sealed) mapped segment.
    Live,
    /// A sealed segment rewritten into zstd blocks.
    Compressed,
}

/// One segment file found in the directory.
#[derive(Clone, Debug)]
pub(crate) struct SegmentFile {
    pub(crate) base: Lsn,
    pub(crate) kind: FileKind,
    pub(crate) path: PathBuf,
}

/// Lists segment files sorted by base LSN (a live file before a compressed one of the same base).
pub(crate) fn list(dir: &Path) -> Result<Vec<SegmentFile>, Error> {
    let io = |source| Error::Io { path: dir.to_path_buf(), source };
    let mut found = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(io(e)),
    };
    for entry in entries {
        let entry = entry.map_err(io)?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let (stem, kind) = if let Some(stem) = name.strip_suffix(".wal") {
            (stem, FileKind::Live)
        } else if let Some(stem) = name.strip_suffix(".walz") {
            (stem, FileKind::Compressed)
        } else {
            continue;
        };
        if stem.len() != 20 || !stem.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(base) = stem.parse::<u64>() else { continue };
        found.push(SegmentFile { base: Lsn(base), kind, path: entry.path() });
    }
    found.sort_by_key(|f| (f.base, f.kind));
    Ok(found)
}

/// Temporary files left by writers that died while creating a segment or compressing one.
pub(crate) fn leftovers(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_str().is_some_and(|n| n.contains(".tmp-")))
        .map(|e| e.path())
        .collect()
}
