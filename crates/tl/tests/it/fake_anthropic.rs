//! A scripted stand-in for the Anthropic Messages API, so that the real Claude Code CLI can run
//! against 127.0.0.1 with no network and no key (used by `e2e_claude.rs`).
//!
//! A tiny threaded HTTP/1.1 server (one request per connection, `connection: close`, every accept,
//! read and write bounded by a timeout) that answers:
//!
//! - `POST /v1/messages` from the conversation (a non-haiku model, a non-empty `tools` list and a
//!   last message from the user): the first request of a conversation gets turn 0; a request
//!   that ends with `tool_result`s gets the turn after the one that issued those `tool_use` ids
//!   (so a retried request replays its turn instead of skipping one). Once the script is played
//!   out, the conversation gets a plain "Done." that consumes nothing.
//! - any other `POST /v1/messages` (title generation, quota probes, haiku side queries, …): a short
//!   text answer that consumes nothing.
//! - `POST /v1/messages/count_tokens`: a rough count. `GET /v1/models`: one model. `HEAD`: 200.
//!   Anything else: a 404 in the API's error shape.
//!
//! Answers stream as server-sent events when the request says `"stream": true` (`message_start`,
//! `content_block_start`/`_delta`/`_stop` for text, thinking and tool_use blocks, `message_delta`
//! with `stop_reason` and usage, `message_stop`), and are one JSON message otherwise. Every request
//! is logged (see [`FakeAnthropic::log`] and [`FakeAnthropic::with_log_file`]). Dropping the server
//! stops it and joins its threads.
//!
//! What Claude Code 2.1.328 sends (`-p`, stream-json): every model call is a streaming
//! `POST /v1/messages?beta=true` (HTTP/1.1 keep-alive, `x-api-key`, `anthropic-beta` flags) with
//! thinking enabled (so thinking blocks need a `signature`), the system prompt as text blocks, the
//! prompt as the last of several user text blocks (system reminders first) and 12 tools (`Agent`,
//! `Bash`, `Edit`, `Read`, `Write`, `Skill`, `ToolSearch`, …; no `Glob`/`Grep`/`LS` unless asked
//! for with `--tools`). Parallel tool calls come back as one user message with one `tool_result`
//! each. With `CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1` that is all it sends; without it there
//! is also a `HEAD /api/hello` connectivity check, and the run waits seconds on the internet.

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// How long one write on a connection may block.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one read blocks before the connection looks at the stop flag again.
const READ_POLL: Duration = Duration::from_millis(200);
/// How long a whole request (head and body) may take to arrive.
const REQUEST_DEADLINE: Duration = Duration::from_secs(30);
/// The largest request accepted (Claude Code's requests grow with the conversation: ~100 KB here).
const MAX_REQUEST: usize = 64 * 1024 * 1024;
/// The model named in answers when a request names none.
const DEFAULT_MODEL: &str = "claude-sonnet-4-5";

/// One content block of a scripted assistant turn.
#[derive(Clone, Debug)]
pub enum Block {
    /// A thinking block (streamed as `thinking_delta`s and a `signature_delta`).
    Thinking(String),
    /// A text block.
    Text(String),
    /// A tool call; the server gives it a unique `toolu_…` id.
    ToolUse {
        /// The tool's name (`Bash`, `Read`, `Write`, …).
        name: String,
        /// The tool's input.
        input: Value,
    },
}

/// One scripted assistant turn: its blocks, in order. It stops with `tool_use` when it has a tool
/// call, `end_turn` otherwise.
#[derive(Clone, Debug, Default)]
pub struct Turn {
    /// The content blocks.
    pub blocks: Vec<Block>,
}

impl Turn {
    /// An empty turn, to build on.
    pub fn new() -> Turn {
        Turn::default()
    }

    /// Adds a thinking block.
    pub fn thinking(mut self, text: &str) -> Turn {
        self.blocks.push(Block::Thinking(text.to_owned()));
        self
    }

