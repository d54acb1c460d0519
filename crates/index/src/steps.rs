//! Step folding: the pure core of the indexer, which turns log records into the steps users see.
//!
//! A [`StepFolder`] takes `(Lsn, Event)` records in log order and gives back, for each, the steps
//! it created or changed ([`StepUpdate`]); the catalog upserts them on `(session, seq)`. It does no
//! IO and never panics.
//!
//! # One step per action
//!
//! The `Phase::Call` and `Phase::Result` events of one action fold into one [`Step`]: start and end
//! time, duration (the agent's `duration_ms` when it gives one, else end − start), outcome
//! ([`StepOutcome`]: `pending` until a result arrives), the call's fields and a preview of the
//! result's output. A `Phase::Instant` event is a step by itself. Steps are numbered 1..N per
//! session in log order: the order of their *first* record. Each step keeps the LSNs of its records
//! (the bodies stay in the log) and which sources contributed its call and its result.
//!
//! # Deduplication
//!
//! Recording a session with hooks *and* importing its transcript must give one set of steps, in
//! whichever order the two arrive. Every record gets an *identity* ([`StepKey`], a 64-bit FNV-1a
//! hash, stable across processes so the catalog can store it), and one of two merge rules:
//!
//! - **Unique** identities: every record with the key folds into the one step with that key, from
//!   any source, any number of times. Tool calls and results with an agent's own correlation id
//!   (`tool_use_id`, `call_id`): the key is [`Event::pair_key`] (id, call kind, first path), so
//!   Claude Code's `PostToolUse` *and* `PostToolBatch` *and* the transcript's `tool_result` all land
//!   in the call's step. `TOKEN_USAGE` with a `message_id`/`request_id`: the key is the pair (the
//!   ids of one model response, identical in every copy of it).
//! - **Repeatable** identities, for content that may legitimately occur twice in a session: a
//!   record from source S folds into the *oldest* step with its key that has no record of the same
//!   half (call, result, instant) from S yet, else it starts a new step. Within one source that
//!   makes every occurrence a step of its own; across sources it pairs the n-th occurrence of each
//!   with the n-th of the other. This covers Gemini's content-hash correlation ids (`h:…`, equal
//!   for identical calls: a result closes the oldest call of its source still without one) and the
//!   instants both sources report, identified by content:
//!
//! | kind | identity (always with the session and the kind) | why |
//! |---|---|---|
//! | `USER_INPUT` | the prompt text, trimmed | Codex and Gemini give no prompt id; Claude's `prompt_id` is missing from older transcripts |
//! | `ASSISTANT_TEXT`, `AGENT_THINK` | the text, trimmed | Claude's hook `message_id` is not the transcript's `message.id` |
//! | `SESSION_START`, `SESSION_END` | nothing more (the n-th start is the n-th start) | the summaries differ (`startup` vs the CLI version) |
//! | `STOP` | the turn id and the outcome | Codex gives the turn in both; an interrupt (transcript only, for Claude) is not a normal stop |
//! | `COMPACTION` | the text (empty for the start of a compaction) | `PreCompact` ↔ `compact_boundary`, `PostCompact` ↔ the summary record |
//! | `SUBAGENT_START`, `SUBAGENT_STOP` | the subagent id | |
//! | `TOKEN_USAGE` without ids | none | |
//!
//! Other instants (`OTHER`, `NOTIFICATION`, `PERMISSION_REQUEST`, Gemini's `MODEL_REQUEST` and
//! `MODEL_RESPONSE`, which are stream chunks with no one-to-one transcript counterpart) and calls
//! or results without a correlation id have no identity: each is a step of its own.
//!
//! When copies disagree, a field keeps the value of the highest-ranked source that gave one (hooks
//! and the daemon over ptrace and MCP proxies over Codex's notify over transcripts; within a source,
//! the first), so the result does not depend on which copy came first. Outcomes and exit codes take
//! the most severe value any copy reports (a non-zero exit beats a zero, an error beats `ok`),
//! times the earliest.
//!
//! # Memory
//!
//! The folder keeps at most [`FolderConfig::max_live_steps`] steps in memory, open (pending) or
//! recently completed, evicting the least recently touched beyond; and the sequence counters of at
//! most [`FolderConfig::max_sessions`] sessions besides those with steps in memory (with
//! [`NoRecall`], every session's counter: some 100 bytes a session). Memory is bounded by these,
//! not by the history.
//! A record whose step was evicted is matched through [`Recall`], which the catalog implements
//! (the steps of a session with a given key, and its last seq); with [`NoRecall`], such a record
//! starts a new step, and a pending call evicted before its result stays pending.
//! A step keeps previews only: output and error up to [`OUTPUT_PREVIEW_CHARS`], prompts and other
//! text up to [`TEXT_PREVIEW_CHARS`], the command up to [`COMMAND_MAX_CHARS`], at most
//! [`MAX_PATHS`] paths and [`MAX_LSNS`] record LSNs.
//!
//! # Subagents
//!
//! A step keeps its event's `subagent_id` and `parent_id`; a step run by a subagent gets
//! [`Step::parent_seq`], the seq of the `AGENT_ACT` step (the `Task`/`Agent` call) whose result
//! names that subagent, as soon as both are known (the subagent's steps usually come first: they
//! are updated when the parent's result arrives, if still in memory).
//!
//! # Known limits
//!
//! - A step both sources saw is numbered where the source that came first put it: Claude Code's
//!   hooks report an assistant text after the tool call it announces, its transcript before, so
//!   hooks-then-transcript and transcript-then-hooks give the same steps under different seqs.
//!   A timeline that must not depend on arrival sorts by [`Step::ts_start`].
//! - Repeatable identities pair the n-th occurrences of two sources: if one source missed an
//!   earlier occurrence (hooks installed in the middle of a session in which the same prompt was
//!   typed twice), the later ones pair off by one.
//! - Gemini's hooks stream the model's answer as `MODEL_RESPONSE` chunks, its transcript as one
//!   `ASSISTANT_TEXT` and one `TOKEN_USAGE` per message: both stay, so a session's token total
//!   must prefer `TOKEN_USAGE` steps where there are any.
//! - A step revived from the catalog takes every field as set by its best source: a later copy
//!   can no longer replace a value that a lower-ranked copy set before the eviction, only fill
//!   gaps (in memory it would replace it).
//! - Calls and results without a correlation id cannot be paired: each is a step (pending or
//!   result-only).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use event::{
    Agent, CorrelationId, Event, Kind, McpTarget, Outcome, Phase, SessionId, Source, Timestamp,
    Tokens,
};
use wal::Lsn;

/// The longest output or error preview a step keeps, in characters. The whole output stays in
/// the log, read by LSN.
pub const OUTPUT_PREVIEW_CHARS: usize = 240;

/// The longest text (prompt, assistant text, thinking, a call's description) a step keeps, in
/// characters.
pub const TEXT_PREVIEW_CHARS: usize = 1024;

/// The longest command line a step keeps, in characters.
pub const COMMAND_MAX_CHARS: usize = 4096;

/// The most paths a step keeps.
pub const MAX_PATHS: usize = 64;

/// The most record LSNs a step keeps (a step has two to five records in practice).
pub const MAX_LSNS: usize = 64;

/// The longest summary, in characters (as capture writes them).
const SUMMARY_MAX_CHARS: usize = 160;

/// The most subagent → parent step links remembered per session.
const MAX_SUBAGENT_LINKS: usize = 4096;

/// A step's number in its session: 1 for the first step, in log order.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Seq(pub u64);

impl std::fmt::Display for Seq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The identity of a step within its session, for merging the copies of its records (see the
/// [module docs](self)): a 64-bit FNV-1a hash, stable across processes and versions of Rust.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StepKey(pub u64);

/// A set of [`Source`]s: which channels contributed a step's records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sources(u32);

impl Sources {
    /// No source.
    pub const EMPTY: Sources = Sources(0);

    /// This set and `source`.
    pub const fn with(self, source: Source) -> Sources {
        Sources(self.0 | Sources::bit(source))
    }

    /// Whether `source` is in the set.
    pub const fn contains(self, source: Source) -> bool {
        self.0 & Sources::bit(source) != 0
    }

    /// Both sets.
    pub const fn union(self, other: Sources) -> Sources {
        Sources(self.0 | other.0)
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The sources in the set, in codec order.
    pub fn iter(self) -> impl Iterator<Item = Source> {
        Source::ALL.iter().copied().filter(move |s| self.contains(*s))
    }

    const fn bit(source: Source) -> u32 {
        1 << ((source as u32) & 31)
    }
}

impl std::fmt::Display for Sources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, s) in self.iter().enumerate() {
            if i > 0 {
                f.write_str("+")?;
            }
            f.write_str(s.as_str())?;
        }
        Ok(())
    }
}

