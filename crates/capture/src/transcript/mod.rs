//! Agent transcripts → events, one line at a time (`tl import`): Claude Code's session JSONL
//! (`~/.claude/projects/<project>/<session>.jsonl`, subagents in `<session>/subagents/`), Codex's
//! rollouts (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`) and Gemini CLI's chat recordings
//! (`~/.gemini/tmp/<project>/chats/session-*.jsonl`).
//!
//! A [`TranscriptParser`] is made per file and fed its lines in order ([`TranscriptParser::parse_line`],
//! or [`TranscriptParser::parse_reader`] for a whole reader). Memory is bounded by the longest line,
//! not by the file: across lines the parser keeps only the session's context (id, working
//! directory, model, git branch, permission mode, prompt and turn ids), the tool calls still waiting
//! for their result (at most [`MAX_PENDING_CALLS`]) and a set of 64-bit hashes of what it already
//! emitted (about 16 bytes per model response, for deduplication).
//!
//! Every line gives a [`LineResult`]: the events of the record, [`LineResult::Skipped`] for a known
//! record that says nothing new (the agent's bookkeeping, or a copy of what an earlier line said),
//! [`LineResult::Unknown`] for a record type this parser does not know (kept whole as an `OTHER`
//! event), [`LineResult::Invalid`] for a line that is not a JSON object. Nothing is fatal and
//! [`Stats`] counts it all. Each agent's module lists its record types: [`claude`], [`codex`],
//! [`gemini`].
//!
//! **Hook and transcript agree by construction.** A tool call or result read from a transcript is
//! presented to the hook normalizer ([`crate::normalize_hook`]) as the `PreToolUse`/`PostToolUse`
//! (Gemini `BeforeTool`/`AfterTool`) payload the agent's hook would have sent for it, so it gets
//! the hook's kind, correlation id, fields and summary; only `source` (`transcript`),
//! `fields.hook_event` (the record type, e.g. `assistant`, `response_item:function_call`) and
//! `raw` (the transcript line) differ. The indexer then folds both into one step on
//! [`event::Event::pair_key`].
//!
//! **Token usage** is one `TOKEN_USAGE` event per model response, with `fields.tokens`, `model`,
//! `message_id` and `request_id`, emitted once per file: Claude Code repeats a response's usage on
//! every line of that response (one line per content block, same `message.id` and `requestId`),
//! and only the first line's usage is kept (the later copies are counted in
//! [`Stats::usage_duplicates`]); Gemini rewrites a message record as it grows; Codex writes each
//! response's usage twice (`token_usage_record` and `event_msg` `token_count`). How each agent's
//! ids map to `message_id`/`request_id` is in its module.
//!
//! **Time.** An event's time is its record's `timestamp`; a record without one takes the latest
//! time seen earlier in the file, and before any, the caller's fallback
//! ([`TranscriptParser::with_fallback_time`]).
//!
//! Events keep the whole transcript line as their raw payload; redaction is the caller's next step,
//! as for hooks.

pub mod claude;
pub mod codex;
pub mod gemini;
mod time;

use std::collections::hash_map::{DefaultHasher, Entry};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::io::{self, BufRead};
use std::path::Path;

use event::{Agent, Event, Kind, Outcome, Phase, SessionId, Source, Timestamp, Tokens};
use serde_json::{Map, Value};

use crate::hook::json::type_name;
use crate::hook::text::{SUMMARY_MAX_CHARS, one_line};

/// At most this many tool calls wait for their result; beyond, the oldest is forgotten (its result,
/// should it come, is then a `TOOL_CALL` result without the call's fields).
pub const MAX_PENDING_CALLS: usize = 4096;

/// Lines longer than this are not parsed by [`TranscriptParser::parse_reader`] (counted as invalid),
/// so that a corrupt file cannot make it buffer without end.
pub const MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

/// At most this many distinct unknown record types are named in [`Stats::unknown_types`]; the rest
/// are counted under `…`.
const MAX_UNKNOWN_TYPES: usize = 64;

