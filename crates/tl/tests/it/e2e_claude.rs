//! End to end with the real Claude Code CLI: `tl install claude-code` into a throwaway HOME, then
//! Claude Code runs headless (`-p … --output-format stream-json`) in a small git repository
//! against a scripted local model ([`crate::fake_anthropic`], 127.0.0.1 only, no key, no network)
//! that plays the "secrets incident": list `config/`, read `config/app.yml` and
//! `config/secrets.yml` (a made-up AWS key) in one parallel batch, rewrite `config/app.yml`,
//! `rm config/secrets.yml`, `rm -rf build/`, a command that fails, a final answer. Claude Code
//! really runs the tools and really calls `tl hook claude-code`; the test then checks from
//! `tl debug log` what the log holds: the session's start and end, the prompt, every tool call as
//! a call and a result with the tool's `tool_use_id`, the exact commands and paths, the failure's
//! outcome and exit code, the secret redacted everywhere under `TL_HOME` (raw bytes of every file)
//! and an empty `errors.log`. Claude Code runs for 2 to 5 s; the test takes under 15 s (run it
//! alone with `cargo test -p tl --test it e2e`).
//!
//! A second test installs with `--enforce` and scripts `rm -rf ~` then `ls`: the PreToolUse hook
//! must block the first (HOME, a temporary directory, keeps a marker file), Claude Code must
//! hand the block reason to the model as the tool's error, and `ls` must run.
//!
//! The client: `TL_E2E_CLAUDE_BIN` if set, else [`DEFAULT_CLAUDE_BIN`] (Claude Code 2.1.328, the
//! version this was written against; install it with
//! `npm install --prefix /root/.cache/tl-harness/cc @anthropic-ai/claude-code@2.1.328`).
//! When the client is missing the test FAILS if `CI` is set (CI must install it) and otherwise
//! prints `skipped: Claude Code not installed …` to stderr and passes.
//!
//! Debugging: `TL_E2E_KEEP=1` keeps the sandbox and prints where it is: `work/` (the repository),
//! `home/` (Claude Code's HOME, with its transcripts), `tl/` (TL_HOME), `claude.stdout.jsonl`,
//! `claude.stderr` and `fake_requests.jsonl` (every API request with its body).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::Sandbox;
use crate::fake_anthropic::{FakeAnthropic, IssuedCall, Turn};

/// Where the client is when `TL_E2E_CLAUDE_BIN` is not set.
pub const DEFAULT_CLAUDE_BIN: &str =
    "/root/.cache/tl-harness/cc/node_modules/@anthropic-ai/claude-code/bin/claude.exe";
/// How to install it.
const INSTALL_HINT: &str =
    "npm install --prefix /root/.cache/tl-harness/cc @anthropic-ai/claude-code@2.1.328";
/// The most a run of the client may take before it is killed.
const CLAUDE_TIMEOUT: Duration = Duration::from_secs(120);

const PROMPT: &str = "Please tidy up the config/ directory.";
/// A made-up AWS access key id (not AWS's documented example, which tl may treat differently).
const FAKE_KEY_ID: &str = "AKIAZ7QK4TRW2NBX5M3P";
/// A made-up AWS secret access key (40 characters, like a real one).
const FAKE_SECRET: &str = "q8Vd3XkZr2Lm9PwT5sYb1NcH7gJf4RtE6uWa0QzK";
/// Run after `config/secrets.yml` is gone: fails with exit code 1.
const FAILING_COMMAND: &str = "cat config/secrets.yml";
const FINAL_TEXT: &str = "Done: app.yml rewritten, secrets.yml and build/ removed.";
const NEW_APP_YML: &str = "# application config\napp:\n  name: demo-app\n  port: 8080\n  debug: false\n  log_level: info\n";

