//! A one-line progress bar on stderr for long work (`tl import`, `tl reindex`): drawn at most
//! ten times a second, only when stderr is a terminal, so piped and JSON output stay clean.

use std::io::Write;
use std::time::{Duration, Instant};

/// A one-line progress bar on stderr, drawn at most ten times a second, only on a terminal.
pub struct Progress {
    total: u64,
    done: u64,
    shown: bool,
    enabled: bool,
    started: Instant,
    last: Instant,
}

impl Progress {
    pub fn new(total: u64, enabled: bool) -> Progress {
        let now = Instant::now();
        Progress { total, done: 0, shown: false, enabled, started: now, last: now }
    }

    /// Records `n` more bytes done.
    pub fn advance(&mut self, n: u64) {
        self.done += n;
        if self.enabled && self.last.elapsed() >= Duration::from_millis(100) {
            self.last = Instant::now();
            self.draw();
        }
    }

    /// Sets how far along it is (instead of advancing by a step).
    pub fn set(&mut self, done: u64) {
        self.advance(done.saturating_sub(self.done));
    }

    fn draw(&mut self) {
        let fraction = if self.total == 0 { 1.0 } else { self.done as f64 / self.total as f64 };
        let width = 30;
        let filled = ((fraction * width as f64) as usize).min(width);
        let rate = self.done as f64 / self.started.elapsed().as_secs_f64().max(1e-3);
        let eta =
            if rate > 0.0 { (self.total.saturating_sub(self.done)) as f64 / rate } else { 0.0 };
        let _ = write!(
            std::io::stderr(),
            "\r[{}{}] {:>5.1}%  {} / {}  {}/s  eta {:.0}s ",
            "#".repeat(filled),
            "-".repeat(width - filled),
            fraction * 100.0,
            crate::commands::status::human_bytes(self.done),
            crate::commands::status::human_bytes(self.total),
            crate::commands::status::human_bytes(rate as u64),
            eta
        );
        self.shown = true;
    }

    /// Draws the final state and ends the line.
    pub fn finish(&mut self) {
        if self.enabled && self.shown {
            self.draw();
            let _ = writeln!(std::io::stderr());
        }
    }
}
