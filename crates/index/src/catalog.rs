//! The SQLite catalog: sessions, steps, findings and the consumers' cursors (DESIGN.md §5).
//!
//! The catalog is what the read commands query. It is derived data: everything in it can be
//! rebuilt from the log (`tl reindex`), so it trades durability for speed (`synchronous=NORMAL`
//! in WAL mode: a power cut may roll back the last transactions, never tear one) and it is
//! **exactly once** because each batch's rows and the cursor that covers them commit in one
//! transaction ([`Batch::commit`]).
//!
//! # Layout
//!
//! - `sessions`: one row per agent session, keyed by a small integer (`sid`) so that the millions
//!   of step rows do not repeat a 36-byte id; start/end, agent, cwd, git branch, the first prompt,
//!   and the step count (= the highest seq: seqs are dense).
//! - `session_tokens`: token sums per session, model and counting kind (`TOKEN_USAGE` steps, or
//!   Gemini's `MODEL_RESPONSE` chunks where a session has no usage records: see [`SessionRow`]).
//! - `steps`: one row per step, `WITHOUT ROWID` on `(sid, seq)`: the columns the read commands
//!   filter and sort on, and the whole [`Step`] as a postcard body (bodies of outputs stay in the
//!   log, read by LSN).
//! - `findings`: one row per (step, rule); a step's `severity` column is the worst of its findings.
//! - `cursors` and `meta`: the LSN each consumer has covered, the schema version (`user_version`)
//!   and the rule set's hash.
//!
//! Readers never block the writer or each other (WAL mode); one writer at a time is the indexer's
//! lock file's job, not SQLite's.

use std::collections::HashMap;
use std::path::Path;

use event::{Agent, Kind, SessionId, Timestamp, Tokens};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::Severity;
use crate::steps::{Recall, Seq, Step, StepKey};

/// The schema version this code writes. Older catalogs are migrated on open; a newer one is
/// refused (rebuild with `tl reindex`, or upgrade tl).
pub const SCHEMA_VERSION: i64 = 1;

/// The migrations, in order: `MIGRATIONS[i]` takes version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE cursors (name TEXT PRIMARY KEY, lsn INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE sessions (
    sid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    agent TEXT NOT NULL,
    cwd TEXT,
    git_branch TEXT,
    title TEXT,
    started_at INTEGER NOT NULL,
    ended_at INTEGER NOT NULL,
    steps INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_by_start ON sessions (started_at);
CREATE TABLE session_tokens (
    sid INTEGER NOT NULL,
    model TEXT NOT NULL,
    kind TEXT NOT NULL,
    steps INTEGER NOT NULL,
    input INTEGER NOT NULL,
    output INTEGER NOT NULL,
    cache_read INTEGER NOT NULL,
    cache_write INTEGER NOT NULL,
    reasoning INTEGER NOT NULL,
    PRIMARY KEY (sid, model, kind)
) WITHOUT ROWID;
CREATE TABLE steps (
    sid INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    key INTEGER,
    kind TEXT NOT NULL,
    ts INTEGER NOT NULL,
    duration_ms INTEGER,
    outcome TEXT NOT NULL,
    severity INTEGER,
    last_lsn INTEGER NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (sid, seq)
) WITHOUT ROWID;
CREATE INDEX steps_by_key ON steps (sid, key) WHERE key IS NOT NULL;
CREATE TABLE findings (
    sid INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    rule TEXT NOT NULL,
    severity INTEGER NOT NULL,
    message TEXT NOT NULL,
    evidence TEXT NOT NULL,
    lsn INTEGER NOT NULL,
    PRIMARY KEY (sid, seq, rule)
) WITHOUT ROWID;
CREATE INDEX findings_by_severity ON findings (severity, sid);
"#];

/// A catalog error.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// SQLite failed.
    #[error("catalog: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored step body does not decode: the catalog is damaged or from an incompatible build.
    #[error(
        "catalog: step {session} #{seq} is unreadable ({reason}); rebuild it with `tl reindex`"
    )]
    Body {
        /// The session.
        session: String,
        /// The step.
        seq: u64,
        /// Why.
        reason: String,
    },
    /// The catalog was written by a newer tl.
    #[error(
        "catalog schema version {found} is newer than this tl understands ({SCHEMA_VERSION}); \
         upgrade tl or rebuild with `tl reindex`"
    )]
    TooNew {
        /// The version found.
        found: i64,
    },
    /// A session name matched nothing or more than one session.
    #[error("{0}")]
    Resolve(String),
}

/// A finding as a consumer reports it, for the step its event folded into.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewFinding {
    /// The rule id.
    pub rule: String,
    /// How bad.
    pub severity: Severity,
    /// What it means, for the user.
    pub message: String,
    /// What matched.
    pub evidence: String,
}

/// A stored finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FindingRow {
    /// The step it is about.
    pub seq: u64,
    /// The rule id.
    pub rule: String,
    /// How bad.
    pub severity: Severity,
    /// What it means.
    pub message: String,
    /// What matched.
    pub evidence: String,
    /// The record that triggered it (0 for a finding on the step as a whole, such as a duration).
    pub lsn: u64,
}

