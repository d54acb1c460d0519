//! `tl import [PATH…] [--agent A]`: backfill the log from the agents' own transcripts.
//!
//! With no path, finds the transcripts where each agent keeps them: Claude Code
//! `~/.claude/projects/**/*.jsonl` (subagent files included), Codex
//! `~/.codex/sessions/**/rollout-*.jsonl`, Gemini CLI `~/.gemini/tmp/*/chats/*.jsonl`.
//! Files are streamed line by line (memory is bounded by the longest line, capped at 64 MiB), every
//! event is redacted before it is appended, and the import is incremental: `TL_HOME/import.json`
//! remembers, per file, how far it was read (complete lines only), so a second run adds nothing
//! and a growing session adds only its new lines. The parser needs a file's earlier lines for its
//! context (session, working directory, pending tool calls), so a resumed file is re-read from its
//! start and only the events of new lines are appended.
//!
//! Calls seen by both a hook and a transcript are the same step for the indexer (they share a
//! correlation id); transcripts add what hooks do not carry: assistant text, thinking, model and
//! token usage.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, IsTerminal, Read};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use capture::redact::Redactor;
use capture::transcript::{LineResult, TranscriptParser, detect_agent};
use event::{Agent, Timestamp};
use serde::{Deserialize, Serialize};

use crate::home::{Home, write_private};
use crate::output::Output;
use crate::progress::Progress;

/// Lines longer than this are skipped (and counted), so a corrupt file cannot exhaust memory.
const MAX_LINE: usize = 64 * 1024 * 1024;

/// What the import remembers about one file.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
struct FileState {
    /// Bytes of complete lines already imported.
    offset: u64,
    /// The file's inode then: another inode means another file (rewritten or replaced).
    inode: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct ImportState {
    files: BTreeMap<PathBuf, FileState>,
}

/// What `tl import --json` prints.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    /// Transcript files looked at.
    pub files: usize,
    /// Files that had new lines.
    pub files_changed: usize,
    /// Bytes of new lines read.
    pub bytes: u64,
    /// Lines imported.
    pub lines: u64,
    /// Events appended to the log.
    pub events: u64,
    /// Secrets redacted.
    pub redactions: u64,
    /// Records of types the parser does not know (kept as OTHER events).
    pub unknown_records: u64,
    /// Lines that were not JSON (skipped).
    pub invalid_lines: u64,
    /// Files that could not be read, with why.
    pub errors: Vec<String>,
}

