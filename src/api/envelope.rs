//! The spec's response envelope, used by every response the API sends.

use super::error::ErrorCode;
use crate::timestamp::now_timestamp;
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Success,
    Error,
}

/// `data` is any serializable answer, written straight into the body (no intermediate `Value`).
#[derive(Debug, Clone, Serialize)]
pub struct Envelope<T = Value> {
    pub status: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<ErrorCode>,
    pub message: String,
    pub data: T,
    pub timestamp: String,
}

impl<T> Envelope<T> {
    pub fn success(message: impl Into<String>, data: T) -> Self {
        Envelope {
            status: Outcome::Success,
            error_code: None,
            message: message.into(),
            data,
            timestamp: now_timestamp(),
        }
    }
}

impl Envelope {
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Self {
        Envelope {
            status: Outcome::Error,
            error_code: Some(code),
            message: message.into(),
            data: Value::Null,
            timestamp: now_timestamp(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_envelope_has_null_data_and_code() {
        let json = serde_json::to_value(Envelope::error(ErrorCode::StreamNotFound, "x")).unwrap();
        assert_eq!(json["status"], "error");
        assert_eq!(json["error_code"], "STREAM_NOT_FOUND");
        assert!(json["data"].is_null());
        let ok = serde_json::to_value(Envelope::success("y", serde_json::json!({}))).unwrap();
        assert!(ok.get("error_code").is_none());
    }
}
