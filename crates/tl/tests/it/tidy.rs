//! Tidy: the workspace's structural invariants, checked on every test run (in the spirit of
//! rust-analyzer's `tidy.rs`). The dependency direction of DESIGN.md §2, `//!` docs on every
//! source file, `unsafe` only in the wal's mmap module, `anyhow` only in the binary, and a pure
//! rules crate.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// The workspace crates each crate may depend on (normal dependencies).
const ALLOWED_EDGES: &[(&str, &[&str])] = &[
    ("event", &[]),
    ("wal", &[]),
    ("capture", &["event"]),
    ("rules", &["event"]),
    ("index", &["event", "wal"]),
    ("tl", &["event", "wal", "capture", "rules", "index"]),
];

/// External crates the pure rules crate may use: nothing that does IO, threads or clocks.
const RULES_MAY_USE: &[&str] =
    &["event", "brush-parser", "regex", "aho-corasick", "memchr", "serde", "toml", "thiserror"];

fn dependencies(manifest: &Path, table: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(manifest).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    doc.get(table)
        .and_then(|t| t.as_table())
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn crates_depend_only_in_the_designed_direction() {
    let workspace: BTreeSet<&str> = ALLOWED_EDGES.iter().map(|(c, _)| *c).collect();
    for (krate, allowed) in ALLOWED_EDGES {
        let manifest = root().join("crates").join(krate).join("Cargo.toml");
        let deps = dependencies(&manifest, "dependencies");
        for dep in deps.iter().filter(|d| workspace.contains(d.as_str())) {
            assert!(
                allowed.contains(&dep.as_str()),
                "crate `{krate}` must not depend on `{dep}` (DESIGN.md §2)"
            );
        }
    }
    let rules = dependencies(&root().join("crates/rules/Cargo.toml"), "dependencies");
    for dep in &rules {
        assert!(RULES_MAY_USE.contains(&dep.as_str()), "rules is pure; `{dep}` is not allowed");
    }
    for krate in ["event", "wal", "capture", "rules", "index"] {
        let deps =
            dependencies(&root().join("crates").join(krate).join("Cargo.toml"), "dependencies");
        for only_tl in ["anyhow", "clap", "tokio", "axum"] {
            assert!(
                !deps.contains(only_tl),
                "`{only_tl}` belongs in the tl binary, not in `{krate}`"
            );
        }
    }
}

fn rust_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> =
        ["crates", "benches", "fuzz/fuzz_targets"].iter().map(|d| root().join(d)).collect();
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if path.is_dir() {
                if !matches!(name.as_str(), "target" | "fixtures" | "corpus" | "artifacts") {
                    stack.push(path);
                }
            } else if name.ends_with(".rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    assert!(out.len() > 20, "found the sources");
    out
}

#[test]
fn every_source_file_says_what_it_is_for() {
    let missing: Vec<_> = rust_files()
        .into_iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            !text.lines().find(|l| !l.trim().is_empty()).is_some_and(|l| l.starts_with("//!"))
        })
        .collect();
    assert!(missing.is_empty(), "files without a leading //! doc: {missing:#?}");
}

#[test]
fn unsafe_code_lives_only_in_the_wal_mmap_module() {
    let allowed = root().join("crates/wal/src/mmap.rs");
    let this_file = root().join("crates/tl/tests/it/tidy.rs");
    let offenders: Vec<_> = rust_files()
        .into_iter()
        .filter(|p| *p != allowed && *p != this_file)
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            text.contains("unsafe {")
                || text.contains("unsafe fn")
                || text.contains("allow(unsafe_code)")
        })
        .collect();
    assert!(offenders.is_empty(), "unsafe outside crates/wal/src/mmap.rs: {offenders:#?}");
    let mmap = std::fs::read_to_string(&allowed).unwrap();
    let blocks = mmap.matches("unsafe {").count();
    let safety = mmap.matches("// SAFETY:").count();
    assert!(blocks > 0 && safety >= blocks, "every unsafe block has a SAFETY comment");
}

#[test]
fn the_rules_crate_does_no_io() {
    let forbidden = [
        "std::fs",
        "std::net",
        "std::env",
        "std::process",
        "SystemTime::now",
        "Instant::now",
        "std::thread",
    ];
    for path in rust_files().into_iter().filter(|p| p.starts_with(root().join("crates/rules/src")))
    {
        let text = std::fs::read_to_string(&path).unwrap();
        for f in forbidden {
            assert!(!text.contains(f), "{} uses {f}; rules is pure (DESIGN.md §2)", path.display());
        }
    }
}
