//! The built binary in `--serve` mode, driven over HTTP on loopback: the spec's curl walkthrough
//! against a real nats-server, streams configured at start-up, the config file under the
//! environment, JSON log lines, the log level and the log file.
//!
//! Every child process is killed when its guard drops, so a failing assertion leaves nothing
//! running. Every wait is bounded.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::serve_http::{dead_nats_url, find_log, get, http, parse_log_lines, post, wait_health};
use common::service::Service;
use common::{NatsServer, wait_for};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spec_walkthrough_against_a_real_nats_server() {
    let nats = NatsServer::start();
    let mut service = Service::start_against(
        &nats,
        &[("ENVIRONMENT", "production"), ("NATS_TIMEOUT", "5")],
    );
    let client = http();
    wait_health(&client, &service, "healthy", Duration::from_secs(20)).await;

    // curl http://localhost:8086/health
    let (status, json) = get(&client, &service.url("/health")).await;
    assert_eq!(status, 200);
    assert_eq!(json["data"]["service"], "message-broker");
    assert_eq!(json["data"]["nats"]["state"], "connected");

    // curl -X GET http://localhost:8086/api/v1/status
    let (status, json) = get(&client, &service.url("/api/v1/status")).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["message"], "Service status retrieved successfully");
    let data = &json["data"];
    assert_eq!(data["service"], "message-broker");
    assert_eq!(data["status"], "running");
    assert_eq!(data["environment"], "production");
    assert_eq!(data["port"], service.port);
    assert_eq!(data["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        data["uptime_seconds"].as_f64().is_some_and(|u| u >= 0.0),
        "{data}"
    );
    for feature in [
        "nats_server",
        "jetstream",
        "message_routing",
        "stream_management",
        "message_persistence",
    ] {
        assert!(
            data["features"][feature].is_boolean(),
            "features.{feature} in {data}"
        );
    }
    assert_eq!(data["features"]["jetstream"], true);
    assert_eq!(data["nats_info"]["server_status"], "running");
    assert_eq!(data["nats_info"]["client_connected"], true);
    assert_eq!(data["nats_info"]["streams_count"], 0);
    assert!(
        data["nats_info"]["server_version"]
            .as_str()
            .is_some_and(|v| !v.is_empty()),
        "{data}"
    );
    assert_eq!(data["statistics"]["messages_published"], 0);
    assert_eq!(data["statistics"]["active_streams"], 0);

    // curl http://localhost:8086/api/v1/broker/health
    let (status, json) = get(&client, &service.url("/api/v1/broker/health")).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["data"]["healthy"], true);
    assert_eq!(json["data"]["checks"]["monitoring"]["ok"], true, "{json}");

    // curl -X POST .../api/v1/broker/streams -d '{"name":"test_stream","subjects":["test.>"]}'
    let (status, json) = post(
        &client,
        &service.url("/api/v1/broker/streams"),
        json!({"name": "test_stream", "subjects": ["test.>"]}),
    )
    .await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["data"]["name"], "test_stream");
    assert_eq!(json["data"]["config"]["subjects"], json!(["test.>"]));
    assert_eq!(json["data"]["config"]["retention"], "limits");
    assert_eq!(json["data"]["state"]["messages"], 0);

    // The same again is a conflict.
    let (status, json) = post(
        &client,
        &service.url("/api/v1/broker/streams"),
        json!({"name": "test_stream", "subjects": ["test.>"]}),
    )
    .await;
    assert_eq!(status, 409, "{json}");
    assert_eq!(json["error_code"], "STREAM_CREATION_ERROR");

    // curl -X POST .../api/v1/broker/publish -d '{"subject":"test.message","message":"Hello World"}'
    let (status, json) = post(
        &client,
        &service.url("/api/v1/broker/publish"),
        json!({"subject": "test.message", "message": "Hello World"}),
    )
    .await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["message"], "Message published successfully");
    assert_eq!(json["data"]["subject"], "test.message");
    assert_eq!(json["data"]["stream"], "test_stream");
    assert_eq!(json["data"]["seq"], 1);
    assert_eq!(json["data"]["duplicate"], false);

    // curl -X GET http://localhost:8086/api/v1/broker/streams
    let (status, json) = get(&client, &service.url("/api/v1/broker/streams")).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["data"]["count"], 1);
    let stream = &json["data"]["streams"][0];
    assert_eq!(stream["name"], "test_stream");
    assert_eq!(stream["config"]["subjects"], json!(["test.>"]));
    assert_eq!(stream["state"]["messages"], 1);
    assert_eq!(stream["state"]["last_seq"], 1);

    // The stored message reads back as sent.
    let (status, json) = get(
        &client,
        &service.url("/api/v1/broker/streams/test_stream/messages?seq=1"),
    )
    .await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["data"]["messages"][0]["subject"], "test.message");
    assert_eq!(json["data"]["messages"][0]["payload"], "Hello World");

    // The counters moved.
    let (_, json) = get(&client, &service.url("/api/v1/status")).await;
    assert_eq!(json["data"]["statistics"]["messages_published"], 1);
    assert_eq!(json["data"]["statistics"]["active_streams"], 1);

    // Errors are enveloped too: an unknown stream, an unknown endpoint.
    let (status, json) = get(&client, &service.url("/api/v1/broker/streams/nope")).await;
    assert_eq!(
        (status, json["error_code"].clone()),
        (404, json!("STREAM_NOT_FOUND"))
    );
    let (status, _) = get(&client, &service.url("/api/v1/nothing-here")).await;
    assert_eq!(status, 404);

    let took = service.stop_with("TERM");
    assert!(took < Duration::from_secs(5), "shutdown took {took:?}");

    // Logs: JSON lines with the spec's fields and the event's own fields.
    let lines = parse_log_lines(&service.stdout());
    let listening = find_log(&lines, "message broker API listening").expect("listening line");
    assert_eq!(listening["level"], "INFO");
    assert_eq!(listening["logger"], "message-broker");
    assert_eq!(listening["service"], "message-broker");
    assert_eq!(listening["module"], "message_broker::serve");
    let keys: Vec<&str> = listening
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys[..5],
        ["timestamp", "level", "logger", "message", "service"]
    );
    assert_eq!(listening["api"], format!("127.0.0.1:{}", service.port));
    assert_eq!(listening["nats_url"], nats.url());
    assert_eq!(listening["environment"], "production");
    let requested = find_log(&lines, "shutdown requested").expect("shutdown line");
    assert_eq!(requested["signal"], "SIGTERM");
    assert!(find_log(&lines, "shutting down: in-flight requests finished").is_some());
    assert!(
        !service.stderr().contains("panicked"),
        "{}",
        service.stderr()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_streams_are_created_at_start_up() {
    let nats = NatsServer::start();
    let url = nats.url();
    let config = tempfile::tempdir().expect("temp dir");
    let file = config.path().join("broker.yaml");
    std::fs::write(
        &file,
        "services:\n  message-broker:\n    streams:\n      market_data:\n        subjects: [\"market.>\"]\n        max_msgs: 1000\n",
    )
    .expect("write config");
    let mut service = Service::start(
        &[("NATS_URL", url.as_str()), ("NATS_TIMEOUT", "5")],
        &["--config", file.to_str().expect("utf-8")],
    );
    let client = http();
    let stream = wait_for(
        "the configured stream to appear",
        Duration::from_secs(20),
        async || {
            let (status, json) = get(&client, &service.url("/api/v1/broker/streams")).await;
            if status == 200 && json["data"]["count"] == 1 {
                Ok(json["data"]["streams"][0].clone())
            } else {
                Err(json)
            }
        },
    )
    .await;
    assert_eq!(stream["name"], "market_data");
    assert_eq!(stream["config"]["subjects"], json!(["market.>"]));
    assert_eq!(stream["config"]["max_msgs"], 1000);
    service.stop_with("TERM");
    let lines = parse_log_lines(&service.stdout());
    let provisioned =
        find_log(&lines, "configured streams provisioned").expect("provisioning line");
    assert_eq!(provisioned["streams_created"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_level_is_honoured_and_log_file_gets_a_daily_copy() {
    let nats_url = dead_nats_url();
    let logs = tempfile::tempdir().expect("temp dir");
    // The directory does not exist yet: the service creates it.
    let log_path = logs.path().join("nested/dir/broker.log");
    let client = http();

    // LOG_LEVEL=debug shows per-request lines, in both places.
    let mut service = Service::start(
        &[
            ("NATS_URL", nats_url.as_str()),
            ("NATS_TIMEOUT", "1"),
            ("LOG_LEVEL", "DEBUG"),
        ],
        &["--log-file", log_path.to_str().expect("utf-8")],
    );
    let (status, _) = get(&client, &service.url("/health")).await;
    assert_eq!(status, 200);
    service.stop_with("TERM");
    let stdout_lines = parse_log_lines(&service.stdout());
    let request_line = stdout_lines
        .iter()
        .find(|l| l["message"] == "request" && l["path"] == "/health")
        .unwrap_or_else(|| panic!("no debug request line in {stdout_lines:?}"));
    assert_eq!(request_line["level"], "DEBUG");
    assert_eq!(request_line["status"], 200);

    let dir = log_path.parent().expect("parent");
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("log dir created")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0]
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let date = name
        .strip_prefix("broker.log.")
        .unwrap_or_else(|| panic!("file name {name}"));
    assert!(
        date.len() == 10
            && date.chars().enumerate().all(|(i, c)| if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }),
        "daily suffix in {name}"
    );
    let file_lines = parse_log_lines(&std::fs::read_to_string(&files[0]).expect("read log file"));
    // Each layer stamps its own copy, so the timestamps may differ by a millisecond.
    let untimed = |lines: &[Value]| -> Vec<Value> {
        lines
            .iter()
            .map(|l| {
                let mut l = l.clone();
                l.as_object_mut().expect("object").remove("timestamp");
                l
            })
            .collect()
    };
    assert_eq!(
        untimed(&file_lines),
        untimed(&stdout_lines),
        "the file holds the same lines as stdout"
    );

    // LOG_LEVEL=WARNING hides info and debug lines; the file is appended to on the next run.
    let mut service = Service::start(
        &[
            ("NATS_URL", nats_url.as_str()),
            ("NATS_TIMEOUT", "1"),
            ("LOG_LEVEL", "WARNING"),
        ],
        &["--log-file", log_path.to_str().expect("utf-8")],
    );
    let (status, _) = get(&client, &service.url("/health")).await;
    assert_eq!(status, 200);
    service.stop_with("TERM");
    let quiet = parse_log_lines(&service.stdout());
    assert!(
        quiet
            .iter()
            .all(|l| l["level"] == "WARN" || l["level"] == "ERROR"),
        "only warnings and errors at LOG_LEVEL=WARNING: {quiet:?}"
    );
    assert!(find_log(&quiet, "message broker API listening").is_none());
    let again = parse_log_lines(&std::fs::read_to_string(&files[0]).expect("read log file"));
    assert_eq!(
        again.len(),
        file_lines.len() + quiet.len(),
        "appended, not truncated"
    );

    // At the default level (info): the start-up line, no per-request lines.
    let mut service = Service::start(
        &[("NATS_URL", nats_url.as_str()), ("NATS_TIMEOUT", "1")],
        &[],
    );
    let (status, _) = get(&client, &service.url("/health")).await;
    assert_eq!(status, 200);
    service.stop_with("TERM");
    let info = parse_log_lines(&service.stdout());
    assert!(
        find_log(&info, "message broker API listening").is_some(),
        "{info:?}"
    );
    assert!(info.iter().all(|l| l["level"] != "DEBUG"), "{info:?}");
}

#[test]
fn the_service_reads_its_config_file_under_the_environment() {
    // The file sets the environment name and a quiet log level; LOG_LEVEL overrides the level.
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("broker.yaml");
    std::fs::write(
        &file,
        "services:\n  message-broker:\n    environment: staging\n    log_level: error\n",
    )
    .expect("write");
    let nats_url = dead_nats_url();
    let file_arg = file.to_str().expect("utf-8");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for (log_level, listening_logged) in [(None, false), (Some("info"), true)] {
        let mut env = vec![
            ("NATS_URL", nats_url.as_str()),
            ("NATS_TIMEOUT", "1"),
            ("MESSAGE_BROKER_CONFIG", file_arg),
        ];
        if let Some(level) = log_level {
            env.push(("LOG_LEVEL", level));
        }
        let mut service = Service::start(&env, &[]);
        let json = runtime.block_on(async {
            let (status, json) = get(&http(), &service.url("/api/v1/status")).await;
            assert_eq!(status, 200, "{json}");
            json
        });
        assert_eq!(json["data"]["environment"], "staging");
        assert_eq!(json["data"]["port"], service.port);
        service.stop_with("TERM");
        let lines = parse_log_lines(&service.stdout());
        assert_eq!(
            find_log(&lines, "message broker API listening").is_some(),
            listening_logged,
            "LOG_LEVEL={log_level:?}: {lines:?}"
        );
    }
}
