//! Stream management through the REST API against a real nats-server: create (with every field,
//! defaults, validation and conflicts), list, detail with consumer lag, delete and purge.

mod common;

use std::time::Duration;

use async_nats::jetstream;
use async_nats::jetstream::AckKind;
use async_nats::jetstream::consumer::{PullConsumer, pull};
use axum::Router;
use common::{NatsServer, app, assert_error, call};
use futures::StreamExt;
use serde_json::{Value, json};

const STREAMS: &str = "/api/v1/broker/streams";

async fn create(router: &Router, body: Value) -> Value {
    let (status, json) = call(router, "POST", STREAMS, Some(body.clone())).await;
    assert_eq!(status, 200, "creating {body}: {json}");
    json["data"].clone()
}

async fn publish(router: &Router, subject: &str, message: Value) -> Value {
    let body = json!({ "subject": subject, "message": message });
    let (status, json) = call(router, "POST", "/api/v1/broker/publish", Some(body)).await;
    assert_eq!(status, 200, "publishing to {subject}: {json}");
    json["data"].clone()
}

async fn detail(router: &Router, name: &str) -> Value {
    let (status, json) = call(router, "GET", &format!("{STREAMS}/{name}"), None).await;
    assert_eq!(status, 200, "detail of {name}: {json}");
    json["data"].clone()
}

async fn stream_names(router: &Router) -> Vec<String> {
    let (status, json) = call(router, "GET", STREAMS, None).await;
    assert_eq!(status, 200, "{json}");
    json["data"]["streams"]
        .as_array()
        .expect("streams array")
        .iter()
        .map(|s| s["name"].as_str().expect("name").to_owned())
        .collect()
}

/// Asserts a 400 INVALID_STREAM_DATA whose message names `field`, and that nothing was created.
async fn assert_invalid(router: &Router, body: Value, field: &str) {
    let result = call(router, "POST", STREAMS, Some(body.clone())).await;
    assert_error(&result, 400, "INVALID_STREAM_DATA");
    let message = result.1["message"].as_str().unwrap();
    assert!(
        message.contains(field),
        "message for {body} should name '{field}': {message}"
    );
}

#[tokio::test]
async fn create_returns_config_and_state_with_every_field() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    let (status, json) = call(
        &router,
        "POST",
        STREAMS,
        Some(json!({
            "name": "market_data",
            "subjects": ["market.>", "trades.>"],
            "retention": "limits",
            "max_msgs": 1000000,
            "max_bytes": 1073741824,
            "max_age": 86400,
            "storage": "memory",
            "replicas": 1,
            "discard": "new",
            "max_msg_size": 65536,
            "duplicate_window": 30,
            "description": "market ticks",
        })),
    )
    .await;
    assert_eq!(status, 200, "{json}");
    assert!(
        json["message"].as_str().unwrap().contains("market_data"),
        "{json}"
    );
    let data = &json["data"];
    assert_eq!(data["name"], "market_data");
    let config = &data["config"];
    assert_eq!(config["subjects"], json!(["market.>", "trades.>"]));
    assert_eq!(config["retention"], "limits");
    assert_eq!(config["storage"], "memory");
    assert_eq!(config["replicas"], 1);
    assert_eq!(config["discard"], "new");
    assert_eq!(config["max_msgs"], 1000000);
    assert_eq!(config["max_bytes"], 1073741824_i64);
    assert_eq!(config["max_msg_size"], 65536);
    assert_eq!(config["max_age"].as_f64(), Some(86400.0));
    assert_eq!(config["duplicate_window"].as_f64(), Some(30.0));
    assert_eq!(config["description"], "market ticks");
    let state = &data["state"];
    assert_eq!(state["messages"], 0);
    assert_eq!(state["bytes"], 0);
    assert_eq!(state["consumer_count"], 0);

    // The server really holds that configuration.
    let js = jetstream::new(async_nats::connect(server.url()).await.unwrap());
    let mut stream = js
        .get_stream("market_data")
        .await
        .expect("stream exists in NATS");
    let info = stream.info().await.unwrap();
    assert_eq!(info.config.subjects, vec!["market.>", "trades.>"]);
    assert_eq!(info.config.max_messages, 1_000_000);
    assert_eq!(info.config.max_bytes, 1_073_741_824);
    assert_eq!(info.config.max_age, Duration::from_secs(86400));
    assert_eq!(info.config.duplicate_window, Duration::from_secs(30));
    assert_eq!(info.config.max_message_size, 65536);
    assert_eq!(info.config.storage, jetstream::stream::StorageType::Memory);
    assert_eq!(info.config.discard, jetstream::stream::DiscardPolicy::New);
    assert_eq!(info.config.description.as_deref(), Some("market ticks"));
}

