//! `tl gc --older-than`: old sealed segments go with their steps' catalog rows and documents;
//! what is newer, the active segment and anything not yet indexed stay.

use std::time::{Duration, SystemTime};

use crate::Sandbox;

/// Records `sessions` copies of the Claude Code fixture session's hook payloads straight into a
/// log with 64 KiB segments (so that it rolls over), each session's payloads stamped a day apart.
fn record(sandbox: &Sandbox, sessions: usize) {
    let mut config = wal::Config::new(sandbox.tl_home().join("log"));
    config.segment_size = 64 * 1024;
    let wal = wal::Wal::open(config).unwrap();
    let text = std::fs::read_to_string(crate::fixture("claude-code/hooks.jsonl")).unwrap();
    let redactor = capture::redact::Redactor::shared();
    for s in 0..sessions {
        for (i, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
            let line = line
                .replace(
                    "0cfde7cd-23f6-45f2-9cd7-3fae11d5363e",
                    &format!("9c00{s:04}-0000-4000-8000-000000000000"),
                )
                .replace("toolu_", &format!("toolu_{s}_"));
            let now = event::Timestamp::from_unix_millis(
                1_790_000_000_000 + s as i64 * 86_400_000 + i as i64,
            );
            let captured =
                capture::capture_hook(event::Agent::ClaudeCode, line.as_bytes(), now, redactor);
            for e in &captured.events {
                wal.append(&event::encode(e)).unwrap();
            }
        }
    }
}

fn json(sandbox: &Sandbox, args: &[&str]) -> serde_json::Value {
    let out = sandbox.run(args, b"");
    assert!(out.status.success(), "tl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn segments(sandbox: &Sandbox) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(sandbox.tl_home().join("log"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn gc_removes_old_segments_with_their_steps_and_keeps_the_rest() {
    let s = Sandbox::new();
    record(&s, 12);
    let before = json(&s, &["sessions", "--json", "--limit", "0"]);
    assert_eq!(before.as_array().unwrap().len(), 12);
    let files = segments(&s);
    assert!(files.len() >= 4, "{files:?}");
    // The first half of the segments were last written 40 days ago.
    let old = SystemTime::now() - Duration::from_secs(40 * 86_400);
    for f in &files[..files.len() / 2] {
        std::fs::File::options().write(true).open(f).unwrap().set_modified(old).unwrap();
    }
    let dry = json(&s, &["gc", "--older-than", "30d", "--dry-run", "--json"]);
    assert!(dry["segments_removed"].as_u64().unwrap() >= 1, "{dry}");
    assert_eq!(segments(&s).len(), files.len(), "a dry run removes nothing");
    let report = json(&s, &["gc", "--older-than", "30d", "--json"]);
    let removed = report["segments_removed"].as_u64().unwrap() as usize;
    assert_eq!(removed, dry["segments_removed"].as_u64().unwrap() as usize);
    assert_eq!(segments(&s).len(), files.len() - removed);
    let gone: Vec<String> = report["sessions_removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert!(!gone.is_empty() && gone.len() < 12, "{report}");
    // Removed sessions are gone from the catalog and the search index; the others stay whole.
    let after = json(&s, &["sessions", "--json", "--limit", "0"]);
    let ids: Vec<&str> =
        after.as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 12 - gone.len(), "{ids:?}");
    assert!(gone.iter().all(|g| !ids.contains(&g.as_str())));
    let hits = json(&s, &["search", "secrets.yml", "--json", "--limit", "1000"]);
    for h in hits.as_array().unwrap() {
        assert!(!gone.contains(&h["session"].as_str().unwrap().to_owned()), "{h}");
    }
    assert!(
        hits.as_array()
            .unwrap()
            .iter()
            .any(|h| h["session"] == "9c000011-0000-4000-8000-000000000000")
    );
    // What stays is compressed, and step bodies still read back from the compressed segments.
    let log = wal::Wal::open(wal::Config::new(s.tl_home().join("log"))).unwrap();
    let infos = log.segments().unwrap();
    assert!(infos.iter().filter(|i| i.sealed).all(|i| i.compressed), "{infos:?}");
    assert!(report["segments_compressed"].as_u64().unwrap() >= 1, "{report}");
    // The oldest session left: its steps lie in the oldest kept segment, sealed and compressed.
    let kept = (0..12)
        .map(|n| format!("9c00{n:04}-0000-4000-8000-000000000000"))
        .find(|id| !gone.contains(id))
        .unwrap();
    // (It may have lost its first steps with the segment before: take the first one left.)
    let first = json(&s, &["inspect", &kept, "--json", "--limit", "1"]);
    let seq = first["steps"][0]["seq"].as_u64().unwrap().to_string();
    let out = s.run(&["inspect", &kept, "--step", &seq, "--json"], b"");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let step: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let records = step["records"].as_array().unwrap();
    assert!(!records.is_empty() && records.iter().all(|r| r.get("missing").is_none()), "{step}");
    // Nothing is older than a year: nothing more to remove.
    let again = json(&s, &["gc", "--older-than", "365d", "--json"]);
    assert_eq!(again["segments_removed"], 0);
    // A reindex of what is left agrees with the catalog gc left.
    let sessions_left = json(&s, &["sessions", "--json", "--limit", "0"]);
    let out = s.run(&["reindex"], b"");
    assert!(out.status.success());
    let reindexed = json(&s, &["sessions", "--json", "--limit", "0"]);
    let count = |v: &serde_json::Value| v.as_array().unwrap().len();
    assert_eq!(count(&reindexed), count(&sessions_left));
}

#[test]
fn gc_explains_bad_ages() {
    let s = Sandbox::new();
    let out = s.run(&["gc", "--older-than", "soon"], b"");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("30d, 12h"));
}
