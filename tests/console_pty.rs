//! The real console binary in a pseudo-terminal against a real nats-server: keys are sent, the
//! screen is read back.

mod common;

use std::time::Duration;

use common::pty::{Console, header_state};
use common::{NatsServer, wait_until_blocking};

const WAIT: Duration = Duration::from_secs(20);

/// The last thing written leaves the alternate screen: the user's terminal is back as it was.
/// The process may have exited a moment before its last bytes are read from the terminal.
fn assert_terminal_restored(console: &Console) {
    common::wait_for_blocking("the alternate screen left last", WAIT, || {
        let bytes = console.bytes();
        let tail = String::from_utf8_lossy(&bytes[bytes.len().saturating_sub(200)..]).into_owned();
        if tail.contains("\x1b[?1049l") {
            Ok(())
        } else {
            Err(format!("{tail:?}"))
        }
    });
}

#[test]
fn the_header_state_is_read_as_a_whole_word() {
    let header = "default nats://127.0.0.1:4222  ● disconnected 3s (since 12:00:01)\nserver -";
    assert_eq!(header_state(header), Some("disconnected"));
    assert_ne!(header_state(header), Some("connected"));
    assert_eq!(
        header_state("default nats://127.0.0.1:4222  connecting…\n"),
        None
    );
}

