//! One-line summaries: whitespace folded, truncated by characters (never inside a UTF-8 sequence),
//! paths shown relative to the session's working directory.

/// The longest summary, in characters.
pub const SUMMARY_MAX_CHARS: usize = 160;

/// The longest excerpt of free text (a prompt, assistant text) inside a summary, in characters.
pub const EXCERPT_MAX_CHARS: usize = 80;

/// `s` on one line: every run of whitespace (newlines included) becomes one space, control
/// characters and bidirectional overrides are dropped (a summary must show the command as it
/// runs, not as a right-to-left override reorders it), and text beyond `max_chars` characters is
/// cut and marked with `…`.
pub fn one_line(s: &str, max_chars: usize) -> String {
    let max = max_chars.max(1);
    let mut out = String::with_capacity(s.len().min(max.saturating_mul(4)));
    let mut count = 0;
    // Byte length of `out` when it held `max - 1` characters: where to cut for the ellipsis.
    let mut cut_at = 0;
    let mut pending_space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if c.is_control() || is_bidi_control(c) {
            continue;
        }
        let space = if pending_space { Some(' ') } else { None };
        for ch in space.into_iter().chain([c]) {
            if count + 1 == max {
                cut_at = out.len();
            }
            if count == max {
                out.truncate(cut_at);
                let kept = out.trim_end().len();
                out.truncate(kept);
                out.push('…');
                return out;
            }
            out.push(ch);
            count += 1;
        }
        pending_space = false;
    }
    out
}

/// Unicode's bidirectional formatting characters (embeddings, overrides, isolates, marks).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `path` relative to `cwd` when it lies inside it (`/home/dev/shop/config/a.yml` in
/// `/home/dev/shop` is `config/a.yml`); otherwise `path` unchanged.
pub fn relative<'a>(path: &'a str, cwd: Option<&str>) -> &'a str {
    let Some(cwd) = cwd.map(|c| c.trim_end_matches('/')).filter(|c| !c.is_empty()) else {
        return path;
    };
    match path.strip_prefix(cwd).and_then(|rest| rest.strip_prefix('/')) {
        Some(rest) if !rest.is_empty() => rest,
        _ => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_folds_whitespace_and_truncates_by_chars() {
        let cases: &[(&str, usize, &str)] = &[
            ("Please tidy up the config/ directory.", 80, "Please tidy up the config/ directory."),
            ("  a\n\n b\tc  ", 80, "a b c"),
            ("Please tidy up the config/ directory.", 14, "Please tidy u…"),
            ("héllo wörld", 6, "héllo…"),
            ("日本語のテキスト", 4, "日本語…"),
            ("a\u{7}b", 80, "ab"),
            ("rm x\u{202E}lmy.exe", 80, "rm xlmy.exe"),
            ("a\u{2067}b\u{2069}c\u{200F}", 80, "abc"),
            ("abc", 1, "…"),
            ("", 10, ""),
        ];
        for (input, max, want) in cases {
            let got = one_line(input, *max);
            assert_eq!(&got, want, "one_line({input:?}, {max})");
            assert!(got.chars().count() <= (*max).max(1), "{got:?} longer than {max}");
        }
    }

    #[test]
    fn relative_strips_the_working_directory() {
        let cases: &[(&str, Option<&str>, &str)] = &[
            ("/home/dev/shop/config/app.yml", Some("/home/dev/shop"), "config/app.yml"),
            ("/home/dev/shop/config/app.yml", Some("/home/dev/shop/"), "config/app.yml"),
            ("/home/dev/shopping/x", Some("/home/dev/shop"), "/home/dev/shopping/x"),
            ("/home/dev/shop", Some("/home/dev/shop"), "/home/dev/shop"),
            ("config/app.yml", Some("/home/dev/shop"), "config/app.yml"),
            ("/etc/passwd", None, "/etc/passwd"),
            ("/etc/passwd", Some("/"), "/etc/passwd"),
        ];
        for (path, cwd, want) in cases {
            assert_eq!(relative(path, *cwd), *want, "relative({path:?}, {cwd:?})");
        }
    }
}
