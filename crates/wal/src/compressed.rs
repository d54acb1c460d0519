//! Sealed segments rewritten as independent zstd blocks, and reading them back.
//!
//! Layout (see docs/wal-format.md): a 64-byte header, the compressed blocks, then an index of
//! one 24-byte entry per block and a CRC over the index. Each block holds a run of whole frames
//! copied byte for byte from the live segment (`raw_start..raw_start + raw_len`), so LSNs do not
//! change and the same frame scanner reads both forms. Blocks are compressed independently with
//! zstd's content checksum, so reading from an LSN decompresses one block, and a damaged block
//! costs only its own records.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::frame::{self, FrameSource, Step};
use crate::segment::{self, Segment};
use crate::{Error, Lsn};

const MAGIC: &[u8; 8] = b"TLWALZST";
const VERSION: u32 = 1;
const HEADER_LEN: usize = 64;
const ENTRY_LEN: usize = 24;
/// Raw bytes per block before compression: large enough for zstd to find the redundancy
/// between records (measured in docs/performance.md), small enough that a point read is cheap.
pub(crate) const BLOCK_TARGET: usize = 256 * 1024;

/// The file name of the compressed segment that starts at `base`.
pub(crate) fn file_name(base: Lsn) -> String {
    format!("{:020}.walz", base.0)
}

/// One block of the index.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BlockEntry {
    pub(crate) raw_start: u64,
    pub(crate) raw_len: u32,
    pub(crate) comp_len: u32,
    pub(crate) comp_offset: u64,
}

/// Why a sealed segment was not compressed (yet).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum NotYet {
    /// The segment still takes appends.
    NotSealed,
    /// A writer that is still alive has not published its slot.
    LiveReservation,
}

/// Rewrites a sealed live segment as `<base>.walz` and removes the live file.
///
/// The new file is written under a temporary name, fsynced, renamed and its directory fsynced
/// before the live file goes, so a crash at any point leaves at least one complete copy.
pub(crate) fn compress(
    seg: &Segment,
    dir: &Path,
    level: i32,
) -> Result<Result<PathBuf, NotYet>, Error> {
    let (end, sealed) = seg.end();
    if !sealed {
        return Ok(Err(NotYet::NotSealed));
    }
    let map = seg.map();
    // Cut points: every position the scanner stops at is the start of a frame or of damage.
    let mut cuts = vec![segment::HEADER_LEN as usize];
    let mut at = segment::HEADER_LEN as usize;
    let end = end as usize;
    loop {
        match frame::step(map, at, end) {
            Step::Record { next, .. } | Step::Abandoned { next } => at = next,
            Step::Reserved { pid, next } => {
                if crate::mmap::process_exists(pid) {
                    return Ok(Err(NotYet::LiveReservation));
                }
                at = next;
            }
            Step::Damaged { resume: Some(r), .. } => at = r,
            Step::Damaged { resume: None, .. } | Step::End => break,
        }
        let last = cuts.last().copied().unwrap_or(0);
        if at < end && at - last >= BLOCK_TARGET {
            cuts.push(at);
        }
    }
    cuts.push(end);
    let base = seg.base();
    let final_path = dir.join(file_name(base));
    let tmp_path = dir.join(format!("{}.tmp-{}", file_name(base), std::process::id()));
    let io = |source| Error::Io { path: tmp_path.clone(), source };
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp_path)
        .map_err(io)?;
    let written = (|| {
        let mut out = BufWriter::new(&file);
        out.write_all(&[0u8; HEADER_LEN]).map_err(io)?;
        let mut entries = Vec::with_capacity(cuts.len());
        let mut offset = HEADER_LEN as u64;
        let mut compressor = zstd::bulk::Compressor::new(level).map_err(io)?;
        compressor.include_checksum(true).map_err(io)?;
        for pair in cuts.windows(2) {
            let [start, stop] = [pair[0], pair[1]];
            if stop <= start {
                continue;
            }
            let raw = map.bytes(start, stop - start).ok_or_else(|| Error::Damaged {
                path: seg.path().to_path_buf(),
                why: "block outside the mapping".into(),
            })?;
            let packed = compressor.compress(raw).map_err(io)?;
            out.write_all(&packed).map_err(io)?;
            entries.push(BlockEntry {
                raw_start: start as u64,
                raw_len: (stop - start) as u32,
                comp_len: packed.len() as u32,
                comp_offset: offset,
            });
            offset += packed.len() as u64;
        }
        let index_offset = offset;
        let mut index = Vec::with_capacity(entries.len() * ENTRY_LEN + 4);
        for e in &entries {
            index.extend_from_slice(&e.raw_start.to_le_bytes());
            index.extend_from_slice(&e.raw_len.to_le_bytes());
            index.extend_from_slice(&e.comp_len.to_le_bytes());
            index.extend_from_slice(&e.comp_offset.to_le_bytes());
        }
        let index_crc = crc32fast::hash(&index);
        index.extend_from_slice(&index_crc.to_le_bytes());
        out.write_all(&index).map_err(io)?;
        out.flush().map_err(io)?;
        drop(out);
        let mut header = [0u8; HEADER_LEN];
        header[..8].copy_from_slice(MAGIC);
        header[8..12].copy_from_slice(&VERSION.to_le_bytes());
        header[12..16].copy_from_slice(&(entries.len() as u32).to_le_bytes());
        header[16..24].copy_from_slice(&base.0.to_le_bytes());
        header[24..32].copy_from_slice(&seg.capacity().to_le_bytes());
        header[32..40].copy_from_slice(&(end as u64).to_le_bytes());
        header[40..48].copy_from_slice(&index_offset.to_le_bytes());
        let crc = crc32fast::hash(&header[..56]);
        header[56..60].copy_from_slice(&crc.to_le_bytes());
        file.write_all_at(&header, 0).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(())
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp_path);
        return Err(e);
    }
    fs::rename(&tmp_path, &final_path)
        .map_err(|source| Error::Io { path: final_path.clone(), source })?;
    segment::sync_dir(dir)?;
    fs::remove_file(seg.path())
        .map_err(|source| Error::Io { path: seg.path().to_path_buf(), source })?;
    segment::sync_dir(dir)?;
    Ok(Ok(final_path))
}