    /// Adds a text block.
    pub fn text(mut self, text: &str) -> Turn {
        self.blocks.push(Block::Text(text.to_owned()));
        self
    }

    /// Adds a call of `name` with `input`.
    pub fn tool(mut self, name: &str, input: Value) -> Turn {
        self.blocks.push(Block::ToolUse { name: name.to_owned(), input });
        self
    }
}

/// A tool call the server hands out: its id, the tool and its input.
#[derive(Clone, Debug)]
pub struct IssuedCall {
    /// The `tool_use` id (what the agent reports as `tool_use_id`).
    pub id: String,
    /// The tool's name.
    pub name: String,
    /// The tool's input.
    pub input: Value,
}

/// One request, as the server saw and classified it.
#[derive(Clone, Debug)]
pub struct Logged {
    /// 1-based arrival number.
    pub seq: usize,
    /// `POST`, `GET`, `HEAD`, …
    pub method: String,
    /// The request target, query included.
    pub path: String,
    /// `main`, `side`, `count_tokens`, `other` or `bad_request`.
    pub class: &'static str,
    /// Why it was classified so (or what was wrong with it).
    pub reason: String,
    /// The scripted turn played, for `main`.
    pub turn: Option<usize>,
    /// Whether the answer streamed.
    pub stream: bool,
    /// The model asked for.
    pub model: String,
    /// How many messages the request carried.
    pub messages: usize,
    /// How many tools it offered.
    pub tools: usize,
}

impl std::fmt::Display for Logged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "#{} {} {} -> {} ({}) turn={:?} stream={} model={} messages={} tools={}",
            self.seq,
            self.method,
            self.path,
            self.class,
            self.reason,
            self.turn,
            self.stream,
            self.model,
            self.messages,
            self.tools
        )
    }
}

/// State shared by the server's threads.
struct Shared {
    turns: Vec<Turn>,
    /// Makes tool and message ids unique per server, like the real API's.
    nonce: String,
    seq: AtomicUsize,
    log: Mutex<Vec<Logged>>,
    log_file: Mutex<Option<File>>,
    stop: AtomicBool,
}

/// The running server. Stops (and joins its threads) when dropped.
pub struct FakeAnthropic {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl FakeAnthropic {
    /// Starts a server on 127.0.0.1 with a free port that plays `turns`.
    pub fn start(turns: Vec<Turn>) -> io::Result<FakeAnthropic> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let clock = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let nonce = format!("{:08x}{:06x}", clock.subsec_nanos() ^ std::process::id(), addr.port());
        let shared = Arc::new(Shared {
            turns,
            nonce,
            seq: AtomicUsize::new(0),
            log: Mutex::new(Vec::new()),
            log_file: Mutex::new(None),
            stop: AtomicBool::new(false),
        });
        let state = Arc::clone(&shared);
        let acceptor = std::thread::Builder::new()
            .name("fake-anthropic".into())
            .spawn(move || accept_loop(&listener, &state))?;
        Ok(FakeAnthropic { addr, shared, acceptor: Some(acceptor) })
    }

    /// Also appends every request, body included (API key headers left out), as a JSON line to
    /// `path`. The bodies hold whatever the agent sends, secrets included: keep the file out of
    /// anything a test scans.
    pub fn with_log_file(self, path: &Path) -> io::Result<FakeAnthropic> {
        *lock(&self.shared.log_file) = Some(File::create(path)?);
        Ok(self)
    }

    /// `http://127.0.0.1:PORT`, for `ANTHROPIC_BASE_URL`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far.
    pub fn log(&self) -> Vec<Logged> {
        lock(&self.shared.log).clone()
    }

    /// The log, one request a line, for failure messages.
    pub fn log_text(&self) -> String {
        self.log().iter().map(|l| format!("  {l}\n")).collect()
    }

