//! The JSON API of `tl view` (documented in docs/api.md): sessions, a session's stats, its steps
//! page by page, one step in full, search.
//!
//! Sessions, steps and findings have the shapes of [`crate::views`], the same as every `--json`
//! output. Lists are paged: no request reads a whole million-step session. Every handler runs its
//! store calls on the blocking pool through [`App::with_catalog`].

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use event::{Kind, Timestamp};
use index::{Catalog, LogLookup, SessionFilter, Severity, StepFilter};
use serde::Deserialize;
use serde_json::{Value, json};

use super::App;
use crate::commands::read::{parse_kind, parse_since};
use crate::commands::search::{self, SearchArgs};
use crate::prices::Prices;
use crate::views;

/// The most steps one page returns.
const MAX_PAGE: usize = 1000;
/// The most flagged steps `/flags` lists (their seqs and severities only).
const MAX_FLAGS: usize = 20_000;
/// Bodies (outputs, texts, raw payloads) longer than this are cut in the API: the page shows
/// that they were and the full text stays in the log (`tl inspect --step N`).
pub const BODY_MAX_BYTES: usize = 256 * 1024;
/// Time buckets of the usage chart.
const USAGE_BUCKETS: usize = 60;
/// The most token-carrying steps the usage chart reads.
const USAGE_MAX_STEPS: usize = 200_000;

/// An error as the API answers it: a status and `{"error": message}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    pub(crate) fn internal(message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::INTERNAL_SERVER_ERROR, message: message.into() }
    }

    /// What went wrong, for a live tail's `problem` event.
    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    fn bad(message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::BAD_REQUEST, message: message.into() }
    }

    fn not_found(message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::NOT_FOUND, message: message.into() }
    }
}

impl<E: Into<anyhow::Error>> From<E> for ApiError {
    fn from(e: E) -> ApiError {
        ApiError::internal(format!("{:#}", e.into()))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

type ApiResult = Result<Json<Value>, ApiError>;

/// The routes under `/api/` (the live tail is added by the caller).
pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/sessions", get(sessions))
        .route("/api/sessions/{id}", get(session))
        .route("/api/sessions/{id}/stats", get(stats))
        .route("/api/sessions/{id}/steps", get(steps))
        .route("/api/sessions/{id}/steps/{seq}", get(step))
        .route("/api/sessions/{id}/flags", get(flags))
        .route("/api/search", get(search))
}

/// The session a path names: an id, a unique prefix, or `last`.
pub(crate) fn resolve(catalog: &Catalog, name: &str) -> Result<index::SessionRow, ApiError> {
    let id = catalog.resolve_session(name).map_err(|e| match e {
        index::CatalogError::Resolve(m) => ApiError::not_found(m),
        other => ApiError::internal(other.to_string()),
    })?;
    catalog.session(&id)?.ok_or_else(|| ApiError::not_found(format!("no session {id}")))
}

#[derive(Debug, Deserialize)]
struct SessionsQuery {
    agent: Option<String>,
    severity: Option<String>,
    limit: Option<usize>,
    since: Option<String>,
}

/// `GET /api/sessions`: newest first.
async fn sessions(State(app): State<Arc<App>>, Query(q): Query<SessionsQuery>) -> ApiResult {
    let agent = match q.agent.as_deref().filter(|a| !a.is_empty()) {
        Some(a) => Some(
            a.parse::<event::Agent>().map_err(|_| ApiError::bad(format!("unknown agent {a:?}")))?,
        ),
        None => None,
    };
    let min_severity = parse_severity(q.severity.as_deref())?;
    let since = match q.since.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => {
            Some(parse_since(s, Timestamp::now()).map_err(|e| ApiError::bad(format!("{e:#}")))?)
        }
        None => None,
    };
    let filter =
        SessionFilter { limit: q.limit.unwrap_or(500).min(10_000), agent, min_severity, since };
    app.with_catalog(move |app, catalog| {
        let prices = Prices::load(&app.home)?;
        let rows = catalog.sessions(&filter)?;
        Ok(Json(json!({ "sessions": rows.iter().map(|s| views::session(s, &prices)).collect::<Vec<_>>() })))
    })
    .await
}

