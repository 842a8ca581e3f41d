//! Stream management and message reads.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::error::{ApiError, ErrorCode};
use super::extract::{JsonBody, QueryMap, StreamName};
use super::{AppState, ok};
use crate::model::spec::StreamSpec;
use crate::nats::{MessageSelector, messages::MAX_LAST, streams::checked_name};

pub async fn list(State(state): State<AppState>) -> Result<Response, ApiError> {
    let streams = state.nats.list_streams().await?;
    Ok(ok(
        format!("{} streams", streams.len()),
        json!({ "count": streams.len(), "streams": streams }),
    ))
}

pub async fn detail(
    State(state): State<AppState>,
    StreamName(name): StreamName,
) -> Result<Response, ApiError> {
    let detail = state.nats.stream_detail(&name).await?;
    Ok(ok(format!("Stream '{name}' retrieved"), detail))
}

pub async fn create(
    State(state): State<AppState>,
    JsonBody(spec): JsonBody<StreamSpec>,
) -> Result<Response, ApiError> {
    let stream = state.nats.create_stream(&spec).await?;
    Ok(ok(format!("Stream '{}' created", spec.name), stream))
}

pub async fn delete(
    State(state): State<AppState>,
    StreamName(name): StreamName,
) -> Result<Response, ApiError> {
    state.nats.delete_stream(&name).await?;
    Ok(ok(
        format!("Stream '{name}' deleted"),
        json!({ "name": name, "deleted": true }),
    ))
}

pub async fn purge(
    State(state): State<AppState>,
    StreamName(name): StreamName,
) -> Result<Response, ApiError> {
    let purged = state.nats.purge_stream(&name).await?;
    Ok(ok(
        format!("Stream '{name}' purged"),
        json!({ "name": name, "purged": purged }),
    ))
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
        format!("{} messages read from stream '{name}'", messages.len()),
        json!({ "stream": name, "count": messages.len(), "messages": messages }),
    ))
}