    /// Every tool call of the script, with the id the server gives it.
    pub fn issued_calls(&self) -> Vec<IssuedCall> {
        let mut out = Vec::new();
        for (turn, t) in self.shared.turns.iter().enumerate() {
            for (block, b) in t.blocks.iter().enumerate() {
                if let Block::ToolUse { name, input } = b {
                    let id = self.shared.tool_id(turn, block);
                    out.push(IssuedCall { id, name: name.clone(), input: input.clone() });
                }
            }
        }
        out
    }

    /// The scripted turns played at least once, in order of first play.
    pub fn turns_played(&self) -> Vec<usize> {
        let mut played = Vec::new();
        for t in self.log().iter().filter_map(|l| l.turn) {
            if !played.contains(&t) {
                played.push(t);
            }
        }
        played
    }
}

impl Drop for FakeAnthropic {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Accepts connections until the server is dropped, one thread each; then joins them (each is
/// bounded by its timeouts).
fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    while !shared.stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let state = Arc::clone(shared);
                let spawned = std::thread::Builder::new()
                    .name("fake-anthropic-conn".into())
                    .spawn(move || serve_connection(stream, &state));
                match spawned {
                    Ok(handle) => workers.push(handle),
                    Err(e) => eprintln!("fake_anthropic: cannot spawn a connection thread: {e}"),
                }
                workers.retain(|w| !w.is_finished());
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => {
                eprintln!("fake_anthropic: accept: {e}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
    for w in workers {
        let _ = w.join();
    }
}

/// One parsed HTTP request.
struct Request {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn serve_connection(mut stream: TcpStream, shared: &Shared) {
    // Accepted sockets may inherit the listener's non-blocking mode on some platforms.
    let setup = stream
        .set_nonblocking(false)
        .and_then(|()| stream.set_read_timeout(Some(READ_POLL)))
        .and_then(|()| stream.set_write_timeout(Some(IO_TIMEOUT)));
    if setup.is_err() {
        return;
    }
    let request = match read_request(&mut stream, &shared.stop) {
        Ok(Some(r)) => r,
        // The peer connected and left without a request.
        Ok(None) => return,
        Err(e) => {
            let seq = shared.seq.fetch_add(1, Ordering::SeqCst) + 1;
            shared.record(
                Logged {
                    seq,
                    method: String::new(),
                    path: String::new(),
                    class: "bad_request",
                    reason: e.to_string(),
                    turn: None,
                    stream: false,
                    model: String::new(),
                    messages: 0,
                    tools: 0,
                },
                None,
            );
            let _ = send_json(
                &mut stream,
                400,
                seq,
                &api_error("invalid_request_error", &e.to_string()),
            );
            return;
        }
    };
    // A client that goes away mid-answer is not the server's problem.
    let _ = shared.answer(&mut stream, &request);
}

/// Reads one request: `Ok(None)` when the connection closed before a request started.
fn read_request(stream: &mut TcpStream, stop: &AtomicBool) -> io::Result<Option<Request>> {
    let deadline = Deadline { at: Instant::now() + REQUEST_DEADLINE, stop };
    let mut buf = Vec::with_capacity(8192);
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 64 * 1024 {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "request head over 64 KiB"));
        }
        let n = match read_some(stream, &mut buf, &deadline) {
            // An idle connection that never sent anything just ends.
            Err(e)
                if buf.is_empty()
                    && matches!(e.kind(), io::ErrorKind::TimedOut | io::ErrorKind::Interrupted) =>
            {
                return Ok(None);
            }
            other => other?,
        };
        if n == 0 {
            if buf.is_empty() {
                return Ok(None);
            }
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed in the head",
            ));
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let method = first.next().unwrap_or("").to_owned();
    let target = first.next().unwrap_or("").to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut request = Request { method, target, headers, body: Vec::new() };
    let mut rest = buf.split_off(head_end + 4);
    let chunked = request
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        request.body = read_chunked(stream, rest, &deadline)?;
    } else if let Some(len) = request.header("content-length") {
        let len: usize = len
            .parse()
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad content-length"))?;
        if len > MAX_REQUEST {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "request body too large"));
        }
        while rest.len() < len {
            if read_some(stream, &mut rest, &deadline)? == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed in the body",
                ));
            }
        }
        rest.truncate(len);
        request.body = rest;
    }
    Ok(Some(request))
}

