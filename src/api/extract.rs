//! Extractors whose rejections are the API's own envelope, so bad JSON, a wrong content type, an
//! oversized body or a malformed path answer like every other error.

use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use bytes::Bytes;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

use super::error::{ApiError, ErrorCode};
use super::publish::PublishBody;
use crate::model::spec::StreamSpec;

/// A request body type and the error code its invalid contents answer with.
pub trait BodyContract: DeserializeOwned {
    const INVALID: ErrorCode;
}

impl BodyContract for StreamSpec {
    const INVALID: ErrorCode = ErrorCode::InvalidStreamData;
}

impl BodyContract for PublishBody {
    const INVALID: ErrorCode = ErrorCode::InvalidMessageData;
}

/// A JSON body, checked for content type and parsed with the path of any bad field.
pub struct JsonBody<T>(pub T);

fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mime = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

impl<S: Send + Sync, T: BodyContract> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let JsonBytes(bytes) = JsonBytes::from_request(req, state).await?;
        parse_json(&bytes, T::INVALID).map(JsonBody)
    }
}

/// A JSON body's bytes, checked for content type, for a handler that parses them itself (into
/// a type that borrows from them).
pub struct JsonBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for JsonBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers()) {
            let got = req
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("none");
            return Err(ApiError::new(
                ErrorCode::InvalidParameters,
                format!("Content-Type must be application/json (got {got})"),
            ));
        }
        Bytes::from_request(req, state)
            .await
            .map(JsonBytes)
            .map_err(body_rejection)
    }
}

fn body_rejection(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            ErrorCode::InvalidParameters,
            "request body is larger than the limit (api.max_body_bytes)",
        )
        .with_status(StatusCode::PAYLOAD_TOO_LARGE)
    } else {
        ApiError::new(
            ErrorCode::InvalidParameters,
            format!("could not read the request body: {}", rejection.body_text()),
        )
    }
}

/// Parses a whole JSON body; what is wrong with it, and where, is an `invalid` error.
pub fn parse_json<'de, T: Deserialize<'de>>(
    bytes: &'de [u8],
    invalid: ErrorCode,
) -> Result<T, ApiError> {
    parse_part(bytes)
        .map_err(|problem| ApiError::new(invalid, format!("invalid JSON body: {problem}")))
}

/// Parses JSON text; what is wrong with it, with the path of the bad field, worded for a
/// message. The path is tracked only once parsing has failed: tracking it costs time on every
/// body, and almost every body is good.
pub fn parse_part<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<T, String> {
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if path == "." {
            inner.to_string()
        } else {
            format!("{path}: {inner}")
        }
    })?;
    deserializer.end().map_err(|e| e.to_string())?;
    Ok(value)
}

/// The `{name}` segment of a stream route.
pub struct StreamName(pub String);

impl<S: Send + Sync> FromRequestParts<S> for StreamName {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(name) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| {
                ApiError::new(
                    ErrorCode::InvalidParameters,
                    format!("invalid stream name in path: {}", rejection.body_text()),
                )
            })?;
        Ok(StreamName(name))
    }
}

/// Query parameters as a plain map; anything malformed is an `INVALID_PARAMETERS` envelope.
pub struct QueryMap(pub BTreeMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for QueryMap {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Query(map) = Query::<BTreeMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| {
                ApiError::new(
                    ErrorCode::InvalidParameters,
                    format!("invalid query string: {}", rejection.body_text()),
                )
            })?;
        Ok(QueryMap(map))
    }
}
