//! `GET /metrics`: requests by route, messages, the NATS connection, streams and consumer lag, in
//! the text format Prometheus scrapes — each figure checked against what the server itself says.

mod common;

use std::time::Duration;

use async_nats::jetstream;
use axum::Router;
use common::{NatsServer, app, app_with, call, streams, wait_until};
use serde_json::json;

/// `GET /metrics` with an optional bearer token: status, content type and body.
async fn scrape(router: &Router, token: Option<&str>) -> (u16, String, String) {
    let (status, content_type, body) = common::get_raw(router, "/metrics", token).await;
    (
        status,
        content_type,
        String::from_utf8(body).expect("UTF-8"),
    )
}

/// The value of one series (`name{labels}` exactly as written), if present.
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let (name, value) = line.rsplit_once(' ')?;
            (name == series).then(|| value.parse().expect("a number"))
        })
}

#[track_caller]
fn expect(text: &str, series: &str, expected: f64) {
    assert_eq!(value(text, series), Some(expected), "{series} in\n{text}");
}

#[tokio::test]
async fn requests_messages_and_consumer_lag_as_the_server_sees_them() {
    let server = NatsServer::start();
    let (_, router) = app(&server).await;
    streams::create(&router, json!({"name": "orders", "subjects": ["orders.>"]})).await;
    for (n, id) in [(1, "a"), (1, "a"), (2, "b"), (3, "c")] {
        let (status, body) = call(
            &router,
            "POST",
            "/api/v1/broker/publish",
            Some(json!({"subject": "orders.new", "message": {"n": n}, "msg_id": id})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, _) = call(&router, "GET", "/api/v1/broker/streams/nope", None).await;
    assert_eq!(status, 404);
    // A consumer made behind the service's back, which has been delivered nothing yet.
    let js = jetstream::new(async_nats::connect(server.url()).await.unwrap());
    let mut stream = js.get_stream("orders").await.unwrap();
    stream
        .create_consumer(jetstream::consumer::pull::Config {
            durable_name: Some("billing".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let stored = stream.info().await.unwrap().state.messages;
    assert_eq!(stored, 3);

    let (status, content_type, text) = scrape(&router, None).await;
    assert_eq!(status, 200, "{text}");
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    assert!(text.ends_with("# EOF\n"), "{text}");
    expect(&text, "message_broker_messages_published_total", 3.0);
    expect(&text, "message_broker_messages_duplicate_total", 1.0);
    expect(&text, "message_broker_nats_connected", 1.0);
    expect(
        &text,
        "message_broker_nats_connection_state{state=\"connected\"}",
        1.0,
    );
    expect(&text, "message_broker_streams_sample_success", 1.0);
    expect(
        &text,
        "message_broker_stream_messages{stream=\"orders\"}",
        stored as f64,
    );
    expect(
        &text,
        "message_broker_stream_consumers{stream=\"orders\"}",
        1.0,
    );
    expect(
        &text,
        "message_broker_consumer_pending{stream=\"orders\",consumer=\"billing\"}",
        3.0,
    );
    expect(
        &text,
        "message_broker_stream_consumer_lag_max{stream=\"orders\"}",
        3.0,
    );
    expect(
        &text,
        "message_broker_http_requests_total{route=\"/api/v1/broker/publish\",method=\"POST\",status=\"200\",error_code=\"\"}",
        4.0,
    );
    expect(
        &text,
        "message_broker_http_requests_total{route=\"/api/v1/broker/streams/{name}\",method=\"GET\",status=\"404\",error_code=\"STREAM_NOT_FOUND\"}",
        1.0,
    );
    expect(
        &text,
        "message_broker_http_request_duration_seconds_count{route=\"/api/v1/broker/publish\",method=\"POST\"}",
        4.0,
    );
    // An unknown path is counted under one route label, not its own.
    call(&router, "GET", "/no/such/path", None).await;
    let (_, _, text) = scrape(&router, None).await;
    expect(
        &text,
        "message_broker_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\",error_code=\"INVALID_PARAMETERS\"}",
        1.0,
    );
    assert!(!text.contains("/no/such/path"), "{text}");
}

#[tokio::test]
async fn a_mirror_reports_how_far_behind_its_origin_it_is() {
    let server = NatsServer::start();
    let (_, router) = app(&server).await;
    streams::create(&router, json!({"name": "orders", "subjects": ["orders.>"]})).await;
    let js = jetstream::new(async_nats::connect(server.url()).await.unwrap());
    common::streams::create_mirror(&js, "orders_copy", "orders").await;
    js.publish("orders.new", "x".into())
        .await
        .unwrap()
        .await
        .unwrap();
    // Caught up, as the server says, and as the scrape says.
    let series = "message_broker_stream_source_lag{stream=\"orders_copy\",origin=\"orders\"}";
    common::wait_for(
        "the mirror to catch up",
        Duration::from_secs(10),
        async || {
            let info = js
                .get_stream("orders_copy")
                .await
                .unwrap()
                .info()
                .await
                .unwrap()
                .clone();
            let (_, _, text) = scrape(&router, None).await;
            match (info.state.messages, value(&text, series)) {
                (1, Some(0.0)) => Ok(()),
                other => Err(format!("{other:?}\n{text}")),
            }
        },
    )
    .await;
    let (_, _, text) = scrape(&router, None).await;
    expect(
        &text,
        "message_broker_stream_source_failing{stream=\"orders_copy\",origin=\"orders\"}",
        0.0,
    );
    // A single server: no stream is clustered.
    assert!(!text.contains("stream_replicas_behind{"), "{text}");
}

#[tokio::test]
async fn a_batch_counts_each_message_and_each_duplicate() {
    let server = NatsServer::start();
    let (_, router) = app(&server).await;
    streams::create(&router, json!({"name": "orders", "subjects": ["orders.>"]})).await;
    let messages = json!([
        {"subject": "orders.new", "message": 1, "msg_id": "a"},
        {"subject": "orders.new", "message": 1, "msg_id": "a"},
        {"subject": "orders.new", "message": 2},
        {"subject": "nobody.listens", "message": 3},
    ]);
    let (status, body) = call(
        &router,
        "POST",
        "/api/v1/broker/publish/batch",
        Some(json!({ "messages": messages })),
    )
    .await;
    assert_eq!(status, 207, "{body}");

    let (_, _, text) = scrape(&router, None).await;
    expect(&text, "message_broker_messages_published_total", 2.0);
    expect(&text, "message_broker_messages_duplicate_total", 1.0);
    expect(
        &text,
        "message_broker_http_requests_total{route=\"/api/v1/broker/publish/batch\",method=\"POST\",status=\"207\",error_code=\"\"}",
        1.0,
    );
}

#[tokio::test]
async fn metrics_are_a_read_endpoint_under_the_token_rules() {
    const READ: &str = "read-token-0123456789";
    let server = NatsServer::start();
    let yaml = format!(
        "services:\n  message-broker:\n    api:\n      token: \"write-token-0123456789\"\n      read_token: \"{READ}\"\n"
    );
    let (_, router) = app_with(&server, &yaml).await;
    let (status, _, body) = scrape(&router, None).await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("UNAUTHORIZED"), "{body}");
    let (status, _, body) = scrape(&router, Some(READ)).await;
    assert_eq!(status, 200, "{body}");
    expect(&body, "message_broker_nats_connected", 1.0);
}

#[tokio::test]
async fn without_nats_a_scrape_answers_at_once_and_says_so() {
    let mut server = NatsServer::start();
    let (state, router) = app(&server).await;
    server.stop();
    wait_until("NATS lost", Duration::from_secs(10), || {
        !state.nats.is_connected()
    })
    .await;
    let asked = std::time::Instant::now();
    let (status, _, text) = scrape(&router, None).await;
    assert_eq!(status, 200, "{text}");
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "{:?}",
        asked.elapsed()
    );
    expect(&text, "message_broker_nats_connected", 0.0);
    expect(&text, "message_broker_streams_sample_success", 0.0);
    assert!(!text.contains("message_broker_stream_messages"), "{text}");
}

#[tokio::test]
async fn supervised_nodes_report_their_state_and_restarts() {
    use common::service::Service;
    let dir = tempfile::tempdir().unwrap();
    let (port, cluster, http) = (
        common::free_port(),
        common::free_port(),
        common::free_port(),
    );
    let config = dir.path().join("supervised.yaml");
    std::fs::write(
        &config,
        format!(
            "services:\n  message-broker:\n    nats_server:\n      port: {port}\n      \
             cluster_port: {cluster}\n      http_port: {http}\n      data_dir: {}\n",
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    let service = Service::start(
        &[("MESSAGE_BROKER_CONFIG", config.to_str().unwrap())],
        &["--supervise"],
    );
    let text = common::wait_for(
        "the supervised node to run",
        Duration::from_secs(20),
        async || {
            let text = reqwest::get(service.url("/metrics"))
                .await
                .map_err(|e| e.to_string())?
                .text()
                .await
                .map_err(|e| e.to_string())?;
            match value(
                &text,
                "message_broker_supervised_node_state{node=\"message-broker\",state=\"running\"}",
            ) {
                Some(1.0) => Ok(text),
                _ => Err(text),
            }
        },
    )
    .await;
    expect(
        &text,
        "message_broker_supervised_node_restarts_total{node=\"message-broker\"}",
        0.0,
    );
    expect(
        &text,
        "message_broker_supervised_node_state{node=\"message-broker\",state=\"failed\"}",
        0.0,
    );
}
