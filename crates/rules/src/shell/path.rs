//! Lexical path handling: normalisation (`.`, `..`, `//`) and target classification.
//!
//! Nothing here touches the file system: symlinks are not followed and paths are compared as
//! strings, component by component.

use super::{ShellContext, Target, TargetClass, Word};

/// Directory names that hold regenerable build output or caches.
const BUILD_DIRS: &[&str] = &[
    "node_modules",
    "target",
    "build",
    "dist",
    "out",
    ".next",
    ".nuxt",
    "__pycache__",
    ".venv",
    "venv",
    "coverage",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".tox",
    ".gradle",
    ".turbo",
    ".parcel-cache",
    ".cache",
    ".svelte-kit",
    "_build",
    ".dart_tool",
];

/// Top-level directories that belong to the operating system.
const SYSTEM_DIRS: &[&str] = &[
    "/etc",
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/boot",
    "/var",
    "/opt",
    "/dev",
    "/proc",
    "/sys",
    "/run",
    "/srv",
    "/root",
    "/snap",
    "/nix",
    "/mnt",
    "/media",
    "/home",
    "/Users",
    "/System",
    "/Library",
    "/Applications",
    "/Volumes",
    "/private",
    "/cores",
];

/// Directories that are scratch space whatever the context says.
const TMP_DIRS: &[&str] = &["/tmp", "/var/tmp", "/private/tmp", "/private/var/tmp", "/dev/shm"];

/// Normalises a path lexically: collapses `//`, drops `.`, and resolves `..` against the
/// preceding component (`..` at the root stays at the root). Relative paths stay relative,
/// keeping leading `..` components. The empty path becomes `.`.
pub fn normalize(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for comp in path.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".to_owned()
    } else {
        joined
    }
}

/// Joins `path` onto `base` (when relative) and normalises the result.
pub fn resolve(base: &str, path: &str) -> String {
    if path.starts_with('/') { normalize(path) } else { normalize(&format!("{base}/{path}")) }
}

/// True when `path` is `dir` or lies below it (both normalised, absolute).
pub fn is_within(path: &str, dir: &str) -> bool {
    if dir == "/" {
        return path.starts_with('/');
    }
    path == dir || (path.starts_with(dir) && path.as_bytes().get(dir.len()) == Some(&b'/'))
}

/// True when a character makes an unquoted word a glob pattern.
pub(crate) fn is_glob_char(c: char) -> bool {
    matches!(c, '*' | '?' | '[')
}

/// True for a last path component that matches (nearly) everything in its directory.
fn is_match_all(component: &str) -> bool {
    matches!(component, "*" | ".*" | "*.*" | "**" | ".??*" | ".[!.]*" | ".[^.]*" | "?*" | "*?")
        || (!component.is_empty() && component.chars().all(|c| matches!(c, '*' | '?')))
}

/// Classifies one operand (already resolved to text) against the context.
///
/// `cwd` is the effective working directory of the command, or `None` when a `cd` to an
/// unknown place happened earlier in the command line.
pub fn classify(word: &Word, cwd: Option<&str>, ctx: &ShellContext) -> Target {
    let text = word.text.as_str();
    if word.dynamic || text.is_empty() {
        return Target { text: text.to_owned(), path: None, class: TargetClass::Dynamic };
    }
    if is_remote_operand(text) {
        return Target { text: text.to_owned(), path: None, class: TargetClass::Remote };
    }
    let absolute = if text.starts_with('/') {
        normalize(text)
    } else {
        match cwd {
            Some(cwd) => resolve(cwd, text),
            None => {
                return Target { text: text.to_owned(), path: None, class: TargetClass::Dynamic };
            }
        }
    };
    let class =
        if word.glob { classify_glob(&absolute, ctx) } else { classify_path(&absolute, ctx) };
    Target { text: text.to_owned(), path: Some(absolute), class }
}

