//! What an idle console costs: bytes a second written to its terminal (what a slow SSH link
//! carries) and CPU (share of one core) while nothing changes, with a few streams and with 1,000;
//! and how long a key takes to reach the screen with 1,000 streams. The real binary runs in a
//! pseudo-terminal against a nats-server on loopback. Bounded: each row settles for 2 s and is
//! measured for 10 s; 20 keys per row. Run with `cargo bench --bench console_output`.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "support/process.rs"]
mod process;

use std::time::{Duration, Instant};

use common::NatsServer;
use common::pty::Console;

const SETTLE: Duration = Duration::from_secs(2);
const MEASURE: Duration = Duration::from_secs(10);
const KEYS: usize = 20;
/// A full repaint of 120x40 every second is roughly 5-10 KB/s; redrawing only what changed must
/// stay well below that.
const BYTES_BUDGET: f64 = 4_000.0;
/// Issue 10's budgets: idle CPU with 1,000 streams, and key to redraw.
const CPU_BUDGET_PERCENT: f64 = 1.0;
const KEY_BUDGET: Duration = Duration::from_millis(16);

/// `count` memory streams on the server, created over NATS.
fn create_streams(server: &NatsServer, count: usize) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let client = async_nats::connect(server.url()).await.expect("connect");
        let js = async_nats::jetstream::new(client);
        for i in 0..count {
            js.create_stream(async_nats::jetstream::stream::Config {
                name: format!("stream-{i:04}"),
                subjects: vec![format!("s{i}.>")],
                storage: async_nats::jetstream::stream::StorageType::Memory,
                ..Default::default()
            })
            .await
            .expect("create stream");
        }
    });
}

/// Time from a key press to the first byte the console writes back, for `KEYS` presses.
fn key_latencies(console: &mut Console) -> Vec<Duration> {
    let mut latencies = Vec::with_capacity(KEYS);
    for i in 0..KEYS {
        // Down then up: the selection moves, so the screen changes every time.
        let key = if i % 2 == 0 { "\x1b[B" } else { "\x1b[A" };
        // Let the previous redraw finish, and not coincide with a refresh.
        std::thread::sleep(Duration::from_millis(150));
        let before = console.byte_count();
        let sent = Instant::now();
        console.press(key);
        while console.byte_count() == before && sent.elapsed() < Duration::from_secs(1) {
            std::thread::sleep(Duration::from_micros(200));
        }
        latencies.push(sent.elapsed());
    }
    latencies.sort();
    latencies
}

fn main() {
    let server = NatsServer::start();
    println!(
        "idle console, {}s measured per row after {}s to settle, loopback; budgets {BYTES_BUDGET:.0} \
         bytes/s, {CPU_BUDGET_PERCENT}% CPU (1,000 streams), key to screen {} ms",
        MEASURE.as_secs(),
        SETTLE.as_secs(),
        KEY_BUDGET.as_millis()
    );
    println!(
        "{:<9} {:>8} {:>8} {:>9} {:>7} {:>12} {:>11}",
        "terminal", "streams", "refresh", "bytes/s", "CPU %", "key median", "key max"
    );
    let mut streams = 0;
    for (count, cols, rows, refresh) in [
        (3, 120, 40, "1"),
        (3, 120, 40, "0.5"),
        (3, 80, 24, "1"),
        (1_000, 120, 40, "1"),
    ] {
        if count > streams {
            create_streams(&server, count - streams);
            streams = count;
        }
        let mut console = Console::on_server(&server, cols, rows, &["--refresh", refresh]);
        console.wait_state("connected", Duration::from_secs(20));
        // The first samples fill the panes; what is measured is the steady state after them.
        std::thread::sleep(SETTLE);
        let pid = console.pid().expect("console pid");
        let bytes_before = console.byte_count();
        let cpu_before = process::cpu_time(pid);
        let started = Instant::now();
        std::thread::sleep(MEASURE);
        let elapsed = started.elapsed().as_secs_f64();
        let rate = (console.byte_count() - bytes_before) as f64 / elapsed;
        let cpu = (process::cpu_time(pid) - cpu_before).as_secs_f64() / elapsed * 100.0;
        let keys = key_latencies(&mut console);
        let median = keys[keys.len() / 2];
        let max = keys[keys.len() - 1];
        let mut verdict = String::new();
        if rate > BYTES_BUDGET {
            verdict.push_str("  bytes over budget");
        }
        if count >= 1_000 && cpu > CPU_BUDGET_PERCENT {
            verdict.push_str("  CPU over budget");
        }
        if max > KEY_BUDGET {
            verdict.push_str("  key over budget");
        }
        println!(
            "{:<9} {count:>8} {:>7}s {rate:>9.0} {cpu:>7.2} {:>9.1} ms {:>8.1} ms{verdict}",
            format!("{cols}x{rows}"),
            refresh,
            median.as_secs_f64() * 1000.0,
            max.as_secs_f64() * 1000.0,
        );
    }
}
