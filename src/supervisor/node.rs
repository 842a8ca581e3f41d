//! One supervised nats-server process: spawn, readiness, output capture, restart with backoff,
//! graceful stop.

use std::collections::VecDeque;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use time::OffsetDateTime;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::RestartPolicy;
use super::conf::NodePlan;
use crate::timestamp::format_timestamp;

/// Lines of server output kept per node for status and failure reports.
const KEPT_LINES: usize = 40;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::Display, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum NodeState {
    Starting,
    Running,
    Restarting,
    Stopped,
    Failed,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NodeStatus {
    pub name: String,
    pub state: NodeState,
    pub pid: Option<u32>,
    pub restarts: u64,
    pub since: String,
    pub last_exit: Option<String>,
    pub last_lines: Vec<String>,
    pub client_url: String,
    pub monitor_url: String,
    #[schema(value_type = String)]
    pub store_dir: PathBuf,
}

/// A node's status, written by its task and read by whoever reports it.
pub struct NodeShared {
    status: Mutex<NodeStatus>,
    lines: Mutex<VecDeque<String>>,
}

impl NodeShared {
    pub fn new(plan: &NodePlan) -> Arc<NodeShared> {
        Arc::new(NodeShared {
            status: Mutex::new(NodeStatus {
                name: plan.name.clone(),
                state: NodeState::Starting,
                pid: None,
                restarts: 0,
                since: format_timestamp(OffsetDateTime::now_utc()),
                last_exit: None,
                last_lines: Vec::new(),
                client_url: plan.client_url(),
                monitor_url: plan.monitor_url(),
                store_dir: plan.store_dir.clone(),
            }),
            lines: Mutex::new(VecDeque::with_capacity(KEPT_LINES)),
        })
    }

    fn update(&self, f: impl FnOnce(&mut NodeStatus)) {
        let mut status = self.status.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut status);
    }

    fn set_state(&self, state: NodeState, pid: Option<u32>) {
        self.update(|s| {
            if s.state != state {
                s.since = format_timestamp(OffsetDateTime::now_utc());
            }
            s.state = state;
            s.pid = pid;
        });
    }

    fn push_line(&self, line: String) {
        let mut lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        if lines.len() == KEPT_LINES {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    pub fn last_lines(&self, count: usize) -> Vec<String> {
        let lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        lines
            .iter()
            .skip(lines.len().saturating_sub(count))
            .cloned()
            .collect()
    }

    pub fn status(&self) -> NodeStatus {
        let mut status = self
            .status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        status.last_lines = self.last_lines(10);
        status
    }
}

pub fn describe_exit(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(signal)) => {
            let name = nix::sys::signal::Signal::try_from(signal)
                .map(|s| s.as_str().to_owned())
                .unwrap_or_else(|_| "unknown".to_owned());
            format!("killed by signal {signal} ({name})")
        }
        _ => "exited".to_owned(),
    }
}

/// How to launch a node's process.
pub struct Launch {
    pub binary: PathBuf,
    pub conf: PathBuf,
    /// `setpriv`, when present: run the server with a parent-death signal so it cannot outlive
    /// this process even if we are killed with SIGKILL.
    pub setpriv: Option<PathBuf>,
}

impl Launch {
    fn spawn(
        &self,
        shared: &Arc<NodeShared>,
        name: &str,
    ) -> std::io::Result<(Child, OutputReaders)> {
        let mut command = match &self.setpriv {
            Some(setpriv) => {
                let mut c = Command::new(setpriv);
                c.args(["--pdeathsig", "KILL", "--"]).arg(&self.binary);
                c
            }
            None => Command::new(&self.binary),
        };
        command
            .arg("-c")
            .arg(&self.conf)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group: a Ctrl-C at the terminal reaches us, not the servers, so
            // they are stopped in order rather than all at once.
            .process_group(0)
            .kill_on_drop(true);
        let mut child = command.spawn()?;
        let mut readers = Vec::new();
        if let Some(out) = child.stdout.take() {
            readers.push(capture(out, Arc::clone(shared), name.to_owned()));
        }
        if let Some(err) = child.stderr.take() {
            readers.push(capture(err, Arc::clone(shared), name.to_owned()));
        }
        Ok((child, OutputReaders(readers)))
    }
}

