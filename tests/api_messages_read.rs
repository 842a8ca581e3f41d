//! Reading stored messages through the REST API against a real nats-server: payload encodings
//! (JSON, text, base64), by sequence and last-N without consuming, deleted sequences, the read
//! error paths, and headers round-tripping.

mod common;

use async_nats::jetstream;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use common::messages::{STREAMS, create, publish, publish_body, read, seqs, stream_messages};
use common::{INVALID_PARAMETERS, NatsServer, STREAM_NOT_FOUND, call, expect_error};
use serde_json::{Value, json};

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
        let uri = format!("{STREAMS}/gaps/messages?seq={seq}");
        let result = expect_error(&router, "GET", &uri, None, STREAM_NOT_FOUND).await;
        assert!(
            result["message"]
                .as_str()
                .unwrap()
                .contains(&seq.to_string()),
            "{result}"
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
        let uri = format!("{STREAMS}/params/messages?{query}");
        expect_error(&router, "GET", &uri, None, INVALID_PARAMETERS).await;
    }
    // The boundary value is accepted.
    assert_eq!(read(&router, "params", "last=100").await.len(), 1);

    let uri = format!("{STREAMS}/missing/messages?seq=1");
    let result = expect_error(&router, "GET", &uri, None, STREAM_NOT_FOUND).await;
    assert!(
        result["message"].as_str().unwrap().contains("missing"),
        "{result}"
    );
    let uri = format!("{STREAMS}/missing/messages?last=5");
    expect_error(&router, "GET", &uri, None, STREAM_NOT_FOUND).await;
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

/// A stream made elsewhere without direct get is read through the leader (`STREAM.MSG.GET`), and
/// reads back exactly as a direct-get stream does.
#[tokio::test]
async fn streams_without_direct_get_read_the_same() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    create(&router, "direct", json!(["direct.>"])).await;
    let js = jetstream::new(async_nats::connect(server.url()).await.unwrap());
    js.create_stream(jetstream::stream::Config {
        name: "leader".into(),
        subjects: vec!["leader.>".into()],
        allow_direct: false,
        ..Default::default()
    })
    .await
    .unwrap();
    for subject in ["direct.a", "leader.a"] {
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("trace", "t-1");
        js.publish_with_headers(subject, headers, Bytes::from_static(b"{\"n\":1}"))
            .await
            .unwrap()
            .await
            .unwrap();
    }
    let mut views = Vec::new();
    for name in ["direct", "leader"] {
        let (status, body) = call(
            &router,
            "GET",
            &format!("{STREAMS}/{name}/messages?seq=1"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let message = body["data"]["messages"][0].clone();
        assert_eq!(message["payload"], json!({"n": 1}), "{name}");
        assert_eq!(message["encoding"], "json");
        assert_eq!(
            message["headers"],
            json!({"trace": ["t-1"]}),
            "{name}: {message}"
        );
        assert!(
            message["time"].as_str().unwrap().ends_with('Z'),
            "{message}"
        );
        views.push(message);
        let uri = format!("{STREAMS}/{name}/messages?seq=9");
        expect_error(&router, "GET", &uri, None, STREAM_NOT_FOUND).await;
    }
    let (_, detail) = call(&router, "GET", &format!("{STREAMS}/leader"), None).await;
    assert_eq!(detail["data"]["config"]["allow_direct"], false);
    // Same message, two paths: everything but the stream name and subject agrees.
    for key in ["seq", "payload", "headers", "encoding", "size"] {
        assert_eq!(views[0][key], views[1][key], "{key}");
    }
}
