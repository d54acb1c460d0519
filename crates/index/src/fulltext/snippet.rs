//! Snippets: the part of a step's text or output around what the query matched, with the
//! matches marked.
//!
//! The index stores no bodies (DESIGN.md §5: catalog + index ≤ 0.5 × the raw JSON), so the
//! caller reads the text from the log and this module finds the matches itself, with the same
//! word splitting as the index ([`super::tokenize`]): a term matches a word or a CamelCase part,
//! a term with several parts (`secrets.yml`) and a phrase match consecutive words. Negated
//! clauses are not marked. The fragment is one line (every run of whitespace becomes one space),
//! for terminals and result lists.

use std::ops::Range;

use super::tokenize::{Word, words};
use crate::query::{Query, TextClause};

/// A fragment of a text with the byte ranges in it that matched the query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snippet {
    /// The fragment: at most `max_chars` characters of the text, whitespace collapsed, with `…`
    /// where it was cut.
    pub fragment: String,
    /// Byte ranges into `fragment` of the matches, in order, not overlapping.
    pub highlights: Vec<Range<usize>>,
}

/// The sequences of words the positive clauses of `query` look for.
pub(crate) fn query_sequences(query: &Query) -> Vec<Vec<String>> {
    query
        .clauses
        .iter()
        .filter(|c| !matches!(c, TextClause::Not(_)))
        .map(|c| {
            let mut seq = Vec::new();
            words(c.text(), false, |w| seq.push(w.text));
            seq
        })
        .filter(|seq| !seq.is_empty())
        .collect()
}

/// The snippet of `text` for `query`: the window of at most `max_chars` characters with the most
/// distinct clauses matched (then the most matches, then the earliest); the start of the text
/// when nothing matches.
pub(crate) fn snippet(query: &Query, text: &str, max_chars: usize) -> Snippet {
    let matches = find_matches(&query_sequences(query), text);
    // Byte budget for choosing the window: one byte per character is exact for ASCII and errs
    // on the short side otherwise (rendering stops at max_chars characters anyway).
    let context = max_chars / 4;
    let mut best: Option<(usize, usize, usize)> = None; // (distinct clauses, matches, first index)
    for i in 0..matches.len() {
        let limit = matches[i].0.start.saturating_sub(context) + max_chars;
        let mut clauses = Vec::new();
        let mut count = 0;
        for m in matches[i..].iter().take_while(|m| m.0.end <= limit) {
            count += 1;
            if !clauses.contains(&m.1) {
                clauses.push(m.1);
            }
        }
        let score = (clauses.len(), count, usize::MAX - i);
        if best.is_none_or(|b| score > b) {
            best = Some(score);
        }
    }
    let start = match best {
        None => 0,
        Some((_, _, inv)) => {
            let first = &matches[usize::MAX - inv].0;
            word_start(text, first.start.saturating_sub(context), first.start)
        }
    };
    render(text, start, max_chars, &matches)
}

/// The byte ranges in `text` where one of `sequences` (by index) matches, sorted, not overlapping.
fn find_matches(sequences: &[Vec<String>], text: &str) -> Vec<(Range<usize>, usize)> {
    if sequences.is_empty() {
        return Vec::new();
    }
    // Words grouped by position: a word and its CamelCase parts.
    let mut groups: Vec<Vec<Word>> = Vec::new();
    words(text, true, |w| {
        if groups.len() <= w.position {
            groups.push(Vec::new());
        }
        if let Some(group) = groups.last_mut() {
            group.push(w);
        }
    });
    let mut found = Vec::new();
    for p in 0..groups.len() {
        for (clause, seq) in sequences.iter().enumerate() {
            let Some(group_run) = groups.get(p..p + seq.len()) else { continue };
            let hits: Option<Vec<&Word>> = group_run
                .iter()
                .zip(seq)
                .map(|(group, term)| group.iter().find(|w| &w.text == term))
                .collect();
            if let Some(hits) = hits
                && let (Some(first), Some(last)) = (hits.first(), hits.last())
            {
                found.push((first.from..last.to, clause));
            }
        }
    }
    found.sort_by_key(|m| (m.0.start, std::cmp::Reverse(m.0.end)));
    let mut out: Vec<(Range<usize>, usize)> = Vec::with_capacity(found.len());
    for m in found {
        match out.last_mut() {
            Some(last) if m.0.start < last.0.end => last.0.end = last.0.end.max(m.0.end),
            _ => out.push(m),
        }
    }
    out
}

/// Where to start a window that should begin near `from` and must include `must`: the first
/// word boundary at or after `from` (a character boundary in any case), but never after `must`.
fn word_start(text: &str, from: usize, must: usize) -> usize {
    if from == 0 {
        return 0;
    }
    let mut i = from;
    while !text.is_char_boundary(i) {
        i += 1;
    }
    if text[..i].ends_with(char::is_whitespace) {
        return i;
    }
    match text[i..must].find(char::is_whitespace) {
        Some(ws) => i + ws,
        None => i,
    }
}

