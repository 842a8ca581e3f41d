//! The error table of the API contract: every `error_code` the service can answer with, its
//! meaning and its HTTP status — and the one place that decides what a NATS failure means in
//! HTTP. Nothing else in the crate spells a code or picks an error status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use strum::{IntoStaticStr, VariantArray};

use super::envelope::Envelope;
use crate::nats::NatsError;

/// The spec's error codes, exactly as its table lists them.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    IntoStaticStr,
    VariantArray,
    strum::Display,
    utoipa::ToSchema,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
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
    Unauthorized,
    Forbidden,
    ReadOnly,
}

impl ErrorCode {
    pub const ALL: &'static [ErrorCode] = ErrorCode::VARIANTS;

    pub fn as_str(self) -> &'static str {
        self.into()
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
            ErrorCode::Unauthorized => "a valid bearer token is required",
            ErrorCode::Forbidden => "not allowed for this caller",
            ErrorCode::ReadOnly => "the service is read-only",
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
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden | ErrorCode::ReadOnly => StatusCode::FORBIDDEN,
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

    pub fn invalid_message(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidMessageData, message)
    }
}

impl From<NatsError> for ApiError {
    fn from(err: NatsError) -> Self {
        use ErrorCode as C;
        use StatusCode as S;
        let (code, status) = match &err {
            NatsError::NotConnected
            | NatsError::ConnectionLost
            | NatsError::Stalled
            | NatsError::AckLost => (C::NatsConnectionError, S::SERVICE_UNAVAILABLE),
            NatsError::JetStreamUnavailable
            | NatsError::TimedOut(_)
            | NatsError::NoStreamLeader { .. } => (C::JetstreamError, S::SERVICE_UNAVAILABLE),
            NatsError::StreamNotFound(_)
            | NatsError::MessageNotFound { .. }
            | NatsError::NoStreamForSubject(_) => (C::StreamNotFound, S::NOT_FOUND),
            NatsError::StreamExists(_) | NatsError::SubjectsTaken(_) => {
                (C::StreamCreationError, S::CONFLICT)
            }
            NatsError::InvalidStream(_) => (C::InvalidStreamData, S::BAD_REQUEST),
            NatsError::InvalidMessage(_) => (C::InvalidMessageData, S::BAD_REQUEST),
            NatsError::PublishConflict(_) => (C::MessagePublishError, S::CONFLICT),
            NatsError::CreateRefused(_) => (C::StreamCreationError, S::INTERNAL_SERVER_ERROR),
            NatsError::Refused(_) | NatsError::NotConfirmed(_) => {
                (C::JetstreamError, S::INTERNAL_SERVER_ERROR)
            }
            NatsError::AckTimedOut(_) => (C::MessagePublishError, S::SERVICE_UNAVAILABLE),
            NatsError::PublishFailed { .. } => (C::MessagePublishError, S::INTERNAL_SERVER_ERROR),
            NatsError::Protocol(_) => (C::NatsServerError, S::INTERNAL_SERVER_ERROR),
        };
        ApiError::new(code, err.to_string()).with_status(status)
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
            assert_eq!(code.to_string(), code.as_str());
        }
        assert_eq!(ErrorCode::JetstreamError.as_str(), "JETSTREAM_ERROR");
        assert_eq!(ErrorCode::ALL.len(), 14);
    }

    #[test]
    fn status_mapping_follows_the_spec() {
        assert_eq!(ErrorCode::InvalidStreamData.default_status(), 400);
        assert_eq!(ErrorCode::StreamNotFound.default_status(), 404);
        assert_eq!(ErrorCode::StreamCreationError.default_status(), 409);
        assert_eq!(ErrorCode::InternalError.default_status(), 500);
        assert_eq!(ErrorCode::NatsConnectionError.default_status(), 503);
    }

    #[test]
    fn nats_failures_map_to_the_table() {
        let cases = [
            (NatsError::NotConnected, 503, ErrorCode::NatsConnectionError),
            (
                NatsError::StreamNotFound("a".into()),
                404,
                ErrorCode::StreamNotFound,
            ),
            (
                NatsError::StreamExists("a".into()),
                409,
                ErrorCode::StreamCreationError,
            ),
            (
                NatsError::InvalidMessage("x".into()),
                400,
                ErrorCode::InvalidMessageData,
            ),
            (
                NatsError::AckTimedOut(std::time::Duration::from_secs(1)),
                503,
                ErrorCode::MessagePublishError,
            ),
        ];
        for (err, status, code) in cases {
            let api = ApiError::from(err.clone());
            assert_eq!((api.status.as_u16(), api.code), (status, code), "{err}");
            assert_eq!(api.message, err.to_string());
        }
    }
}
