//! Crash safety of the indexer: `tl` processes indexing a log are SIGKILLed at random moments,
//! round after round, and the catalog and the full-text index they leave must end up identical
//! to a clean `tl reindex` of the same log (DESIGN.md §5: exactly once, each store resuming from
//! its own checkpoint).

use std::time::Duration;

use crate::Sandbox;

/// Hook payloads of the Claude Code fixture session, replayed as the sessions numbered
/// `sessions` (the session id and the tool ids rewritten), recorded through `tl hook`.
fn record(sandbox: &Sandbox, sessions: std::ops::Range<usize>) {
    let text = std::fs::read_to_string(crate::fixture("claude-code/hooks.jsonl")).unwrap();
    let mut payloads = String::new();
    for s in sessions {
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let line = line
                .replace(
                    "0cfde7cd-23f6-45f2-9cd7-3fae11d5363e",
                    &format!("5e55{s:04}-0000-4000-8000-000000000000"),
                )
                .replace("toolu_", &format!("toolu_{s}_"));
            payloads.push_str(&line);
            payloads.push('\n');
        }
    }
    for line in payloads.lines() {
        let out = sandbox.run(&["hook", "claude-code"], line.as_bytes());
        assert!(out.status.success());
    }
}

fn dump(sandbox: &Sandbox) -> String {
    let out = sandbox.run(&["debug", "catalog"], b"");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn lag(sandbox: &Sandbox) -> u64 {
    let out = sandbox.run(&["status", "--json"], b"");
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    status["index"]["lag_records"].as_u64().unwrap()
}

/// A small deterministic generator (no extra dependency): xorshift64*.
fn next(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

#[test]
fn killed_indexers_leave_exactly_what_a_clean_reindex_builds() {
    let killed = Sandbox::new();
    record(&killed, 0..24);
    let total = lag(&killed);
    assert!(total > 400, "{total} records");

    // Kill delays that adapt to this machine now (a loaded CI box is many times slower): start
    // at the time of a command with nothing to index, lengthen the delay while kills land before
    // the first commit, shorten it while they make progress, with jitter. When the work runs
    // out, more sessions are recorded, until 50 kills have landed while indexing.
    let probe = Sandbox::new();
    let t = std::time::Instant::now();
    assert!(probe.run(&["sessions", "--json"], b"").status.success());
    let mut delay = t.elapsed().as_micros() as f64;
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let (mut killed_mid_work, mut rounds, mut recorded, mut stuck) = (0, 0, 24, 0);
    while killed_mid_work < 50 {
        assert!(rounds < 400, "only {killed_mid_work} of {rounds} kills landed while indexing");
        rounds += 1;
        let mut before = lag(&killed);
        if before == 0 {
            record(&killed, recorded..recorded + 8);
            recorded += 8;
            before = lag(&killed);
        }
        let mut cmd = killed.tl(&["sessions", "--json"]);
        // Small batches: many commits, so a kill lands between, inside and across them.
        cmd.env("TL_INDEX_BATCH", "25")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let mut child = cmd.spawn().unwrap();
        let jitter = 0.8 + (next(&mut seed) % 400) as f64 / 1000.0;
        std::thread::sleep(Duration::from_micros((delay * jitter) as u64));
        let _ = child.kill();
        let _ = child.wait();
        let left = lag(&killed);
        if left == before {
            delay = (delay * 1.3).min(30e6);
            stuck += 1;
            if stuck == 12 {
                // No progress in 12 ever longer rounds: indexing is failing, not just killed.
                let out = killed.run(&["sessions"], b"");
                panic!("indexing makes no progress: {}", String::from_utf8_lossy(&out.stderr));
            }
        } else {
            delay *= 0.9;
            stuck = 0;
        }
        if left > 0 && left < before {
            killed_mid_work += 1;
        }
    }
    // Whatever the kills left, the next command completes the work.
    let out = killed.run(&["sessions", "--json"], b"");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(lag(&killed), 0);
    let clean = Sandbox::new();
    copy_dir(&killed.tl_home().join("log"), &clean.tl_home().join("log"));
    let out = clean.run(&["reindex", "--json"], b"");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (got, expected) = (dump(&killed), dump(&clean));
    assert!(expected.lines().count() > recorded * 16, "{expected}");
    for (i, (g, e)) in got.lines().zip(expected.lines()).enumerate() {
        assert_eq!(g, e, "line {i} differs after {rounds} kills");
    }
    assert_eq!(got.lines().count(), expected.lines().count());
    eprintln!("{killed_mid_work} of {rounds} kills landed while indexing ({recorded} sessions)");
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}
