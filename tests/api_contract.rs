//! The envelope holds for every response: unknown routes, wrong methods, bad bodies, oversized
//! bodies and handler panics included.

mod common;

use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use common::{
    INTERNAL_ERROR, INVALID_MESSAGE_DATA, INVALID_PARAMETERS, INVALID_STREAM_DATA, JETSTREAM_ERROR,
    NatsServer, app, assert_error, call, expect_error, raw_call,
};
use message_broker::api::contract;
use serde_json::json;

#[tokio::test]
async fn unknown_route_is_404_in_the_envelope() {
    let server = NatsServer::start();
    let (_, router) = app(&server).await;
    let result = expect_error(
        &router,
        "GET",
        "/api/v1/nothing-here",
        None,
        (404, "INVALID_PARAMETERS"),
    )
    .await;
    assert!(
        result["message"]
            .as_str()
            .unwrap()
            .contains("/api/v1/nothing-here")
    );
}

#[tokio::test]
async fn wrong_method_is_405_in_the_envelope() {
    let server = NatsServer::start();
    let (_, router) = app(&server).await;
    expect_error(
        &router,
        "PUT",
        "/api/v1/broker/streams",
        Some(json!({})),
        (405, "INVALID_PARAMETERS"),
    )
    .await;
    expect_error(
        &router,
        "POST",
        "/health",
        None,
        (405, "INVALID_PARAMETERS"),
    )
    .await;
}

#[tokio::test]
async fn bad_json_and_content_type_are_400() {
    let server = NatsServer::start();
    let (_, router) = app(&server).await;
    let bad = Request::post("/api/v1/broker/streams")
        .header("content-type", "application/json")
        .body(Body::from("{\"name\": "))
        .unwrap();
    let result = raw_call(&router, bad).await;
    assert_error(&result, INVALID_STREAM_DATA);
    assert!(
        result.1["message"]
            .as_str()
            .unwrap()
            .contains("invalid JSON")
    );

    let bad = Request::post("/api/v1/broker/publish")
        .header("content-type", "application/json")
        .body(Body::from("[1, 2"))
        .unwrap();
    assert_error(&raw_call(&router, bad).await, INVALID_MESSAGE_DATA);

    let trailing = Request::post("/api/v1/broker/publish")
        .header("content-type", "application/json")
        .body(Body::from("{\"subject\":\"a\",\"message\":1} extra"))
        .unwrap();
    assert_error(&raw_call(&router, trailing).await, INVALID_MESSAGE_DATA);

    let text = Request::post("/api/v1/broker/publish")
        .header("content-type", "text/plain")
        .body(Body::from("{\"subject\":\"a\",\"message\":1}"))
        .unwrap();
    let result = raw_call(&router, text).await;
    assert_error(&result, INVALID_PARAMETERS);
    assert!(
        result.1["message"]
            .as_str()
            .unwrap()
            .contains("application/json")
    );

    let none = Request::post("/api/v1/broker/publish")
        .body(Body::from("{}"))
        .unwrap();
    assert_error(&raw_call(&router, none).await, INVALID_PARAMETERS);
}

#[tokio::test]
async fn oversized_body_is_413_in_the_envelope() {
    let server = NatsServer::start();
    let (state, router) = app(&server).await;
    let big = "x".repeat(state.settings.max_body_bytes + 1);
    let request = Request::post("/api/v1/broker/publish")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"subject": "a.b", "message": big}).to_string(),
        ))
        .unwrap();
    assert_error(
        &raw_call(&router, request).await,
        (413, "INVALID_PARAMETERS"),
    );
}

#[tokio::test]
async fn a_panicking_handler_answers_500_and_the_service_keeps_serving() {
    let server = NatsServer::start();
    let (state, _) = app(&server).await;
    let routes = axum::Router::new()
        .route(
            "/test-only/boom",
            get(|| async {
                if true {
                    panic!("handler exploded");
                }
                "never"
            }),
        )
        .route(
            "/test-only/fine",
            get(|| async { message_broker::api::ok("fine", json!({})) }),
        );
    let router = contract(routes, state.clone());
    let result = expect_error(&router, "GET", "/test-only/boom", None, INTERNAL_ERROR).await;
    assert!(!result["message"].as_str().unwrap().contains("exploded"));
    let (status, _) = call(&router, "GET", "/test-only/fine", None).await;
    assert_eq!(status, 200);
    let stats = state.api_stats.snapshot();
    assert_eq!(stats.errors_by_code["INTERNAL_ERROR"], 1);
}