/// Finding counts by severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SeverityCounts {
    /// `info` findings.
    pub info: u64,
    /// `warning` findings.
    pub warning: u64,
    /// `danger` findings.
    pub danger: u64,
}

impl SeverityCounts {
    /// All findings.
    pub const fn total(&self) -> u64 {
        self.info + self.warning + self.danger
    }

    /// The worst severity with a finding.
    pub const fn worst(&self) -> Option<Severity> {
        if self.danger > 0 {
            Some(Severity::Danger)
        } else if self.warning > 0 {
            Some(Severity::Warning)
        } else if self.info > 0 {
            Some(Severity::Info)
        } else {
            None
        }
    }

    fn add(&mut self, severity: Severity, n: u64) {
        match severity {
            Severity::Info => self.info += n,
            Severity::Warning => self.warning += n,
            Severity::Danger => self.danger += n,
        }
    }
}

/// Tokens one model used in a session.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ModelUsage {
    /// The model (empty when the records did not say).
    pub model: String,
    /// How many steps reported tokens for it.
    pub steps: u64,
    /// The sums.
    pub tokens: Tokens,
}

/// A session as the catalog knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SessionRow {
    /// The agent's session id.
    pub id: String,
    /// The agent.
    pub agent: Agent,
    /// The working directory of its first step that had one.
    pub cwd: Option<String>,
    /// The git branch, where the agent reports it.
    pub git_branch: Option<String>,
    /// The first prompt, shortened.
    pub title: Option<String>,
    /// The first step's time.
    pub started_at: Timestamp,
    /// The last step's time.
    pub ended_at: Timestamp,
    /// The number of steps.
    pub total_steps: u64,
    /// Findings by severity.
    pub findings: SeverityCounts,
    /// Tokens per model: from `TOKEN_USAGE` steps, or, for a session without any, from
    /// `MODEL_RESPONSE` steps (Gemini's hooks give usage only on streamed responses).
    pub models: Vec<ModelUsage>,
}

impl SessionRow {
    /// The token sums over every model.
    pub fn tokens(&self) -> Tokens {
        let mut t = Tokens::default();
        for m in &self.models {
            add_tokens(&mut t, &m.tokens);
        }
        t
    }
}

/// Which sessions [`Catalog::sessions`] lists, newest first.
#[derive(Clone, Debug, Default)]
pub struct SessionFilter {
    /// At most this many (0: all).
    pub limit: usize,
    /// Only this agent's.
    pub agent: Option<Agent>,
    /// Only sessions with findings at least this severe.
    pub min_severity: Option<Severity>,
    /// Only sessions that ended at or after this time.
    pub since: Option<Timestamp>,
}

/// Which steps of a session [`Catalog::for_each_step`] visits, in seq order.
#[derive(Clone, Debug, Default)]
pub struct StepFilter {
    /// From this seq on (inclusive).
    pub from: Option<u64>,
    /// Up to this seq (inclusive).
    pub to: Option<u64>,
    /// Only these kinds (empty: all).
    pub kinds: Vec<Kind>,
    /// Only steps with findings at least this severe.
    pub min_severity: Option<Severity>,
    /// At most this many (0: all).
    pub limit: usize,
}

/// A step with its findings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepRow {
    /// The step.
    pub step: Step,
    /// The worst of its findings.
    pub severity: Option<Severity>,
    /// Its findings, worst first.
    pub findings: Vec<FindingRow>,
}

/// Aggregates over the steps of one session or of all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StepStats {
    /// Steps by kind, most frequent first.
    pub by_kind: Vec<(Kind, u64)>,
    /// Steps by outcome.
    pub by_outcome: Vec<(String, u64)>,
    /// Actions (steps with a call and a result) that ended in error.
    pub errors: u64,
    /// Actions.
    pub actions: u64,
    /// The slowest steps: (session, seq, duration ms).
    pub slowest: Vec<(String, u64, u64)>,
}

/// The catalog, open for reading and (with [`Catalog::batch`]) writing.
pub struct Catalog {
    conn: Connection,
    sids: HashMap<String, i64>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog").field("path", &self.conn.path()).finish_non_exhaustive()
    }
}

impl Catalog {
    /// Opens the catalog at `path`, creating it or migrating it to [`SCHEMA_VERSION`].
    pub fn open(path: &Path) -> Result<Catalog, CatalogError> {
        let conn = Connection::open(path)?;
        configure(&conn)?;
        migrate(&conn)?;
        Ok(Catalog { conn, sids: HashMap::new() })
    }

    /// A second connection to the same file, for a [`Recall`] beside a writer.
    pub fn recall(&self) -> Result<CatalogRecall, CatalogError> {
        let path = self.conn.path().unwrap_or_default().to_owned();
        let conn = Connection::open(path)?;
        configure(&conn)?;
        Ok(CatalogRecall { conn })
    }

