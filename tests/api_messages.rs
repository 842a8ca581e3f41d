//! Publishing and reading stored messages through the REST API against a real nats-server:
//! payload encodings, headers, msg_id deduplication, max_payload, error paths and the service's
//! published/consumed statistics.

mod common;

use async_nats::jetstream;
use axum::Router;
use axum::body::Body;
use axum::http::Request;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use common::{NatsServer, ServerOptions, assert_error, call};
use serde_json::{Value, json};

const STREAMS: &str = "/api/v1/broker/streams";
const PUBLISH: &str = "/api/v1/broker/publish";

async fn create(router: &Router, name: &str, subjects: Value) {
    let body = json!({ "name": name, "subjects": subjects });
    let (status, json) = call(router, "POST", STREAMS, Some(body)).await;
    assert_eq!(status, 200, "creating {name}: {json}");
}

async fn publish_body(router: &Router, body: Value) -> Value {
    let (status, json) = call(router, "POST", PUBLISH, Some(body.clone())).await;
    assert_eq!(status, 200, "publishing {body}: {json}");
    assert_eq!(json["message"], "Message published successfully");
    json["data"].clone()
}

async fn publish(router: &Router, subject: &str, message: Value) -> Value {
    publish_body(router, json!({ "subject": subject, "message": message })).await
}

