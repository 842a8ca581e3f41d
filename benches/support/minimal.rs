//! The bar the service is measured against: the least an axum service can do for the same
//! request — parse the same JSON, publish to JetStream, await the ack, answer JSON — with
//! `axum::serve`, no validation, no envelope, no statistics, no limits. Its batch sends every
//! message, then awaits every ack together. `/health` answers a fixed JSON object.

use std::future::IntoFuture;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
struct Body {
    subject: String,
    message: Value,
}

async fn publish(
    State(js): State<async_nats::jetstream::Context>,
    axum::Json(body): axum::Json<Body>,
) -> Response {
    let payload = match body.message {
        Value::String(text) => Bytes::from(text),
        other => Bytes::from(other.to_string()),
    };
    let ack = match js.publish(body.subject, payload).await {
        Ok(ack) => ack.await,
        Err(err) => return (StatusCode::SERVICE_UNAVAILABLE, err.to_string()).into_response(),
    };
    match ack {
        Ok(ack) => axum::Json(json!({
            "status": "success",
            "data": {"stream": ack.stream, "seq": ack.sequence, "duplicate": ack.duplicate},
        }))
        .into_response(),
        Err(err) => (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response(),
    }
}

#[derive(Deserialize)]
struct Batch {
    messages: Vec<Body>,
}

/// Every message sent, then every ack awaited together.
async fn publish_batch(
    State(js): State<async_nats::jetstream::Context>,
    axum::Json(batch): axum::Json<Batch>,
) -> Response {
    let mut acks = Vec::with_capacity(batch.messages.len());
    for body in batch.messages {
        let payload = match body.message {
            Value::String(text) => Bytes::from(text),
            other => Bytes::from(other.to_string()),
        };
        match js.publish(body.subject, payload).await {
            Ok(ack) => acks.push(ack.into_future()),
            Err(err) => return (StatusCode::SERVICE_UNAVAILABLE, err.to_string()).into_response(),
        }
    }
    let results: Vec<Value> = futures::future::join_all(acks)
        .await
        .into_iter()
        .map(|ack| match ack {
            Ok(ack) => {
                json!({"stream": ack.stream, "seq": ack.sequence, "duplicate": ack.duplicate})
            }
            Err(err) => json!({"error": err.to_string()}),
        })
        .collect();
    axum::Json(json!({"status": "success", "data": {"results": results}})).into_response()
}

async fn health() -> axum::Json<Value> {
    axum::Json(json!({"status": "healthy"}))
}

/// Serves on `port` until the process is killed.
pub fn serve(nats_url: &str, port: u16) -> ! {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let client = async_nats::connect(nats_url)
            .await
            .expect("connect to NATS");
        let router = Router::new()
            .route("/api/v1/broker/publish", post(publish))
            .route("/api/v1/broker/publish/batch", post(publish_batch))
            .route("/health", get(health))
            .with_state(async_nats::jetstream::new(client));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind");
        axum::serve(listener, router).await.expect("serve");
    });
    std::process::exit(0)
}
