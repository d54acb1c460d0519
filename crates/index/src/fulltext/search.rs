//! Running a [`Query`] against the index: the tantivy query it becomes, and the two orders.
//!
//! Text clauses must all match, in the step's text or its output (a word with several parts,
//! `secrets.yml`, and a phrase are phrase queries); negated ones must not. Filters are ANDed,
//! the values of one filter ORed, and they score nothing, so a hit's score is the BM25 score of
//! its text clauses alone (0 for a query without text).
//!
//! Newest first (the CLI's default) must not rank every match of a common word by BM25
//! (DESIGN.md §5 measured 110 ms for that on 1 M steps): it collects the top `offset + limit`
//! by the `ts` fast field with scoring disabled, then scores only those hits, by seeking a scorer
//! of the same query to each of them.

use std::ops::Bound;

use tantivy::collector::TopDocs;
use tantivy::collector::sort_key::SortByStaticFastValue;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, EnableScoring, Occur,
    PhraseQuery, Query as TantivyQuery, RangeQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocId, Score, Searcher, TERMINATED, Term};

use super::tokenize::{path_components, words};
use super::{Fields, step_id};
use crate::query::{Query, TextClause};

/// How much more a match in the step's own text counts than one in its output.
const TEXT_BOOST: Score = 2.0;

/// What to search for, where, and which page of the results.
#[derive(Clone, Copy, Debug)]
pub struct SearchRequest<'a> {
    /// The parsed query. Its `sessions` and `min_severity` filters are not used here: the caller
    /// resolves them (through the catalog) into `sessions` and `steps`.
    pub query: &'a Query,
    /// Full session ids to search in; `None` for all sessions.
    pub sessions: Option<&'a [String]>,
    /// If given, only these `(session, seq)` steps can match.
    pub steps: Option<&'a [(String, u64)]>,
    /// The most hits to return.
    pub limit: usize,
    /// How many of the first hits (in `order`) to skip.
    pub offset: usize,
    /// The order of the hits.
    pub order: Order,
}

/// The order of search hits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Order {
    /// Latest step first (by start time, then seq); cheap for any number of matches.
    #[default]
    Newest,
    /// Highest BM25 score first.
    Relevance,
}

/// One matching step.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// The session id.
    pub session: String,
    /// The step's number in its session.
    pub seq: u64,
    /// When the step started.
    pub ts: event::Timestamp,
    /// The step's kind.
    pub kind: event::Kind,
    /// The BM25 score of the query's text clauses; 0 when the query has none.
    pub score: f32,
}

pub(super) fn run(
    searcher: &Searcher,
    f: Fields,
    req: &SearchRequest,
) -> tantivy::Result<Vec<Hit>> {
    if req.limit == 0 {
        return Ok(Vec::new());
    }
    let query = build(f, req);
    let range = req.offset..req.offset.saturating_add(req.limit);
    let found: Vec<(Option<Score>, DocAddress)> = match req.order {
        Order::Newest => {
            let by_time = TopDocs::for_doc_range(range).order_by((
                (SortByStaticFastValue::<i64>::for_field("ts"), tantivy::Order::Desc),
                (SortByStaticFastValue::<u64>::for_field("seq"), tantivy::Order::Desc),
            ));
            let docs = searcher.search(&query, &by_time)?;
            let docs: Vec<DocAddress> = docs.into_iter().map(|(_, d)| d).collect();
            let scores = scores(searcher, &query, req.query, &docs)?;
            scores.into_iter().map(Some).zip(docs).collect()
        }
        Order::Relevance => {
            let by_score = TopDocs::for_doc_range(range).order_by_score();
            searcher.search(&query, &by_score)?.into_iter().map(|(s, d)| (Some(s), d)).collect()
        }
    };
    let mut hits = Vec::with_capacity(found.len());
    let mut session = String::new();
    for (score, address) in found {
        let segment = searcher.segment_reader(address.segment_ord);
        let fast = segment.fast_fields();
        let doc = address.doc_id;
        if let Some(column) = fast.str("session")?
            && let Some(ord) = column.term_ords(doc).next()
        {
            column.ord_to_str(ord, &mut session)?;
        } else {
            session.clear();
        }
        let kind = fast.u64("kind")?.first(doc).unwrap_or(u64::MAX);
        hits.push(Hit {
            session: session.clone(),
            seq: fast.u64("seq")?.first(doc).unwrap_or(0),
            ts: event::Timestamp(fast.i64("ts")?.first(doc).unwrap_or(0)),
            // A kind this version does not know (a newer tl indexed it) shows as OTHER.
            kind: usize::try_from(kind)
                .ok()
                .and_then(|k| event::Kind::ALL.get(k).copied())
                .unwrap_or(event::Kind::Other),
            score: if req.query.is_empty_text() { 0.0 } else { score.unwrap_or(0.0) },
        });
    }
    Ok(hits)
}

/// The BM25 score of each of `docs` for `query`: one scorer per segment, sought to the docs in
/// increasing order (a scorer only moves forward).
fn scores(
    searcher: &Searcher,
    query: &dyn TantivyQuery,
    parsed: &Query,
    docs: &[DocAddress],
) -> tantivy::Result<Vec<Score>> {
    let mut scores = vec![0.0; docs.len()];
    if parsed.is_empty_text() || docs.is_empty() {
        return Ok(scores);
    }
    let weight = query.weight(EnableScoring::enabled_from_searcher(searcher))?;
    let mut order: Vec<usize> = (0..docs.len()).collect();
    order.sort_by_key(|&i| docs[i]);
    let mut current: Option<(u32, Box<dyn tantivy::query::Scorer>)> = None;
    for i in order {
        let DocAddress { segment_ord, doc_id } = docs[i];
        if current.as_ref().is_none_or(|(s, _)| *s != segment_ord) {
            let reader = searcher.segment_reader(segment_ord);
            current = Some((segment_ord, weight.scorer(reader, 1.0)?));
        }
        if let Some((_, scorer)) = current.as_mut() {
            scores[i] = score_at(scorer.as_mut(), doc_id);
        }
    }
    Ok(scores)
}

