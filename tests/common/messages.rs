//! Helpers for the message API tests: creating a stream, publishing, reading messages back, and
//! the stream's message count and the service's publish/consume statistics.

use axum::Router;
use serde_json::{Value, json};

use super::call;

pub use super::streams::STREAMS;
pub const PUBLISH: &str = "/api/v1/broker/publish";

pub async fn create(router: &Router, name: &str, subjects: Value) {
    super::streams::create(router, json!({ "name": name, "subjects": subjects })).await;
}

pub async fn publish_body(router: &Router, body: Value) -> Value {
    let (status, json) = call(router, "POST", PUBLISH, Some(body.clone())).await;
    assert_eq!(status, 200, "publishing {body}: {json}");
    assert_eq!(json["message"], "Message published successfully");
    json["data"].clone()
}

pub async fn publish(router: &Router, subject: &str, message: Value) -> Value {
    publish_body(router, json!({ "subject": subject, "message": message })).await
}

pub async fn read(router: &Router, stream: &str, query: &str) -> Vec<Value> {
    let uri = format!("{STREAMS}/{stream}/messages?{query}");
    let (status, json) = call(router, "GET", &uri, None).await;
    assert_eq!(status, 200, "{uri}: {json}");
    assert_eq!(json["data"]["stream"], stream);
    let messages = json["data"]["messages"]
        .as_array()
        .expect("messages")
        .clone();
    assert_eq!(json["data"]["count"], messages.len(), "{json}");
    messages
}

pub async fn stream_messages(router: &Router, stream: &str) -> u64 {
    let (status, json) = call(router, "GET", &format!("{STREAMS}/{stream}"), None).await;
    assert_eq!(status, 200, "{json}");
    json["data"]["state"]["messages"]
        .as_u64()
        .expect("state.messages")
}

pub async fn statistics(router: &Router) -> (u64, u64) {
    let (status, json) = call(router, "GET", "/api/v1/status", None).await;
    assert_eq!(status, 200, "{json}");
    let stats = &json["data"]["statistics"];
    (
        stats["messages_published"]
            .as_u64()
            .expect("messages_published"),
        stats["messages_consumed"]
            .as_u64()
            .expect("messages_consumed"),
    )
}

pub fn seqs(messages: &[Value]) -> Vec<u64> {
    messages
        .iter()
        .map(|m| m["seq"].as_u64().unwrap())
        .collect()
}