/// Server output goes to our logs, tagged with the node, and into the node's recent lines.
fn capture(
    stream: impl AsyncRead + Unpin + Send + 'static,
    shared: Arc<NodeShared>,
    node: String,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            tracing::info!(target: "nats_server", node = %node, "{line}");
            shared.push_line(line);
        }
    })
}

/// The tasks copying one process's stdout and stderr; they end at EOF.
struct OutputReaders(Vec<JoinHandle<()>>);

impl OutputReaders {
    /// Waits until everything the process printed is in the node's recent lines, or `timeout`
    /// has passed: a pipe a leftover grandchild still holds open must not hang the node's task
    /// (the readers then carry on detached).
    async fn drained(self, timeout: Duration) {
        let readers = async {
            for reader in self.0 {
                let _ = reader.await;
            }
        };
        let _ = tokio::time::timeout(timeout, readers).await;
    }
}

async fn wait_ready(
    http: &reqwest::Client,
    url: &str,
    child: &mut Child,
    timeout: Duration,
) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "nats-server exited during start-up ({})",
                describe_exit(status)
            ));
        }
        if let Ok(response) = http.get(url).send().await
            && response.status().is_success()
        {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "not ready within {timeout:?} ({url} did not answer 200)"
            ));
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// SIGTERM, then SIGKILL if it has not exited within `timeout`.
pub async fn stop_child(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    if let Some(pid) = child.id() {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
    }
    match tokio::time::timeout(timeout, child.wait()).await {
        Ok(status) => status.ok(),
        Err(_) => {
            let _ = child.kill().await;
            child.wait().await.ok()
        }
    }
}