/// What one line of a transcript gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineResult {
    /// The record's events, in the order they happened (never empty).
    Events(Vec<Event>),
    /// A record this parser knows that has nothing new to record: the agent's own bookkeeping
    /// (request caches, UI state, file-history backups, running cost totals) or a copy of what an
    /// earlier line already gave (a repeated usage, a rewritten message, an `event_msg` mirroring a
    /// `response_item`).
    Skipped,
    /// A record of a type this parser does not know, kept whole: an `OTHER` event with the line as
    /// its raw payload and the type as `fields.hook_event`.
    Unknown(Box<Event>),
    /// Not a JSON object (not JSON, or JSON of another type); the reason. The next line is parsed on
    /// its own.
    Invalid(String),
    /// Empty or whitespace only.
    Blank,
}

impl LineResult {
    /// The events of this line: those of [`LineResult::Events`], the one of [`LineResult::Unknown`],
    /// none otherwise.
    pub fn into_events(self) -> Vec<Event> {
        match self {
            LineResult::Events(events) => events,
            LineResult::Unknown(event) => vec![*event],
            LineResult::Skipped | LineResult::Invalid(_) | LineResult::Blank => Vec::new(),
        }
    }
}

/// What a parser has seen so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Lines given to the parser.
    pub lines: u64,
    /// Empty lines.
    pub blank: u64,
    /// Lines that are not a JSON object, or too long to parse.
    pub invalid: u64,
    /// Records of a type this parser does not know (each kept as an `OTHER` event).
    pub unknown: u64,
    /// Known records with nothing new to record ([`LineResult::Skipped`]).
    pub skipped: u64,
    /// Events returned, `OTHER` events of unknown records included.
    pub events: u64,
    /// Usage reports dropped because the same response's usage was already emitted.
    pub usage_duplicates: u64,
    /// The unknown record types and how often each was seen (at most 64 names, the rest under `…`).
    pub unknown_types: BTreeMap<String, u64>,
}

/// Parses one transcript file, line by line. See the [module docs](self).
#[derive(Debug)]
pub struct TranscriptParser {
    st: State,
}

impl TranscriptParser {
    /// A parser for a transcript of `agent`. `path_hint` is the file's path: it becomes the events'
    /// `transcript_path`, and gives the session id (and, for a Claude Code subagent file, the
    /// subagent id) until the records say.
    pub fn new(agent: Agent, path_hint: &str) -> TranscriptParser {
        let mut st = State {
            agent,
            transcript_path: (!path_hint.is_empty()).then(|| path_hint.to_owned()),
            session: SessionId::default(),
            cwd: None,
            model: None,
            side_model: None,
            git_branch: None,
            permission_mode: None,
            prompt_id: None,
            turn_id: None,
            subagent_id: None,
            subagent_type: None,
            parent_id: None,
            path_subagent: None,
            compact_trigger: None,
            codex_usage_records: false,
            codex_last_total: None,
            last_ts: None,
            fallback_ts: Timestamp::default(),
            seen: HashSet::new(),
            pending: Pending::default(),
            stats: Stats::default(),
        };
        let path = Path::new(path_hint);
        match agent {
            Agent::ClaudeCode | Agent::Generic => claude::from_path(&mut st, path),
            Agent::Codex => codex::from_path(&mut st, path),
            Agent::Gemini => gemini::from_path(&mut st, path),
            Agent::Cursor => {}
        }
        TranscriptParser { st }
    }

    /// The time of events whose record has none, before any record with a time (e.g. the file's
    /// modification time). The Unix epoch if not set.
    pub fn with_fallback_time(mut self, ts: Timestamp) -> TranscriptParser {
        self.st.fallback_ts = ts;
        self
    }

    /// The session's working directory, for transcripts that do not record it (Gemini's chats say
    /// only the project's hash; `tl import` knows the directory from the project folder or the
    /// hooks). Records that name a directory replace it.
    pub fn with_cwd(mut self, cwd: &str) -> TranscriptParser {
        self.st.cwd = (!cwd.is_empty()).then(|| cwd.to_owned());
        self
    }

