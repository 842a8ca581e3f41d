//! The service against the physical bar, side by side on one nats-server: `message-broker
//! --serve` (the release binary, as deployed) and a minimal axum handler that parses the same
//! JSON, publishes to JetStream and awaits the ack (`support/minimal.rs`, run as a child of this
//! bench). The load comes from `support/loadgen.rs` on the same machine. Prints publish at 64 and
//! 256 connections, `/health`, `/api/v1/status`, the batch endpoint, 10,000 held connections
//! and memory, with the ratios and targets of issue 10.
//!
//! Run with `cargo bench --bench http_load` (see BENCHMARKS.md). Bounded: every row is
//! `MB_BENCH_ROUNDS` rounds (3) of `MB_BENCH_SECONDS` (5 s) per server after a 1 s warm-up, and
//! `MB_BENCH_HELD` (10,000; 0 skips it) connections are held; the whole run takes about four
//! minutes. Not part of the test suite.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "support/loadgen.rs"]
mod loadgen;
#[path = "support/minimal.rs"]
mod minimal;
#[path = "support/process.rs"]
mod process;

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::service::Service;
use common::{NatsServer, free_port, http_status};

const ROLE: &str = "MB_BENCH_ROLE";
const WARM_UP: Duration = Duration::from_secs(1);
/// Load generator threads, as `wrk -t2`.
const THREADS: usize = 2;
const HELD: usize = 10_000;
const BATCH: usize = 100;
/// 128 bytes of message, as in the issue's measurements.
const MESSAGE: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\
                       0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn main() {
    if std::env::var(ROLE).as_deref() == Ok("minimal") {
        let url = std::env::var("MB_BENCH_NATS").expect("MB_BENCH_NATS");
        let port = std::env::var("MB_BENCH_PORT").expect("MB_BENCH_PORT");
        minimal::serve(&url, port.parse().expect("port"));
    }
    raise_fd_limit();
    let seconds = env_number("MB_BENCH_SECONDS", 5);
    let rounds = env_number("MB_BENCH_ROUNDS", 3).max(1) as usize;
    let measure = Duration::from_secs(seconds);

    let server = NatsServer::start();
    let config = server.dir.path().join("bench.yaml");
    std::fs::write(
        &config,
        "services:\n  message-broker:\n    api:\n      max_connections: 12000\n",
    )
    .expect("write config");
    let service = start_service(&server, &config);
    let minimal = Minimal::start(&server);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(create_stream(service.port));

    let service_addr = SocketAddr::from(([127, 0, 0, 1], service.port));
    let minimal_addr = SocketAddr::from(([127, 0, 0, 1], minimal.port));
    let targets = [
        Target::new("minimal", minimal_addr, minimal.pid()),
        Target::new("service", service_addr, service.pid()),
    ];
    let logged_before = service.stdout().lines().count();

    println!(
        "nats-server 2.15.1 (file storage), loopback, load generator with {THREADS} threads on the \
         same cores; {rounds} rounds of {seconds} s per server, median shown\n"
    );
    println!(
        "{:<34} {:>5} {:>10} {:>8} {:>7} {:>10} {:>8} {:>7} {:>6}  target",
        "scenario",
        "conns",
        "bar req/s",
        "p99 ms",
        "cpu µs",
        "svc req/s",
        "p99 ms",
        "cpu µs",
        "ratio"
    );
    let publish_body = format!(r#"{{"subject":"bench.price","message":"{MESSAGE}"}}"#);
    let mut rss_under_publish = [0, 0];
    for connections in [64, 256] {
        let rows = side_by_side(&targets, rounds, measure, connections, |addr| {
            loadgen::request("POST", addr, "/api/v1/broker/publish", Some(&publish_body))
        });
        let target = if connections == 256 {
            rss_under_publish = rows.peak_rss;
            let p99 = rows.service.percentile_ms(0.99);
            verdict(rows.ratio >= 1.0 && p99 <= 8.0, "ratio >= 1.0, p99 <= 8 ms")
        } else {
            verdict(rows.ratio >= 1.0, "ratio >= 1.0")
        };
        rows.print("POST /api/v1/broker/publish 128 B", connections, &target);
    }
    let rows = side_by_side(&targets, rounds, measure, 64, |addr| {
        loadgen::request("GET", addr, "/health", None)
    });
    rows.print(
        "GET /health",
        64,
        &verdict(rows.ratio >= 0.8, "ratio >= 0.8"),
    );
    let health_bar = rows.bar.rate();

    let status = alone(&targets[1], rounds, measure, 64, |addr| {
        loadgen::request("GET", addr, "/api/v1/status", None)
    });
    print_alone("GET /api/v1/status", 64, &status, "(no bar)");

    let batch_body = batch_body();
    for connections in [8, 32] {
        let rows = side_by_side(&targets, rounds, measure, connections, |addr| {
            loadgen::request(
                "POST",
                addr,
                "/api/v1/broker/publish/batch",
                Some(&batch_body),
            )
        });
        let msgs = rows.service.rate() * BATCH as f64;
        rows.print(
            &format!("POST .../publish/batch x{BATCH}"),
            connections,
            &format!(
                "{:.0} msgs/s {}",
                msgs,
                verdict(msgs >= 100_000.0, ">= 100,000 msgs/s")
            ),
        );
    }
    println!(
        "\nmemory (VmRSS, peak sampled): publish at 256 connections: bar {} MB, service {} MB  {}",
        mb(rss_under_publish[0]),
        mb(rss_under_publish[1]),
        verdict(rss_under_publish[1] <= 30 << 20, "service <= 30 MB"),
    );

    let held = env_number("MB_BENCH_HELD", HELD as u64) as usize;
    if held > 0 {
        println!("\n{held} keep-alive connections held, /health at 64 connections meanwhile:");
        for target in &targets {
            hold(&runtime, target, held, measure, health_bar);
        }
    }
    let logged = service.stdout().lines().count() - logged_before;
    println!(
        "\nlines the service logged during the load (default level): {logged}  {}",
        verdict(logged == 0, "none per request")
    );
    drop(minimal);
    drop(service);
    drop(server);
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn verdict(met: bool, target: &str) -> String {
    format!("{} {target}", if met { "met" } else { "MISSED" })
}

fn mb(bytes: u64) -> String {
    format!("{:.0}", bytes as f64 / (1 << 20) as f64)
}

/// Ten thousand sockets need more than the usual 1,024 descriptors.
fn raise_fd_limit() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    if let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE)
        && soft < hard
    {
        let _ = setrlimit(Resource::RLIMIT_NOFILE, hard, hard);
    }
}

