//! The timed loops shared by the criterion benches and the `quick` binary, and the bookkeeping
//! that turns two measurements of one run into a ratio.

use std::cell::RefCell;
use std::hint::black_box;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::Result;
use crate::workload::{self, RECORD_LEN};

/// Appends `n` copies of `record` to a fresh log whose (single) segment holds them all, and
/// returns the time of the appends alone: creating the segment (fallocate, fsync) is done by a
/// first, untimed append, and removing the log afterwards is not timed either. Page faults on
/// the fresh pages of the mapping are timed (the kernel zeroes each new page-cache page before
/// mapping it): every real append to a new part of a segment pays them.
///
/// # Errors
/// When the log cannot be created or an append fails.
pub fn append_fresh(record: &[u8], n: u64) -> Result<Duration> {
    append_once(record, n, false)
}

/// Like [`append_fresh`], but the segment's pages are brought into the page cache before the
/// clock starts (by reading the file), so the appends find them there: what "warm" means in
/// DESIGN.md's 10 M records/s, and what a log that pre-faults ahead of its writers would get.
///
/// # Errors
/// When the log cannot be created or an append fails.
pub fn append_warm(record: &[u8], n: u64) -> Result<Duration> {
    append_once(record, n, true)
}

fn append_once(record: &[u8], n: u64, warm: bool) -> Result<Duration> {
    let dir = workload::bench_tempdir("tl-bench-append")?;
    let config = wal::Config {
        segment_size: workload::segment_size_for(n + 1),
        ..wal::Config::new(dir.path())
    };
    let log = wal::Wal::open(config)?;
    log.append(record)?;
    if warm {
        for entry in std::fs::read_dir(dir.path())? {
            let mut file = std::fs::File::open(entry?.path())?;
            std::io::copy(&mut file, &mut std::io::sink())?;
        }
    }
    let start = Instant::now();
    for _ in 0..n {
        black_box(log.append(black_box(record))?);
    }
    let elapsed = start.elapsed();
    drop(log);
    drop(dir);
    Ok(elapsed)
}

/// Appends `n` copies of `record` to `log` (which keeps its segments between calls, so segments
/// fill, roll over, are fsynced and new ones created inside the timed loop).
///
/// # Errors
/// When an append fails.
pub fn append_to(log: &wal::Wal, record: &[u8], n: u64) -> Result<Duration> {
    let start = Instant::now();
    for _ in 0..n {
        black_box(log.append(black_box(record))?);
    }
    Ok(start.elapsed())
}

/// The baseline of the append benchmark: copying a record into successive 8-aligned slots of a
/// preallocated (and already touched) buffer, wrapping around at its end.
#[derive(Debug)]
pub struct MemcpyTarget {
    buf: Vec<u8>,
}

impl Default for MemcpyTarget {
    fn default() -> Self {
        MemcpyTarget::new(64 << 20)
    }
}

impl MemcpyTarget {
    /// A target buffer of `bytes`, every page touched.
    pub fn new(bytes: usize) -> MemcpyTarget {
        MemcpyTarget { buf: vec![1u8; bytes.max(4096)] }
    }

    /// Copies `record` `n` times and returns the time taken.
    pub fn copy(&mut self, record: &[u8], n: u64) -> Duration {
        let slot = wal::frame::frame_len(record.len());
        let last = self.buf.len() - slot;
        let mut at = 0;
        let start = Instant::now();
        for _ in 0..n {
            self.buf[at..at + record.len()].copy_from_slice(black_box(record));
            at += slot;
            if at > last {
                at = 0;
            }
        }
        black_box(&mut self.buf);
        start.elapsed()
    }
}

/// A log of 300-byte records for the recovery-scan benchmark, and a copy of its frame bytes in
/// memory for the baselines.
#[derive(Debug)]
pub struct RecoveryLog {
    /// The log (removed on drop).
    pub dir: tempfile::TempDir,
    /// How many records it holds.
    pub records: u64,
    /// The bytes of frames in its segments (headers of segments excluded): what a scan reads.
    pub frame_bytes: u64,
    /// How many segments.
    pub segments: usize,
    /// Each segment's frames, read into memory.
    pub frames: Vec<Vec<u8>>,
}

