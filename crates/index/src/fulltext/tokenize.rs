//! How the full-text index splits text into terms: words for commands, prose and output;
//! components for paths.
//!
//! What users search for in an agent's trace is code-shaped: `config/secrets.yml`, `rm -rf
//! build/`, `--force`, `NotebookEdit`, `mcp__github__create_issue`. The word tokenizer splits on
//! every character that is not a letter or digit and lowercases, so `secrets.yml` is the two
//! words `secrets yml` wherever it appears (a command, a path, a sentence), and the query side
//! matches a typed word with several parts as a phrase of them. Inside a word, CamelCase parts
//! are indexed as well, at the word's own position (`NotebookEdit` → `notebookedit`, `notebook`,
//! `edit`), so `edit` finds every edit tool while `notebookedit` and phrases of whole words still
//! match; the query side never splits CamelCase, so a typed `NotebookEdit` is the one term.
//! Words longer than [`MAX_WORD_BYTES`] (base64 blobs, minified code) are not indexed: nobody
//! types them, and they would bloat the term dictionary.
//!
//! The path tokenizer keeps whole components, so `path:config/` matches `a/config/b` but not
//! `a/myconfig/b`; an absolute path starts with a [`ROOT`] token so that `path:/etc` can anchor.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The name the word tokenizer is registered under (index side: with CamelCase parts).
pub(crate) const WORDS: &str = "tl_words";
/// The name the path tokenizer is registered under.
pub(crate) const PATHS: &str = "tl_paths";
/// The name of the lowercasing keyword tokenizer for tool names.
pub(crate) const KEYWORD: &str = "tl_keyword";

/// The longest word indexed, in bytes: a SHA-256 in hex still fits.
pub const MAX_WORD_BYTES: usize = 64;

/// The token that starts every absolute path.
pub(crate) const ROOT: &str = "/";

/// One word of a text: its lowercased text, its byte range in the text and its position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Word {
    pub text: String,
    pub from: usize,
    pub to: usize,
    pub position: usize,
}

/// Splits `text` into words (maximal runs of alphanumeric characters), lowercased, numbered by
/// position; with `parts`, a word's CamelCase parts follow it at the same position.
pub(crate) fn words(text: &str, parts: bool, mut sink: impl FnMut(Word)) {
    let mut position = 0;
    let mut start = None;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(from)) => {
                start = None;
                let run = &text[from..i];
                if run.len() > MAX_WORD_BYTES {
                    continue;
                }
                sink(Word { text: run.to_lowercase(), from, to: i, position });
                if parts {
                    camel_parts(run, |a, b| {
                        let part = &run[a..b];
                        sink(Word {
                            text: part.to_lowercase(),
                            from: from + a,
                            to: from + b,
                            position,
                        });
                    });
                }
                position += 1;
            }
            _ => {}
        }
    }
}

/// Calls `sink` with the byte range of each CamelCase part of `word`, if it has two or more:
/// a part starts at an upper-case letter after a lower-case one (`getUser`), or at the last of a
/// run of upper-case letters followed by a lower-case one (`HTTPServer` → `HTTP`, `Server`).
fn camel_parts(word: &str, mut sink: impl FnMut(usize, usize)) {
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    let mut bounds = vec![0];
    for w in 1..chars.len() {
        let (i, c) = chars[w];
        let prev = chars[w - 1].1;
        let next_lower = chars.get(w + 1).is_some_and(|(_, n)| n.is_lowercase());
        if c.is_uppercase() && (prev.is_lowercase() || (prev.is_uppercase() && next_lower)) {
            bounds.push(i);
        }
    }
    if bounds.len() < 2 {
        return;
    }
    bounds.push(word.len());
    for pair in bounds.windows(2) {
        sink(pair[0], pair[1]);
    }
}

/// The components of a path, lowercased, with [`ROOT`] first when it is absolute (`/…`, `\…`,
/// `C:\…`). `.` and empty components are dropped; `..` is kept.
pub(crate) fn path_components(path: &str) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let drive =
        path.len() >= 2 && path.as_bytes()[1] == b':' && path.as_bytes()[0].is_ascii_alphabetic();
    if path.starts_with(['/', '\\']) || drive {
        out.push((ROOT.to_owned(), 0, 0));
    }
    let mut from = 0;
    for (i, c) in path.char_indices().chain(std::iter::once((path.len(), '/'))) {
        if c == '/' || c == '\\' {
            let part = &path[from..i];
            if !part.is_empty() && part != "." {
                out.push((part.to_lowercase(), from, i));
            }
            from = i + c.len_utf8();
        }
    }
    out
}