async fn create_stream(port: u16) {
    let response = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/v1/broker/streams"))
        .json(&serde_json::json!({
            "name": "bench", "subjects": ["bench.>"], "storage": "file",
            // Bounded on disk: the oldest messages go.
            "max_bytes": 512u64 << 20,
        }))
        .send()
        .await
        .expect("create the bench stream");
    assert!(
        response.status().is_success(),
        "create stream: {response:?}"
    );
}

fn batch_body() -> String {
    let one = format!(r#"{{"subject":"bench.batch","message":"{MESSAGE}"}}"#);
    format!(r#"{{"messages":[{}]}}"#, vec![one; BATCH].join(","))
}

/// `message-broker --serve` (or the binary `MB_BENCH_BIN` names, e.g. an earlier build to
/// compare with) on `server`, at the default log level, with room for the held connections.
fn start_service(server: &NatsServer, config: &std::path::Path) -> Service {
    let bin = std::env::var("MB_BENCH_BIN").unwrap_or_else(|_| common::service::BIN.to_owned());
    let (url, monitor_url) = (server.url(), server.monitor_url());
    let config = config.to_string_lossy();
    let preload = std::env::var("MB_BENCH_PRELOAD").unwrap_or_default();
    let mut env = vec![
        ("MESSAGE_BROKER_CONFIG", &*config),
        ("NATS_URL", &*url),
        ("NATS_MONITOR_URL", &*monitor_url),
    ];
    if !preload.is_empty() {
        env.push(("LD_PRELOAD", &*preload));
    }
    let mut service = Service::spawn_binary(&bin, free_port(), &env, &[]);
    service.wait_listening();
    service
}

/// `MB_BENCH_PRELOAD` (an allocator library such as libjemalloc.so.2) is preloaded into both
/// servers, to compare allocators on equal terms.
fn preload(command: &mut Command) {
    if let Ok(library) = std::env::var("MB_BENCH_PRELOAD") {
        command.env("LD_PRELOAD", library);
    }
}

/// The minimal handler, this bench's own binary started in that role.
struct Minimal {
    child: Child,
    port: u16,
}

impl Minimal {
    fn start(server: &NatsServer) -> Minimal {
        let port = free_port();
        let mut command = Command::new(std::env::current_exe().expect("bench binary"));
        preload(&mut command);
        let child = command
            .env(ROLE, "minimal")
            .env("MB_BENCH_NATS", server.url())
            .env("MB_BENCH_PORT", port.to_string())
            .stdin(Stdio::null())
            .spawn()
            .expect("start the minimal handler");
        let started = Instant::now();
        while http_status(port, "/health") != Some(200) {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the minimal handler did not start"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
        Minimal { child, port }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Minimal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A server under load.
struct Target {
    name: &'static str,
    addr: SocketAddr,
    pid: u32,
}

impl Target {
    fn new(name: &'static str, addr: SocketAddr, pid: u32) -> Target {
        Target { name, addr, pid }
    }

    fn rss(&self) -> u64 {
        rss_of(self.pid)
    }
}

/// Resident memory of a process, from `/proc/PID/status`.
fn rss_of(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
            let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kb * 1024)
        })
        .unwrap_or(0)
}

/// One measured run against `target`, its memory sampled every 100 ms meanwhile; the report
/// carries the server's CPU time over the run.
fn measured(
    target: &Target,
    request: Arc<[u8]>,
    connections: usize,
    measure: Duration,
) -> (loadgen::Report, u64) {
    loadgen::run(
        target.addr,
        Arc::clone(&request),
        connections,
        WARM_UP,
        THREADS,
    );
    let cpu_before = process::cpu_time(target.pid);
    let done = Arc::new(AtomicBool::new(false));
    let pid = target.pid;
    let sampler = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let mut peak = 0;
            while !done.load(Ordering::Relaxed) {
                peak = peak.max(rss_of(pid));
                std::thread::sleep(Duration::from_millis(100));
            }
            peak
        })
    };
    let mut report = loadgen::run(target.addr, request, connections, measure, THREADS);
    report.server_cpu = process::cpu_time(target.pid) - cpu_before;
    done.store(true, Ordering::Relaxed);
    let peak = sampler.join().unwrap_or(0);
    (report, peak)
}

