//! Reading stored messages back without a consumer: by direct get where the stream allows it,
//! else through the stream leader.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

use super::wire::{Refusal, StoredMessage, StoredMessageResponse, codes};
use super::{Nats, NatsError};
use crate::model::stream::{Encoding, StoredMessageView};

/// The most messages one `Last(k)` read returns.
pub const MAX_LAST: u64 = 100;
/// Deleted sequences skipped, one look-up each, when stepping back to an older message.
const MAX_STEPS_BACK: u64 = 1_000;

/// Which way from a sequence to look for a stored message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Toward {
    /// The first stored at or after the sequence.
    Newer,
    /// The last stored at or before the sequence.
    Older,
}

/// What to read from a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageSelector {
    Sequence(u64),
    Last(u64),
}

impl Nats {
    /// One stored message: by direct get when the stream allows it (any replica answers, no
    /// consumer involved), otherwise through the stream leader's `STREAM.MSG.GET`.
    async fn stored_message(
        &self,
        stream: &str,
        seq: u64,
        direct: bool,
    ) -> Result<StoredMessageView, NatsError> {
        if direct {
            return self.direct_message(stream, seq).await;
        }
        let response: StoredMessageResponse = self
            .js_request(
                &format!("STREAM.MSG.GET.{stream}"),
                Some(&json!({ "seq": seq })),
            )
            .await
            .map_err(|e| missing(e, stream, seq))?;
        Ok(decode(stream, response.message))
    }

    async fn direct_message(&self, stream: &str, seq: u64) -> Result<StoredMessageView, NatsError> {
        use async_nats::jetstream::stream::DirectGetErrorKind;
        let handle = self
            .jetstream
            .get_stream_no_info(stream)
            .await
            .map_err(|e| NatsError::Protocol(e.to_string()))?;
        let lost = self.connection_lost();
        let answer = tokio::select! {
            answer = tokio::time::timeout(self.timeout, handle.direct_get(seq)) => answer,
            _ = lost => return Err(self.lost()),
        };
        match answer {
            Err(_) => Err(self.timed_out()),
            Ok(Ok(message)) => Ok(direct_view(stream, message)),
            Ok(Err(err)) => Err(match err.kind() {
                DirectGetErrorKind::NotFound => NatsError::MessageNotFound {
                    stream: stream.to_owned(),
                    seq,
                },
                DirectGetErrorKind::TimedOut => self.timed_out(),
                _ if !self.is_connected() => NatsError::NotConnected,
                _ => NatsError::Protocol(err.to_string()),
            }),
        }
    }

    /// Reads stored messages without consuming them, oldest first.
    pub async fn read_messages(
        &self,
        stream: &str,
        selector: MessageSelector,
    ) -> Result<Vec<StoredMessageView>, NatsError> {
        let info = self.stream_info(stream).await?;
        let direct = info.config.allow_direct;
        match selector {
            MessageSelector::Sequence(seq) => {
                Ok(vec![self.stored_message(stream, seq, direct).await?])
            }
            MessageSelector::Last(count) => {
                let state = info.state;
                let mut found = Vec::new();
                let mut seq = state.last_seq;
                // Deleted sequences are skipped; the walk is bounded by the stream's first
                // sequence and by a fixed number of look-ups.
                let mut lookups = 0;
                while found.len() < count.min(MAX_LAST) as usize
                    && seq >= state.first_seq.max(1)
                    && state.messages > 0
                    && lookups < 10 * MAX_LAST
                {
                    lookups += 1;
                    match self.stored_message(stream, seq, direct).await {
                        Ok(message) => found.push(message),
                        Err(NatsError::MessageNotFound { .. }) => {}
                        Err(err) => return Err(err),
                    }
                    seq -= 1;
                }
                found.reverse();
                Ok(found)
            }
        }
    }
}

impl Nats {
    /// The message stored at `seq`, by direct get when `direct` (the stream's `allow_direct`,
    /// known to the caller, so no `STREAM.INFO` is spent), else through the stream leader.
    pub async fn message_at(
        &self,
        stream: &str,
        seq: u64,
        direct: bool,
    ) -> Result<StoredMessageView, NatsError> {
        super::streams::checked_name(stream)?;
        self.stored_message(stream, seq, direct).await
    }

    /// The stored message nearest `seq` in one direction, skipping deleted sequences, read
    /// without consuming it: the first at or after `seq` in one request (`next_by_subj`), or
    /// the last at or before it by stepping back (bounded). `MessageNotFound` names `seq` when
    /// there is none that way.
    pub async fn message_near(
        &self,
        stream: &str,
        seq: u64,
        toward: Toward,
    ) -> Result<StoredMessageView, NatsError> {
        let info = self.stream_info(stream).await?;
        let direct = info.config.allow_direct;
        let (first, last) = (info.state.first_seq, info.state.last_seq);
        let none = || NatsError::MessageNotFound {
            stream: stream.to_owned(),
            seq,
        };
        if info.state.messages == 0 {
            return Err(none());
        }
        match toward {
            Toward::Newer if seq > last => Err(none()),
            Toward::Newer => self.next_message(stream, seq.max(first), direct).await,
            Toward::Older if seq < first || seq == 0 => Err(none()),
            Toward::Older => {
                let mut at = seq.min(last);
                for _ in 0..MAX_STEPS_BACK {
                    match self.stored_message(stream, at, direct).await {
                        Err(NatsError::MessageNotFound { .. }) if at > first => at -= 1,
                        Err(NatsError::MessageNotFound { .. }) => return Err(none()),
                        other => return other,
                    }
                }
                Err(none())
            }
        }
    }

