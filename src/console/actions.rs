//! Carries out what the user asked for, off the UI loop, and reports back as updates.

use message_broker_ui::model::{ActionOutcome, DetailData, Effect, EventLevel, Stamped, Update};
use tokio::sync::mpsc;

use super::samplers::event;
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
                    .map(|detail| Box::new(DetailData { detail, messages }))
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

/// Messages listed in a stream's detail.
const RECENT_MESSAGES: u64 = 10;
