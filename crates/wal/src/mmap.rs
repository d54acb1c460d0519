//! The one place in tl with `unsafe` code: a shared memory map of a segment file.
//!
//! Every writer process maps the same segment with `MAP_SHARED`, so all of them see one copy of
//! its pages. Coordination words (the segment cursor, each frame's state word) are accessed as
//! `AtomicU64` through the mapping; payload bytes are written only into a frame slot that the
//! writer owns exclusively (it won the slot's claim CAS) and read only after the slot's state
//! word was published with release ordering.
#![allow(unsafe_code)]

use std::fs::File;
use std::io;
use std::sync::atomic::AtomicU64;

use memmap2::{MmapOptions, MmapRaw};

/// A shared mapping of the first `len` bytes of a file.
#[derive(Debug)]
pub(crate) struct SharedMap {
    raw: MmapRaw,
}

impl SharedMap {
    /// Maps `len` bytes of `file`, writable when `writable` is set.
    ///
    /// The caller guarantees that `len` does not exceed the file's length (checked with fstat
    /// right before), so no access through the mapping can fault with SIGBUS as long as nobody
    /// truncates the file behind our back (tl never truncates a segment).
    pub(crate) fn map(file: &File, len: usize, writable: bool) -> io::Result<SharedMap> {
        let mut options = MmapOptions::new();
        options.len(len);
        let raw =
            if writable { options.map_raw(file)? } else { options.map_raw_read_only(file)? };
        Ok(SharedMap { raw })
    }

    /// The mapped length in bytes.
    pub(crate) fn len(&self) -> usize {
        self.raw.len()
    }

    /// The 8-byte word at `offset`, as an atomic shared with every other process mapping the file.
    ///
    /// # Panics
    /// When `offset` is not 8-aligned or the word is not inside the mapping: callers compute
    /// offsets from validated headers, so this is a bug, never a data error.
    pub(crate) fn atomic(&self, offset: usize) -> &AtomicU64 {
        assert!(
            offset.is_multiple_of(8) && offset.checked_add(8).is_some_and(|end| end <= self.len()),
            "atomic word at {offset} outside a mapping of {}",
            self.len()
        );
        // SAFETY: the word is in bounds and 8-aligned (the mapping itself is page-aligned), so
        // the pointer is valid for reads and writes of a u64 for as long as `self` (the mapping)
        // lives, which bounds the returned reference. AtomicU64 has the layout of u64. Every
        // access to coordination words goes through atomics, in this process and in others.
        unsafe { &*(self.raw.as_mut_ptr().add(offset) as *const AtomicU64) }
    }

    /// Copies `bytes` into the mapping at `offset`.
    ///
    /// The caller must own the range exclusively: it is inside a frame slot whose claim this
    /// process won and whose state word is not yet published, so no other thread or process
    /// reads or writes it concurrently.
    ///
    /// # Panics
    /// When the range is outside the mapping (a caller bug).
    pub(crate) fn write(&self, offset: usize, bytes: &[u8]) {
        assert!(
            offset.checked_add(bytes.len()).is_some_and(|end| end <= self.len()),
            "write of {} bytes at {offset} outside a mapping of {}",
            bytes.len(),
            self.len()
        );
        // SAFETY: the destination is in bounds (asserted) of a writable mapping that outlives
        // this call; source and destination cannot overlap (one is a Rust slice, the other the
        // mapping, which Rust code never borrows mutably); the range belongs to a claimed,
        // unpublished slot, so nothing else accesses it while we write (see the doc comment).
        unsafe {
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                self.raw.as_mut_ptr().add(offset),
                bytes.len(),
            );
        }
    }

    /// The bytes at `offset..offset + len`, or `None` when the range is outside the mapping.
    ///
    /// Only called for ranges that no one writes any more: published frames (immutable after
    /// their state word was stored with release ordering and loaded here with acquire) and the
    /// segment header (written before the file got its final name).
    pub(crate) fn bytes(&self, offset: usize, len: usize) -> Option<&[u8]> {
        let end = offset.checked_add(len)?;
        if end > self.len() {
            return None;
        }
        // SAFETY: the range is in bounds of a mapping that lives as long as `self`, which bounds
        // the returned slice; per the doc comment its bytes are no longer written by anyone, so
        // a shared borrow does not alias a concurrent write.
        Some(unsafe { std::slice::from_raw_parts(self.raw.as_ptr().add(offset), len) })
    }

    /// Writes back the pages covering `offset..offset + len` (`msync(MS_SYNC)`).
    pub(crate) fn sync_range(&self, offset: usize, len: usize) -> io::Result<()> {
        self.raw.flush_range(offset, len)
    }

    /// Tells the kernel that reads of this mapping will be sequential.
    pub(crate) fn advise_sequential(&self) {
        // Advice is a hint; a kernel that refuses it changes nothing we rely on.
        let _ = self.raw.advise(memmap2::Advice::Sequential);
    }
}

/// Allocates the first `len` bytes of `file` so that stores through a mapping never need a block
/// the file system cannot give (which would be SIGBUS instead of an error).
pub(crate) fn preallocate(file: &File, len: u64) -> io::Result<()> {
    use std::os::unix::io::AsRawFd;
    let len =
        libc::off_t::try_from(len).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // posix_fallocate uses fallocate(2) and falls back to writing zeros where the file system
    // has no fallocate; either way the blocks exist afterwards. It returns the error number.
    // SAFETY: a plain syscall on a descriptor that `file` keeps open; no memory is passed.
    let rc = unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, len) };
    if rc == 0 { Ok(()) } else { Err(io::Error::from_raw_os_error(rc)) }
}

/// Whether a process with this pid exists (it may be a different process that reused the pid,
/// which is why readers also bound how long they wait for a reserved slot).
pub(crate) fn process_exists(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else { return false };
    if pid <= 0 {
        return false;
    }
    // SAFETY: kill with signal 0 sends nothing; it only checks that the pid exists.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

impl crate::frame::FrameSource for SharedMap {
    fn word(&self, offset: usize) -> Option<u64> {
        (offset.is_multiple_of(8) && offset.checked_add(8)? <= self.len())
            .then(|| self.atomic(offset).load(std::sync::atomic::Ordering::Acquire))
    }

    fn word32(&self, offset: usize) -> Option<u32> {
        let bytes = self.bytes(offset, 4)?;
        Some(u32::from_le_bytes(bytes.try_into().ok()?))
    }

    fn bytes(&self, offset: usize, len: usize) -> Option<&[u8]> {
        SharedMap::bytes(self, offset, len)
    }
}
