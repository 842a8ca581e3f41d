//! What the status endpoints answer, as types: the handlers build these, and the OpenAPI document
//! is generated from them, so the two cannot disagree.

use serde::Serialize;
use utoipa::ToSchema;

use super::openapi as doc;
use crate::model::status::{
    ApiStatsSnapshot, ClientStatus, ClusterNode, ClusterStatus, JetStreamStatus, LinkState,
    Section, ServerStatus,
};
use crate::supervisor::{NodeState, SupervisorStatus};

/// `healthy`, or `degraded` while NATS is not connected.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Liveliness {
    Healthy,
    Degraded,
}

/// `data` of `GET /health`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Liveness {
    pub status: Liveliness,
    pub service: &'static str,
    pub uptime_seconds: f64,
    pub nats: LivenessNats,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LivenessNats {
    pub state: LinkState,
    pub since: String,
    pub url: String,
}

/// `running`, or `degraded` while NATS is not connected.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Running {
    Running,
    Degraded,
}

/// `data` of `GET /api/v1/status`: the spec's service status.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceStatus {
    pub service: &'static str,
    pub status: Running,
    pub uptime_seconds: f64,
    pub version: &'static str,
    pub environment: String,
    pub port: u16,
    pub features: Features,
    pub nats_info: NatsInfo,
    pub statistics: Statistics,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Features {
    pub nats_server: bool,
    pub jetstream: bool,
    pub message_routing: bool,
    pub stream_management: bool,
    pub message_persistence: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NatsInfo {
    /// The supervisor's state when this process runs the server; otherwise `running` or
    /// `unreachable` as the client sees it.
    pub server_status: String,
    pub client_connected: bool,
    /// `null` when JetStream did not answer.
    pub streams_count: Option<u64>,
    pub server_version: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Statistics {
    pub messages_published: u64,
    pub messages_consumed: u64,
    pub active_streams: Option<u64>,
    pub connection_errors: u64,
}

/// `data` of `GET /api/v1/broker/status`.
#[derive(Debug, Serialize, ToSchema)]
pub struct BrokerStatus {
    pub client: ClientStatus,
    #[schema(schema_with = doc::section::<ServerStatus>)]
    pub server: Section<ServerStatus>,
    #[schema(schema_with = doc::section::<JetStreamStatus>)]
    pub jetstream: Section<JetStreamStatus>,
    #[schema(schema_with = doc::section::<ClusterStatus>)]
    pub cluster: Section<ClusterStatus>,
    pub supervisor: SupervisorSection,
    pub api: ApiStatsSnapshot,
    pub statistics: MessageCounts,
}

/// The supervisor of this process's servers; only `enabled: false` when there is none.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupervisorSection {
    pub enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<SupervisorStatus>,
    /// Each node's health from its own monitoring port.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nodes: Option<Vec<ClusterNode>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageCounts {
    pub messages_published: u64,
    pub messages_consumed: u64,
}

/// `data` of `GET /api/v1/broker/health`: every check passed.
#[derive(Debug, Serialize, ToSchema)]
pub struct BrokerHealth {
    pub healthy: bool,
    pub checks: HealthChecks,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthChecks {
    pub nats_connection: NatsCheck,
    pub jetstream: JetStreamCheck,
    pub monitoring: MonitoringCheck,
    /// The supervised nodes; `null` when not supervising.
    pub nodes: Option<NodesCheck>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NatsCheck {
    pub ok: bool,
    pub url: String,
    pub since: String,
    pub rtt_ms: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JetStreamCheck {
    pub ok: bool,
    pub latency_ms: f64,
    pub streams: u64,
    pub consumers: u64,
}

/// The monitoring port's `/healthz`: informational, it does not fail the health check.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonitoringCheck {
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NodesCheck {
    pub ok: bool,
    pub up: usize,
    pub total: usize,
    pub supervisor: Option<NodeState>,
    pub nodes: Vec<ClusterNode>,
}