    /// The LSN the consumer `name` has covered (0 when it has never run).
    pub fn cursor(&self, name: &str) -> Result<u64, CatalogError> {
        let lsn: Option<i64> = self
            .conn
            .query_row("SELECT lsn FROM cursors WHERE name = ?1", [name], |r| r.get(0))
            .optional()?;
        Ok(lsn.map_or(0, |l| l as u64))
    }

    /// A value from the `meta` table.
    pub fn meta(&self, key: &str) -> Result<Option<String>, CatalogError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Starts a write transaction: the rows of one batch and its cursor.
    pub fn batch(&mut self) -> Result<Batch<'_>, CatalogError> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        Ok(Batch { tx, sids: &mut self.sids, sessions: HashMap::new() })
    }

    /// The sessions matching `filter`, most recently started first.
    pub fn sessions(&self, filter: &SessionFilter) -> Result<Vec<SessionRow>, CatalogError> {
        let mut sql = String::from(
            "SELECT sid, id, agent, cwd, git_branch, title, started_at, ended_at, steps \
             FROM sessions s WHERE 1 = 1",
        );
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(agent) = filter.agent {
            sql.push_str(" AND agent = ?");
            args.push(agent.as_str().to_owned().into());
        }
        if let Some(since) = filter.since {
            sql.push_str(" AND ended_at >= ?");
            args.push(since.0.into());
        }
        if let Some(min) = filter.min_severity {
            sql.push_str(
                " AND EXISTS (SELECT 1 FROM findings f WHERE f.sid = s.sid AND f.severity >= ?)",
            );
            args.push(i64::from(severity_code(min)).into());
        }
        sql.push_str(" ORDER BY started_at DESC, id DESC");
        if filter.limit > 0 {
            sql.push_str(&format!(" LIMIT {}", filter.limit));
        }
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), session_head)?;
        let mut out = Vec::new();
        for row in rows {
            let (sid, mut session) = row?;
            self.fill_session(sid, &mut session)?;
            out.push(session);
        }
        Ok(out)
    }

    /// The session with exactly this id.
    pub fn session(&self, id: &str) -> Result<Option<SessionRow>, CatalogError> {
        let head = self
            .conn
            .query_row(
                "SELECT sid, id, agent, cwd, git_branch, title, started_at, ended_at, steps \
                 FROM sessions WHERE id = ?1",
                [id],
                session_head,
            )
            .optional()?;
        match head {
            Some((sid, mut session)) => {
                self.fill_session(sid, &mut session)?;
                Ok(Some(session))
            }
            None => Ok(None),
        }
    }

    /// The session a user named: `last` (the most recently started), a whole id, or a unique
    /// prefix of one.
    pub fn resolve_session(&self, name: &str) -> Result<String, CatalogError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(CatalogError::Resolve("empty session name".into()));
        }
        if name == "last" {
            return self
                .conn
                .query_row(
                    "SELECT id FROM sessions ORDER BY started_at DESC, id DESC LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .optional()?
                .ok_or_else(|| {
                    CatalogError::Resolve(
                        "no sessions recorded yet (hint: `tl install <agent>`, or `tl demo`)"
                            .into(),
                    )
                });
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM sessions WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT 6",
        )?;
        let upper = prefix_upper_bound(name);
        let ids: Vec<String> =
            stmt.query_map(params![name, upper], |r| r.get(0))?.collect::<Result<_, _>>()?;
        if let Some(exact) = ids.iter().find(|id| *id == name) {
            return Ok(exact.clone());
        }
        match ids.len() {
            0 => Err(CatalogError::Resolve(format!(
                "no session matches {name:?} (hint: `tl sessions` lists them)"
            ))),
            1 => Ok(ids.into_iter().next().unwrap_or_default()),
            _ => Err(CatalogError::Resolve(format!(
                "{name:?} matches several sessions ({}{}); type more of the id",
                ids.iter().take(5).map(|i| short_id(i)).collect::<Vec<_>>().join(", "),
                if ids.len() > 5 { ", …" } else { "" }
            ))),
        }
    }

    /// Visits the steps of `session` that match `filter`, in seq order, without holding more
    /// than one in memory; `visit` returns false to stop.
    pub fn for_each_step(
        &self,
        session: &str,
        filter: &StepFilter,
        mut visit: impl FnMut(StepRow) -> bool,
    ) -> Result<(), CatalogError> {
        let Some(sid) = self.sid_of(session)? else { return Ok(()) };
        let mut sql = String::from(
            "SELECT seq, severity, body FROM steps WHERE sid = ?1 AND seq >= ?2 AND seq <= ?3",
        );
        if !filter.kinds.is_empty() {
            let kinds: Vec<String> =
                filter.kinds.iter().map(|k| format!("'{}'", k.as_str())).collect();
            sql.push_str(&format!(" AND kind IN ({})", kinds.join(",")));
        }
        if let Some(min) = filter.min_severity {
            sql.push_str(&format!(" AND severity >= {}", severity_code(min)));
        }
        sql.push_str(" ORDER BY seq");
        if filter.limit > 0 {
            sql.push_str(&format!(" LIMIT {}", filter.limit));
        }
        let from = filter.from.unwrap_or(0).min(i64::MAX as u64) as i64;
        let to = filter.to.unwrap_or(u64::MAX).min(i64::MAX as u64) as i64;
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(params![sid, from, to])?;
        let mut findings = self.conn.prepare_cached(FINDINGS_OF_STEP)?;
        while let Some(row) = rows.next()? {
            let seq: i64 = row.get(0)?;
            let severity: Option<i64> = row.get(1)?;
            let body: Vec<u8> = row.get(2)?;
            let step = decode_body(session, seq as u64, &body)?;
            let findings = if severity.is_some() {
                findings
                    .query_map(params![sid, seq], finding_row)?
                    .collect::<Result<Vec<_>, _>>()?
            } else {
                Vec::new()
            };
            let row = StepRow { step, severity: severity.map(severity_of), findings };
            if !visit(row) {
                break;
            }
        }
        Ok(())
    }

    /// One step with its findings.
    pub fn step(&self, session: &str, seq: u64) -> Result<Option<StepRow>, CatalogError> {
        let mut found = None;
        let filter = StepFilter { from: Some(seq), to: Some(seq), ..StepFilter::default() };
        self.for_each_step(session, &filter, |row| {
            found = Some(row);
            false
        })?;
        Ok(found)
    }

    /// The steps, with their worst severity, that have findings at least `min` severe, in the
    /// given sessions (all when `None`): what a `severity:` search filter allows.
    pub fn flagged_steps(
        &self,
        min: Severity,
        sessions: Option<&[String]>,
    ) -> Result<Vec<(String, u64)>, CatalogError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT s.id, f.seq FROM findings f JOIN sessions s ON s.sid = f.sid \
             WHERE f.severity >= ?1",
        )?;
        let rows = stmt.query_map([severity_code(min)], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, seq) = row?;
            if sessions.is_none_or(|s| s.contains(&id)) {
                out.push((id, seq));
            }
        }
        Ok(out)
    }

    /// Aggregates over one session's steps, or every session's.
    pub fn step_stats(
        &self,
        session: Option<&str>,
        slowest: usize,
    ) -> Result<StepStats, CatalogError> {
        let sid = match session {
            Some(id) => match self.sid_of(id)? {
                Some(sid) => Some(sid),
                None => return Ok(StepStats::default()),
            },
            None => None,
        };
        let (clause, arg) = match sid {
            Some(sid) => ("WHERE sid = ?1", sid),
            None => ("WHERE ?1 = ?1", 0),
        };
        let mut stats = StepStats::default();
        let mut stmt = self.conn.prepare(&format!(
            "SELECT kind, count(*) FROM steps {clause} GROUP BY kind ORDER BY count(*) DESC, kind"
        ))?;
        for row in stmt.query_map([arg], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
            let (kind, n) = row?;
            if let Ok(kind) = kind.parse::<Kind>() {
                stats.by_kind.push((kind, n as u64));
            }
        }
        let mut stmt = self.conn.prepare(&format!(
            "SELECT outcome, count(*) FROM steps {clause} GROUP BY outcome ORDER BY count(*) DESC"
        ))?;
        for row in stmt.query_map([arg], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
            let (outcome, n) = row?;
            stats.by_outcome.push((outcome, n as u64));
        }
        // An action is a step with a duration or a pending call; instants have neither.
        let (actions, errors): (i64, i64) = self.conn.query_row(
            &format!(
                "SELECT count(*), coalesce(sum(outcome = 'error'), 0) FROM steps {clause} \
                 AND (duration_ms IS NOT NULL OR outcome = 'pending') AND kind NOT IN \
                 ('USER_INPUT','ASSISTANT_TEXT','AGENT_THINK','TOKEN_USAGE','SESSION_START',\
                 'SESSION_END','STOP','NOTIFICATION','COMPACTION','MODEL_REQUEST','MODEL_RESPONSE','OTHER')"
            ),
            [arg],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        stats.actions = actions as u64;
        stats.errors = errors as u64;
        if slowest > 0 {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT s.id, t.seq, t.duration_ms FROM steps t JOIN sessions s ON s.sid = t.sid \
                 {} AND t.duration_ms IS NOT NULL ORDER BY t.duration_ms DESC LIMIT {slowest}",
                clause.replace("sid", "t.sid")
            ))?;
            for row in stmt.query_map([arg], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64, r.get::<_, i64>(2)? as u64))
            })? {
                stats.slowest.push(row?);
            }
        }
        Ok(stats)
    }

    /// How many sessions, steps and findings the catalog holds.
    pub fn counts(&self) -> Result<(u64, u64, u64), CatalogError> {
        let n = |table: &str| -> Result<u64, CatalogError> {
            Ok(self
                .conn
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get::<_, i64>(0))?
                as u64)
        };
        Ok((n("sessions")?, n("steps")?, n("findings")?))
    }

    /// Visits every step (with its worst severity) of every session, in (session, seq) order:
    /// for recomputing findings and rebuilding the full-text index.
    pub fn for_each_stored_step(
        &self,
        mut visit: impl FnMut(&Step) -> Result<(), CatalogError>,
    ) -> Result<(), CatalogError> {
        let mut stmt = self.conn.prepare(
            "SELECT s.id, t.seq, t.body FROM steps t JOIN sessions s ON s.sid = t.sid \
             ORDER BY t.sid, t.seq",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            let seq: i64 = row.get(1)?;
            let body: Vec<u8> = row.get(2)?;
            visit(&decode_body(&id, seq as u64, &body)?)?;
        }
        Ok(())
    }

    /// Removes every step whose records all lie before `lsn` (their segments are about to be
    /// removed), their findings, and the sessions left without steps; recomputes nothing else
    /// (token sums keep what the removed steps counted: they are history). Returns the sessions
    /// removed whole and the number of steps removed.
    pub fn remove_before(&mut self, lsn: u64) -> Result<(Vec<String>, u64), CatalogError> {
        let tx = self.conn.transaction()?;
        let lsn = lsn.min(i64::MAX as u64) as i64;
        tx.execute(
            "DELETE FROM findings WHERE EXISTS (SELECT 1 FROM steps t WHERE t.sid = findings.sid \
             AND t.seq = findings.seq AND t.last_lsn < ?1)",
            [lsn],
        )?;
        let steps = tx.execute("DELETE FROM steps WHERE last_lsn < ?1", [lsn])? as u64;
        let mut removed = Vec::new();
        {
            let mut stmt = tx.prepare(
                "SELECT id FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM steps t WHERE t.sid = s.sid)",
            )?;
            for id in stmt.query_map([], |r| r.get::<_, String>(0))? {
                removed.push(id?);
            }
        }
        tx.execute(
            "DELETE FROM session_tokens WHERE sid IN (SELECT sid FROM sessions s WHERE NOT EXISTS \
             (SELECT 1 FROM steps t WHERE t.sid = s.sid))",
            [],
        )?;
        tx.execute(
            "DELETE FROM sessions WHERE NOT EXISTS (SELECT 1 FROM steps t WHERE t.sid = sessions.sid)",
            [],
        )?;
        tx.commit()?;
        self.sids.clear();
        Ok((removed, steps))
    }

    /// Deletes every finding and clears every step's severity: the start of recomputing findings
    /// under a new rule set. The caller then adds findings with [`Batch::add_finding`] and records
    /// the rule set with [`Batch::set_meta`] in the same transaction as the last of them.
    pub fn clear_findings(&mut self) -> Result<(), CatalogError> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM findings", [])?;
        tx.execute("UPDATE steps SET severity = NULL WHERE severity IS NOT NULL", [])?;
        tx.commit()?;
        Ok(())
    }

    fn sid_of(&self, session: &str) -> Result<Option<i64>, CatalogError> {
        if let Some(sid) = self.sids.get(session) {
            return Ok(Some(*sid));
        }
        Ok(self
            .conn
            .query_row("SELECT sid FROM sessions WHERE id = ?1", [session], |r| r.get(0))
            .optional()?)
    }

    fn fill_session(&self, sid: i64, session: &mut SessionRow) -> Result<(), CatalogError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT severity, count(*) FROM findings WHERE sid = ?1 GROUP BY severity",
        )?;
        for row in stmt.query_map([sid], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))? {
            let (severity, n) = row?;
            session.findings.add(severity_of(severity), n as u64);
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT model, kind, steps, input, output, cache_read, cache_write, reasoning \
             FROM session_tokens WHERE sid = ?1 ORDER BY kind = 'TOKEN_USAGE' DESC, model",
        )?;
        let mut usage_kind: Option<String> = None;
        for row in stmt.query_map([sid], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                ModelUsage {
                    model: String::new(),
                    steps: r.get::<_, i64>(2)? as u64,
                    tokens: Tokens {
                        input: r.get::<_, i64>(3)? as u64,
                        output: r.get::<_, i64>(4)? as u64,
                        cache_read: r.get::<_, i64>(5)? as u64,
                        cache_write: r.get::<_, i64>(6)? as u64,
                        reasoning: r.get::<_, i64>(7)? as u64,
                    },
                },
            ))
        })? {
            let (model, kind, mut usage) = row?;
            // The first kind (TOKEN_USAGE when present) is the one that counts.
            if usage_kind.get_or_insert_with(|| kind.clone()) != &kind {
                continue;
            }
            usage.model = model;
            session.models.push(usage);
        }
        Ok(())
    }
}