fn parse_severity(text: Option<&str>) -> Result<Option<Severity>, ApiError> {
    match text.filter(|s| !s.is_empty() && *s != "none") {
        Some("any") => Ok(Some(Severity::Info)),
        Some(s) => Severity::parse(s).map(Some).ok_or_else(|| {
            ApiError::bad(format!("unknown severity {s:?} (info, warning, danger, any)"))
        }),
        None => Ok(None),
    }
}

/// `GET /api/sessions/{id}`.
async fn session(State(app): State<Arc<App>>, Path(id): Path<String>) -> ApiResult {
    app.with_catalog(move |app, catalog| {
        let row = resolve(catalog, &id)?;
        Ok(Json(json!({ "session": views::session(&row, &Prices::load(&app.home)?) })))
    })
    .await
}

/// `GET /api/sessions/{id}/stats`: steps by kind and outcome, and tokens and cost over time.
async fn stats(State(app): State<Arc<App>>, Path(id): Path<String>) -> ApiResult {
    app.with_catalog(move |app, catalog| {
        let row = resolve(catalog, &id)?;
        let prices = Prices::load(&app.home)?;
        let stats = catalog.step_stats(Some(&row.id), 0)?;
        let start = row.started_at.0;
        let span = (row.ended_at.0 - start).max(1);
        let mut buckets = vec![(event::Tokens::default(), 0.0f64); USAGE_BUCKETS];
        let mut read = 0usize;
        let filter = StepFilter {
            kinds: vec![Kind::TokenUsage, Kind::ModelResponse],
            limit: USAGE_MAX_STEPS,
            ..StepFilter::default()
        };
        catalog.for_each_step(&row.id, &filter, |r| {
            read += 1;
            if let Some(t) = r.step.tokens {
                let at = ((r.step.ts_start.0 - start).clamp(0, span) as f64 / span as f64
                    * (USAGE_BUCKETS - 1) as f64) as usize;
                let b = &mut buckets[at.min(USAGE_BUCKETS - 1)];
                b.0.input += t.input;
                b.0.output += t.output;
                b.0.cache_read += t.cache_read;
                b.0.cache_write += t.cache_write;
                b.1 += r.step.model.as_deref().and_then(|m| prices.cost(m, &t)).unwrap_or(0.0);
            }
            true
        })?;
        let step_ns = span as f64 / (USAGE_BUCKETS - 1) as f64;
        let usage: Vec<Value> = buckets
            .iter()
            .enumerate()
            .map(|(i, (t, cost))| {
                json!({
                    "at": views::time(Timestamp(start + (i as f64 * step_ns) as i64)),
                    "input": t.input + t.cache_read + t.cache_write,
                    "output": t.output,
                    "cost_usd": (cost * 1e6).round() / 1e6,
                })
            })
            .collect();
        Ok(Json(json!({
            "session": row.id,
            "steps_by_kind": stats.by_kind.iter().map(|(k, n)| json!({"kind": k, "steps": n})).collect::<Vec<_>>(),
            "steps_by_outcome": stats.by_outcome.iter().map(|(o, n)| json!({"outcome": o, "steps": n})).collect::<Vec<_>>(),
            "actions": stats.actions,
            "errors": stats.errors,
            "usage": usage,
            "usage_complete": read < USAGE_MAX_STEPS,
        })))
    })
    .await
}

#[derive(Debug, Deserialize)]
struct StepsQuery {
    from: Option<u64>,
    limit: Option<usize>,
    /// Comma-separated kinds.
    kinds: Option<String>,
    anomalies_only: Option<bool>,
}

