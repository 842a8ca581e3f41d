//! Who may use the REST API: bearer tokens scoped read or write, protected mode while no token is
//! set (changes only from this host), and read-only service. Outcomes are checked on the server
//! through a second client, not only through the answers.

mod common;

use std::net::SocketAddr;

use async_nats::jetstream;
use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::Request;
use common::NatsServer;
use common::serve_http::{http, request};
use common::service::Service;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

const WRITE: &str = "w-0123456789abcdef-write";
const READ: &str = "r-0123456789abcdef-read";

/// One request with an optional bearer token: the status, the envelope and WWW-Authenticate.
async fn call_as(
    router: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value, Option<String>) {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        builder = builder.header("Authorization", format!("Bearer {token}"));
    }
    let body = match body {
        Some(json) => {
            builder = builder.header("content-type", "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    let response = router
        .clone()
        .oneshot(builder.body(body).unwrap())
        .await
        .expect("router answers");
    let status = response.status();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let json: Value = serde_json::from_slice(&bytes).expect("JSON");
    common::assert_envelope(&json, status);
    (status.as_u16(), json, challenge)
}

async fn stream_exists(server: &NatsServer, name: &str) -> bool {
    let js = jetstream::new(async_nats::connect(server.url()).await.unwrap());
    js.get_stream(name).await.is_ok()
}

fn create(name: &str) -> Option<Value> {
    Some(json!({ "name": name, "subjects": [format!("{name}.>")] }))
}

const STREAMS: &str = "/api/v1/broker/streams";

#[tokio::test]
async fn with_tokens_every_request_needs_one_and_a_read_token_only_reads() {
    let server = NatsServer::start();
    let yaml = format!(
        "services:\n  message-broker:\n    api:\n      token: \"{WRITE}\"\n      read_token: \"{READ}\"\n"
    );
    let (_state, router) = common::app_with(&server, &yaml).await;

    let (status, body, challenge) = call_as(&router, "GET", STREAMS, None, None).await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (401, Some("UNAUTHORIZED"))
    );
    assert_eq!(
        challenge.as_deref(),
        Some("Bearer realm=\"message-broker\"")
    );
    let (status, body, challenge) = call_as(
        &router,
        "GET",
        STREAMS,
        Some("w-0123456789abcdef-wrong"),
        None,
    )
    .await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (401, Some("UNAUTHORIZED"))
    );
    assert!(challenge.unwrap().contains("invalid_token"));

    // Liveness stays open for probes.
    let (status, _, _) = call_as(&router, "GET", "/health", None, None).await;
    assert_eq!(status, 200);

    let (status, body, _) = call_as(&router, "GET", STREAMS, Some(READ), None).await;
    assert_eq!(status, 200, "{body}");
    let (status, body, _) = call_as(&router, "POST", STREAMS, Some(READ), create("nope")).await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (403, Some("FORBIDDEN"))
    );
    assert!(!stream_exists(&server, "nope").await);
    let (status, body, _) = call_as(&router, "POST", STREAMS, Some(WRITE), create("orders")).await;
    assert_eq!(status, 200, "{body}");
    assert!(stream_exists(&server, "orders").await);
    let (status, body, _) = call_as(
        &router,
        "POST",
        "/api/v1/broker/publish",
        None,
        Some(json!({ "subject": "orders.1", "message": "x" })),
    )
    .await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (401, Some("UNAUTHORIZED"))
    );
}

/// The service's router as a client at `peer` reaches it.
fn from(state: message_broker::api::AppState, peer: &str) -> Router {
    message_broker::api::router(state).layer(MockConnectInfo(peer.parse::<SocketAddr>().unwrap()))
}

#[tokio::test]
async fn without_tokens_only_this_host_may_change_things() {
    let server = NatsServer::start();
    let (state, _) = common::app(&server).await;
    let remote = from(state.clone(), "192.0.2.7:41000");
    let (status, body, _) = call_as(&remote, "GET", STREAMS, None, None).await;
    assert_eq!(status, 200, "{body}");
    let (status, body, _) = call_as(&remote, "POST", STREAMS, None, create("remote")).await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (403, Some("FORBIDDEN")),
        "{body}"
    );
    assert!(
        body["message"].as_str().unwrap().contains("api.token"),
        "{body}"
    );
    assert!(!stream_exists(&server, "remote").await);

    for local in ["127.0.0.1:41000", "[::1]:41000", "[::ffff:127.0.0.1]:41000"] {
        let router = from(state.clone(), local);
        let name = format!("local{}", local.len());
        let (status, body, _) = call_as(&router, "POST", STREAMS, None, create(&name)).await;
        assert_eq!(status, 200, "{local}: {body}");
        assert!(stream_exists(&server, &name).await);
    }
}

#[tokio::test]
async fn allow_unauthenticated_takes_changes_from_anyone() {
    let server = NatsServer::start();
    let yaml = "services:\n  message-broker:\n    api:\n      allow_unauthenticated: true\n";
    let (state, _) = common::app_with(&server, yaml).await;
    let remote = from(state, "192.0.2.7:41000");
    let (status, body, _) = call_as(&remote, "POST", STREAMS, None, create("open")).await;
    assert_eq!(status, 200, "{body}");
    assert!(stream_exists(&server, "open").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_takes_tokens_from_a_file_and_refuses_changes_when_read_only() {
    let server = NatsServer::start();
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens");
    // Two write tokens, as during a rotation.
    std::fs::write(
        &tokens,
        format!("# current and next\n{WRITE}\nnext-0123456789abcdef\n"),
    )
    .unwrap();
    let file = tokens.display().to_string();
    let service = Service::start_against(&server, &[("API_TOKEN_FILE", file.as_str())]);
    let client = http();
    let url = service.url(STREAMS);
    let (status, body) = request(&client, "GET", &url, None).await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (401, Some("UNAUTHORIZED"))
    );
    for token in [WRITE, "next-0123456789abcdef"] {
        let response = client.get(&url).bearer_auth(token).send().await.unwrap();
        assert_eq!(response.status(), 200, "{token}");
    }
    drop(service);

    let read_only = Service::start_against(&server, &[("MESSAGE_BROKER_READ_ONLY", "true")]);
    let url = read_only.url(STREAMS);
    let (status, body) = request(&client, "POST", &url, create("frozen")).await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (403, Some("READ_ONLY")),
        "{body}"
    );
    assert!(!stream_exists(&server, "frozen").await);
    let (status, _) = request(&client, "GET", &url, None).await;
    assert_eq!(status, 200);
}

#[test]
fn tokens_never_appear_in_the_printed_configuration() {
    let sandbox = common::config_run::Sandbox::new();
    let run = sandbox.run(
        &["config"],
        &[("API_TOKEN", WRITE), ("API_READ_TOKEN", READ)],
    );
    let json = run.json();
    let text = json.to_string();
    assert!(!text.contains(WRITE) && !text.contains(READ), "{text}");
    assert_eq!(json["access"]["write_tokens"], json!(["***"]));
    assert_eq!(json["access"]["read_tokens"], json!(["***"]));
    // A weak token is refused at start-up, naming where it came from.
    let run = sandbox.run(&["config"], &[("API_TOKEN", "short")]);
    let message = run.config_error();
    assert!(message.contains("--api-token / API_TOKEN"), "{message}");
}
