//! The background indexer: `tl start` runs it, it indexes what hooks record without any read
//! command, `tl status` shows it and its lag, a second daemon refuses to start, `tl stop` ends it.
//! And `tl rules disable` recomputes the findings on the next read.

use std::time::{Duration, Instant};

use crate::Sandbox;

const PAYLOAD: &[u8] = br#"{"session_id":"dae00000-0000-4000-8000-000000000001","transcript_path":"/tmp/t.jsonl","cwd":"/home/dev/app","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"sudo rm -rf /"},"tool_use_id":"toolu_d1"}"#;

fn status(s: &Sandbox) -> serde_json::Value {
    let out = s.run(&["status", "--json"], b"");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_daemon_indexes_in_the_background_and_stops_on_tl_stop() {
    let s = Sandbox::new();
    let out = s.run(&["start"], b"");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("indexer daemon running"));
    let pid = status(&s)["index"]["daemon_pid"].as_u64();
    assert!(pid.is_some(), "{}", status(&s));
    let again = s.run(&["daemon"], b"");
    assert!(!again.status.success(), "a second daemon must refuse");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already running"));

    let payload = String::from_utf8_lossy(PAYLOAD);
    assert!(s.run(&["hook", "claude-code"], payload.as_bytes()).status.success());
    // No read command: the daemon alone must index it.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let st = status(&s);
        if st["index"]["steps"] == 1 && st["index"]["lag_records"] == 0 {
            assert_eq!(st["index"]["findings"].as_u64().map(|n| n > 0), Some(true), "{st}");
            break;
        }
        assert!(Instant::now() < deadline, "the daemon did not index: {st}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = s.run(&["stop"], b"");
    assert!(String::from_utf8_lossy(&out.stdout).contains("indexer daemon stopped"));
    assert!(status(&s)["index"]["daemon_pid"].is_null());
}

#[test]
fn disabling_a_rule_recomputes_the_findings() {
    let s = Sandbox::new();
    let payload = String::from_utf8_lossy(PAYLOAD).replace("dae0", "dae1");
    assert!(s.run(&["hook", "claude-code"], payload.as_bytes()).status.success());
    let rules = |s: &Sandbox| -> Vec<String> {
        let out = s.run(&["inspect", "last", "--json"], b"");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["steps"][0]["anomalies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_owned())
            .collect()
    };
    let before = rules(&s);
    assert!(
        before.contains(&"dangerous-rm-rf".to_owned())
            && before.contains(&"dangerous-sudo".to_owned()),
        "{before:?}"
    );
    assert!(s.run(&["rules", "disable", "dangerous-sudo"], b"").status.success());
    let after = rules(&s);
    assert!(
        !after.contains(&"dangerous-sudo".to_owned())
            && after.contains(&"dangerous-rm-rf".to_owned()),
        "{after:?}"
    );
    assert!(s.run(&["rules", "enable", "dangerous-sudo"], b"").status.success());
    assert_eq!(rules(&s), before);
}