/// `GET /api/sessions/{id}/steps`: one page in seq order, and where the next starts.
async fn steps(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(q): Query<StepsQuery>,
) -> ApiResult {
    let kinds = q
        .kinds
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|k| !k.trim().is_empty())
        .map(|k| parse_kind(k).map_err(|e| ApiError::bad(format!("{e:#}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let limit = q.limit.unwrap_or(200).clamp(1, MAX_PAGE);
    app.with_catalog(move |_, catalog| {
        let row = resolve(catalog, &id)?;
        // One more than asked, to know whether there is a next page.
        let filter = StepFilter {
            from: q.from,
            kinds,
            min_severity: q.anomalies_only.unwrap_or(false).then_some(Severity::Info),
            limit: limit + 1,
            ..StepFilter::default()
        };
        let mut list = Vec::with_capacity(limit);
        let mut next = None;
        catalog.for_each_step(&row.id, &filter, |r| {
            if list.len() == limit {
                next = Some(r.step.seq.0);
                return false;
            }
            list.push(views::step(&r));
            true
        })?;
        Ok(Json(json!({ "session": row.id, "total_steps": row.total_steps, "steps": list, "next": next })))
    })
    .await
}

/// `GET /api/sessions/{id}/flags`: the seq and severity of every flagged step, for jumping from
/// finding to finding.
async fn flags(State(app): State<Arc<App>>, Path(id): Path<String>) -> ApiResult {
    app.with_catalog(move |_, catalog| {
        let row = resolve(catalog, &id)?;
        let filter = StepFilter {
            min_severity: Some(Severity::Info),
            limit: MAX_FLAGS + 1,
            ..StepFilter::default()
        };
        let mut list = Vec::new();
        catalog.for_each_step(&row.id, &filter, |r| {
            list.push(json!([r.step.seq.0, r.severity.map_or("none", |s| s.as_str())]));
            true
        })?;
        let complete = list.len() <= MAX_FLAGS;
        list.truncate(MAX_FLAGS);
        Ok(Json(json!({ "session": row.id, "flags": list, "complete": complete })))
    })
    .await
}

/// `GET /api/sessions/{id}/steps/{seq}`: the step with its records read back from the log.
async fn step(State(app): State<Arc<App>>, Path((id, seq)): Path<(String, u64)>) -> ApiResult {
    app.with_catalog(move |app, catalog| {
        let session = resolve(catalog, &id)?;
        let Some(row) = catalog.step(&session.id, seq)? else {
            return Err(ApiError::not_found(format!("session {} has no step {seq}", session.id)));
        };
        let mut lookup = LogLookup::new(&app.wal);
        let mut value =
            crate::commands::read::step_detail(&session.id, &row, &mut lookup, BODY_MAX_BYTES);
        if let Some(m) = value.as_object_mut() {
            m.insert("total_steps".into(), json!(session.total_steps));
        }
        Ok(Json(value))
    })
    .await
}

#[derive(Debug, Deserialize)]
struct SearchQuery {
    q: Option<String>,
    session: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

/// `GET /api/search`: the syntax of `tl search`, newest first.
async fn search(State(app): State<Arc<App>>, Query(q): Query<SearchQuery>) -> ApiResult {
    let text = q.q.unwrap_or_default();
    let query = index::Query::parse(&text, Timestamp::now()).map_err(|e| {
        ApiError::bad(format!(
            "cannot read the query at character {}: {}{}",
            e.position,
            e.message,
            e.hint.as_deref().map(|h| format!(" (hint: {h})")).unwrap_or_default()
        ))
    })?;
    let args = SearchArgs {
        query: text,
        session: q.session.filter(|s| !s.is_empty()),
        limit: q.limit.unwrap_or(50).clamp(1, 500),
        offset: q.offset.unwrap_or(0),
        rank: false,
    };
    app.with_catalog(move |app, catalog| {
        app.fulltext.reload()?;
        let shown = search::find(catalog, &app.wal, &app.fulltext, &query, &args).map_err(|e| {
            let text = format!("{e:#}");
            if text.contains("no session") || text.contains("matches several") {
                ApiError::bad(text)
            } else {
                ApiError::internal(text)
            }
        })?;
        let hits: Vec<Value> = shown
            .iter()
            .map(|s| {
                let mut v = search::hit_json(s);
                if let (Some(m), Some(snippet)) = (v.as_object_mut(), &s.snippet) {
                    m.insert("snippet_parts".into(), snippet_parts(snippet));
                }
                v
            })
            .collect();
        Ok(Json(json!({ "hits": hits, "limit": args.limit, "offset": args.offset })))
    })
    .await
}

/// A snippet as `[[text, matched], …]`: byte offsets would mean nothing to the page's
/// UTF-16 strings.
fn snippet_parts(snippet: &index::Snippet) -> Value {
    Value::Array(
        search::snippet_parts(snippet).into_iter().map(|(text, m)| json!([text, m])).collect(),
    )
}