/// Decodes a chunked body whose first bytes are `buf`.
fn read_chunked(
    stream: &mut TcpStream,
    mut buf: Vec<u8>,
    deadline: &Deadline<'_>,
) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = loop {
            if let Some(i) = find(&buf, b"\r\n") {
                break i;
            }
            if read_some(stream, &mut buf, deadline)? == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed in a chunk",
                ));
            }
        };
        let size_text = String::from_utf8_lossy(&buf[..line_end]).into_owned();
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
        buf.drain(..line_end + 2);
        if size == 0 {
            // Trailers are not used by any client here; the final CRLF may or may not be read.
            return Ok(body);
        }
        if body.len() + size > MAX_REQUEST {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "request body too large"));
        }
        while buf.len() < size + 2 {
            if read_some(stream, &mut buf, deadline)? == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed in a chunk",
                ));
            }
        }
        body.extend_from_slice(&buf[..size]);
        buf.drain(..size + 2);
    }
}

/// When reading a request gives up: at a time, or when the server stops.
struct Deadline<'a> {
    at: Instant,
    stop: &'a AtomicBool,
}

/// One read into `buf` (0 at the end of the stream), waiting in `READ_POLL` steps until data
/// arrives, the deadline passes (`TimedOut`) or the server stops (`Interrupted`).
fn read_some(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    deadline: &Deadline<'_>,
) -> io::Result<usize> {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut chunk) {
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                return Ok(n);
            }
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                if deadline.stop.load(Ordering::SeqCst) {
                    return Err(io::Error::new(io::ErrorKind::Interrupted, "server stopped"));
                }
                if Instant::now() > deadline.at {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "request took too long"));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// What a `POST /v1/messages` gets.
enum Reply {
    /// The scripted turn with this index.
    Turn(usize),
    /// The conversation after the script ran out.
    Done,
    /// A short answer to a side request.
    Side,
}

impl Shared {
    fn tool_id(&self, turn: usize, block: usize) -> String {
        format!("toolu_01{}{turn:03}{block:02}", self.nonce)
    }

    /// The turn that issued `id`, if the server issued it.
    fn turn_of(&self, id: &str) -> Option<usize> {
        let rest = id.strip_prefix("toolu_01")?.strip_prefix(self.nonce.as_str())?;
        rest.get(..3)?.parse().ok()
    }

    fn record(&self, entry: Logged, body: Option<(&Request, &Value)>) {
        if let Some((request, body)) = body {
            let mut file = lock(&self.log_file);
            if let Some(file) = file.as_mut() {
                let headers: serde_json::Map<String, Value> = request
                    .headers
                    .iter()
                    .filter(|(k, _)| {
                        !k.eq_ignore_ascii_case("x-api-key")
                            && !k.eq_ignore_ascii_case("authorization")
                    })
                    .map(|(k, v)| (k.to_ascii_lowercase(), Value::String(v.clone())))
                    .collect();
                let line = json!({
                    "seq": entry.seq, "method": entry.method, "path": entry.path,
                    "class": entry.class, "reason": entry.reason, "turn": entry.turn,
                    "headers": headers, "body": body,
                });
                let _ = writeln!(file, "{line}");
            }
        }
        lock(&self.log).push(entry);
    }