    /// Parses one line (with or without its line ending). Never panics, whatever the bytes.
    pub fn parse_line(&mut self, line: &[u8]) -> LineResult {
        let st = &mut self.st;
        st.stats.lines += 1;
        let line = line.trim_ascii();
        if line.is_empty() {
            st.stats.blank += 1;
            return LineResult::Blank;
        }
        let record: Value = match serde_json::from_slice(line) {
            Ok(v) => v,
            Err(e) => return st.invalid(format!("not JSON: {e}")),
        };
        if !record.is_object() {
            return st.invalid(format!("a JSON {}, not an object", type_name(&record)));
        }
        // serde_json accepted the bytes, so they are UTF-8.
        let Ok(raw) = std::str::from_utf8(line) else {
            return st.invalid("not UTF-8".to_owned());
        };
        let parsed = match st.agent {
            Agent::ClaudeCode | Agent::Generic => claude::parse(st, record, raw),
            Agent::Codex => codex::parse(st, record, raw),
            Agent::Gemini => gemini::parse(st, record, raw),
            Agent::Cursor => Parsed::Unknown("cursor transcript".to_owned(), None),
        };
        match parsed {
            Parsed::Events(events) if !events.is_empty() => {
                st.stats.events += events.len() as u64;
                LineResult::Events(events)
            }
            Parsed::Events(_) | Parsed::Skipped => {
                st.stats.skipped += 1;
                LineResult::Skipped
            }
            Parsed::Unknown(name, ts) => LineResult::Unknown(Box::new(st.unknown(name, ts, raw))),
        }
    }

    /// Parses every line of `reader`, giving each event to `sink`, and returns the number of bytes
    /// read. Memory stays bounded: a line longer than [`MAX_LINE_BYTES`] is skipped unparsed and
    /// counted as invalid. A last line without a line ending is parsed too.
    ///
    /// # Errors
    ///
    /// The reader's IO errors (other than `Interrupted`, which is retried). The events of the lines
    /// before the error have been given to `sink`.
    pub fn parse_reader<R: BufRead>(
        &mut self,
        reader: R,
        sink: impl FnMut(Event),
    ) -> io::Result<u64> {
        self.read_lines(reader, MAX_LINE_BYTES, sink)
    }

    /// [`TranscriptParser::parse_reader`] with lines of at most `max_line` bytes.
    fn read_lines<R: BufRead>(
        &mut self,
        mut reader: R,
        max_line: usize,
        mut sink: impl FnMut(Event),
    ) -> io::Result<u64> {
        let mut line = Vec::new();
        let mut too_long = false;
        let mut total: u64 = 0;
        loop {
            let buf = match reader.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let at_end = buf.is_empty();
            let (chunk, end_of_line) = match memchr::memchr(b'\n', buf) {
                Some(at) => (buf.get(..=at).unwrap_or(buf), true),
                None => (buf, at_end),
            };
            let used = chunk.len();
            if !too_long {
                if line.len() + used > max_line {
                    too_long = true;
                    line = Vec::new();
                } else {
                    line.extend_from_slice(chunk);
                }
            }
            reader.consume(used);
            total += used as u64;
            if end_of_line {
                if too_long {
                    self.st.stats.lines += 1;
                    self.st.invalid(format!("line longer than {max_line} bytes"));
                } else if !(at_end && line.is_empty()) {
                    self.parse_line(&line).into_events().into_iter().for_each(&mut sink);
                }
                too_long = false;
                // One long line must not keep its buffer for the rest of the file.
                if line.capacity() > 1 << 20 {
                    line = Vec::new();
                }
                line.clear();
            }
            if at_end {
                return Ok(total);
            }
        }
    }

    /// What the parser has seen so far.
    pub fn stats(&self) -> &Stats {
        &self.st.stats
    }

    /// The agent whose transcript this is.
    pub fn agent(&self) -> Agent {
        self.st.agent
    }

    /// The session id: from the records, else from the file name (empty if neither says).
    pub fn session(&self) -> &SessionId {
        &self.st.session
    }