#[tokio::test]
async fn create_with_only_a_name_uses_defaults_and_the_name_as_subject() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    let data = create(&router, json!({ "name": "orders" })).await;
    let config = &data["config"];
    assert_eq!(config["subjects"], json!(["orders"]));
    assert_eq!(config["retention"], "limits");
    assert_eq!(config["storage"], "file");
    assert_eq!(config["discard"], "old");
    assert_eq!(config["replicas"], 1);
    assert_eq!(config["max_msgs"], -1);
    assert_eq!(config["max_bytes"], -1);
    assert_eq!(config["max_msg_size"], -1);
    assert_eq!(config["max_age"].as_f64(), Some(0.0));

    // The default subject really captures messages.
    let published = publish(&router, "orders", json!("first")).await;
    assert_eq!(published["stream"], "orders");
    assert_eq!(published["seq"], 1);
    assert_eq!(detail(&router, "orders").await["state"]["messages"], 1);
}

#[tokio::test]
async fn create_accepts_every_retention_storage_and_discard_value() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    let cases = [
        ("ret_limits", "limits", "file", "old"),
        ("ret_interest", "interest", "memory", "new"),
        ("ret_workqueue", "workqueue", "file", "new"),
    ];
    for (name, retention, storage, discard) in cases {
        let data = create(
            &router,
            json!({
                "name": name,
                "subjects": [format!("{name}.>")],
                "retention": retention,
                "storage": storage,
                "discard": discard,
            }),
        )
        .await;
        assert_eq!(data["config"]["retention"], retention, "{data}");
        assert_eq!(data["config"]["storage"], storage, "{data}");
        assert_eq!(data["config"]["discard"], discard, "{data}");
    }
    assert_eq!(
        stream_names(&router).await,
        vec!["ret_interest", "ret_limits", "ret_workqueue"]
    );
}

#[tokio::test]
async fn invalid_names_are_rejected_and_nothing_is_created() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    let long = "x".repeat(256);
    for name in [
        "",
        "has space",
        "tab\there",
        "a.b",
        "a*",
        "a>",
        "a/b",
        "a\\b",
        &long,
    ] {
        assert_invalid(
            &router,
            json!({ "name": name, "subjects": ["valid.subject"] }),
            "name",
        )
        .await;
    }
    // A missing name is as invalid as an empty one.
    assert_invalid(&router, json!({ "subjects": ["valid.subject"] }), "name").await;
    // The longest allowed name is accepted.
    let longest = "y".repeat(255);
    let data = create(&router, json!({ "name": longest, "subjects": ["long.>"] })).await;
    assert_eq!(data["name"], longest);
    assert_eq!(stream_names(&router).await, vec![longest]);
}

#[tokio::test]
async fn invalid_subjects_are_rejected() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    let bad: [Value; 10] = [
        json!([]),
        json!([""]),
        json!(["a..b"]),
        json!([".a"]),
        json!(["a."]),
        json!(["a.>.b"]),
        json!([">.a"]),
        json!(["a b"]),
        json!(["ok.subject", "a\tb"]),
        json!(["a.b*"]),
    ];
    for subjects in bad {
        assert_invalid(
            &router,
            json!({ "name": "s", "subjects": subjects }),
            "subjects",
        )
        .await;
    }
    // Subjects that overlap each other within one stream.
    assert_invalid(
        &router,
        json!({ "name": "s", "subjects": ["x.>", "x.y"] }),
        "subjects",
    )
    .await;
    // Not a list of strings.
    assert_invalid(
        &router,
        json!({ "name": "s", "subjects": "x.y" }),
        "subjects",
    )
    .await;
    assert!(stream_names(&router).await.is_empty());
}