    /// Which answer a `POST /v1/messages` with `body` gets, and why.
    fn classify(&self, body: &Value) -> (Reply, String) {
        let model = body["model"].as_str().unwrap_or("");
        if model.to_ascii_lowercase().contains("haiku") {
            return (Reply::Side, "haiku model".into());
        }
        if body["tools"].as_array().is_none_or(Vec::is_empty) {
            return (Reply::Side, "no tools".into());
        }
        let messages = body["messages"].as_array().map(Vec::as_slice).unwrap_or_default();
        let Some(last) = messages.last().filter(|m| m["role"] == "user") else {
            return (Reply::Side, "does not end with a user message".into());
        };
        let results: Vec<&str> = last["content"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|b| b["type"] == "tool_result")
            .filter_map(|b| b["tool_use_id"].as_str())
            .collect();
        let next = if results.is_empty() {
            if messages.iter().any(|m| m["role"] == "assistant") {
                return (Reply::Side, "a user message that answers no tool call".into());
            }
            0
        } else {
            match results.iter().filter_map(|id| self.turn_of(id)).max() {
                Some(t) => t + 1,
                None => return (Reply::Side, format!("tool results for unknown ids {results:?}")),
            }
        };
        if next < self.turns.len() {
            (
                Reply::Turn(next),
                if next == 0 { "conversation start" } else { "tool results" }.into(),
            )
        } else {
            (Reply::Done, "script played out".into())
        }
    }

    fn answer(&self, stream: &mut TcpStream, request: &Request) -> io::Result<()> {
        let seq = self.seq.fetch_add(1, Ordering::SeqCst) + 1;
        let path = request.target.split('?').next().unwrap_or("");
        let body: Value = if request.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&request.body).unwrap_or_else(|e| {
                json!({ "_unparsed": e.to_string(), "_head": String::from_utf8_lossy(&request.body[..request.body.len().min(2000)]) })
            })
        };
        let model = body["model"].as_str().unwrap_or(DEFAULT_MODEL).to_owned();
        let mut entry = Logged {
            seq,
            method: request.method.clone(),
            path: request.target.clone(),
            class: "other",
            reason: String::new(),
            turn: None,
            stream: body["stream"] == true,
            model: model.clone(),
            messages: body["messages"].as_array().map_or(0, Vec::len),
            tools: body["tools"].as_array().map_or(0, Vec::len),
        };
        match (request.method.as_str(), path) {
            ("POST", "/v1/messages") => {
                let (reply, reason) = self.classify(&body);
                entry.reason = reason;
                let (blocks, turn) = match reply {
                    Reply::Turn(t) => (self.blocks_of(t), Some(t)),
                    Reply::Done => (vec![json!({"type": "text", "text": "Done."})], None),
                    Reply::Side => (vec![json!({"type": "text", "text": "OK"})], None),
                };
                entry.class = if matches!(reply, Reply::Side) { "side" } else { "main" };
                entry.turn = turn;
                let streamed = entry.stream;
                self.record(entry, Some((request, &body)));
                let message =
                    Message::new(seq, &self.nonce, model, blocks, rough_tokens(&body["messages"]));
                if streamed {
                    send_sse(stream, seq, &message)
                } else {
                    send_json(stream, 200, seq, &message.json())
                }
            }
            ("POST", "/v1/messages/count_tokens") => {
                entry.class = "count_tokens";
                self.record(entry, Some((request, &body)));
                let n = rough_tokens(&body["messages"])
                    + rough_tokens(&body["tools"])
                    + rough_tokens(&body["system"]);
                send_json(stream, 200, seq, &json!({ "input_tokens": n }))
            }
            ("GET", "/v1/models") => {
                entry.reason = "model list".into();
                self.record(entry, None);
                let m = DEFAULT_MODEL;
                let list = json!({
                    "data": [{"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z"}],
                    "has_more": false, "first_id": m, "last_id": m,
                });
                send_json(stream, 200, seq, &list)
            }
            ("HEAD", _) => {
                entry.reason = "connectivity check".into();
                self.record(entry, None);
                write_head(stream, 200, seq, "text/plain", Some(0))
            }
            _ => {
                entry.reason = "unknown path: 404".into();
                self.record(entry, Some((request, &body)));
                let message = format!("fake server: unknown path {}", request.target);
                send_json(stream, 404, seq, &api_error("not_found_error", &message))
            }
        }
    }

    /// The content blocks of scripted turn `t`, with their ids and signatures.
    fn blocks_of(&self, t: usize) -> Vec<Value> {
        self.turns[t]
            .blocks
            .iter()
            .enumerate()
            .map(|(i, b)| match b {
                Block::Thinking(text) => json!({
                    "type": "thinking", "thinking": text,
                    "signature": format!("fakesig_{}_{t:03}_{i:02}", self.nonce),
                }),
                Block::Text(text) => json!({ "type": "text", "text": text }),
                Block::ToolUse { name, input } => json!({
                    "type": "tool_use", "id": self.tool_id(t, i), "name": name, "input": input,
                }),
            })
            .collect()
    }
}

