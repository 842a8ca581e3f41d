//! Carries out what the user asked for, off the UI loop, and reports back as updates.

use message_broker_ui::model::{
    Action, ActionOutcome, DetailData, EventLevel, Request, RequestId, Stamped, Update,
};
use tokio::sync::mpsc;

use super::samplers::event;
use crate::nats::{MessageSelector, Nats, Publish};

/// Carries out `request` (the caller runs it as an owned task); the answer is sent as `Done`
/// (or `Detail`) carrying the request's id, plus an event.
pub async fn run(nats: Nats, request: Request, tx: mpsc::Sender<Stamped>) {
    for update in answer(&nats, request).await {
        if tx.send(Stamped::now(update)).await.is_err() {
            // The console has closed: nobody is left to show it.
            return;
        }
    }
}

fn done(id: RequestId, result: Result<String, String>) -> Vec<Update> {
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
        Update::Done {
            id,
            outcome: ActionOutcome { text, ok },
        },
    ]
}

async fn answer(nats: &Nats, Request { id, action }: Request) -> Vec<Update> {
    match action {
        Action::LoadDetail(name) => {
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
            let result = detail
                .map(|detail| Box::new(DetailData { detail, messages }))
                .map_err(|e| e.to_string());
            vec![Update::Detail { id, result }]
        }
        Action::CreateStream(spec) => done(
            id,
            nats.create_stream(&spec)
                .await
                .map(|_| format!("stream '{}' created", spec.name))
                .map_err(|e| e.to_string()),
        ),
        Action::DeleteStream(name) => done(
            id,
            nats.delete_stream(&name)
                .await
                .map(|()| format!("stream '{name}' deleted"))
                .map_err(|e| e.to_string()),
        ),
        Action::PurgeStream(name) => done(
            id,
            nats.purge_stream(&name)
                .await
                .map(|purged| format!("stream '{name}' purged: {purged} messages removed"))
                .map_err(|e| e.to_string()),
        ),
        Action::Publish {
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
                id,
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
