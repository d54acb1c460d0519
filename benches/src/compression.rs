//! Storage cost of the log: the wal's own compression of sealed segments (independent zstd
//! blocks of whole frames) measured end to end, and the alternative DESIGN.md §4 asks about,
//! per-record zstd with a dictionary trained on other sessions, on the same JSON.
//!
//! Every ratio is bytes stored / bytes of JSON the agents sent (the lines of the capture
//! fixtures, without their newlines).

use std::hint::black_box;
use std::time::{Duration, Instant};

use zstd::zstd_safe::CParameter;

use crate::Result;
use crate::workload::{self, Line};

/// Header, index entry and index CRC of a compressed segment (see `wal`'s `compressed.rs`).
const SEGMENT_HEADER: u64 = 64 + 4;
const INDEX_ENTRY: u64 = 24;
/// The pid stamped into frames built in memory (any value; it changes no length).
const PID: u32 = 4242;

/// The fixture JSON, all of it and split for dictionary training.
#[derive(Debug)]
pub struct Corpus {
    /// Every line, in file order.
    pub all: Vec<Vec<u8>>,
    /// The lines a dictionary is trained on (see [`Line::is_training`]).
    pub train: Vec<Vec<u8>>,
    /// The other lines, on which a dictionary is evaluated.
    pub eval: Vec<Vec<u8>>,
    /// How many fixture files.
    pub files: usize,
}

impl Corpus {
    /// Loads every `*.jsonl` line of the capture fixtures.
    ///
    /// # Errors
    /// When the fixtures cannot be read.
    pub fn load() -> Result<Corpus> {
        let lines: Vec<Line> = workload::fixture_lines()?;
        let mut files: Vec<&str> = lines.iter().map(|l| l.file.as_str()).collect();
        files.dedup();
        let files = files.len();
        let (train, eval): (Vec<&Line>, Vec<&Line>) = lines.iter().partition(|l| l.is_training());
        Ok(Corpus {
            all: lines.iter().map(|l| l.json.clone()).collect(),
            train: train.into_iter().map(|l| l.json.clone()).collect(),
            eval: eval.into_iter().map(|l| l.json.clone()).collect(),
            files,
        })
    }
}

/// Total bytes of some records.
pub fn bytes_of(records: &[Vec<u8>]) -> u64 {
    records.iter().map(|r| r.len() as u64).sum()
}

/// One way of storing records, measured.
#[derive(Clone, Debug)]
pub struct Measured {
    /// What was measured (`wal compress_sealed`, `per-block`, `per-record + dict`, …).
    pub method: String,
    /// The zstd level.
    pub level: i32,
    /// Block size or dictionary size.
    pub unit: String,
    /// Records.
    pub records: u64,
    /// JSON bytes in.
    pub raw: u64,
    /// Bytes stored: file bytes, or frames with their headers and padding, plus indexes.
    pub stored: u64,
    /// Time to compress everything.
    pub compress: Duration,
    /// Time to get every record back.
    pub decompress: Duration,
}

impl Measured {
    /// Bytes stored / JSON bytes.
    pub fn ratio(&self) -> f64 {
        self.stored as f64 / self.raw as f64
    }

    /// JSON MB/s compressed.
    pub fn compress_mbs(&self) -> f64 {
        self.raw as f64 / 1e6 / self.compress.as_secs_f64()
    }

    /// JSON MB/s decompressed.
    pub fn decompress_mbs(&self) -> f64 {
        self.raw as f64 / 1e6 / self.decompress.as_secs_f64()
    }
}

/// Prints measurements as a Markdown table.
pub fn print_table(rows: &[Measured]) {
    println!(
        "| method | level | block / dict | records | JSON MB | stored MB | stored / JSON | compress MB/s | decompress MB/s |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for m in rows {
        println!(
            "| {} | {} | {} | {} | {:.2} | {:.2} | **{:.3}** | {:.0} | {:.0} |",
            m.method,
            m.level,
            m.unit,
            m.records,
            m.raw as f64 / 1e6,
            m.stored as f64 / 1e6,
            m.ratio(),
            m.compress_mbs(),
            m.decompress_mbs()
        );
    }
}

