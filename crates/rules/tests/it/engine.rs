//! Tests of the rule engine: the built-in set loads cleanly and passes its inline tests,
//! load errors carry file and line, overrides and `disable` work, the hash tracks changes,
//! step rules, and a speed test (`--ignored`).

use rules::{Context, RuleSet, Severity, Step, shell_event};

fn ctx() -> Context {
    Context::new("/home/u/proj", Some("/home/u"))
}

#[test]
fn builtins_load_without_errors() {
    let (set, errors) = RuleSet::load(rules::BUILTIN_SOURCES);
    assert!(
        errors.is_empty(),
        "{}",
        errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
    );
    assert!(set.rules().count() >= 50, "{} rules", set.rules().count());
    assert_eq!(set.check_regexes(), Vec::<(String, String)>::new());
}

#[test]
fn builtin_inline_tests_pass() {
    let report = RuleSet::builtin().run_tests();
    let lines: Vec<String> =
        report.failures.iter().map(|f| format!("{}: {:?}: {}", f.rule, f.case, f.reason)).collect();
    assert!(lines.is_empty(), "{} failures:\n{}", lines.len(), lines.join("\n"));
    assert!(report.positives > 200 && report.negatives > 150, "{report:?}");
}

#[test]
fn every_builtin_rule_has_positive_and_negative_tests() {
    let set = RuleSet::builtin();
    let weak: Vec<String> = set
        .test_counts()
        .into_iter()
        .filter(|(_, pos, neg)| *pos < 2 || *neg < 2)
        .map(|(id, pos, neg)| format!("{id}: {pos} positive, {neg} negative"))
        .collect();
    assert!(weak.is_empty(), "{weak:#?}");
}

#[test]
fn tracelog_ids_exist() {
    let set = RuleSet::builtin();
    for id in crate::TRACELOG_IDS {
        assert!(set.rules().any(|r| r.id == *id), "missing {id}");
    }
}

#[test]
fn rm_rf_severity_grows_with_the_target() {
    let set = RuleSet::builtin();
    let sev = |cmd: &str| {
        set.evaluate(&shell_event(cmd, "/home/u/proj"), &ctx())
            .into_iter()
            .find(|f| f.rule == "dangerous-rm-rf")
            .map(|f| f.severity)
    };
    assert_eq!(sev("rm -rf target"), Some(Severity::Info));
    assert_eq!(sev("rm -rf /tmp/x"), Some(Severity::Info));
    assert_eq!(sev("rm -rf src"), Some(Severity::Warning));
    assert_eq!(sev("rm -rf src ~"), Some(Severity::Danger));
    assert_eq!(sev("rm -rf $X"), Some(Severity::Danger));
    assert_eq!(sev("rm -r src"), None);
    let f = set
        .evaluate(&shell_event("make && rm -rf ~/", "/home/u/proj"), &ctx())
        .into_iter()
        .find(|f| f.rule == "dangerous-rm-rf")
        .expect("finding");
    assert_eq!(f.evidence[0].segment, Some(1));
    assert_eq!(f.evidence[0].target.as_deref(), Some("/home/u"));
    assert_eq!(f.evidence[0].class.as_deref(), Some("home"));
    assert_eq!(f.message, "Recursive forced delete of /home/u (home): rm -rf /home/u/");
}

#[test]
fn load_errors_name_file_and_line_and_keep_the_rest() {
    let user = r#"schema = 1

[[rule]]
id = "good-rule"
severity = "info"
kinds = ["shell"]
message = "ok"
[[rule.when]]
cmd.name = ["frobnicate"]
[[rule.test]]
match = ["frobnicate x"]
no_match = ["echo frobnicate"]

[[rule]]
id = "bad-rule"
severity = "catastrophic"
kinds = ["shell"]
message = "x"
[[rule.when]]
cmd.name = ["x"]

[[rule]]
id = "typo-rule"
severity = "info"
kinds = ["shell"]
message = "x"
[[rule.when]]
cmd.nmae = ["x"]

[[rule]]
id = "bad-regex"
severity = "info"
kinds = ["shell"]
message = "x"
[[rule.when]]
cmd.name = ["ls"]
cmd.line = "(unclosed"

[[rule]]
id = "failing-test"
severity = "info"
kinds = ["shell"]
message = "x"
[[rule.when]]
cmd.name = ["ls"]
[[rule.test]]
match = ["cat x"]
"#;
    let (set, errors) = RuleSet::with_builtins(&[("user.toml", user)]);
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 4, "{shown:#?}");
    assert_eq!((errors[0].file.as_str(), errors[0].line), ("user.toml", 14), "{shown:#?}");
    assert!(shown[0].contains("unknown severity `catastrophic`"), "{shown:#?}");
    assert_eq!(errors[1].line, 22);
    assert!(shown[1].contains("nmae"), "{shown:#?}");
    assert_eq!((errors[2].rule.as_deref(), errors[2].line), (Some("bad-regex"), 30));
    assert!(shown[2].contains("bad regex"), "{shown:#?}");
    assert_eq!(errors[3].rule.as_deref(), Some("failing-test"));
    assert!(shown[3].contains("inline test failed"), "{shown:#?}");
    assert!(set.rules().any(|r| r.id == "good-rule"));
    assert!(set.rules().any(|r| r.id == "dangerous-rm-rf"));

    let (_, errors) = RuleSet::load(&[("broken.toml", "schema = 1\n[[rule]\nid = 1\n")]);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 2, "{}", errors[0]);
}

