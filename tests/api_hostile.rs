//! The API cannot be used to reach around it: reserved subjects are refused, no request can make
//! nats-server drop the service's connection, a client's mistake is a 4xx with JetStream's own
//! reason, and every stream name the validator accepts works end to end.

mod common;

use async_nats::jetstream;
use common::messages::{PUBLISH, STREAMS, create, publish};
use common::{
    INVALID_MESSAGE_DATA, INVALID_STREAM_DATA, NatsServer, PUBLISH_CONFLICT, assert_error, call,
    expect_error,
};
use serde_json::{Value, json};

/// The service's one connection to the server, as the server sees it: its client id.
async fn service_cid(server: &NatsServer) -> u64 {
    let url = format!("{}/connz?subs=0", server.monitor_url());
    let connz: Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
    let ours: Vec<u64> = connz["connections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["name"]
                .as_str()
                .unwrap_or_default()
                .starts_with("message-broker")
        })
        .map(|c| c["cid"].as_u64().unwrap())
        .collect();
    assert_eq!(ours.len(), 1, "{connz}");
    ours[0]
}

#[tokio::test]
async fn reserved_subjects_cannot_reach_the_jetstream_api() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    create(&router, "orders", json!(["orders.>"])).await;
    publish(&router, "orders.1", json!("kept")).await;

    for subject in [
        "$JS.API.STREAM.DELETE.orders",
        "$JS.API.STREAM.PURGE.orders",
        "$JS.API.STREAM.MSG.DELETE.orders",
        "$JS.API.STREAM.CREATE.sneaky",
        "$SYS.REQ.SERVER.PING",
        "_INBOX.someone.else",
    ] {
        let result = expect_error(
            &router,
            "POST",
            PUBLISH,
            Some(json!({ "subject": subject, "message": "{\"seq\":1}" })),
            INVALID_MESSAGE_DATA,
        )
        .await;
        assert!(
            result["message"]
                .as_str()
                .unwrap()
                .contains("api.allow_publish_to"),
            "{result}"
        );
    }

    // Through a second client: the stream and its message are untouched, nothing else exists.
    let js = jetstream::new(async_nats::connect(server.url()).await.unwrap());
    let mut orders = js.get_stream("orders").await.unwrap();
    assert_eq!(orders.info().await.unwrap().state.messages, 1);
    assert!(js.get_stream("sneaky").await.is_err());
}

#[tokio::test]
async fn a_reserved_subject_allowed_in_the_config_can_be_published_to() {
    let server = NatsServer::start();
    let yaml =
        "services:\n  message-broker:\n    api:\n      allow_publish_to: [\"$KV.settings.>\"]\n";
    let (_state, router) = common::app_with(&server, yaml).await;
    let js = jetstream::new(async_nats::connect(server.url()).await.unwrap());
    // The bucket's stream as a key-value bucket is laid out, made as a plain stream: the client's
    // create_key_value sends settings older servers (2.9) do not take.
    js.create_stream(jetstream::stream::Config {
        name: "KV_settings".into(),
        subjects: vec!["$KV.settings.>".into()],
        max_messages_per_subject: 1,
        allow_rollup: true,
        deny_delete: true,
        allow_direct: true,
        ..Default::default()
    })
    .await
    .unwrap();
    let bucket = js.get_key_value("settings").await.unwrap();
    let data = publish(&router, "$KV.settings.colour", json!("blue")).await;
    assert_eq!(data["stream"], "KV_settings");
    let stored = bucket.get("colour").await.unwrap().unwrap();
    assert_eq!(&stored[..], b"blue");
    // Another bucket is still out of reach.
    expect_error(
        &router,
        "POST",
        PUBLISH,
        Some(json!({ "subject": "$KV.other.k", "message": "x" })),
        INVALID_MESSAGE_DATA,
    )
    .await;
}

#[tokio::test]
async fn no_subject_header_or_id_size_drops_the_connection() {
    let server = NatsServer::start();
    let (state, router) = common::app(&server).await;
    create(&router, "big", json!(["big.>"])).await;
    let cid = service_cid(&server).await;

    for size in [4 * 1024, 8 * 1024, 64 * 1024] {
        let subject = format!("big.{}", "s".repeat(size));
        expect_error(
            &router,
            "POST",
            PUBLISH,
            Some(json!({ "subject": subject, "message": "x" })),
            INVALID_MESSAGE_DATA,
        )
        .await;

        // A header of this size: within JetStream's 64 KiB it is stored, beyond it refused.
        let headers = json!({ "X-Big": "h".repeat(size) });
        let (status, body) = call(
            &router,
            "POST",
            PUBLISH,
            Some(json!({ "subject": "big.h", "message": "x", "headers": headers })),
        )
        .await;
        if size < 64 * 1024 {
            assert_eq!(status, 200, "{size}: {body}");
        } else {
            assert_error(&(status, body), INVALID_MESSAGE_DATA);
        }
    }
    expect_error(
        &router,
        "POST",
        PUBLISH,
        Some(json!({ "subject": "big.id", "message": "x", "msg_id": "i".repeat(100_000) })),
        INVALID_MESSAGE_DATA,
    )
    .await;
    let many: serde_json::Map<String, Value> = (0..500)
        .map(|i| (format!("H{i}"), json!("v".repeat(1000))))
        .collect();
    expect_error(
        &router,
        "POST",
        PUBLISH,
        Some(json!({ "subject": "big.h", "message": "x", "headers": many })),
        INVALID_MESSAGE_DATA,
    )
    .await;

    // The same connection throughout, as the client and the server both see it.
    let connection = state.nats.connection();
    assert_eq!((connection.connects, connection.reconnects), (1, 0));
    assert_eq!(service_cid(&server).await, cid);
    publish(&router, "big.after", json!("still here")).await;
}