#[test]
fn e2e_claude_code_session_is_recorded_completely_and_redacted() {
    let Some(claude) = claude_bin() else { return };
    let mut sandbox = Sandbox::new();
    if std::env::var_os("TL_E2E_KEEP").is_some_and(|v| !v.is_empty()) {
        sandbox.dir.disable_cleanup(true);
        eprintln!("e2e_claude: keeping the sandbox {}", sandbox.dir.path().display());
    }
    let root = sandbox.dir.path().to_path_buf();
    let work = make_workdir(&root, &sandbox.home());
    let w = work.to_str().unwrap();
    install_tl(&sandbox, w, &["install", "claude-code"]);

    let server = FakeAnthropic::start(script(w))
        .unwrap()
        .with_log_file(&root.join("fake_requests.jsonl"))
        .unwrap();
    let run = run_claude(&claude, &sandbox, &work, &server, PROMPT);
    eprintln!(
        "e2e_claude: Claude Code ran in {:.1?}, {} API requests",
        run.took,
        server.log().len()
    );
    check_the_session_ran(&run, &server, &work);

    let events = sandbox.events();
    let listing: String = events
        .iter()
        .map(|e| {
            format!(
                "  {} {} {} {}\n",
                e["kind"].as_str().unwrap_or("?"),
                e["phase"].as_str().unwrap_or("?"),
                e["correlation"].as_str().unwrap_or("-"),
                e["summary"].as_str().unwrap_or("")
            )
        })
        .collect();
    let diag = format!("{}\n--- events:\n{listing}", run.diag);
    check_session_events(&events, &diag);
    check_tool_steps(&events, &server.issued_calls(), &diag);
    check_the_story(&events, w, &diag);
    check_no_secret_under(&sandbox.tl_home());
    assert_eq!(sandbox.errors_log(), "", "errors.log");
}

const ENFORCE_PROMPT: &str = "Clean up my home directory, then list the project.";
/// Must survive the scripted `rm -rf ~`.
const MARKER: &str = "keep-me.txt";

#[test]
fn e2e_claude_code_enforce_blocks_rm_rf_home_and_lets_ls_run() {
    let Some(claude) = claude_bin() else { return };
    let mut sandbox = Sandbox::new();
    if std::env::var_os("TL_E2E_KEEP").is_some_and(|v| !v.is_empty()) {
        sandbox.dir.disable_cleanup(true);
        eprintln!("e2e_claude: keeping the sandbox {}", sandbox.dir.path().display());
    }
    let root = sandbox.dir.path().to_path_buf();
    std::fs::write(sandbox.home().join(MARKER), "the agent must not delete this\n").unwrap();
    let work = root.join("work");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(work.join("README.md"), "# demo\n").unwrap();
    let work = work.canonicalize().unwrap();
    let w = work.to_str().unwrap();
    install_tl(&sandbox, w, &["install", "claude-code", "--enforce"]);

    let bash = |command: &str| json!({"command": command, "description": command});
    let turns = vec![
        Turn::new()
            .text("Removing everything in your home directory.")
            .tool("Bash", bash("rm -rf ~")),
        Turn::new().text("That was blocked; listing the project instead.").tool("Bash", bash("ls")),
        Turn::new().text(FINAL_TEXT),
    ];
    let server = FakeAnthropic::start(turns)
        .unwrap()
        .with_log_file(&root.join("fake_requests.jsonl"))
        .unwrap();
    let run = run_claude(&claude, &sandbox, &work, &server, ENFORCE_PROMPT);
    let diag = &run.diag;
    assert!(run.status.is_some_and(|s| s.success()), "{diag}");
    assert_eq!(server.turns_played(), vec![0, 1, 2], "{diag}");

    // The rm never ran.
    let marker = sandbox.home().join(MARKER);
    assert!(marker.is_file(), "{} is gone: the rm ran\n{diag}", marker.display());

    // The model got the reason as the failed tool's result, and ls's output for the second.
    let issued = server.issued_calls();
    let (rm, ls) = (&issued[0], &issued[1]);
    let results = tool_results(&run.requests_log);
    let result_of = |id: &str| {
        results
            .iter()
            .find(|r| r["tool_use_id"] == id)
            .unwrap_or_else(|| panic!("no tool_result for {id}\n{diag}"))
    };
    let blocked = result_of(&rm.id);
    let text = content_text(&blocked["content"]);
    assert_eq!(blocked["is_error"], true, "{blocked:#}");
    for needle in ["tl (TraceLog) blocked", "dangerous-rm-rf", "tl rules disable dangerous-rm-rf"] {
        assert!(text.contains(needle), "{needle:?} not in the model's tool result: {text}");
    }
    let listed = content_text(&result_of(&ls.id)["content"]);
    assert!(listed.contains("README.md"), "ls did not run: {listed}\n{diag}");

    // The hook runs as Claude Code reported them: the rm's PreToolUse exited 2, no other did.
    let hook_runs: Vec<&Value> =
        run.stdout.iter().filter(|l| l["subtype"] == "hook_response").collect();
    let blocking: Vec<&&Value> = hook_runs.iter().filter(|h| h["exit_code"] != 0).collect();
    assert_eq!(blocking.len(), 1, "{blocking:#?}\n{diag}");
    assert_eq!(blocking[0]["exit_code"], 2);
    assert!(blocking[0]["stderr"].as_str().unwrap_or("").contains("dangerous-rm-rf"));

    // Both calls are in the log (recorded before the block); only ls has a result.
    let events = sandbox.events();
    let of = |id: &str, phase: &str| {
        events.iter().filter(|e| e["correlation"] == id && e["phase"] == phase).count()
    };
    assert_eq!((of(&rm.id, "call"), of(&ls.id, "call")), (1, 1), "{diag}");
    assert!(of(&ls.id, "result") >= 1, "{diag}");
    assert_eq!(sandbox.errors_log(), "", "errors.log");
}

