//! The write side: opening a log, appending, rolling over, durability, compaction and removal.

use std::fs;
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, SystemTime};

use crate::compressed::{self, CompressedSegment};
use crate::dir::{self, FileKind};
use crate::frame::MAX_PAYLOAD;
use crate::reader::Reader;
use crate::segment::{self, Claim, HEADER_LEN, OpenFailure, Segment};
use crate::{Config, Durability, Error, Lsn};

/// How many damaged or contested segment names an append steps over before giving up.
const MAX_ROLLOVERS_PER_APPEND: usize = 64;

/// A handle on a log directory for appending (shareable between threads).
#[derive(Debug)]
pub struct Wal {
    config: Config,
    active: Mutex<Option<Arc<Segment>>>,
    poisoned: AtomicBool,
    pid: u32,
}

/// What [`Wal::segments`] tells about one segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentInfo {
    /// LSN of the segment's start.
    pub base: Lsn,
    /// LSN just past the segment's last possible record.
    pub end: Lsn,
    /// No more records will be appended.
    pub sealed: bool,
    /// Rewritten into zstd blocks.
    pub compressed: bool,
    /// Bytes the file takes (the preallocated size for a live segment).
    pub file_bytes: u64,
    /// Bytes of frames written (live) or the compressed file size (compressed).
    pub used_bytes: u64,
    /// The file's modification time.
    pub modified: Option<SystemTime>,
    /// Why the segment cannot be read, if it cannot.
    pub damaged: Option<String>,
}