impl RecoveryLog {
    /// Writes at least `bytes` of frames of 300-byte records into a log of `segment_size`
    /// segments (untimed: this is the setup).
    ///
    /// # Errors
    /// When the log cannot be written or read back.
    pub fn build(bytes: u64, segment_size: u64) -> Result<RecoveryLog> {
        let dir = workload::bench_tempdir("tl-bench-recovery")?;
        let log = wal::Wal::open(wal::Config { segment_size, ..wal::Config::new(dir.path()) })?;
        let record = workload::record_300();
        let records = bytes.div_ceil(workload::record_frame_len());
        for _ in 0..records {
            log.append(&record)?;
        }
        let mut frames = Vec::new();
        let mut frame_bytes = 0;
        for info in log.segments()? {
            let path = dir.path().join(format!("{:020}.wal", info.base.0));
            let bytes = std::fs::read(&path)?;
            let used = bytes.get(4096..info.used_bytes as usize).ok_or("short segment")?;
            frame_bytes += used.len() as u64;
            frames.push(used.to_vec());
        }
        let segments = frames.len();
        Ok(RecoveryLog { dir, records, frame_bytes, segments, frames })
    }

    /// Baseline: `crc32fast::hash` over every segment's frames in memory.
    pub fn crc_baseline(&self) -> Duration {
        let start = Instant::now();
        for frames in &self.frames {
            black_box(crc32fast::hash(black_box(frames)));
        }
        start.elapsed()
    }

    /// The frame scanner alone (`wal::frame::scan_all`) over the frames in memory.
    ///
    /// # Errors
    /// When the scan does not find every record.
    pub fn scan_in_memory(&self) -> Result<Duration> {
        let start = Instant::now();
        let mut n = 0;
        for frames in &self.frames {
            let (records, damage) = wal::frame::scan_all(black_box(frames), 0);
            n += records.len() as u64;
            if !damage.is_empty() {
                return Err(format!("damage in a clean log: {damage:?}").into());
            }
        }
        let elapsed = start.elapsed();
        check_count(n, self.records)?;
        Ok(elapsed)
    }

    /// What recovery does: open the log and read every record with `Reader::next` (mapped
    /// segments, CRC of every frame).
    ///
    /// # Errors
    /// When reading fails or does not find every record.
    pub fn read_all(&self) -> Result<Duration> {
        let start = Instant::now();
        let log = wal::Wal::open(wal::Config::new(self.dir.path()))?;
        let mut reader = log.reader(wal::Lsn::ZERO);
        let mut n = 0u64;
        let mut bytes = 0usize;
        while let Some(record) = reader.next()? {
            n += 1;
            bytes += black_box(record.payload).len();
        }
        let elapsed = start.elapsed();
        check_count(n, self.records)?;
        if bytes != n as usize * RECORD_LEN {
            return Err(format!("read {bytes} payload bytes for {n} records").into());
        }
        Ok(elapsed)
    }
}

fn check_count(found: u64, expected: u64) -> Result<()> {
    if found == expected {
        Ok(())
    } else {
        Err(format!("found {found} records, expected {expected}").into())
    }
}

/// What a benchmark's routine measured, sample by sample: criterion times the samples, and the
/// routine also records them here, each with the time of the baseline doing the same amount of
/// work right before it (a paired sample), so that the bench can print the ratio when
/// criterion is done. Pairing matters on a shared machine: the load changes between two
/// criterion benchmarks, much less between two halves of one sample.
#[derive(Clone, Debug, Default)]
pub struct Tally(Rc<RefCell<Vec<Sample>>>);

/// One sample of a [`Tally`].
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// Units of work (records, bytes).
    pub units: u64,
    /// Time of the subject.
    pub subject: Duration,
    /// Time of the baseline on the same units, if it was paired.
    pub baseline: Option<Duration>,
}

impl Tally {
    /// Records one sample of the subject alone and hands its time back (for `iter_custom`).
    pub fn record(&self, units: u64, elapsed: Duration) -> Duration {
        self.0.borrow_mut().push(Sample { units, subject: elapsed, baseline: None });
        elapsed
    }