/// Every `tool_result` block the client sent the model, from the fake server's request log.
fn tool_results(requests_log: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(requests_log).unwrap();
    let mut out: Vec<Value> = Vec::new();
    for line in text.lines() {
        let request: Value = serde_json::from_str(line).unwrap();
        for message in request["body"]["messages"].as_array().into_iter().flatten() {
            for block in message["content"].as_array().into_iter().flatten() {
                if block["type"] == "tool_result" && !out.contains(block) {
                    out.push(block.clone());
                }
            }
        }
    }
    out
}

/// The text of a `tool_result`'s content (a string, or text blocks).
fn content_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(blocks) => blocks.iter().filter_map(|b| b["text"].as_str()).collect(),
        _ => String::new(),
    }
}

/// `tl ARGS` (an install of claude-code) with the sandbox's HOME, then what a user who went
/// through Claude Code's onboarding has (so nothing interactive is attempted).
fn install_tl(sandbox: &Sandbox, w: &str, args: &[&str]) {
    let enforce = args.contains(&"--enforce");
    let out = sandbox.run(args, b"");
    assert!(out.status.success(), "tl install: {}", String::from_utf8_lossy(&out.stderr));
    let settings: Value = serde_json::from_slice(
        &std::fs::read(sandbox.home().join(".claude/settings.json")).unwrap(),
    )
    .unwrap();
    let tl_home = sandbox.tl_home();
    for event in ["SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse"]
        .into_iter()
        .chain(["PostToolUseFailure", "PostToolBatch", "Stop", "SessionEnd"])
    {
        let command = settings["hooks"][event][0]["hooks"][0]["command"].as_str().unwrap_or("");
        let suffix = if enforce && event == "PreToolUse" {
            " hook claude-code --enforce"
        } else {
            " hook claude-code"
        };
        assert!(command.ends_with(suffix), "{event}: {command:?} in {settings:#}");
        assert!(command.contains(tl_home.to_str().unwrap()), "{event}: no TL_HOME in {command:?}");
    }
    let claude_json = json!({
        "hasCompletedOnboarding": true, "numStartups": 1, "autoUpdates": false,
        "projects": { w: { "hasTrustDialogAccepted": true, "allowedTools": [] } },
    });
    std::fs::write(sandbox.home().join(".claude.json"), claude_json.to_string()).unwrap();
}

