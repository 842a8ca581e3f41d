//! The one-shot commands a deployment uses: `health` (a container's HEALTHCHECK), and the
//! completions and man page generated from the flags.

mod common;

use std::time::Duration;

use common::config_run::Sandbox;
use common::service::Service;
use common::{NatsServer, free_port, wait_for_blocking};

#[test]
fn health_exits_0_while_healthy_and_1_once_nats_is_gone() {
    let mut nats = NatsServer::start();
    let service = Service::start_against(&nats, &[]);
    let sandbox = Sandbox::new();
    let base = format!("http://127.0.0.1:{}", service.port);

    let run = sandbox.run(&["health", "--url", &base], &[]);
    assert_eq!(run.code(), Some(0), "{run:?}");
    assert!(run.stdout().contains("healthy"), "{run:?}");
    // Without --url: the configuration's API port, asked on loopback.
    let port = service.port.to_string();
    let run = sandbox.run(&["health"], &[("API_PORT", &port)]);
    assert_eq!(run.code(), Some(0), "{run:?}");

    nats.stop();
    let run = wait_for_blocking(
        "health to report NATS gone",
        Duration::from_secs(15),
        || {
            let run = sandbox.run(&["health", "--url", &format!("{base}/health")], &[]);
            if run.code() == Some(1) {
                Ok(run)
            } else {
                Err(format!("{run:?}"))
            }
        },
    );
    assert!(run.stderr().contains("degraded"), "{run:?}");
    assert!(run.stdout().is_empty(), "{run:?}");
}

#[test]
fn health_exits_1_when_nothing_answers_and_2_for_a_bad_url() {
    let sandbox = Sandbox::new();
    let url = format!("http://127.0.0.1:{}", free_port());
    let run = sandbox.run(&["health", "--url", &url, "--timeout", "2"], &[]);
    assert_eq!(run.code(), Some(1), "{run:?}");
    assert!(run.stderr().contains("unhealthy"), "{run:?}");
    assert!(run.stderr().contains(&url), "{run:?}");

    let run = sandbox.run(&["health", "--url", "localhost:8086"], &[]);
    assert!(run.config_error().contains("--url"), "{run:?}");
    let run = sandbox.run(&["health", "--timeout", "0"], &[]);
    assert!(run.config_error().contains("--timeout"), "{run:?}");
}

#[test]
fn completions_and_the_man_page_come_from_the_flags() {
    let sandbox = Sandbox::new();
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef message-broker"),
        ("fish", "complete -c message-broker"),
    ] {
        let run = sandbox.run(&["completions", shell], &[]);
        assert_eq!(run.code(), Some(0), "{run:?}");
        assert!(run.stdout().contains(marker), "{shell}: {}", run.stdout());
        assert!(run.stdout().contains("supervise"), "{shell}");
    }
    let run = sandbox.run(&["completions", "tcsh"], &[]);
    assert_eq!(run.code(), Some(2), "{run:?}");
    let run = sandbox.run(&["man"], &[]);
    assert_eq!(run.code(), Some(0), "{run:?}");
    assert!(run.stdout().contains(".TH message-broker 1"), "{run:?}");
    // Generated without reading the configuration: a broken one does not stand in the way.
    let run = sandbox.run(&["man"], &[("MESSAGE_BROKER_CONFIG", "/nonexistent.yaml")]);
    assert_eq!(run.code(), Some(0), "{run:?}");
}