/// An assistant message to send.
struct Message {
    id: String,
    model: String,
    blocks: Vec<Value>,
    stop_reason: &'static str,
    input_tokens: u64,
    output_tokens: u64,
}

impl Message {
    fn new(
        seq: usize,
        nonce: &str,
        model: String,
        blocks: Vec<Value>,
        input_tokens: u64,
    ) -> Message {
        let stop_reason =
            if blocks.iter().any(|b| b["type"] == "tool_use") { "tool_use" } else { "end_turn" };
        let output_tokens = blocks.iter().map(rough_tokens).sum();
        Message {
            id: format!("msg_01{nonce}{seq:04}"),
            model,
            blocks,
            stop_reason,
            input_tokens,
            output_tokens,
        }
    }

    fn usage(&self, output_tokens: u64) -> Value {
        json!({
            "input_tokens": self.input_tokens, "output_tokens": output_tokens,
            "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
        })
    }

    /// The whole message, for a non-streaming answer.
    fn json(&self) -> Value {
        json!({
            "id": self.id, "type": "message", "role": "assistant", "model": self.model,
            "content": self.blocks, "stop_reason": self.stop_reason, "stop_sequence": null,
            "usage": self.usage(self.output_tokens),
        })
    }

    /// The message as the server-sent events of a streaming answer.
    fn events(&self) -> Vec<(&'static str, Value)> {
        let mut out = vec![
            (
                "message_start",
                json!({"type": "message_start", "message": {
                    "id": self.id, "type": "message", "role": "assistant", "model": self.model,
                    "content": [], "stop_reason": null, "stop_sequence": null, "usage": self.usage(1),
                }}),
            ),
            ("ping", json!({"type": "ping"})),
        ];
        let delta = |i: usize, d: Value| {
            ("content_block_delta", json!({"type": "content_block_delta", "index": i, "delta": d}))
        };
        for (i, b) in self.blocks.iter().enumerate() {
            let start = match b["type"].as_str() {
                Some("thinking") => json!({"type": "thinking", "thinking": "", "signature": ""}),
                Some("text") => json!({"type": "text", "text": ""}),
                Some("tool_use") => {
                    json!({"type": "tool_use", "id": b["id"], "name": b["name"], "input": {}})
                }
                _ => b.clone(),
            };
            out.push((
                "content_block_start",
                json!({"type": "content_block_start", "index": i, "content_block": start}),
            ));
            match b["type"].as_str() {
                Some("thinking") => {
                    for piece in pieces(b["thinking"].as_str().unwrap_or(""), 40) {
                        out.push(delta(i, json!({"type": "thinking_delta", "thinking": piece})));
                    }
                    out.push(delta(
                        i,
                        json!({"type": "signature_delta", "signature": b["signature"]}),
                    ));
                }
                Some("text") => {
                    for piece in pieces(b["text"].as_str().unwrap_or(""), 40) {
                        out.push(delta(i, json!({"type": "text_delta", "text": piece})));
                    }
                }
                Some("tool_use") => {
                    for piece in pieces(&b["input"].to_string(), 30) {
                        out.push(delta(
                            i,
                            json!({"type": "input_json_delta", "partial_json": piece}),
                        ));
                    }
                }
                _ => {}
            }
            out.push(("content_block_stop", json!({"type": "content_block_stop", "index": i})));
        }
        out.push((
            "message_delta",
            json!({"type": "message_delta",
                "delta": {"stop_reason": self.stop_reason, "stop_sequence": null},
                "usage": self.usage(self.output_tokens)}),
        ));
        out.push(("message_stop", json!({"type": "message_stop"})));
        out
    }
}

