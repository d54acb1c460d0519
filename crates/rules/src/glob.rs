//! Path globs for rules: `*` (within a component), `**` (any number of components), `?`.
//!
//! A pattern without `/` matches the last component (the file name) anywhere; a pattern that
//! starts with `/` is anchored at the root, one that starts with `~/` at the home directory;
//! any other pattern with a `/` matches a run of trailing components (`.github/workflows/*`
//! matches `/p/.github/workflows/ci.yml`). Matching is lexical and case-sensitive.

/// Longest path (bytes) a glob is matched against (Linux `PATH_MAX`).
pub(crate) const MAX_PATH: usize = 4096;

/// A compiled path glob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Glob {
    /// The pattern as written.
    pub source: String,
    anchor: Anchor,
    /// The pattern body (after the anchor), as bytes.
    body: Vec<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Anchor {
    /// Matches the file name only.
    Name,
    /// Matches the whole absolute path.
    Root,
    /// Matches the path relative to the home directory.
    Home,
    /// Matches any trailing run of components.
    Suffix,
}

impl Glob {
    /// Compiles a pattern. Never fails: every string is a pattern.
    pub fn new(pattern: &str) -> Glob {
        let (anchor, body) = if let Some(rest) = pattern.strip_prefix("~/") {
            (Anchor::Home, rest)
        } else if pattern.starts_with('/') {
            (Anchor::Root, pattern)
        } else if pattern.contains('/') {
            (Anchor::Suffix, pattern)
        } else {
            (Anchor::Name, pattern)
        };
        Glob { source: pattern.to_owned(), anchor, body: body.as_bytes().to_vec() }
    }

    /// The longest run of literal characters in the pattern that any matching path must
    /// contain (for the literal pre-filter), if it is at least two bytes long.
    pub fn literal(&self) -> Option<String> {
        let body = String::from_utf8_lossy(&self.body);
        body.split(['*', '?', '/'])
            .max_by_key(|s| s.len())
            .filter(|s| s.len() >= 2)
            .map(str::to_owned)
    }

    /// True when `path` (absolute and normalised, or as given when it could not be resolved)
    /// matches; `home` resolves `~/` patterns. Paths longer than [`MAX_PATH`] never match:
    /// suffix matching is quadratic, and no real path is that long.
    pub fn matches(&self, path: &str, home: Option<&str>) -> bool {
        if path.len() > MAX_PATH {
            return false;
        }
        let p = path.as_bytes();
        match self.anchor {
            Anchor::Name => {
                let name = path.rsplit('/').next().unwrap_or(path);
                glob_match(&self.body, name.as_bytes())
            }
            Anchor::Root => glob_match(&self.body, p),
            Anchor::Home => {
                let Some(home) = home.map(|h| h.trim_end_matches('/')) else { return false };
                match path.strip_prefix(home).and_then(|r| r.strip_prefix('/')) {
                    Some(rest) => glob_match(&self.body, rest.as_bytes()),
                    None => false,
                }
            }
            Anchor::Suffix => {
                if glob_match(&self.body, p) {
                    return true;
                }
                p.iter()
                    .enumerate()
                    .filter(|(_, b)| **b == b'/')
                    .any(|(i, _)| p.get(i + 1..).is_some_and(|rest| glob_match(&self.body, rest)))
            }
        }
    }
}

/// Matches a glob pattern against a whole text. `**` crosses `/`, `*` and `?` do not.
/// `**/` also matches nothing (`a/**/b` matches `a/b`).
fn glob_match(pat: &[u8], text: &[u8]) -> bool {
    // Iterative with backtracking over the last star, one level for `*`, a separate
    // recursion for `**` (patterns are short and hold few of them).
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pat.get(p) {
            Some(b'*') if pat.get(p + 1) == Some(&b'*') => {
                let mut rest = p + 2;
                if pat.get(rest) == Some(&b'/') {
                    rest += 1;
                    // `**/` may match zero components.
                    if glob_match(pat.get(rest..).unwrap_or(&[]), text.get(t..).unwrap_or(&[])) {
                        return true;
                    }
                }
                let tail = pat.get(rest..).unwrap_or(&[]);
                return (t..=text.len()).any(|i| glob_match(tail, text.get(i..).unwrap_or(&[])));
            }
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(b'?') if text.get(t) != Some(&b'/') => {
                p += 1;
                t += 1;
            }
            Some(c) if Some(c) == text.get(t) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) if text.get(st) != Some(&b'/') => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                _ => return false,
            },
        }
    }
    while pat.get(p) == Some(&b'*') {
        p += 1;
    }
    // `dir/**` also matches `dir` itself.
    p == pat.len() || pat.get(p..) == Some(b"/**")
}

#[cfg(test)]
mod tests {
    use super::Glob;

    fn m(p: &str, path: &str) -> bool {
        Glob::new(p).matches(path, Some("/home/u"))
    }

    #[test]
    fn anchors_and_wildcards() {
        assert!(m(".env", "/home/u/proj/.env"));
        assert!(!m(".env", "/home/u/proj/.envrc"));
        assert!(m(".env.*", "/p/.env.production"));
        assert!(m("*.pem", "/p/certs/server.pem"));
        assert!(!m("*.pem", "/p/certs/server.pem.txt"));
        assert!(m("~/.ssh/**", "/home/u/.ssh/id_rsa"));
        assert!(m("~/.ssh/**", "/home/u/.ssh"));
        assert!(!m("~/.ssh/**", "/home/u/proj/.ssh2/x"));
        assert!(m("~/.aws", "/home/u/.aws"));
        assert!(m(".github/workflows/*", "/p/.github/workflows/ci.yml"));
        assert!(!m(".github/workflows/*", "/p/.github/workflows/a/ci.yml"));
        assert!(m(".github/workflows/**", "/p/.github/workflows/a/ci.yml"));
        assert!(m("/etc/**", "/etc/passwd"));
        assert!(m("/etc/sudoers*", "/etc/sudoers.d"));
        assert!(!m("/etc/*", "/etc/a/b"));
        assert!(m("secret?.yml", "/x/secrets.yml"));
        assert!(m("*a*b*c", "/x/aXbYc"));
        assert!(!m("*a*b*c", "/x/aXbY"));
        assert!(m("**/Login Data", "/home/u/.config/google-chrome/Default/Login Data"));
    }

    #[test]
    fn literals() {
        assert_eq!(Glob::new("~/.aws/**").literal().as_deref(), Some(".aws"));
        assert_eq!(Glob::new("*.pem").literal().as_deref(), Some(".pem"));
        assert_eq!(Glob::new("*").literal(), None);
    }
}
