//! Publishing through JetStream (answering only after the ack) and reading stored messages back
//! without a consumer.

use std::collections::BTreeMap;
use std::str::FromStr;

use async_nats::header::{HeaderMap, HeaderName, HeaderValue};
use async_nats::jetstream::context::PublishErrorKind;
use async_nats::jetstream::message::PublishMessage;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::wire::{StoredMessage, StoredMessageResponse, codes};
use super::{JsError, Nats};
use crate::error::{ApiError, ErrorCode};
use crate::validate;

/// The most messages one `?last=K` read returns.
pub const MAX_LAST: u64 = 100;

/// The body of `POST /api/v1/broker/publish`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    pub subject: String,
    #[serde(default)]
    pub message: Option<Value>,
    #[serde(default)]
    pub headers: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub msg_id: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Published {
    pub stream: String,
    pub seq: u64,
    pub duplicate: bool,
}

/// A stored message with its payload decoded as far as it will go: JSON, else UTF-8 text, else
/// base64.
#[derive(Debug, Clone, Serialize)]
pub struct StoredMessageView {
    pub stream: String,
    pub subject: String,
    pub seq: u64,
    pub time: Option<String>,
    pub headers: BTreeMap<String, Vec<String>>,
    pub encoding: &'static str,
    pub payload: Value,
    pub size: usize,
}

#[derive(Debug, Deserialize)]
struct StreamNames {
    #[serde(default)]
    streams: Option<Vec<String>>,
}

/// What to read from a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageSelector {
    Sequence(u64),
    Last(u64),
}

impl PublishRequest {
    /// The bytes to send: a string as its UTF-8, any other JSON value as its JSON text.
    pub fn payload(&self) -> Result<Bytes, ApiError> {
        match &self.message {
            None | Some(Value::Null) => Err(ApiError::invalid_message(
                "message is required (a string is sent as text, any other JSON value as JSON)",
            )),
            Some(Value::String(text)) => Ok(Bytes::from(text.clone().into_bytes())),
            Some(other) => Ok(Bytes::from(other.to_string().into_bytes())),
        }
    }

    fn header_map(&self) -> Result<HeaderMap, ApiError> {
        let mut map = HeaderMap::new();
        for (name, value) in self.headers.iter().flatten() {
            let header = HeaderName::from_str(name).map_err(|_| {
                ApiError::invalid_message(format!(
                    "headers: '{}' is not a valid header name (printable ASCII, no ':' or spaces)",
                    name.escape_debug()
                ))
            })?;
            if name.chars().any(char::is_whitespace) {
                return Err(ApiError::invalid_message(format!(
                    "headers: '{}' is not a valid header name (printable ASCII, no ':' or spaces)",
                    name.escape_debug()
                )));
            }
            let value = HeaderValue::from_str(value).map_err(|_| {
                ApiError::invalid_message(format!(
                    "headers.{name}: value must not contain line breaks"
                ))
            })?;
            map.append(header, value);
        }
        if let Some(id) = &self.msg_id {
            if id.is_empty() {
                return Err(ApiError::invalid_message("msg_id must not be empty"));
            }
            let value = HeaderValue::from_str(id)
                .map_err(|_| ApiError::invalid_message("msg_id must not contain line breaks"))?;
            map.insert(async_nats::header::NATS_MESSAGE_ID, value);
        }
        Ok(map)
    }
}

fn header_bytes(headers: &HeaderMap) -> usize {
    headers
        .iter()
        .map(|(name, values)| {
            values
                .iter()
                .map(|v| AsRef::<str>::as_ref(name).len() + v.as_str().len() + 4)
                .sum::<usize>()
        })
        .sum::<usize>()
        + if headers.is_empty() { 0 } else { 12 }
}