/// `host:path`, `user@host:path` and `scheme://…` operands name another machine.
fn is_remote_operand(text: &str) -> bool {
    if text.contains("://") {
        return true;
    }
    match text.find(':') {
        Some(colon) => {
            let host = &text[..colon];
            !host.is_empty()
                && !host.contains('/')
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'))
                && host.chars().any(|c| c.is_ascii_alphabetic())
        }
        None => false,
    }
}

/// Classification of a glob: by the directory that holds the first wildcard component.
fn classify_glob(absolute: &str, ctx: &ShellContext) -> TargetClass {
    let comps: Vec<&str> = absolute.split('/').collect();
    let Some(first_glob) = comps.iter().position(|c| c.chars().any(is_glob_char)) else {
        return classify_path(absolute, ctx);
    };
    let prefix = {
        let joined = comps[..first_glob].join("/");
        if joined.is_empty() { "/".to_owned() } else { joined }
    };
    let glob_comp = comps.get(first_glob).copied().unwrap_or("");
    let prefix_class = classify_path(&prefix, ctx);
    let last = first_glob + 1 == comps.len();
    match prefix_class {
        TargetClass::Root | TargetClass::Home => TargetClass::GlobAll,
        TargetClass::System if last && is_match_all(glob_comp) => TargetClass::GlobAll,
        TargetClass::Workspace if last && is_match_all(glob_comp) => {
            // `rm -rf *` in the workspace: every file of the directory, but still inside.
            TargetClass::GlobAll
        }
        other => other,
    }
}

fn home_of(ctx: &ShellContext) -> Option<String> {
    ctx.home.as_deref().map(normalize)
}

fn workspace_of(ctx: &ShellContext) -> Option<String> {
    match ctx.workspace_root.as_deref() {
        Some(root) => Some(normalize(root)),
        None if ctx.cwd.starts_with('/') => Some(normalize(&ctx.cwd)),
        None => None,
    }
}

/// Classification of a normalised absolute path without wildcards.
pub fn classify_path(absolute: &str, ctx: &ShellContext) -> TargetClass {
    if absolute == "/" {
        return TargetClass::Root;
    }
    let home = home_of(ctx);
    if home.as_deref() == Some(absolute) {
        return TargetClass::Home;
    }
    if let Some(ws) = workspace_of(ctx)
        && ws != "/"
        && is_within(absolute, &ws)
    {
        let rel = absolute.get(ws.len()..).unwrap_or("");
        if rel.split('/').any(|c| BUILD_DIRS.contains(&c)) {
            return TargetClass::BuildDir;
        }
        return TargetClass::Workspace;
    }
    let tmp_hit = TMP_DIRS.iter().any(|t| is_within(absolute, t))
        || ctx.tmp_dirs.iter().map(|t| normalize(t)).any(|t| t != "/" && is_within(absolute, &t));
    if tmp_hit {
        return TargetClass::Tmp;
    }
    if let Some(h) = &home
        && h != "/"
        && is_within(absolute, h)
    {
        return TargetClass::OutsideWorkspace;
    }
    if SYSTEM_DIRS.iter().any(|s| is_within(absolute, s)) {
        return TargetClass::System;
    }
    TargetClass::OutsideWorkspace
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_lexically() {
        for (input, want) in [
            ("/", "/"),
            ("//usr//bin/", "/usr/bin"),
            ("/a/./b/../c", "/a/c"),
            ("/../..", "/"),
            ("a/../../b", "../b"),
            ("./", "."),
            ("", "."),
            ("../x/..", ".."),
        ] {
            assert_eq!(normalize(input), want, "{input}");
        }
    }

    #[test]
    fn within_is_component_wise() {
        assert!(is_within("/tmp/x", "/tmp"));
        assert!(is_within("/tmp", "/tmp"));
        assert!(!is_within("/tmpfoo", "/tmp"));
        assert!(is_within("/x", "/"));
    }
}
