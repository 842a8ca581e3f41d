//! The console as an on-call engineer uses it during an incident, in a pseudo-terminal against a
//! real nats-server: a frozen server reads `stalled` and recovers, a stream's detail stays live
//! while messages arrive, the selection stays on its stream when others are deleted, and a
//! delete needs the stream's name typed. Every effect on the broker is checked through a second
//! client.

mod common;

use std::time::Duration;

use async_nats::jetstream::{self, stream};
use common::NatsServer;
use common::pty::Console;

const WAIT: Duration = Duration::from_secs(20);

async fn client(server: &NatsServer) -> jetstream::Context {
    jetstream::new(async_nats::connect(server.url()).await.unwrap())
}

async fn create(js: &jetstream::Context, name: &str) -> stream::Stream {
    js.create_stream(stream::Config {
        name: name.into(),
        subjects: vec![format!("{name}.>")],
        ..Default::default()
    })
    .await
    .unwrap()
}

async fn publish(js: &jetstream::Context, subject: &str, count: u32) {
    for i in 0..count {
        js.publish(subject.to_owned(), format!("{{\"n\":{i}}}").into())
            .await
            .unwrap()
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_server_reads_stalled_then_connected_and_the_outage_is_logged() {
    let server = NatsServer::start();
    let js = client(&server).await;
    create(&js, "orders").await;
    let mut console = Console::on_server(&server, 160, 50, &[]);
    console.wait_state("connected", WAIT);
    console.wait_text("orders.>", WAIT);
    server.freeze();
    // The watchdog calls a connection stalled after two unanswered pings a second apart (within
    // 3 s of the server's last answer); the header shows it at the next sample (0.5 s here). The
    // margin is for a busy machine, not for the console.
    let screen = console.wait_state("stalled", Duration::from_secs(5));
    assert!(screen.contains("server not answering"), "{screen}");
    // The panes fed over NATS say their figures are old, and how old.
    console.wait_for("the streams pane's age", WAIT, |s| {
        s.contains("stalled") && s.contains("· as of ")
    });
    server.thaw();
    console.wait_state("connected", WAIT);
    // The outage is in the events, with its start, end and duration.
    console.send("4/NATS ");
    console.send("\r");
    console.wait_for("the outage in the events", WAIT, |s| {
        s.contains("NATS stalled since") && s.contains("NATS connected again: stalled for")
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streams_detail_stays_live_while_messages_arrive() {
    let server = NatsServer::start();
    let js = client(&server).await;
    let orders = create(&js, "orders").await;
    // A consumer that never fetches: its lag is every message.
    orders
        .create_consumer(jetstream::consumer::pull::Config {
            durable_name: Some("idle".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    publish(&js, "orders.new", 10).await;
    let mut console = Console::on_server(&server, 160, 48, &[]);
    console.wait_state("connected", WAIT);
    console.wait_text("orders.>", WAIT);
    console.send("\r");
    console.wait_for("the detail with 10 messages", WAIT, |s| {
        s.contains("Stream orders · read ") && s.lines().any(|l| l.contains("messages       10 "))
    });
    // Another client publishes: the open detail follows, counts and consumer lag alike.
    publish(&js, "orders.new", 60).await;
    let screen = console.wait_for("the detail with 70 messages", WAIT, |s| {
        s.lines().any(|l| l.contains("messages       70 "))
            && s.lines().any(|l| l.contains("idle") && l.contains(" 70 "))
    });
    // The newest message is listed (seq 70), and nothing was consumed.
    assert!(
        screen
            .lines()
            .any(|l| l.trim_start_matches(['│', '┃', ' ']).starts_with("70 ")),
        "{screen}"
    );
    let info = js
        .get_stream("orders")
        .await
        .unwrap()
        .info()
        .await
        .unwrap()
        .clone();
    assert_eq!(info.state.messages, 70);
    // `r` reads it again at once; Esc goes back to the streams.
    console.send("r");
    console.send("\x1b");
    console.wait_text("2 Streams", WAIT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_selection_stays_on_its_stream_when_one_above_is_deleted() {
    let server = NatsServer::start();
    let js = client(&server).await;
    for name in ["alpha", "bravo", "charlie"] {
        create(&js, name).await;
    }
    let mut console = Console::on_server(&server, 140, 40, &[]);
    console.wait_state("connected", WAIT);
    console.wait_text("charlie.>", WAIT);
    // Down from the first row: on 'bravo'.
    console.send("\x1b[B");
    js.delete_stream("alpha").await.unwrap();
    console.wait_for("alpha gone from the list", WAIT, |s| !s.contains("alpha.>"));
    // Enter opens the stream the selection was on, not the one now in its row.
    console.send("\r");
    console.wait_text("Stream bravo", WAIT);
    console.send("\x1b");
    // The selected stream itself goes: the selection moves to a neighbour, and says so.
    js.delete_stream("bravo").await.unwrap();
    console.wait_text(
        "stream 'bravo' is gone; the selection moved to 'charlie'",
        WAIT,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_stream_needs_its_name_typed() {
    let server = NatsServer::start();
    let js = client(&server).await;
    create(&js, "orders").await;
    publish(&js, "orders.new", 5).await;
    let mut console = Console::on_server(&server, 140, 40, &[]);
    console.wait_state("connected", WAIT);
    console.wait_for("orders with 5 messages", WAIT, |s| {
        s.lines()
            .any(|l| l.contains("orders.>") && l.contains(" 5 "))
    });
    console.send("d");
    let screen = console.wait_text("Delete stream 'orders'", WAIT);
    assert!(screen.contains("Will be lost: 5 messages"), "{screen}");
    // Enter alone, or a wrong name, is No.
    console.send("\r");
    console.wait_text("type 'orders' to confirm", WAIT);
    console.send("y\r");
    console.wait_text("Type 'orders' to confirm: y", WAIT);
    assert!(
        js.get_stream("orders").await.is_ok(),
        "deleted without its name"
    );
    console.send("\x7f");
    console.send("orders\r");
    console.wait_text("stream 'orders' deleted", WAIT);
    assert!(js.get_stream("orders").await.is_err(), "still there");
}