const FINDINGS_OF_STEP: &str = "SELECT seq, rule, severity, message, evidence, lsn FROM findings \
                                WHERE sid = ?1 AND seq = ?2 ORDER BY severity DESC, rule";

/// One batch of writes: steps, findings and sessions, committed with the cursor.
pub struct Batch<'c> {
    tx: rusqlite::Transaction<'c>,
    sids: &'c mut HashMap<String, i64>,
    sessions: HashMap<i64, SessionDelta>,
}

/// What a batch changes in a session row.
#[derive(Default)]
struct SessionDelta {
    started_at: Option<i64>,
    ended_at: Option<i64>,
    steps: u64,
    cwd: Option<String>,
    title: Option<String>,
    git_branch: Option<String>,
}

impl Batch<'_> {
    /// Inserts or replaces a step (its findings and severity are kept), and updates its
    /// session's row and token sums.
    pub fn upsert_step(&mut self, step: &Step) -> Result<(), CatalogError> {
        let sid = self.sid(&step.session, step.agent, step.ts_start)?;
        let body = postcard::to_allocvec(step).map_err(|e| CatalogError::Body {
            session: step.session.0.clone(),
            seq: step.seq.0,
            reason: e.to_string(),
        })?;
        let seq = step.seq.0.min(i64::MAX as u64) as i64;
        if step.tokens.is_some() {
            self.account_tokens(sid, step)?;
        }
        let last_lsn = step.lsns.iter().map(|l| l.0).max().unwrap_or(0).min(i64::MAX as u64) as i64;
        self.tx
            .prepare_cached(
                "INSERT INTO steps (sid, seq, key, kind, ts, duration_ms, outcome, last_lsn, body) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
                 ON CONFLICT (sid, seq) DO UPDATE SET key = excluded.key, kind = excluded.kind, \
                 ts = excluded.ts, duration_ms = excluded.duration_ms, outcome = excluded.outcome, \
                 last_lsn = excluded.last_lsn, body = excluded.body",
            )?
            .execute(params![
                sid,
                seq,
                step.key.map(|k| k.0 as i64),
                step.kind.as_str(),
                step.ts_start.0,
                step.duration_ms.map(|d| d.min(i64::MAX as u64) as i64),
                step.outcome.as_str(),
                last_lsn,
                body
            ])?;
        let delta = self.sessions.entry(sid).or_default();
        let start = step.ts_start.0;
        let end = step.ts_end.map_or(start, |e| e.0.max(start));
        delta.started_at = Some(delta.started_at.map_or(start, |s| s.min(start)));
        delta.ended_at = Some(delta.ended_at.map_or(end, |e| e.max(end)));
        delta.steps = delta.steps.max(step.seq.0);
        if delta.cwd.is_none() {
            delta.cwd.clone_from(&step.cwd);
        }
        if delta.title.is_none() && step.kind == Kind::UserInput {
            delta.title = step.text.as_deref().map(title_of);
        }
        Ok(())
    }

    /// Records the git branch of a session, if it has none yet.
    pub fn set_git_branch(
        &mut self,
        session: &SessionId,
        agent: Agent,
        ts: Timestamp,
        branch: &str,
    ) -> Result<(), CatalogError> {
        let sid = self.sid(session, agent, ts)?;
        let delta = self.sessions.entry(sid).or_default();
        if delta.git_branch.is_none() {
            delta.git_branch = Some(branch.to_owned());
        }
        Ok(())
    }

    /// Adds a finding to step `seq` of `session` (which this batch or an earlier one stored);
    /// a second finding of the same rule on the same step keeps the worse severity.
    pub fn add_finding(
        &mut self,
        session: &SessionId,
        seq: Seq,
        lsn: u64,
        finding: &NewFinding,
    ) -> Result<(), CatalogError> {
        let Some(sid) = self.existing_sid(session)? else { return Ok(()) };
        let seq = seq.0.min(i64::MAX as u64) as i64;
        let code = i64::from(severity_code(finding.severity));
        self.tx
            .prepare_cached(
                "INSERT INTO findings (sid, seq, rule, severity, message, evidence, lsn) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (sid, seq, rule) DO UPDATE SET \
                 severity = max(severity, excluded.severity), message = excluded.message, \
                 evidence = excluded.evidence",
            )?
            .execute(params![
                sid,
                seq,
                finding.rule,
                code,
                finding.message,
                finding.evidence,
                lsn.min(i64::MAX as u64) as i64
            ])?;
        self.tx
            .prepare_cached(
                "UPDATE steps SET severity = max(coalesce(severity, -1), ?3) WHERE sid = ?1 AND seq = ?2",
            )?
            .execute(params![sid, seq, code])?;
        Ok(())
    }

    /// Removes the findings on step `seq` as a whole (those without a record: durations), before
    /// it is judged again with its latest state.
    pub fn clear_step_findings(
        &mut self,
        session: &SessionId,
        seq: Seq,
    ) -> Result<(), CatalogError> {
        let Some(sid) = self.existing_sid(session)? else { return Ok(()) };
        let seq = seq.0.min(i64::MAX as u64) as i64;
        let removed = self
            .tx
            .prepare_cached("DELETE FROM findings WHERE sid = ?1 AND seq = ?2 AND lsn = 0")?
            .execute(params![sid, seq])?;
        if removed > 0 {
            self.tx
                .prepare_cached(
                    "UPDATE steps SET severity = (SELECT max(severity) FROM findings f \
                     WHERE f.sid = ?1 AND f.seq = ?2) WHERE sid = ?1 AND seq = ?2",
                )?
                .execute(params![sid, seq])?;
        }
        Ok(())
    }

    /// Applies the session changes, sets `cursor` to `lsn`, and commits everything at once.
    pub fn commit(mut self, cursor: &str, lsn: u64) -> Result<(), CatalogError> {
        for (sid, d) in std::mem::take(&mut self.sessions) {
            self.tx
                .prepare_cached(
                    "UPDATE sessions SET started_at = min(started_at, coalesce(?2, started_at)), \
                     ended_at = max(ended_at, coalesce(?3, ended_at)), steps = max(steps, ?4), \
                     cwd = coalesce(cwd, ?5), title = coalesce(title, ?6), \
                     git_branch = coalesce(git_branch, ?7) WHERE sid = ?1",
                )?
                .execute(params![
                    sid,
                    d.started_at,
                    d.ended_at,
                    d.steps.min(i64::MAX as u64) as i64,
                    d.cwd,
                    d.title,
                    d.git_branch
                ])?;
        }
        self.tx
            .prepare_cached(
                "INSERT INTO cursors (name, lsn) VALUES (?1, ?2) \
                 ON CONFLICT (name) DO UPDATE SET lsn = excluded.lsn",
            )?
            .execute(params![cursor, lsn.min(i64::MAX as u64) as i64])?;
        self.tx.commit()?;
        Ok(())
    }

    /// Sets a `meta` value in this transaction.
    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<(), CatalogError> {
        self.tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// The session's `sid`, creating its row on first sight.
    fn sid(
        &mut self,
        session: &SessionId,
        agent: Agent,
        ts: Timestamp,
    ) -> Result<i64, CatalogError> {
        if let Some(sid) = self.existing_sid(session)? {
            return Ok(sid);
        }
        self.tx
            .prepare_cached(
                "INSERT INTO sessions (id, agent, started_at, ended_at) VALUES (?1, ?2, ?3, ?3)",
            )?
            .execute(params![session.0, agent.as_str(), ts.0])?;
        let sid = self.tx.last_insert_rowid();
        self.sids.insert(session.0.clone(), sid);
        Ok(sid)
    }

    fn existing_sid(&mut self, session: &SessionId) -> Result<Option<i64>, CatalogError> {
        if let Some(sid) = self.sids.get(&session.0) {
            return Ok(Some(*sid));
        }
        let sid: Option<i64> = self
            .tx
            .prepare_cached("SELECT sid FROM sessions WHERE id = ?1")?
            .query_row([&session.0], |r| r.get(0))
            .optional()?;
        if let Some(sid) = sid {
            self.sids.insert(session.0.clone(), sid);
        }
        Ok(sid)
    }

    /// Moves the session's token sums from what the stored copy of `step` counted to what it
    /// counts now (a later copy of a usage record may fill in the model or the counts).
    fn account_tokens(&mut self, sid: i64, step: &Step) -> Result<(), CatalogError> {
        let seq = step.seq.0.min(i64::MAX as u64) as i64;
        let old: Option<Vec<u8>> = self
            .tx
            .prepare_cached("SELECT body FROM steps WHERE sid = ?1 AND seq = ?2")?
            .query_row(params![sid, seq], |r| r.get(0))
            .optional()?;
        if let Some(old) = old {
            let old = decode_body(&step.session.0, step.seq.0, &old)?;
            if old.tokens == step.tokens && old.model == step.model && old.kind == step.kind {
                return Ok(());
            }
            if let Some(tokens) = &old.tokens {
                self.add_tokens(sid, old.model.as_deref(), old.kind, tokens, -1)?;
            }
        }
        if let Some(tokens) = &step.tokens {
            self.add_tokens(sid, step.model.as_deref(), step.kind, tokens, 1)?;
        }
        Ok(())
    }

    fn add_tokens(
        &mut self,
        sid: i64,
        model: Option<&str>,
        kind: Kind,
        t: &Tokens,
        sign: i64,
    ) -> Result<(), CatalogError> {
        let n = |v: u64| sign * v.min(i64::MAX as u64) as i64;
        self.tx
            .prepare_cached(
                "INSERT INTO session_tokens (sid, model, kind, steps, input, output, cache_read, \
                 cache_write, reasoning) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
                 ON CONFLICT (sid, model, kind) DO UPDATE SET steps = steps + excluded.steps, \
                 input = input + excluded.input, output = output + excluded.output, \
                 cache_read = cache_read + excluded.cache_read, \
                 cache_write = cache_write + excluded.cache_write, \
                 reasoning = reasoning + excluded.reasoning",
            )?
            .execute(params![
                sid,
                model.unwrap_or(""),
                kind.as_str(),
                sign,
                n(t.input),
                n(t.output),
                n(t.cache_read),
                n(t.cache_write),
                n(t.reasoning)
            ])?;
        Ok(())
    }
}