#[tokio::test]
async fn negative_limits_are_rejected_naming_the_field() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    for (field, value) in [
        ("max_msgs", json!(-1)),
        ("max_bytes", json!(-5)),
        ("max_msg_size", json!(-1)),
        ("max_age", json!(-1)),
        ("max_age", json!(-0.5)),
        ("duplicate_window", json!(-2)),
        ("replicas", json!(0)),
        ("replicas", json!(-1)),
    ] {
        let mut body = json!({ "name": "limits", "subjects": ["limits.>"] });
        body[field] = value;
        assert_invalid(&router, body, field).await;
    }
    assert!(stream_names(&router).await.is_empty());
}

#[tokio::test]
async fn unknown_enum_values_fields_and_wrong_types_are_rejected() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    for (field, value) in [
        ("retention", json!("forever")),
        ("retention", json!("Limits")),
        ("storage", json!("disk")),
        ("discard", json!("sometimes")),
        ("max_msgs", json!("ten")),
        ("max_age", json!("1d")),
        ("description", json!(5)),
    ] {
        let mut body = json!({ "name": "enums", "subjects": ["enums.>"] });
        body[field] = value;
        assert_invalid(&router, body, field).await;
    }
    assert_invalid(
        &router,
        json!({ "name": "enums", "subjects": ["enums.>"], "colour": "blue" }),
        "colour",
    )
    .await;
    // Not an object at all.
    let result = call(&router, "POST", STREAMS, Some(json!(["enums"]))).await;
    assert_error(&result, 400, "INVALID_STREAM_DATA");
    assert!(stream_names(&router).await.is_empty());
}

#[tokio::test]
async fn duplicate_name_is_a_conflict() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    create(
        &router,
        json!({ "name": "orders", "subjects": ["orders.>"] }),
    )
    .await;
    publish(&router, "orders.1", json!({"id": 1})).await;

    // Same name, even with different subjects, is refused and the original is untouched.
    let result = call(
        &router,
        "POST",
        STREAMS,
        Some(json!({ "name": "orders", "subjects": ["other.>"] })),
    )
    .await;
    assert_error(&result, 409, "STREAM_CREATION_ERROR");
    assert!(
        result.1["message"].as_str().unwrap().contains("orders"),
        "{}",
        result.1
    );
    let data = detail(&router, "orders").await;
    assert_eq!(data["config"]["subjects"], json!(["orders.>"]));
    assert_eq!(data["state"]["messages"], 1);

    // Identical body: still a conflict, not a silent success.
    let again = call(
        &router,
        "POST",
        STREAMS,
        Some(json!({ "name": "orders", "subjects": ["orders.>"] })),
    )
    .await;
    assert_error(&again, 409, "STREAM_CREATION_ERROR");
    assert_eq!(stream_names(&router).await, vec!["orders"]);
}

#[tokio::test]
async fn overlapping_subjects_are_a_conflict_naming_the_other_stream() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    create(
        &router,
        json!({ "name": "market_data", "subjects": ["market.>"] }),
    )
    .await;

    for subjects in [
        json!(["market.btc.price"]),
        json!(["market.>"]),
        json!(["*.btc"]),
        json!([">"]),
        json!(["fresh.>", "market.eth"]),
    ] {
        let result = call(
            &router,
            "POST",
            STREAMS,
            Some(json!({ "name": "ticks", "subjects": subjects })),
        )
        .await;
        assert_error(&result, 409, "STREAM_CREATION_ERROR");
        let message = result.1["message"].as_str().unwrap();
        assert!(message.contains("market_data"), "{subjects}: {message}");
    }
    assert_eq!(stream_names(&router).await, vec!["market_data"]);

    // A subject that only looks similar does not overlap ("market" vs "market.>").
    create(
        &router,
        json!({ "name": "ticks", "subjects": ["market", "trades.>"] }),
    )
    .await;
    assert_eq!(stream_names(&router).await, vec!["market_data", "ticks"]);

    // A name defaulting to its subject also conflicts with an explicit subject.
    let result = call(&router, "POST", STREAMS, Some(json!({ "name": "market" }))).await;
    assert_error(&result, 409, "STREAM_CREATION_ERROR");
    assert!(
        result.1["message"].as_str().unwrap().contains("ticks"),
        "{}",
        result.1
    );
}