/// The word tokenizer as tantivy calls it.
#[derive(Clone, Default)]
pub(crate) struct WordTokenizer {
    tokens: Vec<Token>,
}

/// The path tokenizer as tantivy calls it.
#[derive(Clone, Default)]
pub(crate) struct PathTokenizer {
    tokens: Vec<Token>,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = VecTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream<'a> {
        self.tokens.clear();
        words(text, true, |w| {
            self.tokens.push(Token {
                offset_from: w.from,
                offset_to: w.to,
                position: w.position,
                text: w.text,
                position_length: 1,
            });
        });
        VecTokenStream { tokens: &mut self.tokens, next: 0 }
    }
}

impl Tokenizer for PathTokenizer {
    type TokenStream<'a> = VecTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream<'a> {
        self.tokens.clear();
        for (position, (text, from, to)) in path_components(text).into_iter().enumerate() {
            self.tokens.push(Token {
                offset_from: from,
                offset_to: to,
                position,
                text,
                position_length: 1,
            });
        }
        VecTokenStream { tokens: &mut self.tokens, next: 0 }
    }
}

/// A stream over tokens computed up front (texts are capped, so the vector stays small).
pub(crate) struct VecTokenStream<'a> {
    tokens: &'a mut Vec<Token>,
    /// One past the current token: 0 before the first `advance`.
    next: usize,
}

impl TokenStream for VecTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(text, position)` of every index-side word.
    fn index_words(text: &str) -> Vec<(String, usize)> {
        let mut out = Vec::new();
        words(text, true, |w| {
            assert_eq!(text[w.from..w.to].to_lowercase(), w.text, "offsets of {w:?}");
            out.push((w.text, w.position));
        });
        out
    }

    fn check(text: &str, expect: &[(&str, usize)]) {
        let expect: Vec<(String, usize)> =
            expect.iter().map(|(t, p)| ((*t).to_owned(), *p)).collect();
        assert_eq!(index_words(text), expect, "{text:?}");
    }

    #[test]
    fn commands_paths_and_prose() {
        check("rm -rf build/", &[("rm", 0), ("rf", 1), ("build", 2)]);
        check("rm config/secrets.yml", &[("rm", 0), ("config", 1), ("secrets", 2), ("yml", 3)]);
        check("git push --force", &[("git", 0), ("push", 1), ("force", 2)]);
        check(
            "tidy config/ and drop secrets.yml.",
            &[("tidy", 0), ("config", 1), ("and", 2), ("drop", 3), ("secrets", 4), ("yml", 5)],
        );
        check("Grüße, ÉTÉ 2026", &[("grüße", 0), ("été", 1), ("2026", 2)]);
        check("", &[]);
        check(" -- ", &[]);
    }

    #[test]
    fn camel_case_parts_share_the_word_position() {
        check("NotebookEdit", &[("notebookedit", 0), ("notebook", 0), ("edit", 0)]);
        check(
            "HTTPServer getX Bash",
            &[
                ("httpserver", 0),
                ("http", 0),
                ("server", 0),
                ("getx", 1),
                ("get", 1),
                ("x", 1),
                ("bash", 2),
            ],
        );
        check("ALLCAPS lower", &[("allcaps", 0), ("lower", 1)]);
        check(
            "mcp__github__create_issue",
            &[("mcp", 0), ("github", 1), ("create", 2), ("issue", 3)],
        );
        // The query side does not split CamelCase.
        let mut query = Vec::new();
        words("MultiEdit", false, |w| query.push(w.text));
        assert_eq!(query, ["multiedit"]);
    }

    #[test]
    fn long_words_are_skipped() {
        let sha = "a".repeat(MAX_WORD_BYTES);
        let blob = "b".repeat(MAX_WORD_BYTES + 1);
        check(&format!("x {sha} {blob} y"), &[("x", 0), (sha.as_str(), 1), ("y", 2)]);
    }

    #[test]
    fn path_components_are_whole() {
        let names = |p: &str| path_components(p).into_iter().map(|c| c.0).collect::<Vec<_>>();
        assert_eq!(
            names("/home/u/proj/config/secrets.yml"),
            ["/", "home", "u", "proj", "config", "secrets.yml"]
        );
        assert_eq!(names("config/"), ["config"]);
        assert_eq!(names("./Config//x/../y"), ["config", "x", "..", "y"]);
        assert_eq!(names("myconfig/secrets.yml"), ["myconfig", "secrets.yml"]);
        assert_eq!(names("C:\\Users\\me"), ["/", "c:", "users", "me"]);
        assert_eq!(names(""), Vec::<String>::new());
        let comps = path_components("a/bc");
        assert_eq!((comps[1].1, comps[1].2), (2, 4));
    }
}
