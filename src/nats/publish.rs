//! Publishing through JetStream: a checked message ([`Publish`]) sent and answered only after the
//! stream has stored it.

use std::str::FromStr;
use std::time::Duration;

use async_nats::Subject;
use async_nats::header::{HeaderMap, HeaderName, HeaderValue};
use async_nats::jetstream::context::PublishErrorKind;
use async_nats::jetstream::message::PublishMessage;
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use serde::Deserialize;
use serde_json::json;

use super::wire::Refusal;
use super::{Nats, NatsError};
use crate::model::rules;
use crate::model::stream::Published;

/// A message ready to publish: a concrete subject, the payload bytes as they are, and headers
/// (the message id among them) that NATS can carry. Every check happens while it is built.
#[derive(Debug, Clone)]
pub struct Publish {
    subject: String,
    payload: Bytes,
    headers: HeaderMap,
}

impl Publish {
    pub fn new(subject: impl Into<String>, payload: impl Into<Bytes>) -> Result<Self, NatsError> {
        let subject = subject.into();
        rules::publish_subject(&subject)
            .map_err(|p| NatsError::InvalidMessage(format!("subject: {p}")))?;
        Ok(Publish {
            subject,
            payload: payload.into(),
            headers: HeaderMap::new(),
        })
    }

    /// Adds a header; a name may repeat.
    pub fn header(mut self, name: &str, value: &str) -> Result<Self, NatsError> {
        let bad_name = || {
            NatsError::InvalidMessage(format!(
                "headers: '{}' is not a valid header name (printable ASCII, no ':' or spaces)",
                name.escape_debug()
            ))
        };
        if name.chars().any(char::is_whitespace) {
            return Err(bad_name());
        }
        let header = HeaderName::from_str(name).map_err(|_| bad_name())?;
        let value = HeaderValue::from_str(value).map_err(|_| {
            NatsError::InvalidMessage(format!(
                "headers.{name}: value must not contain line breaks"
            ))
        })?;
        self.headers.append(header, value);
        Ok(self)
    }

    /// The `Nats-Msg-Id` JetStream deduplicates on within the stream's duplicate window.
    pub fn msg_id(mut self, id: &str) -> Result<Self, NatsError> {
        if id.is_empty() {
            return Err(NatsError::InvalidMessage("msg_id must not be empty".into()));
        }
        if id.len() > rules::MAX_MSG_ID_LEN {
            return Err(NatsError::InvalidMessage(format!(
                "msg_id is {} bytes long; the limit is {}",
                id.len(),
                rules::MAX_MSG_ID_LEN
            )));
        }
        let value = HeaderValue::from_str(id)
            .map_err(|_| NatsError::InvalidMessage("msg_id must not contain line breaks".into()))?;
        self.headers
            .insert(async_nats::header::NATS_MESSAGE_ID, value);
        Ok(self)
    }

    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Bytes of the header block on the wire (`NATS/1.0\r\n`, `Name: value\r\n` lines, `\r\n`).
    fn header_bytes(&self) -> usize {
        if self.headers.is_empty() {
            return 0;
        }
        let lines: usize = self
            .headers
            .iter()
            .map(|(name, values)| {
                values
                    .iter()
                    .map(|v| AsRef::<str>::as_ref(name).len() + v.as_str().len() + 4)
                    .sum::<usize>()
            })
            .sum();
        lines + 12
    }

    /// Bytes on the wire that count against the server's `max_payload`: payload and headers.
    fn size(&self) -> usize {
        self.payload.len() + self.header_bytes()
    }
}

/// The stream's refusal behind a failed publish, when there is one.
fn refusal_of(err: &async_nats::jetstream::context::PublishError) -> Option<Refusal> {
    let refusal = std::error::Error::source(err)?.downcast_ref::<async_nats::jetstream::Error>()?;
    // The description is only reachable through Display: "<description> (code N, error code M)".
    let text = refusal.to_string();
    let description = text
        .rsplit_once(" (code ")
        .map_or(text.as_str(), |(description, _)| description)
        .to_owned();
    Some(Refusal {
        code: u16::try_from(refusal.code()).unwrap_or(500),
        err_code: refusal.error_code().0,
        description,
    })
}

#[derive(Debug, Deserialize)]
struct StreamNames {
    #[serde(default)]
    streams: Option<Vec<String>>,
}

/// Pause between attempts while a capturing stream has no leader.
const LEADER_RETRY: Duration = Duration::from_millis(100);

fn published(ack: async_nats::jetstream::publish::PublishAck) -> Published {
    Published {
        stream: ack.stream,
        seq: ack.sequence,
        duplicate: ack.duplicate,
    }
}

/// A checked message as it goes on the wire; cheap to clone for another attempt.
struct Outgoing {
    subject: Subject,
    message: PublishMessage,
    /// Bytes counted against `max_payload` (payload and headers).
    size: usize,
}

