//! The spec's response envelope, used by every response the API sends.

use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;

use crate::error::ErrorCode;

const RFC3339_MILLIS: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// UTC time as RFC 3339 with milliseconds and a `Z`, as the spec's examples show it.
pub fn format_timestamp(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(RFC3339_MILLIS)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_owned())
}

pub fn now_timestamp() -> String {
    format_timestamp(OffsetDateTime::now_utc())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Success,
    Error,
}

#[derive(Debug, Clone, Serialize)]
pub struct Envelope {
    pub status: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<ErrorCode>,
    pub message: String,
    pub data: Value,
    pub timestamp: String,
}

impl Envelope {
    pub fn success(message: impl Into<String>, data: Value) -> Self {
        Envelope {
            status: Outcome::Success,
            error_code: None,
            message: message.into(),
            data,
            timestamp: now_timestamp(),
        }
    }

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
    fn timestamp_has_millis_and_z() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_751_175_164_123_456_789).unwrap();
        assert_eq!(format_timestamp(at), "2025-06-29T05:32:44.123Z");
    }

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