/// Runs the import.
pub fn run(
    home: &Home,
    paths: &[PathBuf],
    agent: Option<Agent>,
    out: &Output,
) -> anyhow::Result<()> {
    let files = if paths.is_empty() { discover(agent)? } else { explicit(paths, agent)? };
    let state_path = home.root().join("import.json");
    let mut state: ImportState = std::fs::read(&state_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    home.ensure().with_context(|| format!("cannot create {}", home.root().display()))?;
    let wal = wal::Wal::open(wal::Config::new(home.log_dir())).context("opening the log")?;
    let redactor = Redactor::shared();
    let mut summary = Summary { files: files.len(), ..Summary::default() };
    let total: u64 = files
        .iter()
        .map(|(p, _)| {
            let len = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            len.saturating_sub(state.files.get(p).map_or(0, |s| s.offset))
        })
        .sum();
    let mut progress = Progress::new(total, !out.json && std::io::stderr().is_terminal());
    for (path, agent) in &files {
        let previous = state.files.get(path).cloned().unwrap_or_default();
        match import_file(path, *agent, &previous, &wal, redactor, &mut summary, &mut progress) {
            Ok(Some(new_state)) => {
                summary.files_changed += 1;
                state.files.insert(path.clone(), new_state);
                // Saved after every file: an interrupted import resumes where it stopped.
                let text = serde_json::to_vec_pretty(&state)?;
                write_private(&state_path, &text)
                    .with_context(|| format!("cannot write {}", state_path.display()))?;
            }
            Ok(None) => {}
            Err(e) => summary.errors.push(format!("{}: {e:#}", path.display())),
        }
    }
    progress.finish();
    if out.json {
        return out.json_value(&summary);
    }
    out.line(&format!(
        "imported {} events from {} new lines ({}) of {} of {} transcript files",
        summary.events,
        summary.lines,
        crate::commands::status::human_bytes(summary.bytes),
        summary.files_changed,
        summary.files
    ));
    if summary.redactions > 0 {
        out.line(&format!("redacted {} secrets before writing", summary.redactions));
    }
    if summary.unknown_records + summary.invalid_lines > 0 {
        out.line(&format!(
            "kept {} records of unknown types as OTHER events; skipped {} lines that were not JSON",
            summary.unknown_records, summary.invalid_lines
        ));
    }
    for e in &summary.errors {
        out.line(&format!("could not import {e}"));
    }
    if summary.files == 0 {
        out.line(
            "no transcripts found (looked in ~/.claude/projects, ~/.codex/sessions, ~/.gemini/tmp)",
        );
    }
    Ok(())
}

/// Imports the new lines of one file; `None` when it has none.
fn import_file(
    path: &Path,
    agent: Agent,
    previous: &FileState,
    wal: &wal::Wal,
    redactor: &Redactor,
    summary: &mut Summary,
    progress: &mut Progress,
) -> anyhow::Result<Option<FileState>> {
    let file = File::open(path).context("cannot open")?;
    let meta = file.metadata().context("cannot stat")?;
    let same_file = previous.inode == meta.ino() && meta.len() >= previous.offset;
    let skip_until = if same_file { previous.offset } else { 0 };
    if same_file && meta.len() == previous.offset {
        return Ok(None);
    }
    let fallback = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
    let mut parser = TranscriptParser::new(agent, &path.to_string_lossy()).with_fallback_time(
        fallback.map_or_else(Timestamp::now, |d| Timestamp(d.as_nanos() as i64)),
    );
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut line = Vec::with_capacity(64 * 1024);
    let mut offset: u64 = 0;
    let mut buf = Vec::with_capacity(4096);
    loop {
        line.clear();
        let (len, complete) = read_line(&mut reader, &mut line)?;
        if len == 0 || !complete {
            break; // end of file, or a last line still being written: next time
        }
        let start = offset;
        offset += len as u64;
        let new = start >= skip_until;
        if new {
            progress.advance(len as u64);
            summary.bytes += len as u64;
            summary.lines += 1;
        }
        if line.len() > MAX_LINE {
            summary.invalid_lines += u64::from(new);
            continue;
        }
        // Redact the line before the parser sees it: every event of the line is made from it, so
        // one pass over the line replaces a pass over each event's raw payload and fields. Should
        // the redacted text no longer be JSON (a secret ending inside an escape), the events are
        // made from the original line and redacted one by one instead.
        let text = std::str::from_utf8(&line).ok();
        let (redacted, kinds) = match text {
            Some(text) => redactor.redact_str(text),
            None => (std::borrow::Cow::Borrowed(""), Vec::new()),
        };
        // Whether the events of this line come out redacted already.
        let clean_line = text.is_some()
            && (kinds.is_empty()
                || serde_json::from_str::<serde::de::IgnoredAny>(&redacted).is_ok());
        let result = if kinds.is_empty() || !clean_line {
            parser.parse_line(&line)
        } else {
            parser.parse_line(redacted.as_bytes())
        };
        if !new {
            continue; // read for the parser's context only
        }
        if clean_line {
            summary.redactions += kinds.len() as u64;
        }
        let events = match result {
            LineResult::Events(events) => events,
            LineResult::Unknown(event) => {
                summary.unknown_records += 1;
                vec![*event]
            }
            LineResult::Invalid(_) => {
                summary.invalid_lines += 1;
                Vec::new()
            }
            LineResult::Skipped | LineResult::Blank => Vec::new(),
        };
        for mut e in events {
            if !clean_line {
                summary.redactions += capture::redact_event(redactor, &mut e) as u64;
            }
            buf.clear();
            event::encode_into(&e, &mut buf);
            wal.append(&buf)
                .with_context(|| format!("appending an event of {}", path.display()))?;
            summary.events += 1;
        }
    }
    Ok((offset > skip_until || !same_file).then_some(FileState { offset, inode: meta.ino() }))
}

/// Reads one line (newline included) into `line`, keeping at most `MAX_LINE + 1` bytes of it and
/// draining the rest; returns the line's full length and whether it ended with a newline.
fn read_line<R: BufRead>(reader: &mut R, line: &mut Vec<u8>) -> std::io::Result<(usize, bool)> {
    let mut total = 0;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok((total, false));
        }
        let (chunk, done) = match memchr_newline(buf) {
            Some(at) => (&buf[..=at], true),
            None => (buf, false),
        };
        let n = chunk.len();
        if line.len() <= MAX_LINE {
            line.extend_from_slice(&chunk[..n.min(MAX_LINE + 1 - line.len().min(MAX_LINE + 1))]);
        }
        reader.consume(n);
        total += n;
        if done {
            return Ok((total, true));
        }
    }
}