async fn read(router: &Router, stream: &str, query: &str) -> Vec<Value> {
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

async fn stream_messages(router: &Router, stream: &str) -> u64 {
    let (status, json) = call(router, "GET", &format!("{STREAMS}/{stream}"), None).await;
    assert_eq!(status, 200, "{json}");
    json["data"]["state"]["messages"]
        .as_u64()
        .expect("state.messages")
}

async fn statistics(router: &Router) -> (u64, u64) {
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

fn seqs(messages: &[Value]) -> Vec<u64> {
    messages
        .iter()
        .map(|m| m["seq"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn publish_is_acked_and_stored() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    create(&router, "market_data", json!(["market.>"])).await;

    for i in 1..=3u64 {
        let data = publish(
            &router,
            "market.btc.price",
            json!({ "symbol": "BTC", "price": 45000.0 + i as f64 }),
        )
        .await;
        assert_eq!(data["subject"], "market.btc.price");
        assert_eq!(data["stream"], "market_data");
        assert_eq!(data["seq"], i);
        assert_eq!(data["duplicate"], false);
    }
    assert_eq!(stream_messages(&router, "market_data").await, 3);

    // NATS itself holds the three messages, with the JSON text as their payload.
    let js = jetstream::new(async_nats::connect(server.url()).await.unwrap());
    let stream = js.get_stream("market_data").await.unwrap();
    let stored = stream.get_raw_message(2).await.unwrap();
    assert_eq!(stored.subject.as_str(), "market.btc.price");
    let payload: Value = serde_json::from_slice(&stored.payload).unwrap();
    assert_eq!(payload, json!({ "symbol": "BTC", "price": 45002.0 }));
}

#[tokio::test]
async fn payloads_read_back_as_json_text_or_base64() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    create(&router, "mixed", json!(["mixed.>"])).await;

    publish(
        &router,
        "mixed.object",
        json!({ "a": 1, "b": [true, null] }),
    )
    .await; // 1
    publish(&router, "mixed.text", json!("Hello World")).await; // 2
    publish(&router, "mixed.number", json!(42.5)).await; // 3
    publish(&router, "mixed.bool", json!(false)).await; // 4
    publish(&router, "mixed.array", json!([1, "two"])).await; // 5
    publish(&router, "mixed.unicode", json!("grüße, 世界")).await; // 6
    // A string that is itself JSON text is stored as those bytes, so it reads back as JSON.
    publish(&router, "mixed.jsontext", json!("{\"k\":\"v\"}")).await; // 7
    publish(&router, "mixed.empty", json!("")).await; // 8

    // Binary data can only come from another publisher.
    let binary: &[u8] = &[0xff, 0xfe, 0x00, 0x01, 0x80];
    let js = jetstream::new(async_nats::connect(server.url()).await.unwrap());
    let ack = js
        .publish("mixed.binary", Bytes::from_static(binary))
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!(ack.sequence, 9);

    let messages = read(&router, "mixed", "last=20").await;
    assert_eq!(seqs(&messages), (1..=9).collect::<Vec<_>>());
    let expect = [
        ("mixed.object", "json", json!({ "a": 1, "b": [true, null] })),
        ("mixed.text", "text", json!("Hello World")),
        ("mixed.number", "json", json!(42.5)),
        ("mixed.bool", "json", json!(false)),
        ("mixed.array", "json", json!([1, "two"])),
        ("mixed.unicode", "text", json!("grüße, 世界")),
        ("mixed.jsontext", "json", json!({ "k": "v" })),
        ("mixed.empty", "text", json!("")),
        ("mixed.binary", "base64", json!(BASE64.encode(binary))),
    ];
    for (message, (subject, encoding, payload)) in messages.iter().zip(expect) {
        assert_eq!(message["subject"], subject, "{message}");
        assert_eq!(message["encoding"], encoding, "{message}");
        assert_eq!(message["payload"], payload, "{message}");
        assert_eq!(message["stream"], "mixed", "{message}");
        assert!(
            message["time"].as_str().is_some_and(|t| t.len() >= 20),
            "{message}"
        );
    }
    assert_eq!(messages[8]["payload"], "//4AAYA=");
    assert_eq!(messages[8]["size"], 5);
    assert_eq!(messages[1]["size"], 11);
    // The number went over the wire as JSON text.
    let stored = js
        .get_stream("mixed")
        .await
        .unwrap()
        .get_raw_message(3)
        .await
        .unwrap();
    assert_eq!(&stored.payload[..], b"42.5");
    // The plain string went over the wire as its bytes, not as a quoted JSON string.
    let stored = js
        .get_stream("mixed")
        .await
        .unwrap()
        .get_raw_message(2)
        .await
        .unwrap();
    assert_eq!(&stored.payload[..], b"Hello World");
}

#[tokio::test]
async fn read_by_sequence_and_last_without_consuming() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    // A work queue removes messages once a consumer acks them; reading must not.
    let (status, json) = call(
        &router,
        "POST",
        STREAMS,
        Some(json!({ "name": "queue", "subjects": ["queue.>"], "retention": "workqueue" })),
    )
    .await;
    assert_eq!(status, 200, "{json}");
    for i in 1..=5 {
        publish(&router, &format!("queue.{i}"), json!({ "n": i })).await;
    }

    let one = read(&router, "queue", "seq=3").await;
    assert_eq!(one.len(), 1);
    assert_eq!(one[0]["seq"], 3);
    assert_eq!(one[0]["subject"], "queue.3");
    assert_eq!(one[0]["payload"], json!({ "n": 3 }));

    let last = read(&router, "queue", "last=2").await;
    assert_eq!(seqs(&last), vec![4, 5]);
    assert_eq!(last[1]["payload"], json!({ "n": 5 }));

    // More than stored: everything, oldest first. No parameter: the default window.
    assert_eq!(
        seqs(&read(&router, "queue", "last=100").await),
        vec![1, 2, 3, 4, 5]
    );
    assert_eq!(seqs(&read(&router, "queue", "").await), vec![1, 2, 3, 4, 5]);

    // Reading twice returns the same and leaves the stream as it was.
    assert_eq!(seqs(&read(&router, "queue", "last=2").await), vec![4, 5]);
    assert_eq!(stream_messages(&router, "queue").await, 5);
}

#[tokio::test]
async fn last_skips_deleted_sequences_and_missing_sequence_is_404() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    create(&router, "gaps", json!(["gaps.>"])).await;
    for i in 1..=5 {
        publish(&router, "gaps.x", json!(i)).await;
    }
    let js = jetstream::new(async_nats::connect(server.url()).await.unwrap());
    let stream = js.get_stream("gaps").await.unwrap();
    assert!(stream.delete_message(2).await.unwrap());
    assert!(stream.delete_message(4).await.unwrap());

    assert_eq!(seqs(&read(&router, "gaps", "last=10").await), vec![1, 3, 5]);
    assert_eq!(seqs(&read(&router, "gaps", "last=2").await), vec![3, 5]);
    let payloads: Vec<Value> = read(&router, "gaps", "last=3")
        .await
        .iter()
        .map(|m| m["payload"].clone())
        .collect();
    assert_eq!(payloads, vec![json!(1), json!(3), json!(5)]);

    for seq in [2, 4, 6, 1000] {
        let result = call(
            &router,
            "GET",
            &format!("{STREAMS}/gaps/messages?seq={seq}"),
            None,
        )
        .await;
        assert_error(&result, 404, "STREAM_NOT_FOUND");
        assert!(
            result.1["message"]
                .as_str()
                .unwrap()
                .contains(&seq.to_string()),
            "{}",
            result.1
        );
    }
}

#[tokio::test]
async fn read_error_paths() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    create(&router, "params", json!(["params.>"])).await;
    publish(&router, "params.a", json!("x")).await;

    for query in [
        "seq=0",
        "seq=abc",
        "seq=-1",
        "seq=1.5",
        "seq=",
        "last=0",
        "last=101",
        "last=-3",
        "last=ten",
        "seq=1&last=1",
        "limit=5",
        "seq=1&extra=2",
    ] {
        let result = call(
            &router,
            "GET",
            &format!("{STREAMS}/params/messages?{query}"),
            None,
        )
        .await;
        assert_error(&result, 400, "INVALID_PARAMETERS");
    }
    // The boundary value is accepted.
    assert_eq!(read(&router, "params", "last=100").await.len(), 1);

    let result = call(
        &router,
        "GET",
        &format!("{STREAMS}/missing/messages?seq=1"),
        None,
    )
    .await;
    assert_error(&result, 404, "STREAM_NOT_FOUND");
    assert!(
        result.1["message"].as_str().unwrap().contains("missing"),
        "{}",
        result.1
    );
    let result = call(
        &router,
        "GET",
        &format!("{STREAMS}/missing/messages?last=5"),
        None,
    )
    .await;
    assert_error(&result, 404, "STREAM_NOT_FOUND");
    let result = call(
        &router,
        "GET",
        &format!("{STREAMS}/bad.name/messages?last=5"),
        None,
    )
    .await;
    assert_eq!(result.0, 400, "{}", result.1);
}

