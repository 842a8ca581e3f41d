//! Carries out what the user asked for, off the UI loop, and reports back as updates carrying
//! the request's id. The console logs each outcome once, from its `Done`.

use message_broker_ui::model::{
    Action, ActionOutcome, MessageAt, Request, RequestId, Stamped, Update,
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{burst, tail};
use crate::nats::{Nats, NatsError, Publish, Toward};

/// Carries out `request` (the caller runs it as an owned task). A tail or a burst runs until
/// finished or `cancel`, reporting as it goes; everything else answers once.
pub async fn run(
    nats: Nats,
    request: Request,
    tx: mpsc::Sender<Stamped>,
    cancel: CancellationToken,
) {
    let Request { id, action } = request;
    match action {
        Action::Tail { subject } => tail::run(nats, id, subject, tx, cancel).await,
        Action::Burst {
            subject,
            count,
            rate,
        } => {
            burst::run(
                nats,
                id,
                burst::Plan {
                    subject,
                    count,
                    rate,
                },
                tx,
                cancel,
            )
            .await
        }
        // Not cancelled when the console leaves: it gets a few seconds to finish, so a change
        // already sent is not left unanswered in the log.
        action => {
            let update = answer(&nats, id, action).await;
            // The console has closed if this fails: nobody is left to show it.
            let _ = tx.send(Stamped::now(update)).await;
        }
    }
}

fn done(id: RequestId, result: Result<String, NatsError>) -> Update {
    let (ok, text) = match result {
        Ok(text) => (true, text),
        Err(error) => (false, error.to_string()),
    };
    Update::Done {
        id,
        outcome: ActionOutcome { text, ok },
    }
}

async fn answer(nats: &Nats, id: RequestId, action: Action) -> Update {
    match action {
        Action::CreateStream(spec) => done(
            id,
            nats.create_stream(&spec)
                .await
                .map(|_| format!("stream '{}' created", spec.name)),
        ),
        Action::DeleteStream(name) => done(
            id,
            nats.delete_stream(&name)
                .await
                .map(|()| format!("stream '{name}' deleted")),
        ),
        Action::PurgeStream(name) => done(
            id,
            nats.purge_stream(&name)
                .await
                .map(|purged| format!("stream '{name}' purged: {purged} messages removed")),
        ),
        Action::DeleteConsumer { stream, consumer } => done(
            id,
            nats.delete_consumer(&stream, &consumer)
                .await
                .map(|()| format!("consumer '{consumer}' of stream '{stream}' deleted")),
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
                published.map(|ack| {
                    format!(
                        "published to '{subject}': stream '{}' seq {}{}",
                        ack.stream,
                        ack.seq,
                        if ack.duplicate { " (duplicate)" } else { "" }
                    )
                }),
            )
        }
        Action::ReadMessage { stream, at } => {
            let (seq, toward) = match at {
                MessageAt::First => (0, Toward::Newer),
                MessageAt::Last => (u64::MAX, Toward::Older),
                MessageAt::Seq(seq) => (seq, Toward::Newer),
                MessageAt::After(seq) => (seq.saturating_add(1), Toward::Newer),
                MessageAt::Before(seq) => (seq.saturating_sub(1), Toward::Older),
            };
            let result = match at {
                // Exactly that sequence: a deleted one is said so, not skipped.
                MessageAt::Seq(seq) => nats
                    .read_messages(&stream, crate::nats::MessageSelector::Sequence(seq))
                    .await
                    .and_then(|mut found| {
                        found.pop().ok_or(NatsError::MessageNotFound {
                            stream: stream.clone(),
                            seq,
                        })
                    }),
                _ => nats.message_near(&stream, seq, toward).await,
            };
            let result = result.map(Box::new).map_err(|err| match (err, at) {
                (NatsError::MessageNotFound { .. }, MessageAt::After(seq)) => {
                    format!("no message after {seq}: it is the last one stored")
                }
                (NatsError::MessageNotFound { .. }, MessageAt::Before(seq)) => {
                    format!("no message before {seq}: it is the first one stored")
                }
                (NatsError::MessageNotFound { .. }, MessageAt::First | MessageAt::Last) => {
                    format!("stream '{stream}' has no messages stored")
                }
                (other, _) => other.to_string(),
            });
            Update::Message { id, result }
        }
        // Run by `run` itself.
        Action::Tail { .. } | Action::Burst { .. } => done(
            id,
            Err(NatsError::Protocol("not a one-off request".to_owned())),
        ),
    }
}