/// What a failed attempt means.
enum Failure {
    /// The answer for this message.
    Final(NatsError),
    /// No responders: nothing received the message, so it may be sent again.
    NoResponders(async_nats::jetstream::context::PublishError),
}

impl Nats {
    /// Publishes and waits for JetStream's acknowledgement; a success means the message is stored.
    pub async fn publish(&self, message: Publish) -> Result<Published, NatsError> {
        self.require_connected()?;
        let outgoing = self.prepare(message)?;
        let deadline = tokio::time::Instant::now() + self.timeout;
        let lost = self.connection_lost();
        tokio::select! {
            published = self.deliver(&outgoing, deadline) => published,
            _ = lost => Err(NatsError::AckLost),
        }
    }

    /// Checks a message against JetStream's header limit and the server's `max_payload`.
    fn prepare(&self, message: Publish) -> Result<Outgoing, NatsError> {
        let header_bytes = message.header_bytes();
        if header_bytes > rules::MAX_HEADER_BYTES {
            return Err(NatsError::InvalidMessage(format!(
                "headers are {header_bytes} bytes; JetStream takes at most {} bytes of headers",
                rules::MAX_HEADER_BYTES
            )));
        }
        let limit = self.client().max_payload();
        let size = message.size();
        if limit > 0 && size > limit {
            return Err(NatsError::InvalidMessage(format!(
                "message is {size} bytes with headers; the server's max_payload is {limit} bytes"
            )));
        }
        let Publish {
            subject,
            payload,
            headers,
        } = message;
        let mut outgoing = PublishMessage::build().payload(payload);
        if !headers.is_empty() {
            outgoing = outgoing.headers(headers);
        }
        Ok(Outgoing {
            subject: Subject::from(subject),
            message: outgoing,
            size,
        })
    }

    /// Sends the message and waits for its acknowledgement by `deadline`, sending it again while
    /// the stream that captures its subject has no leader.
    async fn deliver(
        &self,
        outgoing: &Outgoing,
        deadline: tokio::time::Instant,
    ) -> Result<Published, NatsError> {
        let mut capturing: Option<Option<String>> = None;
        loop {
            let send = async {
                self.jetstream
                    .send_publish(outgoing.subject.clone(), outgoing.message.clone())
                    .await?
                    .await
            };
            let err = match tokio::time::timeout_at(deadline, send).await {
                Ok(Ok(ack)) => return Ok(published(ack)),
                Ok(Err(err)) => err,
                Err(_) => return Err(self.timed_out_publishing(&outgoing.subject)),
            };
            let err = match self.judge(err, outgoing) {
                Failure::Final(err) => return Err(err),
                Failure::NoResponders(err) => err,
            };
            // Either no stream captures the subject, or the one that does is between leaders (a
            // cluster node just went away) — then retry until the deadline.
            if capturing.is_none() {
                capturing = Some(self.stream_capturing(&outgoing.subject).await?);
            }
            let Some(Some(stream)) = &capturing else {
                return Err(self.publish_error(err.kind(), &err.to_string(), &outgoing.subject));
            };
            if tokio::time::Instant::now() + LEADER_RETRY >= deadline {
                return Err(NatsError::NoStreamLeader {
                    stream: stream.clone(),
                    subject: outgoing.subject.to_string(),
                    waited: self.timeout,
                });
            }
            tokio::time::sleep(LEADER_RETRY).await;
        }
    }

    /// Why an attempt failed, and whether sending again may help.
    fn judge(
        &self,
        err: async_nats::jetstream::context::PublishError,
        outgoing: &Outgoing,
    ) -> Failure {
        // The stream refused the message itself: why decides whose fault it is.
        if let Some(refusal) = refusal_of(&err) {
            return Failure::Final(NatsError::refused_message(
                &outgoing.subject,
                outgoing.size,
                refusal,
            ));
        }
        if err.kind() != PublishErrorKind::StreamNotFound {
            return Failure::Final(self.publish_error(
                err.kind(),
                &err.to_string(),
                &outgoing.subject,
            ));
        }
        Failure::NoResponders(err)
    }

    fn timed_out_publishing(&self, subject: &str) -> NatsError {
        self.publish_error(PublishErrorKind::TimedOut, "", subject)
    }

    /// Publishes every message and waits for their acknowledgements together, all within one
    /// timeout: the messages go out one after another without waiting for each other's acks, as
    /// a client with many publishes in flight sends them. One result per message, in order.
    /// Fails as a whole only when NATS is not connected (then nothing was sent).
    pub async fn publish_all(
        &self,
        messages: Vec<Publish>,
    ) -> Result<Vec<Result<Published, NatsError>>, NatsError> {
        self.require_connected()?;
        let deadline = tokio::time::Instant::now() + self.timeout;
        let lost = self.connection_lost();
        let mut results: Vec<Option<Result<Published, NatsError>>> =
            (0..messages.len()).map(|_| None).collect();
        let mut outgoing = Vec::with_capacity(messages.len());
        for (i, message) in messages.into_iter().enumerate() {
            match self.prepare(message) {
                Ok(ready) => outgoing.push((i, ready)),
                Err(err) => results[i] = Some(Err(err)),
            }
        }
        tokio::select! {
            () = self.deliver_all(&outgoing, &mut results, deadline) => {}
            _ = lost => {}
        }
        // Whatever has no answer yet lost it with the connection.
        Ok(results
            .into_iter()
            .map(|result| result.unwrap_or(Err(NatsError::AckLost)))
            .collect())
    }

