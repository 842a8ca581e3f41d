//! HTTP/1.1 over plain sockets, for tests of what the service does with connections themselves
//! (partial requests, idle keep-alive, many sockets at once), plus a `--serve` child configured
//! through an `api:` section, and the CPU time a process has used.
#![allow(dead_code)]

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use tempfile::TempDir;

use crate::common::NatsServer;
use crate::common::service::Service;

/// A `--serve` child on its own real nats-server, configured with `api` as the `api:` section
/// of its config file (keys one to a line, without indentation).
pub struct Served {
    pub service: Service,
    pub nats: NatsServer,
    pub dir: TempDir,
}

impl Served {
    pub fn start(api: &str) -> Served {
        let nats = NatsServer::start();
        let dir = tempfile::tempdir().expect("temp dir");
        let config = write_config(dir.path(), api, "");
        let url = nats.url();
        let service = Service::start(
            &[("NATS_URL", url.as_str())],
            &["--config", config.to_str().expect("utf-8 path")],
        );
        Served { service, nats, dir }
    }

    pub fn port(&self) -> u16 {
        self.service.port
    }
}

/// Writes the config file: `api` as above, and `other` (YAML at the level of `api:`, e.g. a
/// `nats_server:` section) as it is, indented into place.
pub fn write_config(dir: &Path, api: &str, other: &str) -> PathBuf {
    let indent =
        |text: &str, by: &str| -> String { text.lines().map(|l| format!("{by}{l}\n")).collect() };
    let path = dir.join("connections.yaml");
    std::fs::write(
        &path,
        format!(
            "services:\n  message-broker:\n    api:\n{}{}",
            indent(api, "      "),
            indent(other, "    ")
        ),
    )
    .expect("write config");
    path
}

/// A connection to the service on `port`, with reads that give up after `read_limit`.
pub fn open(port: u16) -> TcpStream {
    let stream = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(5))
        .expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(1)))
        .expect("read timeout");
    stream
}

pub fn send(stream: &mut TcpStream, bytes: &str) {
    stream.write_all(bytes.as_bytes()).expect("write");
}

/// `GET path` on a kept-alive connection.
pub fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
}

/// The head of a JSON `POST` whose body is `length` bytes long.
pub fn post_head(path: &str, length: usize) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {length}\r\n\r\n"
    )
}

/// `GET path` on a new connection, answered within 10 s.
pub fn get_answer(port: u16, path: &str) -> Answer {
    let mut stream = open(port);
    send(&mut stream, &get(path));
    read_answer(&mut stream, Duration::from_secs(10))
}

/// The first log line whose message starts with `prefix`.
pub fn log_starting<'a>(lines: &'a [Value], prefix: &str) -> Option<&'a Value> {
    lines
        .iter()
        .find(|l| l["message"].as_str().is_some_and(|m| m.starts_with(prefix)))
}

#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    /// The header block, lower-cased.
    pub head: String,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn closes(&self) -> bool {
        self.head.contains("connection: close")
    }
}

/// Reads one response (a `Content-Length` body, as the service sends) within `limit`.
pub fn read_answer(stream: &mut TcpStream, limit: Duration) -> Answer {
    let deadline = Instant::now() + limit;
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(answer) = parse(&seen) {
            return answer;
        }
        assert!(
            Instant::now() < deadline,
            "no whole response within {limit:?}; got {:?}",
            String::from_utf8_lossy(&seen)
        );
        match stream.read(&mut buf) {
            Ok(0) => panic!(
                "closed before a whole response; got {:?}",
                String::from_utf8_lossy(&seen)
            ),
            Ok(n) => seen.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => panic!("read: {e}"),
        }
    }
}

fn parse(bytes: &[u8]) -> Option<Answer> {
    let text = String::from_utf8_lossy(bytes);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let head = head.to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().expect("content-length"));
    if body.len() < length {
        return None;
    }
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some(Answer {
        status,
        head,
        body: body[..length].to_owned(),
    })
}

/// Waits for the service to close the connection (EOF or reset) and says how long that took;
/// panics if it sends anything or is still open after `limit`.
pub fn wait_closed(stream: &mut TcpStream, limit: Duration) -> Duration {
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return started.elapsed(),
            Ok(n) => panic!(
                "expected a close, got {:?}",
                String::from_utf8_lossy(&buf[..n])
            ),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                assert!(
                    started.elapsed() < limit,
                    "still open after {:?}",
                    started.elapsed()
                );
            }
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return started.elapsed(),
            Err(e) => panic!("read: {e}"),
        }
    }
}

/// Whether the service has neither answered nor closed the connection (a read would block).
pub fn still_waiting(stream: &TcpStream) -> bool {
    stream.set_nonblocking(true).expect("nonblocking");
    let mut buf = [0u8; 64];
    let mut reader = stream;
    let waiting = matches!(reader.read(&mut buf), Err(e) if e.kind() == ErrorKind::WouldBlock);
    stream.set_nonblocking(false).expect("blocking");
    waiting
}

/// User plus system CPU time `pid` has used so far, from /proc/PID/stat.
pub fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read stat");
    // Fields after the command name (which may hold spaces) start with the state, field 3.
    let after_name = stat.rsplit_once(')').expect("stat format").1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 =
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    Duration::from_millis(ticks * 1000 / clock_ticks())
}

fn clock_ticks() -> u64 {
    let output = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .expect("run getconf");
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("CLK_TCK")
}
