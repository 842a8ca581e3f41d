//! How the built binary stops in `--serve` mode: SIGTERM exits 0 promptly when idle and right
//! after thousands of connections; a request in flight finishes, within the drain timeout; a
//! second signal exits at once; a supervised nats-server is never left behind.
//!
//! A request "in flight" here is a publish whose body is still being sent: the service is busy
//! with it for as long as the test wants. Every wait is bounded.

mod common;
#[path = "support/raw_http.rs"]
mod raw_http;

use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use common::serve_http::{find_log, parse_log_lines};
use common::service::Service;
use raw_http::{
    Served, get, get_answer, log_starting, open, post_head, read_answer, send, still_waiting,
    wait_closed, write_config,
};

const BODY: &str = r#"{"subject": "nowhere.x", "message": "hi"}"#;

/// Opens a publish and sends half of its body; the service is then busy with it.
fn request_in_flight(port: u16) -> TcpStream {
    let mut stream = open(port);
    send(
        &mut stream,
        &post_head("/api/v1/broker/publish", BODY.len()),
    );
    send(&mut stream, &BODY[..10]);
    stream
}

/// Polls until the listener refuses connections (the service has stopped accepting).
fn wait_refused(port: u16, limit: Duration) {
    let deadline = Instant::now() + limit;
    while TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(500))
        .is_ok()
    {
        assert!(Instant::now() < deadline, "still accepting after {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends `signal` and waits (bounded) for exit 0; gives the time it took.
fn stop(service: &mut Service, signal: &str, limit: Duration) -> Duration {
    service.signal(signal);
    let asked = Instant::now();
    let status = service.wait_exit(limit);
    let took = asked.elapsed();
    assert_eq!(
        status.code(),
        Some(0),
        "exit after SIG{signal}: {status:?}\n{}",
        service.stderr()
    );
    took
}

/// Whether `pid` is a live process (not gone, not a zombie waiting to be reaped).
fn alive(pid: u64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let state = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .next()?
                .to_owned();
            Some(state != "Z" && state != "X")
        })
        .unwrap_or(false)
}

