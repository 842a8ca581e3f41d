//! A live tail: a core subscription to a subject or wildcard — no JetStream consumer, nothing
//! acknowledged or consumed — sent to the console in small batches a few times a second. What
//! arrives faster than the console shows it is counted, not kept.

use std::time::Duration;

use futures::StreamExt;
use message_broker_model::stream::Encoding;
use message_broker_ui::model::{RequestId, Stamped, TailBatch, TailMessage, Update};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::nats::Nats;
use crate::nats::messages::decode_payload;

/// How often a batch goes to the console.
const EVERY: Duration = Duration::from_millis(200);
/// Messages kept per batch; more are counted as skipped (at most 1,000 shown per second).
const PER_BATCH: usize = 200;
/// Characters of a payload kept for the tail's line.
const PREVIEW: usize = 4096;

pub async fn run(
    nats: Nats,
    id: RequestId,
    subject: String,
    tx: mpsc::Sender<Stamped>,
    cancel: CancellationToken,
) {
    let send = |batch: TailBatch| {
        let tx = tx.clone();
        async move {
            tx.send(Stamped::now(Update::Tail { id, batch }))
                .await
                .is_ok()
        }
    };
    let mut subscription = match nats.client().subscribe(subject.clone()).await {
        Ok(subscription) => subscription,
        Err(err) => {
            let error = Some(format!("cannot subscribe to '{subject}': {err}"));
            send(TailBatch {
                error,
                ..TailBatch::default()
            })
            .await;
            return;
        }
    };
    let mut ticker = tokio::time::interval(EVERY);
    let mut batch = TailBatch::default();
    let mut sent_received = 0;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => {
                let _ = subscription.unsubscribe().await;
                return;
            }
            message = subscription.next() => match message {
                Some(message) => {
                    batch.received += 1;
                    if batch.messages.len() < PER_BATCH {
                        batch.messages.push(line(&message));
                    } else {
                        batch.skipped += 1;
                    }
                }
                None => {
                    batch.error = Some("the subscription ended (connection closed)".to_owned());
                    send(batch).await;
                    return;
                }
            },
            _ = ticker.tick() => {
                // Sent when something arrived, so the rate and count stay current.
                if batch.received == sent_received {
                    continue;
                }
                sent_received = batch.received;
                let out = TailBatch {
                    messages: std::mem::take(&mut batch.messages),
                    received: batch.received,
                    skipped: std::mem::take(&mut batch.skipped),
                    error: None,
                };
                if !send(out).await {
                    return;
                }
            }
        }
    }
}

fn line(message: &async_nats::Message) -> TailMessage {
    let (encoding, payload) = decode_payload(&message.payload);
    let preview = match (encoding, payload) {
        (Encoding::Text, serde_json::Value::String(text)) => text.chars().take(PREVIEW).collect(),
        (Encoding::Base64, _) => {
            let hex: Vec<String> = message
                .payload
                .iter()
                .take(PREVIEW / 3)
                .map(|b| format!("{b:02x}"))
                .collect();
            format!("hex {}", hex.join(" "))
        }
        (_, value) => value.to_string().chars().take(PREVIEW).collect(),
    };
    TailMessage {
        subject: message.subject.to_string(),
        time: wall_clock(),
        size: message.payload.len(),
        headers: message.headers.as_ref().map_or(0, |h| h.len()),
        encoding,
        preview,
    }
}

/// `HH:MM:SS.mmm` in UTC.
fn wall_clock() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        now.hour(),
        now.minute(),
        now.second(),
        now.millisecond()
    )
}