#[test]
fn builtins_can_be_disabled_and_overridden() {
    let mut set = RuleSet::builtin();
    let h0 = set.hash();
    let cmd = shell_event("sudo ls", "/home/u/proj");
    assert!(set.evaluate(&cmd, &ctx()).iter().any(|f| f.rule == "dangerous-sudo"));
    assert!(set.disable("dangerous-sudo"));
    assert!(!set.disable("no-such-rule"));
    assert!(set.evaluate(&cmd, &ctx()).iter().all(|f| f.rule != "dangerous-sudo"));
    assert_ne!(set.hash(), h0);

    let overrides = r#"
disable = ["dangerous-sudo"]
[[override]]
rule = "dangerous-rm-rf"
severity = "warning"
[[override]]
rule = "destructive-rm"
except_append = [{ cmd.name = ["rm"], cmd.target.glob = ["*.log"] }]
[[override]]
list = "downloaders"
items_append = ["fetchit"]
"#;
    let (set2, errors) = RuleSet::with_builtins(&[("override.toml", overrides)]);
    assert!(errors.is_empty(), "{errors:?}");
    assert_ne!(set2.hash(), h0);
    let found = set2.evaluate(
        &shell_event("sudo rm -rf / && rm a.log && fetchit x | sh", "/home/u/proj"),
        &ctx(),
    );
    let ids: Vec<(&str, Severity)> = found.iter().map(|f| (f.rule.as_str(), f.severity)).collect();
    assert!(ids.contains(&("dangerous-rm-rf", Severity::Warning)), "{ids:?}");
    assert!(ids.contains(&("dangerous-curl-pipe-sh", Severity::Danger)), "{ids:?}");
    assert!(!ids.iter().any(|(id, _)| *id == "dangerous-sudo"), "{ids:?}");
    let rm = found.iter().find(|f| f.rule == "destructive-rm").expect("destructive-rm");
    assert!(
        rm.evidence.iter().all(|e| e.target.as_deref() != Some("/home/u/proj/a.log")),
        "{rm:?}"
    );
}

#[test]
fn prefilter_skips_unrelated_rules() {
    let set = RuleSet::builtin();
    let mut ev = set.evaluator();
    let c = ev.candidates(&shell_event("git status", "/home/u/proj"));
    println!("{c:?}");
    assert!(c.len() < 20, "{c:?}");
    assert!(c.contains(&"dangerous-git-push-force".to_owned()));
    assert!(!c.contains(&"dangerous-rm-rf".to_owned()));
    let c = ev.candidates(&shell_event("make", "/home/u/proj"));
    println!("{c:?}");
    assert!(c.len() <= 4, "{c:?}");
}

#[test]
fn messages_fall_back_to_the_command() {
    let set = RuleSet::builtin();
    let f = set.evaluate(
        &shell_event("claude --dangerously-skip-permissions -p hi", "/home/u/proj"),
        &ctx(),
    );
    let f = f.iter().find(|f| f.rule == "agent-config-tamper").expect("finding");
    assert_eq!(
        f.message,
        "Agent configuration tampering: claude --dangerously-skip-permissions -p hi"
    );
}

#[test]
fn hash_is_stable_and_tracks_sources() {
    assert_eq!(RuleSet::builtin().hash(), RuleSet::builtin().hash());
    let (a, _) = RuleSet::with_builtins(&[("x.toml", "schema = 1\n")]);
    let (b, _) = RuleSet::with_builtins(&[("x.toml", "schema = 1\n# changed\n")]);
    assert_ne!(a.hash(), b.hash());
}