#[test]
fn stdout_not_a_terminal_is_a_clear_error() {
    let output = std::process::Command::new(common::service::BIN)
        .env("HOME", std::env::temp_dir())
        .env_remove("NATS_URL")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "message-broker: the console needs a terminal, and standard output is not one; run the \
         REST service with `message-broker --serve`, or check the configuration with \
         `message-broker config`\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_and_traffic_from_outside_appear_live() {
    let server = NatsServer::start();
    let console = Console::on_server(&server, 140, 40, &[]);
    console.wait_state("connected", WAIT);

    let client = async_nats::connect(server.url()).await.unwrap();
    let js = async_nats::jetstream::new(client);
    js.create_stream(async_nats::jetstream::stream::Config {
        name: "orders".into(),
        subjects: vec!["orders.>".into()],
        ..Default::default()
    })
    .await
    .unwrap();
    // A consumer that never fetches: its lag grows with every message.
    js.get_stream("orders")
        .await
        .unwrap()
        .create_consumer(async_nats::jetstream::consumer::pull::Config {
            durable_name: Some("idle".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    // Bounded publisher: 1,500 messages over about three seconds.
    for i in 0..1500u32 {
        js.publish("orders.new", format!("{{\"id\":{i}}}").into())
            .await
            .unwrap()
            .await
            .unwrap();
        if i % 50 == 0 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let screen = console.wait_for("the stream with 1500 messages", WAIT, |s| {
        s.lines()
            .any(|l| l.contains("orders.>") && (l.contains("1500") || l.contains("1.5k")))
    });
    let line = screen.lines().find(|l| l.contains("orders.>")).unwrap();
    let columns: Vec<&str> = line
        .trim_matches(['┃', '│', ' '])
        .split_whitespace()
        .collect();
    // … Msg/s, Cons, Lag: the stream's own rate is measured and not zero.
    let rate: f64 = columns[columns.len() - 3].parse().unwrap_or(0.0);
    assert!(rate > 0.0, "no rate in: {line}");
    // … and the idle consumer's lag is every message, sampled over NATS.
    console.wait_for("the consumer's lag", WAIT, |s| {
        s.lines().any(|l| {
            l.contains("orders.>") && {
                let cols: Vec<&str> = l.trim_matches(['┃', '│', ' ']).split_whitespace().collect();
                cols[cols.len() - 2] == "1" && matches!(cols[cols.len() - 1], "1.5k" | "1500")
            }
        })
    });
    assert!(screen.contains("stream 'orders' created"), "{screen}");
}

#[test]
fn killing_the_server_shows_disconnected_and_recovery() {
    let mut server = NatsServer::start();
    let console = Console::on_server(&server, 120, 36, &[]);
    console.wait_state("connected", WAIT);
    server.stop();
    let screen = console.wait_for("a lost connection in the header", WAIT, |s| {
        matches!(header_state(s), Some("reconnecting" | "disconnected"))
    });
    assert!(
        screen.contains("refused") || screen.contains("unreachable"),
        "{screen}"
    );
    server.restart();
    console.wait_state("connected", WAIT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_created_and_a_message_published_through_the_forms() {
    let server = NatsServer::start();
    let mut console = Console::on_server(&server, 120, 40, &[]);
    console.wait_state("connected", WAIT);
    // Create: the form opens on `c`; the name is typed, Enter submits.
    console.send("c");
    console.wait_text("Create stream", WAIT);
    console.send("bad.name\r");
    console.wait_text("'.'", WAIT);
    // Clear the field and type a good name.
    console.send(&"\x7f".repeat(8));
    console.send("tickets\t");
    console.send("tickets.>\r");
    console.wait_text("stream 'tickets' created", WAIT);

    let client = async_nats::connect(server.url()).await.unwrap();
    let js = async_nats::jetstream::new(client);
    let mut stream = js.get_stream("tickets").await.unwrap();
    assert_eq!(
        stream.info().await.unwrap().config.subjects,
        vec!["tickets.>"]
    );

    // Publish through the form: P opens it with a subject of the selected stream.
    console.wait_text("tickets.>", WAIT);
    console.send("P");
    console.wait_text("Publish", WAIT);
    console.send(&"\x7f".repeat(20));
    console.send("tickets.one\t{\"n\":1}\r");
    console.wait_text("seq 1", WAIT);
    let info = stream.info().await.unwrap();
    assert_eq!(info.state.messages, 1);

    // Enter opens the stream: its newest messages are listed without being consumed.
    console.send("\r");
    let screen = console.wait_text("Recent messages (1", WAIT);
    assert!(screen.contains("{\"n\":1}"), "{screen}");
    assert!(screen.contains("tickets.one"), "{screen}");
    assert_eq!(stream.info().await.unwrap().state.messages, 1);
}

#[test]
fn help_lists_the_active_keymap_and_q_quits_restoring_the_terminal() {
    let server = NatsServer::start();
    let mut console = Console::on_server(&server, 100, 30, &["--keymap", "vim"]);
    console.wait_state("connected", WAIT);
    console.send("?");
    let screen = console.wait_text("quit", WAIT);
    assert!(screen.contains("g g"), "vim bindings in help: {screen}");
    console.send("\x1b");
    console.send("q");
    assert_eq!(console.wait_exit(WAIT), 0);
    assert_terminal_restored(&console);
}

#[test]
fn compact_layout_at_80x24_and_sigterm_restores_the_terminal() {
    let server = NatsServer::start();
    let mut console = Console::on_server(&server, 80, 24, &[]);
    let screen = console.wait_state("connected", WAIT);
    // The compact layout still has the header, the focused pane and the key hints.
    assert!(screen.contains("? help"), "{screen}");
    assert!(screen.contains("Streams"), "{screen}");
    let pid = console.pid().unwrap();
    std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert_eq!(console.wait_exit(WAIT), 0);
    assert_terminal_restored(&console);
}

#[test]
fn with_nothing_listening_locally_it_starts_an_embedded_server() {
    let port = common::free_port();
    let http = common::free_port();
    let url = format!("nats://127.0.0.1:{port}");
    let home_data = tempfile::tempdir().unwrap();
    let config = home_data.path().join("mb.yaml");
    std::fs::write(
        &config,
        format!(
            "services:\n  message-broker:\n    nats_server:\n      http_port: {http}\n      cluster_port: {}\n      data_dir: {}\n",
            common::free_port(),
            home_data.path().join("nats").display()
        ),
    )
    .unwrap();
    let mut env = vec![("NATS_URL", url.as_str()), ("NATS_TIMEOUT", "2")];
    let bin = std::env::var("NATS_SERVER_BIN").unwrap_or_default();
    if !bin.is_empty() {
        env.push(("NATS_SERVER_BIN", bin.as_str()));
    }
    let mut console = Console::start(
        120,
        36,
        &["--refresh", "0.5", "--config", config.to_str().unwrap()],
        &env,
    );
    let screen = console.wait_text("embedded", WAIT);
    assert!(screen.contains(&format!("127.0.0.1:{port}")), "{screen}");
    console.wait_state("connected", WAIT);
    assert_eq!(
        common::http_status(http, "/healthz?js-enabled-only=true"),
        Some(200)
    );
    console.send("q");
    assert_eq!(console.wait_exit(WAIT), 0);
    // Quitting stops the embedded server.
    wait_until_blocking("the embedded server to stop", WAIT, || {
        common::http_status(http, "/healthz").is_none()
    });
}

#[test]
fn with_api_the_console_also_serves_the_rest_api() {
    let server = NatsServer::start();
    let port = common::free_port();
    let port_text = port.to_string();
    let mut console = Console::on_server(
        &server,
        140,
        36,
        &["--with-api", "--host", "127.0.0.1", "--port", &port_text],
    );
    let screen = console.wait_state("connected", WAIT);
    assert!(
        screen.contains(&format!("127.0.0.1:{port}")),
        "API address in the header: {screen}"
    );
    assert_eq!(common::http_status(port, "/health"), Some(200));
    assert_eq!(
        common::http_status(port, "/api/v1/broker/health"),
        Some(200)
    );
    console.send("q");
    assert_eq!(console.wait_exit(WAIT), 0);
    assert_eq!(
        common::http_status(port, "/health"),
        None,
        "API stopped with the console"
    );
}

#[test]
fn a_bad_refresh_interval_is_a_clear_error() {
    for bad in ["0", "nan", "-1", "99999"] {
        let output = std::process::Command::new(common::service::BIN)
            .arg(format!("--refresh={bad}"))
            .env("HOME", std::env::temp_dir())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{bad}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("--refresh"), "{bad}: {stderr}");
        assert!(!stderr.contains("panicked"), "{bad}: {stderr}");
    }
}

#[test]
fn a_bad_user_keymap_or_theme_names_the_file_and_the_key() {
    let server = NatsServer::start();
    for (file, text, expected) in [
        ("keymap.toml", "[normal]\n\"q\" = \"qiut\"\n", "qiut"),
        ("themes/dark.toml", "[roles]\ntitle = \"blod\"\n", "blod"),
    ] {
        let home = tempfile::tempdir().unwrap();
        let path = home.path().join("config/message-broker").join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        let mut console = Console::start_in(
            home,
            100,
            30,
            &["--no-supervise"],
            &[("NATS_URL", &server.url())],
        );
        assert_eq!(console.wait_exit(WAIT), 1, "{file}");
        let screen = console.screen();
        assert!(screen.contains(file), "{file}: {screen}");
        assert!(screen.contains(expected), "{file}: {screen}");
        assert!(!screen.contains("panicked"), "{file}: {screen}");
    }
}

#[test]
fn api_errors_of_a_serve_instance_show_by_code() {
    let server = NatsServer::start();
    let service = common::service::Service::start_against(&server, &[]);
    // Three requests for a stream that does not exist: STREAM_NOT_FOUND three times.
    for _ in 0..3 {
        assert_eq!(
            common::http_status(service.port, "/api/v1/broker/streams/nope"),
            Some(404)
        );
    }
    let api = service.url("");
    let console = Console::on_server(&server, 140, 40, &["--api", &api]);
    let screen = console.wait_text("STREAM_NOT_FOUND", WAIT);
    assert!(
        screen
            .lines()
            .any(|l| l.contains("STREAM_NOT_FOUND") && l.contains('3')),
        "{screen}"
    );
}

#[test]
fn a_supervised_local_cluster_shows_every_node() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("cluster.yaml");
    std::fs::write(
        &config,
        format!(
            "services:\n  message-broker:\n    nats_server:\n      port: {}\n      cluster_port: {}\n      http_port: {}\n      data_dir: {}\n",
            common::free_block(3),
            common::free_block(3),
            common::free_block(3),
            dir.path().join("nats").display()
        ),
    )
    .unwrap();
    let bin = std::env::var("NATS_SERVER_BIN").unwrap_or_default();
    let mut env = vec![("NATS_TIMEOUT", "2")];
    if !bin.is_empty() {
        env.push(("NATS_SERVER_BIN", bin.as_str()));
    }
    let mut console = Console::start(
        160,
        48,
        &[
            "--cluster",
            "3",
            "--refresh",
            "0.5",
            "--config",
            config.to_str().unwrap(),
        ],
        &env,
    );
    let screen = console.wait_for("three nodes up with a meta leader", WAIT, |s| {
        s.contains("3 nodes · 3 up") && s.contains("meta leader")
    });
    for node in ["node-1", "node-2", "node-3"] {
        assert!(screen.contains(node), "{node}: {screen}");
    }
    assert!(screen.contains("supervisor running"), "{screen}");
    // Focused, every node's load and JetStream use, each probed on its own monitoring port.
    console.send("5");
    console.wait_for("each node's CPU and JetStream storage", WAIT, |s| {
        s.contains("JS file")
            && ["node-1", "node-2", "node-3"].iter().all(|node| {
                s.lines()
                    .any(|l| l.contains(node) && l.contains(" up ") && l.contains('%'))
            })
    });
    console.send("q");
    assert_eq!(console.wait_exit(WAIT), 0);
}

#[test]
fn resizing_switches_between_the_full_and_the_compact_layout() {
    let server = NatsServer::start();
    let mut console = Console::on_server(&server, 140, 40, &[]);
    let screen = console.wait_state("connected", WAIT);
    assert!(screen.contains("1 Throughput"), "{screen}");

    let offset = console.byte_count();
    console.resize(80, 24);
    console.wait_for_since(offset, "a compact redraw after the resize", WAIT, |s| {
        s.contains("? help") && !s.contains("1 Throughput") && s.contains("Streams")
    });

    let offset = console.byte_count();
    console.resize(140, 40);
    console.wait_for_since(offset, "a full redraw after growing back", WAIT, |s| {
        s.contains("1 Throughput")
    });
}