    /// The session's working directory, as far as the records said.
    pub fn cwd(&self) -> Option<&str> {
        self.st.cwd.as_deref()
    }

    /// The model of the latest response (or the session's configured model), as far as seen.
    pub fn model(&self) -> Option<&str> {
        self.st.model.as_deref()
    }

    /// The git branch the session ran on, where the transcript says (Claude Code, Codex).
    pub fn git_branch(&self) -> Option<&str> {
        self.st.git_branch.as_deref()
    }
}

/// Which agent wrote the transcript at `path` whose first line is `first_line`: by the first
/// record's shape, else by the file's name and place (`~/.claude/projects/`, `rollout-*.jsonl`,
/// `~/.gemini/…/chats/session-*`). `None` when neither tells.
pub fn detect_agent(path: &Path, first_line: &[u8]) -> Option<Agent> {
    if let Ok(Value::Object(first)) = serde_json::from_slice::<Value>(first_line.trim_ascii()) {
        let has = |k: &str| first.contains_key(k);
        let ty = first.get("type").and_then(Value::as_str);
        if ty == Some("session_meta")
            || (has("payload") && has("timestamp") && ty.is_some())
            || (has("id") && has("instructions"))
        {
            return Some(Agent::Codex);
        }
        if has("projectHash") || has("$set") || (ty == Some("gemini")) {
            return Some(Agent::Gemini);
        }
        if has("parentUuid")
            || has("isSidechain")
            || has("leafUuid")
            || (has("sessionId") && ty.is_some_and(|t| claude::KNOWN_TYPES.contains(&t)))
            || ty.is_some_and(|t| claude::KNOWN_TYPES.contains(&t) && t != "user")
        {
            return Some(Agent::ClaudeCode);
        }
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let text = path.to_string_lossy();
    let jsonl = name.ends_with(".jsonl");
    if jsonl && (name.starts_with("rollout-") || text.contains("/.codex/")) {
        return Some(Agent::Codex);
    }
    if (name.starts_with("session-") && (name.ends_with(".jsonl") || name.ends_with(".json")))
        || (text.contains("/.gemini/") && text.contains("/chats/"))
    {
        return Some(Agent::Gemini);
    }
    if jsonl && text.contains("/.claude/") {
        return Some(Agent::ClaudeCode);
    }
    None
}

/// What an agent's parser made of one record.
pub(crate) enum Parsed {
    /// Events (possibly none, which reads as skipped).
    Events(Vec<Event>),
    /// A known record with nothing new.
    Skipped,
    /// An unknown record type (its name), with the record's time if it has one.
    Unknown(String, Option<Timestamp>),
}

/// A tool call waiting for its result.
#[derive(Debug)]
pub(crate) struct PendingCall {
    pub(crate) tool_name: String,
    pub(crate) input: Value,
    pub(crate) duration_ms: Option<u64>,
}

/// The tool calls waiting for their result, oldest first, at most [`MAX_PENDING_CALLS`].
#[derive(Debug, Default)]
pub(crate) struct Pending {
    calls: HashMap<String, PendingCall>,
    order: VecDeque<String>,
}

impl Pending {
    fn insert(&mut self, id: &str, call: PendingCall) {
        match self.calls.entry(id.to_owned()) {
            Entry::Occupied(mut slot) => {
                slot.insert(call);
                return;
            }
            Entry::Vacant(slot) => {
                slot.insert(call);
            }
        }
        self.order.push_back(id.to_owned());
        while self.calls.len() > MAX_PENDING_CALLS {
            match self.order.pop_front() {
                Some(old) => {
                    self.calls.remove(&old);
                }
                None => break,
            }
        }
        // Ids of answered calls stay in `order` until here: drop them once they are the majority.
        if self.order.len() > 2 * MAX_PENDING_CALLS.max(self.calls.len()) {
            let calls = &self.calls;
            self.order.retain(|id| calls.contains_key(id));
        }
    }

    pub(crate) fn take(&mut self, id: &str) -> Option<PendingCall> {
        self.calls.remove(id)
    }

    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut PendingCall> {
        self.calls.get_mut(id)
    }
}

/// How a tool call ended, as a transcript says.
pub(crate) enum Reply {
    /// The tool's response, as the agent's post-tool hook would carry it in `tool_response`.
    Response(Value),
    /// The call failed: the error text, whether the user interrupted it, and whether a policy or
    /// the user refused it (when the text alone does not say so to the hook normalizer).
    Failure { error: String, interrupted: bool, denied: bool },
    /// The call was cancelled before it ran (Gemini `cancelled`).
    Cancelled(Value),
}

/// The state of one file's parse, shared by the agents' parsers.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) agent: Agent,
    pub(crate) transcript_path: Option<String>,
    pub(crate) session: SessionId,
    pub(crate) cwd: Option<String>,
    pub(crate) model: Option<String>,
    /// Claude Code: the model of the sidechain records in the session's own file.
    pub(crate) side_model: Option<String>,
    pub(crate) git_branch: Option<String>,
    pub(crate) permission_mode: Option<String>,
    pub(crate) prompt_id: Option<String>,
    pub(crate) turn_id: Option<String>,
    /// The subagent the current record belongs to.
    pub(crate) subagent_id: Option<String>,
    pub(crate) subagent_type: Option<String>,
    /// The session (or call) that spawned the subagent of the current record.
    pub(crate) parent_id: Option<String>,
    /// The subagent id the file's name gives (Claude Code `subagents/agent-<id>.jsonl`).
    pub(crate) path_subagent: Option<String>,
    /// The trigger of the last compaction boundary, for its summary record.
    pub(crate) compact_trigger: Option<String>,
    /// Codex: the file has `token_usage_record`s, so `token_count` events are copies.
    pub(crate) codex_usage_records: bool,
    /// Codex: the cumulative total of the last `token_count`, which Codex repeats.
    pub(crate) codex_last_total: Option<u64>,
    last_ts: Option<Timestamp>,
    fallback_ts: Timestamp,
    seen: HashSet<u64>,
    pub(crate) pending: Pending,
    pub(crate) stats: Stats,
}

