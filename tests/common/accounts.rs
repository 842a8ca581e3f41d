//! Servers with accounts: a system account (`sys`/`sys`) and a JetStream account (`app`/`app`),
//! one server or a cluster routed to each other, on free loopback ports, killed on drop.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::{free_port, http_status, nats_server_binary, wait_until_blocking};

pub struct Node {
    child: Child,
    pub client_port: u16,
    pub http_port: u16,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const ACCOUNTS: &str = r#"
accounts {
  SYS { users: [ { user: sys, password: sys } ] }
  APP { jetstream: enabled, users: [ { user: app, password: app } ] }
}
system_account: SYS
"#;

/// `count` servers; with more than one, a cluster routed to each other.
pub fn start_cluster(dir: &std::path::Path, count: usize) -> Vec<Node> {
    let routes: Vec<u16> = (0..count).map(|_| free_port()).collect();
    let mut nodes = Vec::new();
    for i in 0..count {
        let client_port = free_port();
        let http_port = free_port();
        let peers: Vec<String> = routes
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, p)| format!("\"nats-route://127.0.0.1:{p}\""))
            .collect();
        let cluster = if count > 1 {
            format!(
                "cluster {{ name: c, listen: 127.0.0.1:{}, routes: [{}] }}\n",
                routes[i],
                peers.join(", ")
            )
        } else {
            String::new()
        };
        let conf = dir.join(format!("n{i}.conf"));
        std::fs::write(
            &conf,
            format!(
                "server_name: n{i}\nlisten: 127.0.0.1:{client_port}\nhttp: 127.0.0.1:{http_port}\n\
                 jetstream {{ store_dir: \"{}\" }}\n{cluster}{ACCOUNTS}",
                dir.join(format!("n{i}")).display(),
            ),
        )
        .unwrap();
        let child = Command::new(nats_server_binary())
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nats-server");
        nodes.push(Node {
            child,
            client_port,
            http_port,
        });
    }
    wait_until_blocking("every node to be ready", Duration::from_secs(30), || {
        nodes
            .iter()
            .all(|node| http_status(node.http_port, "/healthz?js-enabled-only=true") == Some(200))
    });
    nodes
}