/// Runs one node until cancelled or given up on. `first_start` learns whether the first start
/// reached readiness; a node that never starts is not retried (the caller reports why).
pub async fn run(
    plan: NodePlan,
    launch: Launch,
    policy: RestartPolicy,
    shared: Arc<NodeShared>,
    cancel: CancellationToken,
    first_start: oneshot::Sender<Result<(), String>>,
) {
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap_or_default();
    let ready_url = format!("{}/healthz?js-enabled-only=true", plan.monitor_url());
    let mut first_start = Some(first_start);
    let mut start_failures: u32 = 0;
    let mut short_runs: u32 = 0;
    loop {
        let (mut child, output) = match launch.spawn(&shared, &plan.name) {
            Ok(spawned) => spawned,
            Err(err) => {
                let reason = format!("cannot run {}: {err}", launch.binary.display());
                shared.update(|s| s.last_exit = Some(reason.clone()));
                shared.set_state(NodeState::Failed, None);
                if let Some(tx) = first_start.take() {
                    let _ = tx.send(Err(reason));
                }
                return;
            }
        };
        let pid = child.id();
        shared.set_state(
            if first_start.is_some() {
                NodeState::Starting
            } else {
                NodeState::Restarting
            },
            pid,
        );
        let ready = tokio::select! {
            ready = wait_ready(&http, &ready_url, &mut child, policy.ready_timeout) => ready,
            _ = cancel.cancelled() => {
                stop_child(&mut child, policy.stop_timeout).await;
                shared.set_state(NodeState::Stopped, None);
                return;
            }
        };
        let started = Instant::now();
        match ready {
            Ok(()) => {
                start_failures = 0;
                shared.set_state(NodeState::Running, pid);
                tracing::info!(node = %plan.name, pid, url = %plan.client_url(), "nats-server running");
                if let Some(tx) = first_start.take() {
                    let _ = tx.send(Ok(()));
                }
                let status = tokio::select! {
                    status = child.wait() => status.ok(),
                    _ = cancel.cancelled() => {
                        let status = stop_child(&mut child, policy.stop_timeout).await;
                        shared.update(|s| s.last_exit = status.map(describe_exit));
                        shared.set_state(NodeState::Stopped, None);
                        tracing::info!(node = %plan.name, "nats-server stopped");
                        return;
                    }
                };
                let exit = status.map_or_else(|| "exited".to_owned(), describe_exit);
                tracing::warn!(node = %plan.name, exit = %exit, "nats-server exited unexpectedly; restarting");
                shared.update(|s| {
                    s.last_exit = Some(exit);
                    s.restarts += 1;
                });
                short_runs = if started.elapsed() < policy.short_run {
                    short_runs + 1
                } else {
                    0
                };
            }
            Err(reason) => {
                let status = stop_child(&mut child, Duration::from_millis(500)).await;
                let exit = status.map_or(reason.clone(), |s| {
                    format!("{reason}; {}", describe_exit(s))
                });
                // What the server printed before it died explains the failure.
                output.drained(Duration::from_millis(500)).await;
                shared.update(|s| s.last_exit = Some(exit.clone()));
                if let Some(tx) = first_start.take() {
                    shared.set_state(NodeState::Failed, None);
                    let _ = tx.send(Err(exit));
                    return;
                }
                start_failures += 1;
                shared.update(|s| s.restarts += 1);
                tracing::warn!(node = %plan.name, failures = start_failures, reason = %exit, "nats-server failed to start");
                if start_failures >= policy.max_start_failures {
                    shared.set_state(NodeState::Failed, None);
                    tracing::error!(
                        node = %plan.name,
                        failures = start_failures,
                        last_exit = %exit,
                        last_lines = %shared.last_lines(5).join(" | "),
                        "giving up on nats-server"
                    );
                    return;
                }
            }
        }
        let delay = policy.delay(start_failures.max(short_runs));
        shared.set_state(NodeState::Restarting, None);
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = cancel.cancelled() => {
                shared.set_state(NodeState::Stopped, None);
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `script` as the server once and returns why its first start failed. The server is
    /// run as `<binary> -c <conf>`, so with `sh` as the binary the "config" is the script.
    async fn fail_first_start(script: &str) -> (String, Arc<NodeShared>) {
        let plan = NodePlan {
            name: "n".into(),
            host: "127.0.0.1".into(),
            client_port: 1,
            cluster_port: 1,
            http_port: 1,
            store_dir: PathBuf::from("/nonexistent"),
            clustered: false,
            routes: Vec::new(),
            advertise: None,
            cluster_name: "n".into(),
            max_memory: None,
            max_storage: None,
        };
        let shared = NodeShared::new(&plan);
        let launch = Launch {
            binary: PathBuf::from("sh"),
            conf: PathBuf::from(script),
            setpriv: None,
        };
        let (tx, rx) = oneshot::channel();
        run(
            plan,
            launch,
            RestartPolicy::default(),
            Arc::clone(&shared),
            CancellationToken::new(),
            tx,
        )
        .await;
        let reason = rx.await.unwrap().unwrap_err();
        (reason, shared)
    }

    #[tokio::test]
    async fn a_failed_start_keeps_everything_the_server_printed() {
        let (reason, shared) = fail_first_start(
            "for i in $(seq 1 30); do echo \"line $i\"; done; echo 'fatal: store is corrupt' >&2; exit 1",
        )
        .await;
        assert!(reason.contains("exit code 1"), "{reason}");
        let status = shared.status();
        assert_eq!(status.state, NodeState::Failed);
        for line in ["line 30", "fatal: store is corrupt"] {
            assert!(
                status.last_lines.iter().any(|l| l == line),
                "{line:?} missing from {:?}",
                status.last_lines
            );
        }
    }

    #[tokio::test]
    async fn a_pipe_held_open_after_the_server_died_does_not_hang_the_node() {
        let started = Instant::now();
        // The background sleep inherits stdout and keeps it open after the server exits.
        let (_, shared) = fail_first_start("echo 'about to die'; sleep 5 & exit 1").await;
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(shared.last_lines(10), vec!["about to die".to_owned()]);
    }
}