impl State {
    fn invalid(&mut self, reason: String) -> LineResult {
        self.stats.invalid += 1;
        LineResult::Invalid(reason)
    }

    /// The `OTHER` event of an unknown record, counted.
    fn unknown(&mut self, name: String, ts: Option<Timestamp>, raw: &str) -> Event {
        self.stats.unknown += 1;
        self.stats.events += 1;
        let slot = if self.stats.unknown_types.len() < MAX_UNKNOWN_TYPES
            || self.stats.unknown_types.contains_key(&name)
        {
            name.clone()
        } else {
            "…".to_owned()
        };
        *self.stats.unknown_types.entry(slot).or_insert(0) += 1;
        let ts = ts.unwrap_or_else(|| self.now());
        let label = if name.is_empty() { "record without a type".to_owned() } else { name };
        let mut e = self.instant(ts, Kind::Other, &label, format!("unknown record {label}"));
        e.raw = raw.to_owned();
        e
    }

    /// The time of a record: its `timestamp` (RFC 3339, or Unix milliseconds), else the latest
    /// time seen, else the caller's fallback.
    pub(crate) fn ts(&mut self, v: Option<&Value>) -> Timestamp {
        match v.and_then(timestamp) {
            Some(ts) => {
                self.last_ts = Some(self.last_ts.map_or(ts, |last| last.max(ts)));
                ts
            }
            None => self.now(),
        }
    }

    /// The time of a record that has none.
    pub(crate) fn now(&self) -> Timestamp {
        self.last_ts.unwrap_or(self.fallback_ts)
    }

    /// True the first time `parts` are seen in this file (the parts are hashed, not kept).
    pub(crate) fn first_time(&mut self, parts: &[&str]) -> bool {
        let mut h = DefaultHasher::new();
        parts.hash(&mut h);
        self.seen.insert(h.finish())
    }