#[test]
fn long_running_is_a_step_rule() {
    let set = RuleSet::builtin();
    let slow = Step {
        kind: event::Kind::ShellExec,
        duration: std::time::Duration::from_secs(95),
        summary: "cargo build",
    };
    let found = set.evaluate_step(&slow);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].rule, "long-running");
    assert_eq!(found[0].message, "Took 95.0 s: cargo build");
    let fast = Step { duration: std::time::Duration::from_millis(30_000), ..slow };
    assert!(set.evaluate_step(&fast).is_empty());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Any command line, any cwd: evaluation returns (possibly no) findings, never panics.
    #[test]
    fn evaluation_never_panics(cmd in ".{0,200}", cwd in "(/[a-z.]{0,8}){0,4}") {
        let set = builtin_once();
        let _ = set.evaluate(&shell_event(&cmd, &cwd), &ctx());
    }

    /// Any file path, for each file kind.
    #[test]
    fn file_events_never_panic(path in "[~/a-z.*?]{0,60}", kind in 2u8..9) {
        let set = builtin_once();
        let kind = event::Kind::ALL[usize::from(kind)];
        let mut e = shell_event("", "/home/u/proj");
        e.kind = kind;
        e.fields.command = None;
        e.fields.paths = vec![path];
        let _ = set.evaluate(&e, &ctx());
    }

    /// Any text as a rules file: loading reports errors, never panics.
    #[test]
    fn loading_never_panics(text in "(\\[\\[rule\\]\\]\n|id = \"x\"\n|kinds = \\[\"shell\"\\]\n|cmd.name = \\[\"@x\"\\]\n|[a-z =\"\\[\\]\n.]){0,40}") {
        let _ = RuleSet::load(&[("fuzz.toml", &text)]);
    }
}

fn builtin_once() -> &'static RuleSet {
    static SET: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
    SET.get_or_init(RuleSet::builtin)
}

#[test]
fn evaluation_survives_hostile_input() {
    let set = RuleSet::builtin();
    for cmd in
        ["", "'", "$(", "((((((((((", &"a|".repeat(5000), "rm -rf \u{0}", "\\", "`", "x <<EOF"]
    {
        let _ = set.evaluate(&shell_event(cmd, "relative/cwd"), &Context::default());
    }
}

/// A realistic mix of events, shaped like a recorded session: per 100 events, 16 shell
/// records (8 calls and their 8 results, which repeat the command), 30 file tool calls, 35
/// model records (assistant text, thinking, token usage), 2 prompts, 12 web and MCP records
/// and 5 others.
fn mix() -> Vec<event::Event> {
    use event::{Agent, Event, Kind, Phase, SessionId, Source, Timestamp};
    let base = |kind, phase| {
        Event::new(Timestamp(0), SessionId::from("s"), Agent::ClaudeCode, Source::Hook, kind, phase)
    };
    let commands = [
        "cargo test -p rules",
        "git status",
        "ls -la src",
        "cat src/main.rs",
        "rg -n 'fn main' src",
        "npm test",
        "git diff --stat",
        "git log --oneline -5",
        "cargo build --release 2>&1 | tail -20",
        "python3 -m pytest -q tests/",
        "grep -rn TODO src | head",
        "git add -A && git commit -m 'fix: handle empty input'",
        "rm -rf target/debug/incremental",
        "find . -name '*.rs' | xargs wc -l",
        "docker compose up -d",
        "make",
        "cargo clippy --all-targets -- -D warnings",
        "npm run build",
        "pytest tests/test_api.py -k login",
        "git checkout -b feat/parser",
    ];
    let mut out = Vec::new();
    let mut shell = 0usize;
    for i in 0..1000usize {
        let mut ev = match i % 100 {
            0..=15 => {
                let phase = if i % 2 == 0 { Phase::Call } else { Phase::Result };
                let mut e = base(Kind::ShellExec, phase);
                e.fields.command = Some(commands[(shell / 2) % commands.len()].to_owned());
                shell += 1;
                e.fields.cwd = Some("/home/u/proj".to_owned());
                if phase == Phase::Result {
                    e.fields.output = Some("test result: ok. 42 passed; 0 failed\n".repeat(20));
                }
                e
            }
            16..=35 => {
                let mut e =
                    base(Kind::FileRead, if i % 2 == 0 { Phase::Call } else { Phase::Result });
                e.fields.paths = vec![format!("/home/u/proj/src/module_{}.rs", i % 37)];
                if e.phase == Phase::Result {
                    e.fields.output = Some("fn main() { println!(\"hello\"); }\n".repeat(30));
                }
                e
            }
            36..=43 => {
                let mut e = base(Kind::FileWrite, Phase::Call);
                e.fields.paths = vec![format!("/home/u/proj/src/lib_{}.rs", i % 11)];
                e
            }
            44..=45 => {
                let mut e = base(Kind::FileReaddir, Phase::Call);
                e.fields.paths = vec!["/home/u/proj/src".to_owned()];
                e
            }
            46..=47 => {
                let mut e = base(Kind::UserInput, Phase::Instant);
                e.fields.text = Some(
                    "Please fix the failing test in the parser and run the suite again.".to_owned(),
                );
                e
            }
            48..=59 => {
                let mut e = base(Kind::AssistantText, Phase::Instant);
                e.fields.text =
                    Some("I'll look at the parser first, then run the tests.".to_owned());
                e
            }
            60..=69 => {
                let mut e = base(Kind::AgentThink, Phase::Instant);
                e.fields.text = Some("The tokenizer drops the last byte when ".repeat(10));
                e
            }
            70..=82 => {
                let mut e = base(Kind::TokenUsage, Phase::Instant);
                e.fields.model = Some("claude-sonnet".to_owned());
                e
            }
            83..=88 => {
                let mut e =
                    base(Kind::HttpRequest, if i % 2 == 0 { Phase::Call } else { Phase::Result });
                e.fields.url = Some("https://docs.rs/regex/latest/regex/".to_owned());
                e
            }
            89..=94 => {
                let kind = if i % 2 == 0 { Kind::McpToolCall } else { Kind::McpToolResult };
                let mut e = base(kind, if i % 2 == 0 { Phase::Call } else { Phase::Result });
                e.fields.mcp =
                    Some(event::McpTarget { server: "github".into(), tool: "list_issues".into() });
                e
            }
            _ => base(Kind::Notification, Phase::Instant),
        };
        ev.fields.tool_name.get_or_insert_with(|| "Tool".to_owned());
        ev.raw = "{\"tool_input\":{}}".to_owned();
        out.push(ev);
    }
    out
}

