//! The error table of the API contract: every `error_code` the service can answer with, its
//! meaning and its default HTTP status. Nothing else in the crate spells a code.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::envelope::Envelope;

/// The spec's error codes, exactly as its table lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    NatsConnectionError,
    NatsServerError,
    StreamNotFound,
    StreamCreationError,
    MessagePublishError,
    InvalidStreamData,
    InvalidMessageData,
    JetstreamError,
    InvalidParameters,
    ServiceUnavailable,
    InternalError,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 11] = [
        ErrorCode::NatsConnectionError,
        ErrorCode::NatsServerError,
        ErrorCode::StreamNotFound,
        ErrorCode::StreamCreationError,
        ErrorCode::MessagePublishError,
        ErrorCode::InvalidStreamData,
        ErrorCode::InvalidMessageData,
        ErrorCode::JetstreamError,
        ErrorCode::InvalidParameters,
        ErrorCode::ServiceUnavailable,
        ErrorCode::InternalError,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NatsConnectionError => "NATS_CONNECTION_ERROR",
            ErrorCode::NatsServerError => "NATS_SERVER_ERROR",
            ErrorCode::StreamNotFound => "STREAM_NOT_FOUND",
            ErrorCode::StreamCreationError => "STREAM_CREATION_ERROR",
            ErrorCode::MessagePublishError => "MESSAGE_PUBLISH_ERROR",
            ErrorCode::InvalidStreamData => "INVALID_STREAM_DATA",
            ErrorCode::InvalidMessageData => "INVALID_MESSAGE_DATA",
            ErrorCode::JetstreamError => "JETSTREAM_ERROR",
            ErrorCode::InvalidParameters => "INVALID_PARAMETERS",
            ErrorCode::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            ErrorCode::InternalError => "INTERNAL_ERROR",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            ErrorCode::NatsConnectionError => "NATS connection failed",
            ErrorCode::NatsServerError => "NATS server error",
            ErrorCode::StreamNotFound => "stream does not exist",
            ErrorCode::StreamCreationError => "stream creation failed",
            ErrorCode::MessagePublishError => "message publish failed",
            ErrorCode::InvalidStreamData => "invalid stream data",
            ErrorCode::InvalidMessageData => "invalid message data",
            ErrorCode::JetstreamError => "JetStream error",
            ErrorCode::InvalidParameters => "invalid parameters",
            ErrorCode::ServiceUnavailable => "service unavailable",
            ErrorCode::InternalError => "internal error",
        }
    }

    /// The status an error with this code answers with unless the situation calls for another
    /// (a stream-creation failure that is not a conflict is a 500, an unknown route a 404).
    pub fn default_status(self) -> StatusCode {
        match self {
            ErrorCode::InvalidStreamData
            | ErrorCode::InvalidMessageData
            | ErrorCode::InvalidParameters => StatusCode::BAD_REQUEST,
            ErrorCode::StreamNotFound => StatusCode::NOT_FOUND,
            ErrorCode::StreamCreationError => StatusCode::CONFLICT,
            ErrorCode::NatsConnectionError | ErrorCode::ServiceUnavailable => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ErrorCode::NatsServerError
            | ErrorCode::MessagePublishError
            | ErrorCode::JetstreamError
            | ErrorCode::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error as the API answers it: a code from the table, the HTTP status and a message written
/// for the caller. Internal detail is logged where the error is made, not put here.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            status: code.default_status(),
            message: message.into(),
        }
    }

    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub fn invalid_stream(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidStreamData, message)
    }

    pub fn invalid_message(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidMessageData, message)
    }

    pub fn stream_not_found(name: &str) -> Self {
        Self::new(
            ErrorCode::StreamNotFound,
            format!("stream '{name}' does not exist"),
        )
    }

    pub fn nats_down() -> Self {
        Self::new(
            ErrorCode::NatsConnectionError,
            "not connected to NATS; the service keeps retrying in the background",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Envelope::error(self.code, self.message);
        let mut response = axum::Json(body).into_response();
        *response.status_mut() = self.status;
        response.extensions_mut().insert(self.code);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_their_table_spelling() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, serde_json::Value::String(code.as_str().to_owned()));
        }
    }

    #[test]
    fn status_mapping_follows_the_spec() {
        assert_eq!(ErrorCode::InvalidStreamData.default_status(), 400);
        assert_eq!(ErrorCode::StreamNotFound.default_status(), 404);
        assert_eq!(ErrorCode::StreamCreationError.default_status(), 409);
        assert_eq!(ErrorCode::InternalError.default_status(), 500);
        assert_eq!(ErrorCode::NatsConnectionError.default_status(), 503);
    }
}
