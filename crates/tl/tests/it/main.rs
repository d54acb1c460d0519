//! Integration tests of the `tl` binary, run as a user would run it (a temporary `TL_HOME` and a
//! fake `HOME` for every test), and of the workspace's own rules (tidy).

mod daemon;
mod demo;
mod e2e_claude;
mod enforce;
mod fake_anthropic;
mod gc;
mod hook;
mod import;
mod install;
mod kill_indexer;
mod read;
mod rules;
mod tidy;
mod view;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A throwaway home for one test: `HOME` and `TL_HOME` inside a temporary directory.
pub(crate) struct Sandbox {
    pub(crate) dir: tempfile::TempDir,
}

impl Sandbox {
    #[allow(clippy::new_without_default)] // a sandbox is made, not defaulted
    pub(crate) fn new() -> Sandbox {
        let dir = tempfile::Builder::new().prefix("tl-it-").tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        Sandbox { dir }
    }

    pub(crate) fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub(crate) fn tl_home(&self) -> PathBuf {
        self.dir.path().join("tl")
    }

    /// `tl ARGS` with this sandbox's environment.
    pub(crate) fn tl(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tl"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("TL_HOME", self.tl_home())
            .current_dir(self.dir.path());
        cmd
    }

    /// Runs `tl ARGS` with `stdin` as standard input.
    pub(crate) fn run(&self, args: &[&str], stdin: &[u8]) -> Output {
        run_with(self.tl(args), stdin)
    }

    /// Every event in the log, as the JSON `tl debug log` prints.
    pub(crate) fn events(&self) -> Vec<serde_json::Value> {
        let out = self.run(&["debug", "log"], b"");
        assert!(out.status.success(), "tl debug log: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["event"].clone())
            .collect()
    }

    pub(crate) fn errors_log(&self) -> String {
        std::fs::read_to_string(self.tl_home().join("errors.log")).unwrap_or_default()
    }
}

pub(crate) fn run_with(mut cmd: Command, stdin: &[u8]) -> Output {
    let mut child =
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    let bytes = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // The hook may stop reading early only by exiting; a broken pipe is then fine.
        let _ = input.write_all(&bytes);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

/// A fixture file of the capture crate (the real agent samples).
pub(crate) fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../capture/tests/fixtures").join(path)
}