#[tokio::test]
async fn list_returns_every_stream_sorted_with_config_and_state() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;

    let (status, json) = call(&router, "GET", STREAMS, None).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["data"]["count"], 0);
    assert_eq!(json["data"]["streams"], json!([]));

    for name in ["zeta", "alpha", "Mid", "beta"] {
        create(
            &router,
            json!({ "name": name, "subjects": [format!("{name}.>")] }),
        )
        .await;
    }
    // A stream created outside the service is listed too.
    let js = jetstream::new(async_nats::connect(server.url()).await.unwrap());
    js.create_stream(jetstream::stream::Config {
        name: "external".into(),
        subjects: vec!["external.>".into()],
        ..Default::default()
    })
    .await
    .unwrap();
    for i in 0..3 {
        publish(&router, &format!("beta.{i}"), json!({ "i": i })).await;
    }

    let (status, json) = call(&router, "GET", STREAMS, None).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["data"]["count"], 5);
    let streams = json["data"]["streams"].as_array().unwrap();
    let names: Vec<&str> = streams
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Mid", "alpha", "beta", "external", "zeta"]);
    for stream in streams {
        assert!(stream["config"]["subjects"].is_array(), "{stream}");
        assert!(stream["config"]["retention"].is_string(), "{stream}");
        assert!(stream["state"]["messages"].is_u64(), "{stream}");
    }
    let beta = &streams[2];
    assert_eq!(beta["config"]["subjects"], json!(["beta.>"]));
    assert_eq!(beta["state"]["messages"], 3);
    assert_eq!(beta["state"]["first_seq"], 1);
    assert_eq!(beta["state"]["last_seq"], 3);
    assert!(beta["state"]["bytes"].as_u64().unwrap() > 0, "{beta}");
    assert_eq!(streams[0]["state"]["messages"], 0);
}

#[tokio::test]
async fn detail_reports_state_after_publishing() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    create(
        &router,
        json!({ "name": "events", "subjects": ["events.>"] }),
    )
    .await;
    for i in 1..=3 {
        let published = publish(&router, "events.created", json!({ "n": i })).await;
        assert_eq!(published["seq"], i);
        assert_eq!(published["stream"], "events");
    }
    let data = detail(&router, "events").await;
    assert_eq!(data["name"], "events");
    assert_eq!(data["config"]["subjects"], json!(["events.>"]));
    let state = &data["state"];
    assert_eq!(state["messages"], 3);
    assert_eq!(state["first_seq"], 1);
    assert_eq!(state["last_seq"], 3);
    assert_eq!(state["subjects"], 1);
    assert!(state["bytes"].as_u64().unwrap() > 0, "{state}");
    assert!(state["first_ts"].is_string(), "{state}");
    assert!(state["last_ts"].is_string(), "{state}");
    assert_eq!(data["consumers"], json!([]));

    // Cross-check with the server's own view.
    let js = jetstream::new(async_nats::connect(server.url()).await.unwrap());
    let mut stream = js.get_stream("events").await.unwrap();
    let info = stream.info().await.unwrap();
    assert_eq!(info.state.messages, 3);
    assert_eq!(state["bytes"], info.state.bytes);
}

#[tokio::test]
async fn detail_of_a_missing_or_invalid_stream() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    let result = call(&router, "GET", &format!("{STREAMS}/nope"), None).await;
    assert_error(&result, 404, "STREAM_NOT_FOUND");
    assert!(
        result.1["message"].as_str().unwrap().contains("nope"),
        "{}",
        result.1
    );
    // A name that could never exist is a bad request, not a lookup.
    let result = call(&router, "GET", &format!("{STREAMS}/a.b"), None).await;
    assert_error(&result, 400, "INVALID_STREAM_DATA");
    let result = call(&router, "GET", &format!("{STREAMS}/a*"), None).await;
    assert_error(&result, 400, "INVALID_STREAM_DATA");
}

