//! `POST /api/v1/broker/publish` and `/publish/batch`: the request body, how it becomes a
//! [`Publish`], and the answer given once JetStream has stored the message (or each message).

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use utoipa::ToSchema;

use super::error::{ApiError, ErrorCode};
use super::extract::{JsonBody, JsonBytes, parse_json, parse_part};
use super::openapi::{self as doc, ErrorEnvelope, Success};
use super::{AppState, ok};
use crate::model::rules;
use crate::model::stream::Published;
use crate::nats::Publish;

/// The body of `POST /api/v1/broker/publish`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishBody {
    pub subject: String,
    /// Required: a string is sent as its UTF-8 bytes, any other JSON value as its JSON text.
    #[serde(default)]
    #[schema(required = true)]
    pub message: Option<Value>,
    #[serde(default)]
    pub headers: Option<BTreeMap<String, String>>,
    /// Sets `Nats-Msg-Id`: a retry with the same id within the duplicate window is not stored
    /// again.
    #[serde(default)]
    pub msg_id: Option<String>,
}

/// `data` of `POST /api/v1/broker/publish`: where JetStream stored the message.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishAnswer {
    pub subject: String,
    pub stream: String,
    pub seq: u64,
    /// A retry of a stored `msg_id`: not stored again.
    pub duplicate: bool,
}

impl PublishBody {
    /// The bytes to send: a string as its UTF-8 (moved, not copied), any other JSON value as
    /// its JSON text.
    fn payload(message: Option<Value>) -> Result<Bytes, ApiError> {
        match message {
            None | Some(Value::Null) => Err(ApiError::invalid_message(
                "message is required (a string is sent as text, any other JSON value as JSON)",
            )),
            Some(Value::String(text)) => Ok(Bytes::from(text)),
            Some(other) => Ok(Bytes::from(other.to_string())),
        }
    }
}

impl TryFrom<PublishBody> for Publish {
    type Error = ApiError;

    fn try_from(body: PublishBody) -> Result<Publish, ApiError> {
        let mut message = Publish::new(body.subject, PublishBody::payload(body.message)?)?;
        for (name, value) in body.headers.iter().flatten() {
            message = message.header(name, value)?;
        }
        if let Some(id) = &body.msg_id {
            message = message.msg_id(id)?;
        }
        Ok(message)
    }
}

/// Subjects the server or other clients own are refused unless the configuration allows them:
/// publishing to `$JS.API.STREAM.DELETE.X` would delete stream X behind the API's back.
fn check_reserved(subject: &str, allowed: &[String]) -> Result<(), ApiError> {
    match rules::reserved_subject(subject) {
        Some(why) if !allowed.iter().any(|f| rules::subjects_overlap(f, subject)) => {
            Err(ApiError::invalid_message(format!(
                "subject '{subject}' is refused: {why}; to publish there anyway, add a filter \
                 matching it to api.allow_publish_to"
            )))
        }
        _ => Ok(()),
    }
}

/// The message a body asks for, with every check the API makes before sending it.
fn checked(body: PublishBody, allowed: &[String]) -> Result<Publish, ApiError> {
    let message = Publish::try_from(body)?;
    check_reserved(message.subject(), allowed)?;
    Ok(message)
}

/// Answers only after JetStream has stored the message.
#[utoipa::path(post, path = "/api/v1/broker/publish", tag = "messages", request_body = PublishBody,
    responses((status = 200, description = "Stored", body = Success<PublishAnswer>),
        doc::BadRequest, doc::Guarded, doc::Change, doc::NotFound, doc::Conflict, doc::Body,
        doc::Unavailable, doc::Internal))]
pub async fn publish(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<PublishBody>,
) -> Result<Response, ApiError> {
    let subject = body.subject.clone();
    let message = checked(body, &state.settings.allow_publish_to)?;
    let published = state.nats.publish(message).await?;
    if !published.duplicate {
        state.counters.published.fetch_add(1, Ordering::Relaxed);
    } else {
        state.counters.duplicates.fetch_add(1, Ordering::Relaxed);
    }
    Ok(ok(
        "Message published successfully",
        PublishAnswer {
            subject,
            stream: published.stream,
            seq: published.seq,
            duplicate: published.duplicate,
        },
    ))
}

/// The body of `POST /api/v1/broker/publish/batch`. Each message is kept as its JSON text
/// until it is checked, so that one bad message fails alone, with its own reason.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchBody<'a> {
    /// Bodies of the single publish, 1 to `api.max_batch` of them.
    #[serde(borrow)]
    #[schema(value_type = Vec<PublishBody>)]
    messages: Vec<&'a RawValue>,
}

/// One message's outcome in a batch answer: where it was stored, or why it was not.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum Outcome {
    Stored(Published),
    Failed {
        error_code: ErrorCode,
        /// The HTTP status the single publish endpoint would have answered with.
        status: u16,
        message: String,
    },
}

impl From<ApiError> for Outcome {
    fn from(err: ApiError) -> Self {
        Outcome::Failed {
            error_code: err.code,
            status: err.status.as_u16(),
            message: err.message,
        }
    }
}

/// `data` of `POST /api/v1/broker/publish/batch`: one result per message, in the order sent.
#[derive(Serialize, ToSchema)]
pub struct BatchAnswer {
    /// Messages stored (duplicates of stored ones included).
    published: usize,
    failed: usize,
    results: Vec<Outcome>,
}