    /// An event of this file with the session's context; `record` names the record type.
    pub(crate) fn event(&self, ts: Timestamp, kind: Kind, phase: Phase, record: &str) -> Event {
        let mut e =
            Event::new(ts, self.session.clone(), self.agent, Source::Transcript, kind, phase);
        let f = &mut e.fields;
        f.hook_event = (!record.is_empty()).then(|| record.to_owned());
        f.cwd.clone_from(&self.cwd);
        f.model.clone_from(&self.model);
        f.transcript_path.clone_from(&self.transcript_path);
        f.permission_mode.clone_from(&self.permission_mode);
        f.prompt_id.clone_from(&self.prompt_id);
        f.turn_id.clone_from(&self.turn_id);
        f.subagent_id.clone_from(&self.subagent_id);
        f.subagent_type.clone_from(&self.subagent_type);
        f.parent_id.clone_from(&self.parent_id);
        e
    }

    /// An instant event with a one-line summary.
    pub(crate) fn instant(
        &self,
        ts: Timestamp,
        kind: Kind,
        record: &str,
        summary: String,
    ) -> Event {
        let mut e = self.event(ts, kind, Phase::Instant, record);
        e.summary = one_line(&summary, SUMMARY_MAX_CHARS);
        e
    }

    /// An instant event carrying `text`, summarized as `prefix: text`.
    pub(crate) fn text_event(
        &self,
        ts: Timestamp,
        kind: Kind,
        record: &str,
        prefix: &str,
        text: &str,
    ) -> Event {
        let mut e = self.instant(ts, kind, record, crate::hook::excerpt(prefix, Some(text)));
        e.fields.text = Some(text.to_owned());
        e
    }

    /// A `TOKEN_USAGE` event.
    pub(crate) fn usage_event(
        &self,
        ts: Timestamp,
        record: &str,
        tokens: Tokens,
        message_id: Option<String>,
        request_id: Option<String>,
    ) -> Event {
        let prompt =
            tokens.input.saturating_add(tokens.cache_read).saturating_add(tokens.cache_write);
        let model = self.model.as_deref().map(|m| format!(" {m}")).unwrap_or_default();
        let summary = format!("tokens{model}: {prompt} in, {} out", tokens.output);
        let mut e = self.instant(ts, Kind::TokenUsage, record, summary);
        e.fields.tokens = Some(tokens);
        e.fields.message_id = message_id;
        e.fields.request_id = request_id;
        e
    }

    /// The envelope of the hook payload the agent would have sent for a tool event of this record.
    fn hook_payload(&self, hook_event: &str) -> Map<String, Value> {
        let mut p = Map::new();
        let mut put = |k: &str, v: Option<&str>| {
            if let Some(v) = v {
                p.insert(k.to_owned(), Value::String(v.to_owned()));
            }
        };
        put("hook_event_name", Some(hook_event));
        put("session_id", Some(self.session.as_str()));
        put("cwd", self.cwd.as_deref());
        put("transcript_path", self.transcript_path.as_deref());
        put("permission_mode", self.permission_mode.as_deref());
        put("prompt_id", self.prompt_id.as_deref());
        put("turn_id", self.turn_id.as_deref());
        put("agent_id", self.subagent_id.as_deref());
        put("agent_type", self.subagent_type.as_deref());
        put("model", self.model.as_deref());
        p
    }

    /// Normalizes a hook payload built from a record into transcript events.
    fn hook_events(
        &self,
        payload: Map<String, Value>,
        ts: Timestamp,
        record: &str,
        raw: &str,
    ) -> Vec<Event> {
        let payload = Value::Object(payload);
        // The payload is an object, the one thing `normalize_hook` requires.
        let mut events = crate::hook::normalize_hook(self.hook_agent(), &payload, ts)
            .unwrap_or_else(|_| vec![self.instant(ts, Kind::Other, record, record.to_owned())]);
        for e in &mut events {
            e.source = Source::Transcript;
            e.fields.hook_event = Some(record.to_owned());
            e.fields.parent_id.clone_from(&self.parent_id);
            e.raw = raw.to_owned();
        }
        events
    }

    fn hook_agent(&self) -> Agent {
        match self.agent {
            Agent::Cursor => Agent::ClaudeCode,
            other => other,
        }
    }

