//! The built binary in `--serve` mode against clients that hold connections: partial headers, a
//! declared body never sent, idle keep-alive, more sockets than the cap (or the open-file limit)
//! allows. Timeouts are set low through the config file; every wait is bounded.

mod common;
#[path = "support/raw_http.rs"]
mod raw_http;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::NatsServer;
use common::config_run::{Sandbox, service as service_yaml};
use common::serve_http::{find_log, parse_log_lines};
use common::service::{BIN, CONFIG_VARS, Service};
use raw_http::{
    Served, cpu_time, get, log_starting, open, post_head, read_answer, send, still_waiting,
    wait_closed, write_config,
};

const ANSWER_LIMIT: Duration = Duration::from_secs(10);

#[test]
fn the_connection_settings_are_read_from_the_api_section() {
    let sandbox = Sandbox::new();
    let text = service_yaml(
        "api:\n  header_timeout: 2.5\n  body_timeout: 7\n  idle_timeout: 120\n  \
         drain_timeout: 0.5\n  max_connections: 64",
    );
    let (_, run) = sandbox.config_of(&text);
    assert_eq!(
        run.json()["connections"],
        serde_json::json!({
            "header_timeout": 2.5,
            "body_timeout": 7.0,
            "idle_timeout": 120.0,
            "drain_timeout": 0.5,
            "max_connections": 64,
            "max_connections_per_client": null,
        })
    );
}

#[test]
fn bad_connection_settings_name_the_key() {
    let sandbox = Sandbox::new();
    for (api, key, says) in [
        ("header_timeout: 0", "api.header_timeout", "greater than 0"),
        ("body_timeout: -1", "api.body_timeout", "greater than 0"),
        ("idle_timeout: 7200", "api.idle_timeout", "at most 3600"),
        ("drain_timeout: soon", "api.drain_timeout", "invalid type"),
        (
            "max_connections: 0",
            "api.max_connections",
            "expected 1 to 1000000",
        ),
        ("max_connections: -5", "api.max_connections", "invalid type"),
        (
            "max_connections_per_client: 0",
            "api.max_connections_per_client",
            "expected 1 to api.max_connections (1024)",
        ),
        (
            "max_connections: 8\n  max_connections_per_client: 9",
            "api.max_connections_per_client",
            "got 9",
        ),
    ] {
        let (_, run) = sandbox.config_of(&service_yaml(&format!("api:\n  {api}")));
        let stderr = run.config_error();
        assert!(
            stderr.contains(&format!("services.message-broker.{key}")) && stderr.contains(says),
            "{api}: {stderr}"
        );
    }
}