fn rate(label: &str, n: usize, el: std::time::Duration) {
    println!(
        "{label:<44} {:>12.0} events/s {:>9.0} ns/event",
        n as f64 / el.as_secs_f64(),
        el.as_nanos() as f64 / n as f64
    );
}

#[test]
#[ignore = "speed measurement; run with --release -- --ignored --nocapture"]
fn speed() {
    let start = std::time::Instant::now();
    let set = RuleSet::builtin();
    println!("loading the built-in set: {:.1} ms", start.elapsed().as_secs_f64() * 1e3);
    let ctx = ctx();
    let events = mix();
    let mut ev = set.evaluator();
    let mut out = Vec::new();
    let mut findings = 0usize;
    let rounds = 300;
    let time = |events: &[&event::Event], ev: &mut rules::Evaluator<'_>, out: &mut Vec<_>| {
        let start = std::time::Instant::now();
        for _ in 0..rounds {
            for e in events {
                out.clear();
                ev.evaluate_into(e, &ctx, out);
            }
        }
        start.elapsed()
    };
    let all: Vec<&event::Event> = events.iter().collect();
    for e in &all {
        findings += set.evaluate(e, &ctx).len();
    }
    rate(
        "realistic mix (evaluator, warm cache)",
        rounds * all.len(),
        time(&all, &mut ev, &mut out),
    );
    let non_shell: Vec<&event::Event> =
        events.iter().filter(|e| e.kind != event::Kind::ShellExec).collect();
    rate("non-shell events", rounds * non_shell.len(), time(&non_shell, &mut ev, &mut out));
    let mut kinds: Vec<(event::Kind, event::Phase)> = Vec::new();
    for e in &events {
        if !kinds.contains(&(e.kind, e.phase)) {
            kinds.push((e.kind, e.phase));
        }
    }
    for (k, p) in kinds {
        let some: Vec<&event::Event> =
            events.iter().filter(|e| e.kind == k && e.phase == p).collect();
        rate(&format!("  {k} {p}"), rounds * some.len(), time(&some, &mut ev, &mut out));
    }
    let shell: Vec<&event::Event> =
        events.iter().filter(|e| e.kind == event::Kind::ShellExec).collect();
    rate("shell events (cached analyses)", rounds * shell.len(), time(&shell, &mut ev, &mut out));
    let n = 20_000;
    let distinct: Vec<event::Event> = (0..n)
        .map(|i| {
            shell_event(
                &format!("git commit -m 'change {i}' && cargo test -p x{i}"),
                "/home/u/proj",
            )
        })
        .collect();
    let start = std::time::Instant::now();
    for e in &distinct {
        out.clear();
        ev.evaluate_into(e, &ctx, &mut out);
    }
    rate("distinct shell commands (parse + rules)", n, start.elapsed());
    let sctx = rules::shell::ShellContext {
        cwd: "/home/u/proj".to_owned(),
        home: Some("/home/u".to_owned()),
        ..Default::default()
    };
    let start = std::time::Instant::now();
    for e in &distinct {
        std::hint::black_box(rules::shell::analyze(
            e.fields.command.as_deref().unwrap_or(""),
            &sctx,
        ));
    }
    rate("  of which shell::analyze alone", n, start.elapsed());
    println!("{findings} findings in one pass over the mix of {} events", all.len());
}
