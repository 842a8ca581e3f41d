//! The built binary in `--serve` mode, driven over HTTP on loopback: the spec's curl walkthrough
//! against a real nats-server, JSON log lines, the log file, graceful shutdown on SIGTERM and
//! SIGINT, running while NATS is down (and recovering without a restart), and a busy API port.
//!
//! Every child process is killed when its guard drops, so a failing assertion leaves nothing
//! running. Every wait is bounded.

mod common;

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::{NatsServer, assert_envelope, free_port};
use serde_json::{Value, json};

use common::service::{EXIT_LIMIT, START_LIMIT, Service};

/// Parses JSON log lines and checks the fields every line carries.
fn parse_log_lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let json: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("log line is not JSON ({e}): {line}"));
            let object = json
                .as_object()
                .unwrap_or_else(|| panic!("not an object: {line}"));
            let keys: Vec<&str> = object.keys().map(String::as_str).collect();
            assert_eq!(
                &keys[..5],
                ["timestamp", "level", "logger", "message", "service"],
                "field order in {line}"
            );
            let ts = json["timestamp"].as_str().expect("timestamp");
            assert!(
                ts.len() == 24 && ts.ends_with('Z') && ts.as_bytes()[10] == b'T',
                "timestamp {ts}"
            );
            assert!(
                ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"]
                    .contains(&json["level"].as_str().unwrap_or("")),
                "level in {line}"
            );
            assert!(
                json["logger"].as_str().is_some_and(|l| !l.is_empty()),
                "logger in {line}"
            );
            assert!(json["message"].is_string(), "message in {line}");
            assert_eq!(json["service"], "message-broker", "{line}");
            json
        })
        .collect()
}

fn find_log<'a>(lines: &'a [Value], message: &str) -> Option<&'a Value> {
    lines.iter().find(|l| l["message"] == message)
}

/// A loopback URL where nothing listens.
fn dead_nats_url() -> String {
    format!("nats://127.0.0.1:{}", free_port())
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .no_proxy()
        .build()
        .expect("http client")
}

/// One request: the HTTP status and the envelope (checked), like the spec's curl examples.
async fn request(
    client: &reqwest::Client,
    method: &str,
    url: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut builder = client.request(method.parse().expect("method"), url);
    if let Some(body) = body {
        builder = builder
            .header("Content-Type", "application/json")
            .body(body.to_string());
    }
    let response = builder
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.expect("body");
    assert!(
        content_type.starts_with("application/json"),
        "{method} {url}: content-type {content_type:?}"
    );
    let json: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{method} {url}: not JSON ({e}): {text}"));
    assert_envelope(&json, StatusCode::from_u16(status).expect("status"));
    (status, json)
}

async fn get(client: &reqwest::Client, url: &str) -> (u16, Value) {
    request(client, "GET", url, None).await
}

async fn post(client: &reqwest::Client, url: &str, body: Value) -> (u16, Value) {
    request(client, "POST", url, Some(body)).await
}

/// Polls `/health` (bounded) until `data.status` is `want`.
async fn wait_health(client: &reqwest::Client, service: &Service, want: &str, limit: Duration) {
    let deadline = Instant::now() + limit;
    let mut last = Value::Null;
    while Instant::now() < deadline {
        let (status, json) = get(client, &service.url("/health")).await;
        assert_eq!(status, 200, "{json}");
        if json["data"]["status"] == want {
            return;
        }
        last = json;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("/health did not report {want:?} within {limit:?}; last answer: {last}");
}

fn refuses_connections(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(500)).is_err()
}

// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spec_walkthrough_against_a_real_nats_server() {
    let nats = NatsServer::start();
    let url = nats.url();
    let monitor = nats.monitor_url();
    let mut service = Service::start(
        &[
            ("NATS_URL", url.as_str()),
            ("NATS_MONITOR_URL", monitor.as_str()),
            ("ENVIRONMENT", "production"),
            ("NATS_TIMEOUT", "5"),
        ],
        &[],
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
    assert_eq!(listening["api"], format!("127.0.0.1:{}", service.port));
    assert_eq!(listening["nats_url"], url);
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
    let deadline = Instant::now() + Duration::from_secs(20);
    let stream = loop {
        let (status, json) = get(&client, &service.url("/api/v1/broker/streams")).await;
        if status == 200 && json["data"]["count"] == 1 {
            break json["data"]["streams"][0].clone();
        }
        assert!(
            Instant::now() < deadline,
            "configured stream never appeared: {json}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_an_in_flight_request_finish_then_exits_0() {
    let nats = NatsServer::start();
    let url = nats.url();
    // A monitoring "server" that accepts connections and never answers: /api/v1/broker/status
    // waits on it for the whole NATS_TIMEOUT, which makes a request that is reliably in flight.
    let black_hole = TcpListener::bind("127.0.0.1:0").expect("bind");
    let monitor = format!("http://{}", black_hole.local_addr().expect("addr"));
    let mut service = Service::start(
        &[
            ("NATS_URL", url.as_str()),
            ("NATS_MONITOR_URL", monitor.as_str()),
            ("NATS_TIMEOUT", "4"),
        ],
        &[],
    );
    let client = http();
    wait_health(&client, &service, "healthy", Duration::from_secs(20)).await;

    let started = Instant::now();
    let slow = tokio::spawn({
        let client = client.clone();
        let url = service.url("/api/v1/broker/status");
        async move { get(&client, &url).await }
    });
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        !slow.is_finished(),
        "the slow request finished too early to test anything"
    );
    service.signal("TERM");
    let signalled = Instant::now();

    // New connections are refused while the old request is still being answered.
    let deadline = Instant::now() + Duration::from_secs(2);
    while !refuses_connections(service.port) {
        assert!(
            Instant::now() < deadline,
            "still accepting connections after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        !slow.is_finished(),
        "the in-flight request ended before the listener closed"
    );
    assert!(
        service.exited().is_none(),
        "exited with a request in flight"
    );

    let (status, json) = tokio::time::timeout(Duration::from_secs(15), slow)
        .await
        .expect("the in-flight request was answered")
        .expect("request task");
    let answered = Instant::now();
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["message"], "Broker status retrieved successfully");
    assert_eq!(json["data"]["server"]["available"], false, "{json}");
    assert_eq!(json["data"]["client"]["state"], "connected", "{json}");
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "answered before the monitor timed out"
    );

    let status = service.wait_exit(EXIT_LIMIT);
    assert_eq!(status.code(), Some(0), "{status:?}\n{}", service.stderr());
    let exited = Instant::now();
    assert!(exited >= answered && exited.duration_since(signalled) < Duration::from_secs(10));
    let lines = parse_log_lines(&service.stdout());
    assert_eq!(
        find_log(&lines, "shutdown requested").expect("shutdown line")["signal"],
        "SIGTERM"
    );
    drop(black_hole);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_exits_0() {
    let nats = NatsServer::start();
    let url = nats.url();
    let mut service = Service::start(&[("NATS_URL", url.as_str()), ("NATS_TIMEOUT", "5")], &[]);
    let client = http();
    wait_health(&client, &service, "healthy", Duration::from_secs(20)).await;
    let took = service.stop_with("INT");
    assert!(took < Duration::from_secs(5), "shutdown took {took:?}");
    let lines = parse_log_lines(&service.stdout());
    assert_eq!(
        find_log(&lines, "shutdown requested").expect("shutdown line")["signal"],
        "SIGINT"
    );
    assert!(find_log(&lines, "shutting down: in-flight requests finished").is_some());
}

#[test]
fn shutdown_is_prompt_while_nats_is_down() {
    // The default NATS timeout (10 s) must not hold up the exit when there is no connection.
    for signal in ["TERM", "INT"] {
        let nats_url = dead_nats_url();
        let mut service = Service::start(&[("NATS_URL", nats_url.as_str())], &[]);
        let took = service.stop_with(signal);
        assert!(
            took < Duration::from_secs(3),
            "SIG{signal} with NATS down took {took:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_while_nats_is_down_and_recovers_without_a_restart() {
    // A server whose ports are known, stopped before the service starts: nothing listens there.
    let mut nats = NatsServer::start();
    nats.stop();
    let url = nats.url();
    let monitor = nats.monitor_url();
    let mut service = Service::start(
        &[
            ("NATS_URL", url.as_str()),
            ("NATS_MONITOR_URL", monitor.as_str()),
            ("NATS_TIMEOUT", "1"),
        ],
        &[],
    );
    let client = http();

    let (status, json) = get(&client, &service.url("/health")).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["data"]["status"], "degraded");
    assert_ne!(json["data"]["nats"]["state"], "connected");

    let started = Instant::now();
    let (status, json) = get(&client, &service.url("/api/v1/broker/streams")).await;
    let took = started.elapsed();
    assert_eq!(status, 503, "{json}");
    assert_eq!(json["error_code"], "NATS_CONNECTION_ERROR");
    assert!(
        took < Duration::from_secs(2),
        "answered after {took:?} with NATS_TIMEOUT=1"
    );

    let (status, json) = post(
        &client,
        &service.url("/api/v1/broker/publish"),
        json!({"subject": "test.message", "message": "Hello World"}),
    )
    .await;
    assert_eq!(
        (status, json["error_code"].clone()),
        (503, json!("NATS_CONNECTION_ERROR"))
    );
    let (status, json) = post(
        &client,
        &service.url("/api/v1/broker/streams"),
        json!({"name": "test_stream", "subjects": ["test.>"]}),
    )
    .await;
    assert_eq!(
        (status, json["error_code"].clone()),
        (503, json!("NATS_CONNECTION_ERROR"))
    );
    let (status, json) = get(&client, &service.url("/api/v1/broker/health")).await;
    assert_eq!(
        (status, json["error_code"].clone()),
        (503, json!("NATS_CONNECTION_ERROR"))
    );

    // Status endpoints still answer, saying what is wrong.
    let (status, json) = get(&client, &service.url("/api/v1/status")).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["data"]["status"], "degraded");
    assert_eq!(json["data"]["nats_info"]["client_connected"], false);
    let started = Instant::now();
    let (status, json) = get(&client, &service.url("/api/v1/broker/status")).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["data"]["server"]["available"], false);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "broker status took {:?}",
        started.elapsed()
    );

    // NATS comes up on that port: the same service picks it up.
    nats.restart();
    wait_health(&client, &service, "healthy", Duration::from_secs(30)).await;
    let (status, json) = get(&client, &service.url("/api/v1/broker/streams")).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["data"]["count"], 0);
    let (status, json) = post(
        &client,
        &service.url("/api/v1/broker/streams"),
        json!({"name": "test_stream", "subjects": ["test.>"]}),
    )
    .await;
    assert_eq!(status, 200, "{json}");
    let (status, json) = post(
        &client,
        &service.url("/api/v1/broker/publish"),
        json!({"subject": "test.message", "message": "Hello World"}),
    )
    .await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["data"]["seq"], 1);
    let (status, json) = get(&client, &service.url("/api/v1/broker/health")).await;
    assert_eq!(status, 200, "{json}");
    let (_, json) = get(&client, &service.url("/api/v1/status")).await;
    assert_eq!(json["data"]["status"], "running");
    assert_eq!(json["data"]["statistics"]["messages_published"], 1);

    service.stop_with("TERM");
}

#[test]
fn a_busy_api_port_is_a_clear_error() {
    let holder = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = holder.local_addr().expect("addr").port();
    let nats_url = dead_nats_url();
    let mut service = Service::spawn(port, &[("NATS_URL", nats_url.as_str())], &[]);
    let status = service.wait_exit(START_LIMIT);
    let stderr = service.stderr();
    assert!(!status.success(), "{status:?}");
    assert!(status.code().is_some(), "killed by a signal: {status:?}");
    assert!(
        stderr.contains(&format!("127.0.0.1:{port}")),
        "names the address: {stderr}"
    );
    assert!(stderr.contains("cannot listen"), "{stderr}");
    assert!(
        stderr.contains("API_PORT"),
        "says how to choose another port: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    // The failure is logged as a JSON line too.
    let lines = parse_log_lines(&service.stdout());
    assert!(lines.iter().any(|l| l["level"] == "ERROR"), "{lines:?}");
    drop(holder);
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