#[tokio::test]
async fn headers_round_trip() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    create(&router, "headed", json!(["headed.>"])).await;
    publish_body(
        &router,
        json!({
            "subject": "headed.one",
            "message": { "v": 1 },
            "headers": { "X-Source": "collector-7", "Content-Kind": "tick; v=2" },
            "msg_id": "tick-1",
        }),
    )
    .await;
    publish(&router, "headed.two", json!("plain")).await;

    // A header set by another publisher, with two values, reads back as well.
    let js = jetstream::new(async_nats::connect(server.url()).await.unwrap());
    let mut headers = async_nats::HeaderMap::new();
    headers.append("Multi", "a");
    headers.append("Multi", "b");
    js.publish_with_headers("headed.three", headers, Bytes::from_static(b"3"))
        .await
        .unwrap()
        .await
        .unwrap();

    let messages = read(&router, "headed", "last=3").await;
    let first = &messages[0];
    assert_eq!(
        first["headers"]["X-Source"],
        json!(["collector-7"]),
        "{first}"
    );
    assert_eq!(
        first["headers"]["Content-Kind"],
        json!(["tick; v=2"]),
        "{first}"
    );
    assert_eq!(
        first["headers"]["Nats-Msg-Id"],
        json!(["tick-1"]),
        "{first}"
    );
    assert_eq!(first["payload"], json!({ "v": 1 }));
    assert_eq!(messages[1]["headers"], json!({}), "{}", messages[1]);
    assert_eq!(
        messages[2]["headers"]["Multi"],
        json!(["a", "b"]),
        "{}",
        messages[2]
    );

    // What NATS stored carries the headers too.
    let stored = js
        .get_stream("headed")
        .await
        .unwrap()
        .get_raw_message(1)
        .await
        .unwrap();
    let stored_headers = stored.headers;
    assert_eq!(
        stored_headers.get("X-Source").map(|v| v.as_str()),
        Some("collector-7")
    );
}

#[tokio::test]
async fn msg_id_deduplicates_a_retried_publish() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    let (status, json) = call(
        &router,
        "POST",
        STREAMS,
        Some(json!({ "name": "orders", "subjects": ["orders.>"], "duplicate_window": 60 })),
    )
    .await;
    assert_eq!(status, 200, "{json}");

    let body = json!({ "subject": "orders.new", "message": { "id": 7 }, "msg_id": "order-7" });
    let first = publish_body(&router, body.clone()).await;
    assert_eq!(first["seq"], 1);
    assert_eq!(first["duplicate"], false);
    let retry = publish_body(&router, body).await;
    assert_eq!(retry["duplicate"], true, "{retry}");
    assert_eq!(retry["seq"], 1, "{retry}");
    assert_eq!(retry["stream"], "orders");

    let other = publish_body(
        &router,
        json!({ "subject": "orders.new", "message": { "id": 8 }, "msg_id": "order-8" }),
    )
    .await;
    assert_eq!(other["seq"], 2);
    assert_eq!(other["duplicate"], false);
    // Without msg_id the same content is stored again.
    publish(&router, "orders.new", json!({ "id": 8 })).await;
    publish(&router, "orders.new", json!({ "id": 8 })).await;

    assert_eq!(stream_messages(&router, "orders").await, 4);
    // The duplicate is not counted as published.
    assert_eq!(statistics(&router).await.0, 4);
}

