//! Helpers for the stream API tests: creating a stream, publishing to it, its detail, and the
//! names of every stream; a mirror made behind the API's back.

use axum::Router;
use serde_json::Value;

use super::call;

pub const STREAMS: &str = "/api/v1/broker/streams";

pub async fn create(router: &Router, body: Value) -> Value {
    let (status, json) = call(router, "POST", STREAMS, Some(body.clone())).await;
    assert_eq!(status, 200, "creating {body}: {json}");
    json["data"].clone()
}

pub async fn detail(router: &Router, name: &str) -> Value {
    let (status, json) = call(router, "GET", &format!("{STREAMS}/{name}"), None).await;
    assert_eq!(status, 200, "detail of {name}: {json}");
    json["data"].clone()
}

pub async fn stream_names(router: &Router) -> Vec<String> {
    let (status, json) = call(router, "GET", STREAMS, None).await;
    assert_eq!(status, 200, "{json}");
    json["data"]["streams"]
        .as_array()
        .expect("streams array")
        .iter()
        .map(|s| s["name"].as_str().expect("name").to_owned())
        .collect()
}

/// A stream `name` mirroring `origin`, made with a client of its own (the API's create endpoint
/// takes the spec's fields only).
pub async fn create_mirror(js: &async_nats::jetstream::Context, name: &str, origin: &str) {
    use async_nats::jetstream::stream::{Config, Source};
    js.create_stream(Config {
        name: name.into(),
        mirror: Some(Source {
            name: origin.into(),
            ..Default::default()
        }),
        ..Default::default()
    })
    .await
    .expect("create the mirror");
}
