//! `tl search`: full text and field filters over every step (syntax in docs/search.md).
//!
//! The query is parsed, `session:` names are resolved through the catalog (prefixes, `last`),
//! `severity:` becomes the set of flagged steps the catalog knows, and the index returns the
//! newest matches (or the most relevant, with `--rank`). Summaries and severities come from the
//! catalog; the snippet is cut from the step's records read back from the log, since the index
//! stores no bodies.

use event::Timestamp;
use index::{Hit, LogLookup, Order, Query, SearchRequest};
use serde_json::json;

use crate::home::Home;
use crate::output::Output;
use crate::render::{self, Style, clip};
use crate::store::Reading;
use crate::views;

/// The options of `tl search`.
#[derive(Debug)]
pub struct SearchArgs {
    /// The query.
    pub query: String,
    /// Only this session (a name as `tl inspect` takes).
    pub session: Option<String>,
    /// How many hits.
    pub limit: usize,
    /// Skip this many (paging).
    pub offset: usize,
    /// Most relevant first instead of newest first.
    pub rank: bool,
}

/// One hit, with what the catalog and the log add to the index's answer.
pub(crate) struct Shown {
    pub(crate) hit: Hit,
    pub(crate) agent: Option<event::Agent>,
    pub(crate) summary: String,
    pub(crate) severity: Option<index::Severity>,
    pub(crate) rules: Vec<String>,
    pub(crate) snippet: Option<index::Snippet>,
}

/// `tl search`.
pub fn run(home: &Home, args: &SearchArgs, out: &Output) -> anyhow::Result<()> {
    let query = Query::parse(&args.query, Timestamp::now()).map_err(|e| {
        let hint = e.hint.as_deref().map(|h| format!("\nhint: {h}")).unwrap_or_default();
        anyhow::anyhow!(
            "cannot read the query at character {}: {}{hint}\n  {}\n  {}^",
            e.position,
            e.message,
            args.query,
            " ".repeat(e.position)
        )
    })?;
    let reading = Reading::open(home)?;
    let fulltext = reading.fulltext()?;
    let shown = find(&reading.catalog, &reading.wal, fulltext, &query, args)?;
    if out.json {
        let list: Vec<_> = shown.iter().map(hit_json).collect();
        return out.json_value(&list);
    }
    let style = Style::detect();
    if shown.is_empty() {
        out.line("no steps match");
        return Ok(());
    }
    for s in &shown {
        let head = format!(
            "{} {} {:<6} {}  {:<14} ",
            style.severity_icon(s.severity),
            style.bold(index::catalog::short_id(&s.hit.session)),
            format!("#{}", s.hit.seq),
            render::date_minute(s.hit.ts),
            s.hit.kind.as_str()
        );
        let room = style.width.saturating_sub(2 + 9 + 7 + 17 + 15).max(20);
        out.line(&format!("{head}{}", clip(&s.summary, room)));
        if let Some(snippet) = &s.snippet {
            out.line(&format!(
                "      {}",
                highlight(snippet, &style, style.width.saturating_sub(8))
            ));
        }
    }
    if shown.len() == args.limit {
        out.line(&style.dim(&format!(
            "(first {} hits; --limit N or --offset {} for more)",
            args.limit,
            args.offset + args.limit
        )));
    }
    Ok(())
}

