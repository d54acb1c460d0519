//! Writes a log of N steps shaped like a real Claude Code session, for the index benchmarks
//! (benches/index.sh): hook payloads as Claude Code sends them (a prompt now and then, then
//! `PreToolUse` + `PostToolUse` pairs for Bash, Read, Edit, Grep), with commands, paths and
//! outputs of realistic sizes (most outputs a few hundred bytes, one in forty over ten KiB),
//! captured through the real pipeline (normalization and redaction) into `TL_HOME/log`, and the
//! same payloads as raw JSONL (what `rg` searches, and the size the stores are compared with).
//!
//! A few rare words are planted at known rates so the search benchmark has a rare term
//! (`secrets.yml`, 1 step in 20 000) and a common phrase (`request handler`, 1 step in 10).
//!
//! Usage: `gen-steps TL_HOME STEPS RAW.jsonl [SESSIONS]` (SESSIONS default 1: one huge session)

use std::io::Write;

use capture::redact::Redactor;
use event::{Agent, Timestamp};

/// A small deterministic generator (xorshift64*), so every run writes the same log.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "error",
    "warning",
    "compiling",
    "test",
    "passed",
    "failed",
    "module",
    "function",
    "return",
    "value",
    "config",
    "server",
    "client",
    "handler",
    "request",
    "response",
    "timeout",
    "retry",
    "cache",
    "index",
    "query",
    "build",
    "release",
    "debug",
    "target",
    "crate",
    "package",
    "import",
    "export",
    "struct",
    "impl",
    "trait",
    "async",
    "await",
    "future",
    "stream",
    "buffer",
    "parse",
    "token",
    "schema",
    "migration",
    "database",
    "session",
    "user",
    "account",
    "payment",
    "order",
    "invoice",
    "report",
    "metric",
    "latency",
    "throughput",
    "memory",
    "thread",
    "lock",
    "mutex",
];
const DIRS: &[&str] =
    &["src", "src/api", "src/db", "tests", "config", "docs", "scripts", "web/app"];
const FILES: &[&str] = &[
    "main.rs",
    "lib.rs",
    "handler.rs",
    "routes.ts",
    "schema.sql",
    "app.yml",
    "README.md",
    "index.tsx",
    "client.py",
    "server.go",
    "Makefile",
    "build.gradle",
    "util.rs",
];
const COMMANDS: &[&str] = &[
    "cargo test",
    "cargo build --release",
    "npm test",
    "git status",
    "git diff --stat",
    "ls -la",
    "pytest -q",
    "make lint",
    "go test ./...",
    "cargo clippy",
    "git log --oneline -5",
];

fn words(rng: &mut Rng, n: usize, out: &mut String) {
    for i in 0..n {
        if i > 0 {
            out.push(if i % 12 == 0 { '\n' } else { ' ' });
        }
        out.push_str(rng.pick(WORDS));
        if rng.below(9) == 0 {
            out.push_str(&format!("_{}", rng.below(5000)));
        }
    }
}

