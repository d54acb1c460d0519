//! Writes `builtin_index.rs`, the index [`super::screen`] chooses built-in rules from: where
//! each list, macro and rule is in `builtin/*.toml`, and what each rule's blocks need.
//!
//! The files are cut at their `[[list]]`, `[[macro]]` and `[[rule]]` header lines; a rule's
//! `[[rule.when]]`/`[[rule.except]]` tables stay with it and its `[[rule.test]]` tables are
//! left out (only `tl rules test` runs them). Any other header stops the generator, so a new
//! form in the files cannot be cut wrongly without notice. Dependencies on lists and macros are
//! found textually (`"@list"`, `"macro"` as quoted strings): a superset, which is safe.
//!
//! The integration test `select::builtin_index_is_fresh` regenerates the file and fails when it
//! changed, so the index cannot drift from the rules.

use std::fmt::Write as _;

use crate::RuleSet;
use crate::compile::Block;
use crate::load::BUILTIN_SOURCES;

/// A top-level item of a built-in file.
struct Found {
    what: &'static str,
    id: String,
    file: usize,
    /// Byte ranges of the item's text (for rules, without test tables).
    pieces: Vec<(usize, usize)>,
    first_line: usize,
}

impl Found {
    fn text(&self) -> String {
        let src = BUILTIN_SOURCES.get(self.file).map_or("", |(_, t)| t);
        self.pieces.iter().filter_map(|(s, e)| src.get(*s..*e)).collect()
    }
}

/// Cuts one file into items.
fn scan(file: usize, name: &str, text: &str) -> Vec<Found> {
    let mut items: Vec<Found> = Vec::new();
    // Sections of the current item: (start, skipped).
    let mut offset = 0;
    let mut in_test = false;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let header = line.trim_end();
        if header.starts_with('[') {
            let top = match header {
                "[[list]]" => Some("list"),
                "[[macro]]" => Some("macro"),
                "[[rule]]" => Some("rule"),
                "[[rule.when]]" | "[[rule.except]]" | "[[rule.test]]" => None,
                other => {
                    panic!("{name}:{}: header {other} is not known to the index generator", n + 1)
                }
            };
            if let Some(what) = top {
                items.push(Found {
                    what,
                    id: String::new(),
                    file,
                    pieces: vec![(start, start)],
                    first_line: n + 1,
                });
                in_test = false;
            } else {
                assert!(!items.is_empty(), "{name}:{}: {header} outside a rule", n + 1);
                let was_test = in_test;
                in_test = header == "[[rule.test]]";
                if let Some(item) = items.last_mut()
                    && was_test
                    && !in_test
                {
                    item.pieces.push((start, start));
                }
            }
        } else if items.is_empty() {
            let t = header.trim();
            assert!(
                t.is_empty() || t.starts_with('#') || t == "schema = 1",
                "{name}:{}: only comments and `schema = 1` may precede the first item",
                n + 1
            );
            continue;
        }
        if !in_test && let Some(last) = items.last_mut().and_then(|i| i.pieces.last_mut()) {
            last.1 = offset;
        }
    }
    for item in &mut items {
        item.pieces.retain(|(s, e)| s < e);
        let table: toml::Table = toml::from_str(&item.text()).unwrap_or_else(|e| {
            panic!("{name}:{}: {} does not parse alone: {e}", item.first_line, item.what)
        });
        item.id = table
            .get(item.what)
            .and_then(|v| v.as_array())
            .and_then(|a| a.first())
            .and_then(|v| v.get("id"))
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("{name}:{}: no id", item.first_line))
            .to_owned();
    }
    items
}

