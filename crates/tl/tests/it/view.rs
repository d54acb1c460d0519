//! `tl view`: the server's security checks over plain HTTP, and the page in a real headless
//! Chromium (`crates/tl/tests/browser/view.mjs`, driven by playwright-core).
//!
//! Each test records the real Claude Code hook payloads of the secrets.yml story
//! (`capture/tests/fixtures/claude-code/hooks.jsonl`, all but its last steps) and imports a Codex
//! rollout and a Gemini chat into a sandbox `TL_HOME`, then starts `tl view --port 0`.
//! The browser test appends the rest of the Claude Code payloads with `tl hook claude-code` while
//! the page is open, and checks that the live view shows them.
//!
//! The browser test needs node, Chromium (`/usr/bin/chromium`, or `TL_CHROMIUM`) and
//! playwright-core (`TL_PLAYWRIGHT`: the node_modules directory holding it; `.ci/run` installs
//! it). When one is missing it FAILS under `CI` and otherwise prints `skipped: …` and passes.
//! Screenshots of each page go to `target/view-screenshots/`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::{Sandbox, fixture};

/// The Claude Code session of the fixture.
const CLAUDE_ID: &str = "0cfde7cd-23f6-45f2-9cd7-3fae11d5363e";
/// The Codex session of the fixture (its rollout reports token usage).
const CODEX_ID: &str = "01a211ea-1391-7b62-b20d-240046b834f3";
/// Where `.ci/run` installs playwright-core when `TL_PLAYWRIGHT` is not set.
const DEFAULT_PLAYWRIGHT: &str = "/root/.cache/tl-e2e/pw/node_modules";
/// How many of the Claude Code payloads are recorded before the page opens (up to the
/// `curl | sh`); the rest (the forced push, the end of the session) arrive live.
const RECORDED_FIRST: usize = 26;