/// How a step ended, or that it has not yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepOutcome {
    /// It succeeded (every instant that reports no failure).
    Ok,
    /// It failed: a non-zero exit, a tool error, a failed stop.
    Error,
    /// The user or a policy refused it.
    Denied,
    /// The user interrupted it.
    Interrupted,
    /// A call whose result has not arrived (yet, or ever).
    Pending,
}

impl StepOutcome {
    /// The stable name: `ok`, `error`, `denied`, `interrupted`, `pending`.
    pub const fn as_str(self) -> &'static str {
        match self {
            StepOutcome::Ok => "ok",
            StepOutcome::Error => "error",
            StepOutcome::Denied => "denied",
            StepOutcome::Interrupted => "interrupted",
            StepOutcome::Pending => "pending",
        }
    }
}

impl From<Outcome> for StepOutcome {
    fn from(o: Outcome) -> StepOutcome {
        match o {
            Outcome::Ok => StepOutcome::Ok,
            Outcome::Error => StepOutcome::Error,
            Outcome::Denied => StepOutcome::Denied,
            Outcome::Interrupted => StepOutcome::Interrupted,
        }
    }
}

impl std::fmt::Display for StepOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One step of a session, as the catalog stores it: what one action (or one instant) was, when,
/// how it ended, and where its records are in the log. Holds previews, never whole outputs.
///
/// Its serde form is the catalog's stored body (postcard): append fields at the end only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The session.
    pub session: SessionId,
    /// Its number in the session, from 1, in the order of the steps' first records.
    pub seq: Seq,
    /// Its identity for deduplication (`None`: a step no other record can join).
    pub key: Option<StepKey>,
    /// The agent.
    pub agent: Agent,
    /// The kind of the action (the call's kind: `MCP_TOOL_CALL`, never `MCP_TOOL_RESULT`), or of
    /// the instant.
    pub kind: Kind,
    /// True for an action (call and result), false for an instant.
    pub action: bool,
    /// When it started: the earliest call record (the result, for a result without a call; the
    /// record, for an instant).
    pub ts_start: Timestamp,
    /// When it ended: the earliest result record; `None` while pending. An instant ends when it
    /// starts.
    pub ts_end: Option<Timestamp>,
    /// How long it took: the agent's own figure when it gives one, else end − start.
    pub duration_ms: Option<u64>,
    /// Whether [`Step::duration_ms`] is the agent's own figure (else it is end − start).
    pub duration_from_agent: bool,
    /// How it ended.
    pub outcome: StepOutcome,
    /// A command's exit code, when reported.
    pub exit_code: Option<i32>,
    /// One line for humans, with ` → exit 128` (` → error`, ` → denied`, ` → interrupted`)
    /// when the action did not end well.
    pub summary: String,
    /// The correlation id of its call and result.
    pub correlation: Option<CorrelationId>,
    /// The tool as the agent names it.
    pub tool_name: Option<String>,
    /// The main command (`SHELL_EXEC`), at most [`COMMAND_MAX_CHARS`] characters.
    pub command: Option<String>,
    /// The files touched (at most [`MAX_PATHS`]); the first is the main path.
    pub paths: Vec<String>,
    /// The URL of a web request.
    pub url: Option<String>,
    /// The pattern or query of a search.
    pub query: Option<String>,
    /// The MCP server and tool.
    pub mcp: Option<McpTarget>,
    /// The working directory.
    pub cwd: Option<String>,
    /// The model.
    pub model: Option<String>,
    /// Token counts (`TOKEN_USAGE`, `MODEL_RESPONSE`).
    pub tokens: Option<Tokens>,
    /// The prompt, assistant text, thinking or a call's description, at most
    /// [`TEXT_PREVIEW_CHARS`] characters.
    pub text: Option<String>,
    /// The start of the output, at most [`OUTPUT_PREVIEW_CHARS`] characters.
    pub output_preview: Option<String>,
    /// The start of the error message of a failed call, at most [`OUTPUT_PREVIEW_CHARS`]
    /// characters.
    pub error: Option<String>,
    /// The HTTP status of a web request.
    pub http_status: Option<u16>,
    /// The agent's turn id.
    pub turn_id: Option<String>,
    /// The agent's prompt id.
    pub prompt_id: Option<String>,
    /// The subagent that ran this step, or that this `AGENT_ACT` step delegated to.
    pub subagent_id: Option<String>,
    /// The subagent's type.
    pub subagent_type: Option<String>,
    /// The session or call that spawned the subagent, where the agent says.
    pub parent_id: Option<String>,
    /// The `AGENT_ACT` step that delegated to this step's subagent, once known.
    pub parent_seq: Option<Seq>,
    /// The sources of its call records (of the record, for an instant).
    pub call_sources: Sources,
    /// The sources of its result records.
    pub result_sources: Sources,
    /// The LSNs of its records, in the order folded (at most [`MAX_LSNS`]).
    #[serde(with = "lsn_list")]
    pub lsns: Vec<Lsn>,
}

/// Serde for a list of LSNs as plain integers (the wal crate has no serde).
mod lsn_list {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use wal::Lsn;

    pub fn serialize<S: Serializer>(lsns: &[Lsn], s: S) -> Result<S::Ok, S::Error> {
        let raw: Vec<u64> = lsns.iter().map(|l| l.0).collect();
        raw.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Lsn>, D::Error> {
        Ok(Vec::<u64>::deserialize(d)?.into_iter().map(Lsn).collect())
    }
}

impl Step {
    /// Every source that contributed a record.
    pub fn sources(&self) -> Sources {
        self.call_sources.union(self.result_sources)
    }

    /// The main path: the first of [`Step::paths`].
    pub fn main_path(&self) -> Option<&str> {
        self.paths.first().map(String::as_str)
    }
}

/// A step created or changed by a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepUpdate {
    /// The step as it is now.
    pub step: Step,
    /// True if the record created it, false if it changed an earlier step.
    pub created: bool,
}

/// Steps folded earlier and no longer in memory, as the catalog has them; lets a folder with
/// bounded memory merge late copies (a transcript imported days after the hooks) and continue a
/// session's numbering after a restart. Its answers must reflect every [`StepUpdate`] the folder
/// returned before the current [`StepFolder::push`].
pub trait Recall {
    /// The highest seq stored for `session`, if any step is.
    fn last_seq(&mut self, session: &SessionId) -> Option<Seq>;

    /// The stored steps of `session` whose [`Step::key`] is `key`, in any order.
    fn steps_with_key(&mut self, session: &SessionId, key: StepKey) -> Vec<Step>;

    /// Whether this recall remembers what the folder forgets (true for a catalog that has stored
    /// every update the folder returned). A folder whose recall does not keeps every session's
    /// counter, so that seqs never repeat.
    fn remembers(&self) -> bool {
        true
    }
}

/// A [`Recall`] that remembers nothing: the folder knows only what it holds in memory.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoRecall;

impl Recall for NoRecall {
    fn last_seq(&mut self, _session: &SessionId) -> Option<Seq> {
        None
    }

    fn steps_with_key(&mut self, _session: &SessionId, _key: StepKey) -> Vec<Step> {
        Vec::new()
    }

    fn remembers(&self) -> bool {
        false
    }
}

/// Limits of a [`StepFolder`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FolderConfig {
    /// The most steps held in memory, pending or completed; beyond, the least recently touched
    /// is forgotten (the catalog has it; see [`Recall`]). At least 1.
    pub max_live_steps: usize,
    /// The most sessions whose counters are held in memory; beyond, a session without steps in
    /// memory is forgotten (its next seq then comes from [`Recall::last_seq`]). At least 1.
    /// Not enforced when the recall does not [remember](Recall::remembers) (with [`NoRecall`]):
    /// a forgotten counter would number the session's next step 1 again.
    pub max_sessions: usize,
}

impl Default for FolderConfig {
    fn default() -> FolderConfig {
        FolderConfig { max_live_steps: 65_536, max_sessions: 65_536 }
    }
}

/// Folds log records into steps. See the [module docs](self).
#[derive(Debug)]
pub struct StepFolder<R: Recall = NoRecall> {
    config: FolderConfig,
    recall: R,
    sessions: HashMap<SessionId, SessionState>,
    /// Live steps by the tick of their last touch, oldest first.
    lru: BTreeMap<u64, (SessionId, Seq)>,
    tick: u64,
    live: usize,
}