    /// The call events of a tool call. `id` is the agent's call id; it is remembered with the call
    /// for the result, and given to the hook normalizer except for Gemini, whose hooks carry no id
    /// (the normalizer derives one from the tool's name and input, and so it must here).
    pub(crate) fn tool_call(
        &mut self,
        ts: Timestamp,
        record: &str,
        raw: &str,
        id: Option<&str>,
        tool_name: &str,
        input: Value,
    ) -> Vec<Event> {
        let gemini = self.agent == Agent::Gemini;
        let mut p = self.hook_payload(if gemini { "BeforeTool" } else { "PreToolUse" });
        p.insert("tool_name".to_owned(), Value::String(tool_name.to_owned()));
        if let Some(id) = id.filter(|id| !id.is_empty())
            && !gemini
        {
            p.insert("tool_use_id".to_owned(), Value::String(id.to_owned()));
            let call = PendingCall {
                tool_name: tool_name.to_owned(),
                input: input.clone(),
                duration_ms: None,
            };
            self.pending.insert(id, call);
        }
        p.insert("tool_input".to_owned(), input);
        self.hook_events(p, ts, record, raw)
    }

    /// The result events of the call `id` (whose call, if known, is `call`).
    pub(crate) fn tool_result(
        &mut self,
        ts: Timestamp,
        record: &str,
        raw: &str,
        id: Option<&str>,
        call: Option<PendingCall>,
        reply: Reply,
    ) -> Vec<Event> {
        let gemini = self.agent == Agent::Gemini;
        let (name, response, outcome) = match reply {
            Reply::Response(v) => (if gemini { "AfterTool" } else { "PostToolUse" }, Some(v), None),
            Reply::Cancelled(v) => ("AfterTool", Some(v), Some(Outcome::Interrupted)),
            Reply::Failure { error, interrupted, denied } => {
                let outcome = denied.then_some(Outcome::Denied);
                if gemini {
                    let mut r = Map::new();
                    r.insert("error".to_owned(), Value::String(error));
                    ("AfterTool", Some(Value::Object(r)), outcome)
                } else {
                    let mut p = self.hook_payload("PostToolUseFailure");
                    p.insert("error".to_owned(), Value::String(error));
                    p.insert("is_interrupt".to_owned(), Value::Bool(interrupted));
                    return self.finish_result(p, ts, record, raw, id, call, outcome);
                }
            }
        };
        let mut p = self.hook_payload(name);
        if let Some(response) = response {
            p.insert("tool_response".to_owned(), response);
        }
        self.finish_result(p, ts, record, raw, id, call, outcome)
    }

    #[allow(clippy::too_many_arguments)]
    fn finish_result(
        &mut self,
        mut p: Map<String, Value>,
        ts: Timestamp,
        record: &str,
        raw: &str,
        id: Option<&str>,
        call: Option<PendingCall>,
        outcome: Option<Outcome>,
    ) -> Vec<Event> {
        let (tool_name, input, duration_ms) = match call {
            Some(c) => (c.tool_name, c.input, c.duration_ms),
            None => (String::new(), Value::Null, None),
        };
        p.insert("tool_name".to_owned(), Value::String(tool_name));
        p.insert("tool_input".to_owned(), input);
        if self.agent != Agent::Gemini
            && let Some(id) = id.filter(|id| !id.is_empty())
        {
            p.insert("tool_use_id".to_owned(), Value::String(id.to_owned()));
        }
        let mut events = self.hook_events(p, ts, record, raw);
        for e in &mut events {
            if e.fields.duration_ms.is_none() {
                e.fields.duration_ms = duration_ms;
            }
            if let Some(outcome) = outcome {
                set_outcome(e, outcome);
            }
        }
        events
    }
}