    /// Sends each message, then collects the acknowledgements as they come; a message nothing
    /// responded to goes through [`Nats::deliver`] (which waits out a leader change).
    async fn deliver_all(
        &self,
        outgoing: &[(usize, Outgoing)],
        results: &mut [Option<Result<Published, NatsError>>],
        deadline: tokio::time::Instant,
    ) {
        let mut acks = FuturesUnordered::new();
        for (slot, (_, message)) in outgoing.iter().enumerate() {
            let sent = tokio::time::timeout_at(
                deadline,
                self.jetstream
                    .send_publish(message.subject.clone(), message.message.clone()),
            )
            .await;
            let Ok(sent) = sent else { break };
            acks.push(async move {
                let answer = match sent {
                    Ok(ack) => ack.await,
                    Err(err) => Err(err),
                };
                (slot, answer)
            });
        }
        let mut again = Vec::new();
        // One timer for every acknowledgement, rather than one per wait.
        let expiry = tokio::time::sleep_until(deadline);
        tokio::pin!(expiry);
        loop {
            let (slot, answer) = tokio::select! {
                biased;
                next = acks.next() => match next {
                    Some(next) => next,
                    None => break,
                },
                () = &mut expiry => break,
            };
            let (i, message) = &outgoing[slot];
            results[*i] = match answer {
                Ok(ack) => Some(Ok(published(ack))),
                Err(err) => match self.judge(err, message) {
                    Failure::Final(err) => Some(Err(err)),
                    Failure::NoResponders(_) => {
                        again.push(slot);
                        None
                    }
                },
            };
        }
        let retries = again.into_iter().map(|slot| async move {
            let (i, message) = &outgoing[slot];
            (*i, self.deliver(message, deadline).await)
        });
        for (i, result) in futures::future::join_all(retries).await {
            results[i] = Some(result);
        }
        // Past the deadline: no acknowledgement in time.
        for (i, message) in outgoing {
            if results[*i].is_none() {
                results[*i] = Some(Err(self.timed_out_publishing(&message.subject)));
            }
        }
    }

    /// The stream whose subjects capture `subject`, if any.
    async fn stream_capturing(&self, subject: &str) -> Result<Option<String>, NatsError> {
        let names: StreamNames = self
            .js_request("STREAM.NAMES", Some(&json!({ "subject": subject })))
            .await?;
        Ok(names.streams.unwrap_or_default().into_iter().next())
    }

    fn publish_error(&self, kind: PublishErrorKind, reason: &str, subject: &str) -> NatsError {
        if !self.is_connected() {
            return NatsError::NotConnected;
        }
        match kind {
            PublishErrorKind::StreamNotFound => NatsError::NoStreamForSubject(subject.to_owned()),
            PublishErrorKind::MaxPayloadExceeded => {
                NatsError::InvalidMessage(format!("message too large: {reason}"))
            }
            PublishErrorKind::TimedOut => NatsError::AckTimedOut(self.timeout),
            PublishErrorKind::BrokenPipe => NatsError::NotConnected,
            _ => {
                tracing::warn!(subject, error = %reason, "publish failed");
                NatsError::PublishFailed {
                    subject: subject.to_owned(),
                    reason: reason.to_owned(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn building_checks_subject_headers_and_id() {
        assert!(Publish::new("orders.new", "x").is_ok());
        for bad in ["orders.*", "", "a b"] {
            let err = Publish::new(bad, "x").unwrap_err();
            assert!(
                matches!(err, NatsError::InvalidMessage(_)),
                "{bad:?}: {err}"
            );
        }
        let ok = Publish::new("a", "x").unwrap();
        assert!(ok.clone().header("bad name", "v").is_err());
        assert!(ok.clone().header("A", "line\nbreak").is_err());
        assert!(ok.clone().msg_id("").is_err());
        let built = ok.header("A", "1").unwrap().msg_id("m-1").unwrap();
        assert_eq!(built.subject(), "a");
        assert_eq!(
            built.headers.get("Nats-Msg-Id").map(|v| v.as_str()),
            Some("m-1")
        );
    }

    #[test]
    fn size_counts_headers() {
        let bare = Publish::new("a", "12345").unwrap();
        assert_eq!(bare.size(), 5);
        let with = bare.header("AB", "cd").unwrap();
        assert_eq!(with.size(), 5 + 2 + 2 + 4 + 12);
    }
}