impl StepFolder<NoRecall> {
    /// A folder that knows only what it holds in memory.
    pub fn new(config: FolderConfig) -> StepFolder<NoRecall> {
        StepFolder::with_recall(config, NoRecall)
    }
}

impl Default for StepFolder<NoRecall> {
    fn default() -> StepFolder<NoRecall> {
        StepFolder::new(FolderConfig::default())
    }
}

impl<R: Recall> StepFolder<R> {
    /// A folder that asks `recall` for the steps it no longer holds.
    pub fn with_recall(config: FolderConfig, recall: R) -> StepFolder<R> {
        let config = FolderConfig {
            max_live_steps: config.max_live_steps.max(1),
            max_sessions: config.max_sessions.max(1),
        };
        StepFolder {
            config,
            recall,
            sessions: HashMap::new(),
            lru: BTreeMap::new(),
            tick: 0,
            live: 0,
        }
    }

    /// Folds the record at `lsn`, and returns the steps it created or changed: usually one; more
    /// when an `AGENT_ACT` result links its subagent's steps to it.
    pub fn push(&mut self, lsn: Lsn, event: &Event) -> Vec<StepUpdate> {
        self.tick += 1;
        let tick = self.tick;
        self.ensure_session(&event.session);
        let identity = identity(event);
        let half = Half::of(event.phase);
        let target = match identity {
            Identity::None => None,
            Identity::Unique(key) => self.candidates(&event.session, key, true).first().copied(),
            Identity::Repeatable(key) => {
                let candidates = self.candidates(&event.session, key, false);
                let session = self.sessions.get(&event.session);
                candidates.into_iter().find(|seq| {
                    session
                        .and_then(|s| s.live.get(seq))
                        .is_some_and(|l| !l.half_sources(half).contains(event.source))
                })
            }
        };
        let Some(session) = self.sessions.get_mut(&event.session) else {
            return Vec::new();
        };
        let (seq, created) = match target {
            Some(seq) => (seq, false),
            None => {
                session.last_seq = Seq(session.last_seq.0.saturating_add(1));
                let seq = session.last_seq;
                let live = Live::new(event, seq, identity.key());
                if let Some(key) = identity.key() {
                    session.index(key, seq);
                }
                session.live.insert(seq, live);
                self.live += 1;
                (seq, true)
            }
        };
        let Some(live) = session.live.get_mut(&seq) else {
            return Vec::new();
        };
        self.lru.remove(&live.touched);
        live.absorb(lsn, event, half);
        live.touched = tick;
        self.lru.insert(tick, (event.session.clone(), seq));
        let step = &live.step;
        let delegated = step.subagent_id.clone().filter(|_| step.kind == Kind::AgentAct);
        if step.kind != Kind::AgentAct
            && step.parent_seq.is_none()
            && let Some(parent) = step.subagent_id.as_ref().and_then(|id| session.agents.get(id))
            && *parent != seq
        {
            live.step.parent_seq = Some(*parent);
        }
        let mut updates = vec![StepUpdate { step: live.view(), created }];
        if let Some(agent) = delegated {
            updates.extend(session.link_subagent(agent, seq));
        }
        self.evict();
        updates
    }

    /// How many steps are held in memory.
    pub fn live_steps(&self) -> usize {
        self.live
    }

    /// The steps held in memory that are still waiting for their result.
    pub fn pending(&self) -> impl Iterator<Item = Step> + '_ {
        self.sessions.values().flat_map(|s| s.live.values()).filter_map(|l| {
            let step = l.view();
            (step.outcome == StepOutcome::Pending).then_some(step)
        })
    }

    /// The recall this folder asks.
    pub fn recall_mut(&mut self) -> &mut R {
        &mut self.recall
    }

    /// Makes sure `session` has a state, taking its last seq from the recall when new.
    fn ensure_session(&mut self, session: &SessionId) {
        if self.sessions.contains_key(session) {
            return;
        }
        if self.sessions.len() >= self.config.max_sessions && self.recall.remembers() {
            let idle =
                self.sessions.iter().find(|(_, s)| s.live.is_empty()).map(|(k, _)| k.clone());
            if let Some(idle) = idle {
                self.sessions.remove(&idle);
            }
        }
        let last = self.recall.last_seq(session);
        let state = SessionState {
            last_seq: last.unwrap_or_default(),
            complete: last.is_none(),
            live: BTreeMap::new(),
            by_key: HashMap::new(),
            agents: HashMap::new(),
        };
        self.sessions.insert(session.clone(), state);
    }

    /// The seqs of the steps of `session` with `key`, oldest first, reviving from the recall the
    /// ones not in memory when the session may have steps that are not.
    fn candidates(&mut self, session: &SessionId, key: StepKey, unique: bool) -> Vec<Seq> {
        let Some(state) = self.sessions.get_mut(session) else {
            return Vec::new();
        };
        // A unique key in memory needs no recall: there is only one step with it. A repeatable
        // key does: the oldest step without the record's source may be the one evicted.
        let known = unique && state.by_key.contains_key(&key);
        if !state.complete && !known {
            for step in self.recall.steps_with_key(session, key) {
                if step.key != Some(key) || state.live.contains_key(&step.seq) {
                    continue;
                }
                let seq = step.seq;
                state.last_seq = state.last_seq.max(seq);
                state.index(key, seq);
                state.live.insert(seq, Live::revive(step));
                self.live += 1;
                // Enters the LRU when touched by `push`; give it a tick so eviction finds it.
                self.tick += 1;
                if let Some(l) = state.live.get_mut(&seq) {
                    l.touched = self.tick;
                }
                self.lru.insert(self.tick, (session.clone(), seq));
            }
        }
        state.by_key.get(&key).cloned().unwrap_or_default()
    }

    /// Forgets the least recently touched steps beyond the bound.
    fn evict(&mut self) {
        while self.live > self.config.max_live_steps {
            let Some((_, (session, seq))) = self.lru.pop_first() else {
                break;
            };
            let Some(state) = self.sessions.get_mut(&session) else {
                continue;
            };
            if let Some(live) = state.live.remove(&seq) {
                self.live = self.live.saturating_sub(1);
                state.complete = false;
                if let Some(key) = live.step.key {
                    state.unindex(key, seq);
                }
            }
        }
    }
}

/// The folding state of one session.
#[derive(Debug)]
struct SessionState {
    last_seq: Seq,
    /// Every step of the session is in memory (nothing evicted, nothing before this run).
    complete: bool,
    live: BTreeMap<Seq, Live>,
    by_key: HashMap<StepKey, Vec<Seq>>,
    /// Subagent id → the `AGENT_ACT` step that delegated to it.
    agents: HashMap<String, Seq>,
}

impl SessionState {
    fn index(&mut self, key: StepKey, seq: Seq) {
        let seqs = self.by_key.entry(key).or_default();
        if let Err(at) = seqs.binary_search(&seq) {
            seqs.insert(at, seq);
        }
    }

    fn unindex(&mut self, key: StepKey, seq: Seq) {
        if let Some(seqs) = self.by_key.get_mut(&key) {
            seqs.retain(|s| *s != seq);
            if seqs.is_empty() {
                self.by_key.remove(&key);
            }
        }
    }

    /// Records that `parent` delegated to `agent`, and links the subagent's steps in memory.
    fn link_subagent(&mut self, agent: String, parent: Seq) -> Vec<StepUpdate> {
        if self.agents.len() >= MAX_SUBAGENT_LINKS && !self.agents.contains_key(&agent) {
            self.agents.clear();
        }
        let mut updates = Vec::new();
        for (seq, live) in &mut self.live {
            if *seq != parent
                && live.step.kind != Kind::AgentAct
                && live.step.parent_seq.is_none()
                && live.step.subagent_id.as_deref() == Some(agent.as_str())
            {
                live.step.parent_seq = Some(parent);
                updates.push(StepUpdate { step: live.view(), created: false });
            }
        }
        self.agents.insert(agent, parent);
        updates
    }
}

/// Which half of a step a record is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Half {
    Call,
    Result,
    Instant,
}

impl Half {
    fn of(phase: Phase) -> Half {
        match phase {
            Phase::Call => Half::Call,
            Phase::Result => Half::Result,
            Phase::Instant => Half::Instant,
        }
    }
}