/// The bar's and the service's median runs, and the median of the rounds' ratios.
struct SideBySide {
    bar: loadgen::Report,
    service: loadgen::Report,
    ratio: f64,
    peak_rss: [u64; 2],
}

impl SideBySide {
    fn print(&self, scenario: &str, connections: usize, target: &str) {
        println!(
            "{scenario:<34} {connections:>5} {:>10.0} {:>8.2} {:>7.1} {:>10.0} {:>8.2} {:>7.1} {:>6.2}  {target}{}",
            self.bar.rate(),
            self.bar.percentile_ms(0.99),
            self.bar.cpu_per_request_us(),
            self.service.rate(),
            self.service.percentile_ms(0.99),
            self.service.cpu_per_request_us(),
            self.ratio,
            errors_note(&[&self.bar, &self.service]),
        );
    }
}

fn errors_note(reports: &[&loadgen::Report]) -> String {
    let failed: u64 = reports.iter().map(|r| r.errors + r.refused).sum();
    if failed == 0 {
        String::new()
    } else {
        format!("  ({failed} failed)")
    }
}

/// Rounds of the bar then the service, back to back, so that both see the same machine.
fn side_by_side(
    targets: &[Target; 2],
    rounds: usize,
    measure: Duration,
    connections: usize,
    request: impl Fn(SocketAddr) -> Arc<[u8]>,
) -> SideBySide {
    let mut runs: [Vec<loadgen::Report>; 2] = [Vec::new(), Vec::new()];
    let mut peaks = [0, 0];
    let mut ratios = Vec::new();
    for _ in 0..rounds {
        for (i, target) in targets.iter().enumerate() {
            let (report, peak) = measured(target, request(target.addr), connections, measure);
            peaks[i] = peaks[i].max(peak);
            runs[i].push(report);
        }
        let [bar, service] = &runs;
        ratios.push(service[service.len() - 1].rate() / bar[bar.len() - 1].rate());
    }
    ratios.sort_by(f64::total_cmp);
    let [bar, service] = runs;
    SideBySide {
        bar: median(bar),
        service: median(service),
        ratio: ratios[ratios.len() / 2],
        peak_rss: peaks,
    }
}