/// An output size in words: mostly small, one in forty large (over ten KiB); about 1.5 KB of
/// raw JSON per step on average, as DESIGN.md §5 measured.
fn output_words(rng: &mut Rng) -> usize {
    match rng.below(40) {
        0 => 1000 + rng.below(2000) as usize,
        1..=8 => 100 + rng.below(400) as usize,
        _ => 5 + rng.below(100) as usize,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let usage = "usage: gen-steps TL_HOME STEPS RAW.jsonl [SESSIONS]";
    let mut args = std::env::args().skip(1);
    let home = std::path::PathBuf::from(args.next().ok_or(usage)?);
    let steps: u64 = args.next().ok_or(usage)?.parse()?;
    let raw_path = args.next().ok_or(usage)?;
    let sessions: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(1).max(1);
    let wal = wal::Wal::open(wal::Config::new(home.join("log")))?;
    let mut raw = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&raw_path)?);
    let redactor = Redactor::shared();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let start_ms: i64 = 1_795_000_000_000;
    let mut buf = Vec::new();
    let mut records = 0u64;
    let mut raw_bytes = 0u64;
    for i in 0..steps {
        let session = format!("{:08x}-5e55-4000-8000-{:012x}", i % sessions, i % sessions);
        let now = Timestamp::from_unix_millis(start_ms + i as i64 * 150);
        let base = format!(
            r#""session_id":"{session}","transcript_path":"/home/dev/.claude/projects/shop/{session}.jsonl","cwd":"/home/dev/shop","permission_mode":"default""#
        );
        let mut payloads: Vec<String> = Vec::with_capacity(2);
        let rare = i % 20_000 == 7;
        let common = i % 10 == 3;
        if i % 25 == 0 {
            let mut prompt =
                String::from(if rare { "please look at config/secrets.yml and " } else { "" });
            let n = 8 + rng.below(40) as usize;
            words(&mut rng, n, &mut prompt);
            payloads.push(format!(
                r#"{{{base},"hook_event_name":"UserPromptSubmit","prompt":{}}}"#,
                serde_json::to_string(&prompt)?
            ));
        } else {
            let id = format!("toolu_{i:012x}");
            let dir = rng.pick(DIRS);
            let file = if rare { "secrets.yml" } else { rng.pick(FILES) };
            let path = format!("/home/dev/shop/{dir}/{file}");
            let mut output = String::new();
            if common {
                output.push_str("the request handler returned ");
            }
            let n = output_words(&mut rng);
            words(&mut rng, n, &mut output);
            let (tool, input, response) = match rng.below(10) {
                0..=4 => {
                    let cmd = format!(
                        "{} {}",
                        rng.pick(COMMANDS),
                        if rare { "config/secrets.yml" } else { dir }
                    );
                    (
                        "Bash",
                        serde_json::json!({ "command": cmd, "description": "Run it" }),
                        serde_json::json!({ "stdout": output, "stderr": "", "interrupted": false }),
                    )
                }
                5..=7 => (
                    "Read",
                    serde_json::json!({ "file_path": path }),
                    serde_json::json!({ "type": "text", "file": { "filePath": path, "content": output } }),
                ),
                8 => (
                    "Edit",
                    serde_json::json!({ "file_path": path, "old_string": rng.pick(WORDS), "new_string": rng.pick(WORDS) }),
                    serde_json::json!({ "filePath": path, "structuredPatch": [] }),
                ),
                _ => (
                    "Grep",
                    serde_json::json!({ "pattern": rng.pick(WORDS), "path": dir }),
                    serde_json::json!({ "mode": "content", "content": output, "numFiles": 3 }),
                ),
            };
            payloads.push(format!(
                r#"{{{base},"hook_event_name":"PreToolUse","tool_name":"{tool}","tool_input":{input},"tool_use_id":"{id}"}}"#
            ));
            payloads.push(format!(
                r#"{{{base},"hook_event_name":"PostToolUse","tool_name":"{tool}","tool_input":{input},"tool_response":{response},"tool_use_id":"{id}","duration_ms":{}}}"#,
                5 + rng.below(3000)
            ));
        }
        for p in payloads {
            raw.write_all(p.as_bytes())?;
            raw.write_all(b"\n")?;
            raw_bytes += p.len() as u64 + 1;
            let captured = capture::capture_hook(Agent::ClaudeCode, p.as_bytes(), now, redactor);
            for e in &captured.events {
                buf.clear();
                event::encode_into(e, &mut buf);
                wal.append(&buf)?;
                records += 1;
            }
        }
        if i > 0 && i % 100_000 == 0 {
            eprintln!("{i} steps, {records} records, {} MB raw", raw_bytes / 1_000_000);
        }
    }
    raw.flush()?;
    eprintln!(
        "wrote {steps} steps ({records} records, {sessions} sessions) and {raw_bytes} bytes of raw JSON to {raw_path}"
    );
    Ok(())
}