#[tokio::test]
async fn status_reports_the_spec_fields_with_real_values() {
    let server = NatsServer::start();
    let (_, router) = app(&server).await;
    call(
        &router,
        "POST",
        "/api/v1/broker/streams",
        Some(json!({"name": "test_stream", "subjects": ["test.>"]})),
    )
    .await;
    for _ in 0..3 {
        let (status, _) = call(
            &router,
            "POST",
            "/api/v1/broker/publish",
            Some(json!({"subject": "test.message", "message": "Hello World"})),
        )
        .await;
        assert_eq!(status, 200);
    }
    let (status, body) = call(&router, "GET", "/api/v1/status", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["message"], "Service status retrieved successfully");
    let data = &body["data"];
    assert_eq!(data["service"], "message-broker");
    assert_eq!(data["status"], "running");
    assert_eq!(data["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(data["environment"], "test");
    assert_eq!(data["port"], 8086);
    assert!(data["uptime_seconds"].as_f64().unwrap() >= 0.0);
    for feature in [
        "nats_server",
        "jetstream",
        "message_routing",
        "stream_management",
        "message_persistence",
    ] {
        assert!(data["features"][feature].is_boolean(), "{feature}");
    }
    assert_eq!(data["features"]["jetstream"], true);
    assert_eq!(data["nats_info"]["client_connected"], true);
    assert_eq!(data["nats_info"]["streams_count"], 1);
    assert_eq!(
        data["nats_info"]["server_version"]
            .as_str()
            .unwrap()
            .split('.')
            .count(),
        3
    );
    assert_eq!(data["statistics"]["messages_published"], 3);
    assert_eq!(data["statistics"]["messages_consumed"], 0);
    assert_eq!(data["statistics"]["active_streams"], 1);
    assert_eq!(data["statistics"]["connection_errors"], 0);
}

#[tokio::test]
async fn broker_status_and_health_report_every_section() {
    let server = NatsServer::start();
    let (_, router) = app(&server).await;
    let (status, body) = call(&router, "GET", "/api/v1/broker/status", None).await;
    assert_eq!(status, 200);
    let data = &body["data"];
    assert_eq!(data["client"]["state"], "connected");
    assert!(data["client"]["rtt_ms"].as_f64().is_some());
    assert_eq!(data["server"]["available"], true);
    assert!(data["server"]["connections"].as_u64().unwrap() >= 1);
    assert_eq!(data["jetstream"]["available"], true);
    assert_eq!(
        data["jetstream"]["source"],
        format!("{}/jsz", server.monitor_url())
    );
    assert_eq!(data["cluster"]["available"], true);
    assert_eq!(data["cluster"]["num_routes"], 0);
    assert!(data["api"]["requests"].is_u64());

    let (status, body) = call(&router, "GET", "/api/v1/broker/health", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["checks"]["nats_connection"]["ok"], true);
    assert_eq!(body["data"]["checks"]["jetstream"]["ok"], true);
    assert_eq!(body["data"]["checks"]["monitoring"]["ok"], true);
}

#[tokio::test]
async fn monitoring_port_unreachable_is_reported_per_section() {
    let server = NatsServer::start();
    let dead = format!("http://127.0.0.1:{}", common::free_port());
    let settings = common::settings_for(&server.url(), &dead, "");
    let nats = message_broker::nats::Nats::connect(&message_broker::serve::nats_options(&settings))
        .await
        .unwrap();
    common::wait_until("connected", std::time::Duration::from_secs(10), || {
        nats.is_connected()
    })
    .await;
    let router = common::local_router(message_broker::api::Shared::new(settings, nats));
    let (status, body) = call(&router, "GET", "/api/v1/broker/status", None).await;
    assert_eq!(status, 200);
    let data = &body["data"];
    assert_eq!(data["server"]["available"], false);
    assert!(
        data["server"]["error"]
            .as_str()
            .unwrap()
            .contains("unreachable"),
        "{data}"
    );
    // JetStream figures still come over NATS itself.
    assert_eq!(data["jetstream"]["available"], true);
    assert_eq!(data["jetstream"]["source"], "$JS.API.INFO");
    assert_eq!(data["cluster"]["available"], false);
    let (status, body) = call(&router, "GET", "/api/v1/broker/health", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["checks"]["monitoring"]["ok"], false);
}

#[tokio::test]
async fn broker_health_is_503_jetstream_error_without_jetstream() {
    let server = NatsServer::start_with(common::ServerOptions::default());
    let (_, router) = app(&server).await;
    let result = expect_error(
        &router,
        "GET",
        "/api/v1/broker/health",
        None,
        JETSTREAM_ERROR,
    )
    .await;
    assert!(result["message"].as_str().unwrap().contains("jetstream"));
    expect_error(
        &router,
        "GET",
        "/api/v1/broker/streams",
        None,
        JETSTREAM_ERROR,
    )
    .await;
    let (_, body) = call(&router, "GET", "/api/v1/status", None).await;
    assert_eq!(body["data"]["features"]["jetstream"], false);
}