impl Nats {
    /// Publishes and waits for JetStream's acknowledgement; a success means the message is stored.
    pub async fn publish(&self, request: &PublishRequest) -> Result<Published, ApiError> {
        validate::publish_subject(&request.subject)
            .map_err(|p| ApiError::invalid_message(format!("subject: {p}")))?;
        let payload = request.payload()?;
        let headers = request.header_map()?;
        self.require_connected()?;
        let limit = self.client().max_payload();
        let size = payload.len() + header_bytes(&headers);
        if limit > 0 && size > limit {
            return Err(ApiError::invalid_message(format!(
                "message is {size} bytes with headers; the server's max_payload is {limit} bytes"
            )));
        }
        let mut message = PublishMessage::build().payload(payload);
        if !headers.is_empty() {
            message = message.headers(headers);
        }
        let deadline = tokio::time::Instant::now() + self.timeout;
        let mut capturing: Option<Option<String>> = None;
        let ack = loop {
            let subject = request.subject.clone();
            let attempt = message.clone();
            let publish = async { self.jetstream.send_publish(subject, attempt).await?.await };
            let lost = self.connection_lost();
            let outcome = tokio::select! {
                outcome = tokio::time::timeout_at(deadline, publish) => outcome,
                _ = lost => {
                    return Err(ApiError::new(
                        ErrorCode::NatsConnectionError,
                        "connection to NATS lost while waiting for the acknowledgement; the \
                         message may or may not be stored — retry with the same msg_id to avoid \
                         a duplicate",
                    ));
                }
            };
            let err = match outcome {
                Ok(Ok(ack)) => break ack,
                Ok(Err(err)) => err,
                Err(_) => {
                    return Err(self.publish_error(
                        PublishErrorKind::TimedOut,
                        &"no acknowledgement",
                        &request.subject,
                    ));
                }
            };
            // The stream's own max_msg_size refuses the message: the caller's data is at
            // fault, as with the server's max_payload above.
            if let Some(refusal) = std::error::Error::source(&err)
                .and_then(|source| source.downcast_ref::<async_nats::jetstream::Error>())
                && refusal.error_code()
                    == async_nats::jetstream::ErrorCode::STREAM_MESSAGE_EXCEEDS_MAXIMUM
            {
                return Err(ApiError::invalid_message(format!(
                    "message is {size} bytes with headers; that is more than the max_msg_size \
                     of the stream capturing '{}'",
                    request.subject
                )));
            }
            if err.kind() != PublishErrorKind::StreamNotFound {
                return Err(self.publish_error(err.kind(), &err, &request.subject));
            }
            // No responders: nothing received the message, so it is safe to send again. Either
            // no stream captures the subject, or the one that does is between leaders (a
            // cluster node just went away) — then retry until the deadline.
            if capturing.is_none() {
                capturing = Some(self.stream_capturing(&request.subject).await?);
            }
            let Some(Some(stream)) = &capturing else {
                return Err(self.publish_error(err.kind(), &err, &request.subject));
            };
            let pause = std::time::Duration::from_millis(100);
            if tokio::time::Instant::now() + pause >= deadline {
                return Err(ApiError::new(
                    ErrorCode::JetstreamError,
                    format!(
                        "stream '{stream}' captures '{}' but did not accept the message within \
                         {:?} (no stream leader?)",
                        request.subject, self.timeout
                    ),
                )
                .with_status(StatusCode::SERVICE_UNAVAILABLE));
            }
            tokio::time::sleep(pause).await;
        };
        Ok(Published {
            stream: ack.stream,
            seq: ack.sequence,
            duplicate: ack.duplicate,
        })
    }

    /// The stream whose subjects capture `subject`, if any.
    async fn stream_capturing(&self, subject: &str) -> Result<Option<String>, ApiError> {
        let names: StreamNames = self
            .js_request("STREAM.NAMES", Some(&json!({ "subject": subject })))
            .await?;
        Ok(names.streams.unwrap_or_default().into_iter().next())
    }

    fn publish_error(
        &self,
        kind: PublishErrorKind,
        err: &dyn std::fmt::Display,
        subject: &str,
    ) -> ApiError {
        if !self.is_connected() {
            return ApiError::nats_down();
        }
        match kind {
            PublishErrorKind::StreamNotFound => ApiError::new(
                ErrorCode::StreamNotFound,
                format!("no stream captures subject '{subject}'"),
            ),
            PublishErrorKind::MaxPayloadExceeded => {
                ApiError::invalid_message(format!("message too large: {err}"))
            }
            PublishErrorKind::TimedOut => ApiError::new(
                ErrorCode::MessagePublishError,
                format!(
                    "no JetStream acknowledgement within {:?}; the message may or may not be \
                     stored — retry with the same msg_id to avoid a duplicate",
                    self.timeout
                ),
            )
            .with_status(StatusCode::SERVICE_UNAVAILABLE),
            PublishErrorKind::BrokenPipe => ApiError::nats_down(),
            _ => {
                tracing::warn!(subject, error = %err, "publish failed");
                ApiError::new(
                    ErrorCode::MessagePublishError,
                    format!("publish to '{subject}' failed: {err}"),
                )
            }
        }
    }

    /// One stored message: by direct get when the stream allows it (any replica answers, no
    /// consumer involved), otherwise through the stream leader's `STREAM.MSG.GET`.
    async fn stored_message(
        &self,
        stream: &str,
        seq: u64,
        direct: bool,
    ) -> Result<StoredMessageView, JsError> {
        if direct {
            return self.direct_message(stream, seq).await;
        }
        let response: StoredMessageResponse = self
            .js_request(
                &format!("STREAM.MSG.GET.{stream}"),
                Some(&json!({ "seq": seq })),
            )
            .await?;
        Ok(decode(stream, response.message))
    }

