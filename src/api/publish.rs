//! `POST /api/v1/broker/publish`: the request body, how it becomes a [`Publish`], and the answer
//! given once JetStream has stored the message.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::response::Response;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::error::ApiError;
use super::extract::JsonBody;
use super::openapi::{self as doc, Success};
use super::{AppState, ok};
use crate::model::rules;
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
    /// The bytes to send: a string as its UTF-8, any other JSON value as its JSON text.
    fn payload(&self) -> Result<Bytes, ApiError> {
        match &self.message {
            None | Some(Value::Null) => Err(ApiError::invalid_message(
                "message is required (a string is sent as text, any other JSON value as JSON)",
            )),
            Some(Value::String(text)) => Ok(Bytes::from(text.clone().into_bytes())),
            Some(other) => Ok(Bytes::from(other.to_string().into_bytes())),
        }
    }
}

impl TryFrom<&PublishBody> for Publish {
    type Error = ApiError;

    fn try_from(body: &PublishBody) -> Result<Publish, ApiError> {
        let mut message = Publish::new(body.subject.clone(), body.payload()?)?;
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

/// Answers only after JetStream has stored the message.
#[utoipa::path(post, path = "/api/v1/broker/publish", tag = "messages", request_body = PublishBody,
    responses((status = 200, description = "Stored", body = Success<PublishAnswer>),
        doc::BadRequest, doc::Guarded, doc::Change, doc::NotFound, doc::Conflict, doc::Body,
        doc::Unavailable, doc::Internal))]
pub async fn publish(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<PublishBody>,
) -> Result<Response, ApiError> {
    let message = Publish::try_from(&body)?;
    check_reserved(message.subject(), &state.settings.allow_publish_to)?;
    let published = state.nats.publish(message).await?;
    if !published.duplicate {
        state.counters.published.fetch_add(1, Ordering::Relaxed);
    } else {
        state.counters.duplicates.fetch_add(1, Ordering::Relaxed);
    }
    Ok(ok(
        "Message published successfully",
        PublishAnswer {
            subject: body.subject,
            stream: published.stream,
            seq: published.seq,
            duplicate: published.duplicate,
        },
    ))
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
        let text = body(json!({"subject": "a", "message": "Hello"}));
        assert_eq!(text.payload().unwrap(), Bytes::from_static(b"Hello"));
        let object = body(json!({"subject": "a", "message": {"x": 1}}));
        assert_eq!(object.payload().unwrap(), Bytes::from_static(b"{\"x\":1}"));
        let null = body(json!({"subject": "a", "message": null}));
        assert!(null.payload().is_err());
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
        let err = Publish::try_from(&bad).unwrap_err();
        assert_eq!(err.code, super::super::ErrorCode::InvalidMessageData);
        assert_eq!(err.status, 400);
    }
}
