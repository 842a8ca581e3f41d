//! A cluster across hosts under supervision: three `message-broker --serve --supervise`
//! instances, each running its own node, joined into one JetStream cluster by
//! `nats_server.cluster` (here through its flags' variables, on loopback ports as if on three
//! hosts). Streams created through one instance are read and written through the others, and a
//! node killed under one instance is restarted and catches up.

mod common;

use std::time::Duration;

use common::serve_http::{get, http, post};
use common::service::Service;
use common::{free_port, wait_for};
use serde_json::{Value, json};

struct Node {
    service: Service,
    http_port: u16,
    _data: tempfile::TempDir,
}

fn start_three() -> Vec<Node> {
    let ports: Vec<(u16, u16, u16)> = (0..3)
        .map(|_| (free_port(), free_port(), free_port()))
        .collect();
    (0..3)
        .map(|i| {
            let (client, cluster, http_port) = ports[i];
            let routes: Vec<String> = (0..3)
                .filter(|j| *j != i)
                .map(|j| format!("nats-route://127.0.0.1:{}", ports[j].1))
                .collect();
            let data = tempfile::tempdir().unwrap();
            let name = format!("host-{}", i + 1);
            let env = [
                ("NATS_PORT", client.to_string()),
                ("NATS_CLUSTER_PORT", cluster.to_string()),
                ("NATS_HTTP_PORT", http_port.to_string()),
                ("NATS_DATA_DIR", data.path().display().to_string()),
                ("NATS_SERVER_NAME", name),
                ("NATS_CLUSTER_NAME", "hosts".to_owned()),
                ("NATS_ROUTES", routes.join(",")),
                ("NATS_CLUSTER_ADVERTISE", format!("127.0.0.1:{cluster}")),
                ("NATS_TIMEOUT", "3".to_owned()),
            ];
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
            Node {
                service: Service::start(&env, &["--supervise"]),
                http_port,
                _data: data,
            }
        })
        .collect()
}

/// The number of messages the node itself stores for `stream` (its `/jsz`), if it has the stream.
async fn stored_on(node: &Node, stream: &str) -> Option<u64> {
    let url = format!("http://127.0.0.1:{}/jsz?streams=true", node.http_port);
    let jsz: Value = http().get(&url).send().await.ok()?.json().await.ok()?;
    jsz["account_details"]
        .as_array()?
        .iter()
        .filter_map(|a| a["stream_detail"].as_array())
        .flatten()
        .find(|s| s["name"] == stream)
        .and_then(|s| s["state"]["messages"].as_u64())
}

/// Publishes message `n` with its own msg_id. While a stream elects a new leader (its leader's
/// node was killed) the acknowledgement can miss the timeout: the API answers 503 and says to
/// retry with the same msg_id, which stores it once.
async fn publish(client: &reqwest::Client, node: &Node, n: u64) {
    let url = node.service.url("/api/v1/broker/publish");
    let body =
        json!({"subject": "orders.new", "message": {"n": n}, "msg_id": format!("order-{n}")});
    wait_for(
        &format!("message {n} stored"),
        Duration::from_secs(30),
        async || {
            let (status, answer) = post(client, &url, body.clone()).await;
            match status {
                200 => Ok(()),
                503 => Err(answer),
                _ => panic!("publishing {n}: {answer}"),
            }
        },
    )
    .await;
}

#[tokio::test]
async fn three_instances_form_one_cluster_and_a_killed_node_catches_up() {
    let nodes = start_three();
    let client = http();
    let limit = Duration::from_secs(30);

    // One cluster: every instance's health check sees JetStream answer.
    for node in &nodes {
        wait_for("JetStream through every instance", limit, async || {
            let (status, body) = get(&client, &node.service.url("/api/v1/broker/health")).await;
            if status == 200 { Ok(()) } else { Err(body) }
        })
        .await;
    }
    let create = json!({"name": "orders", "subjects": ["orders.>"], "replicas": 3});
    let created = wait_for("an R3 stream through instance 1", limit, async || {
        let (status, body) = post(
            &client,
            &nodes[0].service.url("/api/v1/broker/streams"),
            create.clone(),
        )
        .await;
        if status == 200 { Ok(body) } else { Err(body) }
    })
    .await;
    assert_eq!(created["data"]["config"]["replicas"], 3, "{created}");

    // Written through instance 2, read through instance 3.
    for n in 1..=5 {
        publish(&client, &nodes[1], n).await;
    }
    let last_ten = nodes[2]
        .service
        .url("/api/v1/broker/streams/orders/messages?last=10");
    let (status, body) = get(&client, &last_ten).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["count"], 5, "{body}");
    for node in &nodes {
        wait_for(
            "every node to store the 5 messages",
            limit,
            async || match stored_on(node, "orders").await {
                Some(5) => Ok(()),
                other => Err(format!("{other:?}")),
            },
        )
        .await;
    }

    // Kill instance 3's node; the others go on.
    let status_url = nodes[2].service.url("/api/v1/broker/status");
    let (_, body) = get(&client, &status_url).await;
    let pid = body["data"]["supervisor"]["status"]["nodes"][0]["pid"]
        .as_u64()
        .expect("pid of the supervised node");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(pid).unwrap()),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    for n in 6..=10 {
        publish(&client, &nodes[0], n).await;
    }

    // Restarted by its supervisor, it catches up: its own store holds all ten.
    wait_for("the killed node to be restarted", limit, async || {
        let (_, body) = get(&client, &status_url).await;
        let node = &body["data"]["supervisor"]["status"]["nodes"][0];
        if node["restarts"].as_u64() >= Some(1) && node["state"] == "running" {
            Ok(())
        } else {
            Err(body)
        }
    })
    .await;
    wait_for(
        "the restarted node to catch up",
        limit,
        async || match stored_on(&nodes[2], "orders").await {
            Some(10) => Ok(()),
            other => Err(format!("{other:?}")),
        },
    )
    .await;
    let body = wait_for("reading through instance 3 again", limit, async || {
        let (status, body) = get(&client, &last_ten).await;
        if status == 200 { Ok(body) } else { Err(body) }
    })
    .await;
    assert_eq!(body["data"]["count"], 10, "{body}");
    assert_eq!(body["data"]["messages"][9]["seq"], 10, "{body}");
}
