//! The nats-server HTTP monitoring endpoints (`/varz`, `/jsz`, `/routez`, `/healthz`, `/connz`),
//! read with reqwest into the server's own shapes; `status` turns them into the broker status.
//! Each call fails on its own with a message saying which endpoint and why, so a dead monitoring
//! port costs one section, not the whole status.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::config::TlsFiles;
pub use crate::model::status::Route;

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

/// One server's monitoring endpoints. Cheap to clone; clones and [`Monitor::sharing`] monitors
/// use one HTTP client and its connection pool.
#[derive(Clone)]
pub struct Monitor {
    http: reqwest::Client,
    base: String,
    timeout: Duration,
}

impl Monitor {
    pub fn new(base: &str, timeout: Duration) -> Monitor {
        Self::with_tls(base, timeout, &TlsFiles::default())
    }

    /// A monitor that trusts `tls.ca` (besides the system's roots) for an `https://` monitoring
    /// port — nats-server serves it with the certificate of its `tls` block — and presents the
    /// client certificate when one is set, as a port that verifies clients requires. The files
    /// were checked when the configuration was loaded.
    pub fn with_tls(base: &str, timeout: Duration, tls: &TlsFiles) -> Monitor {
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .no_proxy();
        if let Some(ca) = &tls.ca {
            match reqwest::Certificate::from_pem_bundle(ca.contents.expose().as_bytes()) {
                Ok(certs) => builder = builder.tls_certs_merge(certs),
                Err(err) => tracing::warn!(file = %ca.path.display(), error = %err,
                    "CA certificates not usable for HTTPS monitoring"),
            }
        }
        if let Some((cert, key)) = tls.identity() {
            let pem = format!("{}\n{}", cert.contents.expose(), key.contents.expose());
            match reqwest::Identity::from_pem(pem.as_bytes()) {
                Ok(identity) => builder = builder.identity(identity),
                Err(err) => tracing::warn!(file = %cert.path.display(), error = %err,
                    "client certificate not usable for HTTPS monitoring"),
            }
        }
        let http = builder.build().unwrap_or_else(|err| {
            tracing::warn!(error = %err, "HTTP client for monitoring built without its TLS files");
            reqwest::Client::new()
        });
        Monitor {
            http,
            base: base.trim_end_matches('/').to_owned(),
            timeout,
        }
    }

    /// A monitor of another server through the same HTTP client (and its connection pool), each
    /// request bounded by `timeout`.
    pub fn sharing(&self, base: &str, timeout: Duration) -> Monitor {
        Monitor {
            http: self.http.clone(),
            base: base.trim_end_matches('/').to_owned(),
            timeout,
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    async fn send(&self, url: &str) -> Result<reqwest::Response, MonitorError> {
        self.http
            .get(url)
            .timeout(self.timeout)
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