#[tokio::test]
async fn detail_shows_consumers_and_their_lag() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    create(&router, json!({ "name": "jobs", "subjects": ["jobs.>"] })).await;
    for i in 0..5 {
        publish(&router, &format!("jobs.{i}"), json!({ "job": i })).await;
    }

    let js = jetstream::new(async_nats::connect(server.url()).await.unwrap());
    let stream = js.get_stream("jobs").await.unwrap();
    let consumer: PullConsumer = stream
        .create_consumer(pull::Config {
            durable_name: Some("worker".into()),
            ack_wait: Duration::from_secs(30),
            max_ack_pending: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    stream
        .create_consumer(pull::Config {
            durable_name: Some("auditor".into()),
            filter_subject: "jobs.0".into(),
            ..Default::default()
        })
        .await
        .unwrap();

    let data = detail(&router, "jobs").await;
    assert_eq!(data["state"]["consumer_count"], 2);
    let consumers = data["consumers"].as_array().unwrap();
    let names: Vec<&str> = consumers
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["auditor", "worker"]);
    let auditor = &consumers[0];
    assert_eq!(auditor["durable"], true);
    assert_eq!(auditor["filter_subject"], "jobs.0");
    assert_eq!(auditor["num_pending"], 1);
    let worker = &consumers[1];
    assert_eq!(worker["durable"], true);
    assert_eq!(worker["ack_policy"], "explicit");
    assert_eq!(worker["num_pending"], 5);
    assert_eq!(worker["num_ack_pending"], 0);
    assert_eq!(worker["num_redelivered"], 0);

    // One at a time (max_ack_pending 1 makes the order deterministic): ack the first, nak the
    // second, then take its redelivery.
    let next = || async {
        let mut batch = consumer
            .fetch()
            .max_messages(1)
            .expires(Duration::from_secs(5))
            .messages()
            .await
            .unwrap();
        batch.next().await.expect("a message").unwrap()
    };
    let first = next().await;
    assert_eq!(first.info().unwrap().stream_sequence, 1);
    first.double_ack().await.unwrap();
    let second = next().await;
    assert_eq!(second.info().unwrap().stream_sequence, 2);
    second.double_ack_with(AckKind::Nak(None)).await.unwrap();
    let redelivered = next().await;
    assert_eq!(redelivered.info().unwrap().stream_sequence, 2);
    assert_eq!(redelivered.info().unwrap().delivered, 2);

    let data = detail(&router, "jobs").await;
    let worker = data["consumers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "worker")
        .expect("worker listed")
        .clone();
    assert_eq!(worker["num_pending"], 3, "{worker}");
    assert_eq!(worker["num_ack_pending"], 1, "{worker}");
    assert_eq!(worker["num_redelivered"], 1, "{worker}");
    assert_eq!(worker["delivered_stream_seq"], 2, "{worker}");
    assert_eq!(worker["ack_floor_stream_seq"], 1, "{worker}");
    // Reading messages through the API does not move any consumer.
    let (status, _) = call(
        &router,
        "GET",
        &format!("{STREAMS}/jobs/messages?last=5"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let data = detail(&router, "jobs").await;
    assert_eq!(data["consumers"][1]["num_pending"], 3);
    assert_eq!(data["state"]["messages"], 5);
}

#[tokio::test]
async fn delete_removes_the_stream_and_then_answers_404() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    create(&router, json!({ "name": "temp", "subjects": ["temp.>"] })).await;
    create(&router, json!({ "name": "keep", "subjects": ["keep.>"] })).await;
    publish(&router, "temp.a", json!("x")).await;

    let (status, json) = call(&router, "DELETE", &format!("{STREAMS}/temp"), None).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["data"]["name"], "temp");
    assert_eq!(json["data"]["deleted"], true);

    assert_eq!(stream_names(&router).await, vec!["keep"]);
    let js = jetstream::new(async_nats::connect(server.url()).await.unwrap());
    assert!(js.get_stream("temp").await.is_err(), "stream still in NATS");

    let result = call(&router, "GET", &format!("{STREAMS}/temp"), None).await;
    assert_error(&result, 404, "STREAM_NOT_FOUND");
    let result = call(&router, "DELETE", &format!("{STREAMS}/temp"), None).await;
    assert_error(&result, 404, "STREAM_NOT_FOUND");
    let result = call(&router, "POST", &format!("{STREAMS}/temp/purge"), None).await;
    assert_error(&result, 404, "STREAM_NOT_FOUND");
    let result = call(
        &router,
        "GET",
        &format!("{STREAMS}/temp/messages?last=1"),
        None,
    )
    .await;
    assert_error(&result, 404, "STREAM_NOT_FOUND");
    let result = call(
        &router,
        "POST",
        "/api/v1/broker/publish",
        Some(json!({ "subject": "temp.a", "message": "y" })),
    )
    .await;
    assert_error(&result, 404, "STREAM_NOT_FOUND");

    // The name and subjects are free again; the new stream starts empty.
    let data = create(&router, json!({ "name": "temp", "subjects": ["temp.>"] })).await;
    assert_eq!(data["state"]["messages"], 0);
}

#[tokio::test]
async fn delete_of_a_missing_or_invalid_stream() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    let result = call(&router, "DELETE", &format!("{STREAMS}/ghost"), None).await;
    assert_error(&result, 404, "STREAM_NOT_FOUND");
    assert!(
        result.1["message"].as_str().unwrap().contains("ghost"),
        "{}",
        result.1
    );
    let result = call(&router, "DELETE", &format!("{STREAMS}/a.b"), None).await;
    assert_error(&result, 400, "INVALID_STREAM_DATA");
}