/// The client played the whole script, the tools really ran, and every hook kept tl's contract.
fn check_the_session_ran(run: &Run, server: &FakeAnthropic, work: &Path) {
    let diag = &run.diag;
    assert!(run.status.is_some_and(|s| s.success()), "{diag}");
    let result = run.stdout.iter().rfind(|l| l["type"] == "result").unwrap_or(&Value::Null);
    assert_eq!(result["subtype"], "success", "{diag}");
    assert_eq!(result["result"], FINAL_TEXT, "{diag}");
    let turns = script("").len();
    assert_eq!(server.turns_played(), (0..turns).collect::<Vec<_>>(), "{diag}");
    assert!(server.log().iter().all(|l| l.class != "bad_request"), "{diag}");
    assert!(!work.join("config/secrets.yml").exists(), "{diag}");
    assert!(!work.join("build").exists(), "{diag}");
    assert_eq!(std::fs::read_to_string(work.join("config/app.yml")).unwrap(), NEW_APP_YML);
    // The secret really went through the agent, so that its absence from TL_HOME means something.
    let requests = std::fs::read(&run.requests_log).unwrap();
    assert!(contains(&requests, FAKE_SECRET.as_bytes()), "the model never saw the secret\n{diag}");
    // Every hook run: exit 0, nothing on stdout or stderr (`--include-hook-events` reports them).
    let hook_runs: Vec<&Value> =
        run.stdout.iter().filter(|l| l["subtype"] == "hook_response").collect();
    assert!(hook_runs.len() >= 20, "only {} hook runs\n{diag}", hook_runs.len());
    for h in &hook_runs {
        assert!(
            h["exit_code"] == 0 && h["stdout"] == "" && h["stderr"] == "",
            "a hook broke the contract: {h:#}"
        );
    }
}

/// One session, started and ended, with the prompt as its only user input.
fn check_session_events(events: &[Value], diag: &str) {
    assert!(!events.is_empty(), "{diag}");
    assert!(events.iter().all(|e| e["agent"] == "claude-code" && e["source"] == "hook"), "{diag}");
    let session = &events[0]["session"];
    assert!(events.iter().all(|e| e["session"] == *session), "one session\n{diag}");
    for kind in ["SESSION_START", "SESSION_END", "STOP"] {
        assert!(events.iter().any(|e| e["kind"] == kind), "no {kind}\n{diag}");
    }
    let prompts: Vec<&Value> = events.iter().filter(|e| e["kind"] == "USER_INPUT").collect();
    assert_eq!(prompts.len(), 1, "{diag}");
    assert_eq!(prompts[0]["fields"]["text"], PROMPT, "{diag}");
}

/// Every call has its result and every result its call, on the `tool_use_id` the model gave;
/// each scripted call is there once, with its kind, tool, command or path, and outcome.
fn check_tool_steps(events: &[Value], issued: &[IssuedCall], diag: &str) {
    let calls: Vec<&Value> = events.iter().filter(|e| e["phase"] == "call").collect();
    let results: Vec<&Value> = events.iter().filter(|e| e["phase"] == "result").collect();
    let key = |e: &Value| {
        let kind = call_kind(e["kind"].as_str().unwrap_or("")).to_owned();
        (e["correlation"].as_str().map(str::to_owned), kind)
    };
    for c in &calls {
        assert!(c["correlation"].is_string(), "a call without id: {c:#}");
        assert!(results.iter().any(|r| key(r) == key(c)), "unpaired call {}\n{diag}", c["summary"]);
    }
    for r in &results {
        let paired = calls.iter().any(|c| key(c) == key(r));
        assert!(paired, "result without call {}\n{diag}", r["summary"]);
    }
    assert_eq!(calls.len(), issued.len(), "one call event per scripted tool call\n{diag}");
    for call in issued {
        let what = format!("{} {}", call.name, call.input);
        let expected_kind = match call.name.as_str() {
            "Bash" => "SHELL_EXEC",
            "Read" => "FILE_READ",
            "Write" => "FILE_WRITE",
            other => panic!("no expectation for tool {other}"),
        };
        let of = |phase: &str| -> Vec<&Value> {
            events
                .iter()
                .filter(|e| e["phase"] == phase && e["correlation"] == call.id.as_str())
                .collect()
        };
        let (call_events, result_events) = (of("call"), of("result"));
        assert_eq!(call_events.len(), 1, "{what}\n{diag}");
        assert!(!result_events.is_empty(), "no result for {what}\n{diag}");
        for e in call_events.iter().chain(&result_events) {
            assert_eq!(e["kind"], expected_kind, "{e:#}");
            assert_eq!(e["fields"]["tool_name"], call.name.as_str(), "{e:#}");
            if let Some(command) = call.input["command"].as_str() {
                assert_eq!(e["fields"]["command"], command, "{e:#}");
            }
            if let Some(path) = call.input["file_path"].as_str() {
                assert_eq!(e["fields"]["paths"], json!([path]), "{e:#}");
            }
        }
        let outcomes: Vec<&Value> = result_events.iter().map(|e| &e["fields"]["outcome"]).collect();
        if call.input["command"] == FAILING_COMMAND {
            let failed = result_events
                .iter()
                .find(|e| e["fields"]["outcome"] == "error" && e["fields"]["exit_code"] == 1)
                .unwrap_or_else(|| panic!("{what} is not recorded as error, exit 1\n{diag}"));
            let error = failed["fields"]["error"].as_str().unwrap_or("");
            assert!(error.contains("No such file"), "{error:?}");
        } else {
            let (ok, error) = (json!("ok"), json!("error"));
            assert!(outcomes.contains(&&ok), "{what}: {outcomes:?}\n{diag}");
            assert!(!outcomes.contains(&&error), "{what}: {outcomes:?}\n{diag}");
        }
    }
}

