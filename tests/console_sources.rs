//! The console's sources fail alone: a monitoring port that accepts connections and never answers
//! holds up none of the figures that come over NATS, and its own panes say they are late.

mod common;

use std::net::TcpListener;
use std::time::Duration;

use common::NatsServer;
use common::pty::Console;

/// A port that accepts connections and never answers, as a wedged monitoring endpoint does. The
/// accepted sockets are held open until the test process ends.
fn silent_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a silent port");
    let port = listener.local_addr().expect("local addr").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        // Bounded: the console opens a handful of connections per interval.
        while held.len() < 1_000 {
            match listener.accept() {
                Ok((socket, _)) => held.push(socket),
                Err(_) => return,
            }
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_monitoring_port_does_not_hold_up_nats_figures() {
    let server = NatsServer::start();
    let monitor = format!("http://127.0.0.1:{}", silent_port());
    // The NATS timeout bounds every monitoring request too: 30 s is far longer than this test
    // waits for the NATS-fed streams pane, so a sampler that waited on the monitoring port before
    // listing streams would fail it.
    let console = Console::start(
        140,
        40,
        &["--no-supervise", "--refresh", "0.5"],
        &[
            ("NATS_URL", &server.url()),
            ("NATS_MONITOR_URL", &monitor),
            ("NATS_TIMEOUT", "30"),
        ],
    );
    console.wait_text("● connected", Duration::from_secs(20));

    // A stream and three messages from another client: the streams pane (fed over NATS) shows them.
    let client = async_nats::connect(server.url()).await.unwrap();
    let js = async_nats::jetstream::new(client);
    js.create_stream(async_nats::jetstream::stream::Config {
        name: "ledger".into(),
        subjects: vec!["ledger.>".into()],
        ..Default::default()
    })
    .await
    .unwrap();
    for i in 0..3 {
        js.publish(format!("ledger.{i}"), "entry".into())
            .await
            .unwrap()
            .await
            .unwrap();
    }
    // Meanwhile the monitoring-fed panes say they have had no answer, instead of showing zeros.
    console.wait_for(
        "the stream with its 3 messages, and the silent source shown as late",
        Duration::from_secs(15),
        |screen| {
            let listed = screen.lines().any(|line| {
                line.contains("ledger") && line.contains("ledger.>") && line.contains(" 3 ")
            });
            listed && screen.contains("⚠ no answer")
        },
    );
}