#[tokio::test]
async fn stream_definitions_the_server_refuses_are_the_callers_to_fix() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    for (body, err_code) in [
        (
            json!({ "name": "huge", "max_bytes": 1_000_000_000_000_000i64 }),
            "10047",
        ),
        (
            json!({ "name": "huge_mem", "storage": "memory", "max_bytes": 1_000_000_000_000_000i64 }),
            "10028",
        ),
        (json!({ "name": "brief", "max_age": 0.01 }), "10052"),
        (
            json!({ "name": "blink", "duplicate_window": 0.001 }),
            "10052",
        ),
    ] {
        let result = expect_error(
            &router,
            "POST",
            STREAMS,
            Some(body.clone()),
            INVALID_STREAM_DATA,
        )
        .await;
        let message = result["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("JetStream err_code {err_code}")),
            "{body}: {message}"
        );
    }
}

#[tokio::test]
async fn expectations_that_do_not_hold_and_full_streams_are_conflicts() {
    let server = NatsServer::start();
    let (_state, router) = common::app(&server).await;
    create(&router, "ledger", json!(["ledger.>"])).await;
    publish(&router, "ledger.1", json!("one")).await;
    for (header, value, err_code) in [
        ("Nats-Expected-Stream", "other", "10060"),
        ("Nats-Expected-Last-Sequence", "99", "10071"),
        ("Nats-Expected-Last-Msg-Id", "nope", "10070"),
    ] {
        let result = expect_error(
            &router,
            "POST",
            PUBLISH,
            Some(json!({ "subject": "ledger.2", "message": "x", "headers": { header: value } })),
            PUBLISH_CONFLICT,
        )
        .await;
        let message = result["message"].as_str().unwrap();
        assert!(message.contains(err_code), "{header}: {message}");
    }
    // An expectation that holds is stored.
    let data = common::messages::publish_body(
        &router,
        json!({ "subject": "ledger.2", "message": "two",
                "headers": { "Nats-Expected-Last-Sequence": "1" } }),
    )
    .await;
    assert_eq!(data["seq"], 2);

    // A stream that discards new messages once full refuses the next one: a conflict, not a fault.
    common::streams::create(
        &router,
        json!({ "name": "capped", "subjects": ["capped"], "max_msgs": 1, "discard": "new" }),
    )
    .await;
    publish(&router, "capped", json!("first")).await;
    let result = expect_error(
        &router,
        "POST",
        PUBLISH,
        Some(json!({ "subject": "capped", "message": "second" })),
        PUBLISH_CONFLICT,
    )
    .await;
    assert!(
        result["message"].as_str().unwrap().contains("full"),
        "{result}"
    );
}

mod names {
    use super::*;
    use proptest::prelude::*;

    /// Punctuation the validator accepts, and letters and digits of several scripts.
    const ALPHABET: &str = "!\"#$%&'()+,-:;<=?@[]^_`{|}~abcXYZ019éßЖ中ا١";

    fn percent(text: &str) -> String {
        text.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }

    /// Create, publish, read, purge and delete a stream named `name`, all through the API.
    async fn round_trip(router: &axum::Router, name: &str) -> Result<(), String> {
        let path = format!("{STREAMS}/{}", percent(name));
        let steps = [
            (
                "POST",
                STREAMS.to_owned(),
                Some(json!({ "name": name, "subjects": ["prop.x"] })),
            ),
            (
                "POST",
                PUBLISH.to_owned(),
                Some(json!({ "subject": "prop.x", "message": { "name": name } })),
            ),
            ("GET", format!("{path}/messages?last=1"), None),
            ("GET", path.clone(), None),
            ("POST", format!("{path}/purge"), None),
            ("DELETE", path.clone(), None),
        ];
        let mut outcome = Ok(());
        for (method, uri, body) in steps {
            let (status, json) = call(router, method, &uri, body).await;
            if status != 200 {
                outcome = Err(format!("{method} {uri}: {status} {json}"));
                break;
            }
            if uri.ends_with("last=1") && json["data"]["messages"][0]["payload"]["name"] != name {
                outcome = Err(format!("read back {json}"));
                break;
            }
        }
        if outcome.is_err() {
            // Leave nothing behind for the next case (shrinking runs more of them).
            let _ = call(router, "DELETE", &path, None).await;
        }
        outcome
    }

    #[test]
    fn every_accepted_stream_name_works_end_to_end() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let server = NatsServer::start();
        let (_state, router) = runtime.block_on(common::app(&server));
        let alphabet: Vec<char> = ALPHABET.chars().collect();
        let name = proptest::collection::vec(proptest::sample::select(alphabet), 1..40)
            .prop_map(|chars| chars.into_iter().collect::<String>());
        let config = ProptestConfig {
            cases: 48,
            failure_persistence: None,
            ..ProptestConfig::default()
        };
        proptest!(config, |(name in name)| {
            prop_assert!(message_broker::model::rules::stream_name(&name).is_ok(), "{name:?}");
            let outcome = runtime.block_on(round_trip(&router, &name));
            prop_assert!(outcome.is_ok(), "{name:?}: {outcome:?}");
        });
        // The longest name the validator accepts, in multi-byte letters.
        let longest = "é".repeat(message_broker::model::rules::MAX_STREAM_NAME_LEN / 2);
        runtime
            .block_on(round_trip(&router, &longest))
            .expect("the longest name works");
    }
}