/// How a record finds its step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Identity {
    /// A step of its own.
    None,
    /// The one step with this key.
    Unique(StepKey),
    /// The oldest step with this key without a record of the same half from the same source.
    Repeatable(StepKey),
}

impl Identity {
    fn key(self) -> Option<StepKey> {
        match self {
            Identity::None => None,
            Identity::Unique(k) | Identity::Repeatable(k) => Some(k),
        }
    }
}

/// The identity of a record (see the module docs for the table).
fn identity(e: &Event) -> Identity {
    if let Some((id, kind, path)) = e.pair_key() {
        let key = key(&["tool", id, kind.as_str(), path.unwrap_or("")]);
        return if id.starts_with("h:") {
            Identity::Repeatable(key)
        } else {
            Identity::Unique(key)
        };
    }
    if e.phase != Phase::Instant {
        return Identity::None;
    }
    let f = &e.fields;
    let kind = e.kind.as_str();
    let text = || f.text.as_deref().map(str::trim).unwrap_or("");
    match e.kind {
        Kind::TokenUsage => match (&f.message_id, &f.request_id) {
            (None, None) => Identity::None,
            (m, r) => Identity::Unique(key(&[
                kind,
                m.as_deref().unwrap_or(""),
                r.as_deref().unwrap_or(""),
            ])),
        },
        Kind::UserInput | Kind::AssistantText | Kind::AgentThink | Kind::Compaction => {
            Identity::Repeatable(key(&[kind, text()]))
        }
        Kind::SessionStart | Kind::SessionEnd => Identity::Repeatable(key(&[kind])),
        Kind::Stop => Identity::Repeatable(key(&[
            kind,
            f.turn_id.as_deref().unwrap_or(""),
            f.outcome.map_or("", Outcome::as_str),
        ])),
        Kind::SubagentStart | Kind::SubagentStop => {
            Identity::Repeatable(key(&[kind, f.subagent_id.as_deref().unwrap_or("")]))
        }
        _ => Identity::None,
    }
}

/// FNV-1a 64 of the parts, each followed by a 0xff byte (which UTF-8 never contains).
fn key(parts: &[&str]) -> StepKey {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain([0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    StepKey(hash)
}

/// The rank of a source when copies disagree: higher wins. 0 means "not set".
const fn rank(source: Source) -> u8 {
    match source {
        Source::Hook | Source::Daemon => 5,
        Source::Ptrace | Source::McpProxy => 4,
        Source::Notify => 3,
        Source::Transcript => 2,
        Source::Demo => 1,
    }
}

/// The rank each field of a step was set with.
#[derive(Clone, Copy, Debug, Default)]
struct Ranks {
    call_summary: u8,
    result_summary: u8,
    tool_name: u8,
    command: u8,
    paths: u8,
    url: u8,
    query: u8,
    mcp: u8,
    cwd: u8,
    model: u8,
    tokens: u8,
    text: u8,
    output: u8,
    error: u8,
    http_status: u8,
    duration: u8,
    turn_id: u8,
    prompt_id: u8,
    subagent_id: u8,
    subagent_type: u8,
    parent_id: u8,
    correlation: u8,
}

impl Ranks {
    /// Every field at `r`: what a step revived from the catalog is taken to have.
    fn all(r: u8) -> Ranks {
        Ranks {
            call_summary: r,
            result_summary: r,
            tool_name: r,
            command: r,
            paths: r,
            url: r,
            query: r,
            mcp: r,
            cwd: r,
            model: r,
            tokens: r,
            text: r,
            output: r,
            error: r,
            http_status: r,
            duration: r,
            turn_id: r,
            prompt_id: r,
            subagent_id: r,
            subagent_type: r,
            parent_id: r,
            correlation: r,
        }
    }
}

/// Sets `slot` to `value` if it is unset or `r` outranks the rank it was set with.
fn offer<T>(slot: &mut Option<T>, slot_rank: &mut u8, value: Option<T>, r: u8) {
    if let Some(v) = value
        && (slot.is_none() || r > *slot_rank)
    {
        *slot = Some(v);
        *slot_rank = r;
    }
}

/// A step in memory: the step as far as folded, and what is needed to fold more into it.
#[derive(Debug)]
struct Live {
    step: Step,
    ranks: Ranks,
    call_summary: Option<String>,
    /// A result's summary without its outcome suffix.
    result_summary: Option<String>,
    call_ts: Option<Timestamp>,
    result_ts: Option<Timestamp>,
    /// The most severe outcome reported (results, and instants such as a failed stop).
    outcome: Option<Outcome>,
    /// The duration the agent reported.
    duration: Option<u64>,
    touched: u64,
}

impl Live {
    /// An empty step for the first record `e`.
    fn new(e: &Event, seq: Seq, key: Option<StepKey>) -> Live {
        let step = Step {
            session: e.session.clone(),
            seq,
            key,
            agent: e.agent,
            kind: e.kind.call_kind(),
            action: e.phase != Phase::Instant,
            ts_start: e.ts,
            ts_end: None,
            duration_ms: None,
            duration_from_agent: false,
            outcome: StepOutcome::Pending,
            exit_code: None,
            summary: String::new(),
            correlation: None,
            tool_name: None,
            command: None,
            paths: Vec::new(),
            url: None,
            query: None,
            mcp: None,
            cwd: None,
            model: None,
            tokens: None,
            text: None,
            output_preview: None,
            error: None,
            http_status: None,
            turn_id: None,
            prompt_id: None,
            subagent_id: None,
            subagent_type: None,
            parent_id: None,
            parent_seq: None,
            call_sources: Sources::EMPTY,
            result_sources: Sources::EMPTY,
            lsns: Vec::new(),
        };
        Live {
            step,
            ranks: Ranks::default(),
            call_summary: None,
            result_summary: None,
            call_ts: None,
            result_ts: None,
            outcome: None,
            duration: None,
            touched: 0,
        }
    }

    /// A step from the catalog, to fold late copies into. Its fields count as set by its best
    /// source (the catalog does not keep which source set which field).
    fn revive(step: Step) -> Live {
        let best = step.sources().iter().map(rank).max().unwrap_or(0);
        let has_result = !step.result_sources.is_empty();
        let base = strip_outcome_suffix(&step.summary).to_owned();
        let outcome = match step.outcome {
            StepOutcome::Ok => Some(Outcome::Ok),
            StepOutcome::Error => Some(Outcome::Error),
            StepOutcome::Denied => Some(Outcome::Denied),
            StepOutcome::Interrupted => Some(Outcome::Interrupted),
            StepOutcome::Pending => None,
        };
        let call_ts = (!step.action || !step.call_sources.is_empty()).then_some(step.ts_start);
        let result_ts = if step.action && has_result { step.ts_end } else { None };
        Live {
            ranks: Ranks::all(best),
            call_summary: (!step.call_sources.is_empty() || !step.action).then(|| base.clone()),
            result_summary: has_result.then_some(base),
            call_ts,
            result_ts,
            outcome,
            duration: step.duration_ms.filter(|_| step.duration_from_agent),
            touched: 0,
            step,
        }
    }

    fn half_sources(&self, half: Half) -> Sources {
        match half {
            Half::Call | Half::Instant => self.step.call_sources,
            Half::Result => self.step.result_sources,
        }
    }

    /// Folds the record `e` at `lsn` into this step.
    fn absorb(&mut self, lsn: Lsn, e: &Event, half: Half) {
        let r = rank(e.source);
        let (s, k, f) = (&mut self.step, &mut self.ranks, &e.fields);
        if s.lsns.len() < MAX_LSNS && !s.lsns.contains(&lsn) {
            s.lsns.push(lsn);
        }
        match half {
            Half::Call | Half::Instant => {
                s.call_sources = s.call_sources.with(e.source);
                self.call_ts = Some(self.call_ts.map_or(e.ts, |t| t.min(e.ts)));
                let summary = (!e.summary.is_empty()).then(|| e.summary.clone());
                offer(&mut self.call_summary, &mut k.call_summary, summary, r);
            }
            Half::Result => {
                s.result_sources = s.result_sources.with(e.source);
                self.result_ts = Some(self.result_ts.map_or(e.ts, |t| t.min(e.ts)));
                let summary = strip_outcome_suffix(&e.summary);
                let summary = (!summary.is_empty()).then(|| summary.to_owned());
                offer(&mut self.result_summary, &mut k.result_summary, summary, r);
                offer(
                    &mut s.output_preview,
                    &mut k.output,
                    preview(&f.output, OUTPUT_PREVIEW_CHARS),
                    r,
                );
                offer(&mut s.error, &mut k.error, preview(&f.error, OUTPUT_PREVIEW_CHARS), r);
                offer(&mut s.http_status, &mut k.http_status, f.http_status, r);
            }
        }
        if half != Half::Call {
            offer(&mut self.duration, &mut k.duration, f.duration_ms, r);
            self.outcome = most_severe(self.outcome, f.outcome);
            s.exit_code = worst_exit(s.exit_code, f.exit_code);
        }
        if s.kind == Kind::ToolCall && e.kind.call_kind() != Kind::ToolCall {
            s.kind = e.kind.call_kind();
        }
        offer(&mut s.correlation, &mut k.correlation, e.correlation.clone(), r);
        offer(&mut s.tool_name, &mut k.tool_name, f.tool_name.clone(), r);
        offer(&mut s.command, &mut k.command, preview(&f.command, COMMAND_MAX_CHARS), r);
        if !f.paths.is_empty() && (s.paths.is_empty() || r > k.paths) {
            s.paths = f.paths.iter().take(MAX_PATHS).cloned().collect();
            k.paths = r;
        }
        offer(&mut s.url, &mut k.url, f.url.clone(), r);
        offer(&mut s.query, &mut k.query, preview(&f.query, TEXT_PREVIEW_CHARS), r);
        offer(&mut s.mcp, &mut k.mcp, f.mcp.clone(), r);
        offer(&mut s.cwd, &mut k.cwd, f.cwd.clone(), r);
        offer(&mut s.model, &mut k.model, f.model.clone(), r);
        offer(&mut s.tokens, &mut k.tokens, f.tokens, r);
        offer(&mut s.text, &mut k.text, preview(&f.text, TEXT_PREVIEW_CHARS), r);
        offer(&mut s.turn_id, &mut k.turn_id, f.turn_id.clone(), r);
        offer(&mut s.prompt_id, &mut k.prompt_id, f.prompt_id.clone(), r);
        offer(&mut s.subagent_id, &mut k.subagent_id, f.subagent_id.clone(), r);
        offer(&mut s.subagent_type, &mut k.subagent_type, f.subagent_type.clone(), r);
        offer(&mut s.parent_id, &mut k.parent_id, f.parent_id.clone(), r);
    }

    /// The step as it stands: times, duration, outcome and summary derived from the halves.
    fn view(&self) -> Step {
        let mut s = self.step.clone();
        s.ts_start = self.call_ts.or(self.result_ts).unwrap_or(s.ts_start);
        s.duration_ms = self.duration;
        s.duration_from_agent = self.duration.is_some();
        if s.action {
            s.ts_end = self.result_ts;
            s.outcome = if s.result_sources.is_empty() {
                StepOutcome::Pending
            } else {
                let by_exit = s.exit_code.filter(|c| *c != 0).map(|_| Outcome::Error);
                most_severe(self.outcome, by_exit).map_or(StepOutcome::Ok, StepOutcome::from)
            };
            if s.duration_ms.is_none()
                && let (Some(start), Some(end)) = (self.call_ts, self.result_ts)
            {
                let nanos = end.as_unix_nanos().saturating_sub(start.as_unix_nanos()).max(0);
                s.duration_ms = u64::try_from(nanos / 1_000_000).ok();
            }
        } else {
            s.ts_end = Some(s.ts_start);
            s.outcome = self.outcome.map_or(StepOutcome::Ok, StepOutcome::from);
        }
        let base = self.call_summary.as_deref().or(self.result_summary.as_deref()).unwrap_or("");
        let suffix = match (s.action, s.outcome, s.exit_code) {
            (false, ..) | (true, StepOutcome::Ok | StepOutcome::Pending, _) => None,
            (true, _, Some(code)) if code != 0 => Some(format!("exit {code}")),
            (true, outcome, _) => Some(outcome.as_str().to_owned()),
        };
        s.summary = match suffix {
            None => base.to_owned(),
            Some(suffix) => {
                let room = SUMMARY_MAX_CHARS.saturating_sub(suffix.chars().count() + 3);
                format!("{} → {suffix}", cut(base, room))
            }
        };
        s
    }
}

/// The more severe of two outcomes: denied, interrupted, error, ok, nothing.
fn most_severe(a: Option<Outcome>, b: Option<Outcome>) -> Option<Outcome> {
    fn severity(o: Option<Outcome>) -> u8 {
        match o {
            None => 0,
            Some(Outcome::Ok) => 1,
            Some(Outcome::Error) => 2,
            Some(Outcome::Interrupted) => 3,
            Some(Outcome::Denied) => 4,
        }
    }
    if severity(b) > severity(a) { b } else { a }
}

/// The more telling of two exit codes: a non-zero one over zero over none (the first non-zero one
/// reported by the highest number, so that the choice does not depend on order).
fn worst_exit(a: Option<i32>, b: Option<i32>) -> Option<i32> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(0), Some(x)) | (Some(x), Some(0)) => Some(x),
        (Some(x), Some(y)) => Some(x.max(y)),
    }
}