    /// The first stored message at or after `seq`, on any subject.
    async fn next_message(
        &self,
        stream: &str,
        seq: u64,
        direct: bool,
    ) -> Result<StoredMessageView, NatsError> {
        if !direct {
            let response: StoredMessageResponse = self
                .js_request(
                    &format!("STREAM.MSG.GET.{stream}"),
                    Some(&json!({ "seq": seq, "next_by_subj": ">" })),
                )
                .await
                .map_err(|e| missing(e, stream, seq))?;
            return Ok(decode(stream, response.message));
        }
        use async_nats::jetstream::stream::DirectGetErrorKind;
        let handle = self
            .jetstream
            .get_stream_no_info(stream)
            .await
            .map_err(|e| NatsError::Protocol(e.to_string()))?;
        let lost = self.connection_lost();
        let answer = tokio::select! {
            answer = tokio::time::timeout(
                self.timeout,
                handle.direct_get_next_for_subject(">", Some(seq)),
            ) => answer,
            _ = lost => return Err(self.lost()),
        };
        match answer {
            Err(_) => Err(self.timed_out()),
            Ok(Ok(message)) => Ok(direct_view(stream, message)),
            Ok(Err(err)) => Err(match err.kind() {
                DirectGetErrorKind::NotFound => NatsError::MessageNotFound {
                    stream: stream.to_owned(),
                    seq,
                },
                DirectGetErrorKind::TimedOut => self.timed_out(),
                _ if !self.is_connected() => NatsError::NotConnected,
                _ => NatsError::Protocol(err.to_string()),
            }),
        }
    }
}

/// `STREAM.MSG.GET`'s "no message found" names the stream and sequence.
fn missing(err: NatsError, stream: &str, seq: u64) -> NatsError {
    match err {
        NatsError::Refused(Refusal { err_code, .. }) if err_code == codes::NO_MESSAGE_FOUND => {
            NatsError::MessageNotFound {
                stream: stream.to_owned(),
                seq,
            }
        }
        NatsError::Refused(Refusal { err_code, .. }) if err_code == codes::STREAM_NOT_FOUND => {
            NatsError::StreamNotFound(stream.to_owned())
        }
        other => other,
    }
}

fn decode(stream: &str, message: StoredMessage) -> StoredMessageView {
    let data = message
        .data
        .as_deref()
        .and_then(|d| BASE64.decode(d).ok())
        .unwrap_or_default();
    let headers = message
        .hdrs
        .as_deref()
        .and_then(|h| BASE64.decode(h).ok())
        .map(|raw| parse_headers(&raw))
        .unwrap_or_default();
    let (encoding, payload) = decode_payload(&data);
    StoredMessageView {
        stream: stream.to_owned(),
        subject: message.subject,
        seq: message.seq,
        time: message.time,
        headers,
        encoding,
        payload,
        size: data.len(),
    }
}

/// Headers the server adds to a direct-get answer to describe the message; not the message's own.
const DIRECT_GET_HEADERS: [&str; 4] = [
    "Nats-Stream",
    "Nats-Sequence",
    "Nats-Time-Stamp",
    "Nats-Subject",
];

fn direct_view(
    stream: &str,
    message: async_nats::jetstream::message::StreamMessage,
) -> StoredMessageView {
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, values) in message.headers.iter() {
        let name: &str = name.as_ref();
        if DIRECT_GET_HEADERS.contains(&name) {
            continue;
        }
        headers
            .entry(name.to_owned())
            .or_default()
            .extend(values.iter().map(|v| v.as_str().to_owned()));
    }
    let (encoding, payload) = decode_payload(&message.payload);
    StoredMessageView {
        stream: stream.to_owned(),
        subject: message.subject.to_string(),
        seq: message.sequence,
        time: message
            .time
            .format(&time::format_description::well_known::Rfc3339)
            .ok(),
        headers,
        encoding,
        payload,
        size: message.payload.len(),
    }
}

pub fn decode_payload(data: &[u8]) -> (Encoding, Value) {
    if let Ok(value) = serde_json::from_slice::<Value>(data) {
        return (Encoding::Json, value);
    }
    match std::str::from_utf8(data) {
        Ok(text) => (Encoding::Text, Value::String(text.to_owned())),
        Err(_) => (Encoding::Base64, Value::String(BASE64.encode(data))),
    }
}

/// Parses a NATS header block (`NATS/1.0\r\nName: value\r\n...`).
fn parse_headers(raw: &[u8]) -> BTreeMap<String, Vec<String>> {
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let text = String::from_utf8_lossy(raw);
    for line in text.split("\r\n").skip(1) {
        if let Some((name, value)) = line.split_once(':') {
            headers
                .entry(name.trim().to_owned())
                .or_default()
                .push(value.trim().to_owned());
        }
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_decoding_prefers_json_then_text_then_base64() {
        assert_eq!(decode_payload(b"{\"a\":1}").0, Encoding::Json);
        assert_eq!(decode_payload(b"Hello World").0, Encoding::Text);
        assert_eq!(decode_payload(&[0xff, 0xfe]).0, Encoding::Base64);
    }

    #[test]
    fn headers_parse() {
        let parsed = parse_headers(b"NATS/1.0\r\nNats-Msg-Id: 7\r\nA: 1\r\nA: 2\r\n\r\n");
        assert_eq!(parsed["Nats-Msg-Id"], vec!["7"]);
        assert_eq!(parsed["A"], vec!["1", "2"]);
    }
}