/// Renders `text[start..]` into at most `max_chars` characters with whitespace collapsed, mapping
/// the matches that fit entirely into the fragment.
fn render(
    text: &str,
    start: usize,
    max_chars: usize,
    matches: &[(Range<usize>, usize)],
) -> Snippet {
    let mut fragment = String::new();
    let mut highlights = Vec::new();
    let mut chars = 0;
    if start > 0 {
        fragment.push('…');
    }
    let mut pending = matches.iter().map(|m| &m.0).filter(|m| m.start >= start).peekable();
    let mut open: Option<(usize, usize)> = None; // (fragment offset, end in text)
    let mut in_space = start > 0; // no leading space after the ellipsis
    let mut cut = false;
    for (i, c) in text[start..].char_indices().map(|(i, c)| (i + start, c)) {
        if let Some((from, end)) = open
            && i >= end
        {
            highlights.push(from..fragment.len());
            open = None;
        }
        if chars == max_chars {
            cut = true;
            break;
        }
        if open.is_none()
            && let Some(m) = pending.next_if(|m| m.start <= i)
            && m.start == i
        {
            open = Some((fragment.len(), m.end));
        }
        if c.is_whitespace() {
            if !in_space && !fragment.is_empty() {
                fragment.push(' ');
                chars += 1;
            }
            in_space = true;
        } else {
            fragment.push(c);
            chars += 1;
            in_space = false;
        }
    }
    if let Some((from, _)) = open
        && !cut
    {
        highlights.push(from..fragment.len());
    }
    if cut {
        // End on a word boundary when one is near, rather than in the middle of a word.
        let keep = highlights.last().map_or(0, |h| h.end);
        if let Some(space) = fragment.rfind(' ')
            && space >= keep
            && fragment.len() - space <= 12
        {
            fragment.truncate(space);
        }
    }
    let trimmed = fragment.trim_end().len();
    fragment.truncate(trimmed);
    if cut {
        fragment.push('…');
    }
    Snippet { fragment, highlights }
}

#[cfg(test)]
mod tests {
    use event::Timestamp;

    use super::*;

    fn marked(query: &str, text: &str, max_chars: usize) -> String {
        let q = Query::parse(query, Timestamp(0)).expect("query");
        let s = snippet(&q, text, max_chars);
        let mut out = String::new();
        let mut at = 0;
        for h in &s.highlights {
            out.push_str(&s.fragment[at..h.start]);
            out.push('[');
            out.push_str(&s.fragment[h.clone()]);
            out.push(']');
            at = h.end;
        }
        out.push_str(&s.fragment[at..]);
        assert!(s.fragment.chars().count() <= max_chars + 2, "{:?}", s.fragment);
        out
    }

    #[test]
    fn highlights_the_matched_bytes() {
        let cases: &[(&str, &str, usize, &str)] = &[
            ("secrets.yml", "rm config/secrets.yml", 80, "rm config/[secrets.yml]"),
            ("\"secrets.yml\"", "cat Secrets.YML\n", 80, "cat [Secrets.YML]"),
            ("secrets.yml", "secrets yml secrets", 80, "[secrets yml] secrets"),
            (
                "drop secrets",
                "tidy config/ and drop secrets.yml",
                80,
                "tidy config/ and [drop] [secrets].yml",
            ),
            ("edit", "used NotebookEdit and Edit", 80, "used Notebook[Edit] and [Edit]"),
            ("notebookedit", "NotebookEdit", 80, "[NotebookEdit]"),
            ("\"rm -rf\"", "sudo rm  -rf /", 80, "sudo [rm -rf] /"),
            ("x -y", "y x y", 80, "y [x] y"),
            ("nothing", "a\n\n  b", 80, "a b"),
            ("é", "café é", 80, "café [é]"),
        ];
        for (query, text, max, expect) in cases {
            assert_eq!(marked(query, text, *max), *expect, "{query:?} in {text:?}");
        }
    }

    #[test]
    fn the_window_moves_to_the_matches() {
        let text =
            format!("{} needle in the {} haystack end", "lorem ".repeat(50), "ipsum ".repeat(50));
        assert_eq!(marked("needle", &text, 30), "…lorem [needle] in the ipsum…");
        // Both clauses in one window beat one clause alone.
        let text = "alpha .......................................... alpha beta";
        assert_eq!(marked("alpha beta", text, 16), "…[alpha] [beta]");
        assert_eq!(marked("zzz", "0123456789abc", 5), "01234…");
    }
}