#[test]
fn partial_headers_are_cut_off_after_the_header_timeout() {
    let served = Served::start("header_timeout: 1\nidle_timeout: 30");

    let mut partial = open(served.port());
    send(&mut partial, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    let took = wait_closed(&mut partial, ANSWER_LIMIT);
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(6),
        "closed after {took:?} with header_timeout 1"
    );

    // Headers that do arrive in time are answered, on a connection that stays open.
    let mut whole = open(served.port());
    send(&mut whole, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    send(&mut whole, "\r\n");
    let answer = read_answer(&mut whole, ANSWER_LIMIT);
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(!answer.closes(), "{answer:?}");
}

#[test]
fn a_declared_body_never_sent_is_answered_408_and_closed() {
    let served = Served::start("body_timeout: 1");

    let mut stalled = open(served.port());
    send(&mut stalled, &post_head("/api/v1/broker/publish", 100));
    send(&mut stalled, r#"{"subject": "#);
    let sent = Instant::now();
    let answer = read_answer(&mut stalled, ANSWER_LIMIT);
    let took = sent.elapsed();
    assert_eq!(answer.status, 408, "{answer:?}");
    let json = answer.json();
    assert_eq!(json["status"], "error", "{json}");
    assert_eq!(json["error_code"], "INVALID_PARAMETERS", "{json}");
    assert!(
        json["message"]
            .as_str()
            .is_some_and(|m| m.contains("api.body_timeout")),
        "{json}"
    );
    assert!(answer.closes(), "{answer:?}");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(6),
        "answered after {took:?} with body_timeout 1"
    );
    wait_closed(&mut stalled, ANSWER_LIMIT);

    // A body sent in time is read as usual (here: a publish with no stream for its subject).
    let body = r#"{"subject": "nowhere.x", "message": "hi"}"#;
    let mut prompt = open(served.port());
    send(
        &mut prompt,
        &post_head("/api/v1/broker/publish", body.len()),
    );
    send(&mut prompt, body);
    let answer = read_answer(&mut prompt, ANSWER_LIMIT);
    assert_eq!(
        answer.json()["error_code"],
        "STREAM_NOT_FOUND",
        "{answer:?}"
    );
}

#[test]
fn idle_connections_are_closed_after_the_idle_timeout() {
    let served = Served::start("idle_timeout: 1\nheader_timeout: 30");

    // Kept alive after a response.
    let mut used = open(served.port());
    send(&mut used, &get("/health"));
    let answer = read_answer(&mut used, ANSWER_LIMIT);
    assert_eq!(answer.status, 200);
    assert!(!answer.closes(), "{answer:?}");
    let idle = wait_closed(&mut used, ANSWER_LIMIT);
    assert!(
        idle >= Duration::from_millis(800) && idle < Duration::from_secs(6),
        "closed {idle:?} after its response with idle_timeout 1"
    );

    // Never used.
    let mut fresh = open(served.port());
    let idle = wait_closed(&mut fresh, ANSWER_LIMIT);
    assert!(
        idle >= Duration::from_millis(900) && idle < Duration::from_secs(6),
        "closed after {idle:?} with idle_timeout 1"
    );
}

#[test]
fn more_idle_sockets_than_the_cap_do_not_lock_out_health() {
    let served = Served::start("max_connections: 8");

    // Far more sockets than the cap, none of which ever sends a byte.
    let idle: Vec<_> = (0..40).map(|_| open(served.port())).collect();
    let started = Instant::now();
    let mut health = open(served.port());
    send(&mut health, &get("/health"));
    let answer = read_answer(&mut health, Duration::from_secs(30));
    let took = started.elapsed();
    assert_eq!(answer.status, 200, "{answer:?}");
    eprintln!("/health answered after {took:?} behind 40 idle sockets, cap 8");
    // Well before the 75 s idle timeout: idle sockets were closed to make room.
    assert!(took < Duration::from_secs(20), "answered after {took:?}");
    let closed = idle.iter().take(8).filter(|s| !still_waiting(s)).count();
    assert_eq!(closed, 8, "the first idle sockets were closed to make room");
    let lines = parse_log_lines(&served.service.stdout());
    let warning = log_starting(&lines, "connection limit reached").expect("the cap is logged");
    assert_eq!(warning["max_connections"], 8);
}

#[test]
fn a_client_over_its_own_cap_is_answered_503_and_the_others_are_served() {
    let served = Served::start("max_connections_per_client: 3\nidle_timeout: 30");
    // Three connections held idle by one client (every test client is 127.0.0.1).
    let mut held: Vec<_> = (0..3).map(|_| open(served.port())).collect();
    // The slots are taken once the service has accepted them: a request on each is answered.
    for s in &mut held {
        send(s, &get("/health"));
        assert_eq!(read_answer(s, ANSWER_LIMIT).status, 200);
    }
    let mut fourth = open(served.port());
    send(&mut fourth, &get("/health"));
    let answer = read_answer(&mut fourth, ANSWER_LIMIT);
    assert_eq!(answer.status, 503, "{answer:?}");
    assert!(answer.closes(), "{answer:?}");
    let json = answer.json();
    assert_eq!(json["error_code"], "SERVICE_UNAVAILABLE", "{json}");
    assert!(
        json["message"]
            .as_str()
            .is_some_and(|m| m.contains("api.max_connections_per_client")),
        "{json}"
    );
    // The held ones are still served, and once one closes there is room again.
    send(&mut held[0], &get("/health"));
    assert_eq!(read_answer(&mut held[0], ANSWER_LIMIT).status, 200);
    drop(held.pop());
    let deadline = Instant::now() + ANSWER_LIMIT;
    loop {
        let mut again = open(served.port());
        send(&mut again, &get("/health"));
        let status = read_answer(&mut again, ANSWER_LIMIT).status;
        if status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no room after a connection closed: {status}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let lines = parse_log_lines(&served.service.stdout());
    let warning =
        log_starting(&lines, "a client holds as many connections").expect("the refusal is logged");
    assert_eq!(warning["max_connections_per_client"], 3);
}

#[test]
fn past_the_cap_new_connections_wait_without_spinning() {
    let served = Served::start("max_connections: 4\nbody_timeout: 60\nheader_timeout: 60");
    let body = r#"{"subject": "nowhere.x", "message": "hi"}"#;
    let (first, rest) = body.split_at(10);

    // Every slot busy with a request whose body is still coming: none of them may be closed.
    let mut busy: Vec<_> = (0..4)
        .map(|_| {
            let mut s = open(served.port());
            send(&mut s, &post_head("/api/v1/broker/publish", body.len()));
            send(&mut s, first);
            s
        })
        .collect();
    let mut waiting: Vec<_> = (0..30)
        .map(|_| {
            let mut s = open(served.port());
            send(&mut s, &get("/health"));
            s
        })
        .collect();

    // A bounded window with new connections queued: the service sleeps rather than spins.
    let pid = served.service.pid();
    let before = cpu_time(pid);
    let window = Instant::now();
    while window.elapsed() < Duration::from_secs(2) {
        assert!(still_waiting(&waiting[0]), "served past the cap");
        std::thread::sleep(Duration::from_millis(100));
    }
    let used = cpu_time(pid) - before;
    eprintln!("CPU used in 2 s at the cap with 30 connections waiting: {used:?}");
    assert!(
        used < Duration::from_millis(500),
        "the service used {used:?} of CPU in 2 s while connections waited"
    );
    assert!(waiting.iter().all(still_waiting), "served past the cap");

    // The busy requests finish; the waiting ones are then served in turn.
    for s in &mut busy {
        send(s, rest);
        let answer = read_answer(s, ANSWER_LIMIT);
        assert_eq!(
            answer.json()["error_code"],
            "STREAM_NOT_FOUND",
            "{answer:?}"
        );
    }
    drop(busy);
    for s in &mut waiting {
        let answer = read_answer(s, Duration::from_secs(30));
        assert_eq!(answer.status, 200, "{answer:?}");
    }
}

#[test]
fn under_a_low_open_file_limit_the_cap_leaves_room_and_health_answers() {
    let nats = NatsServer::start();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "max_connections: 1024", "");
    let service = serve_under_fd_limit(256, &nats, &config);

    let idle: Vec<_> = (0..200).map(|_| open(service.port)).collect();
    let started = Instant::now();
    let mut health = open(service.port);
    send(&mut health, &get("/health"));
    let answer = read_answer(&mut health, Duration::from_secs(30));
    assert_eq!(answer.status, 200, "{answer:?}");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(20), "answered after {took:?}");
    assert!(idle.iter().any(|s| !still_waiting(s)));

    let stdout = service.stdout();
    let lines = parse_log_lines(&stdout);
    let lowered = log_starting(&lines, "the open-file limit leaves room")
        .unwrap_or_else(|| panic!("the lowered cap is logged: {stdout}"));
    let serving = lowered["serving"].as_u64().expect("serving");
    eprintln!(
        "open-file limit {limit}: serving {serving}; /health answered after {took:?}",
        limit = 256
    );
    assert!(serving > 0 && serving < 256, "{lowered}");
    // The cap kept accept from running out of descriptors.
    assert!(
        find_log(
            &lines,
            "cannot accept connections; retrying with a back-off"
        )
        .is_none(),
        "{stdout}"
    );
}

/// `message-broker --serve` with its open-file limit (soft and hard) set to `limit` by the shell.
fn serve_under_fd_limit(limit: u32, nats: &NatsServer, config: &std::path::Path) -> Service {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = common::free_port();
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("ulimit -n {limit} && exec \"$@\""))
        .args(["sh", BIN, "--serve", "--host", "127.0.0.1"])
        .args(["--port", &port.to_string(), "--config"])
        .arg(config);
    for var in CONFIG_VARS {
        command.env_remove(var);
    }
    let child = command
        .env("NATS_URL", nats.url())
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path().join("xdg"))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(dir.path().join("stdout")).expect("stdout file"))
        .stderr(std::fs::File::create(dir.path().join("stderr")).expect("stderr file"))
        .spawn()
        .expect("start message-broker under sh");
    let mut service = Service {
        child: Some(child),
        port,
        dir,
    };
    service.wait_listening();
    service
}
