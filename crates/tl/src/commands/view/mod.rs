//! `tl view`: the local web UI, an axum server on 127.0.0.1 over the same catalog, index and log
//! the read commands use.
//!
//! One process, a current-thread tokio runtime for the sockets, and the blocking store calls
//! (SQLite, tantivy, log reads) on tokio's blocking pool. A follower task catches the index up
//! every half second (the same path `tl search` takes, under the same lock), so the page and its
//! live tail see what hooks record while it is open, with or without the daemon.
//! The page (`crates/tl/assets/`) is embedded in the binary: it works offline, with no CDN.
//!
//! Modules: [`security`] (token, Host and Origin checks), [`api`] (the JSON endpoints,
//! documented in docs/api.md), [`live`] (the SSE tail of a session).

mod api;
mod live;
mod security;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use index::{Catalog, FullText};
use tokio::sync::watch;

use crate::home::Home;
use crate::store;

pub use self::security::Token;

/// The options of `tl view`.
#[derive(Debug)]
pub struct ViewArgs {
    /// The port on 127.0.0.1 (0: any free one).
    pub port: u16,
    /// A session to open at once (a name as `tl inspect` takes).
    pub session: Option<String>,
    /// Open the page in the default browser.
    pub open: bool,
}

/// How often the follower looks for new records in the log.
const FOLLOW_EVERY: Duration = Duration::from_millis(500);
/// Catalog connections kept open between requests.
const POOL_SIZE: usize = 4;

/// What every handler shares.
pub(crate) struct App {
    home: Home,
    wal: wal::Wal,
    fulltext: FullText,
    /// Idle catalog connections (a rusqlite connection is `Send` but not `Sync`: one per call).
    pool: Mutex<Vec<Catalog>>,
    /// The catalog's cursor after the follower's last pass: changes when new steps are indexed.
    indexed: watch::Receiver<u64>,
    /// Live tails open now, to bound them.
    live_count: std::sync::atomic::AtomicUsize,
}

impl App {
    /// Runs `f` with a catalog connection on the blocking pool.
    pub(crate) async fn with_catalog<T, F>(self: &Arc<Self>, f: F) -> Result<T, api::ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&App, &Catalog) -> Result<T, api::ApiError> + Send + 'static,
    {
        let app = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let pooled = app.pool.lock().map(|mut p| p.pop()).unwrap_or(None);
            let catalog = match pooled {
                Some(c) => c,
                None => Catalog::open(&store::catalog_path(&app.home)).map_err(|e| {
                    api::ApiError::internal(format!("cannot open the catalog: {e}"))
                })?,
            };
            let result = f(&app, &catalog);
            if let Ok(mut pool) = app.pool.lock()
                && pool.len() < POOL_SIZE
            {
                pool.push(catalog);
            }
            result
        })
        .await
        .map_err(|e| api::ApiError::internal(format!("a request's worker failed: {e}")))?
    }
}

/// `tl view`.
pub fn run(home: &Home, args: &ViewArgs) -> anyhow::Result<()> {
    // Index everything first, with a progress bar if that is long, so the first page is whole.
    store::catch_up(home, true)?;
    let catalog = Catalog::open(&store::catalog_path(home))?;
    let fragment = match &args.session {
        Some(name) => format!("#/s/{}", catalog.resolve_session(name)?),
        None => String::new(),
    };
    let fulltext = FullText::open(&store::index_dir(home))?;
    let wal = store::open_wal(home)?;
    let token = Token::generate().context("cannot read /dev/urandom for the page's token")?;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(8)
        .build()
        .context("cannot start the server's runtime")?;
    runtime.block_on(async move {
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)))
                .await
                .with_context(|| format!("cannot listen on 127.0.0.1:{}", args.port))
                .map_err(|e| {
                    if args.port != 0 {
                        e.context(
                            "hint: another program uses that port; try --port 0 for any free one",
                        )
                    } else {
                        e
                    }
                })?;
        let port = listener.local_addr()?.port();
        let cursor = catalog.cursor(index::CURSOR)?;
        let (indexed_tx, indexed) = watch::channel(cursor);
        let app = Arc::new(App {
            home: home.clone(),
            wal,
            fulltext,
            pool: Mutex::new(vec![catalog]),
            indexed,
            live_count: Default::default(),
        });
        tokio::spawn(follow(Arc::clone(&app), indexed_tx));
        let guard = Arc::new(security::Guard { token, port });
        let url = format!("http://127.0.0.1:{port}/?token={}{fragment}", guard.token.as_str());
        // Not println!: a reader that went away (`tl view | head -1`) must not stop the server.
        use std::io::Write as _;
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "tl view: {url}");
        let _ = writeln!(
            stdout,
            "(Ctrl-C stops it; the page reads {} and changes nothing)",
            home.root().display()
        );
        let _ = stdout.flush();
        drop(stdout);
        if args.open {
            open_browser(&url);
        }
        axum::serve(listener, router(app, guard))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("the server stopped")
    })
}

