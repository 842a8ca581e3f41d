//! The streams, their consumers, and the stream the console is looking at, sampled over NATS
//! (no monitoring port needed). The listing feeds the streams pane and the consumers view; the
//! open stream's detail is read every interval on its own, so it stays live however many streams
//! there are.

use std::time::Duration;

use futures::StreamExt;
use message_broker_model::stream::StoredMessageView;
use message_broker_ui::model::{ConsumerRow, DetailData, Stamped, StreamRow, Update, Watching};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::model::stream::StreamDetail;
use crate::nats::Nats;
use crate::nats::wire::WireConsumerInfo;

/// Consumer listings in flight at once while sampling streams.
const CONCURRENT_LISTINGS: usize = 8;
/// Newest messages shown in a stream's detail.
pub const RECENT_MESSAGES: u64 = 10;

/// Every stream as a row, and every consumer of every stream.
pub async fn sample(nats: &Nats) -> Vec<Update> {
    match listing(nats).await {
        Ok((streams, consumers)) => vec![
            Update::Streams(Ok(streams)),
            Update::Consumers(Ok(consumers)),
        ],
        Err(error) => vec![
            Update::Streams(Err(error.clone())),
            Update::Consumers(Err(error)),
        ],
    }
}

fn consumer_row(stream: &str, info: WireConsumerInfo) -> ConsumerRow {
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

async fn listing(nats: &Nats) -> Result<(Vec<StreamRow>, Vec<ConsumerRow>), String> {
    let streams = nats.list_streams().await.map_err(|e| e.to_string())?;
    // One consumer listing per stream that has consumers, a few at a time, so a server with many
    // streams answers in a handful of round trips rather than one after another.
    let listings: Vec<_> = streams
        .iter()
        .map(|stream| {
            let nats = nats.clone();
            let name = stream.name.clone();
            let has_consumers = stream.state.consumer_count > 0;
            async move {
                if !has_consumers {
                    return Vec::new();
                }
                nats.consumer_infos(&name)
                    .await
                    .map(|infos| infos.into_iter().map(|i| consumer_row(&name, i)).collect())
                    .unwrap_or_default()
            }
        })
        .collect();
    let consumers: Vec<Vec<ConsumerRow>> = futures::stream::iter(listings)
        .buffered(CONCURRENT_LISTINGS)
        .collect()
        .await;
    let rows = streams
        .into_iter()
        .zip(&consumers)
        .map(|(stream, consumers)| StreamRow {
            subjects: stream.config.subjects,
            storage: stream.config.storage,
            replicas: stream.config.replicas.max(1) as u64,
            messages: stream.state.messages,
            bytes: stream.state.bytes,
            max_msgs: stream.config.max_msgs,
            max_bytes: stream.config.max_bytes,
            consumers: stream.state.consumer_count,
            max_consumer_lag: consumers.iter().map(|c| c.pending).max().unwrap_or(0),
            last_seq: stream.state.last_seq,
            discard_new: stream.config.discard == "new",
            name: stream.name,
        })
        .collect();
    Ok((rows, consumers.into_iter().flatten().collect()))
}

/// Reads the stream the console is looking at: at once when it changes or on a refresh, then
/// every interval. Its newest messages are read only as far as they are new.
pub struct DetailSampler {
    pub nats: Nats,
    pub watching: watch::Receiver<Watching>,
    pub refresh: watch::Receiver<u64>,
    pub interval: Duration,
    pub cancel: CancellationToken,
    pub tx: mpsc::Sender<Stamped>,
}

/// The newest messages read so far, for one stream.
struct Recent {
    stream: String,
    messages: Vec<StoredMessageView>,
}

impl DetailSampler {
    pub async fn run(mut self) {
        let mut ticker = tokio::time::interval(self.interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut recent: Option<Recent> = None;
        let mut refresh_open = true;
        let mut at_once = false;
        loop {
            if !std::mem::take(&mut at_once) {
                tokio::select! {
                    _ = self.cancel.cancelled() => return,
                    _ = ticker.tick() => {}
                    changed = self.refresh.changed(), if refresh_open => refresh_open = changed.is_ok(),
                    changed = self.watching.changed() => if changed.is_err() { return },
                }
            }
            let Some(name) = self.watching.borrow_and_update().stream.clone() else {
                recent = None;
                continue;
            };
            if recent.as_ref().is_some_and(|r| r.stream != name) {
                recent = None;
            }
            // A change of stream cuts a slow read short: the new one is what is wanted.
            let result = tokio::select! {
                _ = self.cancel.cancelled() => return,
                changed = self.watching.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    at_once = true;
                    continue;
                }
                result = read(&self.nats, &name, &mut recent) => result,
            };
            let update = Update::StreamDetail { name, result };
            if self.tx.send(Stamped::now(update)).await.is_err() {
                return;
            }
        }
    }
}

/// One reading of a stream: `STREAM.INFO`, its consumers when it has any, and the messages
/// stored since the last reading (up to [`RECENT_MESSAGES`]).
async fn read(
    nats: &Nats,
    name: &str,
    recent: &mut Option<Recent>,
) -> Result<Box<DetailData>, String> {
    let stream = nats.stream(name).await.map_err(|e| e.to_string())?;
    let consumers = if stream.state.consumer_count > 0 {
        nats.consumers(name).await.map_err(|e| e.to_string())?
    } else {
        Vec::new()
    };
    let kept = recent.get_or_insert_with(|| Recent {
        stream: name.to_owned(),
        messages: Vec::new(),
    });
    let state = &stream.state;
    // Gone by limits, purge or delete: dropped from the list.
    kept.messages
        .retain(|m| m.seq >= state.first_seq && m.seq <= state.last_seq && state.messages > 0);
    let newest = kept.messages.last().map_or(0, |m| m.seq);
    if state.messages > 0 && state.last_seq > newest {
        let from = newest
            .saturating_add(1)
            .max(state.first_seq)
            .max(state.last_seq.saturating_sub(RECENT_MESSAGES - 1));
        let mut new = Vec::new();
        for seq in from..=state.last_seq {
            // A deleted sequence is skipped; any other failure leaves the list as it was
            // rather than hiding the stream's figures.
            match nats.message_at(name, seq, stream.config.allow_direct).await {
                Ok(message) => new.push(message),
                Err(crate::nats::NatsError::MessageNotFound { .. }) => {}
                Err(_) => break,
            }
        }
        kept.messages.extend(new);
        let excess = kept.messages.len().saturating_sub(RECENT_MESSAGES as usize);
        kept.messages.drain(..excess);
    }
    Ok(Box::new(DetailData {
        detail: StreamDetail { stream, consumers },
        messages: kept.messages.clone(),
    }))
}
