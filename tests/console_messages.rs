//! Messages from the console, in a pseudo-terminal against a real nats-server: a stored message
//! read by sequence (nothing consumed), a live tail of what another client publishes, a burst
//! whose every message lands in the stream, and the consumers view. Checked through a second
//! client.

mod common;

use std::time::Duration;

use async_nats::jetstream::{self, stream};
use common::NatsServer;
use common::pty::Console;
use futures::StreamExt;

const WAIT: Duration = Duration::from_secs(20);

async fn setup(server: &NatsServer, name: &str) -> (async_nats::Client, jetstream::Context) {
    let client = async_nats::connect(server.url()).await.unwrap();
    let js = jetstream::new(client.clone());
    js.create_stream(stream::Config {
        name: name.into(),
        subjects: vec![format!("{name}.>")],
        ..Default::default()
    })
    .await
    .unwrap();
    (client, js)
}

async fn messages_in(js: &jetstream::Context, name: &str) -> u64 {
    let mut stream = js.get_stream(name).await.unwrap();
    stream.info().await.unwrap().state.messages
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn msg_500_shows_message_500_and_steps_to_its_neighbours() {
    let server = NatsServer::start();
    let (_, js) = setup(&server, "orders").await;
    // Publish without waiting for each ack, then wait for them all.
    let mut acks = Vec::new();
    for n in 1..=1000u32 {
        let payload = format!("{{\"n\":{n},\"item\":\"widget-{n}\"}}");
        acks.push(js.publish("orders.new", payload.into()).await.unwrap());
    }
    for ack in acks {
        ack.await.unwrap();
    }
    let mut console = Console::on_server(&server, 140, 40, &[]);
    console.wait_state("connected", WAIT);
    console.send(":stream orders\r");
    console.wait_text("Stream orders · read", WAIT);
    console.send(":msg 500\r");
    let screen = console.wait_text("Message 500 of orders", WAIT);
    // The payload in full, pretty-printed.
    assert!(screen.contains("\"item\": \"widget-500\""), "{screen}");
    assert!(screen.contains("\"n\": 500"), "{screen}");
    assert!(screen.contains("orders.new"), "{screen}");
    console.send("\x1b[C");
    console.wait_text("\"item\": \"widget-501\"", WAIT);
    console.send("\x1b[D");
    console.send("\x1b[D");
    console.wait_text("\"item\": \"widget-499\"", WAIT);
    console.send("\x1b[F");
    console.wait_text("\"item\": \"widget-1000\"", WAIT);
    console.send("\x1b[C");
    console.wait_text("no message after 1000: it is the last one stored", WAIT);
    // Read, not consumed.
    assert_eq!(messages_in(&js, "orders").await, 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tail_shows_what_another_client_publishes() {
    let server = NatsServer::start();
    let (client, _) = setup(&server, "events").await;
    let mut console = Console::on_server(&server, 140, 40, &[]);
    console.wait_state("connected", WAIT);
    console.send(":tail sensors.>\r");
    console.wait_text("waiting for messages on 'sensors.>'", WAIT);
    // Core publishes, outside any stream: the tail is a plain subscription.
    for i in 0..5 {
        client
            .publish(format!("sensors.t{i}"), format!("reading-{i}").into())
            .await
            .unwrap();
    }
    client.flush().await.unwrap();
    let screen = console.wait_for("the five readings", WAIT, |s| {
        (0..5).all(|i| s.contains(&format!("reading-{i}"))) && s.contains("5 received")
    });
    assert!(screen.contains("sensors.t4"), "{screen}");
    // Paused, new messages are held; resumed, they show.
    console.send("p");
    console.wait_text("PAUSED", WAIT);
    client
        .publish("sensors.t9", "held-back".into())
        .await
        .unwrap();
    client.flush().await.unwrap();
    console.wait_text("1 held", WAIT);
    assert!(!console.screen().contains("held-back"));
    console.send("p");
    console.wait_text("held-back", WAIT);
    // Esc stops the tail: its subscription goes from the server (as its monitoring port says).
    let subscribed = || async {
        let url = format!("{}/subsz?subs=1", server.monitor_url());
        let subsz = common::serve_http::http().get(&url).send().await.unwrap();
        // Go escapes `>` in JSON: the subject reads `sensors.\u003e`.
        subsz
            .text()
            .await
            .unwrap()
            .contains("\"subject\": \"sensors.")
    };
    assert!(subscribed().await);
    console.send("\x1b");
    console.wait_text("2 Streams", WAIT);
    common::wait_for("the tail's subscription to go", WAIT, async || {
        if subscribed().await {
            Err("still subscribed")
        } else {
            Ok(())
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_2000_leaves_exactly_2000_more_messages() {
    let server = NatsServer::start();
    let (_, js) = setup(&server, "load").await;
    js.publish("load.seed", "seed".into())
        .await
        .unwrap()
        .await
        .unwrap();
    let before = messages_in(&js, "load").await;
    let mut console = Console::on_server(&server, 140, 40, &[]);
    console.wait_state("connected", WAIT);
    console.send(":burst load.test 2000\r");
    let screen = console.wait_for("the burst to finish", Duration::from_secs(60), |s| {
        s.contains("done") && s.contains("2.0k of 2.0k")
    });
    assert!(screen.contains("acked 2.0k"), "{screen}");
    assert!(screen.contains("errors 0"), "{screen}");
    assert!(screen.contains("ack p50"), "{screen}");
    assert_eq!(messages_in(&js, "load").await, before + 2000);
    console.send("\x1b");
    console.wait_text("burst to 'load.test' done: 2000 of 2000 acknowledged", WAIT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_can_be_cancelled_and_the_console_keeps_answering() {
    let server = NatsServer::start();
    let (_, js) = setup(&server, "slow").await;
    let mut console = Console::on_server(&server, 140, 40, &[]);
    console.wait_state("connected", WAIT);
    // 20 a second: long enough to cancel in the middle.
    console.send(":burst slow.test 1000 20\r");
    console.wait_for("some of the burst sent", WAIT, |s| {
        s.contains("publishing…")
    });
    // While it runs the console keeps drawing; Esc cancels it.
    console.send("\x1b");
    let screen = console.wait_text("cancelled", WAIT);
    assert!(screen.contains("sent "), "{screen}");
    let stored = messages_in(&js, "slow").await;
    assert!(stored < 1000, "cancelled, yet {stored} stored");
    console.send("\x1b");
    console.wait_text("burst to 'slow.test' cancelled", WAIT);
    // Nothing more arrives once it is cancelled.
    let settled = messages_in(&js, "slow").await;
    assert!(settled < 1000, "{settled}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consumers_view_lists_every_stream_and_deletes_with_the_name_typed() {
    let server = NatsServer::start();
    let (_, js) = setup(&server, "orders").await;
    let audit = js
        .create_stream(stream::Config {
            name: "audit".into(),
            subjects: vec!["audit.>".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    let orders = js.get_stream("orders").await.unwrap();
    for (stream, name) in [(&orders, "shipper"), (&audit, "archiver")] {
        stream
            .create_consumer(jetstream::consumer::pull::Config {
                durable_name: Some(name.into()),
                ..Default::default()
            })
            .await
            .unwrap();
    }
    for i in 0..25 {
        js.publish(format!("orders.{i}"), "x".into())
            .await
            .unwrap()
            .await
            .unwrap();
    }
    let mut console = Console::on_server(&server, 140, 40, &[]);
    console.wait_state("connected", WAIT);
    console.send(":consumers\r");
    let screen = console.wait_for("both consumers", WAIT, |s| {
        s.contains("Consumers (2)")
            && s.lines()
                .any(|l| l.contains("shipper") && l.contains(" 25 "))
            && s.contains("archiver")
    });
    assert!(screen.contains("pull"), "{screen}");
    // Down to 'shipper' (audit/archiver sorts first), Enter opens it, d asks for its name.
    console.send("\x1b[B\r");
    console.wait_text("Consumer shipper of orders", WAIT);
    console.send("d");
    console.wait_text("Delete consumer 'shipper' of 'orders'", WAIT);
    console.send("\r");
    console.wait_text("type 'shipper' to confirm", WAIT);
    assert_eq!(
        orders.consumer_names().count().await,
        1,
        "deleted without its name"
    );
    console.send("shipper\r");
    console.wait_text("consumer 'shipper' of stream 'orders' deleted", WAIT);
    assert_eq!(orders.consumer_names().count().await, 0);
}
