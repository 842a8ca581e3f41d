//! Cluster-wide monitoring over `$SYS` pings: three real servers with a system account, every
//! one of them seen through one connection to one of them.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::accounts::start_cluster;
use common::wait_for;
use message_broker::nats::system::ping_all;
use message_broker::status::sys_nodes;

#[tokio::test]
async fn every_node_answers_through_one_system_connection() {
    let dir = tempfile::tempdir().unwrap();
    let mut nodes = start_cluster(dir.path(), 3);
    let url = format!("nats://sys:sys@127.0.0.1:{}", nodes[0].client_port);
    let system = message_broker::console::setup::system_client(&url)
        .await
        .unwrap();
    common::wait_until("system connection", Duration::from_secs(10), || {
        system.connection_state() == async_nats::connection::State::Connected
    })
    .await;

    // All three, through node 0 alone, once the routes are up.
    let replies = wait_for(
        "all three servers to answer",
        Duration::from_secs(20),
        async || {
            let replies = ping_all(&system, "VARZ", Duration::from_millis(500))
                .await
                .unwrap();
            if replies.len() == 3 {
                Ok(replies)
            } else {
                Err(format!("{} answered", replies.len()))
            }
        },
    )
    .await;
    let names: Vec<&str> = replies.iter().map(|r| r.server.name.as_str()).collect();
    assert_eq!(names, ["n0", "n1", "n2"]);

    let mut seen = BTreeSet::new();
    let rows = wait_for(
        "routes and a meta leader",
        Duration::from_secs(20),
        async || {
            let rows = sys_nodes(&system, Duration::from_millis(500), &mut seen)
                .await
                .unwrap();
            if rows
                .iter()
                .all(|r| r.peers.len() == 2 && r.meta_leader.is_some())
            {
                Ok(rows)
            } else {
                Err(format!("{rows:?}"))
            }
        },
    )
    .await;
    assert!(rows.iter().all(|r| r.up));
    assert!(
        rows.iter()
            .all(|r| r.version.as_deref().is_some_and(|v| !v.is_empty()))
    );

    // A node that stops answering is shown as down, not forgotten.
    drop(nodes.remove(2));
    let n2 = wait_for(
        "n2 to be shown as down",
        Duration::from_secs(20),
        async || {
            let rows = sys_nodes(&system, Duration::from_millis(500), &mut seen)
                .await
                .unwrap();
            match rows.into_iter().find(|r| r.name == "n2") {
                Some(n2) if !n2.up => Ok(n2),
                other => Err(format!("{other:?}")),
            }
        },
    )
    .await;
    assert!(n2.error.as_deref().unwrap().contains("$SYS"), "{n2:?}");
}

#[tokio::test]
async fn a_non_system_user_gets_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = start_cluster(dir.path(), 1);
    let url = format!("nats://app:app@127.0.0.1:{}", nodes[0].client_port);
    let app = message_broker::console::setup::system_client(&url)
        .await
        .unwrap();
    common::wait_until("app connection", Duration::from_secs(10), || {
        app.connection_state() == async_nats::connection::State::Connected
    })
    .await;
    let err = ping_all(&app, "VARZ", Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(err.contains("system-account"), "{err}");
}

#[tokio::test]
async fn credentials_in_the_nats_url_are_used_and_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = start_cluster(dir.path(), 1);
    let url = format!("nats://app:app@127.0.0.1:{}", nodes[0].client_port);
    let settings = common::settings_for(&url, "http://127.0.0.1:1", "");
    let nats = message_broker::nats::Nats::connect(&message_broker::serve::nats_options(&settings))
        .await
        .unwrap();
    common::wait_until(
        "connected with credentials",
        Duration::from_secs(10),
        || nats.is_connected(),
    )
    .await;
    // The APP account has JetStream; the answer proves we are in it.
    assert!(nats.account_info().await.is_ok());
    let shown = nats.connection().url;
    assert!(!shown.contains(":app@"), "{shown}");
    assert!(shown.contains("***"), "{shown}");
}
