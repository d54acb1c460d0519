//! A live segment: a preallocated, memory-mapped file that any number of processes append to.
//!
//! Layout (see docs/wal-format.md): a 4 KiB header page, then frames from offset 4096. The header
//! holds the identity of the segment (magic, version, base LSN, capacity, CRC of those) and, on a
//! cache line of its own, the **cursor**: the offset of the first unclaimed byte, with bit 63 set
//! once the segment is sealed. Appends are lock-free:
//!
//! 1. load the cursor `c`; if sealed, go to the next segment;
//! 2. if the frame does not fit before the capacity, seal: set bit 63 with a CAS on `c`;
//! 3. if the state word at `c` is already claimed, help: CAS the cursor past that frame; retry;
//! 4. claim the slot: CAS its state word from 0 to (len, RESERVED, pid);
//! 5. advance the cursor past the slot (a failed CAS means another writer helped, or sealed the
//!    segment at exactly this slot, in which case the slot is given up and the record goes to
//!    the next segment);
//! 6. copy the payload, store the CRC, publish by storing the state word as COMMITTED (release).
//!
//! So the cursor never passes a slot whose length is unknown, no writer ever waits for another,
//! and a writer killed at any instruction leaves at worst one RESERVED slot that readers step over
//! once they see its pid is gone.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::frame::{self, STATE_ABANDONED, STATE_COMMITTED, STATE_RESERVED, StateWord};
use crate::mmap::SharedMap;
use crate::{Error, Lsn};

/// Size of the header page; the first frame starts here.
pub(crate) const HEADER_LEN: u64 = 4096;
const MAGIC: &[u8; 8] = b"TLWALSEG";
const VERSION: u32 = 1;
const OFF_VERSION: usize = 8;
const OFF_HEADER_LEN: usize = 12;
const OFF_BASE: usize = 16;
const OFF_CAPACITY: usize = 24;
const OFF_CRC: usize = 32;
const OFF_CURSOR: usize = 64;
/// Bit 63 of the cursor: the segment is sealed; no slot at or after the cursor will be used.
pub(crate) const SEALED: u64 = 1 << 63;
/// The smallest segment we create: a header page and room for some frames.
pub(crate) const MIN_CAPACITY: u64 = 2 * HEADER_LEN;

/// The file name of the live segment that starts at `base`.
pub(crate) fn file_name(base: Lsn) -> String {
    format!("{:020}.wal", base.0)
}

/// The header page of a new segment.
fn header_page(base: Lsn, capacity: u64) -> Vec<u8> {
    let mut page = vec![0u8; HEADER_LEN as usize];
    page[..8].copy_from_slice(MAGIC);
    page[OFF_VERSION..OFF_VERSION + 4].copy_from_slice(&VERSION.to_le_bytes());
    page[OFF_HEADER_LEN..OFF_HEADER_LEN + 4].copy_from_slice(&(HEADER_LEN as u32).to_le_bytes());
    page[OFF_BASE..OFF_BASE + 8].copy_from_slice(&base.0.to_le_bytes());
    page[OFF_CAPACITY..OFF_CAPACITY + 8].copy_from_slice(&capacity.to_le_bytes());
    let crc = crc32fast::hash(&page[..OFF_CRC]);
    page[OFF_CRC..OFF_CRC + 4].copy_from_slice(&crc.to_le_bytes());
    page[OFF_CURSOR..OFF_CURSOR + 8].copy_from_slice(&HEADER_LEN.to_le_bytes());
    page
}

/// Why an existing segment file cannot be used.
#[derive(Debug)]
pub(crate) enum OpenFailure {
    /// There is no such file.
    Missing,
    /// The file exists but its header is not a valid segment header of this base.
    Damaged(String),
    /// The file could not be read.
    Io(std::io::Error),
}

/// Result of trying to claim a slot.
pub(crate) enum Claim {
    /// The slot at this offset is ours.
    Slot(u64),
    /// The segment is sealed; append to the next one.
    Full,
}

/// An open, mapped live segment.
#[derive(Debug)]
pub(crate) struct Segment {
    base: Lsn,
    capacity: u64,
    path: PathBuf,
    map: SharedMap,
    // Keeps the descriptor alive for fdatasync on rollover; the mapping itself does not need it.
    _file: File,
}