/// The catalog as a [`Recall`] for the step folder: reads committed steps through its own
/// connection.
pub struct CatalogRecall {
    conn: Connection,
}

impl std::fmt::Debug for CatalogRecall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogRecall").finish_non_exhaustive()
    }
}

impl Recall for CatalogRecall {
    fn last_seq(&mut self, session: &SessionId) -> Option<Seq> {
        self.conn
            .prepare_cached("SELECT steps FROM sessions WHERE id = ?1")
            .and_then(|mut s| s.query_row([&session.0], |r| r.get::<_, i64>(0)).optional())
            .ok()
            .flatten()
            .filter(|n| *n > 0)
            .map(|n| Seq(n as u64))
    }

    fn steps_with_key(&mut self, session: &SessionId, key: StepKey) -> Vec<Step> {
        let result = (|| -> Result<Vec<Step>, CatalogError> {
            let mut stmt = self.conn.prepare_cached(
                // Without statistics SQLite prefers the primary key's `sid` prefix, which scans
                // the whole session per lookup (quadratic on a long session): name the index.
                "SELECT t.seq, t.body FROM steps t INDEXED BY steps_by_key \
                 JOIN sessions s ON s.sid = t.sid \
                 WHERE s.id = ?1 AND t.key = ?2 AND t.key IS NOT NULL",
            )?;
            let mut rows = stmt.query(params![session.0, key.0 as i64])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                let seq: i64 = row.get(0)?;
                let body: Vec<u8> = row.get(1)?;
                out.push(decode_body(&session.0, seq as u64, &body)?);
            }
            Ok(out)
        })();
        result.unwrap_or_default()
    }
}