/// Marks a result event as ended with `outcome`, where the transcript says more than the hook
/// normalizer could read from the payload; the summary's outcome suffix (` → error`) follows.
fn set_outcome(e: &mut Event, outcome: Outcome) {
    e.fields.outcome = Some(outcome);
    let word = match outcome {
        Outcome::Ok => return,
        Outcome::Error => "error",
        Outcome::Denied => "denied",
        Outcome::Interrupted => "interrupted",
    };
    let head = match e.summary.rsplit_once(" → ") {
        Some((_, tail)) if tail.starts_with("exit ") => return,
        Some((head, "error" | "denied" | "interrupted")) => head.to_owned(),
        _ => e.summary.clone(),
    };
    let head = one_line(&head, SUMMARY_MAX_CHARS.saturating_sub(word.chars().count() + 3));
    e.summary = format!("{head} → {word}");
}

/// A record's time: an RFC 3339 string, or Unix milliseconds.
fn timestamp(v: &Value) -> Option<Timestamp> {
    match v {
        Value::String(s) => time::parse_rfc3339(s),
        Value::Number(n) => n.as_i64().map(Timestamp::from_unix_millis),
        _ => None,
    }
}

/// The string of a JSON value, or its text if it is a content value (blocks, parts).
pub(crate) fn text_of(v: &Value) -> Option<String> {
    crate::hook::json::content_text(v).filter(|t| !t.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_calls_stay_bounded() {
        let mut p = Pending::default();
        for i in 0..(3 * MAX_PENDING_CALLS) {
            let id = format!("call_{i}");
            p.insert(
                &id,
                PendingCall { tool_name: "Bash".into(), input: Value::Null, duration_ms: None },
            );
            if i % 2 == 0 {
                assert!(p.take(&id).is_some());
            }
        }
        assert!(p.calls.len() <= MAX_PENDING_CALLS);
        assert!(p.order.len() <= 2 * MAX_PENDING_CALLS + 1, "{}", p.order.len());
        let newest = format!("call_{}", 3 * MAX_PENDING_CALLS - 1);
        assert!(p.take(&newest).is_some());
        assert!(p.take("call_1").is_none(), "the oldest call is forgotten");
    }

    #[test]
    fn long_lines_are_skipped_and_counted() {
        let line = |text: &str| format!(r#"{{"type":"user","message":{{"content":"{text}"}}}}"#);
        let (short, long) = (line("ok"), line(&"x".repeat(200)));
        let cases = [
            (format!("{short}\n{long}\n{short}\n"), 3, 1, vec!["ok", "ok"]),
            (format!("{long}\n{short}"), 2, 1, vec!["ok"]),
            (format!("{short}\n{long}"), 2, 1, vec!["ok"]),
            (format!("{long}{long}\n\n"), 2, 1, vec![]),
            (String::new(), 0, 0, vec![]),
        ];
        for (text, lines, invalid, want) in cases {
            let mut parser = TranscriptParser::new(Agent::ClaudeCode, "x.jsonl");
            let mut got = Vec::new();
            let reader = io::BufReader::with_capacity(16, text.as_bytes());
            let read =
                parser.read_lines(reader, 100, |e| got.push(e.fields.text.unwrap_or_default()));
            assert_eq!(read.ok(), Some(text.len() as u64), "{text:?}");
            assert_eq!(got, want, "{text:?}");
            assert_eq!(
                (parser.stats().lines, parser.stats().invalid),
                (lines, invalid),
                "{text:?}"
            );
        }
    }

    #[test]
    fn outcome_suffixes() {
        let cases = [
            ("$ rm x → error", Outcome::Denied, "$ rm x → denied"),
            ("$ rm x", Outcome::Interrupted, "$ rm x → interrupted"),
            ("$ rm x → exit 2", Outcome::Denied, "$ rm x → exit 2"),
            ("a → b", Outcome::Error, "a → b → error"),
            ("$ ok", Outcome::Ok, "$ ok"),
        ];
        for (summary, outcome, want) in cases {
            let mut e = Event::new(
                Timestamp(0),
                SessionId::default(),
                Agent::Codex,
                Source::Transcript,
                Kind::ShellExec,
                Phase::Result,
            );
            e.summary = summary.to_owned();
            set_outcome(&mut e, outcome);
            assert_eq!(e.summary, want);
            assert_eq!(e.fields.outcome, Some(outcome));
        }
    }
}
