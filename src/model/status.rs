//! The broker's status, section by section, as `/api/v1/broker/status` serves it and the
//! console's panes draw it. Each section is built by one function in the service (`status`), from
//! the NATS client, the monitoring endpoints, `$SYS` pings or the supervisor; a section that could
//! not be read is an error with its reason, never zeros.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The client connection's state.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumIter,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum LinkState {
    /// Never connected yet; the first attempts are under way.
    #[default]
    Connecting,
    Connected,
    /// Connected, but the server has stopped answering (frozen, overloaded, cut off): requests
    /// fail fast until it answers again.
    Stalled,
    /// Was connected, lost the server, retrying.
    Reconnecting,
    /// The client gave up or was closed; nothing more will happen.
    Disconnected,
}

/// The NATS client's own view of its connection; always available.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientStatus {
    pub url: String,
    pub state: LinkState,
    /// RFC 3339 time the state began.
    pub since: String,
    pub seconds_in_state: f64,
    pub rtt_ms: Option<f64>,
    pub connects: u64,
    pub reconnects: u64,
    pub disconnects: u64,
    pub failed_attempts: u64,
    pub connection_errors: u64,
    pub slow_consumers: u64,
    /// Times the server stopped answering while connected.
    pub stalls: u64,
    pub last_error: Option<String>,
    pub server_id: Option<String>,
    pub server_name: Option<String>,
    pub server_version: Option<String>,
    pub max_payload: Option<usize>,
}

impl ClientStatus {
    pub fn connected(&self) -> bool {
        self.state == LinkState::Connected
    }
}

/// The monitored server (`/varz`). Counters are totals since the server started.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServerStatus {
    /// Where the figures come from.
    pub source: String,
    pub id: String,
    pub name: String,
    pub version: String,
    pub uptime: String,
    pub start: String,
    /// The cluster the server belongs to, when it is in one.
    pub cluster: Option<String>,
    pub cpu: f64,
    pub mem: u64,
    pub connections: u64,
    pub total_connections: u64,
    pub subscriptions: u64,
    pub routes: u64,
    pub in_msgs: u64,
    pub out_msgs: u64,
    pub in_bytes: u64,
    pub out_bytes: u64,
    pub slow_consumers: u64,
}

/// JetStream usage and limits: from `/jsz` when the monitoring port answers, else this account's
/// view over NATS (`$JS.API.INFO`), which has no message or byte totals.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JetStreamStatus {
    pub source: String,
    /// Why `/jsz` was not used, when the account view stands in for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring_error: Option<String>,
    pub streams: u64,
    pub consumers: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    pub memory: u64,
    pub storage: u64,
    /// Limits; zero or negative is unlimited.
    pub max_memory: i64,
    pub max_storage: i64,
    pub api_total: u64,
    pub api_errors: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_inflight: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta_leader: Option<String>,
}

/// A route from the monitored server to another cluster node (`/routez`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Route {
    pub rid: u64,
    pub remote_id: String,
    pub remote_name: String,
    pub ip: String,
    pub port: u64,
    pub rtt: String,
    pub in_msgs: u64,
    pub out_msgs: u64,
    pub pending_size: u64,
}

/// The monitored server's cluster (`/varz`, `/routez`, `/jsz`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClusterStatus {
    pub name: Option<String>,
    pub num_routes: u64,
    pub routes: Vec<Route>,
    pub meta_leader: Option<String>,
    pub meta_cluster_size: Option<u64>,
}

/// One node of the deployment as the console's cluster pane and the health checks list it: seen
/// through `$SYS` pings, its own monitoring port (supervised nodes), or a route of the monitored
/// server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClusterNode {
    pub name: String,
    pub up: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitor_url: Option<String>,
    pub version: Option<String>,
    /// The distinct servers this one has routes to.
    pub peers: Vec<String>,
    /// Route connections (newer servers pool several per peer).
    pub routes: Option<u64>,
    pub meta_leader: Option<String>,
    /// Entries of the JetStream meta log this node is behind the leader, and whether the leader
    /// counts it as current (from the leader's view of its replicas).
    pub lag: Option<u64>,
    pub current: Option<bool>,
    /// Supervisor state and restarts, when this process runs the node.
    pub supervisor_state: Option<String>,
    pub restarts: Option<u64>,
    pub error: Option<String>,
    /// Its load and JetStream use, when the node was asked (its `/varz` and `/jsz`, or their
    /// `$SYS` answers); not for peers only seen through a route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<NodeUsage>,
}

/// One server's load and JetStream use: what `nats server report jetstream` shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NodeUsage {
    /// Percent of one core.
    pub cpu: f64,
    /// Resident memory, bytes.
    pub mem: u64,
    pub connections: u64,
    pub subscriptions: u64,
    pub slow_consumers: u64,
    /// Its JetStream figures, when it runs JetStream.
    pub jetstream: Option<NodeJetStream>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NodeJetStream {
    pub memory: u64,
    pub storage: u64,
    /// Limits; zero or negative is unlimited.
    pub max_memory: i64,
    pub max_storage: i64,
    pub streams: u64,
    pub consumers: u64,
    pub messages: u64,
    pub bytes: u64,
    pub api_total: u64,
    pub api_errors: u64,
}

/// Request statistics of a `--serve` instance (`api` in `/api/v1/broker/status`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiStatsSnapshot {
    pub requests: u64,
    /// `1xx` … `5xx` to counts.
    pub responses_by_class: BTreeMap<String, u64>,
    /// `error_code` to count, codes that occurred only.
    pub errors_by_code: BTreeMap<String, u64>,
    pub errors: u64,
    pub latency_ms: Latency,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Latency {
    pub p50: Option<f64>,
    pub p99: Option<f64>,
}

/// A section of the status that may not be available: `{"available": true, …fields}` or
/// `{"available": false, "error": "…"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section<T> {
    pub available: bool,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub value: Option<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl<T> From<Result<T, String>> for Section<T> {
    fn from(result: Result<T, String>) -> Self {
        match result {
            Ok(value) => Section {
                available: true,
                value: Some(value),
                error: None,
            },
            Err(error) => Section {
                available: false,
                value: None,
                error: Some(error),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_says_whether_it_is_available() {
        let ok: Section<ClusterStatus> = Ok(ClusterStatus::default()).into();
        let json = serde_json::to_value(&ok).unwrap();
        assert_eq!(json["available"], true);
        assert_eq!(json["num_routes"], 0);
        assert!(json.get("error").is_none());
        let down: Section<ClusterStatus> = Err("refused".to_owned()).into();
        let json = serde_json::to_value(&down).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"available": false, "error": "refused"})
        );
    }

    #[test]
    fn link_states_read_as_words() {
        assert_eq!(LinkState::Reconnecting.to_string(), "reconnecting");
        assert_eq!(
            serde_json::to_value(LinkState::Connected).unwrap(),
            "connected"
        );
    }
}