fn configure(conn: &Connection) -> Result<(), CatalogError> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    Ok(())
}

fn migrate(conn: &Connection) -> Result<(), CatalogError> {
    // Two processes may open a fresh catalog at once (the daemon and a read command): the
    // version is read and raised inside one IMMEDIATE transaction, so only one of them migrates.
    loop {
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(CatalogError::TooNew { found: version });
        }
        if version == SCHEMA_VERSION {
            return Ok(());
        }
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let result = (|| -> Result<(), CatalogError> {
            let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
            if let Some(sql) = usize::try_from(version).ok().and_then(|v| MIGRATIONS.get(v)) {
                conn.execute_batch(sql)?;
                conn.pragma_update(None, "user_version", version + 1)?;
            }
            Ok(())
        })();
        match result {
            Ok(()) => conn.execute_batch("COMMIT")?,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
    }
}

fn session_head(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, SessionRow)> {
    let agent: String = r.get(2)?;
    Ok((
        r.get(0)?,
        SessionRow {
            id: r.get(1)?,
            agent: agent.parse().unwrap_or(Agent::Generic),
            cwd: r.get(3)?,
            git_branch: r.get(4)?,
            title: r.get(5)?,
            started_at: Timestamp(r.get(6)?),
            ended_at: Timestamp(r.get(7)?),
            total_steps: r.get::<_, i64>(8)? as u64,
            findings: SeverityCounts::default(),
            models: Vec::new(),
        },
    ))
}

