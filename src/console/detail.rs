//! The stream the console is looking at (an open detail or message), read every interval and at
//! once when it changes or on a refresh: its state, its consumers when it has some, and the
//! messages stored since the last reading. What it costs is spent from the console's budget, as
//! the foreground: it is read whatever the budget says.

use std::time::Duration;

use message_broker_model::stream::StoredMessageView;
use message_broker_ui::model::{DetailData, Stamped, Update, Watching};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::budget::{Budget, received};
use crate::model::stream::{ConsumerView, StreamDetail};
use crate::nats::Nats;

/// Newest messages shown in a stream's detail.
pub const RECENT_MESSAGES: u64 = 10;

/// Reads the stream the console is looking at: at once when it changes or on a refresh, then
/// every interval. Its newest messages are read only as far as they are new.
pub struct DetailSampler {
    pub nats: Nats,
    pub budget: Budget,
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
    /// Its consumers as last read, and whether that was at the last reading.
    consumers: Option<Vec<ConsumerView>>,
    consumers_last_time: bool,
}

impl Recent {
    fn new(stream: &str) -> Recent {
        Recent {
            stream: stream.to_owned(),
            messages: Vec::new(),
            consumers: None,
            consumers_last_time: false,
        }
    }
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
                    // Only a change of the open stream matters here (not the selection).
                    changed = self.watching.wait_for(|w| {
                        w.stream != recent.as_ref().map(|r| r.stream.clone())
                    }) => if changed.is_err() { return },
                }
            }
            let Some(name) = self.watching.borrow_and_update().stream.clone() else {
                recent = None;
                continue;
            };
            if recent.as_ref().is_none_or(|r| r.stream != name) {
                recent = Some(Recent::new(&name));
            }
            // A change of stream cuts a slow read short: the new one is what is wanted.
            let result = tokio::select! {
                _ = self.cancel.cancelled() => return,
                changed = self.watching.wait_for(|w| w.stream.as_ref() != Some(&name)) => {
                    if changed.is_err() {
                        return;
                    }
                    at_once = true;
                    continue;
                }
                result = read(&self.nats, &self.budget, &name, &mut recent) => result,
            };
            let update = Update::StreamDetail { name, result };
            if self.tx.send(Stamped::now(update)).await.is_err() {
                return;
            }
        }
    }
}

/// One reading of a stream: `STREAM.INFO`, its consumers when it has any, and the messages
/// stored since the last reading (up to [`RECENT_MESSAGES`], by direct get: not API requests).
async fn read(
    nats: &Nats,
    budget: &Budget,
    name: &str,
    recent: &mut Option<Recent>,
) -> Result<Box<DetailData>, String> {
    let before = received(nats);
    let stream = nats.stream(name).await;
    budget.spend(1.0, (received(nats) - before) as f64);
    let stream = stream.map_err(|e| e.to_string())?;
    // Its consumers every interval while the budget allows, else every other one (kept from
    // the last reading in between).
    let due = recent
        .as_ref()
        .is_none_or(|r| r.consumers.is_none() || !r.consumers_last_time)
        || budget.has_requests(1.0, 0.0);
    let read_consumers = stream.state.consumer_count > 0 && due;
    let consumers = if stream.state.consumer_count > 0 && !due {
        recent
            .as_ref()
            .and_then(|r| r.consumers.clone())
            .unwrap_or_default()
    } else if stream.state.consumer_count > 0 {
        let before = received(nats);
        let consumers = nats.consumers(name).await;
        budget.spend(1.0, (received(nats) - before) as f64);
        consumers.map_err(|e| e.to_string())?
    } else {
        Vec::new()
    };
    let before = received(nats);
    let kept = recent.get_or_insert_with(|| Recent::new(name));
    kept.consumers_last_time = read_consumers;
    kept.consumers = Some(consumers.clone());
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
    budget.spend(0.0, (received(nats) - before) as f64);
    Ok(Box::new(DetailData {
        detail: StreamDetail { stream, consumers },
        messages: kept.messages.clone(),
    }))
}