    async fn direct_message(&self, stream: &str, seq: u64) -> Result<StoredMessageView, JsError> {
        use async_nats::jetstream::stream::DirectGetErrorKind;
        let handle = self
            .jetstream
            .get_stream_no_info(stream)
            .await
            .map_err(|e| JsError::Other(e.to_string()))?;
        let lost = self.connection_lost();
        let answer = tokio::select! {
            answer = tokio::time::timeout(self.timeout, handle.direct_get(seq)) => answer,
            _ = lost => return Err(JsError::NotConnected),
        };
        match answer {
            Err(_) => Err(self.timed_out()),
            Ok(Ok(message)) => Ok(direct_view(stream, message)),
            Ok(Err(err)) => Err(match err.kind() {
                DirectGetErrorKind::NotFound => JsError::Api(super::wire::ApiErrorBody {
                    code: 404,
                    err_code: codes::NO_MESSAGE_FOUND,
                    description: "no message found".to_owned(),
                }),
                DirectGetErrorKind::TimedOut => self.timed_out(),
                _ if !self.is_connected() => JsError::NotConnected,
                _ => JsError::Other(err.to_string()),
            }),
        }
    }

    /// Reads stored messages without consuming them, oldest first.
    pub async fn read_messages(
        &self,
        stream: &str,
        selector: MessageSelector,
    ) -> Result<Vec<StoredMessageView>, ApiError> {
        let info = self.stream_info(stream).await?;
        let direct = info.config.allow_direct;
        let missing = |seq: u64| {
            ApiError::new(
                ErrorCode::StreamNotFound,
                format!("stream '{stream}' has no message at sequence {seq}"),
            )
        };
        match selector {
            MessageSelector::Sequence(seq) => {
                match self.stored_message(stream, seq, direct).await {
                    Ok(message) => Ok(vec![message]),
                    Err(err) if err.err_code() == Some(codes::NO_MESSAGE_FOUND) => {
                        Err(missing(seq))
                    }
                    Err(err) => Err(err.into()),
                }
            }
            MessageSelector::Last(count) => {
                let state = info.state;
                let mut found = Vec::new();
                let mut seq = state.last_seq;
                // Deleted sequences are skipped; the walk is bounded by the stream's first
                // sequence and by a fixed number of look-ups.
                let mut lookups = 0;
                while found.len() < count as usize
                    && seq >= state.first_seq.max(1)
                    && state.messages > 0
                    && lookups < 10 * MAX_LAST
                {
                    lookups += 1;
                    match self.stored_message(stream, seq, direct).await {
                        Ok(message) => found.push(message),
                        Err(err) if err.err_code() == Some(codes::NO_MESSAGE_FOUND) => {}
                        Err(err) => return Err(err.into()),
                    }
                    seq -= 1;
                }
                found.reverse();
                Ok(found)
            }
        }
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

pub fn decode_payload(data: &[u8]) -> (&'static str, Value) {
    if let Ok(value) = serde_json::from_slice::<Value>(data) {
        return ("json", value);
    }
    match std::str::from_utf8(data) {
        Ok(text) => ("text", Value::String(text.to_owned())),
        Err(_) => ("base64", Value::String(BASE64.encode(data))),
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
        assert_eq!(decode_payload(b"{\"a\":1}").0, "json");
        assert_eq!(decode_payload(b"Hello World").0, "text");
        assert_eq!(decode_payload(&[0xff, 0xfe]).0, "base64");
    }

    #[test]
    fn strings_are_sent_raw_and_values_as_json() {
        let text: PublishRequest =
            serde_json::from_value(json!({"subject": "a", "message": "Hello"})).unwrap();
        assert_eq!(text.payload().unwrap(), Bytes::from_static(b"Hello"));
        let object: PublishRequest =
            serde_json::from_value(json!({"subject": "a", "message": {"x": 1}})).unwrap();
        assert_eq!(object.payload().unwrap(), Bytes::from_static(b"{\"x\":1}"));
        let null: PublishRequest =
            serde_json::from_value(json!({"subject": "a", "message": null})).unwrap();
        assert!(null.payload().is_err());
    }

    #[test]
    fn headers_parse() {
        let parsed = parse_headers(b"NATS/1.0\r\nNats-Msg-Id: 7\r\nA: 1\r\nA: 2\r\n\r\n");
        assert_eq!(parsed["Nats-Msg-Id"], vec!["7"]);
        assert_eq!(parsed["A"], vec!["1", "2"]);
    }
}
