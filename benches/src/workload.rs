//! What the benchmarks append: a fixed 300-byte record shaped like a small hook event, and the
//! real agent JSON of the capture fixtures (Claude Code, Codex, Gemini), repeated with fresh ids.

use std::path::{Path, PathBuf};

use crate::Result;

/// Bytes of every record of the append, multi-writer and recovery benchmarks.
pub const RECORD_LEN: usize = 300;

/// Bytes a 300-byte record takes in a live segment (16-byte frame header, padded to 8).
pub fn record_frame_len() -> u64 {
    wal::frame::frame_len(RECORD_LEN) as u64
}

/// A 300-byte record shaped like a `PreToolUse` hook event: compact JSON padded with spaces.
pub fn record_300() -> Vec<u8> {
    let mut record = br#"{"session_id":"0cfde7cd-23f6-45f2-9cd7-3fae11d5363e","hook_event_name":"PreToolUse","cwd":"/home/dev/shop","permission_mode":"default","tool_name":"Bash","tool_input":{"command":"cargo test -p wal","description":"Run the wal tests"},"tool_use_id":"toolu_01ba6705b97cea4600002"}"#
        .to_vec();
    assert!(record.len() <= RECORD_LEN, "template of {} bytes", record.len());
    record.resize(RECORD_LEN, b' ');
    record
}

/// The ~2 KB `PostToolUse` payload the hook-sized process appends (`benches/data`).
pub fn hook_payload_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/post_tool_use.json")
}

/// A segment size (a multiple of 4096) that holds `records` 300-byte records without rolling
/// over, and never less than the 64 MiB default.
pub fn segment_size_for(records: u64) -> u64 {
    let bytes = records.saturating_mul(record_frame_len()).saturating_add(2 * 4096);
    bytes.next_multiple_of(4096).max(64 << 20)
}

/// A temporary directory on a real file system: `$TL_BENCH_DIR`, else `/tmp`. Warns (once per
/// call) when that is a tmpfs, where a log's pages never reach a disk and the numbers flatter.
///
/// # Errors
/// When the directory cannot be created.
pub fn bench_tempdir(prefix: &str) -> Result<tempfile::TempDir> {
    let parent =
        std::env::var_os("TL_BENCH_DIR").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    if let Some(fs) = file_system_of(&parent)
        && fs == "tmpfs"
    {
        eprintln!(
            "warning: {} is a tmpfs; set TL_BENCH_DIR to a disk-backed directory",
            parent.display()
        );
    }
    Ok(tempfile::Builder::new().prefix(prefix).tempdir_in(parent)?)
}

/// The type of the file system holding `path` (the longest matching mount in /proc/self/mounts).
pub fn file_system_of(path: &Path) -> Option<String> {
    let path = path.canonicalize().ok()?;
    let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
    mounts
        .lines()
        .filter_map(|line| {
            let mut fields = line.split(' ');
            let _device = fields.next()?;
            let point = fields.next()?.replace("\\040", " ");
            let fs = fields.next()?;
            path.starts_with(&point).then(|| (point.len(), fs.to_string()))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, fs)| fs)
}

/// One JSON line of a fixture file.
#[derive(Clone, Debug)]
pub struct Line {
    /// The file, relative to the fixture directory (e.g. `codex/hooks.jsonl`).
    pub file: String,
    /// Its position among the file's non-empty lines.
    pub index: usize,
    /// How many non-empty lines the file has.
    pub of: usize,
    /// The JSON, without the newline.
    pub json: Vec<u8>,
}

impl Line {
    /// Whether the line belongs to the dictionary's training part. The two Claude Code sessions
    /// are split by session (train on one, evaluate on the other, as a dictionary trained on
    /// past sessions would be used); Codex and Gemini have one session each, so their files are
    /// split in halves (first half trains), which flatters the dictionary somewhat.
    pub fn is_training(&self) -> bool {
        if self.file.starts_with("claude-code/") {
            !self.file.contains("interactive_tui/")
        } else {
            self.index < self.of / 2
        }
    }
}

