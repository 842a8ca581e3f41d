//! Streams, consumers and stored messages as the API returns them and the console shows them:
//! configuration in the spec's terms (seconds, `-1` for unlimited), state as JetStream reports it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A stream: its configuration and its state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamView {
    pub name: String,
    pub created: Option<String>,
    pub config: StreamConfigView,
    pub state: StreamStateView,
    /// Where its replicas are, for a stream in a cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<StreamCluster>,
    /// The stream it mirrors, and how far behind it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror: Option<SourceView>,
    /// The streams it sources from, and how far behind each is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceView>,
}

impl StreamView {
    /// Replicas that are not keeping up: offline, or not current with the leader.
    pub fn replicas_behind(&self) -> usize {
        self.cluster
            .as_ref()
            .map_or(0, |c| c.replicas.iter().filter(|r| r.behind()).count())
    }
}

/// A clustered stream's group: its leader, and every other replica as the leader sees it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamCluster {
    /// The cluster's name.
    pub name: String,
    /// The server leading the stream; none during an election.
    pub leader: Option<String>,
    /// The replicas besides the leader.
    #[serde(default)]
    pub replicas: Vec<ReplicaView>,
}

/// One replica of a clustered stream.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplicaView {
    /// The server holding it.
    pub name: String,
    /// Caught up with the leader.
    #[serde(default)]
    pub current: bool,
    /// Its server cannot be reached.
    #[serde(default)]
    pub offline: bool,
    /// Seconds since the leader last heard from it.
    #[serde(default)]
    pub active: f64,
    /// Operations it is behind the leader.
    #[serde(default)]
    pub lag: u64,
}

impl ReplicaView {
    pub fn behind(&self) -> bool {
        self.offline || !self.current
    }
}

/// A stream a mirror or source copies from, and how far behind the copy is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SourceView {
    /// The origin stream.
    pub name: String,
    /// Messages the copy is behind its origin.
    pub lag: u64,
    /// Seconds since a message last came from it; none when none ever has.
    pub active: Option<f64>,
    /// The origin's JetStream API prefix, when it is in another account or domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<String>,
    /// Why copying fails, when it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamConfigView {
    pub subjects: Vec<String>,
    pub retention: String,
    pub storage: String,
    pub replicas: i64,
    pub discard: String,
    /// `-1` means unlimited, as JetStream reports it.
    pub max_msgs: i64,
    pub max_bytes: i64,
    pub max_msg_size: i64,
    /// Seconds; 0 means unlimited.
    pub max_age: f64,
    /// Seconds.
    pub duplicate_window: f64,
    pub description: Option<String>,
    pub allow_direct: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamStateView {
    pub messages: u64,
    pub bytes: u64,
    pub first_seq: u64,
    pub last_seq: u64,
    pub first_ts: Option<String>,
    pub last_ts: Option<String>,
    pub consumer_count: u64,
    pub deleted: u64,
    pub subjects: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsumerView {
    pub name: String,
    pub created: Option<String>,
    pub durable: bool,
    pub filter_subject: Option<String>,
    pub ack_policy: Option<String>,
    pub deliver_policy: Option<String>,
    pub delivered_stream_seq: u64,
    pub ack_floor_stream_seq: u64,
    pub num_pending: u64,
    pub num_ack_pending: u64,
    pub num_redelivered: u64,
    pub num_waiting: u64,
}

/// A stream with its consumers and their lag.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamDetail {
    #[serde(flatten)]
    pub stream: StreamView,
    pub consumers: Vec<ConsumerView>,
}

/// JetStream's acknowledgement of a stored message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Published {
    pub stream: String,
    pub seq: u64,
    pub duplicate: bool,
}

/// How a stored message's payload is given: as the JSON it holds, as UTF-8 text, or base64 for
/// anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    Json,
    Text,
    Base64,
}

/// A stored message, read without consuming it, its payload decoded as far as it will go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredMessageView {
    pub stream: String,
    pub subject: String,
    pub seq: u64,
    pub time: Option<String>,
    pub headers: BTreeMap<String, Vec<String>>,
    pub encoding: Encoding,
    pub payload: Value,
    pub size: usize,
}
