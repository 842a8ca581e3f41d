//! A server that keeps the connection open but stops answering (frozen with SIGSTOP): the service
//! notices within about three seconds, says `stalled`, fails requests fast, answers its status
//! endpoints in time, logs each change once — and recovers when the server answers again.

mod common;

use std::time::{Duration, Instant};

use common::NatsServer;
use common::serve_http::{find_log, get, http, parse_log_lines, post, wait_health};
use common::service::Service;
use serde_json::{Value, json};

/// The status endpoints' promise: an answer within 2 s whatever hangs. Measured with a little
/// slack for a loaded test machine.
const STATUS_LIMIT: Duration = Duration::from_millis(2500);

async fn timed(client: &reqwest::Client, url: &str) -> (Duration, u16, Value) {
    let started = Instant::now();
    let (status, json) = get(client, url).await;
    (started.elapsed(), status, json)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_server_is_stalled_fails_fast_and_recovers() {
    let nats = NatsServer::start();
    let service = Service::start_against(&nats, &[("NATS_TIMEOUT", "10")]);
    let client = http();
    wait_health(&client, &service, "healthy", Duration::from_secs(20)).await;
    let (status, body) = post(
        &client,
        &service.url("/api/v1/broker/streams"),
        json!({ "name": "ticks", "subjects": ["ticks.>"] }),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    nats.freeze();
    let frozen = Instant::now();
    // A publish already on its way when the server froze is answered once the stall is seen,
    // not after the 10 s timeout.
    let (status, body) = post(
        &client,
        &service.url("/api/v1/broker/publish"),
        json!({ "subject": "ticks.1", "message": "lost?" }),
    )
    .await;
    let waited = frozen.elapsed();
    assert_eq!(
        (status, body["error_code"].as_str()),
        (503, Some("NATS_CONNECTION_ERROR")),
        "{body}"
    );
    assert!(waited < Duration::from_secs(6), "answered after {waited:?}");
    wait_health(&client, &service, "degraded", Duration::from_secs(5)).await;
    let (_, health) = get(&client, &service.url("/health")).await;
    assert_eq!(health["data"]["nats"]["state"], "stalled", "{health}");

    // While stalled, a request that needs NATS fails at once.
    let started = Instant::now();
    let (status, body) = post(
        &client,
        &service.url("/api/v1/broker/publish"),
        json!({ "subject": "ticks.2", "message": "x" }),
    )
    .await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("stalled"),
        "{body}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );

    // The status endpoints answer in time, every section saying what it could not read.
    let (took, status, body) = timed(&client, &service.url("/api/v1/status")).await;
    assert_eq!(status, 200, "{body}");
    assert!(took < STATUS_LIMIT, "/api/v1/status took {took:?}");
    assert_eq!(body["data"]["status"], "degraded", "{body}");
    let (took, status, body) = timed(&client, &service.url("/api/v1/broker/status")).await;
    assert_eq!(status, 200, "{body}");
    assert!(took < STATUS_LIMIT, "/api/v1/broker/status took {took:?}");
    let data = &body["data"];
    assert_eq!(data["client"]["state"], "stalled", "{body}");
    for section in ["server", "jetstream", "cluster"] {
        assert_eq!(data[section]["available"], false, "{section}: {body}");
        assert!(data[section]["error"].is_string(), "{section}: {body}");
    }

    nats.thaw();
    wait_health(&client, &service, "healthy", Duration::from_secs(10)).await;
    let (status, body) = post(
        &client,
        &service.url("/api/v1/broker/publish"),
        json!({ "subject": "ticks.3", "message": "after" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = get(&client, &service.url("/api/v1/broker/status")).await;
    assert_eq!(body["data"]["client"]["state"], "connected", "{body}");
    assert_eq!(body["data"]["client"]["stalls"], 1, "{body}");
    // The same connection throughout: a stall is not a reconnect.
    assert_eq!(body["data"]["client"]["reconnects"], 0, "{body}");

    // Each change is logged once, at the right level, with how long it lasted.
    let lines = parse_log_lines(&service.stdout());
    let count = |message: &str| lines.iter().filter(|l| l["message"] == message).count();
    let stalled = "NATS server not answering (stalled); requests fail fast until it answers again";
    assert_eq!(count(stalled), 1);
    assert_eq!(find_log(&lines, stalled).unwrap()["level"], "WARN");
    assert_eq!(count("NATS server answering again"), 1);
    let back = find_log(&lines, "NATS server answering again").unwrap();
    assert_eq!(back["level"], "INFO");
    assert!(
        back["stalled_for"]
            .as_str()
            .is_some_and(|d| d.ends_with('s')),
        "{back}"
    );
    assert_eq!(count("NATS connected"), 1);
}