fn memchr_newline(buf: &[u8]) -> Option<usize> {
    buf.iter().position(|b| *b == b'\n')
}

/// Transcript files of each agent, where the agents keep them.
fn discover(only: Option<Agent>) -> anyhow::Result<Vec<(PathBuf, Agent)>> {
    let home = PathBuf::from(std::env::var_os("HOME").context("HOME is not set")?);
    let mut found = Vec::new();
    let wants = |a: Agent| only.is_none_or(|o| o == a);
    if wants(Agent::ClaudeCode) {
        walk(&home.join(".claude/projects"), &mut |p| {
            if p.extension().is_some_and(|e| e == "jsonl") {
                found.push((p.to_path_buf(), Agent::ClaudeCode));
            }
        });
    }
    if wants(Agent::Codex) {
        walk(&home.join(".codex/sessions"), &mut |p| {
            let name = p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            if name.starts_with("rollout-") && name.ends_with(".jsonl") {
                found.push((p.to_path_buf(), Agent::Codex));
            }
        });
    }
    if wants(Agent::Gemini) {
        walk(&home.join(".gemini/tmp"), &mut |p| {
            let in_chats = p.parent().and_then(|d| d.file_name()).is_some_and(|n| n == "chats");
            if in_chats && p.extension().is_some_and(|e| e == "jsonl") {
                found.push((p.to_path_buf(), Agent::Gemini));
            }
        });
    }
    found.sort();
    Ok(found)
}

/// The files named on the command line (directories are searched), with their agent.
fn explicit(paths: &[PathBuf], agent: Option<Agent>) -> anyhow::Result<Vec<(PathBuf, Agent)>> {
    let mut files = Vec::new();
    for p in paths {
        if !p.exists() {
            anyhow::bail!("{} does not exist", p.display());
        }
        walk(p, &mut |f| {
            if f.extension().is_some_and(|e| e == "jsonl") {
                files.push(f.to_path_buf());
            }
        });
    }
    let mut out = Vec::new();
    for f in files {
        let agent = match agent {
            Some(a) => a,
            None => {
                let mut first = Vec::new();
                let _ = File::open(&f)
                    .map(|file| BufReader::new(file).take(1 << 20).read_until(b'\n', &mut first));
                detect_agent(&f, &first).with_context(|| {
                    format!(
                        "cannot tell which agent wrote {}\nhint: name it with --agent",
                        f.display()
                    )
                })?
            }
        };
        out.push((std::fs::canonicalize(&f).unwrap_or(f), agent));
    }
    Ok(out)
}

/// Calls `f` for every file under `dir` (or `dir` itself when it is a file); no symlinks followed.
fn walk(dir: &Path, f: &mut dyn FnMut(&Path)) {
    let Ok(meta) = std::fs::symlink_metadata(dir) else { return };
    if meta.is_file() {
        f(dir);
        return;
    }
    if !meta.is_dir() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        walk(&p, f);
    }
}