    /// Records a paired sample and hands the subject's time back (for `iter_custom`).
    pub fn record_pair(&self, units: u64, subject: Duration, baseline: Duration) -> Duration {
        self.0.borrow_mut().push(Sample { units, subject, baseline: Some(baseline) });
        subject
    }

    /// The last `last` samples (criterion's measurement samples come after its warm-up calls).
    pub fn tail(&self, last: usize) -> Vec<Sample> {
        let samples = self.0.borrow();
        samples[samples.len().saturating_sub(last)..].to_vec()
    }

    /// Subject units per second over the last `last` samples, or `None` when nothing was
    /// measured (the bench was filtered out).
    pub fn rate(&self, last: usize) -> Option<f64> {
        let tail = self.tail(last);
        let units: u64 = tail.iter().map(|s| s.units).sum();
        let secs: f64 = tail.iter().map(|s| s.subject.as_secs_f64()).sum();
        (units > 0 && secs > 0.0).then(|| units as f64 / secs)
    }

    /// Baseline units per second over the paired samples among the last `last`.
    pub fn baseline_rate(&self, last: usize) -> Option<f64> {
        let tail = self.tail(last);
        let paired = tail.iter().filter_map(|s| Some((s.units, s.baseline?)));
        let (units, secs) =
            paired.fold((0u64, 0f64), |(u, t), (n, d)| (u + n, t + d.as_secs_f64()));
        (units > 0 && secs > 0.0).then(|| units as f64 / secs)
    }

    /// The median over the paired samples among the last `last` of subject rate / baseline
    /// rate, with the lowest and highest.
    pub fn paired_ratio(&self, last: usize) -> Option<(f64, f64, f64)> {
        let mut ratios: Vec<f64> = self
            .tail(last)
            .iter()
            .filter_map(|s| Some(s.baseline?.as_secs_f64() / s.subject.as_secs_f64()))
            .filter(|r| r.is_finite())
            .collect();
        if ratios.is_empty() {
            return None;
        }
        let m = median(&mut ratios);
        Some((m, ratios[0], ratios[ratios.len() - 1]))
    }
}

/// Prints the paired ratio of a tally: the subject's and the baseline's rates and the median of
/// the per-sample ratios (nothing when the bench did not run).
pub fn print_paired(what: &str, unit: &str, tally: &Tally, samples: usize) {
    let (Some(s), Some(b), Some((m, lo, hi))) =
        (tally.rate(samples), tally.baseline_rate(samples), tally.paired_ratio(samples))
    else {
        return;
    };
    println!(
        "RATIO {what}: {}{unit}/s vs baseline {}{unit}/s in the same samples; \
         median ratio {m:.3} (range {lo:.3}..{hi:.3} over {} samples)",
        si(s),
        si(b),
        tally.tail(samples).len()
    );
}

/// The load averages (1, 5, 15 min) of the machine, for the record: on a shared machine they
/// say how much the other tenants weighed on a run.
pub fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

/// The median of some rates.
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// The `p`-th percentile (0..=100, nearest rank) of sorted values.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A rate with an SI prefix: `5.21 M`.
pub fn si(value: f64) -> String {
    let (scaled, prefix) = match value.abs() {
        v if v >= 1e9 => (value / 1e9, " G"),
        v if v >= 1e6 => (value / 1e6, " M"),
        v if v >= 1e3 => (value / 1e3, " k"),
        _ => (value, " "),
    };
    format!("{scaled:.2}{prefix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&v, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&v, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&v, 100.0), Duration::from_millis(100));
    }

    #[test]
    fn tally_rates_use_the_last_samples() {
        let t = Tally::default();
        t.record(1, Duration::from_secs(1));
        t.record(10, Duration::from_secs(1));
        assert_eq!(t.rate(1), Some(10.0));
        assert_eq!(t.rate(2), Some(5.5));
        assert_eq!(t.paired_ratio(2), None);
        t.record_pair(10, Duration::from_secs(1), Duration::from_secs(2));
        assert_eq!(t.paired_ratio(3), Some((2.0, 2.0, 2.0)));
        assert_eq!(t.baseline_rate(3), Some(5.0));
    }
}
