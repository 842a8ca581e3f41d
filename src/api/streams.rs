//! Stream management and message reads.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use super::error::{ApiError, ErrorCode};
use super::extract::{JsonBody, QueryMap, StreamName};
use super::openapi::{self as doc, Success};
use super::{AppState, ok};
use crate::model::spec::StreamSpec;
use crate::model::stream::{StoredMessageView, StreamDetail, StreamView};
use crate::nats::{MessageSelector, messages::MAX_LAST, streams::checked_name};

/// `data` of `GET /api/v1/broker/streams`.
#[derive(Debug, Serialize, ToSchema)]
pub struct StreamList {
    pub count: usize,
    /// Sorted by name.
    pub streams: Vec<StreamView>,
}

/// `data` of `DELETE /api/v1/broker/streams/{name}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Deleted {
    pub name: String,
    pub deleted: bool,
}

/// `data` of `POST /api/v1/broker/streams/{name}/purge`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Purged {
    pub name: String,
    /// Messages removed.
    pub purged: u64,
}

/// `data` of `GET /api/v1/broker/streams/{name}/messages`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageList {
    pub stream: String,
    pub count: usize,
    pub messages: Vec<StoredMessageView>,
}

/// Every stream, sorted by name, with config and state.
#[utoipa::path(get, path = "/api/v1/broker/streams", tag = "streams",
    responses((status = 200, description = "Every stream", body = Success<StreamList>),
        doc::Guarded, doc::Unavailable, doc::Internal))]
pub async fn list(State(state): State<AppState>) -> Result<Response, ApiError> {
    let streams = state.nats.list_streams().await?;
    Ok(ok(
        counted(streams.len(), "stream"),
        StreamList {
            count: streams.len(),
            streams,
        },
    ))
}

/// One stream with its consumers and their lag.
#[utoipa::path(get, path = "/api/v1/broker/streams/{name}", tag = "streams", params(doc::Name),
    responses((status = 200, description = "The stream", body = Success<StreamDetail>),
        doc::BadRequest, doc::Guarded, doc::NotFound, doc::Unavailable, doc::Internal))]
pub async fn detail(
    State(state): State<AppState>,
    StreamName(name): StreamName,
) -> Result<Response, ApiError> {
    let detail = state.nats.stream_detail(&name).await?;
    Ok(ok(format!("Stream '{name}' retrieved"), detail))
}

/// Create a stream.
#[utoipa::path(post, path = "/api/v1/broker/streams", tag = "streams", request_body = StreamSpec,
    responses((status = 200, description = "Created", body = Success<StreamView>),
        doc::BadRequest, doc::Guarded, doc::Change, doc::Conflict, doc::Body, doc::Unavailable,
        doc::Internal))]
pub async fn create(
    State(state): State<AppState>,
    JsonBody(spec): JsonBody<StreamSpec>,
) -> Result<Response, ApiError> {
    let stream = state.nats.create_stream(&spec).await?;
    Ok(ok(format!("Stream '{}' created", spec.name), stream))
}

/// Delete a stream and its messages.
#[utoipa::path(delete, path = "/api/v1/broker/streams/{name}", tag = "streams", params(doc::Name),
    responses((status = 200, description = "Deleted", body = Success<Deleted>),
        doc::BadRequest, doc::Guarded, doc::Change, doc::NotFound, doc::Unavailable, doc::Internal))]
pub async fn delete(
    State(state): State<AppState>,
    StreamName(name): StreamName,
) -> Result<Response, ApiError> {
    state.nats.delete_stream(&name).await?;
    Ok(ok(
        format!("Stream '{name}' deleted"),
        Deleted {
            name,
            deleted: true,
        },
    ))
}

/// Remove every message of a stream; answers how many.
#[utoipa::path(post, path = "/api/v1/broker/streams/{name}/purge", tag = "streams",
    params(doc::Name),
    responses((status = 200, description = "Purged", body = Success<Purged>),
        doc::BadRequest, doc::Guarded, doc::Change, doc::NotFound, doc::Unavailable, doc::Internal))]
pub async fn purge(
    State(state): State<AppState>,
    StreamName(name): StreamName,
) -> Result<Response, ApiError> {
    let purged = state.nats.purge_stream(&name).await?;
    Ok(ok(
        format!("Stream '{name}' purged"),
        Purged { name, purged },
    ))
}

/// "1 stream", "0 streams", "2 streams".
fn counted(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

fn selector(query: &QueryMap) -> Result<MessageSelector, ApiError> {
    let QueryMap(params) = query;
    if let Some(unknown) = params.keys().find(|k| *k != "seq" && *k != "last") {
        return Err(ApiError::new(
            ErrorCode::InvalidParameters,
            format!("unknown query parameter '{unknown}'; use seq=N or last=K"),
        ));
    }
    let number = |key: &str, value: &str| {
        value.parse::<u64>().map_err(|_| {
            ApiError::new(
                ErrorCode::InvalidParameters,
                format!("{key} must be a positive whole number, got '{value}'"),
            )
        })
    };
    match (params.get("seq"), params.get("last")) {
        (Some(_), Some(_)) => Err(ApiError::new(
            ErrorCode::InvalidParameters,
            "give either seq or last, not both",
        )),
        (Some(seq), None) => match number("seq", seq)? {
            0 => Err(ApiError::new(
                ErrorCode::InvalidParameters,
                "seq must be 1 or more",
            )),
            seq => Ok(MessageSelector::Sequence(seq)),
        },
        (None, Some(last)) => match number("last", last)? {
            count @ 1..=MAX_LAST => Ok(MessageSelector::Last(count)),
            count => Err(ApiError::new(
                ErrorCode::InvalidParameters,
                format!("last must be between 1 and {MAX_LAST}, got {count}"),
            )),
        },
        (None, None) => Ok(MessageSelector::Last(10)),
    }
}

/// `GET /api/v1/broker/streams/{name}/messages?seq=N|last=K`: stored messages, not consumed.
#[utoipa::path(get, path = "/api/v1/broker/streams/{name}/messages", tag = "messages",
    params(doc::Name, doc::Selector),
    responses((status = 200, description = "Stored messages", body = Success<MessageList>),
        doc::BadRequest, doc::Guarded, doc::NotFound, doc::Unavailable, doc::Internal))]
pub async fn messages(
    State(state): State<AppState>,
    StreamName(name): StreamName,
    query: QueryMap,
) -> Result<Response, ApiError> {
    checked_name(&name).map_err(ApiError::from)?;
    let selector = selector(&query)?;
    let messages = state.nats.read_messages(&name, selector).await?;
    state
        .counters
        .consumed
        .fetch_add(messages.len() as u64, Ordering::Relaxed);
    Ok(ok(
        format!(
            "{} read from stream '{name}'",
            counted(messages.len(), "message")
        ),
        MessageList {
            count: messages.len(),
            stream: name,
            messages,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::counted;

    #[test]
    fn counts_agree_with_their_noun() {
        assert_eq!(counted(0, "stream"), "0 streams");
        assert_eq!(counted(1, "stream"), "1 stream");
        assert_eq!(counted(1, "message"), "1 message");
        assert_eq!(counted(10, "message"), "10 messages");
    }
}
