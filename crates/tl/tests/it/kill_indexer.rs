//! Crash safety of the indexer: `tl` processes indexing a log are SIGKILLed at random moments,
//! round after round, and the catalog and the full-text index they leave must end up identical
//! to a clean `tl reindex` of the same log (DESIGN.md §5: exactly once, each store resuming from
//! its own checkpoint).

use std::time::Duration;

use crate::Sandbox;

/// Hook payloads of the Claude Code fixture session, replayed as `sessions` sessions (the
/// session id and the tool ids rewritten), recorded through `tl hook` into `sandbox`.
fn record(sandbox: &Sandbox, sessions: usize) {
    let text = std::fs::read_to_string(crate::fixture("claude-code/hooks.jsonl")).unwrap();
    let mut payloads = String::new();
    for s in 0..sessions {
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
    record(&killed, 24);
    let clean = Sandbox::new();
    copy_dir(&killed.tl_home().join("log"), &clean.tl_home().join("log"));
    let total = lag(&killed);
    assert!(total > 400, "{total} records");

    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut killed_mid_work = 0;
    let rounds = 60;
    for _ in 0..rounds {
        let mut cmd = killed.tl(&["sessions", "--json"]);
        // Tiny batches: many commits, so a kill lands between, inside and across them.
        cmd.env("TL_INDEX_BATCH", "25")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let mut child = cmd.spawn().unwrap();
        std::thread::sleep(Duration::from_micros(30_000 + next(&mut seed) % 400_000));
        let _ = child.kill();
        let _ = child.wait();
        let left = lag(&killed);
        if left > 0 && left < total {
            killed_mid_work += 1;
        }
    }
    // Whatever the kills left, the next command completes the work.
    let out = killed.run(&["sessions", "--json"], b"");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(lag(&killed), 0);
    let out = clean.run(&["reindex", "--json"], b"");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (got, expected) = (dump(&killed), dump(&clean));
    assert!(expected.lines().count() > 24 * 16, "{expected}");
    for (i, (g, e)) in got.lines().zip(expected.lines()).enumerate() {
        assert_eq!(g, e, "line {i} differs after {rounds} kills");
    }
    assert_eq!(got.lines().count(), expected.lines().count());
    eprintln!("{killed_mid_work} of {rounds} kills landed while indexing");
    assert!(killed_mid_work >= 10, "only {killed_mid_work} of {rounds} kills interrupted indexing");
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}