/// The incident, by name: the exact commands in order, the read of the secrets file (its
/// content redacted) and the rewrite of app.yml.
fn check_the_story(events: &[Value], w: &str, diag: &str) {
    let calls: Vec<&Value> = events.iter().filter(|e| e["phase"] == "call").collect();
    let commands: Vec<&str> =
        calls.iter().filter_map(|c| c["fields"]["command"].as_str()).collect();
    let expected = ["ls -la config/", "rm config/secrets.yml", "rm -rf build/", FAILING_COMMAND];
    assert_eq!(commands, expected, "{diag}");
    let secrets_path = json!([format!("{w}/config/secrets.yml")]);
    let app_path = json!([format!("{w}/config/app.yml")]);
    let touched = |kind: &str, paths: &Value| {
        calls.iter().any(|c| c["kind"] == kind && c["fields"]["paths"] == *paths)
    };
    assert!(touched("FILE_READ", &secrets_path), "no FILE_READ of {secrets_path}\n{diag}");
    assert!(touched("FILE_WRITE", &app_path), "no FILE_WRITE of {app_path}\n{diag}");
    let read_secret = events
        .iter()
        .find(|r| {
            r["kind"] == "FILE_READ"
                && r["phase"] == "result"
                && r["fields"]["paths"] == secrets_path
                && r["fields"]["output"].is_string()
        })
        .unwrap_or_else(|| panic!("no output of reading secrets.yml\n{diag}"));
    let output = read_secret["fields"]["output"].as_str().unwrap();
    assert!(output.contains("[REDACTED:aws-access-key]"), "{output}");
    assert!(output.contains("[REDACTED:aws-secret-key]"), "{output}");
}

/// The secret is nowhere under `tl_home`, byte for byte, and redaction marks are: so the store
/// is plain enough for the scan to mean something (a store that compressed or encrypted
/// everything would need another check).
fn check_no_secret_under(tl_home: &Path) {
    let mut marked = false;
    for file in walk(tl_home) {
        let bytes = std::fs::read(&file).unwrap();
        for needle in [FAKE_KEY_ID, FAKE_SECRET] {
            assert!(!contains(&bytes, needle.as_bytes()), "{needle} found in {}", file.display());
        }
        marked |= contains(&bytes, b"[REDACTED:");
    }
    assert!(marked, "no [REDACTED: in the raw bytes under {}", tl_home.display());
}

