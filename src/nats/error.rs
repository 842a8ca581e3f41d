//! Why a NATS or JetStream operation did not succeed, in NATS's own terms. The REST API decides
//! what each means in HTTP (`api::error`); the console shows the message as it is.

use std::time::Duration;

use super::wire::Refusal;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NatsError {
    #[error("not connected to NATS; the client keeps retrying in the background")]
    NotConnected,
    #[error("connection to NATS lost while waiting for the answer")]
    ConnectionLost,
    #[error("JetStream is not enabled on the server (nothing answers on $JS.API)")]
    JetStreamUnavailable,
    #[error("JetStream did not answer within {0:?}")]
    TimedOut(Duration),
    #[error("stream '{0}' does not exist")]
    StreamNotFound(String),
    #[error("stream '{stream}' has no message at sequence {seq}")]
    MessageNotFound { stream: String, seq: u64 },
    #[error("no stream captures subject '{0}'")]
    NoStreamForSubject(String),
    #[error(
        "stream '{stream}' captures '{subject}' but did not accept the message within {waited:?} \
         (no stream leader?)"
    )]
    NoStreamLeader {
        stream: String,
        subject: String,
        waited: Duration,
    },
    #[error("stream '{0}' already exists")]
    StreamExists(String),
    /// Another stream already captures some of the subjects (found by us, or by JetStream when
    /// another creator won the race).
    #[error("{0}")]
    SubjectsTaken(String),
    /// The stream definition or name is at fault (by our rules, or JetStream's verdict).
    #[error("{0}")]
    InvalidStream(String),
    /// The message (subject, headers, size) is at fault.
    #[error("{0}")]
    InvalidMessage(String),
    /// JetStream refused to create a stream whose definition passed our checks.
    #[error("JetStream refused the request: {} (err_code {})", .0.description, .0.err_code)]
    CreateRefused(Refusal),
    /// Any other refusal of a JetStream API request.
    #[error("JetStream refused the request: {} (err_code {})", .0.description, .0.err_code)]
    Refused(Refusal),
    #[error(
        "no JetStream acknowledgement within {0:?}; the message may or may not be stored — retry \
         with the same msg_id to avoid a duplicate"
    )]
    AckTimedOut(Duration),
    #[error(
        "connection to NATS lost while waiting for the acknowledgement; the message may or may \
         not be stored — retry with the same msg_id to avoid a duplicate"
    )]
    AckLost,
    #[error("publish to '{subject}' failed: {reason}")]
    PublishFailed { subject: String, reason: String },
    /// JetStream answered without confirming the change.
    #[error("JetStream did not confirm {0}")]
    NotConfirmed(String),
    /// An answer we could not read, or a client failure with no better name.
    #[error("{0}")]
    Protocol(String),
}

impl NatsError {
    /// JetStream's `err_code`, when JetStream refused the request.
    pub fn err_code(&self) -> Option<u64> {
        match self {
            NatsError::Refused(body) | NatsError::CreateRefused(body) => Some(body.err_code),
            _ => None,
        }
    }
}