impl Segment {
    /// Creates the segment starting at `base` in `dir`, or opens it if another writer won.
    ///
    /// The file is built under a temporary name (preallocated, header written, fsynced) and then
    /// linked to its final name, so no process ever sees a half-initialised segment; `link`
    /// fails when the name exists, which settles races between writers rolling over together.
    pub(crate) fn create(dir: &Path, base: Lsn, capacity: u64) -> Result<Segment, Error> {
        let final_path = dir.join(file_name(base));
        let tmp_path = dir.join(format!("{}.tmp-{}", file_name(base), std::process::id()));
        let io = |source| Error::Io { path: tmp_path.clone(), source };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp_path)
            .map_err(io)?;
        let result = (|| {
            crate::mmap::preallocate(&file, capacity).map_err(|source| {
                match source.raw_os_error() {
                    Some(libc::ENOSPC) | Some(libc::EDQUOT) | Some(libc::EFBIG) => {
                        Error::NoSpace { path: tmp_path.clone(), bytes: capacity }
                    }
                    _ => Error::Io { path: tmp_path.clone(), source },
                }
            })?;
            file.write_all(&header_page(base, capacity)).map_err(io)?;
            file.sync_all().map_err(io)?;
            Ok(())
        })();
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp_path);
            return Err(e);
        }
        let linked = fs::hard_link(&tmp_path, &final_path);
        let _ = fs::remove_file(&tmp_path);
        match linked {
            Ok(()) => sync_dir(dir)?,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(source) => return Err(Error::Io { path: final_path, source }),
        }
        Segment::open(&final_path, base, true).map_err(|f| match f {
            OpenFailure::Io(source) => Error::Io { path: final_path.clone(), source },
            OpenFailure::Missing => Error::Io {
                path: final_path.clone(),
                source: std::io::Error::from(std::io::ErrorKind::NotFound),
            },
            OpenFailure::Damaged(why) => Error::Damaged { path: final_path.clone(), why },
        })
    }

    /// Opens and maps an existing segment, checking its header.
    pub(crate) fn open(path: &Path, base: Lsn, writable: bool) -> Result<Segment, OpenFailure> {
        let file = OpenOptions::new().read(true).write(writable).open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                OpenFailure::Missing
            } else {
                OpenFailure::Io(e)
            }
        })?;
        let file_len = file.metadata().map_err(OpenFailure::Io)?.len();
        if file_len < HEADER_LEN {
            return Err(OpenFailure::Damaged(format!(
                "file is {file_len} bytes, shorter than a segment header"
            )));
        }
        let mut header = [0u8; OFF_CURSOR];
        read_exact_at(&file, &mut header, 0).map_err(OpenFailure::Io)?;
        let capacity = parse_header(&header, base).map_err(OpenFailure::Damaged)?;
        if file_len < capacity {
            return Err(OpenFailure::Damaged(format!(
                "file is {file_len} bytes but its header says {capacity}"
            )));
        }
        let len = usize::try_from(capacity)
            .map_err(|_| OpenFailure::Damaged("capacity does not fit in memory".into()))?;
        let map = SharedMap::map(&file, len, writable).map_err(OpenFailure::Io)?;
        Ok(Segment { base, capacity, path: path.to_path_buf(), map, _file: file })
    }

    pub(crate) fn base(&self) -> Lsn {
        self.base
    }

    pub(crate) fn capacity(&self) -> u64 {
        self.capacity
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn map(&self) -> &SharedMap {
        &self.map
    }

    fn cursor(&self) -> &AtomicU64 {
        self.map.atomic(OFF_CURSOR)
    }

    /// The cursor: (offset of the first unclaimed byte, sealed).
    pub(crate) fn end(&self) -> (u64, bool) {
        let c = self.cursor().load(Ordering::Acquire);
        ((c & !SEALED).min(self.capacity), c & SEALED != 0)
    }

    /// The state word of the frame at `offset`, if it is inside the segment.
    fn slot(&self, offset: u64) -> Option<&AtomicU64> {
        (offset.is_multiple_of(8) && offset.checked_add(8)? <= self.capacity)
            .then(|| self.map.atomic(offset as usize))
    }

    /// Claims a slot for a payload of `len` bytes (see the module docs for the protocol).
    pub(crate) fn claim(&self, len: u32, pid: u32) -> Claim {
        let size = frame::frame_len(len as usize) as u64;
        let mine = StateWord { len, state: STATE_RESERVED, flags: 0, pid }.pack();
        loop {
            let c = self.cursor().load(Ordering::Acquire);
            if c & SEALED != 0 {
                return Claim::Full;
            }
            let at = c;
            let fits = at.checked_add(size).is_some_and(|end| end <= self.capacity);
            let Some(word) = self.slot(at) else {
                // Exactly full (or a cursor that points outside): seal.
                let _ = self.cursor().compare_exchange(
                    c,
                    c | SEALED,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                );
                continue;
            };
            let current = word.load(Ordering::Acquire);
            if current != 0 {
                self.help_past(c, current);
                continue;
            }
            if !fits {
                let _ = self.cursor().compare_exchange(
                    c,
                    c | SEALED,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                );
                continue;
            }
            if word.compare_exchange(0, mine, Ordering::AcqRel, Ordering::Acquire).is_err() {
                continue;
            }
            match self.cursor().compare_exchange(c, at + size, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Claim::Slot(at),
                Err(now) if now & !SEALED > at => return Claim::Slot(at),
                Err(_) => {
                    // Sealed exactly at our slot before it was counted: readers stop at the
                    // sealed end and will never look at it, but mark it for the record.
                    let gave_up = StateWord { len, state: STATE_ABANDONED, flags: 0, pid }.pack();
                    word.store(gave_up, Ordering::Release);
                    return Claim::Full;
                }
            }
        }
    }

    /// Moves the cursor past a slot that another writer claimed but has not counted yet.
    fn help_past(&self, c: u64, claimed: u64) {
        let sw = StateWord::unpack(claimed);
        let next = c.checked_add(frame::frame_len(sw.len as usize) as u64);
        let plausible = matches!(sw.state, STATE_RESERVED | STATE_COMMITTED | STATE_ABANDONED)
            && sw.flags == 0
            && next.is_some_and(|n| n <= self.capacity);
        let target = match next {
            Some(n) if plausible => n,
            // A garbage word at the cursor (damage after a power loss): nobody can tell how far
            // it reaches, so the segment is sealed here and writing goes on in a fresh one.
            _ => c | SEALED,
        };
        let _ = self.cursor().compare_exchange(c, target, Ordering::AcqRel, Ordering::Acquire);
    }

    /// Fills a claimed slot and publishes it.
    pub(crate) fn commit(&self, at: u64, payload: &[u8], pid: u32) {
        let at = at as usize;
        let len = payload.len() as u32;
        self.map.write(at + frame::HEADER_LEN, payload);
        let done = StateWord { len, state: STATE_COMMITTED, flags: 0, pid }.pack();
        self.map.write(at + 8, &frame::checksum(done, payload).to_le_bytes());
        self.map.atomic(at).store(done, Ordering::Release);
    }

    /// Writes back the frame at `at` and the header page (so the cursor covers it).
    pub(crate) fn sync_frame(&self, at: u64, len: usize) -> std::io::Result<()> {
        self.map.sync_range(at as usize, frame::frame_len(len))?;
        self.map.sync_range(0, HEADER_LEN as usize)
    }

    /// Writes back every page of the segment.
    pub(crate) fn sync_all(&self) -> std::io::Result<()> {
        let (end, _) = self.end();
        self.map.sync_range(0, end as usize)
    }
}