#[tokio::test]
async fn publish_without_a_capturing_stream_is_404() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    let result = call(
        &router,
        "POST",
        PUBLISH,
        Some(json!({ "subject": "nobody.listens", "message": "hi" })),
    )
    .await;
    assert_error(&result, 404, "STREAM_NOT_FOUND");
    assert!(
        result.1["message"]
            .as_str()
            .unwrap()
            .contains("nobody.listens"),
        "{}",
        result.1
    );

    // With a stream on a neighbouring subject the answer is the same.
    create(&router, "near", json!(["nobody.other"])).await;
    let result = call(
        &router,
        "POST",
        PUBLISH,
        Some(json!({ "subject": "nobody.listens", "message": "hi" })),
    )
    .await;
    assert_error(&result, 404, "STREAM_NOT_FOUND");
    assert_eq!(stream_messages(&router, "near").await, 0);
    assert_eq!(statistics(&router).await.0, 0);
}

#[tokio::test]
async fn invalid_publish_requests_are_rejected() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    create(&router, "everything", json!(["a.>", "x.>"])).await;

    let cases = [
        // message missing or null
        (json!({ "subject": "a.b" }), "message"),
        (json!({ "subject": "a.b", "message": null }), "message"),
        // subjects no publish may use
        (json!({ "subject": "", "message": "x" }), "subject"),
        (json!({ "subject": "a.*", "message": "x" }), "subject"),
        (json!({ "subject": "a.>", "message": "x" }), "subject"),
        (json!({ "subject": ">", "message": "x" }), "subject"),
        (json!({ "subject": "a..b", "message": "x" }), "subject"),
        (json!({ "subject": ".a", "message": "x" }), "subject"),
        (json!({ "subject": "a.", "message": "x" }), "subject"),
        (json!({ "subject": "a b", "message": "x" }), "subject"),
        (json!({ "subject": "a\tb", "message": "x" }), "subject"),
        // malformed body fields
        (json!({ "message": "x" }), "subject"),
        (json!({ "subject": 5, "message": "x" }), "subject"),
        (
            json!({ "subject": "a.b", "message": "x", "extra": 1 }),
            "extra",
        ),
        (
            json!({ "subject": "a.b", "message": "x", "headers": ["X"] }),
            "headers",
        ),
        (
            json!({ "subject": "a.b", "message": "x", "headers": { "bad name": "v" } }),
            "headers",
        ),
        (
            json!({ "subject": "a.b", "message": "x", "headers": { "A:B": "v" } }),
            "headers",
        ),
        (
            json!({ "subject": "a.b", "message": "x", "headers": { "X": "line\r\nbreak" } }),
            "headers",
        ),
        (
            json!({ "subject": "a.b", "message": "x", "msg_id": "" }),
            "msg_id",
        ),
        (
            json!({ "subject": "a.b", "message": "x", "msg_id": 7 }),
            "msg_id",
        ),
    ];
    for (body, field) in cases {
        let result = call(&router, "POST", PUBLISH, Some(body.clone())).await;
        assert_error(&result, 400, "INVALID_MESSAGE_DATA");
        let message = result.1["message"].as_str().unwrap();
        assert!(
            message.contains(field),
            "{body}: message should name '{field}': {message}"
        );
    }
    // Not JSON at all.
    let request = Request::builder()
        .method("POST")
        .uri(PUBLISH)
        .header("content-type", "application/json")
        .body(Body::from("{\"subject\": \"a.b\", "))
        .unwrap();
    let result = common::raw_call(&router, request).await;
    assert_error(&result, 400, "INVALID_MESSAGE_DATA");

    // Nothing reached the stream and nothing was counted.
    assert_eq!(stream_messages(&router, "everything").await, 0);
    assert_eq!(statistics(&router).await.0, 0);
}