fn median(mut runs: Vec<loadgen::Report>) -> loadgen::Report {
    runs.sort_by(|a, b| a.rate().total_cmp(&b.rate()));
    let middle = runs.len() / 2;
    runs.swap_remove(middle)
}

fn alone(
    target: &Target,
    rounds: usize,
    measure: Duration,
    connections: usize,
    request: impl Fn(SocketAddr) -> Arc<[u8]>,
) -> loadgen::Report {
    let runs = (0..rounds)
        .map(|_| measured(target, request(target.addr), connections, measure).0)
        .collect();
    median(runs)
}

fn print_alone(scenario: &str, connections: usize, report: &loadgen::Report, note: &str) {
    println!(
        "{scenario:<34} {connections:>5} {:>10} {:>8} {:>7} {:>10.0} {:>8.2} {:>7.1} {:>6}  {note}{}",
        "",
        "",
        "",
        report.rate(),
        report.percentile_ms(0.99),
        report.cpu_per_request_us(),
        "",
        errors_note(&[report]),
    );
}

/// Opens `count` keep-alive connections to `target`, probes `/health` while they are open,
/// then asks each of them once more.
fn hold(
    runtime: &tokio::runtime::Runtime,
    target: &Target,
    count: usize,
    measure: Duration,
    bar: f64,
) {
    let health = loadgen::request("GET", target.addr, "/health", None);
    let before = target.rss();
    let opened = Instant::now();
    let (held, failed_open) =
        runtime.block_on(loadgen::hold(target.addr, Arc::clone(&health), count));
    let open_time = opened.elapsed();
    let idle_rss = target.rss();
    let (probe, peak) = measured(target, Arc::clone(&health), 64, measure);
    let count = held.len();
    let failed_again = runtime.block_on(loadgen::recheck(held, health));
    let errors = failed_open + failed_again + probe.errors + probe.refused;
    let p99 = probe.percentile_ms(0.99);
    let target_note = if target.name == "service" {
        verdict(
            errors == 0 && p99 <= 20.0 && peak.max(idle_rss) <= 200 << 20,
            "no error, p99 <= 20 ms, RSS <= 200 MB",
        )
    } else {
        String::new()
    };
    println!(
        "  {:<8} held {count} (opened in {:.1} s), errors {errors}; /health {:.0} req/s ({:.2} of \
         the bar without them), p99 {p99:.2} ms; RSS {} MB before, {} MB held, {} MB peak  {target_note}",
        target.name,
        open_time.as_secs_f64(),
        probe.rate(),
        probe.rate() / bar,
        mb(before),
        mb(idle_rss),
        mb(peak),
    );
}