/// Every route: the page's assets, and the API behind the token check; all behind the
/// Host/Origin check.
fn router(app: Arc<App>, guard: Arc<security::Guard>) -> Router {
    let api = api::routes()
        .route("/api/sessions/{id}/live", get(live::live))
        .layer(axum::middleware::from_fn_with_state(Arc::clone(&guard), security::check_token))
        .with_state(app);
    Router::new()
        .route("/", get(|| async { asset("text/html; charset=utf-8", INDEX_HTML) }))
        .route("/app.js", get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }))
        .route("/app.css", get(|| async { asset("text/css; charset=utf-8", APP_CSS) }))
        .route("/favicon.svg", get(|| async { asset("image/svg+xml", FAVICON) }))
        .merge(api)
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found") })
        .layer(axum::middleware::from_fn_with_state(guard, security::check_origin))
}

const INDEX_HTML: &str = include_str!("../../../assets/index.html");
const APP_JS: &str = include_str!("../../../assets/app.js");
const APP_CSS: &str = include_str!("../../../assets/app.css");
const FAVICON: &str = include_str!("../../../assets/favicon.svg");

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // The assets change only with the binary; a reload after an upgrade must not mix versions.
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// Catches the catalog and the index up with the log every [`FOLLOW_EVERY`], and tells the live
/// tails when the catalog moved. Runs until the server stops.
async fn follow(app: Arc<App>, indexed: watch::Sender<u64>) {
    let mut last_error = String::new();
    let mut last_end = u64::MAX;
    loop {
        tokio::time::sleep(FOLLOW_EVERY).await;
        let worker = Arc::clone(&app);
        let seen_end = last_end;
        let pass = tokio::task::spawn_blocking(move || -> anyhow::Result<(u64, Option<u64>)> {
            // Nothing appended since the last pass: no rules to load, no lock to take.
            let end = store::log_end(&worker.wal);
            if end == seen_end {
                return Ok((end, None));
            }
            store::catch_up(&worker.home, false)?;
            worker.fulltext.reload()?;
            let catalog = Catalog::open(&store::catalog_path(&worker.home))?;
            Ok((end, Some(catalog.cursor(index::CURSOR)?)))
        })
        .await;
        match pass {
            Ok(Ok((end, cursor))) => {
                last_end = end;
                last_error.clear();
                if let Some(cursor) = cursor {
                    indexed.send_if_modified(|c| std::mem::replace(c, cursor) != cursor);
                }
            }
            Ok(Err(e)) => {
                // Said once, not every half second; the next pass tries again.
                let text = format!("{e:#}");
                if text != last_error {
                    eprintln!("tl view: cannot catch up with the log: {text}");
                    last_error = text;
                }
            }
            Err(e) => eprintln!("tl view: the indexing worker failed: {e}"),
        }
    }
}

/// Opens `url` in the user's browser; a failure is a note, the URL is printed anyway.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
    let spawned = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(e) = spawned {
        eprintln!("tl view: cannot run {opener} ({e}); open the URL above by hand");
    }
}
