//! Helpers for tests of the binary in `--serve` mode: an HTTP client whose answers are checked
//! against the envelope, polling `/health`, and parsing the JSON log lines.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::Value;

use super::service::Service;
use super::{assert_envelope, free_port, wait_for};

/// Parses JSON log lines and checks the fields every line carries.
pub fn parse_log_lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let json: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("log line is not JSON ({e}): {line}"));
            let object = json
                .as_object()
                .unwrap_or_else(|| panic!("not an object: {line}"));
            let keys: Vec<&str> = object.keys().map(String::as_str).collect();
            assert_eq!(
                &keys[..5],
                ["timestamp", "level", "logger", "message", "service"],
                "field order in {line}"
            );
            let ts = json["timestamp"].as_str().expect("timestamp");
            assert!(
                ts.len() == 24 && ts.ends_with('Z') && ts.as_bytes()[10] == b'T',
                "timestamp {ts}"
            );
            assert!(
                ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"]
                    .contains(&json["level"].as_str().unwrap_or("")),
                "level in {line}"
            );
            assert!(
                json["logger"].as_str().is_some_and(|l| !l.is_empty()),
                "logger in {line}"
            );
            assert!(json["message"].is_string(), "message in {line}");
            assert_eq!(json["service"], "message-broker", "{line}");
            json
        })
        .collect()
}

pub fn find_log<'a>(lines: &'a [Value], message: &str) -> Option<&'a Value> {
    lines.iter().find(|l| l["message"] == message)
}

/// A loopback URL where nothing listens.
pub fn dead_nats_url() -> String {
    format!("nats://127.0.0.1:{}", free_port())
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .no_proxy()
        .build()
        .expect("http client")
}

/// One request: the HTTP status and the envelope (checked), like the spec's curl examples.
pub async fn request(
    client: &reqwest::Client,
    method: &str,
    url: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut builder = client.request(method.parse().expect("method"), url);
    if let Some(body) = body {
        builder = builder
            .header("Content-Type", "application/json")
            .body(body.to_string());
    }
    let response = builder
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.expect("body");
    assert!(
        content_type.starts_with("application/json"),
        "{method} {url}: content-type {content_type:?}"
    );
    let json: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{method} {url}: not JSON ({e}): {text}"));
    assert_envelope(&json, StatusCode::from_u16(status).expect("status"));
    let path = reqwest::Url::parse(url).expect("URL").path().to_owned();
    super::openapi::check(method, &path, status, &json);
    (status, json)
}

pub async fn get(client: &reqwest::Client, url: &str) -> (u16, Value) {
    request(client, "GET", url, None).await
}

pub async fn post(client: &reqwest::Client, url: &str, body: Value) -> (u16, Value) {
    request(client, "POST", url, Some(body)).await
}

/// Polls `/health` (bounded) until `data.status` is `want`.
pub async fn wait_health(client: &reqwest::Client, service: &Service, want: &str, limit: Duration) {
    let what = format!("/health to report {want:?}");
    wait_for(&what, limit, async || {
        let (status, json) = get(client, &service.url("/health")).await;
        assert_eq!(status, 200, "{json}");
        if json["data"]["status"] == want {
            Ok(())
        } else {
            Err(json)
        }
    })
    .await;
}
