//! The nats-server HTTP monitoring endpoints (`/varz`, `/jsz`, `/routez`, `/healthz`), read with
//! reqwest into typed snapshots. Each call fails on its own with a message saying which endpoint
//! and why, so a dead monitoring port costs one section, not the whole status.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, thiserror::Error)]
pub enum MonitorError {
    #[error("monitoring endpoint {url} unreachable: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("monitoring endpoint {url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("monitoring endpoint {url} sent an unreadable answer: {reason}")]
    Unreadable { url: String, reason: String },
}

/// `/varz`: the server's identity, load and traffic counters.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Varz {
    pub server_id: String,
    pub server_name: String,
    pub version: String,
    pub uptime: String,
    pub start: String,
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
    pub max_payload: u64,
    pub cluster: VarzCluster,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct VarzCluster {
    pub name: String,
    pub addr: String,
    pub cluster_port: u64,
    pub urls: Vec<String>,
}

/// `/jsz`: JetStream totals on this server.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Jsz {
    pub server_id: String,
    pub memory: u64,
    pub storage: u64,
    pub streams: u64,
    pub consumers: u64,
    pub messages: u64,
    pub bytes: u64,
    pub config: JszConfig,
    pub api: JszApi,
    pub meta_cluster: Option<MetaCluster>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct JszConfig {
    pub max_memory: i64,
    pub max_storage: i64,
    pub store_dir: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct JszApi {
    pub total: u64,
    pub errors: u64,
    pub inflight: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MetaCluster {
    pub name: String,
    pub leader: String,
    pub cluster_size: u64,
    /// The leader's view of the other nodes; empty on followers.
    pub replicas: Vec<MetaReplica>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MetaReplica {
    pub name: String,
    pub current: bool,
    pub offline: bool,
    pub lag: u64,
}

/// `/routez`: the routes to other cluster nodes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Routez {
    pub num_routes: u64,
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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

#[derive(Clone)]
pub struct Monitor {
    http: reqwest::Client,
    base: String,
}

impl Monitor {
    pub fn new(base: &str, timeout: Duration) -> Monitor {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .no_proxy()
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Monitor {
            http,
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    async fn send(&self, url: &str) -> Result<reqwest::Response, MonitorError> {
        self.http
            .get(url)
            .send()
            .await
            .map_err(|e| MonitorError::Unreachable {
                reason: describe(&e),
                url: url.to_owned(),
            })
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, MonitorError> {
        let url = format!("{}{path}", self.base);
        let response = self.send(&url).await?;
        if !response.status().is_success() {
            return Err(MonitorError::Status {
                status: response.status().as_u16(),
                url,
            });
        }
        response.json().await.map_err(|e| MonitorError::Unreadable {
            reason: e.to_string(),
            url,
        })
    }

    pub async fn varz(&self) -> Result<Varz, MonitorError> {
        self.get("/varz").await
    }

    pub async fn jsz(&self) -> Result<Jsz, MonitorError> {
        self.get("/jsz").await
    }

    pub async fn routez(&self) -> Result<Routez, MonitorError> {
        self.get("/routez").await
    }

    /// `/healthz?js-enabled-only=true`: true when the server is up with JetStream enabled.
    pub async fn healthz(&self) -> Result<bool, MonitorError> {
        let url = format!("{}/healthz?js-enabled-only=true", self.base);
        Ok(self.send(&url).await?.status().is_success())
    }
}

/// The innermost cause, which is what an operator can act on ("Connection refused").
fn describe(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        return "timed out".to_owned();
    }
    let mut source: &dyn std::error::Error = err;
    while let Some(next) = source.source() {
        source = next;
    }
    source.to_string()
}

/// One server's health as seen from its monitoring port: up or down, its routes, and the
/// JetStream meta leader it knows.
#[derive(Debug, Clone, Serialize)]
pub struct NodeProbe {
    pub monitor_url: String,
    pub up: bool,
    pub server_name: Option<String>,
    /// Route connections (newer servers pool several per peer).
    pub routes: Option<u64>,
    /// The distinct servers this one has routes to.
    pub peers: Option<Vec<String>>,
    pub meta_leader: Option<String>,
    /// On the meta leader: how far behind each other node is.
    pub meta_replicas: Vec<MetaReplica>,
    pub error: Option<String>,
}

/// Probes a server's monitoring port: `/healthz`, then `/varz` and `/jsz` for routes and leader.
pub async fn probe_node(base: &str, timeout: Duration) -> NodeProbe {
    let monitor = Monitor::new(base, timeout);
    let (health, varz, jsz, routez) = tokio::join!(
        monitor.healthz(),
        monitor.varz(),
        monitor.jsz(),
        monitor.routez()
    );
    NodeProbe {
        monitor_url: monitor.base().to_owned(),
        up: matches!(health, Ok(true)),
        server_name: varz.as_ref().ok().map(|v| v.server_name.clone()),
        routes: varz.as_ref().ok().map(|v| v.routes),
        peers: routez.ok().map(|r| {
            let mut peers: Vec<String> = r
                .routes
                .into_iter()
                .map(|route| {
                    if route.remote_name.is_empty() {
                        route.remote_id
                    } else {
                        route.remote_name
                    }
                })
                .collect();
            peers.sort();
            peers.dedup();
            peers
        }),
        meta_leader: jsz
            .as_ref()
            .ok()
            .and_then(|j| j.meta_cluster.as_ref())
            .map(|m| m.leader.clone())
            .filter(|l| !l.is_empty()),
        meta_replicas: jsz
            .as_ref()
            .ok()
            .and_then(|j| j.meta_cluster.as_ref())
            .map(|m| m.replicas.clone())
            .unwrap_or_default(),
        error: health.err().map(|e| e.to_string()),
    }
}

/// `/connz`: the busiest client connections.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Connz {
    pub num_connections: u64,
    pub total: u64,
    pub connections: Vec<ConnInfo>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ConnInfo {
    pub cid: u64,
    pub name: String,
    pub ip: String,
    pub port: u64,
    pub lang: String,
    pub version: String,
    pub rtt: String,
    pub pending_bytes: u64,
    pub in_msgs: u64,
    pub out_msgs: u64,
    pub in_bytes: u64,
    pub out_bytes: u64,
    pub subscriptions: u64,
}

impl Monitor {
    /// The `limit` connections with the most messages sent to them.
    pub async fn connz(&self, limit: usize) -> Result<Connz, MonitorError> {
        self.get(&format!("/connz?sort=msgs_to&limit={limit}"))
            .await
    }
}
