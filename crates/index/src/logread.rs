//! Reading single records back from the log by LSN: step bodies for `tl inspect --step`, the
//! full-text documents of steps that span batches, and recomputing findings.
//!
//! Steps are visited roughly in log order, so a [`LogLookup`] keeps its reader and walks forward
//! when the next LSN is a little ahead of it, instead of opening a reader per record.

use event::Event;
use wal::{Lsn, Reader, Wal};

/// How far ahead (bytes) a lookup walks its reader before it opens a new one at the target.
const WALK_LIMIT: u64 = 256 * 1024;

/// Reads records by LSN, decoding them as events.
pub struct LogLookup<'w> {
    wal: &'w Wal,
    reader: Option<Reader>,
}

impl std::fmt::Debug for LogLookup<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogLookup").finish_non_exhaustive()
    }
}

impl<'w> LogLookup<'w> {
    /// A lookup over `wal`.
    pub fn new(wal: &'w Wal) -> LogLookup<'w> {
        LogLookup { wal, reader: None }
    }

    /// The event recorded at `lsn`; `None` when no record starts there (removed by `tl gc`,
    /// damaged) or it does not decode.
    pub fn event(&mut self, lsn: Lsn) -> Option<Event> {
        let reuse = self
            .reader
            .as_ref()
            .is_some_and(|r| r.position() <= lsn && lsn.0 - r.position().0 <= WALK_LIMIT);
        if !reuse {
            self.reader = Some(self.wal.reader(lsn));
        }
        let reader = self.reader.as_mut()?;
        loop {
            let record = match reader.next() {
                Ok(Some(record)) => record,
                Ok(None) | Err(_) => {
                    self.reader = None;
                    return None;
                }
            };
            if record.lsn == lsn {
                return event::decode(record.payload).ok();
            }
            if record.lsn > lsn {
                // No record starts at `lsn`: do not leave the reader past what a later call may ask.
                self.reader = None;
                return None;
            }
        }
    }
}