impl Wal {
    /// Opens (creating if needed) the log in `config.dir`. Cheap: no scan, no repair. A log that
    /// crashed needs none, since a reader steps over whatever a dead writer left (see the crate
    /// docs), so a hook process pays only for the directory listing and one mapping.
    ///
    /// # Errors
    /// When the configuration is invalid or the directory cannot be created.
    pub fn open(config: Config) -> Result<Wal, Error> {
        if config.segment_size < segment::MIN_CAPACITY
            || !config.segment_size.is_multiple_of(HEADER_LEN)
        {
            return Err(Error::Config(format!(
                "segment_size {} must be a multiple of 4096 and at least 8192",
                config.segment_size
            )));
        }
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&config.dir)
            .map_err(|source| Error::Io { path: config.dir.clone(), source })?;
        Ok(Wal {
            config,
            active: Mutex::new(None),
            poisoned: AtomicBool::new(false),
            pid: std::process::id(),
        })
    }

    /// The directory of the log.
    pub fn dir(&self) -> &Path {
        &self.config.dir
    }

    /// The largest record this log accepts.
    pub fn max_record(&self) -> usize {
        MAX_PAYLOAD.min((self.config.segment_size - HEADER_LEN) as usize - crate::frame::HEADER_LEN)
    }

    /// Appends one record and returns its LSN. With [`Durability::Sync`] the record is on disk
    /// when this returns; otherwise it is in the page cache and survives any process crash.
    ///
    /// # Errors
    /// [`Error::TooLarge`], [`Error::Poisoned`], and IO errors when a new segment cannot be
    /// created ([`Error::NoSpace`] on a full disk).
    pub fn append(&self, payload: &[u8]) -> Result<Lsn, Error> {
        if self.poisoned.load(Ordering::Acquire) {
            return Err(Error::Poisoned);
        }
        let max = self.max_record();
        if payload.len() > max {
            return Err(Error::TooLarge { len: payload.len(), max });
        }
        let len = payload.len() as u32;
        let mut seg = self.active_segment()?;
        for _ in 0..MAX_ROLLOVERS_PER_APPEND {
            match seg.claim(len, self.pid) {
                Claim::Slot(at) => {
                    seg.commit(at, payload, self.pid);
                    if self.config.durability == Durability::Sync {
                        seg.sync_frame(at, payload.len())
                            .map_err(|e| self.poison(seg.path(), e))?;
                    }
                    return Ok(Lsn(seg.base().0 + at));
                }
                Claim::Full => seg = self.roll_over(&seg)?,
            }
        }
        Err(Error::Damaged {
            path: self.config.dir.clone(),
            why: "could not find a segment to append to".into(),
        })
    }

    /// Writes back everything appended so far by anyone to the active segment (the batch tier's
    /// group commit). Segments are fsynced when created and when rolled over.
    ///
    /// # Errors
    /// A failed write-back poisons the handle and is returned.
    pub fn sync(&self) -> Result<(), Error> {
        if self.poisoned.load(Ordering::Acquire) {
            return Err(Error::Poisoned);
        }
        let seg = self.lock_active().clone();
        if let Some(seg) = seg {
            seg.sync_all().map_err(|e| self.poison(seg.path(), e))?;
        }
        Ok(())
    }

    /// Starts a thread that calls [`Wal::sync`] every `interval` until the returned handle is
    /// dropped: the batch durability tier for a long-lived process such as the daemon.
    pub fn flusher(self: &Arc<Self>, interval: Duration) -> Flusher {
        let (stop, stopped) = mpsc::channel::<()>();
        let wal = Arc::clone(self);
        let thread = thread::Builder::new()
            .name("wal-flusher".into())
            .spawn(move || {
                loop {
                    match stopped.recv_timeout(interval) {
                        Err(mpsc::RecvTimeoutError::Timeout) => {}
                        _ => {
                            let _ = wal.sync();
                            return;
                        }
                    }
                    if wal.sync().is_err() {
                        return;
                    }
                }
            })
            .ok();
        Flusher { stop: Some(stop), thread }
    }

    /// A reader positioned at `from` (use [`Lsn::ZERO`] for the whole log).
    pub fn reader(&self, from: Lsn) -> Reader {
        Reader::new(self.config.dir.clone(), from, self.config.stall_timeout)
    }

    /// Every segment with what is known about it, oldest first.
    ///
    /// # Errors
    /// When the directory cannot be listed.
    pub fn segments(&self) -> Result<Vec<SegmentInfo>, Error> {
        let mut infos = Vec::new();
        for f in dir::list(&self.config.dir)? {
            let meta = fs::metadata(&f.path).ok();
            let file_bytes = meta.as_ref().map_or(0, |m| m.len());
            let modified = meta.and_then(|m| m.modified().ok());
            let mut info = SegmentInfo {
                base: f.base,
                end: f.base,
                sealed: false,
                compressed: f.kind == FileKind::Compressed,
                file_bytes,
                used_bytes: 0,
                modified,
                damaged: None,
            };
            match f.kind {
                FileKind::Live => match Segment::open(&f.path, f.base, false) {
                    Ok(seg) => {
                        let (end, sealed) = seg.end();
                        info.end = Lsn(f.base.0 + seg.capacity());
                        info.sealed = sealed;
                        info.used_bytes = end;
                    }
                    Err(OpenFailure::Missing) => continue,
                    Err(OpenFailure::Damaged(why)) => info.damaged = Some(why),
                    Err(OpenFailure::Io(e)) => info.damaged = Some(e.to_string()),
                },
                FileKind::Compressed => match CompressedSegment::open(&f.path, f.base) {
                    Ok(seg) => {
                        info.end = Lsn(f.base.0 + seg.capacity());
                        info.sealed = true;
                        info.used_bytes = file_bytes;
                    }
                    Err(OpenFailure::Missing) => continue,
                    Err(OpenFailure::Damaged(why)) => info.damaged = Some(why),
                    Err(OpenFailure::Io(e)) => info.damaged = Some(e.to_string()),
                },
            }
            infos.push(info);
        }
        Ok(infos)
    }

    /// Compresses every sealed live segment whose writers are all done; returns how many were
    /// compressed. Safe to run while others append and read.
    ///
    /// # Errors
    /// IO errors while writing a compressed file (the live file is then kept).
    pub fn compress_sealed(&self) -> Result<usize, Error> {
        let mut done = 0;
        let files = dir::list(&self.config.dir)?;
        for f in &files {
            if f.kind != FileKind::Live {
                continue;
            }
            if files.iter().any(|o| o.base == f.base && o.kind == FileKind::Compressed) {
                // A crash between rename and unlink left both; the compressed one is complete.
                let _ = fs::remove_file(&f.path);
                continue;
            }
            let Ok(seg) = Segment::open(&f.path, f.base, false) else { continue };
            if let Ok(_path) =
                compressed::compress(&seg, &self.config.dir, self.config.compression_level)?
            {
                done += 1;
            }
        }
        Ok(done)
    }

    /// Removes whole sealed segments that end at or before `lsn` (the primitive behind
    /// `tl gc`); the active segment is never removed. Returns the removed segments.
    ///
    /// # Errors
    /// When a file cannot be removed.
    pub fn remove_segments_before(&self, lsn: Lsn) -> Result<Vec<SegmentInfo>, Error> {
        let mut removed = Vec::new();
        for info in self.segments()? {
            if info.sealed && info.damaged.is_none() && info.end <= lsn {
                for name in [segment::file_name(info.base), compressed::file_name(info.base)] {
                    let path = self.config.dir.join(name);
                    match fs::remove_file(&path) {
                        Ok(()) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(source) => return Err(Error::Io { path, source }),
                    }
                }
                removed.push(info);
            }
        }
        if !removed.is_empty() {
            segment::sync_dir(&self.config.dir)?;
        }
        Ok(removed)
    }

    /// Removes temporary files left by processes that died while creating or compressing a
    /// segment. Only call when no other process may be creating one right now (e.g. under the
    /// daemon's lock); returns how many were removed.
    pub fn remove_leftovers(&self) -> usize {
        dir::leftovers(&self.config.dir).into_iter().filter(|p| fs::remove_file(p).is_ok()).count()
    }

    fn lock_active(&self) -> std::sync::MutexGuard<'_, Option<Arc<Segment>>> {
        // A thread that panicked while holding the lock left a valid Option behind.
        self.active.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn poison(&self, path: &Path, source: std::io::Error) -> Error {
        self.poisoned.store(true, Ordering::Release);
        Error::Io { path: path.to_path_buf(), source }
    }

    fn active_segment(&self) -> Result<Arc<Segment>, Error> {
        let mut active = self.lock_active();
        if let Some(seg) = active.as_ref() {
            return Ok(Arc::clone(seg));
        }
        let seg = Arc::new(self.open_latest()?);
        *active = Some(Arc::clone(&seg));
        Ok(seg)
    }

    /// Moves on from a sealed segment to the one after it, shared with the other threads.
    fn roll_over(&self, full: &Arc<Segment>) -> Result<Arc<Segment>, Error> {
        let mut active = self.lock_active();
        if let Some(seg) = active.as_ref()
            && !Arc::ptr_eq(seg, full)
        {
            return Ok(Arc::clone(seg)); // another thread rolled over already
        }
        // In the batch tier the flusher only writes back the active segment, so whoever rolls
        // over writes back the sealed one's tail. The os tier needs nothing (the page cache
        // survives any process), and the sync tier wrote every frame back already: a hook that
        // happens to roll over must not pay for a 64 MiB msync.
        if self.config.durability == Durability::Batch
            && let Err(e) = full.sync_all()
        {
            return Err(self.poison(full.path(), e));
        }
        let next = Arc::new(self.open_or_create(Lsn(full.base().0 + full.capacity()))?);
        *active = Some(Arc::clone(&next));
        Ok(next)
    }

    /// Finds the segment new records go to: the newest one, or the one after it when sealed.
    fn open_latest(&self) -> Result<Segment, Error> {
        let files = dir::list(&self.config.dir)?;
        let Some(last) = files.last() else {
            return self.open_or_create(Lsn::ZERO);
        };
        let next = match last.kind {
            FileKind::Live => match Segment::open(&last.path, last.base, true) {
                Ok(seg) if !seg.end().1 => return Ok(seg),
                Ok(seg) => Lsn(seg.base().0 + seg.capacity()),
                Err(OpenFailure::Missing) => return self.open_latest_retry(),
                Err(OpenFailure::Damaged(_)) => self.after_damaged(&last.path, last.base),
                Err(OpenFailure::Io(source)) => {
                    return Err(Error::Io { path: last.path.clone(), source });
                }
            },
            FileKind::Compressed => match CompressedSegment::open(&last.path, last.base) {
                Ok(seg) => Lsn(seg.base().0 + seg.capacity()),
                Err(OpenFailure::Missing) => return self.open_latest_retry(),
                Err(_) => self.after_damaged(&last.path, last.base),
            },
        };
        self.open_or_create(next)
    }

    fn open_latest_retry(&self) -> Result<Segment, Error> {
        // The newest file vanished between listing and opening (compaction renamed it): the
        // listing is simply out of date.
        let files = dir::list(&self.config.dir)?;
        match files.last() {
            Some(last) => self.open_or_create(Lsn(last.base.0)),
            None => self.open_or_create(Lsn::ZERO),
        }
    }

    /// The first base after a segment whose header cannot be trusted: past the file's bytes, so
    /// nothing new overlaps whatever it once held.
    fn after_damaged(&self, path: &Path, base: Lsn) -> Lsn {
        let len = fs::metadata(path).map_or(0, |m| m.len());
        Lsn(base.0 + len.max(1).next_multiple_of(HEADER_LEN))
    }

    /// Opens the segment at `base`, creating it if needed; steps over damaged or sealed ones.
    fn open_or_create(&self, mut base: Lsn) -> Result<Segment, Error> {
        for _ in 0..MAX_ROLLOVERS_PER_APPEND {
            let path = self.config.dir.join(segment::file_name(base));
            match Segment::open(&path, base, true) {
                Ok(seg) if !seg.end().1 => return Ok(seg),
                Ok(seg) => base = Lsn(base.0 + seg.capacity()),
                Err(OpenFailure::Missing) => {
                    let compressed_path = self.config.dir.join(compressed::file_name(base));
                    if let Ok(seg) = CompressedSegment::open(&compressed_path, base) {
                        base = Lsn(base.0 + seg.capacity());
                        continue;
                    }
                    return Segment::create(&self.config.dir, base, self.config.segment_size);
                }
                Err(OpenFailure::Damaged(_)) => base = self.after_damaged(&path, base),
                Err(OpenFailure::Io(source)) => return Err(Error::Io { path, source }),
            }
        }
        Err(Error::Damaged {
            path: self.config.dir.clone(),
            why: "too many unusable segments in a row".into(),
        })
    }
}

/// Stops its flusher thread (after a last sync) when dropped.
#[derive(Debug)]
pub struct Flusher {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Drop for Flusher {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