/// Publishes up to `api.max_batch` messages with their acknowledgements awaited together, and
/// answers once every message is stored or has failed: 200 when all are stored, 207 when any
/// failed, with one result per message in order. Each message is checked as the single publish
/// checks it; a bad one fails alone. The batch as a whole is refused (and nothing sent) when the
/// body is not a batch, is empty or too large, or NATS is not connected.
#[utoipa::path(post, path = "/api/v1/broker/publish/batch", tag = "messages",
    request_body = BatchBody,
    responses((status = 200, description = "Every message stored", body = Success<BatchAnswer>),
        (status = 207, description = "Some or all messages failed; each result says why",
            body = Success<BatchAnswer>),
        doc::BadRequest, doc::Guarded, doc::Change,
        (status = 408, description = "The declared body did not arrive within api.body_timeout",
            body = ErrorEnvelope),
        (status = 413, description = "The body is larger than api.max_body_bytes, or holds more \
            messages than api.max_batch", body = ErrorEnvelope),
        doc::Unavailable, doc::Internal))]
pub async fn publish_batch(
    State(state): State<AppState>,
    JsonBytes(bytes): JsonBytes,
) -> Result<Response, ApiError> {
    let batch: BatchBody = parse_json(&bytes, ErrorCode::InvalidMessageData)?;
    let count = batch.messages.len();
    let limit = state.settings.max_batch;
    if count == 0 {
        return Err(ApiError::invalid_message(
            "messages is empty: a batch holds at least one message",
        ));
    }
    if count > limit {
        return Err(ApiError::new(
            ErrorCode::InvalidParameters,
            format!("a batch holds at most {limit} messages (api.max_batch); this one has {count}"),
        )
        .with_status(StatusCode::PAYLOAD_TOO_LARGE));
    }
    let mut results: Vec<Option<Outcome>> = (0..count).map(|_| None).collect();
    let mut valid = Vec::with_capacity(count);
    let mut sent = Vec::with_capacity(count);
    for (i, raw) in batch.messages.iter().enumerate() {
        let message = parse_part::<PublishBody>(raw.get().as_bytes())
            .map_err(|problem| ApiError::invalid_message(format!("invalid message: {problem}")))
            .and_then(|body| checked(body, &state.settings.allow_publish_to));
        match message {
            Ok(message) => {
                valid.push(message);
                sent.push(i);
            }
            Err(err) => results[i] = Some(err.into()),
        }
    }
    let answers = state.nats.publish_all(valid).await?;
    let (mut stored, mut duplicates) = (0, 0);
    for (i, answer) in sent.into_iter().zip(answers) {
        results[i] = Some(match answer {
            Ok(published) => {
                if published.duplicate {
                    duplicates += 1;
                } else {
                    stored += 1;
                }
                Outcome::Stored(published)
            }
            Err(err) => ApiError::from(err).into(),
        });
    }
    let counters = &state.counters;
    counters.published.fetch_add(stored, Ordering::Relaxed);
    counters.duplicates.fetch_add(duplicates, Ordering::Relaxed);
    let results: Vec<Outcome> = results.into_iter().flatten().collect();
    let failed = results
        .iter()
        .filter(|r| matches!(r, Outcome::Failed { .. }))
        .count();
    let (status, message) = if failed == 0 {
        (StatusCode::OK, format!("{count} messages published"))
    } else {
        (
            StatusCode::MULTI_STATUS,
            format!("{failed} of {count} messages failed; see data.results"),
        )
    };
    let mut response = ok(
        message,
        BatchAnswer {
            published: count - failed,
            failed,
            results,
        },
    );
    *response.status_mut() = status;
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(json: Value) -> PublishBody {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn strings_are_sent_raw_and_values_as_json() {
        let payload = |json| PublishBody::payload(body(json).message);
        let text = payload(json!({"subject": "a", "message": "Hello"}));
        assert_eq!(text.unwrap(), Bytes::from_static(b"Hello"));
        let object = payload(json!({"subject": "a", "message": {"x": 1}}));
        assert_eq!(object.unwrap(), Bytes::from_static(b"{\"x\":1}"));
        assert!(payload(json!({"subject": "a", "message": null})).is_err());
    }

    #[test]
    fn reserved_subjects_need_an_allowing_filter() {
        let allowed = ["$KV.settings.>".to_owned()];
        assert!(check_reserved("orders.new", &[]).is_ok());
        assert!(check_reserved("$KV.settings.colour", &allowed).is_ok());
        for refused in ["$JS.API.STREAM.DELETE.x", "$KV.other.k", "_INBOX.x"] {
            let err = check_reserved(refused, &allowed).unwrap_err();
            assert_eq!(
                err.code,
                super::super::ErrorCode::InvalidMessageData,
                "{refused}"
            );
            assert!(
                err.message.contains("api.allow_publish_to"),
                "{}",
                err.message
            );
        }
    }

    #[test]
    fn a_bad_header_is_invalid_message_data() {
        let bad = body(json!({"subject": "a", "message": "x", "headers": {"a b": "1"}}));
        let err = Publish::try_from(bad).unwrap_err();
        assert_eq!(err.code, super::super::ErrorCode::InvalidMessageData);
        assert_eq!(err.status, 400);
    }
}
