//! The OpenAPI document: served at /api/v1/openapi.json as a read endpoint, OpenAPI 3.1, and
//! strict enough that the conformance check every API test runs through (tests/common/openapi.rs)
//! catches an answer that drifts from it.

mod common;

use std::panic::catch_unwind;

use common::{NatsServer, app, app_with, call, openapi};
use serde_json::{Value, json};

async fn fetch(router: &axum::Router, token: Option<&str>) -> (u16, Value) {
    let (status, _, body) = common::get_raw(router, "/api/v1/openapi.json", token).await;
    (status, serde_json::from_slice(&body).expect("JSON"))
}

#[tokio::test]
async fn the_document_is_served_and_lists_every_route_and_error_code() {
    let server = NatsServer::start();
    let (_, router) = app(&server).await;
    let (status, doc) = fetch(&router, None).await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    for (path, method) in [
        ("/health", "get"),
        ("/metrics", "get"),
        ("/api/v1/openapi.json", "get"),
        ("/api/v1/status", "get"),
        ("/api/v1/broker/status", "get"),
        ("/api/v1/broker/health", "get"),
        ("/api/v1/broker/streams", "get"),
        ("/api/v1/broker/streams", "post"),
        ("/api/v1/broker/streams/{name}", "get"),
        ("/api/v1/broker/streams/{name}", "delete"),
        ("/api/v1/broker/streams/{name}/purge", "post"),
        ("/api/v1/broker/streams/{name}/messages", "get"),
        ("/api/v1/broker/publish", "post"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }
    let codes: Vec<&str> = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for code in message_broker::api::ErrorCode::ALL {
        assert!(codes.contains(&code.as_str()), "{code}");
    }
    // Every route that answers in the envelope checks against its own document.
    let (status, _) = call(&router, "GET", "/api/v1/broker/streams", None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_document_is_a_read_endpoint_under_the_token_rules() {
    let server = NatsServer::start();
    let yaml =
        "services:\n  message-broker:\n    api:\n      read_token: \"read-token-0123456789\"\n";
    let (_, router) = app_with(&server, yaml).await;
    let (status, body) = fetch(&router, None).await;
    assert_eq!((status, &body["error_code"]), (401, &json!("UNAUTHORIZED")));
    let (status, body) = fetch(&router, Some("read-token-0123456789")).await;
    assert_eq!((status, &body["openapi"]), (200, &json!("3.1.0")));
}

/// The check fails (panics) for each kind of drift.
#[test]
fn the_conformance_check_catches_drift() {
    let drifts = [
        // A field of the wrong type.
        (
            "GET",
            "/api/v1/broker/streams",
            200,
            json!({"status": "success", "message": "m", "timestamp": "t",
                   "data": {"count": "one", "streams": []}}),
        ),
        // A required field missing.
        (
            "GET",
            "/api/v1/broker/streams",
            200,
            json!({"status": "success", "message": "m", "timestamp": "t", "data": {"streams": []}}),
        ),
        // An error code outside the table.
        (
            "GET",
            "/api/v1/broker/streams/x",
            404,
            json!({"status": "error", "error_code": "NOPE", "message": "m", "data": null,
                   "timestamp": "t"}),
        ),
        // A status the operation does not list.
        (
            "GET",
            "/api/v1/broker/streams",
            418,
            json!({"status": "error", "error_code": "INTERNAL_ERROR", "message": "m",
                   "data": null, "timestamp": "t"}),
        ),
        // A success from a route the document does not have.
        (
            "GET",
            "/api/v1/undocumented",
            200,
            json!({"status": "success", "message": "m", "data": {}, "timestamp": "t"}),
        ),
    ];
    for (method, path, status, body) in drifts {
        let caught = catch_unwind(|| openapi::check(method, path, status, &body));
        assert!(
            caught.is_err(),
            "not caught: {method} {path} {status} {body}"
        );
    }
    openapi::check(
        "DELETE",
        "/api/v1/broker/streams/x",
        200,
        &json!({"status": "success", "message": "m", "timestamp": "t",
                "data": {"name": "x", "deleted": true}}),
    );
}
