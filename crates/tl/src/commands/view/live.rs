//! `GET /api/sessions/{id}/live`: the live tail of a session as server-sent events.
//!
//! The follower in `mod.rs` catches the catalog up with the log every half second; each tail
//! wakes when the catalog's cursor moves (or every few seconds regardless) and sends what changed
//! in its session: a `step` event per new step and per step that was pending and has now ended,
//! a `session` event when the session's own figures changed. Steps are read a bounded page at a
//! time, so a tail that starts far behind catches up without reading the session whole.

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, KeepAliveStream, Sse};
use index::{Catalog, StepFilter, StepOutcome};
use serde::Deserialize;
use tokio::sync::mpsc;

use super::App;
use super::api::{ApiError, resolve};
use crate::prices::Prices;
use crate::views;

/// The most live tails open at once (each holds a task and, while polling, a catalog).
const MAX_TAILS: usize = 16;
/// The most new steps one poll sends; the rest come with the next poll, at once.
const PAGE: usize = 500;
/// How many steps before the client's last one are checked for pending calls at the start.
const PENDING_LOOKBACK: u64 = 200;
/// The most pending steps a tail watches.
const MAX_PENDING: usize = 256;
/// A poll at least this often even when nothing was indexed (the daemon may index instead).
const IDLE_POLL: Duration = Duration::from_secs(3);

#[derive(Debug, Deserialize)]
pub(crate) struct LiveQuery {
    /// The last seq the page has; new steps start after it (default: the session's last).
    after: Option<u64>,
}

/// What a tail knows of what it has sent.
struct Tail {
    session: String,
    last_seq: u64,
    pending: BTreeSet<u64>,
    session_json: String,
    prices: Prices,
}

impl Tail {
    /// The events since the last poll, and whether more are waiting.
    fn poll(&mut self, catalog: &Catalog) -> Result<(Vec<Event>, bool), ApiError> {
        let mut events = Vec::new();
        let Some(row) = catalog.session(&self.session)? else { return Ok((events, false)) };
        let mut more = false;
        if row.total_steps > self.last_seq {
            let filter =
                StepFilter { from: Some(self.last_seq + 1), limit: PAGE, ..StepFilter::default() };
            let mut sent = 0;
            catalog.for_each_step(&self.session, &filter, |r| {
                self.last_seq = self.last_seq.max(r.step.seq.0);
                if r.step.outcome == StepOutcome::Pending && self.pending.len() < MAX_PENDING {
                    self.pending.insert(r.step.seq.0);
                }
                events.push(step_event(&r));
                sent += 1;
                true
            })?;
            more = sent == PAGE;
        }
        let watched: Vec<u64> = self.pending.iter().copied().collect();
        for seq in watched {
            match catalog.step(&self.session, seq)? {
                Some(r) if r.step.outcome != StepOutcome::Pending => {
                    self.pending.remove(&seq);
                    events.push(step_event(&r));
                }
                Some(_) => {}
                None => {
                    self.pending.remove(&seq);
                }
            }
        }
        let session_json = views::session(&row, &self.prices).to_string();
        if session_json != self.session_json {
            events.push(Event::default().event("session").data(&session_json));
            self.session_json = session_json;
        }
        Ok((events, more))
    }
}

fn step_event(row: &index::StepRow) -> Event {
    Event::default().event("step").data(views::step(row).to_string())
}

/// The stream axum sends: what the tail task puts in the channel.
pub(crate) struct Events(mpsc::Receiver<Event>);

impl futures_core::Stream for Events {
    type Item = Result<Event, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx).map(|e| e.map(Ok))
    }
}

/// Releases a tail's slot however its task ends.
struct Slot(Arc<App>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.live_count.fetch_sub(1, Ordering::SeqCst);
    }
}

/// `GET /api/sessions/{id}/live?after=SEQ`.
pub(crate) async fn live(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(q): Query<LiveQuery>,
) -> Result<Sse<KeepAliveStream<Events>>, ApiError> {
    if app.live_count.fetch_add(1, Ordering::SeqCst) >= MAX_TAILS {
        app.live_count.fetch_sub(1, Ordering::SeqCst);
        return Err(ApiError::internal(format!("too many live views open (at most {MAX_TAILS})")));
    }
    let slot = Slot(Arc::clone(&app));
    let tail = app
        .with_catalog(move |app, catalog| {
            let row = resolve(catalog, &id)?;
            let prices = Prices::load(&app.home)?;
            let last_seq = q.after.unwrap_or(row.total_steps).min(row.total_steps);
            // Steps the page already has may still be running: watch the recent pending ones.
            let mut pending = BTreeSet::new();
            let filter = StepFilter {
                from: Some(last_seq.saturating_sub(PENDING_LOOKBACK) + 1),
                to: Some(last_seq),
                ..StepFilter::default()
            };
            catalog.for_each_step(&row.id, &filter, |r| {
                if r.step.outcome == StepOutcome::Pending {
                    pending.insert(r.step.seq.0);
                }
                true
            })?;
            let session_json = views::session(&row, &prices).to_string();
            Ok(Tail { session: row.id, last_seq, pending, session_json, prices })
        })
        .await?;
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(run_tail(slot, tail, tx));
    Ok(Sse::new(Events(rx)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// Polls for the tail until the page goes away.
async fn run_tail(slot: Slot, mut tail: Tail, tx: mpsc::Sender<Event>) {
    let app = Arc::clone(&slot.0);
    let mut indexed = app.indexed.clone();
    loop {
        let polled = app
            .with_catalog(move |_, catalog| {
                let result = tail.poll(catalog);
                Ok((tail, result))
            })
            .await;
        let Ok((back, result)) = polled else { return };
        tail = back;
        let more = match result {
            Ok((events, more)) => {
                for e in events {
                    if tx.send(e).await.is_err() {
                        return;
                    }
                }
                more
            }
            Err(e) => {
                let _ = tx.send(Event::default().event("problem").data(e.message())).await;
                false
            }
        };
        if more {
            continue;
        }
        tokio::select! {
            changed = indexed.changed() => if changed.is_err() { return },
            () = tx.closed() => return,
            () = tokio::time::sleep(IDLE_POLL) => {}
        }
    }
}
