//! `TL_HOME`: where everything tl keeps lives, and the small state files in it.
//!
//! `TL_HOME` (default `~/.tracelog`) holds `log/` (the segment log), `catalog.db`, `index/`,
//! `rules/`, `config.toml`, `errors.log` and `recording` (on, off or always). Directories are
//! created 0700 and files 0600: what an agent did in your repositories is nobody else's business.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Above this size `errors.log` is rotated to `errors.log.1`, so a hook that fails on every call
/// for months cannot fill the disk.
const ERRORS_LOG_MAX: u64 = 1024 * 1024;

/// The tl home directory.
#[derive(Clone, Debug)]
pub struct Home {
    root: PathBuf,
}

/// Whether hooks record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recording {
    /// Hooks record (the state after `tl install` or `tl start`).
    On,
    /// Hooks return at once without recording (`tl stop`).
    Off,
    /// Hooks record, and `tl stop` does not turn them off (`tl start --always`).
    Always,
}

impl Home {
    /// `$TL_HOME`, or `~/.tracelog`.
    pub fn from_env() -> Home {
        let root = match std::env::var_os("TL_HOME") {
            Some(p) if !p.is_empty() => PathBuf::from(p),
            _ => std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("/tmp"))
                .join(".tracelog"),
        };
        Home { root }
    }

    /// A home at an explicit path.
    #[cfg(test)]
    pub fn at(root: impl Into<PathBuf>) -> Home {
        Home { root: root.into() }
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The segment log's directory.
    pub fn log_dir(&self) -> PathBuf {
        self.root.join("log")
    }

    /// The hook error log.
    pub fn errors_log(&self) -> PathBuf {
        self.root.join("errors.log")
    }

    fn recording_file(&self) -> PathBuf {
        self.root.join("recording")
    }

    /// Creates the directory (0700) if it does not exist.
    pub fn ensure(&self) -> std::io::Result<()> {
        fs::DirBuilder::new().recursive(true).mode(0o700).create(&self.root)
    }

    /// The recording state; a home without the file records (installing hooks is the opt-in).
    pub fn recording(&self) -> Recording {
        match fs::read(self.recording_file()) {
            Ok(b) if b.trim_ascii() == b"off" => Recording::Off,
            Ok(b) if b.trim_ascii() == b"always" => Recording::Always,
            _ => Recording::On,
        }
    }

    /// Sets the recording state.
    pub fn set_recording(&self, state: Recording) -> std::io::Result<()> {
        self.ensure()?;
        let text = match state {
            Recording::On => "on\n",
            Recording::Off => "off\n",
            Recording::Always => "always\n",
        };
        write_private(&self.recording_file(), text.as_bytes())
    }

    /// Appends one line to `errors.log` (rotating it when large). Best effort: there is nowhere
    /// else to report a failure to report.
    pub fn log_error(&self, agent: &str, message: &str) {
        let path = self.errors_log();
        if fs::metadata(&path).is_ok_and(|m| m.len() > ERRORS_LOG_MAX) {
            let _ = fs::rename(&path, self.root.join("errors.log.1"));
        }
        let line = format!("{} {agent} {}\n", now_rfc3339(), message.replace('\n', " | "));
        let _ = self.ensure();
        let _ = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&path)
            .and_then(|mut f| f.write_all(line.as_bytes()));
    }
}

/// Writes a whole file with mode 0600 (atomically: temp file, then rename).
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut f =
        OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    fs::rename(&tmp, path)
}

/// The current time as an RFC 3339 UTC string with milliseconds.
pub fn now_rfc3339() -> String {
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    rfc3339(now.as_secs() as i64, now.subsec_millis())
}

/// Formats unix seconds as `YYYY-MM-DDTHH:MM:SS.mmmZ` (civil-from-days, no time zone database).
pub fn rfc3339(secs: i64, millis: u32) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    let (y, mo, d) = event::civil::civil_from_days(days);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}.{millis:03}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_795_603_812, 7), "2026-11-25T10:50:12.007Z");
        assert_eq!(rfc3339(951_782_400, 999), "2000-02-29T00:00:00.999Z");
    }

    #[test]
    fn recording_state_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::at(dir.path().join("h"));
        assert_eq!(home.recording(), Recording::On);
        for s in [Recording::Off, Recording::Always, Recording::On] {
            home.set_recording(s).unwrap();
            assert_eq!(home.recording(), s);
        }
    }
}
