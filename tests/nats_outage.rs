//! NATS going away and coming back: the service answers 503 quickly meanwhile and recovers
//! without a restart; configured streams are provisioned on every (re)connect.

mod common;

use std::time::{Duration, Instant};

use axum::Router;
use common::{
    NATS_CONNECTION_ERROR, NatsServer, app, app_with, call, expect_error, settings_for, wait_for,
    wait_until,
};
use message_broker::api::Shared;
use message_broker::nats::{LinkState, Nats};
use message_broker::serve::nats_options;
use serde_json::json;

const STREAMS_YAML: &str = r#"
services:
  message-broker:
    streams:
      orders:
        subjects: ["orders.>"]
        max_msgs: 1000
      audit: {}
"#;

#[tokio::test]
async fn serves_503_while_nats_is_down_and_recovers() {
    let mut server = NatsServer::start();
    let (state, router) = app(&server).await;
    let (status, _) = call(
        &router,
        "POST",
        "/api/v1/broker/streams",
        Some(json!({"name": "s", "subjects": ["s.>"]})),
    )
    .await;
    assert_eq!(status, 200);

    server.stop();
    wait_until("disconnect noticed", Duration::from_secs(10), || {
        !state.nats.is_connected()
    })
    .await;

    for (method, uri, body) in [
        ("GET", "/api/v1/broker/streams", None),
        ("GET", "/api/v1/broker/streams/s", None),
        ("DELETE", "/api/v1/broker/streams/s", None),
        ("POST", "/api/v1/broker/streams/s/purge", None),
        ("GET", "/api/v1/broker/streams/s/messages?last=1", None),
        (
            "POST",
            "/api/v1/broker/publish",
            Some(json!({"subject": "s.x", "message": "m"})),
        ),
        (
            "POST",
            "/api/v1/broker/streams",
            Some(json!({"name": "t", "subjects": ["t"]})),
        ),
        ("GET", "/api/v1/broker/health", None),
    ] {
        let started = Instant::now();
        expect_error(&router, method, uri, body, NATS_CONNECTION_ERROR).await;
        assert!(
            started.elapsed() < state.nats.timeout() + Duration::from_secs(1),
            "{uri}"
        );
    }
    let (status, body) = call(&router, "GET", "/health", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["status"], "degraded");
    let (status, body) = call(&router, "GET", "/api/v1/status", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["nats_info"]["client_connected"], false);
    assert!(
        body["data"]["statistics"]["connection_errors"]
            .as_u64()
            .unwrap()
            >= 1
    );
    let (status, body) = call(&router, "GET", "/api/v1/broker/status", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["server"]["available"], false);

    server.restart();
    wait_until("reconnect", Duration::from_secs(15), || {
        state.nats.is_connected()
    })
    .await;
    let (status, body) = call(&router, "GET", "/api/v1/broker/streams", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["streams"][0]["name"], "s");
    let (status, body) = call(
        &router,
        "POST",
        "/api/v1/broker/publish",
        Some(json!({"subject": "s.x", "message": "after"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let connection = state.nats.connection();
    assert_eq!(connection.state, LinkState::Connected);
    assert!(connection.reconnects >= 1);
    let (_, body) = call(&router, "GET", "/health", None).await;
    assert_eq!(body["data"]["status"], "healthy");
}

#[tokio::test]
async fn starts_without_nats_and_connects_when_it_appears() {
    let port = common::free_port();
    let url = format!("nats://127.0.0.1:{port}");
    let settings = settings_for(&url, "http://127.0.0.1:1", "");
    let nats = Nats::connect(&nats_options(&settings))
        .await
        .expect("connect returns at once");
    let state = Shared::new(settings, nats);
    let router = common::local_router(state.clone());
    expect_error(
        &router,
        "GET",
        "/api/v1/broker/streams",
        None,
        NATS_CONNECTION_ERROR,
    )
    .await;
    assert_eq!(state.nats.connection().state, LinkState::Connecting);
    drop(state);
}

#[tokio::test]
async fn configured_streams_are_provisioned_and_reprovisioned_after_reconnect() {
    let mut server = NatsServer::start();
    let (state, router) = app_with(&server, STREAMS_YAML).await;
    let report = state.nats.provision(&state.settings.streams).await;
    assert_eq!(report.created, vec!["audit", "orders"]);

    // Data stored before a config change must survive the update.
    for i in 0..5 {
        let (status, _) = call(
            &router,
            "POST",
            "/api/v1/broker/publish",
            Some(json!({"subject": format!("orders.{i}"), "message": i})),
        )
        .await;
        assert_eq!(status, 200);
    }
    let mut changed = state.settings.streams.clone();
    changed
        .iter_mut()
        .find(|s| s.name == "orders")
        .unwrap()
        .max_msgs = Some(2000);
    let report = state.nats.provision(&changed).await;
    assert_eq!(report.updated, vec!["orders"]);
    assert_eq!(report.unchanged, vec!["audit"]);
    let (_, body) = call(&router, "GET", "/api/v1/broker/streams/orders", None).await;
    assert_eq!(body["data"]["config"]["max_msgs"], 2000);
    assert_eq!(body["data"]["state"]["messages"], 5);

    // A stream deleted while we were away comes back on reconnect, via the background task.
    // Its first pass (we are connected) is seen re-creating a stream deleted before it started,
    // so that pass is over for `audit` before the deletion that the reconnect must repair.
    delete_audit(&router, &server).await;
    let cancel = tokio_util::sync::CancellationToken::new();
    message_broker::nats::provision_on_connect(
        state.nats.clone(),
        state.settings.streams.clone(),
        cancel.clone(),
    );
    let first = audit_created(&server, "the first pass to create audit").await;

    delete_audit(&router, &server).await;
    let reconnects = state.nats.connection().reconnects;
    server.restart();
    wait_until("the client to reconnect", Duration::from_secs(15), || {
        state.nats.connection().reconnects > reconnects
    })
    .await;
    let again = audit_created(&server, "audit re-created after the reconnect").await;
    assert_ne!(again, first, "a new stream, created at a new time");
    let (_, body) = call(&router, "GET", "/api/v1/broker/streams/orders", None).await;
    assert_eq!(
        body["data"]["state"]["messages"], 5,
        "data survived reconnect"
    );
    cancel.cancel();
}

/// Deletes `audit` through the API and checks, on the server itself, that it is gone.
async fn delete_audit(router: &Router, server: &NatsServer) {
    let (status, body) = call(router, "DELETE", "/api/v1/broker/streams/audit", None).await;
    assert_eq!(status, 200, "{body}");
    let on_server = server.streams().await;
    assert!(!on_server.contains_key("audit"), "{on_server:?}");
}

/// Waits until the server itself has a stream `audit`; its creation time.
async fn audit_created(server: &NatsServer, what: &str) -> String {
    wait_for(what, Duration::from_secs(15), async || {
        let mut on_server = server.streams().await;
        on_server.remove("audit").ok_or(format!("{on_server:?}"))
    })
    .await
}
