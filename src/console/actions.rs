//! Carries out what the user asked for, off the UI loop, and reports back as updates.

use message_broker_ui::model::{
    ActionOutcome, ConsumerRow, Effect, EventLevel, MessageRow, Stamped, StreamDetailView, Update,
};
use serde_json::Value;
use tokio::sync::mpsc;

use super::samplers::event;
use crate::model::stream::{Encoding, StoredMessageView, StreamDetail};
use crate::nats::{MessageSelector, Nats, Publish};

/// Runs `effect` in its own task; the answer arrives as `Done` (or `Detail`) plus an event.
pub fn spawn(nats: Nats, effect: Effect, tx: mpsc::Sender<Stamped>) {
    tokio::spawn(async move {
        for update in run(&nats, effect).await {
            if tx.send(Stamped::now(update)).await.is_err() {
                return;
            }
        }
    });
}

fn done(result: Result<String, String>) -> Vec<Update> {
    let (ok, text) = match result {
        Ok(text) => (true, text),
        Err(text) => (false, text),
    };
    let level = if ok {
        EventLevel::Info
    } else {
        EventLevel::Error
    };
    vec![
        event(level, text.clone()),
        Update::Done(ActionOutcome { text, ok }),
    ]
}

async fn run(nats: &Nats, effect: Effect) -> Vec<Update> {
    match effect {
        Effect::Quit | Effect::Refresh => Vec::new(),
        Effect::LoadDetail(name) => {
            let detail = nats.stream_detail(&name).await;
            // The newest messages, read without consuming them; a failure here leaves the list
            // empty rather than hiding the stream's config and consumers.
            let messages = match &detail {
                Ok(_) => nats
                    .read_messages(&name, MessageSelector::Last(RECENT_MESSAGES))
                    .await
                    .unwrap_or_default(),
                Err(_) => Vec::new(),
            };
            vec![Update::Detail(
                detail
                    .map(|d| detail_view(d, messages))
                    .map_err(|e| e.to_string()),
            )]
        }
        Effect::CreateStream(spec) => done(
            nats.create_stream(&spec)
                .await
                .map(|_| format!("stream '{}' created", spec.name))
                .map_err(|e| e.to_string()),
        ),
        Effect::DeleteStream(name) => done(
            nats.delete_stream(&name)
                .await
                .map(|()| format!("stream '{name}' deleted"))
                .map_err(|e| e.to_string()),
        ),
        Effect::PurgeStream(name) => done(
            nats.purge_stream(&name)
                .await
                .map(|purged| format!("stream '{name}' purged: {purged} messages removed"))
                .map_err(|e| e.to_string()),
        ),
        Effect::Publish {
            subject,
            payload,
            msg_id,
        } => {
            // What was typed is sent as it is, byte for byte.
            let message =
                Publish::new(subject.clone(), payload).and_then(|message| match &msg_id {
                    Some(id) => message.msg_id(id),
                    None => Ok(message),
                });
            let published = match message {
                Ok(message) => nats.publish(message).await,
                Err(err) => Err(err),
            };
            done(
                published
                    .map(|ack| {
                        format!(
                            "published to '{subject}': stream '{}' seq {}{}",
                            ack.stream,
                            ack.seq,
                            if ack.duplicate { " (duplicate)" } else { "" }
                        )
                    })
                    .map_err(|e| e.to_string()),
            )
        }
    }
}

fn limit(value: i64) -> String {
    if value <= 0 {
        "unlimited".to_owned()
    } else {
        value.to_string()
    }
}

/// Messages listed in a stream's detail.
const RECENT_MESSAGES: u64 = 10;

/// A payload as one line of text for the detail's message list.
fn preview(message: &StoredMessageView) -> String {
    const LIMIT: usize = 200;
    let text = match (message.encoding, &message.payload) {
        (Encoding::Text, Value::String(text)) => text.clone(),
        (Encoding::Base64, Value::String(b64)) => format!("base64 {b64}"),
        (_, value) => value.to_string(),
    };
    if text.chars().count() > LIMIT {
        let cut: String = text.chars().take(LIMIT).collect();
        format!("{cut}…")
    } else {
        text
    }
}

fn detail_view(detail: StreamDetail, messages: Vec<StoredMessageView>) -> StreamDetailView {
    let s = detail.stream;
    let c = s.config;
    let st = s.state;
    let pair = |k: &str, v: String| (k.to_owned(), v);
    StreamDetailView {
        name: s.name,
        config: vec![
            pair("subjects", c.subjects.join(", ")),
            pair("retention", c.retention),
            pair("storage", c.storage),
            pair("replicas", c.replicas.to_string()),
            pair("discard", c.discard),
            pair("max_msgs", limit(c.max_msgs)),
            pair("max_bytes", limit(c.max_bytes)),
            pair("max_msg_size", limit(c.max_msg_size)),
            pair(
                "max_age",
                if c.max_age > 0.0 {
                    format!("{} s", c.max_age)
                } else {
                    "unlimited".to_owned()
                },
            ),
            pair("duplicate_window", format!("{} s", c.duplicate_window)),
            pair("description", c.description.unwrap_or_default()),
            pair("created", s.created.unwrap_or_default()),
        ],
        state: vec![
            pair("messages", st.messages.to_string()),
            pair("bytes", st.bytes.to_string()),
            pair("first_seq", st.first_seq.to_string()),
            pair("last_seq", st.last_seq.to_string()),
            pair("first_ts", st.first_ts.unwrap_or_default()),
            pair("last_ts", st.last_ts.unwrap_or_default()),
            pair("deleted", st.deleted.to_string()),
            pair("subjects", st.subjects.to_string()),
            pair("consumers", st.consumer_count.to_string()),
        ],
        messages: messages
            .iter()
            .map(|m| MessageRow {
                seq: m.seq,
                subject: m.subject.clone(),
                time: m.time.clone(),
                size: m.size,
                preview: preview(m),
            })
            .collect(),
        consumers: detail
            .consumers
            .into_iter()
            .map(|c| ConsumerRow {
                name: c.name,
                filter: c.filter_subject,
                num_pending: c.num_pending,
                num_ack_pending: c.num_ack_pending,
                num_redelivered: c.num_redelivered,
                num_waiting: c.num_waiting,
            })
            .collect(),
    }
}