/// `text` cut into pieces of at most `n` characters (at least one piece, maybe empty).
fn pieces(text: &str, n: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars.chunks(n).map(|c| c.iter().collect()).collect()
}

/// About a quarter of the JSON's length: the usual chars-per-token rule of thumb.
fn rough_tokens(v: &Value) -> u64 {
    if v.is_null() { 0 } else { (v.to_string().len() as u64 / 4).max(1) }
}

fn api_error(kind: &str, message: &str) -> Value {
    json!({"type": "error", "error": {"type": kind, "message": message}})
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Status",
    }
}

/// The status line and headers; `length` None means a chunked body follows.
fn write_head(
    stream: &mut TcpStream,
    status: u16,
    seq: usize,
    content_type: &str,
    length: Option<usize>,
) -> io::Result<()> {
    let framing = match length {
        Some(n) => format!("content-length: {n}"),
        None => "transfer-encoding: chunked\r\ncache-control: no-cache".to_owned(),
    };
    let head = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: {content_type}\r\n{framing}\r\nrequest-id: req_fake_{seq:04}\r\nconnection: close\r\n\r\n",
        reason_phrase(status)
    );
    stream.write_all(head.as_bytes())?;
    stream.flush()
}

fn send_json(stream: &mut TcpStream, status: u16, seq: usize, body: &Value) -> io::Result<()> {
    let bytes = body.to_string().into_bytes();
    write_head(stream, status, seq, "application/json", Some(bytes.len()))?;
    stream.write_all(&bytes)?;
    stream.flush()
}

fn send_sse(stream: &mut TcpStream, seq: usize, message: &Message) -> io::Result<()> {
    write_head(stream, 200, seq, "text/event-stream; charset=utf-8", None)?;
    for (name, data) in message.events() {
        let event = format!("event: {name}\ndata: {data}\n\n");
        write!(stream, "{:x}\r\n{event}\r\n", event.len())?;
        stream.flush()?;
    }
    stream.write_all(b"0\r\n\r\n")?;
    stream.flush()
}

#[cfg(test)]
mod tests {
    //! The server on its own, with a minimal client: no Claude Code needed.

    use super::*;