fn score_at(scorer: &mut dyn tantivy::query::Scorer, doc: DocId) -> Score {
    if scorer.doc() < doc {
        scorer.seek(doc);
    }
    if scorer.doc() == doc && doc != TERMINATED { scorer.score() } else { 0.0 }
}

/// The tantivy query of a request.
fn build(f: Fields, req: &SearchRequest) -> Box<dyn TantivyQuery> {
    let mut text: Vec<(Occur, Box<dyn TantivyQuery>)> = Vec::new();
    for clause in &req.query.clauses {
        match clause {
            TextClause::Not(inner) => {
                if let Some(q) = text_query(f, inner.text()) {
                    text.push((Occur::MustNot, q));
                }
            }
            positive => match text_query(f, positive.text()) {
                Some(q) => text.push((Occur::Must, q)),
                // The parser drops words without letters or digits, so this is a clause the
                // index cannot hold: nothing matches it.
                None => return Box::new(EmptyQuery),
            },
        }
    }
    let mut filters: Vec<(Occur, Box<dyn TantivyQuery>)> = Vec::new();
    let mut any_of = |queries: Vec<Box<dyn TantivyQuery>>| {
        if !queries.is_empty() {
            filters.push((Occur::Must, union(queries)));
        }
    };
    let filter = &req.query.filters;
    any_of(filter.agents.iter().map(|a| term(Term::from_field_u64(f.agent, *a as u64))).collect());
    any_of(filter.kinds.iter().map(|k| term(Term::from_field_u64(f.kind, *k as u64))).collect());
    any_of(
        filter
            .tools
            .iter()
            .map(|t| term(Term::from_field_text(f.tool, &t.to_lowercase())))
            .collect(),
    );
    any_of(filter.paths.iter().filter_map(|p| path_query(f.path, p)).collect());
    if let Some(sessions) = req.sessions {
        let terms = sessions.iter().map(|s| Term::from_field_text(f.session, s));
        filters.push((Occur::Must, Box::new(TermSetQuery::new(terms))));
    }
    if let Some(steps) = req.steps {
        let terms = steps.iter().map(|(s, seq)| Term::from_field_text(f.id, &step_id(s, *seq)));
        filters.push((Occur::Must, Box::new(TermSetQuery::new(terms))));
    }
    if filter.after.is_some() || filter.before.is_some() {
        let bound = |t: Option<event::Timestamp>, inclusive: bool| match t {
            None => Bound::Unbounded,
            Some(t) => {
                let term = Term::from_field_i64(f.ts, t.as_unix_nanos());
                if inclusive { Bound::Included(term) } else { Bound::Excluded(term) }
            }
        };
        let range = RangeQuery::new(bound(filter.after, true), bound(filter.before, false));
        filters.push((Occur::Must, Box::new(range)));
    }
    if !filters.is_empty() {
        let all: Box<dyn TantivyQuery> = Box::new(BooleanQuery::new(filters));
        text.push((Occur::Must, Box::new(ConstScoreQuery::new(all, 0.0))));
    }
    if !text.iter().any(|(occur, _)| *occur == Occur::Must) {
        // Only negations, or nothing: start from every step.
        text.push((Occur::Must, Box::new(ConstScoreQuery::new(Box::new(AllQuery), 0.0))));
    }
    Box::new(BooleanQuery::new(text))
}

fn term(t: Term) -> Box<dyn TantivyQuery> {
    Box::new(TermQuery::new(t, IndexRecordOption::Basic))
}

fn union(mut queries: Vec<Box<dyn TantivyQuery>>) -> Box<dyn TantivyQuery> {
    if queries.len() == 1 {
        return queries.remove(0);
    }
    Box::new(BooleanQuery::new(queries.into_iter().map(|q| (Occur::Should, q)).collect()))
}

/// A word or phrase in the text (boosted) or the output; `None` if it has no words.
fn text_query(f: Fields, text: &str) -> Option<Box<dyn TantivyQuery>> {
    let mut seq = Vec::new();
    words(text, false, |w| seq.push(w.text));
    if seq.is_empty() {
        return None;
    }
    let in_field = |field: Field| -> Box<dyn TantivyQuery> {
        let terms: Vec<Term> = seq.iter().map(|w| Term::from_field_text(field, w)).collect();
        match <[Term; 1]>::try_from(terms) {
            Ok([one]) => Box::new(TermQuery::new(one, IndexRecordOption::WithFreqs)),
            Err(terms) => Box::new(PhraseQuery::new(terms)),
        }
    };
    Some(union(vec![Box::new(BoostQuery::new(in_field(f.text), TEXT_BOOST)), in_field(f.output)]))
}

/// The components of `path` in sequence, anywhere in a step's path; an absolute `path` starts
/// with the root token, so it only matches from the root.
fn path_query(field: Field, path: &str) -> Option<Box<dyn TantivyQuery>> {
    let terms: Vec<Term> = path_components(path)
        .into_iter()
        .map(|(c, _, _)| Term::from_field_text(field, &c))
        .collect();
    match <[Term; 1]>::try_from(terms) {
        Ok([one]) => Some(term(one)),
        Err(terms) if terms.is_empty() => None,
        Err(terms) => Some(Box::new(PhraseQuery::new(terms))),
    }
}
