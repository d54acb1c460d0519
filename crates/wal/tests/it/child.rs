//! Child processes for the multi-process tests: this test binary re-executed with `WAL_CHILD`.

use std::io::Write;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};

/// Builds the command that runs this binary's `child::entry` in `mode`.
pub fn child_command(mode: &str, dir: &Path, args: &[String]) -> Command {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = Command::new(exe);
    cmd.args(["--ignored", "--exact", "child::entry", "--nocapture", "--test-threads=1", "-q"])
        .env("WAL_CHILD", mode)
        .env("WAL_DIR", dir)
        .env("WAL_ARGS", args.join(","))
        .stdin(Stdio::null());
    cmd
}

/// Runs a child to completion through `sh`, so the shell can set limits for it first.
pub fn run_child(mode: &str, dir: &Path, args: &[String]) -> ExitStatus {
    let exe = std::env::current_exe().unwrap();
    Command::new("sh")
        .arg("-c")
        // Ignore SIGXFSZ so that exceeding the file size limit is an EFBIG error, and limit files
        // to 8 blocks: less than a segment.
        .arg("trap '' XFSZ; ulimit -f 8; exec \"$0\" --ignored --exact child::entry --nocapture --test-threads=1 -q")
        .arg(exe)
        .env("WAL_CHILD", mode)
        .env("WAL_DIR", dir)
        .env("WAL_ARGS", args.join(","))
        .stdout(Stdio::null())
        .status()
        .unwrap()
}

#[test]
#[ignore = "entry point of the child processes that the multi-process tests start"]
fn entry() {
    let Ok(mode) = std::env::var("WAL_CHILD") else { return };
    let dir = std::path::PathBuf::from(std::env::var("WAL_DIR").unwrap());
    let args: Vec<u64> = std::env::var("WAL_ARGS")
        .unwrap()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    match mode.as_str() {
        // args: writer id, records, segment size. Waits for a `go` file, then appends and
        // reports every acknowledged append on stdout as "seq lsn".
        "writer" => {
            let [w, count, segment_size] = args[..] else { panic!("writer args") };
            let wal = wal::Wal::open(crate::small_config(&dir, segment_size)).unwrap();
            while !dir.join("go").exists() {
                std::thread::sleep(std::time::Duration::from_micros(200));
            }
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            for seq in 0..count as u32 {
                let lsn = wal.append(&crate::payload(w as u32, seq)).unwrap();
                writeln!(out, "ack {seq} {}", lsn.0).unwrap();
                out.flush().unwrap();
            }
        }
        "full_disk" => {
            let wal = wal::Wal::open(crate::small_config(&dir, 64 * 1024)).unwrap();
            match wal.append(b"does not fit") {
                Err(wal::Error::NoSpace { .. }) => {}
                other => panic!("expected NoSpace, got {other:?}"),
            }
            let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
            assert!(left.is_empty(), "no half-made segment is left: {left:?}");
        }
        other => panic!("unknown child mode {other}"),
    }
    std::process::exit(0);
}