/// An open compressed segment: its header and index; blocks are read on demand.
#[derive(Debug)]
pub(crate) struct CompressedSegment {
    file: File,
    base: Lsn,
    capacity: u64,
    end: u64,
    blocks: Vec<BlockEntry>,
}

impl CompressedSegment {
    /// Opens `path`, checking the header and index against their CRCs.
    pub(crate) fn open(path: &Path, base: Lsn) -> Result<CompressedSegment, segment::OpenFailure> {
        use segment::OpenFailure;
        let file = File::open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                OpenFailure::Missing
            } else {
                OpenFailure::Io(e)
            }
        })?;
        let file_len = file.metadata().map_err(OpenFailure::Io)?.len();
        let mut header = [0u8; HEADER_LEN];
        file.read_exact_at(&mut header, 0).map_err(|_| {
            OpenFailure::Damaged(format!("file is {file_len} bytes, shorter than its header"))
        })?;
        let damaged = |why: &str| OpenFailure::Damaged(why.to_string());
        if header.get(..8) != Some(&MAGIC[..]) {
            return Err(damaged("not a compressed tl segment (bad magic)"));
        }
        if header.word32(56) != Some(crc32fast::hash(&header[..56])) {
            return Err(damaged("header checksum mismatch"));
        }
        if header.word32(8) != Some(VERSION) {
            return Err(damaged("unsupported compressed segment version"));
        }
        let count = header.word32(12).unwrap_or(0) as usize;
        if header.word(16) != Some(base.0) {
            return Err(damaged("header base does not match the file name"));
        }
        let capacity = header.word(24).unwrap_or(0);
        let end = header.word(32).unwrap_or(0);
        let index_offset = header.word(40).unwrap_or(0);
        let index_len = count.checked_mul(ENTRY_LEN).and_then(|l| l.checked_add(4));
        let Some(index_len) =
            index_len.filter(|l| index_offset.saturating_add(*l as u64) <= file_len)
        else {
            return Err(damaged("index outside the file"));
        };
        let mut index = vec![0u8; index_len];
        file.read_exact_at(&mut index, index_offset).map_err(OpenFailure::Io)?;
        let body = index.get(..count * ENTRY_LEN).unwrap_or(&[]);
        if index.word32(count * ENTRY_LEN) != Some(crc32fast::hash(body)) {
            return Err(damaged("index checksum mismatch"));
        }
        let blocks = (0..count)
            .map(|i| {
                let o = i * ENTRY_LEN;
                BlockEntry {
                    raw_start: index.word(o).unwrap_or(0),
                    raw_len: index.word32(o + 8).unwrap_or(0),
                    comp_len: index.word32(o + 12).unwrap_or(0),
                    comp_offset: index.word(o + 16).unwrap_or(0),
                }
            })
            .collect();
        Ok(CompressedSegment { file, base, capacity, end, blocks })
    }

    pub(crate) fn base(&self) -> Lsn {
        self.base
    }

    pub(crate) fn capacity(&self) -> u64 {
        self.capacity
    }

    /// The index of the block holding `offset`, or of the first block after it.
    pub(crate) fn block_at(&self, offset: u64) -> Option<usize> {
        self.blocks.iter().position(|b| offset < b.raw_start + u64::from(b.raw_len))
    }

    pub(crate) fn block(&self, i: usize) -> Option<BlockEntry> {
        self.blocks.get(i).copied()
    }

    /// Decompresses block `i`; an error means the block is damaged.
    pub(crate) fn read_block(&self, i: usize) -> Result<Vec<u8>, String> {
        let b = self.blocks.get(i).ok_or("no such block")?;
        let mut packed = vec![0u8; b.comp_len as usize];
        self.file.read_exact_at(&mut packed, b.comp_offset).map_err(|e| e.to_string())?;
        let raw = zstd::bulk::decompress(&packed, b.raw_len as usize).map_err(|e| e.to_string())?;
        if raw.len() != b.raw_len as usize {
            return Err("block decompressed to the wrong length".into());
        }
        Ok(raw)
    }

    /// Bytes the file takes on disk.
    pub(crate) fn end(&self) -> u64 {
        self.end
    }
}