/// The real thing: appends `records` to a log of `segment_size` segments compressed at
/// `level`, runs `compress_sealed()` and divides the compressed files' bytes by the JSON of
/// the records they hold (the last, still active segment is left out); then reads those
/// records back through `Reader::next` (the decompression time).
///
/// # Errors
/// When the log fails, or fewer than one segment gets sealed, or records do not read back.
pub fn wal_sealed(records: &[Vec<u8>], segment_size: u64, level: i32) -> Result<Measured> {
    let dir = workload::bench_tempdir("tl-bench-compress")?;
    let config =
        wal::Config { segment_size, compression_level: level, ..wal::Config::new(dir.path()) };
    let log = wal::Wal::open(config)?;
    let mut lsns = Vec::with_capacity(records.len());
    for r in records {
        lsns.push(log.append(r)?);
    }
    let start = Instant::now();
    let compressed = log.compress_sealed()?;
    let compress = start.elapsed();
    let infos: Vec<wal::SegmentInfo> =
        log.segments()?.into_iter().filter(|s| s.compressed).collect();
    if compressed == 0 || infos.len() != compressed {
        return Err(format!("{compressed} segments compressed, {} found", infos.len()).into());
    }
    let end = infos.iter().map(|s| s.end).max().unwrap_or(wal::Lsn::ZERO);
    let stored: u64 = infos.iter().map(|s| s.file_bytes).sum();
    let held: Vec<usize> = (0..records.len()).filter(|i| lsns[*i] < end).collect();
    let raw: u64 = held.iter().map(|i| records[*i].len() as u64).sum();
    let start = Instant::now();
    let mut reader = log.reader(wal::Lsn::ZERO);
    let mut n = 0usize;
    while let Some(record) = reader.next()? {
        if record.lsn >= end {
            break;
        }
        let expected = held.get(n).map(|i| &records[*i][..]);
        if expected != Some(record.payload) {
            return Err(format!("record {n} at {} reads back differently", record.lsn).into());
        }
        n += 1;
    }
    let decompress = start.elapsed();
    if n != held.len() {
        return Err(format!("read {n} records back of {}", held.len()).into());
    }
    Ok(Measured {
        method: "wal `compress_sealed` (real)".into(),
        level,
        unit: format!("256 KiB, {compressed} × {} MiB seg", segment_size >> 20),
        records: held.len() as u64,
        raw,
        stored,
        compress,
        decompress,
    })
}

/// The wal's scheme simulated in memory, for other levels and block sizes: the records as
/// frames, cut into blocks of at least `block` bytes at frame boundaries, each compressed on its
/// own with a content checksum; stored = blocks + index entries + a header per 64 MiB segment.
///
/// # Errors
/// When zstd fails.
pub fn per_block(records: &[Vec<u8>], level: i32, block: usize) -> Result<Measured> {
    let mut frames = Vec::new();
    let mut cuts = vec![0];
    for r in records {
        frames.extend(wal::frame::encode_committed(r, PID).ok_or("record too large")?);
        if frames.len() - cuts.last().copied().unwrap_or(0) >= block {
            cuts.push(frames.len());
        }
    }
    if cuts.last() != Some(&frames.len()) {
        cuts.push(frames.len());
    }
    let mut compressor = zstd::bulk::Compressor::new(level)?;
    compressor.include_checksum(true)?;
    let start = Instant::now();
    let mut packed = Vec::with_capacity(cuts.len());
    for pair in cuts.windows(2) {
        packed.push(compressor.compress(&frames[pair[0]..pair[1]])?);
    }
    let compress = start.elapsed();
    let mut decompressor = zstd::bulk::Decompressor::new()?;
    let start = Instant::now();
    for (pair, p) in cuts.windows(2).zip(&packed) {
        let raw = decompressor.decompress(p, pair[1] - pair[0])?;
        black_box(wal::frame::scan_all(&raw, 0).0.len());
    }
    let decompress = start.elapsed();
    let segments = (frames.len() as u64).div_ceil(64 << 20);
    let stored = packed.iter().map(|p| p.len() as u64).sum::<u64>()
        + INDEX_ENTRY * packed.len() as u64
        + SEGMENT_HEADER * segments;
    Ok(Measured {
        method: "per-block (simulated)".into(),
        level,
        unit: format!("{} KiB", block >> 10),
        records: records.len() as u64,
        raw: bytes_of(records),
        stored,
        compress,
        decompress,
    })
}