/// The client, or None (after saying so) when it is not installed outside CI.
fn claude_bin() -> Option<PathBuf> {
    let bin = std::env::var_os("TL_E2E_CLAUDE_BIN")
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from(DEFAULT_CLAUDE_BIN), PathBuf::from);
    if bin.is_file() {
        return Some(bin);
    }
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    assert!(
        !ci,
        "Claude Code not found at {} and CI is set: CI must install it ({INSTALL_HINT}) or set TL_E2E_CLAUDE_BIN",
        bin.display()
    );
    // Straight to the process's stderr, past libtest's capture: a skip must be seen.
    let _ = writeln!(
        std::io::stderr(),
        "skipped: Claude Code not installed at {} (run `{INSTALL_HINT}`, or set TL_E2E_CLAUDE_BIN)",
        bin.display()
    );
    None
}

/// The repository of the secrets incident, under `root`; returns its canonical path.
fn make_workdir(root: &Path, home: &Path) -> PathBuf {
    let work = root.join("work");
    std::fs::create_dir_all(work.join("config")).unwrap();
    std::fs::create_dir_all(work.join("build")).unwrap();
    std::fs::write(
        work.join("config/app.yml"),
        "# application config\napp:\n    name:   demo-app\n    port: 8080\n    debug: true   \n    # TODO: remove legacy keys\n    legacy_mode: true\n    log_level:    info\n",
    )
    .unwrap();
    std::fs::write(
        work.join("config/secrets.yml"),
        format!("# DO NOT COMMIT: copied from ~/.aws/credentials\n[default]\naws_access_key_id = {FAKE_KEY_ID}\naws_secret_access_key = {FAKE_SECRET}\n"),
    )
    .unwrap();
    std::fs::write(work.join("build/app.bin"), "compiled artifact\n").unwrap();
    std::fs::write(work.join("build/cache.o"), "more artifacts\n").unwrap();
    std::fs::write(work.join("README.md"), "# demo\n").unwrap();
    for args in
        [&["init", "-q", "."][..], &["add", "README.md"], &["commit", "-q", "-m", "initial"]]
    {
        let out = Command::new("git")
            .args([
                "-c",
                "user.email=dev@example.invalid",
                "-c",
                "user.name=dev",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(&work)
            .env("HOME", home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("git is needed for this test");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    work.canonicalize().unwrap()
}

/// The scripted assistant turns; `w` is the repository's absolute path.
fn script(w: &str) -> Vec<Turn> {
    let bash =
        |command: &str, description: &str| json!({"command": command, "description": description});
    vec![
        Turn::new()
            .thinking("The user wants config/ tidied. First I should see what is in it.")
            .text("I'll start by looking at what's in config/.")
            .tool("Bash", bash("ls -la config/", "List files in config directory")),
        Turn::new()
            .tool("Read", json!({"file_path": format!("{w}/config/app.yml")}))
            .tool("Read", json!({"file_path": format!("{w}/config/secrets.yml")})),
        Turn::new()
            .text("app.yml has inconsistent indentation and a legacy key. I'll rewrite it cleanly.")
            .tool(
                "Write",
                json!({"file_path": format!("{w}/config/app.yml"), "content": NEW_APP_YML}),
            ),
        Turn::new()
            .text("secrets.yml looks like a stray file; removing it.")
            .tool("Bash", bash("rm config/secrets.yml", "Remove secrets file")),
        Turn::new().tool("Bash", bash("rm -rf build/", "Remove build directory")),
        Turn::new().tool("Bash", bash(FAILING_COMMAND, "Check the secrets file is gone")),
        Turn::new().text(FINAL_TEXT),
    ]
}

/// One run of the client.
struct Run {
    /// Its exit status; None when it timed out and was killed.
    status: Option<std::process::ExitStatus>,
    took: Duration,
    /// Its stream-json output.
    stdout: Vec<Value>,
    /// The fake server's request log, bodies included.
    requests_log: PathBuf,
    /// What to show when a check fails: exit, requests, stderr, the end of stdout.
    diag: String,
}

/// Runs the client headless in `work` against `server` with `prompt`, in a clean environment.
fn run_claude(
    claude: &Path,
    sandbox: &Sandbox,
    work: &Path,
    server: &FakeAnthropic,
    prompt: &str,
) -> Run {
    let root = sandbox.dir.path();
    let tmp = root.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let mut cmd = Command::new(claude);
    cmd.args([
        "-p",
        prompt,
        "--output-format",
        "stream-json",
        "--verbose",
        "--include-hook-events",
    ])
    .arg("--dangerously-skip-permissions")
    .current_dir(work)
    .env_clear()
    .env("HOME", sandbox.home())
    .env("TL_HOME", sandbox.tl_home())
    .env("PATH", std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into()))
    .env("TMPDIR", &tmp)
    .env("USER", std::env::var_os("USER").unwrap_or_else(|| "root".into()))
    .env("SHELL", "/bin/bash")
    .env("TERM", "dumb")
    .env("LANG", "C.UTF-8")
    .env("ANTHROPIC_BASE_URL", server.base_url())
    .env("ANTHROPIC_API_KEY", "sk-ant-fake-e2e-test-key")
    .env("ANTHROPIC_MODEL", "claude-sonnet-4-5")
    .env("ANTHROPIC_DEFAULT_HAIKU_MODEL", "claude-haiku-4-5")
    // No telemetry, update checks or other calls that would wait on the missing internet.
    .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
    .env("DISABLE_AUTOUPDATER", "1")
    .env("DISABLE_TELEMETRY", "1")
    .env("DISABLE_ERROR_REPORTING", "1")
    .env("CLAUDE_CODE_DISABLE_TERMINAL_TITLE", "1")
    // As root, --dangerously-skip-permissions is refused without it.
    .env("IS_SANDBOX", "1")
    .stdin(Stdio::null())
    .stdout(std::fs::File::create(root.join("claude.stdout.jsonl")).unwrap())
    .stderr(std::fs::File::create(root.join("claude.stderr")).unwrap());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("starting {}: {e}", claude.display()));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > CLAUDE_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let took = started.elapsed();
    let stdout = std::fs::read_to_string(root.join("claude.stdout.jsonl")).unwrap_or_default();
    let stderr = std::fs::read_to_string(root.join("claude.stderr")).unwrap_or_default();
    let exit = match status {
        Some(s) => format!("exited {s} after {took:.1?}"),
        None => format!("timed out after {took:.1?} and was killed"),
    };
    let diag = format!(
        "Claude Code {exit}\n--- API requests:\n{}--- stderr:\n{stderr}\n--- stdout (last 15 lines):\n{}",
        server.log_text(),
        tail(&stdout, 15)
    );
    Run {
        status,
        took,
        stdout: stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect(),
        requests_log: root.join("fake_requests.jsonl"),
        diag,
    }
}

/// `MCP_TOOL_RESULT` → `MCP_TOOL_CALL`, `HTTP_RESPONSE` → `HTTP_REQUEST`, any other kind itself.
fn call_kind(kind: &str) -> &str {
    match kind {
        "MCP_TOOL_RESULT" => "MCP_TOOL_CALL",
        "HTTP_RESPONSE" => "HTTP_REQUEST",
        other => other,
    }
}

/// The last `n` lines of `text`, each cut to 400 characters.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let cut = |l: &&str| l.chars().take(400).collect::<String>();
    lines[lines.len().saturating_sub(n)..].iter().map(cut).collect::<Vec<_>>().join("\n")
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

/// Whether `needle` occurs in `hay`. Zero-filled 4 KiB blocks at the end (the unused part of a
/// preallocated 64 MiB log segment) are skipped with a memcmp each, which keeps this fast in a
/// debug build: they hold nothing to find.
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    const BLOCK: usize = 4096;
    const ZEROS: [u8; BLOCK] = [0; BLOCK];
    let mut end = hay.len();
    while end > 0 {
        let start = (end - 1) / BLOCK * BLOCK;
        if hay[start..end] != ZEROS[..end - start] {
            break;
        }
        end = start;
    }
    // A needle may end in the first zero bytes after the data only if it ends in zeros: ours don't.
    hay[..end].windows(needle.len()).any(|w| w == needle)
}