/// The Rust source of `builtin_index.rs`.
#[doc(hidden)]
pub fn builtin_index_source() -> String {
    let mut found = Vec::new();
    for (file, (name, text)) in BUILTIN_SOURCES.iter().enumerate() {
        found.extend(scan(file, name, text));
    }
    let of = |what: &str| found.iter().filter(|f| f.what == what).collect::<Vec<_>>();
    let (lists, macros, rules) = (of("list"), of("macro"), of("rule"));
    let uses = |text: &str| -> (Vec<usize>, Vec<usize>) {
        let l = (0..lists.len())
            .filter(|&i| lists.get(i).is_some_and(|l| text.contains(&format!("\"@{}\"", l.id))))
            .collect();
        let m = (0..macros.len())
            .filter(|&i| macros.get(i).is_some_and(|m| text.contains(&format!("\"{}\"", m.id))))
            .collect();
        (l, m)
    };
    // Macro dependencies, closed transitively (macros may use macros).
    let mut macro_deps: Vec<(Vec<usize>, Vec<usize>)> = macros
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let (l, mut ms) = uses(&m.text());
            ms.retain(|&x| x != i);
            (l, ms)
        })
        .collect();
    loop {
        let mut grew = false;
        for i in 0..macro_deps.len() {
            let used = macro_deps.get(i).map(|d| d.1.clone()).unwrap_or_default();
            for m in used {
                let (l2, m2) = macro_deps.get(m).cloned().unwrap_or_default();
                if let Some((l, ms)) = macro_deps.get_mut(i) {
                    for x in l2 {
                        if !l.contains(&x) {
                            l.push(x);
                            grew = true;
                        }
                    }
                    for x in m2 {
                        if !ms.contains(&x) {
                            ms.push(x);
                            grew = true;
                        }
                    }
                }
            }
        }
        if !grew {
            break;
        }
    }
    let closed = |(mut l, mut m): (Vec<usize>, Vec<usize>)| {
        for i in m.clone() {
            let (l2, m2) = macro_deps.get(i).cloned().unwrap_or_default();
            l.extend(l2);
            m.extend(m2);
        }
        l.sort_unstable();
        l.dedup();
        m.sort_unstable();
        m.dedup();
        (l, m)
    };

    let (set, errors) = RuleSet::load(BUILTIN_SOURCES);
    assert!(errors.is_empty(), "built-ins do not load: {errors:?}");
    let compiled = set.compiled();
    assert_eq!(compiled.len(), rules.len(), "every [[rule]] header is one rule");

    let mut out = String::new();
    out.push_str(
        "//! The index of the built-in rules that `select::screen` chooses from. Generated from\n\
         //! `builtin/*.toml` by `select::generate` (`cargo test -p rules --test it select`\n\
         //! rewrites it when it is stale): do not edit.\n\n\
         use super::{IndexedBlock as B, IndexedRule as R, Item};\n\
         use crate::Severity::{Danger, Info, Warning};\n\n",
    );
    let item = |out: &mut String, f: &Found, (l, m): (Vec<usize>, Vec<usize>)| {
        let (s, e) = f.pieces.first().copied().unwrap_or_default();
        let _ = writeln!(
            out,
            "    Item {{ id: {:?}, file: {}, start: {s}, end: {e}, first_line: {}, lists: &{l:?}, macros: &{m:?} }},",
            f.id, f.file, f.first_line
        );
    };
    out.push_str("pub(super) static LISTS: &[Item] = &[\n");
    for l in &lists {
        assert_eq!(l.pieces.len(), 1, "a list is one piece");
        item(&mut out, l, (Vec::new(), Vec::new()));
    }
    out.push_str("];\n\npub(super) static MACROS: &[Item] = &[\n");
    for (i, m) in macros.iter().enumerate() {
        assert_eq!(m.pieces.len(), 1, "a macro is one piece");
        item(&mut out, m, closed(macro_deps.get(i).cloned().unwrap_or_default()));
    }
    out.push_str("];\n\npub(super) static RULES: &[R] = &[\n");
    for (f, r) in rules.iter().zip(compiled) {
        assert_eq!(f.id, r.id, "rules in file order");
        let (l, m) = closed(uses(&f.text()));
        let _ = writeln!(
            out,
            "    R {{ id: {:?}, file: {}, pieces: &{:?}, first_line: {}, kinds: {:#x}, step: {}, enabled: {}, severity: {:?}, fallback: {}, lists: &{l:?}, macros: &{m:?}, blocks: &[",
            r.id,
            f.file,
            f.pieces,
            f.first_line,
            r.kinds,
            r.step,
            r.enabled,
            r.severity,
            r.fallback.is_some()
        );
        for b in &r.when {
            let _ = writeln!(out, "        {},", block(b));
        }
        out.push_str("    ] },\n");
    }
    out.push_str("];\n");
    out
}

/// One block as an `IndexedBlock` literal.
fn block(b: &Block) -> String {
    let phases: u8 = b.phase.iter().flatten().map(|p| super::phase_bit(*p)).fold(0, |a, p| a | p);
    let cmd = b.cmd.as_ref();
    let names = match cmd.and_then(|c| c.name.as_ref()) {
        Some(n) => format!("Some((&{:?}, &{:?}))", n.exact, n.prefixes),
        None => "None".to_owned(),
    };
    let subs = match cmd.and_then(|c| c.sub.as_ref()) {
        Some(s) => {
            let paths: Vec<String> = s.iter().map(|p| format!("&{p:?}")).collect();
            format!("Some(&[{}])", paths.join(", "))
        }
        None => "None".to_owned(),
    };
    let literals = match b.literals() {
        Some(mut l) => {
            for x in &mut l {
                x.make_ascii_lowercase();
            }
            l.sort();
            l.dedup();
            format!("Some(&{l:?})")
        }
        None => "None".to_owned(),
    };
    let flags = cmd.map(|c| c.flags_all.clone()).unwrap_or_default();
    let opts: Vec<&str> =
        cmd.map(|c| c.opt.iter().map(|(n, _)| n.as_str()).collect()).unwrap_or_default();
    let targets = match cmd.and_then(|c| c.target.as_ref()).and_then(|t| t.class.as_ref()) {
        Some(classes) => {
            let names: Vec<&str> = classes.iter().map(|c| c.as_str()).collect();
            format!("Some(&{names:?})")
        }
        None => "None".to_owned(),
    };
    let globs: Vec<&str> = cmd
        .and_then(|c| c.target.as_ref())
        .map(|t| t.glob.iter().map(|g| g.source.as_str()).collect())
        .unwrap_or_default();
    let path_globs: Vec<&str> =
        b.path.iter().flat_map(|p| p.glob.iter().map(|g| g.source.as_str())).collect();
    format!(
        "B {{ kinds: {:#x}, severity: {:?}, phases: {phases}, segment: {}, cmd: {}, names: {names}, subs: {subs}, flags: &{flags:?}, opts: &{opts:?}, targets: {targets}, target_globs: &{globs:?}, exe: {}, path_globs: &{path_globs:?}, script: {}, literals: {literals}, step: {} }}",
        b.kinds.unwrap_or(0),
        b.severity,
        b.per_segment(),
        cmd.is_some(),
        cmd.is_some_and(|c| c.exe.is_some()),
        cmd.is_some_and(|c| c.script.is_some()),
        b.duration_ms_over.is_some()
    )
}
