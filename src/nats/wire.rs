//! The JetStream API's JSON, as the server sends and takes it (`$JS.API.*`). Only the fields the
//! service reads are typed; the rest of a stream config is carried through untouched so an update
//! never drops settings someone else made.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WireStreamConfig {
    pub name: String,
    #[serde(default)]
    pub subjects: Vec<String>,
    #[serde(default)]
    pub retention: String,
    #[serde(default)]
    pub storage: String,
    #[serde(default)]
    pub discard: String,
    #[serde(default)]
    pub num_replicas: i64,
    #[serde(default)]
    pub max_msgs: i64,
    #[serde(default)]
    pub max_bytes: i64,
    /// Nanoseconds.
    #[serde(default)]
    pub max_age: i64,
    #[serde(default)]
    pub max_msg_size: i64,
    /// Nanoseconds.
    #[serde(default)]
    pub duplicate_window: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub allow_direct: bool,
    #[serde(flatten)]
    pub rest: Map<String, Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WireStreamState {
    #[serde(default)]
    pub messages: u64,
    #[serde(default)]
    pub bytes: u64,
    #[serde(default)]
    pub first_seq: u64,
    #[serde(default)]
    pub first_ts: Option<String>,
    #[serde(default)]
    pub last_seq: u64,
    #[serde(default)]
    pub last_ts: Option<String>,
    #[serde(default)]
    pub consumer_count: u64,
    #[serde(default)]
    pub num_deleted: u64,
    #[serde(default)]
    pub num_subjects: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WireStreamInfo {
    pub config: WireStreamConfig,
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub state: WireStreamState,
    #[serde(default)]
    pub cluster: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub struct StreamListPage {
    #[serde(default)]
    pub total: usize,
    #[serde(default)]
    pub streams: Option<Vec<WireStreamInfo>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SequencePair {
    #[serde(default)]
    pub consumer_seq: u64,
    #[serde(default)]
    pub stream_seq: u64,
    /// When the server last delivered (or saw an ack), RFC 3339; newer servers send it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_active: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WireConsumerInfo {
    pub name: String,
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub config: Value,
    #[serde(default)]
    pub delivered: SequencePair,
    #[serde(default)]
    pub ack_floor: SequencePair,
    #[serde(default)]
    pub num_ack_pending: u64,
    #[serde(default)]
    pub num_redelivered: u64,
    #[serde(default)]
    pub num_waiting: u64,
    #[serde(default)]
    pub num_pending: u64,
}

#[derive(Debug, Deserialize)]
pub struct ConsumerListPage {
    #[serde(default)]
    pub total: usize,
    #[serde(default)]
    pub consumers: Option<Vec<WireConsumerInfo>>,
}

#[derive(Debug, Deserialize)]
pub struct SuccessResponse {
    #[serde(default)]
    pub success: bool,
}

#[derive(Debug, Deserialize)]
pub struct PurgeResponse {
    #[serde(default)]
    pub success: bool,
    #[serde(default)]
    pub purged: u64,
}

#[derive(Debug, Deserialize)]
pub struct StoredMessageResponse {
    pub message: StoredMessage,
}

/// A message as `STREAM.MSG.GET` returns it: headers and data base64-encoded.
#[derive(Debug, Clone, Deserialize)]
pub struct StoredMessage {
    pub subject: String,
    pub seq: u64,
    #[serde(default)]
    pub hdrs: Option<String>,
    #[serde(default)]
    pub data: Option<String>,
    #[serde(default)]
    pub time: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AccountLimits {
    #[serde(default)]
    pub max_memory: i64,
    #[serde(default)]
    pub max_storage: i64,
    #[serde(default)]
    pub max_streams: i64,
    #[serde(default)]
    pub max_consumers: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ApiCounters {
    #[serde(default)]
    pub total: u64,
    #[serde(default)]
    pub errors: u64,
}

/// `$JS.API.INFO`: this account's JetStream usage and limits.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AccountInfo {
    #[serde(default)]
    pub memory: u64,
    #[serde(default)]
    pub storage: u64,
    #[serde(default)]
    pub streams: u64,
    #[serde(default)]
    pub consumers: u64,
    #[serde(default)]
    pub limits: AccountLimits,
    #[serde(default)]
    pub api: ApiCounters,
}

/// The error object of a failed JetStream API call.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Refusal {
    #[serde(default)]
    pub code: u16,
    #[serde(default)]
    pub err_code: u64,
    #[serde(default)]
    pub description: String,
}

/// JetStream error codes the service reacts to (`err_code` in API errors).
pub mod codes {
    pub const INSUFFICIENT_RESOURCES: u64 = 10023;
    pub const MEMORY_RESOURCES_EXCEEDED: u64 = 10028;
    pub const NO_MESSAGE_FOUND: u64 = 10037;
    pub const JETSTREAM_NOT_ENABLED_FOR_ACCOUNT: u64 = 10039;
    pub const STORAGE_RESOURCES_EXCEEDED: u64 = 10047;
    pub const STREAM_INVALID_CONFIG: u64 = 10052;
    pub const STREAM_LIMITS: u64 = 10053;
    pub const STREAM_MESSAGE_EXCEEDS_MAXIMUM: u64 = 10054;
    pub const STREAM_NAME_EXISTS: u64 = 10058;
    pub const STREAM_NOT_FOUND: u64 = 10059;
    pub const STREAM_NOT_MATCH: u64 = 10060;
    pub const STREAM_SEQUENCE_NOT_MATCH: u64 = 10063;
    pub const STREAM_SUBJECT_OVERLAP: u64 = 10065;
    pub const STREAM_WRONG_LAST_MSG_ID: u64 = 10070;
    pub const STREAM_WRONG_LAST_SEQUENCE: u64 = 10071;
    pub const STREAM_REPLICAS_NOT_SUPPORTED: u64 = 10074;
    pub const JETSTREAM_NOT_ENABLED: u64 = 10076;
    pub const STREAM_STORE_FAILED: u64 = 10077;
    pub const STREAM_HEADER_EXCEEDS_MAXIMUM: u64 = 10097;
    pub const STREAM_SEALED: u64 = 10109;
    pub const STREAM_MAX_BYTES_REQUIRED: u64 = 10113;
}