/// Checks a header and returns the capacity it declares.
fn parse_header(header: &[u8; OFF_CURSOR], base: Lsn) -> Result<u64, String> {
    let u32_at =
        |o: usize| header.get(o..o + 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
    let u64_at =
        |o: usize| header.get(o..o + 8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes);
    if &header[..8] != MAGIC {
        return Err("not a tl segment (bad magic)".into());
    }
    let crc = crc32fast::hash(&header[..OFF_CRC]);
    if u32_at(OFF_CRC) != Some(crc) {
        return Err("header checksum mismatch".into());
    }
    if u32_at(OFF_VERSION) != Some(VERSION) {
        return Err(format!("unsupported segment version {:?}", u32_at(OFF_VERSION)));
    }
    if u32_at(OFF_HEADER_LEN) != Some(HEADER_LEN as u32) {
        return Err("unexpected header length".into());
    }
    if u64_at(OFF_BASE) != Some(base.0) {
        return Err(format!("header base {:?} does not match the file name", u64_at(OFF_BASE)));
    }
    let capacity = u64_at(OFF_CAPACITY).unwrap_or(0);
    if capacity < MIN_CAPACITY || capacity % HEADER_LEN != 0 {
        return Err(format!("implausible capacity {capacity}"));
    }
    Ok(capacity)
}

fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset)
}

/// Makes a directory entry change (a new segment's name) durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), Error> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| Error::Io { path: dir.to_path_buf(), source })
}