fn finding_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FindingRow> {
    Ok(FindingRow {
        seq: r.get::<_, i64>(0)? as u64,
        rule: r.get(1)?,
        severity: severity_of(r.get(2)?),
        message: r.get(3)?,
        evidence: r.get(4)?,
        lsn: r.get::<_, i64>(5)? as u64,
    })
}

fn decode_body(session: &str, seq: u64, body: &[u8]) -> Result<Step, CatalogError> {
    postcard::from_bytes(body).map_err(|e| CatalogError::Body {
        session: session.to_owned(),
        seq,
        reason: e.to_string(),
    })
}

const fn severity_code(s: Severity) -> u8 {
    match s {
        Severity::Info => 0,
        Severity::Warning => 1,
        Severity::Danger => 2,
    }
}

fn severity_of(code: i64) -> Severity {
    match code {
        i64::MIN..=0 => Severity::Info,
        1 => Severity::Warning,
        _ => Severity::Danger,
    }
}

fn add_tokens(total: &mut Tokens, t: &Tokens) {
    total.input += t.input;
    total.output += t.output;
    total.cache_read += t.cache_read;
    total.cache_write += t.cache_write;
    total.reasoning += t.reasoning;
}

/// The first line of a prompt, at most 120 characters.
fn title_of(text: &str) -> String {
    let line = text.trim().lines().next().unwrap_or("").trim();
    match line.char_indices().nth(120) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_owned(),
    }
}

/// The first 8 characters of an id, the way lists show it.
pub fn short_id(id: &str) -> &str {
    match id.char_indices().nth(8) {
        Some((i, _)) => &id[..i],
        None => id,
    }
}

/// The smallest string greater than every string that starts with `prefix`.
fn prefix_upper_bound(prefix: &str) -> String {
    let mut s = prefix.to_owned();
    s.push(char::MAX);
    s
}
