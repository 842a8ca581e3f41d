//! `POST /api/v1/broker/publish/batch` against a real nats-server: every message stored in
//! order with its own result, a partial failure naming the messages that failed (and storing the
//! rest), batches refused whole (empty, too many messages, not a batch, NATS down), and access
//! control. What was stored is checked through a second client.

mod common;

use async_nats::jetstream;
use common::messages::{create, statistics, stream_messages};
use common::{NatsServer, ServerOptions, call, wait_until};
use serde_json::{Value, json};

const BATCH: &str = "/api/v1/broker/publish/batch";

/// The stream's stored messages, read by a client of our own: (subject, payload text).
async fn stored(server: &NatsServer, stream: &str, count: u64) -> Vec<(String, String)> {
    let js = jetstream::new(async_nats::connect(server.url()).await.unwrap());
    let stream = js.get_stream(stream).await.unwrap();
    let mut messages = Vec::new();
    for seq in 1..=count {
        let message = stream.get_raw_message(seq).await.unwrap();
        let payload = String::from_utf8(message.payload.to_vec()).unwrap();
        messages.push((message.subject.to_string(), payload));
    }
    messages
}

#[tokio::test]
async fn every_message_is_stored_in_order_with_its_own_result() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    create(&router, "orders", json!(["orders.>"])).await;

    let messages: Vec<Value> = (0..50)
        .map(|i| {
            if i % 2 == 0 {
                json!({ "subject": format!("orders.{i}"), "message": format!("text {i}") })
            } else {
                json!({ "subject": format!("orders.{i}"), "message": { "n": i },
                        "headers": { "source": "batch" } })
            }
        })
        .collect();
    let (status, json) = call(
        &router,
        "POST",
        BATCH,
        Some(json!({ "messages": messages })),
    )
    .await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["message"], "50 messages published");
    let data = &json["data"];
    assert_eq!(
        (data["published"].as_u64(), data["failed"].as_u64()),
        (Some(50), Some(0))
    );
    let results = data["results"].as_array().unwrap();
    assert_eq!(results.len(), 50);
    for (i, result) in results.iter().enumerate() {
        assert_eq!(
            result,
            &json!({ "stream": "orders", "seq": i + 1, "duplicate": false }),
            "result {i}"
        );
    }

    // Stored in the order sent, each payload as the single publish would send it.
    let stored = stored(&server, "orders", 50).await;
    for (i, (subject, payload)) in stored.iter().enumerate() {
        assert_eq!(subject, &format!("orders.{i}"));
        let expected = if i % 2 == 0 {
            format!("text {i}")
        } else {
            format!("{{\"n\":{i}}}")
        };
        assert_eq!(payload, &expected);
    }
    assert_eq!(statistics(&router).await.0, 50);
}

#[tokio::test]
async fn a_partial_failure_names_the_messages_that_failed_and_stores_the_rest() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    common::streams::create(
        &router,
        json!({ "name": "orders", "subjects": ["orders.>"], "duplicate_window": 60 }),
    )
    .await;

    let batch = json!({ "messages": [
        { "subject": "orders.a", "message": "first" },
        // Would delete the stream behind the API's back.
        { "subject": "$JS.API.STREAM.DELETE.orders", "message": "" },
        { "subject": "orders.b" },
        { "subject": "nobody.listens", "message": "lost" },
        { "subject": "orders.c", "message": "x", "msg_id": "m-1" },
        { "subject": "orders.c", "message": "x", "msg_id": "m-1" },
        { "subject": "orders.d", "message": "x", "colour": "red" },
        { "subject": "orders.*", "message": "x" },
        "not a message",
        { "subject": "orders.e", "message": "last" },
    ]});
    let (status, json) = call(&router, "POST", BATCH, Some(batch)).await;
    assert_eq!(status, 207, "{json}");
    assert_eq!(json["status"], "success", "{json}");
    assert_eq!(json["message"], "6 of 10 messages failed; see data.results");
    let data = &json["data"];
    assert_eq!(
        (data["published"].as_u64(), data["failed"].as_u64()),
        (Some(4), Some(6))
    );
    let results = data["results"].as_array().unwrap();
    let failure = |i: usize| {
        (
            results[i]["error_code"].as_str().unwrap_or_default(),
            results[i]["status"].as_u64().unwrap_or_default(),
        )
    };
    assert_eq!(
        results[0],
        json!({ "stream": "orders", "seq": 1, "duplicate": false })
    );
    assert_eq!(failure(1), ("INVALID_MESSAGE_DATA", 400));
    assert!(
        results[1]["message"]
            .as_str()
            .unwrap()
            .contains("allow_publish_to"),
        "{json}"
    );
    assert_eq!(failure(2), ("INVALID_MESSAGE_DATA", 400));
    assert!(
        results[2]["message"]
            .as_str()
            .unwrap()
            .contains("message is required"),
        "{json}"
    );
    assert_eq!(failure(3), ("STREAM_NOT_FOUND", 404));
    assert!(
        results[3]["message"]
            .as_str()
            .unwrap()
            .contains("nobody.listens"),
        "{json}"
    );
    // Sent in order on one connection: the first copy is stored, the second deduplicated.
    assert_eq!(
        results[4],
        json!({ "stream": "orders", "seq": 2, "duplicate": false })
    );
    assert_eq!(
        results[5],
        json!({ "stream": "orders", "seq": 2, "duplicate": true })
    );
    assert_eq!(failure(6), ("INVALID_MESSAGE_DATA", 400));
    assert!(
        results[6]["message"].as_str().unwrap().contains("colour"),
        "{json}"
    );
    assert_eq!(failure(7), ("INVALID_MESSAGE_DATA", 400));
    assert_eq!(failure(8), ("INVALID_MESSAGE_DATA", 400));
    assert_eq!(
        results[9],
        json!({ "stream": "orders", "seq": 3, "duplicate": false })
    );

    // The stream is still there, holding exactly the messages reported stored.
    let stored = stored(&server, "orders", 3).await;
    let subjects: Vec<&str> = stored.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(subjects, ["orders.a", "orders.c", "orders.e"]);
    assert_eq!(stream_messages(&router, "orders").await, 3);
    assert_eq!(statistics(&router).await.0, 3);
}