fn wait_gone(pid: u64, limit: Duration) {
    let deadline = Instant::now() + limit;
    while alive(pid) {
        assert!(
            Instant::now() < deadline,
            "process {pid} still running after {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A `--supervise` service with its own free ports and data directory under `dir`, and the pid
/// of the nats-server it runs (as the API reports it).
fn supervised(dir: &Path, api: &str) -> (Service, u64) {
    let server = format!(
        "nats_server:\n  port: {}\n  cluster_port: {}\n  http_port: {}\n  data_dir: {}",
        common::free_port(),
        common::free_port(),
        common::free_port(),
        dir.join("nats-data").display()
    );
    let config = write_config(dir, api, &server);
    let service = Service::start(
        &[],
        &["--supervise", "--config", config.to_str().expect("utf-8")],
    );
    let status = get_answer(service.port, "/api/v1/broker/status").json();
    let pid = status["data"]["supervisor"]["status"]["nodes"][0]["pid"]
        .as_u64()
        .unwrap_or_else(|| panic!("no server pid in {status}"));
    assert!(alive(pid));
    (service, pid)
}

#[test]
fn sigterm_when_idle_exits_0_within_2_s() {
    let mut served = Served::start("max_connections: 64");
    let took = stop(&mut served.service, "TERM", Duration::from_secs(10));
    eprintln!("idle: SIGTERM to exit {took:?}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

#[test]
fn sigterm_when_idle_and_supervising_exits_0_within_2_s_and_stops_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let (mut service, server) = supervised(dir.path(), "max_connections: 64");
    let took = stop(&mut service, "TERM", Duration::from_secs(15));
    eprintln!("idle, supervising: SIGTERM to exit {took:?}");
    assert!(!alive(server), "nats-server {server} outlived the service");
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

#[test]
fn sigterm_right_after_thousands_of_connections_exits_0_within_5_s() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    const CONNECTIONS: usize = 2_000;
    // Room for our end of every connection (the service raises its own limit as it needs).
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).expect("getrlimit");
    let want = (CONNECTIONS as u64 + 256).min(hard);
    if soft < want {
        setrlimit(Resource::RLIMIT_NOFILE, want, hard).expect("setrlimit");
    }
    let mut served = Served::start("max_connections: 4000");

    // Half kept alive after a request, half never used.
    let opened = Instant::now();
    let mut sockets = Vec::with_capacity(CONNECTIONS);
    for i in 0..CONNECTIONS {
        let mut stream = open(served.port());
        if i % 2 == 0 {
            send(&mut stream, &get("/health"));
            assert_eq!(
                read_answer(&mut stream, Duration::from_secs(10)).status,
                200
            );
        }
        sockets.push(stream);
    }
    eprintln!(
        "{CONNECTIONS} connections open after {:?}",
        opened.elapsed()
    );
    assert!(
        sockets.iter().all(still_waiting),
        "closed before the signal"
    );

    let took = stop(&mut served.service, "TERM", Duration::from_secs(20));
    eprintln!("{CONNECTIONS} connections: SIGTERM to exit {took:?}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    for stream in &mut sockets {
        wait_closed(stream, Duration::from_secs(5));
    }
}

#[test]
fn a_request_in_flight_finishes_after_sigterm() {
    let mut served = Served::start("drain_timeout: 30");
    let mut in_flight = request_in_flight(served.port());
    let mut idle = open(served.port());
    send(&mut idle, &get("/health"));
    read_answer(&mut idle, Duration::from_secs(10));

    served.service.signal("TERM");
    wait_refused(served.port(), Duration::from_secs(5));
    // An idle connection has nothing to finish; the busy one is kept.
    wait_closed(&mut idle, Duration::from_secs(5));
    assert!(
        served.service.exited().is_none(),
        "exited with a request in flight"
    );
    send(&mut in_flight, &BODY[10..]);
    let answer = read_answer(&mut in_flight, Duration::from_secs(10));
    assert_eq!(
        answer.json()["error_code"],
        "STREAM_NOT_FOUND",
        "{answer:?}"
    );
    assert!(answer.closes(), "{answer:?}");
    let status = served.service.wait_exit(Duration::from_secs(10));
    assert_eq!(status.code(), Some(0), "{status:?}");
}

#[test]
fn the_drain_timeout_bounds_a_request_that_does_not_finish() {
    let mut served = Served::start("drain_timeout: 1\nbody_timeout: 60");
    let mut in_flight = request_in_flight(served.port());
    // The request is being handled before the signal (the service answers others meanwhile).
    assert_eq!(get_answer(served.port(), "/health").status, 200);

    let took = stop(&mut served.service, "TERM", Duration::from_secs(15));
    eprintln!("drain_timeout 1 with a stuck request: SIGTERM to exit {took:?}");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(4),
        "took {took:?}"
    );
    wait_closed(&mut in_flight, Duration::from_secs(5));
    let lines = parse_log_lines(&served.service.stdout());
    let dropped = log_starting(&lines, "requests still in flight after the drain timeout")
        .unwrap_or_else(|| panic!("the drop is logged: {lines:?}"));
    assert_eq!(dropped["open_connections"], 1, "{dropped}");
}

#[test]
fn a_second_signal_exits_at_once_and_leaves_no_server_behind() {
    for (first, second) in [("TERM", "TERM"), ("TERM", "INT")] {
        let dir = tempfile::tempdir().unwrap();
        let (mut service, server) = supervised(dir.path(), "drain_timeout: 60\nbody_timeout: 60");
        let mut in_flight = request_in_flight(service.port);
        assert_eq!(get_answer(service.port, "/health").status, 200);

        service.signal(first);
        wait_refused(service.port, Duration::from_secs(5));
        assert!(
            service.exited().is_none(),
            "exited with a request in flight"
        );
        let took = stop(&mut service, second, Duration::from_secs(10));
        eprintln!("SIG{first} then SIG{second}: second signal to exit {took:?}");
        assert!(took < Duration::from_secs(1), "took {took:?}");
        wait_closed(&mut in_flight, Duration::from_secs(5));
        wait_gone(server, Duration::from_secs(5));
        let lines = parse_log_lines(&service.stdout());
        let forced = find_log(
            &lines,
            "second signal: exiting now, without waiting for requests in flight",
        )
        .unwrap_or_else(|| panic!("the second signal is logged: {lines:?}"));
        assert_eq!(forced["signal"], format!("SIG{second}"));
    }
}
