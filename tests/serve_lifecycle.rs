//! The built binary in `--serve` mode, started and stopped: graceful shutdown on SIGTERM and
//! SIGINT, running while NATS is down (and recovering without a restart), and a busy API port.
//!
//! Every child process is killed when its guard drops, so a failing assertion leaves nothing
//! running. Every wait is bounded.

mod common;

use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use common::serve_http::{dead_nats_url, find_log, get, http, parse_log_lines, post, wait_health};
use common::service::{EXIT_LIMIT, START_LIMIT, Service};
use common::{NatsServer, wait_until};
use serde_json::json;

fn refuses_connections(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(500)).is_err()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_an_in_flight_request_finish_then_exits_0() {
    let nats = NatsServer::start();
    let url = nats.url();
    // A monitoring "server" that accepts connections and never answers: /api/v1/broker/health
    // waits on its /healthz for the whole NATS_TIMEOUT, which makes a request that is reliably in
    // flight. (The status endpoints answer within their budget whatever hangs.)
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
        let url = service.url("/api/v1/broker/health");
        async move { get(&client, &url).await }
    });
    // In flight for sure once the service's request to the monitor has been accepted (and is
    // held open, unanswered).
    black_hole.set_nonblocking(true).expect("non-blocking");
    let mut held = Vec::new();
    wait_until(
        "the health check to reach the silent monitor",
        Duration::from_secs(5),
        || match black_hole.accept() {
            Ok((socket, _)) => {
                held.push(socket);
                true
            }
            Err(_) => false,
        },
    )
    .await;
    assert!(
        !slow.is_finished(),
        "the slow request finished too early to test anything"
    );
    service.signal("TERM");
    let signalled = Instant::now();

    // New connections are refused while the old request is still being answered.
    wait_until(
        "the listener to close after SIGTERM",
        Duration::from_secs(2),
        || refuses_connections(service.port),
    )
    .await;
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
    assert_eq!(json["message"], "Broker is healthy");
    assert_eq!(json["data"]["checks"]["monitoring"]["ok"], false, "{json}");
    assert_eq!(
        json["data"]["checks"]["nats_connection"]["ok"], true,
        "{json}"
    );
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
    let mut service = Service::start_against(&nats, &[("NATS_TIMEOUT", "5")]);
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
    let mut service = Service::start_against(&nats, &[("NATS_TIMEOUT", "1")]);
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