#[tokio::test]
async fn a_message_over_the_servers_max_payload_fails_alone() {
    let server = NatsServer::start_with(ServerOptions {
        jetstream: true,
        max_payload: Some(2048),
    });
    let (_state, router) = common::app(&server).await;
    create(&router, "big", json!(["big.>"])).await;
    let batch = json!({ "messages": [
        { "subject": "big.a", "message": "x".repeat(4096) },
        { "subject": "big.b", "message": "small" },
    ]});
    let (status, json) = call(&router, "POST", BATCH, Some(batch)).await;
    assert_eq!(status, 207, "{json}");
    let results = &json["data"]["results"];
    assert_eq!(results[0]["error_code"], "INVALID_MESSAGE_DATA", "{json}");
    assert!(
        results[0]["message"]
            .as_str()
            .unwrap()
            .contains("max_payload"),
        "{json}"
    );
    assert_eq!(
        results[1],
        json!({ "stream": "big", "seq": 1, "duplicate": false })
    );
}

#[tokio::test]
async fn a_batch_that_is_empty_too_large_or_not_a_batch_is_refused_whole() {
    let server = NatsServer::start();
    let yaml = "services:\n  message-broker:\n    api:\n      max_batch: 3\n";
    let (_state, router) = common::app_with(&server, yaml).await;
    create(&router, "orders", json!(["orders.>"])).await;
    let one = json!({ "subject": "orders.a", "message": "x" });

    let (status, json) = call(
        &router,
        "POST",
        BATCH,
        Some(json!({ "messages": [one, one, one, one] })),
    )
    .await;
    assert_eq!(
        (status.as_u16(), json["error_code"].as_str()),
        (413, Some("INVALID_PARAMETERS"))
    );
    assert!(
        json["message"].as_str().unwrap().contains("api.max_batch"),
        "{json}"
    );

    for (body, needle) in [
        (json!({ "messages": [] }), "empty"),
        (json!([one]), "invalid JSON body"),
        (json!({ "messages": [one], "extra": 1 }), "extra"),
        (json!({}), "messages"),
    ] {
        let (status, json) = call(&router, "POST", BATCH, Some(body.clone())).await;
        assert_eq!(
            (status.as_u16(), json["error_code"].as_str()),
            (400, Some("INVALID_MESSAGE_DATA")),
            "{body}: {json}"
        );
        assert!(
            json["message"].as_str().unwrap().contains(needle),
            "{body}: {json}"
        );
    }
    // Three is allowed.
    let (status, json) = call(
        &router,
        "POST",
        BATCH,
        Some(json!({ "messages": [one, one, one] })),
    )
    .await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(stream_messages(&router, "orders").await, 3);
}

#[tokio::test]
async fn a_batch_while_nats_is_down_sends_nothing_and_answers_503() {
    let mut server = NatsServer::start();
    let (state, router) = common::app(&server).await;
    create(&router, "orders", json!(["orders.>"])).await;
    server.stop();
    wait_until(
        "NATS disconnected",
        std::time::Duration::from_secs(10),
        || !state.nats.is_connected(),
    )
    .await;
    let batch = json!({ "messages": [{ "subject": "orders.a", "message": "x" }] });
    let (status, json) = call(&router, "POST", BATCH, Some(batch)).await;
    assert_eq!(
        (status.as_u16(), json["error_code"].as_str()),
        (503, Some("NATS_CONNECTION_ERROR")),
        "{json}"
    );
}

#[tokio::test]
async fn a_batch_is_a_change_read_tokens_and_read_only_refuse() {
    let server = NatsServer::start();
    let write = "w-0123456789abcdef-write";
    let read = "r-0123456789abcdef-read";
    let yaml = format!(
        "services:\n  message-broker:\n    api:\n      token: \"{write}\"\n      read_token: \"{read}\"\n"
    );
    let (state, _) = common::app_with(&server, &yaml).await;
    let router = common::local_router(state);
    let batch = json!({ "messages": [{ "subject": "orders.a", "message": "x" }] });
    let request = |token: &str| {
        axum::http::Request::builder()
            .method("POST")
            .uri(BATCH)
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {token}"))
            .body(axum::body::Body::from(batch.to_string()))
            .unwrap()
    };
    let (status, json) = common::raw_call(&router, request(read)).await;
    assert_eq!(
        (status.as_u16(), json["error_code"].as_str()),
        (403, Some("FORBIDDEN"))
    );

    let (state, _) = common::app_with(
        &server,
        "services:\n  message-broker:\n    api:\n      read_only: true\n",
    )
    .await;
    let router = common::local_router(state);
    let (status, json) = call(&router, "POST", BATCH, Some(batch.clone())).await;
    assert_eq!(
        (status.as_u16(), json["error_code"].as_str()),
        (403, Some("READ_ONLY"))
    );
}
