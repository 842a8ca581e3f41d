//! Throughput and latency of the REST API against a real nats-server on loopback:
//! `POST /api/v1/broker/publish` (each answer waits for the JetStream ack) and `GET /health`.
//! Bounded: a fixed number of requests per scenario. Run with `cargo bench --bench api_publish`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::net::TcpListener;

const REQUESTS: usize = 20_000;

struct Outcome {
    rate: f64,
    p50: Duration,
    p99: Duration,
    errors: usize,
}

async fn drive(
    client: &reqwest::Client,
    url: Arc<String>,
    body: Option<serde_json::Value>,
    concurrency: usize,
) -> Outcome {
    let started = Instant::now();
    let per_worker = REQUESTS / concurrency;
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let client = client.clone();
        let url = Arc::clone(&url);
        let body = body.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_worker);
            let mut errors = 0;
            for _ in 0..per_worker {
                let sent = Instant::now();
                let request = match &body {
                    Some(body) => client.post(url.as_str()).json(body),
                    None => client.get(url.as_str()),
                };
                match request.send().await {
                    Ok(response) if response.status().is_success() => {
                        let _ = response.bytes().await;
                    }
                    _ => errors += 1,
                }
                latencies.push(sent.elapsed());
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::with_capacity(REQUESTS);
    let mut errors = 0;
    for worker in workers {
        let (mut l, e) = worker.await.expect("worker");
        latencies.append(&mut l);
        errors += e;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let at = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    Outcome {
        rate: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
        errors,
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let server = common::NatsServer::start();
        // Served as `--serve` serves it: the service's own accept loop and connection limits.
        let (state, _) = common::app(&server).await;
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(message_broker::api::serve(
            listener,
            state,
            std::future::pending(),
        ));
        let client = reqwest::Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(512)
            .build()
            .expect("client");
        let create = format!("http://{addr}/api/v1/broker/streams");
        client
            .post(&create)
            .json(&json!({"name": "bench", "subjects": ["bench.>"], "storage": "file"}))
            .send()
            .await
            .expect("create stream");
        println!("{REQUESTS} requests per row, load generator in the same process, loopback");
        println!(
            "{:<28} {:>6} {:>10} {:>9} {:>9} {:>7}",
            "scenario", "conc", "req/s", "p50 ms", "p99 ms", "errors"
        );
        let publish = Arc::new(format!("http://{addr}/api/v1/broker/publish"));
        let health = Arc::new(format!("http://{addr}/health"));
        let body =
            json!({"subject": "bench.price", "message": {"symbol": "BTC", "price": 45000.0}});
        for (name, url, body, concurrency) in [
            ("publish (JetStream ack)", &publish, Some(body.clone()), 1),
            ("publish (JetStream ack)", &publish, Some(body.clone()), 64),
            ("publish (JetStream ack)", &publish, Some(body), 256),
            ("GET /health", &health, None, 64),
        ] {
            let outcome = drive(&client, Arc::clone(url), body, concurrency).await;
            println!(
                "{name:<28} {concurrency:>6} {:>10.0} {:>9.2} {:>9.2} {:>7}",
                outcome.rate,
                outcome.p50.as_secs_f64() * 1000.0,
                outcome.p99.as_secs_f64() * 1000.0,
                outcome.errors
            );
        }
        drop(server);
    });
}