#[tokio::test]
async fn payload_over_server_max_payload_is_rejected_saying_the_limit() {
    let server = NatsServer::start_with(ServerOptions {
        jetstream: true,
        max_payload: Some(1024),
    });
    let (_state, router) = common::app(&server).await;
    create(&router, "big", json!(["big.>"])).await;

    // Exactly the limit is fine.
    let data = publish(&router, "big.ok", json!("a".repeat(1024))).await;
    assert_eq!(data["seq"], 1);

    for body in [
        json!({ "subject": "big.text", "message": "b".repeat(1025) }),
        json!({ "subject": "big.json", "message": { "blob": "c".repeat(1100) } }),
        // The headers count toward the limit as well.
        json!({ "subject": "big.headers", "message": "d".repeat(1000), "msg_id": "m".repeat(40) }),
    ] {
        let result = call(&router, "POST", PUBLISH, Some(body)).await;
        assert_error(&result, 400, "INVALID_MESSAGE_DATA");
        let message = result.1["message"].as_str().unwrap();
        assert!(
            message.contains("1024"),
            "message should state the limit: {message}"
        );
    }
    assert_eq!(stream_messages(&router, "big").await, 1);
    let stored = read(&router, "big", "seq=1").await;
    assert_eq!(stored[0]["size"], 1024);
    assert_eq!(statistics(&router).await.0, 1);
}

#[tokio::test]
async fn payload_over_the_stream_max_msg_size_is_invalid_message_data() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    let (status, json) = call(
        &router,
        "POST",
        STREAMS,
        Some(json!({ "name": "small", "subjects": ["small.>"], "max_msg_size": 16 })),
    )
    .await;
    assert_eq!(status, 200, "{json}");
    publish(&router, "small.ok", json!("0123456789")).await;

    let result = call(
        &router,
        "POST",
        PUBLISH,
        Some(json!({ "subject": "small.big", "message": "x".repeat(64) })),
    )
    .await;
    assert_error(&result, 400, "INVALID_MESSAGE_DATA");
    assert!(
        result.1["message"]
            .as_str()
            .unwrap()
            .contains("max_msg_size"),
        "{}",
        result.1
    );
    assert_eq!(stream_messages(&router, "small").await, 1);
    assert_eq!(statistics(&router).await.0, 1);
}

#[tokio::test]
async fn statistics_count_acked_publishes_and_delivered_reads() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    assert_eq!(statistics(&router).await, (0, 0));
    let (status, json) = call(
        &router,
        "POST",
        STREAMS,
        Some(json!({ "name": "stats", "subjects": ["stats.>"], "duplicate_window": 60 })),
    )
    .await;
    assert_eq!(status, 200, "{json}");

    for i in 0..3 {
        publish(&router, "stats.a", json!(i)).await;
    }
    let dedup = json!({ "subject": "stats.a", "message": "d", "msg_id": "once" });
    publish_body(&router, dedup.clone()).await;
    let again = publish_body(&router, dedup).await;
    assert_eq!(again["duplicate"], true);
    // Failures are not counted.
    let result = call(
        &router,
        "POST",
        PUBLISH,
        Some(json!({ "subject": "void.x", "message": 1 })),
    )
    .await;
    assert_error(&result, 404, "STREAM_NOT_FOUND");
    let result = call(
        &router,
        "POST",
        PUBLISH,
        Some(json!({ "subject": "stats.a" })),
    )
    .await;
    assert_error(&result, 400, "INVALID_MESSAGE_DATA");
    // Messages put in by other publishers are not this service's publishes.
    let js = jetstream::new(async_nats::connect(server.url()).await.unwrap());
    js.publish("stats.b", Bytes::from_static(b"outside"))
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!(stream_messages(&router, "stats").await, 5);
    assert_eq!(statistics(&router).await, (4, 0));

    // Reads count what they delivered.
    assert_eq!(read(&router, "stats", "last=2").await.len(), 2);
    assert_eq!(read(&router, "stats", "seq=1").await.len(), 1);
    assert_eq!(statistics(&router).await, (4, 3));
    let result = call(
        &router,
        "GET",
        &format!("{STREAMS}/stats/messages?seq=99"),
        None,
    )
    .await;
    assert_error(&result, 404, "STREAM_NOT_FOUND");
    let result = call(
        &router,
        "GET",
        &format!("{STREAMS}/stats/messages?last=0"),
        None,
    )
    .await;
    assert_error(&result, 400, "INVALID_PARAMETERS");
    let result = call(
        &router,
        "GET",
        &format!("{STREAMS}/nope/messages?last=1"),
        None,
    )
    .await;
    assert_error(&result, 404, "STREAM_NOT_FOUND");
    assert_eq!(statistics(&router).await, (4, 3));
    assert_eq!(read(&router, "stats", "last=100").await.len(), 5);
    assert_eq!(statistics(&router).await, (4, 8));

    // The broker status reports the same figures.
    let (status, json) = call(&router, "GET", "/api/v1/broker/status", None).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["data"]["statistics"]["messages_published"], 4);
    assert_eq!(json["data"]["statistics"]["messages_consumed"], 8);
}