/// A running `tl view`, stopped when dropped.
struct Server {
    child: Child,
    /// Its standard output, kept open for as long as it runs.
    _stdout: BufReader<std::process::ChildStdout>,
    url: String,
    port: u16,
    token: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The hook payloads of the Claude Code fixture, one per line.
fn claude_payloads() -> Vec<String> {
    std::fs::read_to_string(fixture("claude-code/hooks.jsonl"))
        .unwrap()
        .lines()
        .map(|line| {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            record
                .get("stdin_raw")
                .and_then(|v| v.as_str())
                .map_or_else(|| line.to_owned(), String::from)
        })
        .collect()
}

/// Records the fixtures; returns the Claude Code payloads held back for the live test.
fn record(sandbox: &Sandbox) -> Vec<String> {
    let payloads = claude_payloads();
    assert!(payloads.len() > RECORDED_FIRST, "the fixture changed: {} payloads", payloads.len());
    for p in &payloads[..RECORDED_FIRST] {
        let out = sandbox.run(&["hook", "claude-code"], p.as_bytes());
        assert!(out.status.success());
    }
    for (agent, file) in [
        ("codex", "codex/rollout-2026-11-25T08-54-42-01a211ea-1391-7b62-b20d-240046b834f3.jsonl"),
        ("gemini", "gemini/session-2026-11-25T08-56-9c571702.jsonl"),
    ] {
        let path = fixture(file);
        let out = sandbox.run(&["import", "--agent", agent, path.to_str().unwrap()], b"");
        assert!(out.status.success(), "tl import {file}: {}", String::from_utf8_lossy(&out.stderr));
    }
    assert_eq!(sandbox.errors_log(), "");
    payloads[RECORDED_FIRST..].to_vec()
}

/// Starts `tl view --port 0` and reads the URL it prints.
fn start(sandbox: &Sandbox) -> Server {
    let mut child = sandbox
        .tl(&["view", "--port", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("tl view: ")
        .unwrap_or_else(|| panic!("tl view printed {line:?}"))
        .to_owned();
    let rest = url.strip_prefix("http://127.0.0.1:").unwrap();
    let port: u16 = rest[..rest.find('/').unwrap()].parse().unwrap();
    let token = url.split("token=").nth(1).unwrap().to_owned();
    assert_eq!(token.len(), 32, "a 128-bit token in hex: {url}");
    Server { child, _stdout: stdout, url, port, token }
}

/// One HTTP/1.1 GET with these headers (a `Host` of the server's own unless one is given);
/// the status and the body.
fn get(port: u16, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut request = format!("GET {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("Host: 127.0.0.1:{port}\r\n"));
    }
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

#[test]
fn view_refuses_requests_without_the_token_or_from_another_host() {
    let sandbox = Sandbox::new();
    record(&sandbox);
    let server = start(&sandbox);
    let (port, token) = (server.port, server.token.as_str());
    let own = format!("127.0.0.1:{port}");
    let with_token = format!("/api/sessions?token={token}");

    // The real thing works, by query or by header, from either of the server's names.
    let (status, body) = get(port, &with_token, &[]);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(CLAUDE_ID), "{body}");
    assert_eq!(get(port, "/api/sessions", &[("X-TL-Token", token)]).0, 200);
    assert_eq!(get(port, &with_token, &[("Host", &format!("localhost:{port}"))]).0, 200);
    assert_eq!(get(port, &with_token, &[("Origin", &format!("http://{own}"))]).0, 200);
    assert_eq!(get(port, "/", &[]).0, 200, "the page itself needs no token");

    // No token, a wrong one, one cut short: refused on every endpoint.
    let wrong = format!("{}0", &token[..31]);
    for path in [
        "/api/sessions".to_owned(),
        format!("/api/sessions?token={wrong}"),
        format!("/api/sessions?token={}", &token[..31]),
        format!("/api/sessions/{CLAUDE_ID}/steps/1"),
        format!("/api/search?q=secrets.yml&token={wrong}"),
        format!("/api/sessions/{CLAUDE_ID}/live"),
    ] {
        let (status, body) = get(port, &path, &[]);
        assert_eq!(status, 403, "{path}: {body}");
        assert!(!body.contains("secrets"), "{path} leaked: {body}");
    }
    assert_eq!(get(port, "/api/sessions", &[("X-TL-Token", &wrong)]).0, 403);

    // DNS rebinding: the right token, but the Host or Origin of another site.
    for (k, v) in [
        ("Host", format!("evil.example:{port}")),
        ("Host", format!("127.0.0.1.evil.example:{port}")),
        ("Host", "127.0.0.1".to_owned()),
        ("Host", format!("127.0.0.1:{}", port.wrapping_add(1))),
        ("Origin", format!("http://evil.example:{port}")),
        ("Origin", "null".to_owned()),
        ("Origin", format!("https://{own}")),
    ] {
        let (status, body) = get(port, &with_token, &[(k, &v)]);
        assert_eq!(status, 403, "{k}: {v}: {body}");
        assert!(!body.contains(CLAUDE_ID));
        assert_eq!(get(port, "/", &[(k, &v)]).0, 403, "the page too, {k}: {v}");
    }

    // Nothing outside the embedded assets and the API is served; no endpoint writes.
    for path in [
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/assets/../Cargo.toml",
        "/api/../../etc/passwd",
    ] {
        let (status, body) = get(port, path, &[]);
        assert!(status == 404 || status == 403 || status == 400, "{path}: {status} {body}");
        assert!(!body.contains("root:"), "{path}");
    }
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "POST /api/sessions?token={token} HTTP/1.1\r\nHost: {own}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 405"), "{response}");

    // The API answers what the read commands answer: the step with its records from the log.
    let (status, body) =
        get(port, &format!("/api/sessions/{}/steps/4?token={token}", &CLAUDE_ID[..8]), &[]);
    assert_eq!(status, 200, "{body}");
    let step: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(step["seq"], 4);
    assert!(step["records"].as_array().is_some_and(|r| !r.is_empty()), "{body}");
}

/// node, Chromium and playwright-core, or why the browser test cannot run.
fn browser_tools() -> Result<(PathBuf, PathBuf), String> {
    let chromium =
        PathBuf::from(std::env::var("TL_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()));
    if !chromium.exists() {
        return Err(format!("no browser at {} (apt-get install chromium)", chromium.display()));
    }
    let node_ok = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    if !node_ok {
        return Err("node is not installed".into());
    }
    let pw =
        PathBuf::from(std::env::var("TL_PLAYWRIGHT").unwrap_or_else(|_| DEFAULT_PLAYWRIGHT.into()));
    if !pw.join("playwright-core").exists() {
        return Err(format!(
            "playwright-core is not in {} (npm install playwright-core)",
            pw.display()
        ));
    }
    Ok((chromium, pw))
}

/// `target/` of this build: the test binary is `target/debug/deps/it-…`.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).map(Path::to_path_buf).unwrap_or_else(std::env::temp_dir)
}

#[test]
fn view_in_a_real_browser() {
    let (chromium, playwright) = match browser_tools() {
        Ok(tools) => tools,
        Err(why) if std::env::var_os("CI").is_some() => {
            panic!("the browser test cannot run under CI: {why}")
        }
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    let sandbox = Sandbox::new();
    let held_back = record(&sandbox);
    let append = sandbox.dir.path().join("append.jsonl");
    std::fs::write(&append, held_back.join("\n") + "\n").unwrap();
    let server = start(&sandbox);
    let shots = target_dir().join("view-screenshots");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/view.mjs");
    let out = Command::new("node")
        .arg(&script)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", sandbox.home())
        .env("TL_HOME", sandbox.tl_home())
        .env("TL_VIEW_URL", &server.url)
        .env("TL_PLAYWRIGHT", &playwright)
        .env("TL_CHROMIUM", &chromium)
        .env("TL_BIN", env!("CARGO_BIN_EXE_tl"))
        .env("TL_APPEND", &append)
        .env("TL_CLAUDE_ID", CLAUDE_ID)
        .env("TL_USAGE_ID", CODEX_ID)
        .env("TL_SCREENSHOTS", &shots)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}{stderr}screenshots: {}", shots.display());
    assert!(out.status.success(), "the browser test failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("browser: all checks passed"), "{stdout}");
    drop(server);
}
