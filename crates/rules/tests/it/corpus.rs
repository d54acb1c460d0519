//! The detection corpus (`tests/corpus/*.txt`, format in its README): every labeled case is
//! evaluated with the built-in rules; precision and recall are printed per rule, and the test
//! fails when a TraceLog rule falls below 0.95 on either, or a catalog rule below 0.9.

use std::collections::BTreeMap;
use std::time::Duration;

use event::{Agent, Event, Kind, Phase, SessionId, Source, Timestamp};
use rules::{Context, RuleSet, Severity, Step, shell_event};

/// One labeled case.
struct Case {
    file: String,
    line: usize,
    positive: bool,
    rule: String,
    severity: Option<Severity>,
    input: String,
}

fn parse(file: &str, text: &str) -> Vec<Case> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (label, input) = line
            .split_once("  ")
            .or_else(|| line.split_once('\t'))
            .unwrap_or_else(|| panic!("{file}:{}: no input after the label", i + 1));
        let positive = label.starts_with('+');
        assert!(
            positive || label.starts_with('-'),
            "{file}:{}: label must start with + or -",
            i + 1
        );
        let label = &label[1..];
        let (rule, severity) = match label.split_once(':') {
            Some((r, s)) => (
                r,
                Some(match s {
                    "info" => Severity::Info,
                    "warning" => Severity::Warning,
                    "danger" => Severity::Danger,
                    other => panic!("{file}:{}: unknown severity {other}", i + 1),
                }),
            ),
            None => (label, None),
        };
        out.push(Case {
            file: file.to_owned(),
            line: i + 1,
            positive,
            rule: rule.to_owned(),
            severity,
            input: input.trim_start().replace("\\n", "\n").replace("\\t", "\t"),
        });
    }
    out
}

fn event(kind: Kind, phase: Phase) -> Event {
    Event::new(
        Timestamp(0),
        SessionId::from("corpus"),
        Agent::ClaudeCode,
        Source::Hook,
        kind,
        phase,
    )
}

/// The severity the rule gives the case's input, if it fires.
fn run(set: &RuleSet, ctx: &Context, case: &Case) -> Option<Severity> {
    let input = case.input.as_str();
    let findings = if let Some(rest) = input.strip_prefix("@step ") {
        let (ms, summary) = rest.split_once(' ').unwrap_or((rest, ""));
        let ms: u64 = ms.parse().expect("step duration");
        set.evaluate_step(&Step {
            kind: Kind::ShellExec,
            duration: Duration::from_millis(ms),
            summary,
        })
    } else if let Some(rest) = input.strip_prefix('@') {
        let (what, arg) = rest.split_once(' ').unwrap_or((rest, ""));
        let ev = match what {
            "url" => {
                let mut e = event(Kind::HttpRequest, Phase::Call);
                e.fields.url = Some(arg.to_owned());
                e
            }
            "prompt" => {
                let mut e = event(Kind::UserInput, Phase::Instant);
                e.fields.text = Some(arg.to_owned());
                e
            }
            "output" => {
                let mut e = event(Kind::FileRead, Phase::Result);
                e.fields.paths = vec!["/home/u/proj/notes.txt".to_owned()];
                e.fields.output = Some(arg.to_owned());
                e
            }
            kind => {
                let kind = match kind {
                    "file_read" => Kind::FileRead,
                    "file_write" => Kind::FileWrite,
                    "file_delete" => Kind::FileDelete,
                    other => panic!("{}:{}: unknown event {other}", case.file, case.line),
                };
                let mut e = event(kind, Phase::Call);
                e.fields.paths = vec![arg.to_owned()];
                e.fields.cwd = Some("/home/u/proj".to_owned());
                e
            }
        };
        set.evaluate(&ev, ctx)
    } else {
        set.evaluate(&shell_event(input, "/home/u/proj"), ctx)
    };
    findings.into_iter().find(|f| f.rule == case.rule).map(|f| f.severity)
}

#[derive(Default)]
struct Score {
    tp: usize,
    fp: usize,
    fn_: usize,
    tn: usize,
}

impl Score {
    fn precision(&self) -> f64 {
        if self.tp + self.fp == 0 { 1.0 } else { self.tp as f64 / (self.tp + self.fp) as f64 }
    }
    fn recall(&self) -> f64 {
        if self.tp + self.fn_ == 0 { 1.0 } else { self.tp as f64 / (self.tp + self.fn_) as f64 }
    }
}

#[test]
fn corpus_precision_and_recall() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("corpus file");
        cases.extend(parse(&f.file_name().expect("name").to_string_lossy(), &text));
    }
    assert!(cases.len() >= 400, "{} cases", cases.len());
    let set = RuleSet::builtin();
    let known: Vec<String> = set.rules().map(|r| r.id.to_owned()).collect();
    let mut ctx = Context::new("/home/u/proj", Some("/home/u"));
    ctx.tmp_dirs = vec!["/var/folders/xy/T".to_owned()];
    let mut scores: BTreeMap<String, Score> = BTreeMap::new();
    let mut misses = Vec::new();
    for case in &cases {
        assert!(
            known.contains(&case.rule),
            "{}:{}: unknown rule {}",
            case.file,
            case.line,
            case.rule
        );
        let got = run(&set, &ctx, case);
        let s = scores.entry(case.rule.clone()).or_default();
        let hit = got.is_some() && (case.severity.is_none() || got == case.severity);
        match (case.positive, got.is_some(), hit) {
            (true, _, true) => s.tp += 1,
            (true, true, false) => {
                // Fired with the wrong severity: a miss of the labeled severity and a false alarm.
                s.fn_ += 1;
                s.fp += 1;
            }
            (true, false, _) => s.fn_ += 1,
            (false, true, _) => s.fp += 1,
            (false, false, _) => s.tn += 1,
        }
        if case.positive != hit || (!case.positive && got.is_some()) {
            misses.push(format!(
                "{}:{}: {}{} expected {}, got {:?}: {:?}",
                case.file,
                case.line,
                if case.positive { "+" } else { "-" },
                case.rule,
                if case.positive {
                    case.severity.map_or("a match".to_owned(), |s| s.to_string())
                } else {
                    "no match".to_owned()
                },
                got,
                case.input
            ));
        }
    }
    println!(
        "{:<40} {:>4} {:>4} {:>4} {:>4} {:>9} {:>7}",
        "rule", "tp", "fp", "fn", "tn", "precision", "recall"
    );
    let mut failing = Vec::new();
    for (rule, s) in &scores {
        println!(
            "{rule:<40} {:>4} {:>4} {:>4} {:>4} {:>9.3} {:>7.3}",
            s.tp,
            s.fp,
            s.fn_,
            s.tn,
            s.precision(),
            s.recall()
        );
        let bar = if crate::TRACELOG_IDS.contains(&rule.as_str()) { 0.95 } else { 0.9 };
        if s.precision() < bar || s.recall() < bar {
            failing.push(rule.clone());
        }
    }
    println!("{} cases; misses:\n{}", cases.len(), misses.join("\n"));
    for id in crate::TRACELOG_IDS {
        assert!(scores.contains_key(*id), "no corpus cases for {id}");
    }
    assert!(failing.is_empty(), "below the bar: {failing:?}\n{}", misses.join("\n"));
}
