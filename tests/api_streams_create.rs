//! Creating streams through the REST API against a real nats-server: every field, defaults,
//! validation of names, subjects, limits and enums, conflicts, and the limits the created stream
//! enforces.

mod common;

use std::time::Duration;

use async_nats::jetstream;
use axum::Router;
use common::messages::publish;
use common::streams::{STREAMS, create, detail, stream_names};
use common::{INVALID_STREAM_DATA, NatsServer, STREAM_CREATION_ERROR, app, call, expect_error};
use serde_json::{Value, json};

/// Asserts a 400 INVALID_STREAM_DATA whose message names `field`, and that nothing was created.
async fn assert_invalid(router: &Router, body: Value, field: &str) {
    let result = expect_error(
        router,
        "POST",
        STREAMS,
        Some(body.clone()),
        INVALID_STREAM_DATA,
    )
    .await;
    let message = result["message"].as_str().unwrap();
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
    expect_error(
        &router,
        "POST",
        STREAMS,
        Some(json!(["enums"])),
        INVALID_STREAM_DATA,
    )
    .await;
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
    let result = expect_error(
        &router,
        "POST",
        STREAMS,
        Some(json!({ "name": "orders", "subjects": ["other.>"] })),
        STREAM_CREATION_ERROR,
    )
    .await;
    assert!(
        result["message"].as_str().unwrap().contains("orders"),
        "{result}"
    );
    let data = detail(&router, "orders").await;
    assert_eq!(data["config"]["subjects"], json!(["orders.>"]));
    assert_eq!(data["state"]["messages"], 1);

    // Identical body: still a conflict, not a silent success.
    expect_error(
        &router,
        "POST",
        STREAMS,
        Some(json!({ "name": "orders", "subjects": ["orders.>"] })),
        STREAM_CREATION_ERROR,
    )
    .await;
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
        let result = expect_error(
            &router,
            "POST",
            STREAMS,
            Some(json!({ "name": "ticks", "subjects": subjects })),
            STREAM_CREATION_ERROR,
        )
        .await;
        let message = result["message"].as_str().unwrap();
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
    let result = expect_error(
        &router,
        "POST",
        STREAMS,
        Some(json!({ "name": "market" })),
        STREAM_CREATION_ERROR,
    )
    .await;
    assert!(
        result["message"].as_str().unwrap().contains("ticks"),
        "{result}"
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
    let result = expect_error(
        &router,
        "POST",
        "/api/v1/broker/streams",
        Some(json!({"name": "r3", "subjects": ["r3.>"], "replicas": 3})),
        INVALID_STREAM_DATA,
    )
    .await;
    assert!(
        result["message"]
            .as_str()
            .unwrap()
            .contains("JetStream refused"),
        "{result}"
    );
}
