//! What one console costs the server it watches: bytes a second the server sends it (NATS and
//! HTTP monitoring, counted on the wire by a proxy between them) and JetStream API requests a
//! second (the server's own `api.total`), with 40 and with 1,000 streams — a tenth of them with
//! a lagging consumer — on the dashboard and with a stream's detail open. The real binary runs in
//! a pseudo-terminal, sampling every second. Budget: 100 KB/s and 2 requests/s.
//! Run with `cargo bench --bench console_server_cost`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, consumer, stream};
use common::NatsServer;
use common::pty::Console;

const SETTLE: Duration = Duration::from_secs(15);
const MEASURE: Duration = Duration::from_secs(30);
const BUDGET_BYTES: f64 = 100_000.0;
const BUDGET_REQUESTS: f64 = 2.0;

/// A TCP proxy to `upstream` that counts the bytes sent back to whoever connects.
struct Proxy {
    port: u16,
    down: Arc<AtomicU64>,
}

impl Proxy {
    fn to(upstream: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let down = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&down);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                let (client_in, server_out) =
                    (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || pipe(client_in, server_out, None));
                let counter = Arc::clone(&counter);
                std::thread::spawn(move || pipe(server, client, Some(counter)));
            }
        });
        Proxy { port, down }
    }

    fn bytes(&self) -> u64 {
        self.down.load(Ordering::Relaxed)
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream, count: Option<Arc<AtomicU64>>) {
    let mut buf = [0u8; 65536];
    while let Ok(n) = from.read(&mut buf) {
        if n == 0 || to.write_all(&buf[..n]).is_err() {
            break;
        }
        if let Some(count) = &count {
            count.fetch_add(n as u64, Ordering::Relaxed);
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Both);
}

/// The server's own count of JetStream API requests, from its monitoring port (directly, not
/// through the proxy: the bench's reads are not the console's).
fn api_total(server: &NatsServer) -> u64 {
    let mut stream = TcpStream::connect(("127.0.0.1", server.http_port)).expect("connect to /jsz");
    write!(stream, "GET /jsz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").expect("request /jsz");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read /jsz");
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let jsz: serde_json::Value = serde_json::from_str(body).expect("/jsz is JSON");
    jsz["api"]["total"].as_u64().expect("api.total")
}

async fn populate(server: &NatsServer, streams: usize) {
    let js = jetstream::new(async_nats::connect(server.url()).await.expect("connect"));
    for i in 0..streams {
        let name = format!("s{i:04}");
        let created = js
            .create_stream(stream::Config {
                name: name.clone(),
                subjects: vec![format!("{name}.>")],
                ..Default::default()
            })
            .await
            .expect("create a stream");
        // A tenth have a consumer that never fetches, twenty messages behind.
        if i % 10 == 0 {
            created
                .create_consumer(consumer::pull::Config {
                    durable_name: Some("lagging".into()),
                    ..Default::default()
                })
                .await
                .expect("create a consumer");
            for n in 0..20 {
                js.publish(format!("{name}.x"), format!("{n}").into())
                    .await
                    .expect("publish")
                    .await
                    .expect("ack");
            }
        }
    }
}

/// Bytes a second sent to the console and API requests a second, over [`MEASURE`].
fn measure(server: &NatsServer, proxies: &[&Proxy]) -> (f64, f64) {
    let bytes = || proxies.iter().map(|p| p.bytes()).sum::<u64>();
    let (b0, r0, t0) = (bytes(), api_total(server), Instant::now());
    std::thread::sleep(MEASURE);
    let secs = t0.elapsed().as_secs_f64();
    (
        (bytes() - b0) as f64 / secs,
        (api_total(server) - r0) as f64 / secs,
    )
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    println!(
        "server-side cost of one console (refresh 1s), {}s measured after {}s to settle; budget {:.0} KB/s, {BUDGET_REQUESTS} JetStream API requests/s",
        MEASURE.as_secs(),
        SETTLE.as_secs(),
        BUDGET_BYTES / 1000.0
    );
    println!(
        "{:<8} {:<10} {:>10} {:>14}",
        "streams", "view", "KB/s", "API req/s"
    );
    for streams in [40, 1000] {
        let server = NatsServer::start();
        runtime.block_on(populate(&server, streams));
        let nats = Proxy::to(server.port);
        let http = Proxy::to(server.http_port);
        let mut console = Console::start(
            160,
            48,
            &["--no-supervise", "--refresh", "1"],
            &[
                ("NATS_URL", &format!("nats://127.0.0.1:{}", nats.port)),
                (
                    "NATS_MONITOR_URL",
                    &format!("http://127.0.0.1:{}", http.port),
                ),
                ("NATS_TIMEOUT", "5"),
            ],
        );
        console.wait_text(&format!("Streams ({streams})"), Duration::from_secs(60));
        std::thread::sleep(SETTLE);
        for view in ["dashboard", "detail"] {
            if view == "detail" {
                // The first stream, which has a lagging consumer.
                console.send("\r");
                console.wait_text("Stream s0000 · read", Duration::from_secs(20));
            }
            let (bytes, requests) = measure(&server, &[&nats, &http]);
            let over = if bytes > BUDGET_BYTES || requests > BUDGET_REQUESTS {
                "  over budget"
            } else {
                ""
            };
            println!(
                "{streams:<8} {view:<10} {:>10.1} {requests:>14.2}{over}",
                bytes / 1000.0
            );
        }
    }
}