/// The hits of `query` (already parsed from `args.query`): `session:` names resolved through the
/// catalog, `severity:` turned into the flagged steps, summaries from the catalog and snippets
/// cut from the step's records in the log.
pub(crate) fn find(
    catalog: &index::Catalog,
    wal: &wal::Wal,
    fulltext: &index::FullText,
    query: &Query,
    args: &SearchArgs,
) -> anyhow::Result<Vec<Shown>> {
    let mut names: Vec<String> = query.filters.sessions.clone();
    names.extend(args.session.iter().cloned());
    let sessions = names
        .iter()
        .map(|n| Ok(catalog.resolve_session(n)?))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let sessions = (!names.is_empty()).then_some(sessions);
    let steps = match query.filters.min_severity {
        Some(min) => Some(catalog.flagged_steps(min, sessions.as_deref())?),
        None => None,
    };
    let request = SearchRequest {
        query,
        sessions: sessions.as_deref(),
        steps: steps.as_deref(),
        limit: args.limit.max(1),
        offset: args.offset,
        order: if args.rank { Order::Relevance } else { Order::Newest },
    };
    let hits = fulltext.search(&request)?;
    let mut lookup = LogLookup::new(wal);
    let mut shown = Vec::with_capacity(hits.len());
    for hit in hits {
        let row = catalog.step(&hit.session, hit.seq)?;
        let snippet = match (&row, query.is_empty_text()) {
            (Some(row), false) => {
                let mut text = String::new();
                for lsn in &row.step.lsns {
                    if let Some(e) = lookup.event(*lsn) {
                        for part in [
                            Some(e.summary.as_str()),
                            e.fields.command.as_deref(),
                            e.fields.text.as_deref(),
                            e.fields.output.as_deref(),
                            e.fields.stderr.as_deref(),
                            e.fields.error.as_deref(),
                        ]
                        .into_iter()
                        .flatten()
                        {
                            if !part.is_empty() && !text.contains(part) {
                                text.push_str(part);
                                text.push('\n');
                            }
                        }
                        for p in &e.fields.paths {
                            if !text.contains(p.as_str()) {
                                text.push_str(p);
                                text.push('\n');
                            }
                        }
                    }
                }
                let s = fulltext.snippet(query, &text, 160);
                (!s.fragment.is_empty()).then_some(s)
            }
            _ => None,
        };
        shown.push(Shown {
            agent: row.as_ref().map(|r| r.step.agent),
            summary: row.as_ref().map(|r| r.step.summary.clone()).unwrap_or_default(),
            severity: row.as_ref().and_then(|r| r.severity),
            rules: row
                .as_ref()
                .map(|r| r.findings.iter().map(|f| f.rule.clone()).collect())
                .unwrap_or_default(),
            snippet,
            hit,
        });
    }
    Ok(shown)
}

/// A hit as `tl search --json` and the web UI's API show it.
pub(crate) fn hit_json(s: &Shown) -> serde_json::Value {
    json!({
        "session": s.hit.session,
        "seq": s.hit.seq,
        "event_type": s.hit.kind,
        "agent": s.agent,
        "timestamp": views::time(s.hit.ts),
        "summary": s.summary,
        "risk_level": s.severity.map_or("none", |v| v.as_str()),
        "anomalies": s.rules,
        "score": (f64::from(s.hit.score) * 1000.0).round() / 1000.0,
        "snippet": s.snippet.as_ref().map(|p| p.fragment.clone()),
    })
}

/// The snippet on one line with its matches highlighted (bold yellow on a terminal, `[…]` when
/// plain, so piped output still shows what matched).
fn highlight(snippet: &index::Snippet, style: &Style, max: usize) -> String {
    let mut out = String::new();
    for (part, matched) in snippet_parts(snippet) {
        if !matched {
            out.push_str(part);
        } else if style.color {
            out.push_str(&style.paint("1;33", part));
        } else {
            out.push('[');
            out.push_str(part);
            out.push(']');
        }
    }
    let one_line: String =
        out.chars().map(|c| if c == '\n' || c == '\t' { ' ' } else { c }).collect();
    if style.color {
        // Escape codes do not take columns; cutting inside one would garble the line.
        one_line
    } else {
        clip(&one_line, max)
    }
}

/// A snippet cut into its parts, each with whether it is a match (highlights that overlap or fall
/// inside a character are skipped).
pub(crate) fn snippet_parts(snippet: &index::Snippet) -> Vec<(&str, bool)> {
    let text = &snippet.fragment;
    let mut parts = Vec::new();
    let mut at = 0;
    for r in &snippet.highlights {
        if r.start < at
            || r.end > text.len()
            || !text.is_char_boundary(r.start)
            || !text.is_char_boundary(r.end)
        {
            continue;
        }
        if r.start > at {
            parts.push((&text[at..r.start], false));
        }
        parts.push((&text[r.start..r.end], true));
        at = r.end;
    }
    if at < text.len() {
        parts.push((&text[at..], false));
    }
    parts
}