/// The capture fixtures: real JSON sent by the agents (`crates/capture/tests/fixtures`).
pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/capture/tests/fixtures")
}

/// Every non-empty line of every `*.jsonl` fixture, files in path order.
///
/// # Errors
/// When the fixture directory cannot be read.
pub fn fixture_lines() -> Result<Vec<Line>> {
    let root = fixture_dir();
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "jsonl") {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut lines = Vec::new();
    for path in files {
        let text = std::fs::read(&path)?;
        let file = path.strip_prefix(&root)?.to_string_lossy().into_owned();
        let jsons: Vec<&[u8]> = text
            .split(|b| *b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
            .collect();
        let of = jsons.len();
        for (index, json) in jsons.into_iter().enumerate() {
            lines.push(Line { file: file.clone(), index, of, json: json.to_vec() });
        }
    }
    if lines.is_empty() {
        return Err(format!("no *.jsonl lines under {}", root.display()).into());
    }
    Ok(lines)
}

/// The lines repeated until they hold at least `min_bytes` of JSON; repetition `r > 0` has
/// every UUID and `toolu_` id replaced by one of its own (consistently within the repetition),
/// so repetitions look like other sessions rather than copies.
pub fn repeat_varied(lines: &[Vec<u8>], min_bytes: u64) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut total = 0u64;
    let mut rep = 0u64;
    while total < min_bytes && !lines.is_empty() {
        for line in lines {
            let varied = vary_ids(line, rep);
            total += varied.len() as u64;
            out.push(varied);
        }
        rep += 1;
    }
    out
}

/// `line` with its ids rewritten for repetition `rep` (unchanged for 0): every UUID
/// (8-4-4-4-12 hex digits) and the id after every `toolu_` get digits derived from the old id
/// and `rep`, keeping their length and shape.
pub fn vary_ids(line: &[u8], rep: u64) -> Vec<u8> {
    let mut out = line.to_vec();
    if rep == 0 {
        return out;
    }
    let mut i = 0;
    while i < out.len() {
        if let Some(window) = out.get(i..i + 36)
            && is_uuid(window)
        {
            let seed = hash(window, rep);
            for (k, b) in out[i..i + 36].iter_mut().enumerate() {
                if *b != b'-' {
                    *b = HEX[((seed >> ((k * 5) % 60)) as usize + k) % 16];
                }
            }
            i += 36;
        } else if out[i..].starts_with(b"toolu_") {
            let start = i + 6;
            let len = out[start..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
            let seed = hash(&out[start..start + len], rep);
            for (k, b) in out[start..start + len].iter_mut().enumerate() {
                *b = ALNUM[((seed >> ((k * 5) % 58)) as usize + k) % ALNUM.len()];
            }
            i = start + len;
        } else {
            i += 1;
        }
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";
const ALNUM: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn is_uuid(w: &[u8]) -> bool {
    w.len() == 36
        && w.iter().enumerate().all(|(k, b)| match k {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// FNV-1a of the bytes and the repetition, then a splitmix64 finaliser.
fn hash(bytes: &[u8], rep: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ rep.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for b in bytes {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_is_300_bytes() {
        assert_eq!(record_300().len(), RECORD_LEN);
    }

    #[test]
    fn ids_change_consistently_and_keep_their_shape() {
        let line = br#"{"a":"0cfde7cd-23f6-45f2-9cd7-3fae11d5363e","p":"/x/0cfde7cd-23f6-45f2-9cd7-3fae11d5363e.jsonl","t":"toolu_01ba6705b97c"}"#;
        assert_eq!(vary_ids(line, 0), line.to_vec());
        let varied = vary_ids(line, 3);
        assert_eq!(varied.len(), line.len());
        assert_ne!(varied, line.to_vec());
        let text = String::from_utf8(varied).expect("ascii");
        let first = &text[6..42];
        assert!(is_uuid(first.as_bytes()));
        assert!(text.contains(&format!("/x/{first}.jsonl")));
        assert!(!text.contains("01ba6705b97c"));
    }
}
