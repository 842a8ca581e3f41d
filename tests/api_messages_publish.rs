//! Publishing messages through the REST API against a real nats-server: acks and storage, msg_id
//! deduplication, requests without a capturing stream, invalid requests, payload limits (the
//! server's max_payload and the stream's max_msg_size) and the service's statistics.

mod common;

use async_nats::jetstream;
use axum::body::Body;
use axum::http::Request;
use bytes::Bytes;
use common::messages::{
    PUBLISH, STREAMS, create, publish, publish_body, read, statistics, stream_messages,
};
use common::{
    INVALID_MESSAGE_DATA, INVALID_PARAMETERS, NatsServer, STREAM_NOT_FOUND, ServerOptions,
    assert_error, call, expect_error,
};
use serde_json::{Value, json};

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
async fn msg_id_deduplicates_a_retried_publish() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    common::streams::create(
        &router,
        json!({ "name": "orders", "subjects": ["orders.>"], "duplicate_window": 60 }),
    )
    .await;

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
    let result = expect_error(
        &router,
        "POST",
        PUBLISH,
        Some(json!({ "subject": "nobody.listens", "message": "hi" })),
        STREAM_NOT_FOUND,
    )
    .await;
    assert!(
        result["message"]
            .as_str()
            .unwrap()
            .contains("nobody.listens"),
        "{result}"
    );

    // With a stream on a neighbouring subject the answer is the same.
    create(&router, "near", json!(["nobody.other"])).await;
    expect_error(
        &router,
        "POST",
        PUBLISH,
        Some(json!({ "subject": "nobody.listens", "message": "hi" })),
        STREAM_NOT_FOUND,
    )
    .await;
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
        let result = expect_error(
            &router,
            "POST",
            PUBLISH,
            Some(body.clone()),
            INVALID_MESSAGE_DATA,
        )
        .await;
        let message = result["message"].as_str().unwrap();
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
    assert_error(&result, INVALID_MESSAGE_DATA);

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
        let result = expect_error(&router, "POST", PUBLISH, Some(body), INVALID_MESSAGE_DATA).await;
        let message = result["message"].as_str().unwrap();
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
    common::streams::create(
        &router,
        json!({ "name": "small", "subjects": ["small.>"], "max_msg_size": 16 }),
    )
    .await;
    publish(&router, "small.ok", json!("0123456789")).await;

    let result = expect_error(
        &router,
        "POST",
        PUBLISH,
        Some(json!({ "subject": "small.big", "message": "x".repeat(64) })),
        INVALID_MESSAGE_DATA,
    )
    .await;
    assert!(
        result["message"].as_str().unwrap().contains("max_msg_size"),
        "{result}"
    );
    assert_eq!(stream_messages(&router, "small").await, 1);
    assert_eq!(statistics(&router).await.0, 1);
}

#[tokio::test]
async fn statistics_count_acked_publishes_and_delivered_reads() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    assert_eq!(statistics(&router).await, (0, 0));
    common::streams::create(
        &router,
        json!({ "name": "stats", "subjects": ["stats.>"], "duplicate_window": 60 }),
    )
    .await;

    for i in 0..3 {
        publish(&router, "stats.a", json!(i)).await;
    }
    let dedup = json!({ "subject": "stats.a", "message": "d", "msg_id": "once" });
    publish_body(&router, dedup.clone()).await;
    let again = publish_body(&router, dedup).await;
    assert_eq!(again["duplicate"], true);
    // Failures are not counted.
    for (body, expected) in [
        (
            json!({ "subject": "void.x", "message": 1 }),
            STREAM_NOT_FOUND,
        ),
        (json!({ "subject": "stats.a" }), INVALID_MESSAGE_DATA),
    ] {
        expect_error(&router, "POST", PUBLISH, Some(body), expected).await;
    }
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
    for (path, expected) in [
        ("stats/messages?seq=99", STREAM_NOT_FOUND),
        ("stats/messages?last=0", INVALID_PARAMETERS),
        ("nope/messages?last=1", STREAM_NOT_FOUND),
    ] {
        let uri = format!("{STREAMS}/{path}");
        expect_error(&router, "GET", &uri, None, expected).await;
    }
    assert_eq!(statistics(&router).await, (4, 3));
    assert_eq!(read(&router, "stats", "last=100").await.len(), 5);
    assert_eq!(statistics(&router).await, (4, 8));

    // The broker status reports the same figures.
    let (status, json) = call(&router, "GET", "/api/v1/broker/status", None).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["data"]["statistics"]["messages_published"], 4);
    assert_eq!(json["data"]["statistics"]["messages_consumed"], 8);
}