#[tokio::test]
async fn purge_reports_the_number_removed_and_empties_the_stream() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    create(&router, json!({ "name": "logs", "subjects": ["logs.>"] })).await;
    for i in 0..4 {
        publish(&router, &format!("logs.{i}"), json!(format!("line {i}"))).await;
    }
    assert_eq!(detail(&router, "logs").await["state"]["messages"], 4);

    let (status, json) = call(&router, "POST", &format!("{STREAMS}/logs/purge"), None).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["data"]["name"], "logs");
    assert_eq!(json["data"]["purged"], 4);

    let data = detail(&router, "logs").await;
    assert_eq!(data["state"]["messages"], 0);
    assert_eq!(data["state"]["bytes"], 0);
    assert_eq!(data["state"]["last_seq"], 4);
    let (status, json) = call(
        &router,
        "GET",
        &format!("{STREAMS}/logs/messages?last=10"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["data"]["count"], 0);

    // Purging an empty stream removes nothing; the stream keeps working afterwards.
    let (status, json) = call(&router, "POST", &format!("{STREAMS}/logs/purge"), None).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["data"]["purged"], 0);
    let published = publish(&router, "logs.after", json!("again")).await;
    assert_eq!(published["seq"], 5);
    assert_eq!(detail(&router, "logs").await["state"]["messages"], 1);
}

#[tokio::test]
async fn purge_of_a_missing_stream_is_404() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    let result = call(&router, "POST", &format!("{STREAMS}/nothing/purge"), None).await;
    assert_error(&result, 404, "STREAM_NOT_FOUND");
    assert!(
        result.1["message"].as_str().unwrap().contains("nothing"),
        "{}",
        result.1
    );
}

#[tokio::test]
async fn limits_are_enforced_by_the_created_stream() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    create(
        &router,
        json!({ "name": "capped", "subjects": ["capped.>"], "max_msgs": 2, "discard": "old" }),
    )
    .await;
    for i in 1..=3 {
        publish(&router, "capped.x", json!(i)).await;
    }
    let state = detail(&router, "capped").await["state"].clone();
    assert_eq!(state["messages"], 2, "{state}");
    assert_eq!(state["first_seq"], 2, "{state}");
    assert_eq!(state["last_seq"], 3, "{state}");
}

#[tokio::test]
async fn definitions_the_server_refuses_are_invalid_stream_data() {
    let server = NatsServer::start();
    let (_, router) = app(&server).await;
    // A single server cannot hold three replicas.
    let result = call(
        &router,
        "POST",
        "/api/v1/broker/streams",
        Some(json!({"name": "r3", "subjects": ["r3.>"], "replicas": 3})),
    )
    .await;
    assert_error(&result, 400, "INVALID_STREAM_DATA");
    assert!(
        result.1["message"]
            .as_str()
            .unwrap()
            .contains("JetStream refused"),
        "{}",
        result.1
    );
}
