//! The JSON shapes of sessions, steps and findings, shared by every `--json` output, `tl export`
//! and the web UI's API, so that one field has one name everywhere (documented in
//! docs/json.md and, for exports, docs/trace.schema.json).

use event::Timestamp;
use index::{FindingRow, SessionRow, StepRow};
use serde_json::{Map, Value, json};

use crate::prices::Prices;

/// RFC 3339 UTC with milliseconds.
pub fn time(ts: Timestamp) -> String {
    let ns = ts.0;
    crate::home::rfc3339(
        ns.div_euclid(1_000_000_000),
        (ns.rem_euclid(1_000_000_000) / 1_000_000) as u32,
    )
}

/// A session's cost in USD, and whether every model with tokens had a price.
pub fn session_cost(session: &SessionRow, prices: &Prices) -> (f64, bool) {
    let mut total = 0.0;
    let mut all_priced = true;
    for m in &session.models {
        match prices.cost(&m.model, &m.tokens) {
            Some(c) => total += c,
            None if m.tokens.total() > 0 => all_priced = false,
            None => {}
        }
    }
    (total, all_priced)
}

/// Rounds a cost to a tenth of a cent's hundredth (6 decimals), so JSON stays readable.
fn round_cost(c: f64) -> f64 {
    (c * 1e6).round() / 1e6
}

/// A session as `tl sessions --json` and the export's `session` object show it.
pub fn session(s: &SessionRow, prices: &Prices) -> Value {
    let (cost, priced) = session_cost(s, prices);
    let models: Vec<Value> = s
        .models
        .iter()
        .map(|m| {
            json!({
                "model": m.model,
                "steps": m.steps,
                "tokens": m.tokens,
                "cost_usd": prices.cost(&m.model, &m.tokens).map(round_cost),
            })
        })
        .collect();
    json!({
        "id": s.id,
        "agent": s.agent,
        "cwd": s.cwd,
        "git_branch": s.git_branch,
        "title": s.title,
        "started_at": time(s.started_at),
        "ended_at": time(s.ended_at),
        "duration_ms": (s.ended_at.0 - s.started_at.0).max(0) / 1_000_000,
        "total_steps": s.total_steps,
        "total_anomalies": s.findings.total(),
        "anomalies": s.findings,
        "risk_level": s.findings.worst().map_or("none", |w| w.as_str()),
        "tokens": s.tokens(),
        "cost_usd": round_cost(cost),
        "cost_complete": priced,
        "models": models,
    })
}

/// A finding as every output shows it.
pub fn finding(f: &FindingRow) -> Value {
    json!({
        "rule": f.rule,
        "severity": f.severity,
        "message": f.message,
        "evidence": f.evidence,
    })
}

/// A step as `tl inspect --json`, `tl export` and the API show it: the TraceLog fields first
/// (`seq`, `event_type`, `summary`, `risk_level`, `duration_ms`, `anomalies`), then the step's own.
pub fn step(row: &StepRow) -> Value {
    let s = &row.step;
    let mut m = Map::new();
    m.insert("seq".into(), json!(s.seq.0));
    m.insert("event_type".into(), json!(s.kind));
    m.insert("summary".into(), json!(s.summary));
    m.insert("risk_level".into(), json!(row.severity.map_or("none", |v| v.as_str())));
    m.insert("duration_ms".into(), json!(s.duration_ms));
    m.insert("anomalies".into(), Value::Array(row.findings.iter().map(finding).collect()));
    m.insert("timestamp".into(), json!(time(s.ts_start)));
    m.insert("ended_at".into(), json!(s.ts_end.map(time)));
    m.insert("outcome".into(), json!(s.outcome));
    let mut put = |k: &str, v: Value| {
        if !v.is_null() {
            m.insert(k.into(), v);
        }
    };
    put("exit_code", json!(s.exit_code));
    put("tool", json!(s.tool_name));
    put("command", json!(s.command));
    if !s.paths.is_empty() {
        put("paths", json!(s.paths));
    }
    put("url", json!(s.url));
    put("query", json!(s.query));
    put("mcp", json!(s.mcp));
    put("cwd", json!(s.cwd));
    put("model", json!(s.model));
    put("tokens", json!(s.tokens));
    put("text", json!(s.text));
    put("output_preview", json!(s.output_preview));
    put("error", json!(s.error));
    put("http_status", json!(s.http_status));
    put("subagent_id", json!(s.subagent_id));
    put("parent_seq", json!(s.parent_seq.map(|p| p.0)));
    put("sources", json!(s.sources().iter().map(|x| x.as_str()).collect::<Vec<_>>()));
    put("lsns", json!(s.lsns.iter().map(|l| l.0).collect::<Vec<_>>()));
    Value::Object(m)
}