/// A dictionary of at most `max_size` bytes trained on `samples`, and the training time.
///
/// # Errors
/// When zstd cannot train one (too few samples).
pub fn train_dictionary(samples: &[Vec<u8>], max_size: usize) -> Result<(Vec<u8>, Duration)> {
    let start = Instant::now();
    let dict = zstd::dict::from_samples(samples, max_size)?;
    Ok((dict, start.elapsed()))
}

fn record_compressor(level: i32, dict: Option<&[u8]>) -> Result<zstd::bulk::Compressor<'static>> {
    let mut c = match dict {
        Some(d) => zstd::bulk::Compressor::with_dictionary(level, d)?,
        None => zstd::bulk::Compressor::new(level)?,
    };
    // The frame's CRC already covers the payload, and the dictionary is known from the log.
    c.set_parameter(CParameter::ChecksumFlag(false))?;
    c.set_parameter(CParameter::DictIdFlag(false))?;
    Ok(c)
}

/// Each record compressed on its own (with `dict` if given), stored as a wal frame each
/// (16-byte header, padding to 8); the dictionary itself is not counted (once per log).
///
/// # Errors
/// When zstd fails or a record does not round-trip.
pub fn per_record(records: &[Vec<u8>], level: i32, dict: Option<&[u8]>) -> Result<Measured> {
    let mut compressor = record_compressor(level, dict)?;
    let start = Instant::now();
    let mut packed = Vec::with_capacity(records.len());
    for r in records {
        packed.push(compressor.compress(r)?);
    }
    let compress = start.elapsed();
    let mut decompressor = match dict {
        Some(d) => zstd::bulk::Decompressor::with_dictionary(d)?,
        None => zstd::bulk::Decompressor::new()?,
    };
    let start = Instant::now();
    let mut back = 0usize;
    for (p, r) in packed.iter().zip(records) {
        back += black_box(decompressor.decompress(p, r.len())?).len();
    }
    let decompress = start.elapsed();
    if back as u64 != bytes_of(records) {
        return Err("per-record round trip lost bytes".into());
    }
    let stored = packed.iter().map(|p| wal::frame::frame_len(p.len()) as u64).sum();
    Ok(Measured {
        method: if dict.is_some() { "per-record + dict" } else { "per-record, no dict" }.into(),
        level,
        unit: dict.map_or_else(|| "-".to_string(), |d| format!("dict {} KiB", d.len() >> 10)),
        records: records.len() as u64,
        raw: bytes_of(records),
        stored,
        compress,
        decompress,
    })
}

/// What a one-record hook process would pay to compress with a dictionary: set up a compressor
/// (loading `dict`) and compress `record`, averaged over `rounds`.
///
/// # Errors
/// When zstd fails.
pub fn one_shot(record: &[u8], level: i32, dict: Option<&[u8]>, rounds: u32) -> Result<Duration> {
    let start = Instant::now();
    for _ in 0..rounds {
        let mut c = record_compressor(level, dict)?;
        black_box(c.compress(black_box(record))?);
    }
    Ok(start.elapsed() / rounds.max(1))
}
