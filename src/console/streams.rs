//! The streams and their consumers, sampled over NATS (no monitoring port needed), within the
//! console's budget of JetStream requests and bytes (see `budget`):
//!
//! - the **full listing** (`STREAM.LIST`, 256 streams a page) when the budget allows: every
//!   interval on a few dozen streams, every several seconds on a thousand;
//! - the **selected stream** (`STREAM.INFO`) every interval between listings, so the row being
//!   looked at is always fresh;
//! - **consumer lag** (`CONSUMER.LIST`) in turns: first the selected stream, then the rows near
//!   it, then the rest, each only when it may have changed (new messages since its last sample,
//!   lag not yet zero, consumers added) — idle streams are re-read every few minutes. Each row
//!   says how old its lag is.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use message_broker_ui::model::{ConsumerRow, StreamRow, Update, Watching};
use tokio::sync::watch;

use super::budget::{Budget, received};
use crate::model::stream::StreamView;
use crate::nats::Nats;
use crate::nats::wire::WireConsumerInfo;

/// The listing is read at least this often, whatever the budget.
const LISTING_AT_LEAST: Duration = Duration::from_secs(60);
/// A stream whose consumers cannot have moved (no new messages, no lag) is re-read this often.
const IDLE_LAG_EVERY: Duration = Duration::from_secs(300);
/// Streams in one `STREAM.LIST` page.
const PAGE: usize = 256;

