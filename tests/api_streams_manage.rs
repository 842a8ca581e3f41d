//! Managing streams through the REST API against a real nats-server: list, detail with consumer
//! lag, delete and purge.

mod common;

use std::time::Duration;

use async_nats::jetstream;
use async_nats::jetstream::AckKind;
use async_nats::jetstream::consumer::{PullConsumer, pull};
use common::messages::publish;
use common::streams::{STREAMS, create, detail, stream_names};
use common::{INVALID_STREAM_DATA, NatsServer, STREAM_NOT_FOUND, call, expect_error};
use futures::StreamExt;
use serde_json::json;

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
async fn detail_of_a_mirror_says_what_it_copies_and_how_far_behind_it_is() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    create(
        &router,
        json!({ "name": "orders", "subjects": ["orders.>"] }),
    )
    .await;
    let js = jetstream::new(async_nats::connect(server.url()).await.unwrap());
    common::streams::create_mirror(&js, "orders_copy", "orders").await;
    for i in 1..=5 {
        publish(&router, "orders.new", json!({ "n": i })).await;
    }
    let data = common::wait_for(
        "the mirror to hold all five, with no lag",
        Duration::from_secs(10),
        async || {
            let data = detail(&router, "orders_copy").await;
            if data["state"]["messages"] == 5 && data["mirror"]["lag"] == 0 {
                Ok(data)
            } else {
                Err(data.to_string())
            }
        },
    )
    .await;
    let mirror = &data["mirror"];
    assert_eq!(mirror["name"], "orders");
    assert!(
        mirror["active"].as_f64().is_some_and(|a| a >= 0.0),
        "{mirror}"
    );
    assert!(mirror.get("error").is_none(), "{mirror}");
    assert!(data.get("cluster").is_none(), "not clustered: {data}");
    // The server's own view of the copy agrees.
    let info = js
        .get_stream("orders_copy")
        .await
        .unwrap()
        .info()
        .await
        .unwrap()
        .clone();
    assert_eq!(info.mirror.map(|m| m.name), Some("orders".to_owned()));
    assert_eq!(info.state.messages, 5);
    // The origin copies from nothing.
    let origin = detail(&router, "orders").await;
    assert!(
        origin.get("mirror").is_none() && origin.get("sources").is_none(),
        "{origin}"
    );
}

#[tokio::test]
async fn detail_of_a_missing_or_invalid_stream() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    let uri = format!("{STREAMS}/nope");
    let result = expect_error(&router, "GET", &uri, None, STREAM_NOT_FOUND).await;
    assert!(
        result["message"].as_str().unwrap().contains("nope"),
        "{result}"
    );
    // A name that could never exist is a bad request, not a lookup.
    for name in ["a.b", "a*"] {
        let uri = format!("{STREAMS}/{name}");
        expect_error(&router, "GET", &uri, None, INVALID_STREAM_DATA).await;
    }
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

    for (method, uri, body) in [
        ("GET", format!("{STREAMS}/temp"), None),
        ("DELETE", format!("{STREAMS}/temp"), None),
        ("POST", format!("{STREAMS}/temp/purge"), None),
        ("GET", format!("{STREAMS}/temp/messages?last=1"), None),
        (
            "POST",
            "/api/v1/broker/publish".to_owned(),
            Some(json!({ "subject": "temp.a", "message": "y" })),
        ),
    ] {
        expect_error(&router, method, &uri, body, STREAM_NOT_FOUND).await;
    }

    // The name and subjects are free again; the new stream starts empty.
    let data = create(&router, json!({ "name": "temp", "subjects": ["temp.>"] })).await;
    assert_eq!(data["state"]["messages"], 0);
}

#[tokio::test]
async fn delete_of_a_missing_or_invalid_stream() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    let uri = format!("{STREAMS}/ghost");
    let result = expect_error(&router, "DELETE", &uri, None, STREAM_NOT_FOUND).await;
    assert!(
        result["message"].as_str().unwrap().contains("ghost"),
        "{result}"
    );
    let uri = format!("{STREAMS}/a.b");
    expect_error(&router, "DELETE", &uri, None, INVALID_STREAM_DATA).await;
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
    let uri = format!("{STREAMS}/nothing/purge");
    let result = expect_error(&router, "POST", &uri, None, STREAM_NOT_FOUND).await;
    assert!(
        result["message"].as_str().unwrap().contains("nothing"),
        "{result}"
    );
}
