//! The read side: iterating records from any LSN across live and compressed segments, stepping
//! over damage (and reporting it), and following the tail as writers append.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::compressed::CompressedSegment;
use crate::dir::{self, FileKind};
use crate::frame::{self, Step};
use crate::segment::{HEADER_LEN, OpenFailure, Segment};
use crate::{Error, Lsn};

/// One record read from the log; `payload` borrows the reader (zero-copy for live segments).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    /// Where the record is.
    pub lsn: Lsn,
    /// Its bytes, exactly as appended.
    pub payload: &'a [u8],
}

/// Something a reader stepped over instead of returning it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DamageReport {
    /// Where the damage starts.
    pub lsn: Lsn,
    /// Where reading resumed.
    pub resumed_at: Lsn,
    /// What was wrong (`bad-checksum`, `bad-length`, `unwritten`, `bad-state`, `damaged-block`,
    /// `damaged-segment: …`).
    pub what: String,
}

/// What a reader skipped so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScanReport {
    /// Damaged frames, blocks and segments (the first 1000).
    pub damage: Vec<DamageReport>,
    /// How many damage reports there were in all.
    pub damage_count: u64,
    /// Slots whose writer died before publishing them (or gave them up).
    pub abandoned: u64,
    /// Slots skipped after waiting `stall_timeout` for a writer that still seemed alive.
    pub stalled: u64,
}

impl ScanReport {
    fn damage(&mut self, lsn: Lsn, resumed_at: Lsn, what: impl Into<String>) {
        self.damage_count += 1;
        if self.damage.len() < 1000 {
            self.damage.push(DamageReport { lsn, resumed_at, what: what.into() });
        }
    }
}

enum Current {
    Live(Segment),
    Compressed { seg: CompressedSegment, block: Option<(usize, Vec<u8>)> },
}

/// Where the payload of the record just found lives.
enum Found {
    Live { at: usize, len: usize },
    Block { at: usize, len: usize },
}

/// Reads records in LSN order from a position; call [`Reader::next`] until it returns `None`
/// (the current end of the log), then again later (or after [`Reader::wait`]) to follow the tail.
pub struct Reader {
    dir: PathBuf,
    pos: Lsn,
    current: Option<Current>,
    stall_timeout: Duration,
    waiting: Option<(Lsn, Instant)>,
    damaged_segments: HashSet<Lsn>,
    report: ScanReport,
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader")
            .field("dir", &self.dir)
            .field("pos", &self.pos)
            .finish_non_exhaustive()
    }
}

impl Reader {
    pub(crate) fn new(dir: PathBuf, from: Lsn, stall_timeout: Duration) -> Reader {
        Reader {
            dir,
            pos: from,
            current: None,
            stall_timeout,
            waiting: None,
            damaged_segments: HashSet::new(),
            report: ScanReport::default(),
        }
    }

    /// The LSN the next read starts at: a checkpoint to resume from later.
    pub fn position(&self) -> Lsn {
        self.pos
    }

    /// Whether the last `None` from [`Reader::next`] was a slot that a live writer is still
    /// filling (more records may already follow it) rather than the end of the log.
    pub fn is_waiting_on_writer(&self) -> bool {
        self.waiting.is_some()
    }

    /// What was stepped over so far.
    pub fn report(&self) -> &ScanReport {
        &self.report
    }