pub fn consumer_row(stream: &str, info: WireConsumerInfo) -> ConsumerRow {
    let text = |key: &str| {
        info.config
            .get(key)
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    let filters = info
        .config
        .get("filter_subjects")
        .and_then(serde_json::Value::as_array)
        .map(|all| {
            all.iter()
                .filter_map(serde_json::Value::as_str)
                .collect::<Vec<_>>()
                .join(",")
        })
        .filter(|f| !f.is_empty());
    ConsumerRow {
        stream: stream.to_owned(),
        push: text("deliver_subject").is_some(),
        durable: text("durable_name").is_some(),
        filter: text("filter_subject").or(filters),
        ack_policy: text("ack_policy"),
        deliver_policy: text("deliver_policy"),
        pending: info.num_pending,
        ack_pending: info.num_ack_pending,
        redelivered: info.num_redelivered,
        waiting: info.num_waiting,
        delivered_stream_seq: info.delivered.stream_seq,
        ack_floor_stream_seq: info.ack_floor.stream_seq,
        last_active: info.delivered.last_active.clone(),
        created: info.created.clone(),
        name: info.name,
    }
}

/// A stream's consumers as last read, and the stream as it was then.
struct LagSample {
    at: Instant,
    last_seq: u64,
    consumers: u64,
    max_lag: u64,
}

pub struct StreamsSampler {
    nats: Nats,
    budget: Budget,
    watching: watch::Receiver<Watching>,
    interval: Duration,
    /// The rows of the last listing, by name, in listing order.
    rows: Vec<StreamRow>,
    listed: Option<Instant>,
    /// What the last listing cost: requests and bytes.
    listing_cost: (f64, f64),
    /// The last listing failed: try again at the next tick.
    failed: bool,
    lag: HashMap<String, LagSample>,
}

impl StreamsSampler {
    pub fn new(
        nats: Nats,
        budget: Budget,
        watching: watch::Receiver<Watching>,
        interval: Duration,
    ) -> StreamsSampler {
        StreamsSampler {
            nats,
            budget,
            watching,
            interval,
            rows: Vec::new(),
            listed: None,
            listing_cost: (1.0, 0.0),
            failed: false,
            lag: HashMap::new(),
        }
    }

    pub async fn sample(&mut self) -> Vec<Update> {
        let watching = self.watching.borrow().clone();
        let overdue = self
            .listed
            .is_none_or(|at| at.elapsed() >= LISTING_AT_LEAST);
        let (requests, bytes) = self.listing_cost;
        let listing = self.failed || overdue || self.budget.allows(requests, bytes);
        if listing {
            if let Err(error) = self.list().await {
                // Nothing else is worth asking: it would fail the same way.
                return vec![Update::Streams(Err(error))];
            }
        } else if let Some(selected) = watching
            .selected
            .as_ref()
            .filter(|s| watching.stream.as_ref() != Some(*s))
            .filter(|s| self.rows.iter().any(|r| &r.name == *s))
            .filter(|_| {
                self.listed
                    .is_some_and(|at| at.elapsed() > self.interval * 2)
            })
        {
            // Between listings far apart, the selected row is read every interval (an open
            // detail reads its own stream).
            let before = received(&self.nats);
            let read = self.nats.stream(selected).await;
            self.budget
                .spend(1.0, (received(&self.nats) - before) as f64);
            if let Ok(stream) = read {
                let row = self.row(stream);
                if let Some(known) = self.rows.iter_mut().find(|r| r.name == row.name) {
                    *known = row;
                }
            }
        }
        let (streams, consumers) = self.sample_lag(&watching).await;
        let mut updates = Vec::new();
        if listing {
            updates.push(Update::Streams(Ok(self.rows_now())));
        } else {
            // The selected row and the rows whose lag was read, with their new figures; sent
            // every tick (possibly empty) so the pane knows its source answers between listings.
            let fresh = self
                .rows_now()
                .into_iter()
                .filter(|r| {
                    streams.contains(&r.name) || watching.selected.as_ref() == Some(&r.name)
                })
                .collect();
            updates.push(Update::StreamRows(fresh));
        }
        if !streams.is_empty() {
            updates.push(Update::ConsumersOf {
                streams,
                result: Ok(consumers),
            });
        }
        updates
    }

    /// The full listing; its cost is spent from the budget and kept for next time.
    async fn list(&mut self) -> Result<(), String> {
        let before = received(&self.nats);
        let listed = self.nats.list_streams().await;
        let bytes = (received(&self.nats) - before) as f64;
        let pages = match &listed {
            Ok(streams) => streams.len().div_ceil(PAGE).max(1) as f64,
            Err(_) => 1.0,
        };
        self.budget.spend(pages, bytes);
        let streams = match listed {
            Ok(streams) => streams,
            Err(error) => {
                self.failed = true;
                return Err(error.to_string());
            }
        };
        self.failed = false;
        self.listing_cost = (pages, bytes);
        self.listed = Some(Instant::now());
        self.rows = streams.into_iter().map(|s| self.row(s)).collect();
        let names: Vec<&str> = self.rows.iter().map(|r| r.name.as_str()).collect();
        self.lag.retain(|name, _| names.contains(&name.as_str()));
        Ok(())
    }

    fn row(&self, stream: StreamView) -> StreamRow {
        StreamRow {
            subjects: stream.config.subjects,
            storage: stream.config.storage,
            replicas: stream.config.replicas.max(1) as u64,
            messages: stream.state.messages,
            bytes: stream.state.bytes,
            max_msgs: stream.config.max_msgs,
            max_bytes: stream.config.max_bytes,
            consumers: stream.state.consumer_count,
            max_consumer_lag: 0,
            last_seq: stream.state.last_seq,
            discard_new: stream.config.discard == "new",
            lag_age: None,
            name: stream.name,
        }
    }

    /// The rows with their lag as last read, and how old it is.
    fn rows_now(&self) -> Vec<StreamRow> {
        self.rows
            .iter()
            .map(|row| {
                let mut row = row.clone();
                if let Some(sample) = self.lag.get(&row.name).filter(|_| row.consumers > 0) {
                    row.max_consumer_lag = sample.max_lag;
                    row.lag_age = Some(sample.at.elapsed().as_secs_f64());
                }
                row
            })
            .collect()
    }

    /// Streams whose consumers are worth reading now, most wanted first.
    fn lag_candidates(&self, watching: &Watching) -> Vec<String> {
        let now = Instant::now();
        // Never read (`None`) sorts before any time: those go first within their rank.
        let mut wanted: Vec<(u8, Option<Instant>, &str)> = self
            .rows
            .iter()
            .filter(|row| row.consumers > 0)
            .filter_map(|row| {
                let sample = self.lag.get(&row.name);
                // Read at most once an interval.
                if sample.is_some_and(|s| now.duration_since(s.at) < self.interval) {
                    return None;
                }
                let moved = sample.is_none_or(|s| {
                    s.last_seq != row.last_seq || s.max_lag > 0 || s.consumers != row.consumers
                });
                let stale = sample.is_none_or(|s| now.duration_since(s.at) >= IDLE_LAG_EVERY);
                if !moved && !stale {
                    return None;
                }
                let rank = if watching.selected.as_ref() == Some(&row.name) {
                    0
                } else if watching.near.contains(&row.name) {
                    1
                } else {
                    2
                };
                Some((rank, sample.map(|s| s.at), row.name.as_str()))
            })
            .collect();
        wanted.sort();
        wanted
            .into_iter()
            .map(|(_, _, name)| name.to_owned())
            .collect()
    }

    /// Reads the consumers of as many wanted streams as the budget allows: the selected one
    /// when a request is left, the others only while enough is kept for the next listing.
    async fn sample_lag(&mut self, watching: &Watching) -> (Vec<String>, Vec<ConsumerRow>) {
        let mut streams = Vec::new();
        let mut consumers = Vec::new();
        let reserve = self.listing_cost.0;
        for name in self.lag_candidates(watching) {
            // The open detail reads its own stream's consumers.
            if watching.stream.as_ref() == Some(&name) {
                continue;
            }
            let Some(row) = self.rows.iter().find(|r| r.name == name) else {
                continue;
            };
            let (last_seq, count) = (row.last_seq, row.consumers);
            let selected = watching.selected.as_ref() == Some(&name);
            let keep = if selected { 0.0 } else { reserve };
            if !self.budget.has_requests(1.0, keep) {
                break;
            }
            let before = received(&self.nats);
            let read = self.nats.consumer_infos(&name).await;
            self.budget
                .spend(1.0, (received(&self.nats) - before) as f64);
            let Ok(infos) = read else { continue };
            let rows: Vec<ConsumerRow> =
                infos.into_iter().map(|i| consumer_row(&name, i)).collect();
            self.lag.insert(
                name.clone(),
                LagSample {
                    at: Instant::now(),
                    last_seq,
                    consumers: count,
                    max_lag: rows.iter().map(|c| c.pending).max().unwrap_or(0),
                },
            );
            streams.push(name);
            consumers.extend(rows);
        }
        (streams, consumers)
    }
}
