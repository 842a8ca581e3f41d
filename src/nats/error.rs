//! Why a NATS or JetStream operation did not succeed, in NATS's own terms. The REST API decides
//! what each means in HTTP (`api::error`); the console shows the message as it is.

use std::time::Duration;

use super::wire::{Refusal, codes};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NatsError {
    #[error("not connected to NATS; the client keeps retrying in the background")]
    NotConnected,
    #[error("connection to NATS lost while waiting for the answer")]
    ConnectionLost,
    #[error(
        "the NATS server is connected but not answering (stalled); requests fail fast until it \
         answers again"
    )]
    Stalled,
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
    /// The stream refused the message for what it is now: an expectation header that does not
    /// hold (`Nats-Expected-Last-Sequence` …), a full stream that discards new messages, a sealed
    /// stream.
    #[error("{0}")]
    PublishConflict(String),
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
        "connection to NATS lost, or the server stopped answering, while waiting for the \
         acknowledgement; the message may or may not be stored — retry with the same msg_id to \
         avoid a duplicate"
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
    /// JetStream's refusal of a stream definition: the caller's to fix when the definition itself
    /// is the cause (a limit below the server's minimum, more storage than it has, replicas
    /// beyond the cluster), the broker's otherwise.
    pub(super) fn refused_stream(name: &str, refusal: Refusal) -> NatsError {
        match refusal.err_code {
            codes::STREAM_NAME_EXISTS => NatsError::StreamExists(name.to_owned()),
            codes::STREAM_SUBJECT_OVERLAP => NatsError::SubjectsTaken(format!(
                "JetStream refused the stream: {}",
                says(&refusal)
            )),
            codes::STREAM_INVALID_CONFIG
            | codes::STREAM_LIMITS
            | codes::STREAM_REPLICAS_NOT_SUPPORTED
            | codes::STREAM_MAX_BYTES_REQUIRED
            | codes::INSUFFICIENT_RESOURCES
            | codes::MEMORY_RESOURCES_EXCEEDED
            | codes::STORAGE_RESOURCES_EXCEEDED => NatsError::InvalidStream(format!(
                "JetStream refused the stream: {}",
                says(&refusal)
            )),
            _ if refusal.code == 400 => NatsError::InvalidStream(format!(
                "JetStream refused the stream: {}",
                says(&refusal)
            )),
            _ => NatsError::CreateRefused(refusal),
        }
    }

    /// JetStream's refusal of a message of `size` bytes (with headers) published to `subject`.
    pub(super) fn refused_message(subject: &str, size: usize, refusal: Refusal) -> NatsError {
        let stream_full = refusal.err_code == codes::STREAM_STORE_FAILED
            && refusal.description.starts_with("maximum");
        match refusal.err_code {
            codes::STREAM_NOT_MATCH
            | codes::STREAM_SEQUENCE_NOT_MATCH
            | codes::STREAM_WRONG_LAST_MSG_ID
            | codes::STREAM_WRONG_LAST_SEQUENCE => NatsError::PublishConflict(format!(
                "the message's expectation does not hold: {}",
                says(&refusal)
            )),
            codes::STREAM_SEALED => NatsError::PublishConflict(format!(
                "the stream capturing '{subject}' is sealed: {}",
                says(&refusal)
            )),
            _ if stream_full => NatsError::PublishConflict(format!(
                "the stream capturing '{subject}' is full and discards new messages: {}",
                says(&refusal)
            )),
            codes::STREAM_MESSAGE_EXCEEDS_MAXIMUM => NatsError::InvalidMessage(format!(
                "message is {size} bytes with headers; that is more than the max_msg_size of the \
                 stream capturing '{subject}': {}",
                says(&refusal)
            )),
            codes::STREAM_HEADER_EXCEEDS_MAXIMUM => NatsError::InvalidMessage(format!(
                "JetStream refused the message: {}",
                says(&refusal)
            )),
            _ if refusal.code == 400 => NatsError::InvalidMessage(format!(
                "JetStream refused the message: {}",
                says(&refusal)
            )),
            _ => NatsError::PublishFailed {
                subject: subject.to_owned(),
                reason: says(&refusal),
            },
        }
    }

    /// JetStream's `err_code`, when JetStream refused the request.
    pub fn err_code(&self) -> Option<u64> {
        match self {
            NatsError::Refused(body) | NatsError::CreateRefused(body) => Some(body.err_code),
            _ => None,
        }
    }
}

/// A refusal as the operator reads it: JetStream's words and its code to look up.
fn says(refusal: &Refusal) -> String {
    format!(
        "{} (JetStream err_code {})",
        refusal.description, refusal.err_code
    )
}