    /// The next record, or `None` at the current end of the log (or at a slot a live writer is
    /// still filling).
    ///
    /// # Errors
    /// Only when a file cannot be listed or read; damage is stepped over and reported.
    #[allow(clippy::should_implement_trait)] // a lending iterator: the record borrows the reader
    pub fn next(&mut self) -> Result<Option<Record<'_>>, Error> {
        let Some((lsn, found)) = self.advance()? else { return Ok(None) };
        let payload = match (found, &self.current) {
            (Found::Live { at, len }, Some(Current::Live(seg))) => seg.map().bytes(at, len),
            (Found::Block { at, len }, Some(Current::Compressed { block: Some((_, buf)), .. })) => {
                buf.get(at..at + len)
            }
            _ => None,
        };
        // advance() just validated this range, so it is there.
        Ok(payload.map(|payload| Record { lsn, payload }))
    }

    /// Waits up to `timeout` for more records; returns whether there may be some.
    ///
    /// # Errors
    /// As [`Reader::next`].
    pub fn wait(&mut self, timeout: Duration) -> Result<bool, Error> {
        let deadline = Instant::now() + timeout;
        let mut pause = Duration::from_millis(1);
        loop {
            if self.has_more()? {
                return Ok(true);
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(false);
            }
            std::thread::sleep(pause.min(deadline - now));
            pause = (pause * 2).min(Duration::from_millis(25));
        }
    }

    fn has_more(&mut self) -> Result<bool, Error> {
        if let Some(Current::Live(seg)) = &self.current {
            let (end, sealed) = seg.end();
            if sealed || self.pos.0 < seg.base().0 + end {
                return Ok(true);
            }
            return Ok(false);
        }
        // Between segments, or in a compressed one: the next read finds out cheaply enough.
        let files = dir::list(&self.dir)?;
        Ok(files.iter().any(|f| f.base.0 + HEADER_LEN > self.pos.0) || self.current.is_some())
    }

    /// Positions `current` on the segment holding `pos`, or the first one after it. Returns
    /// false when there is none yet.
    fn locate(&mut self) -> Result<bool, Error> {
        for _attempt in 0..3 {
            let files = dir::list(&self.dir)?;
            // The last file starting at or before pos, if pos is inside it; else the first after.
            let pos = self.pos;
            let usable = |f: &&dir::SegmentFile| !self.damaged_segments.contains(&f.base);
            let candidates: Vec<dir::SegmentFile> = files
                .iter()
                .rev()
                .filter(usable)
                .find(|f| f.base <= pos)
                .into_iter()
                .chain(files.iter().filter(usable).filter(|f| f.base > pos))
                .cloned()
                .collect();
            let mut vanished = false;
            for f in &candidates {
                let opened = match f.kind {
                    FileKind::Live => Segment::open(&f.path, f.base, false).map(|s| {
                        s.map().advise_sequential();
                        Current::Live(s)
                    }),
                    FileKind::Compressed => CompressedSegment::open(&f.path, f.base)
                        .map(|seg| Current::Compressed { seg, block: None }),
                };
                match opened {
                    Ok(cur) => {
                        let (base, capacity) = match &cur {
                            Current::Live(s) => (s.base(), s.capacity()),
                            Current::Compressed { seg, .. } => (seg.base(), seg.capacity()),
                        };
                        if self.pos.0 >= base.0 + capacity {
                            continue; // pos is past this one; look at the ones after it
                        }
                        self.pos = Lsn(self.pos.0.max(base.0 + HEADER_LEN));
                        self.current = Some(cur);
                        return Ok(true);
                    }
                    Err(OpenFailure::Missing) => {
                        vanished = true;
                        break;
                    }
                    Err(OpenFailure::Damaged(why)) => {
                        self.damaged_segments.insert(f.base);
                        self.report.damage(f.base, f.base, format!("damaged-segment: {why}"));
                    }
                    Err(OpenFailure::Io(source)) => {
                        return Err(Error::Io { path: f.path.clone(), source });
                    }
                }
            }
            if !vanished {
                return Ok(false);
            }
        }
        Ok(false)
    }

    fn leave_segment(&mut self, next_base: Lsn) {
        self.current = None;
        self.pos = Lsn(self.pos.0.max(next_base.0));
    }

    fn advance(&mut self) -> Result<Option<(Lsn, Found)>, Error> {
        loop {
            if self.current.is_none() && !self.locate()? {
                return Ok(None);
            }
            match &mut self.current {
                None => return Ok(None),
                Some(Current::Live(seg)) => {
                    let base = seg.base();
                    let capacity = seg.capacity();
                    let off = (self.pos.0 - base.0) as usize;
                    let (end, sealed) = seg.end();
                    let end = end as usize;
                    match frame::step(seg.map(), off, end) {
                        Step::Record { payload_at, len, next } => {
                            let lsn = self.pos;
                            self.pos = Lsn(base.0 + next as u64);
                            self.waiting = None;
                            return Ok(Some((lsn, Found::Live { at: payload_at, len })));
                        }
                        Step::Abandoned { next } => {
                            self.report.abandoned += 1;
                            self.pos = Lsn(base.0 + next as u64);
                        }
                        Step::Reserved { pid, next } => {
                            if !crate::mmap::process_exists(pid) {
                                self.report.abandoned += 1;
                            } else {
                                let since = match self.waiting {
                                    Some((at, since)) if at == self.pos => since,
                                    _ => {
                                        let now = Instant::now();
                                        self.waiting = Some((self.pos, now));
                                        now
                                    }
                                };
                                if since.elapsed() < self.stall_timeout {
                                    return Ok(None); // its writer is still at work
                                }
                                self.report.stalled += 1;
                            }
                            self.waiting = None;
                            self.pos = Lsn(base.0 + next as u64);
                        }
                        Step::Damaged { damage, resume } => {
                            let at = self.pos;
                            let resume = resume.unwrap_or(end);
                            self.pos = Lsn(base.0 + resume as u64);
                            self.report.damage(at, self.pos, damage.as_str());
                        }
                        Step::End => {
                            if !sealed {
                                return Ok(None);
                            }
                            self.leave_segment(Lsn(base.0 + capacity));
                        }
                    }
                }
                Some(Current::Compressed { seg, block }) => {
                    let base = seg.base();
                    let off = self.pos.0 - base.0;
                    if off >= seg.end() {
                        let next = Lsn(base.0 + seg.capacity());
                        self.leave_segment(next);
                        continue;
                    }
                    let Some(i) = seg.block_at(off) else {
                        let next = Lsn(base.0 + seg.capacity());
                        self.leave_segment(next);
                        continue;
                    };
                    let Some(entry) = seg.block(i) else { return Ok(None) };
                    if off < entry.raw_start {
                        self.pos = Lsn(base.0 + entry.raw_start);
                    }
                    if block.as_ref().is_none_or(|(j, _)| *j != i) {
                        match seg.read_block(i) {
                            Ok(buf) => *block = Some((i, buf)),
                            Err(why) => {
                                let at = self.pos;
                                self.pos = Lsn(base.0 + entry.raw_start + u64::from(entry.raw_len));
                                self.report.damage(at, self.pos, format!("damaged-block: {why}"));
                                *block = None;
                                continue;
                            }
                        }
                    }
                    let Some((_, buf)) = block.as_ref() else { continue };
                    let rel = (self.pos.0 - base.0 - entry.raw_start) as usize;
                    let block_base = base.0 + entry.raw_start;
                    match frame::step(&buf[..], rel, buf.len()) {
                        Step::Record { payload_at, len, next } => {
                            let lsn = self.pos;
                            self.pos = Lsn(block_base + next as u64);
                            return Ok(Some((lsn, Found::Block { at: payload_at, len })));
                        }
                        // In a sealed, compressed segment no writer is left: a reserved slot
                        // was abandoned.
                        Step::Abandoned { next } | Step::Reserved { next, .. } => {
                            self.report.abandoned += 1;
                            self.pos = Lsn(block_base + next as u64);
                        }
                        Step::Damaged { damage, resume } => {
                            let at = self.pos;
                            self.pos = Lsn(block_base + resume.unwrap_or(buf.len()) as u64);
                            self.report.damage(at, self.pos, damage.as_str());
                        }
                        Step::End => self.pos = Lsn(block_base + buf.len() as u64),
                    }
                }
            }
        }
    }
}