/// A summary without the outcome suffix capture adds to results (` → exit 2`, ` → error`, …).
fn strip_outcome_suffix(summary: &str) -> &str {
    match summary.rsplit_once(" → ") {
        Some((head, "error" | "denied" | "interrupted")) => head,
        Some((head, tail))
            if tail.strip_prefix("exit ").is_some_and(|n| n.parse::<i64>().is_ok()) =>
        {
            head
        }
        _ => summary,
    }
}

/// At most `max` characters of the text, with `…` when cut; `None` for no text.
fn preview(text: &Option<String>, max: usize) -> Option<String> {
    text.as_deref().map(|t| cut(t, max))
}

/// At most `max` characters of `s` (the last one `…` when cut).
fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_owned(),
        Some(_) => {
            let keep = max.saturating_sub(1);
            let end = s.char_indices().nth(keep).map_or(s.len(), |(i, _)| i);
            let mut out = s.get(..end).unwrap_or("").to_owned();
            out.push('…');
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SESSION: &str = "s1";

    /// An event of `SESSION` at `ms` milliseconds.
    fn ev(source: Source, kind: Kind, phase: Phase, ms: i64, corr: Option<&str>) -> Event {
        let mut e = Event::new(
            Timestamp::from_unix_millis(ms),
            SessionId::from(SESSION),
            Agent::ClaudeCode,
            source,
            kind,
            phase,
        );
        e.correlation = corr.map(CorrelationId::from);
        e
    }

    fn bash(source: Source, phase: Phase, ms: i64, id: &str, command: &str) -> Event {
        let mut e = ev(source, Kind::ShellExec, phase, ms, Some(id));
        e.fields.tool_name = Some("Bash".into());
        e.fields.command = Some(command.into());
        e.summary = format!("$ {command}");
        e
    }

    fn text(source: Source, kind: Kind, ms: i64, text: &str) -> Event {
        let mut e = ev(source, kind, Phase::Instant, ms, None);
        e.fields.text = Some(text.into());
        e.summary = format!("{kind}: {text}");
        e
    }

    /// Folds `events` (LSN = index) and returns the final state of every step, by seq.
    fn fold(folder: &mut StepFolder, events: &[Event]) -> Vec<Step> {
        fold_counting(folder, events).0
    }

    /// [`fold`], and the number of updates.
    fn fold_counting(folder: &mut StepFolder, events: &[Event]) -> (Vec<Step>, usize) {
        let mut steps = BTreeMap::new();
        let mut updates = 0;
        for (i, e) in events.iter().enumerate() {
            for u in folder.push(Lsn(i as u64), e) {
                let at = (u.step.session.clone(), u.step.seq);
                assert_eq!(u.created, !steps.contains_key(&at), "{u:?}");
                steps.insert(at, u.step);
                updates += 1;
            }
        }
        (steps.into_values().collect(), updates)
    }

    /// `seq kind outcome | summary` per step.
    fn outline(steps: &[Step]) -> Vec<String> {
        steps
            .iter()
            .map(|s| format!("{} {} {} | {}", s.seq, s.kind, s.outcome, s.summary))
            .collect()
    }

    #[test]
    fn call_without_result_stays_pending() {
        let mut folder = StepFolder::default();
        let steps = fold(&mut folder, &[bash(Source::Hook, Phase::Call, 10, "t1", "sleep 100")]);
        assert_eq!(outline(&steps), ["1 SHELL_EXEC pending | $ sleep 100"]);
        let s = &steps[0];
        assert_eq!((s.ts_end, s.duration_ms, s.action), (None, None, true));
        assert_eq!(folder.pending().count(), 1);
    }

    #[test]
    fn call_and_result_fold_into_one_step() {
        let mut folder = StepFolder::default();
        let mut result = bash(Source::Hook, Phase::Result, 250, "t1", "git push");
        result.fields.exit_code = Some(128);
        result.fields.outcome = Some(Outcome::Error);
        result.fields.output = Some("x".repeat(10_000));
        result.summary = "$ git push → exit 128".into();
        let steps =
            fold(&mut folder, &[bash(Source::Hook, Phase::Call, 10, "t1", "git push"), result]);
        assert_eq!(outline(&steps), ["1 SHELL_EXEC error | $ git push → exit 128"]);
        let s = &steps[0];
        assert_eq!(s.ts_start, Timestamp::from_unix_millis(10));
        assert_eq!(s.ts_end, Some(Timestamp::from_unix_millis(250)));
        assert_eq!((s.duration_ms, s.exit_code), (Some(240), Some(128)));
        assert_eq!(s.lsns, [Lsn(0), Lsn(1)]);
        assert_eq!(
            s.output_preview.as_ref().map(|o| o.chars().count()),
            Some(OUTPUT_PREVIEW_CHARS)
        );
        assert_eq!(folder.pending().count(), 0);
    }

    #[test]
    fn agent_duration_wins_over_timestamps() {
        let mut result = bash(Source::Hook, Phase::Result, 900, "t1", "ls");
        result.fields.duration_ms = Some(22);
        let steps = fold(
            &mut StepFolder::default(),
            &[bash(Source::Hook, Phase::Call, 10, "t1", "ls"), result],
        );
        assert_eq!(steps[0].duration_ms, Some(22));
    }

    #[test]
    fn result_without_call_is_a_step() {
        let mut result = bash(Source::Transcript, Phase::Result, 50, "t9", "make");
        result.fields.outcome = Some(Outcome::Ok);
        let steps = fold(&mut StepFolder::default(), &[result]);
        assert_eq!(outline(&steps), ["1 SHELL_EXEC ok | $ make"]);
        assert_eq!(steps[0].ts_start, Timestamp::from_unix_millis(50));
        assert_eq!(steps[0].duration_ms, None);
        assert_eq!(steps[0].call_sources, Sources::EMPTY);
    }

    #[test]
    fn out_of_order_result_before_call() {
        let events = [
            bash(Source::Hook, Phase::Result, 300, "t1", "a"),
            bash(Source::Hook, Phase::Call, 100, "t2", "b"),
            bash(Source::Hook, Phase::Call, 200, "t1", "a"),
            bash(Source::Hook, Phase::Result, 400, "t2", "b"),
        ];
        let steps = fold(&mut StepFolder::default(), &events);
        assert_eq!(outline(&steps), ["1 SHELL_EXEC ok | $ a", "2 SHELL_EXEC ok | $ b"]);
        assert_eq!(steps[0].ts_start, Timestamp::from_unix_millis(200));
        assert_eq!(steps[0].duration_ms, Some(100));
        assert_eq!(steps[0].lsns, [Lsn(0), Lsn(2)]);
    }

    #[test]
    fn second_results_merge_and_fill_gaps() {
        // PostToolUse (duration, no output), PostToolBatch (output), transcript (another output).
        let mut post = bash(Source::Hook, Phase::Result, 20, "t1", "ls");
        post.fields.duration_ms = Some(7);
        post.fields.outcome = Some(Outcome::Ok);
        let mut batch = bash(Source::Hook, Phase::Result, 30, "t1", "ls");
        batch.fields.output = Some("from batch".into());
        let mut tr = bash(Source::Transcript, Phase::Result, 25, "t1", "ls");
        tr.fields.output = Some("from transcript".into());
        let call = bash(Source::Hook, Phase::Call, 10, "t1", "ls");
        let tcall = bash(Source::Transcript, Phase::Call, 9, "t1", "ls");
        let orders: [Vec<&Event>; 2] =
            [vec![&call, &post, &batch, &tcall, &tr], vec![&tcall, &tr, &call, &post, &batch]];
        let mut results = Vec::new();
        for order in orders {
            let events: Vec<Event> = order.into_iter().cloned().collect();
            let steps = fold(&mut StepFolder::default(), &events);
            assert_eq!(steps.len(), 1);
            let mut s = steps[0].clone();
            assert_eq!(
                s.output_preview.as_deref(),
                Some("from batch"),
                "hooks outrank transcripts"
            );
            assert_eq!(s.duration_ms, Some(7));
            assert_eq!(s.ts_start, Timestamp::from_unix_millis(9));
            assert_eq!(s.ts_end, Some(Timestamp::from_unix_millis(20)));
            assert_eq!(s.sources().to_string(), "hook+transcript");
            s.lsns.clear();
            results.push(s);
        }
        assert_eq!(results[0], results[1]);
    }

    #[test]
    fn most_severe_outcome_and_exit_code_win() {
        // Codex: the hook's result knows no exit code; the transcript's does.
        let call = bash(Source::Hook, Phase::Call, 10, "c1", "git push --force");
        let hook = bash(Source::Hook, Phase::Result, 20, "c1", "git push --force");
        let mut tr = bash(Source::Transcript, Phase::Result, 21, "c1", "git push --force");
        tr.fields.exit_code = Some(128);
        tr.fields.outcome = Some(Outcome::Error);
        tr.summary = "$ git push --force → exit 128".into();
        for events in [[call.clone(), hook.clone(), tr.clone()], [tr, call, hook]] {
            let steps = fold(&mut StepFolder::default(), &events);
            assert_eq!(outline(&steps), ["1 SHELL_EXEC error | $ git push --force → exit 128"]);
        }
    }

    #[test]
    fn denied_and_interrupted_suffixes() {
        let cases = [
            (Outcome::Denied, "1 SHELL_EXEC denied | $ rm -rf build/ → denied"),
            (Outcome::Interrupted, "1 SHELL_EXEC interrupted | $ rm -rf build/ → interrupted"),
            (Outcome::Error, "1 SHELL_EXEC error | $ rm -rf build/ → error"),
        ];
        for (outcome, want) in cases {
            let mut r = bash(Source::Transcript, Phase::Result, 20, "c", "rm -rf build/");
            r.fields.outcome = Some(outcome);
            r.summary = format!("$ rm -rf build/ → {outcome}");
            let steps = fold(
                &mut StepFolder::default(),
                &[bash(Source::Hook, Phase::Call, 1, "c", "rm -rf build/"), r],
            );
            assert_eq!(outline(&steps), [want]);
        }
    }

    #[test]
    fn result_kinds_pair_with_their_call_kinds_and_paths_split_patches() {
        let mut events = Vec::new();
        for (kind, phase) in [
            (Kind::McpToolCall, Phase::Call),
            (Kind::HttpRequest, Phase::Call),
            (Kind::McpToolResult, Phase::Result),
            (Kind::HttpResponse, Phase::Result),
        ] {
            let id =
                if matches!(kind, Kind::McpToolCall | Kind::McpToolResult) { "m" } else { "w" };
            events.push(ev(Source::Hook, kind, phase, 1, Some(id)));
        }
        // One Codex apply_patch touching two files: two steps, each closed by its own result.
        for (phase, path) in
            [(Phase::Call, "/a"), (Phase::Call, "/b"), (Phase::Result, "/b"), (Phase::Result, "/a")]
        {
            let mut e = ev(Source::Hook, Kind::FileWrite, phase, 2, Some("patch"));
            e.fields.paths = vec![path.to_owned()];
            e.summary = format!("Edit {path}");
            events.push(e);
        }
        let steps = fold(&mut StepFolder::default(), &events);
        assert_eq!(
            outline(&steps),
            [
                "1 MCP_TOOL_CALL ok | ",
                "2 HTTP_REQUEST ok | ",
                "3 FILE_WRITE ok | Edit /a",
                "4 FILE_WRITE ok | Edit /b"
            ]
        );
        let lsns: Vec<Vec<Lsn>> = steps.iter().map(|s| s.lsns.clone()).collect();
        assert_eq!(
            lsns,
            [
                vec![Lsn(0), Lsn(2)],
                vec![Lsn(1), Lsn(3)],
                vec![Lsn(4), Lsn(7)],
                vec![Lsn(5), Lsn(6)]
            ]
        );
    }

    #[test]
    fn content_hash_ids_pair_in_order() {
        // Gemini: two identical calls share an `h:` id. Hooks, then the transcript.
        let h = "h:0123456789abcdef";
        let mut first = bash(Source::Hook, Phase::Result, 20, h, "ls");
        first.fields.output = Some("one".into());
        let mut second = bash(Source::Hook, Phase::Result, 40, h, "ls");
        second.fields.output = Some("two".into());
        let events = [
            bash(Source::Hook, Phase::Call, 10, h, "ls"),
            first,
            bash(Source::Hook, Phase::Call, 30, h, "ls"),
            second,
            bash(Source::Transcript, Phase::Call, 11, h, "ls"),
            bash(Source::Transcript, Phase::Result, 21, h, "ls"),
            bash(Source::Transcript, Phase::Call, 31, h, "ls"),
            bash(Source::Transcript, Phase::Result, 41, h, "ls"),
        ];
        let steps = fold(&mut StepFolder::default(), &events);
        assert_eq!(steps.len(), 2);
        let got: Vec<_> = steps
            .iter()
            .map(|s| (s.output_preview.clone().unwrap_or_default(), s.lsns.clone(), s.sources()))
            .collect();
        let both = Sources::EMPTY.with(Source::Hook).with(Source::Transcript);
        assert_eq!(
            got,
            [
                ("one".to_owned(), vec![Lsn(0), Lsn(1), Lsn(4), Lsn(5)], both),
                ("two".to_owned(), vec![Lsn(2), Lsn(3), Lsn(6), Lsn(7)], both),
            ]
        );
    }

    #[test]
    fn content_hash_results_close_the_oldest_open_call() {
        // Two identical calls in flight at once; the results come in order.
        let h = "h:feed";
        let events = [
            bash(Source::Hook, Phase::Call, 10, h, "ls"),
            bash(Source::Hook, Phase::Call, 11, h, "ls"),
            bash(Source::Hook, Phase::Result, 20, h, "ls"),
        ];
        let steps = fold(&mut StepFolder::default(), &events);
        assert_eq!(outline(&steps), ["1 SHELL_EXEC ok | $ ls", "2 SHELL_EXEC pending | $ ls"]);
    }

    #[test]
    fn repeated_prompts_stay_apart_and_pair_across_sources() {
        let events = [
            text(Source::Hook, Kind::UserInput, 1, "continue"),
            text(Source::Hook, Kind::AssistantText, 2, "Done."),
            text(Source::Hook, Kind::UserInput, 3, "continue"),
            text(Source::Hook, Kind::AssistantText, 4, "Done."),
            text(Source::Transcript, Kind::UserInput, 5, "continue "),
            text(Source::Transcript, Kind::AssistantText, 6, "Done."),
            text(Source::Transcript, Kind::UserInput, 7, "continue"),
            text(Source::Transcript, Kind::AssistantText, 8, "Done."),
        ];
        let steps = fold(&mut StepFolder::default(), &events);
        let got: Vec<_> = steps.iter().map(|s| (s.seq.0, s.kind, s.lsns.clone())).collect();
        assert_eq!(
            got,
            [
                (1, Kind::UserInput, vec![Lsn(0), Lsn(4)]),
                (2, Kind::AssistantText, vec![Lsn(1), Lsn(5)]),
                (3, Kind::UserInput, vec![Lsn(2), Lsn(6)]),
                (4, Kind::AssistantText, vec![Lsn(3), Lsn(7)]),
            ]
        );
    }

    #[test]
    fn token_usage_is_unique_per_response() {
        let usage = |source, ms, msg: &str| {
            let mut e = ev(source, Kind::TokenUsage, Phase::Instant, ms, None);
            e.fields.message_id = Some(msg.into());
            e.fields.request_id = Some("req".into());
            e.fields.tokens = Some(Tokens { input: 3, output: 4, ..Tokens::default() });
            e
        };
        let events = [
            usage(Source::Transcript, 1, "m1"),
            usage(Source::Transcript, 2, "m1"),
            usage(Source::Transcript, 3, "m2"),
        ];
        let steps = fold(&mut StepFolder::default(), &events);
        assert_eq!(steps.iter().map(|s| s.lsns.len()).collect::<Vec<_>>(), [2, 1]);
    }

    #[test]
    fn instants_without_identity_are_steps_of_their_own() {
        let other = |ms| {
            let mut e = ev(Source::Hook, Kind::Other, Phase::Instant, ms, None);
            e.summary = "attachment total_tokens_reminder".into();
            e
        };
        let steps = fold(&mut StepFolder::default(), &[other(1), other(2)]);
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[1].key, None);
        assert_eq!(steps[1].ts_end, Some(steps[1].ts_start));
        assert_eq!(steps[1].outcome, StepOutcome::Ok);
    }

    #[test]
    fn sessions_are_numbered_apart() {
        let mut other = bash(Source::Hook, Phase::Call, 2, "x", "pwd");
        other.session = SessionId::from("s2");
        let events = [
            bash(Source::Hook, Phase::Call, 1, "a", "ls"),
            other,
            bash(Source::Hook, Phase::Call, 3, "b", "ls"),
        ];
        let steps = fold(&mut StepFolder::default(), &events);
        let got: Vec<_> = steps.iter().map(|s| (s.session.as_str(), s.seq.0)).collect();
        assert!(got.contains(&("s1", 1)) && got.contains(&("s1", 2)) && got.contains(&("s2", 1)));
    }

    #[test]
    fn subagent_steps_link_to_their_parent() {
        let mut task = ev(Source::Transcript, Kind::AgentAct, Phase::Call, 1, Some("task1"));
        task.summary = "Task: explore".into();
        let mut child = bash(Source::Transcript, Phase::Call, 2, "sub1", "ls");
        child.fields.subagent_id = Some("agent-7".into());
        child.fields.parent_id = Some(SESSION.into());
        let mut done = ev(Source::Transcript, Kind::AgentAct, Phase::Result, 3, Some("task1"));
        done.fields.subagent_id = Some("agent-7".into());
        let mut later = bash(Source::Transcript, Phase::Call, 4, "sub2", "pwd");
        later.fields.subagent_id = Some("agent-7".into());
        let (steps, updates) =
            fold_counting(&mut StepFolder::default(), &[task, child, done, later]);
        assert_eq!(updates, 5, "the parent's result updates the child");
        let got: Vec<_> = steps.iter().map(|s| (s.seq.0, s.parent_seq.map(|p| p.0))).collect();
        assert_eq!(got, [(1, None), (2, Some(1)), (3, Some(1))]);
        assert_eq!(steps[1].parent_id.as_deref(), Some(SESSION));
    }

    #[test]
    fn memory_is_bounded_and_evicted_calls_stay_pending() {
        let config = FolderConfig { max_live_steps: 8, max_sessions: 4 };
        let mut folder = StepFolder::new(config);
        let mut steps = BTreeMap::new();
        for i in 0..100 {
            let id = format!("t{i}");
            for u in folder.push(Lsn(i), &bash(Source::Hook, Phase::Call, i as i64, &id, "x")) {
                steps.insert(u.step.seq, u.step);
            }
            assert!(folder.live_steps() <= 8);
        }
        // The result of an evicted call: without a recall, a result-only step of its own.
        let late = folder.push(Lsn(100), &bash(Source::Hook, Phase::Result, 200, "t0", "x"));
        assert_eq!(late.len(), 1);
        assert_eq!((late[0].step.seq, late[0].created), (Seq(101), true));
        // The result of a call still in memory closes it.
        let fresh = folder.push(Lsn(101), &bash(Source::Hook, Phase::Result, 201, "t99", "x"));
        assert_eq!((fresh[0].step.seq, fresh[0].created), (Seq(100), false));
        assert_eq!(fresh[0].step.outcome, StepOutcome::Ok);
        assert_eq!(steps.get(&Seq(1)).map(|s| s.outcome), Some(StepOutcome::Pending));
    }

    #[test]
    fn many_sessions_stay_bounded_and_numbering_never_repeats() {
        let config = FolderConfig { max_live_steps: 2, max_sessions: 3 };
        let call = |i: i64| {
            let mut e = bash(Source::Hook, Phase::Call, i, &format!("t{i}"), "x");
            e.session = SessionId(format!("s{}", i % 50));
            e
        };
        // With a catalog behind it, the folder forgets idle sessions and asks for their last seq.
        let mut folder = StepFolder::with_recall(config, Catalog::default());
        for i in 0..51 {
            for u in folder.push(Lsn(i as u64), &call(i)) {
                assert_eq!(u.step.seq, Seq(if i < 50 { 1 } else { 2 }));
                folder.recall_mut().0.insert((u.step.session.clone(), u.step.seq), u.step);
            }
            assert!(folder.sessions.len() <= 3 + 2, "{}", folder.sessions.len());
        }
        // Without, it keeps every session's counter.
        let mut folder = StepFolder::new(config);
        for i in 0..51 {
            let u = folder.push(Lsn(i as u64), &call(i));
            assert_eq!(u.first().map(|u| u.step.seq), Some(Seq(if i < 50 { 1 } else { 2 })));
        }
        assert_eq!(folder.sessions.len(), 50);
    }

    /// A catalog in memory: every step's last version.
    #[derive(Default)]
    struct Catalog(BTreeMap<(SessionId, Seq), Step>);

    impl Recall for Catalog {
        fn last_seq(&mut self, session: &SessionId) -> Option<Seq> {
            self.0.keys().filter(|(s, _)| s == session).map(|(_, q)| *q).max()
        }

        fn steps_with_key(&mut self, session: &SessionId, key: StepKey) -> Vec<Step> {
            self.0
                .values()
                .filter(|s| &s.session == session && s.key == Some(key))
                .cloned()
                .collect()
        }
    }

    #[test]
    fn recall_merges_copies_of_evicted_steps() {
        let config = FolderConfig { max_live_steps: 2, max_sessions: 2 };
        let mut folder = StepFolder::with_recall(config, Catalog::default());
        let mut hooks = Vec::new();
        for i in 0..10 {
            let id = format!("t{i}");
            hooks.push(bash(Source::Hook, Phase::Call, i, &id, "x"));
            hooks.push(bash(Source::Hook, Phase::Result, i, &id, "x"));
        }
        hooks.push(text(Source::Hook, Kind::UserInput, 50, "again"));
        hooks.push(text(Source::Hook, Kind::UserInput, 51, "again"));
        let mut transcript: Vec<Event> = hooks
            .iter()
            .cloned()
            .map(|mut e| {
                e.source = Source::Transcript;
                e
            })
            .collect();
        transcript.reverse();
        for (lsn, e) in hooks.iter().chain(&transcript).enumerate() {
            for u in folder.push(Lsn(lsn as u64), e) {
                folder.recall_mut().0.insert((u.step.session.clone(), u.step.seq), u.step);
            }
            assert!(folder.live_steps() <= 2);
        }
        let steps: Vec<&Step> = folder.recall_mut().0.values().collect();
        assert_eq!(steps.len(), 12, "{:#?}", steps.iter().map(|s| &s.summary).collect::<Vec<_>>());
        assert!(steps.iter().all(|s| s.sources().contains(Source::Transcript)));
        assert!(steps.iter().all(|s| s.lsns.len() == if s.action { 4 } else { 2 }));
    }

    #[test]
    fn a_restarted_folder_continues_the_numbering() {
        let mut catalog = Catalog::default();
        let step =
            fold(&mut StepFolder::default(), &[bash(Source::Hook, Phase::Call, 1, "a", "ls")]);
        for s in step {
            catalog.0.insert((s.session.clone(), s.seq), s);
        }
        let mut folder = StepFolder::with_recall(FolderConfig::default(), catalog);
        let late = folder.push(Lsn(7), &bash(Source::Transcript, Phase::Result, 5, "a", "ls"));
        assert_eq!((late[0].step.seq, late[0].created), (Seq(1), false));
        assert_eq!(late[0].step.lsns, [Lsn(0), Lsn(7)]);
        let next = folder.push(Lsn(8), &bash(Source::Hook, Phase::Call, 9, "b", "pwd"));
        assert_eq!((next[0].step.seq, next[0].created), (Seq(2), true));
    }

    #[test]
    fn summaries_and_previews() {
        assert_eq!(strip_outcome_suffix("$ a → exit 128"), "$ a");
        assert_eq!(strip_outcome_suffix("$ a → b"), "$ a → b");
        assert_eq!(strip_outcome_suffix("$ a → exit x"), "$ a → exit x");
        assert_eq!(cut("héllo", 3), "hé…");
        assert_eq!(cut("héllo", 5), "héllo");
        assert_eq!(cut("", 0), "");
        let long = "é".repeat(500);
        let mut r = bash(Source::Hook, Phase::Result, 2, "t", &long);
        r.fields.exit_code = Some(2);
        let steps = fold(&mut StepFolder::default(), &[r]);
        assert_eq!(steps[0].summary.chars().count(), SUMMARY_MAX_CHARS);
        assert!(steps[0].summary.ends_with("… → exit 2"), "{}", steps[0].summary);
    }

    /// Folds 400 random records (hostile mixes of kinds, phases, sources, ids and sessions)
    /// into `folder`, whose steps `store` keeps, and checks that nothing panics, that every record
    /// is in exactly one step, that seqs are 1..N per session and that memory stays bounded.
    fn random_stream<R: Recall>(
        mut folder: StepFolder<R>,
        bound: usize,
        store: impl Fn(&mut StepFolder<R>, &Step),
    ) {
        let mut rng: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move |n: usize| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            usize::try_from(rng % n.max(1) as u64).unwrap_or(0)
        };
        let kinds =
            [Kind::ShellExec, Kind::McpToolResult, Kind::UserInput, Kind::Stop, Kind::Other];
        let sources = [Source::Hook, Source::Transcript, Source::Daemon];
        let phases = [Phase::Call, Phase::Result, Phase::Instant];
        let ids = ["", "t1", "t2", "h:1", "h:2"];
        let texts = ["a", "b", " a "];
        let exits = [None, Some(0), Some(-1), Some(i32::MAX)];
        let outcomes = [None, Some(Outcome::Ok), Some(Outcome::Denied)];
        let summaries = ["", " → ", "x → exit 1", "é → error"];
        let mut steps = BTreeMap::new();
        let n = 400;
        for i in 0..n {
            let pick = |items: &[&'static str], r: usize| items.get(r).copied().unwrap_or("");
            let kind = kinds.get(next(kinds.len())).copied().unwrap_or(Kind::Other);
            let phase = phases.get(next(phases.len())).copied().unwrap_or(Phase::Call);
            let source = sources.get(next(sources.len())).copied().unwrap_or(Source::Hook);
            let mut e = ev(source, kind, phase, next(1000) as i64 - 500, None);
            let id = pick(&ids, next(ids.len()));
            e.correlation = (!id.is_empty()).then(|| CorrelationId::from(id));
            e.session = SessionId(format!("s{}", next(3)));
            e.fields.text = Some(pick(&texts, next(texts.len())).to_owned());
            e.fields.exit_code = exits.get(next(exits.len())).copied().flatten();
            e.fields.outcome = outcomes.get(next(outcomes.len())).copied().flatten();
            e.fields.paths = if next(2) == 0 { vec![] } else { vec!["/x".into(); 100] };
            e.summary = pick(&summaries, next(summaries.len())).to_owned();
            for u in folder.push(Lsn(i), &e) {
                assert!(u.step.paths.len() <= MAX_PATHS);
                store(&mut folder, &u.step);
                steps.insert((u.step.session.clone(), u.step.seq), u.step);
            }
            assert!(folder.live_steps() <= bound);
        }
        let mut lsns: Vec<u64> = steps.values().flat_map(|s| s.lsns.iter().map(|l| l.0)).collect();
        lsns.sort();
        assert_eq!(lsns, (0..n).collect::<Vec<_>>(), "bound {bound}");
        for session in ["s0", "s1", "s2"] {
            let seqs: Vec<u64> =
                steps.keys().filter(|(s, _)| s.as_str() == session).map(|(_, q)| q.0).collect();
            assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "bound {bound}");
        }
    }

    #[test]
    fn random_streams_keep_the_invariants() {
        for bound in [1, 3, 50] {
            let config = FolderConfig { max_live_steps: bound, max_sessions: 1 };
            random_stream(StepFolder::new(config), bound, |_, _| {});
            let folder = StepFolder::with_recall(config, Catalog::default());
            random_stream(folder, bound, |f, step| {
                f.recall_mut().0.insert((step.session.clone(), step.seq), step.clone());
            });
        }
    }

    #[test]
    fn keys_are_stable() {
        // Stored in the catalog: a change of the hash is a change of the catalog's format.
        assert_eq!(key(&[]), StepKey(0xcbf2_9ce4_8422_2325));
        assert_ne!(key(&["ab", "c"]), key(&["a", "bc"]));
    }
}