    /// Sends one request and returns (status, headers, body with chunking undone).
    fn call(
        server: &FakeAnthropic,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, String, String) {
        let mut s = TcpStream::connect(server.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let body = body.map(Value::to_string).unwrap_or_default();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let raw = String::from_utf8(raw).unwrap();
        let (head, mut rest) = raw.split_once("\r\n\r\n").unwrap();
        let status = head[9..12].parse().unwrap();
        if !head.contains("transfer-encoding: chunked") {
            return (status, head.to_owned(), rest.to_owned());
        }
        let mut out = String::new();
        loop {
            let (size, after) = rest.split_once("\r\n").unwrap();
            let size = usize::from_str_radix(size, 16).unwrap();
            if size == 0 {
                break;
            }
            out.push_str(&after[..size]);
            rest = &after[size + 2..];
        }
        (status, head.to_owned(), out)
    }

    /// The `data:` objects of an SSE body.
    fn sse(body: &str) -> Vec<Value> {
        body.lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .map(|d| serde_json::from_str(d).unwrap())
            .collect()
    }

    fn tools() -> Value {
        json!([{"name": "Bash", "input_schema": {"type": "object"}}])
    }

    #[test]
    fn plays_the_script_and_answers_side_requests_without_consuming_it() {
        let server = FakeAnthropic::start(vec![
            Turn::new()
                .thinking("let me look")
                .text("Looking.")
                .tool("Bash", json!({"command": "ls -la"})),
            Turn::new().text("All done here."),
        ])
        .unwrap();
        let id = server.issued_calls()[0].id.clone();
        let prompt = json!({"role": "user", "content": [{"type": "text", "text": "hi"}]});

        // A side request first: no tools.
        let side = json!({"model": "claude-sonnet-4-5", "messages": [prompt], "stream": false});
        let (status, _, body) = call(&server, "POST", "/v1/messages?beta=true", Some(&side));
        assert_eq!(status, 200);
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["content"][0]["text"], "OK");

        // Turn 0, streamed.
        let first = json!({"model": "claude-sonnet-4-5", "tools": tools(), "messages": [prompt], "stream": true});
        let (status, head, body) = call(&server, "POST", "/v1/messages?beta=true", Some(&first));
        assert_eq!(status, 200);
        assert!(head.contains("text/event-stream"), "{head}");
        let events = sse(&body);
        let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(types.first(), Some(&"message_start"));
        assert_eq!(types.last(), Some(&"message_stop"));
        assert_eq!(types.iter().filter(|t| **t == "content_block_start").count(), 3);
        let json_text: String = events
            .iter()
            .filter(|e| e["delta"]["type"] == "input_json_delta")
            .map(|e| e["delta"]["partial_json"].as_str().unwrap())
            .collect();
        assert_eq!(
            serde_json::from_str::<Value>(&json_text).unwrap(),
            json!({"command": "ls -la"})
        );
        assert!(events.iter().any(|e| e["delta"]["type"] == "signature_delta"));
        let start = events.iter().find(|e| e["content_block"]["type"] == "tool_use").unwrap();
        assert_eq!(start["content_block"]["id"], id.as_str());
        let stop = events.iter().find(|e| e["type"] == "message_delta").unwrap();
        assert_eq!(stop["delta"]["stop_reason"], "tool_use");

        // A haiku side query with tools consumes nothing.
        let haiku = json!({"model": "claude-haiku-4-5", "tools": tools(), "messages": [prompt]});
        let (_, _, body) = call(&server, "POST", "/v1/messages", Some(&haiku));
        assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["content"][0]["text"], "OK");

        // The tool result gets turn 1, twice (a retry replays it), not streamed.
        let result = json!({"model": "claude-sonnet-4-5", "tools": tools(), "messages": [
            prompt,
            {"role": "assistant", "content": [{"type": "tool_use", "id": id, "name": "Bash", "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": id, "content": "x"}]},
        ]});
        for _ in 0..2 {
            let (_, _, body) = call(&server, "POST", "/v1/messages", Some(&result));
            let body: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(body["content"][0]["text"], "All done here.");
            assert_eq!(body["stop_reason"], "end_turn");
        }

        let (status, _, body) = call(&server, "POST", "/v1/messages/count_tokens", Some(&first));
        assert_eq!(status, 200);
        assert!(
            serde_json::from_str::<Value>(&body).unwrap()["input_tokens"].as_u64().unwrap() > 0
        );
        assert_eq!(call(&server, "HEAD", "/api/hello", None).0, 200);
        assert_eq!(call(&server, "GET", "/v1/models", None).0, 200);
        assert_eq!(call(&server, "GET", "/nope", None).0, 404);

        assert_eq!(server.turns_played(), [0, 1]);
        let classes: Vec<&str> = server.log().iter().map(|l| l.class).collect();
        assert_eq!(
            classes,
            ["side", "main", "side", "main", "main", "count_tokens", "other", "other", "other"]
        );
    }

    #[test]
    fn drop_stops_the_server() {
        let server = FakeAnthropic::start(Vec::new()).unwrap();
        let addr = server.addr;
        // An idle connection does not keep the server alive.
        let _idle = TcpStream::connect(addr).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        let started = Instant::now();
        drop(server);
        assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
        assert!(TcpStream::connect(addr).is_err(), "nothing listens after drop");
    }
}
