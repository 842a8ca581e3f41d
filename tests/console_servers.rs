//! The servers view in a pseudo-terminal against a real nats-server: each server's load and
//! JetStream use, as its own monitoring port reports them.

mod common;

use std::time::Duration;

use async_nats::jetstream::{self, stream};
use common::NatsServer;
use common::pty::Console;
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_view_shows_the_servers_load_and_jetstream_use() {
    let server = NatsServer::start();
    let js = jetstream::new(async_nats::connect(server.url()).await.unwrap());
    for name in ["a", "b", "c"] {
        js.create_stream(stream::Config {
            name: name.into(),
            subjects: vec![format!("{name}.>")],
            ..Default::default()
        })
        .await
        .unwrap();
    }
    // The server's own name, from its monitoring port.
    let varz: Value = common::serve_http::http()
        .get(format!("{}/varz", server.monitor_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let name = varz["server_name"].as_str().unwrap().to_owned();
    let mut console = Console::on_server(&server, 160, 40, &[]);
    console.wait_state("connected", WAIT);
    console.send(":servers\r");
    let screen = console.wait_for("the server's row with its three streams", WAIT, |s| {
        s.contains("5 Servers 1 node · 1 up")
            && s.lines().any(|l| {
                l.contains(&name[..name.len().min(8)])
                    && l.contains(" up ")
                    && l.contains('%')
                    && l.contains("MiB")
            })
    });
    for column in ["CPU", "Mem", "Conns", "JS file", "Strms"] {
        assert!(screen.contains(column), "{column}: {screen}");
    }
    let row = screen
        .lines()
        .find(|l| l.contains(" up ") && l.contains('%'))
        .unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    // …, JS file, its percentage-less size, Strms: the three streams this test created.
    assert!(cells.contains(&"3"), "{row}");
}

const ACCOUNTS: &str = r#"
accounts {
  SYS { users: [ { user: sys, password: sys } ] }
  APP { jetstream: enabled, users: [ { user: app, password: app } ] }
}
system_account: SYS
"#;

/// A nats-server child, killed on drop.
struct Node(std::process::Child);

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn through_sys_every_node_of_a_cluster_shows_its_load_and_jetstream_use() {
    let dir = tempfile::tempdir().unwrap();
    let routes = [common::free_port(), common::free_port()];
    let clients = [common::free_port(), common::free_port()];
    let monitors = [common::free_port(), common::free_port()];
    let _nodes: Vec<Node> = (0..2)
        .map(|i| {
            let conf = dir.path().join(format!("n{i}.conf"));
            std::fs::write(
                &conf,
                format!(
                    "server_name: n{i}\nlisten: 127.0.0.1:{}\nhttp: 127.0.0.1:{}\n\
                     jetstream {{ store_dir: \"{}\" }}\n\
                     cluster {{ name: c, listen: 127.0.0.1:{}, routes: [\"nats-route://127.0.0.1:{}\"] }}\n{ACCOUNTS}",
                    clients[i],
                    monitors[i],
                    dir.path().join(format!("n{i}")).display(),
                    routes[i],
                    routes[1 - i],
                ),
            )
            .unwrap();
            Node(
                std::process::Command::new(common::nats_server_binary())
                    .arg("-c")
                    .arg(&conf)
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .expect("start nats-server"),
            )
        })
        .collect();
    common::wait_until_blocking("both nodes ready", WAIT, || {
        monitors
            .iter()
            .all(|p| common::http_status(*p, "/healthz?js-enabled-only=true") == Some(200))
    });
    let url = format!("nats://app:app@127.0.0.1:{}", clients[0]);
    let system = format!("nats://sys:sys@127.0.0.1:{}", clients[0]);
    let mut console = Console::start(
        200,
        40,
        &[
            "--no-supervise",
            "--refresh",
            "0.5",
            "--system-url",
            &system,
        ],
        &[
            ("NATS_URL", url.as_str()),
            (
                "NATS_MONITOR_URL",
                &format!("http://127.0.0.1:{}", monitors[0]),
            ),
            ("NATS_TIMEOUT", "2"),
        ],
    );
    console.wait_state("connected", WAIT);
    console.send("5");
    console.wait_for("both nodes with their load and JetStream use", WAIT, |s| {
        s.contains("2 nodes · 2 up")
            && s.contains("JS file")
            && ["n0", "n1"].iter().all(|node| {
                s.lines().any(|l| {
                    l.contains(&format!("{node} ")) && l.contains(" up ") && l.contains('%')
                })
            })
    });
}
