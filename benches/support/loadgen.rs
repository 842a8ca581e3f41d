//! A small HTTP/1.1 load generator, in the spirit of `wrk`: a fixed number of keep-alive
//! connections, each sending one prepared request after another and reading each response whole
//! (by its `Content-Length`), for a fixed time. It runs on its own threads, each a current-thread
//! Tokio runtime, so it costs about what `wrk -t2` costs and needs nothing installed.
//!
//! Bounded: every run stops at its deadline (a response still on its way gets `RESPONSE_LIMIT`),
//! and [`hold`] opens a fixed number of connections.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Longest wait for one response before the connection counts as failed.
const RESPONSE_LIMIT: Duration = Duration::from_secs(10);
/// Connections opened at once by [`hold`]: more at a time would overflow the listen backlog.
const CONNECT_WAVE: usize = 200;

/// One HTTP request, ready to write on the wire.
pub fn request(method: &str, addr: SocketAddr, path: &str, json: Option<&str>) -> Arc<[u8]> {
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\n");
    if let Some(body) = json {
        text.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ));
    } else {
        text.push_str("\r\n");
    }
    Arc::from(text.into_bytes())
}

/// What a run measured.
#[derive(Debug, Default)]
pub struct Report {
    /// 2xx answers.
    pub ok: u64,
    /// Answers with another status.
    pub refused: u64,
    /// Connections that failed (could not connect, closed, or no answer in time).
    pub errors: u64,
    pub elapsed: Duration,
    /// CPU time the server used meanwhile, when the caller measured it.
    pub server_cpu: Duration,
    /// Every answer's latency, in microseconds, sorted.
    latencies: Vec<u32>,
}

impl Report {
    pub fn rate(&self) -> f64 {
        (self.ok + self.refused) as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The server's CPU time per answer, in microseconds: what decides its rate once it is the
    /// one short of CPU, and much steadier than the rate on a machine shared with other work.
    pub fn cpu_per_request_us(&self) -> f64 {
        self.server_cpu.as_secs_f64() * 1e6 / ((self.ok + self.refused) as f64).max(1.0)
    }

    /// The latency at `p` (0.5, 0.99) in milliseconds.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let rank =
            ((self.latencies.len() as f64 * p).ceil() as usize).clamp(1, self.latencies.len());
        f64::from(self.latencies[rank - 1]) / 1000.0
    }

    fn merge(&mut self, other: Report) {
        self.ok += other.ok;
        self.refused += other.refused;
        self.errors += other.errors;
        self.latencies.extend(other.latencies);
    }
}

/// `connections` connections to `addr`, each sending `request` back to back for `duration`,
/// spread over `threads` threads.
pub fn run(
    addr: SocketAddr,
    request: Arc<[u8]>,
    connections: usize,
    duration: Duration,
    threads: usize,
) -> Report {
    let started = Instant::now();
    let deadline = started + duration;
    let threads = threads.clamp(1, connections.max(1));
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let request = Arc::clone(&request);
            // Connections t, t + threads, t + 2 * threads, ... belong to thread t.
            let mine = (t..connections).step_by(threads).count();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("load generator runtime");
                runtime.block_on(async move {
                    let mut tasks = tokio::task::JoinSet::new();
                    for _ in 0..mine {
                        tasks.spawn(drive(addr, Arc::clone(&request), deadline));
                    }
                    let mut report = Report::default();
                    while let Some(done) = tasks.join_next().await {
                        report.merge(done.unwrap_or_else(|_| Report {
                            errors: 1,
                            ..Report::default()
                        }));
                    }
                    report
                })
            })
        })
        .collect();
    let mut report = Report::default();
    for worker in workers {
        report.merge(worker.join().unwrap_or_default());
    }
    report.elapsed = started.elapsed();
    report.latencies.sort_unstable();
    report
}

/// One connection's requests until the deadline.
async fn drive(addr: SocketAddr, request: Arc<[u8]>, deadline: Instant) -> Report {
    let mut report = Report::default();
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        report.errors = 1;
        return report;
    };
    let _ = stream.set_nodelay(true);
    let mut buffer = BytesMut::with_capacity(16 * 1024);
    while Instant::now() < deadline {
        let sent = Instant::now();
        match exchange(&mut stream, &request, &mut buffer).await {
            Ok(status) => {
                if (200..300).contains(&status) {
                    report.ok += 1;
                } else {
                    report.refused += 1;
                }
                let micros = u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX);
                report.latencies.push(micros);
            }
            Err(_) => {
                report.errors += 1;
                break;
            }
        }
    }
    report
}

/// Sends `request` and reads its response; the response's status.
pub async fn exchange(
    stream: &mut TcpStream,
    request: &[u8],
    buffer: &mut BytesMut,
) -> std::io::Result<u16> {
    stream.write_all(request).await?;
    tokio::time::timeout(RESPONSE_LIMIT, read_response(stream, buffer))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer in time"))?
}

async fn read_response(stream: &mut TcpStream, buffer: &mut BytesMut) -> std::io::Result<u16> {
    loop {
        if let Some(head) = find(buffer, b"\r\n\r\n") {
            let (status, length) = parse_head(&buffer[..head])?;
            let total = head + 4 + length;
            while buffer.len() < total {
                fill(stream, buffer).await?;
            }
            buffer.advance(total);
            return Ok(status);
        }
        fill(stream, buffer).await?;
    }
}

async fn fill(stream: &mut TcpStream, buffer: &mut BytesMut) -> std::io::Result<()> {
    if stream.read_buf(buffer).await? == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "connection closed",
        ));
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The status and `Content-Length` of a response head.
fn parse_head(head: &[u8]) -> std::io::Result<(u16, usize)> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let text = std::str::from_utf8(head).map_err(|_| bad("response head is not UTF-8"))?;
    let mut lines = text.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| bad("no status line"))?;
    let length = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .ok_or_else(|| bad("no Content-Length"))?;
    Ok((status, length))
}

/// `count` keep-alive connections to `addr`, each having had one `request` answered (so the
/// server has served it and keeps it open). Connections that fail are counted, not returned.
pub async fn hold(
    addr: SocketAddr,
    request: Arc<[u8]>,
    count: usize,
) -> (Vec<(TcpStream, BytesMut)>, u64) {
    let mut held = Vec::with_capacity(count);
    let mut errors = 0;
    let mut remaining = count;
    while remaining > 0 {
        let wave = remaining.min(CONNECT_WAVE);
        remaining -= wave;
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..wave {
            let request = Arc::clone(&request);
            tasks.spawn(async move {
                let mut stream = TcpStream::connect(addr).await?;
                let mut buffer = BytesMut::with_capacity(1024);
                match exchange(&mut stream, &request, &mut buffer).await? {
                    200..300 => Ok((stream, buffer)),
                    status => Err(std::io::Error::other(format!("status {status}"))),
                }
            });
        }
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok(Ok(connection)) => held.push(connection),
                _ => errors += 1,
            }
        }
    }
    (held, errors)
}

/// Sends `request` once more on every held connection, `CONNECT_WAVE` at a time: how many did
/// not answer with a 2xx.
pub async fn recheck(held: Vec<(TcpStream, BytesMut)>, request: Arc<[u8]>) -> u64 {
    let mut errors = 0;
    let mut held = held.into_iter();
    loop {
        let mut tasks = tokio::task::JoinSet::new();
        for (mut stream, mut buffer) in held.by_ref().take(CONNECT_WAVE) {
            let request = Arc::clone(&request);
            tasks.spawn(async move {
                matches!(
                    exchange(&mut stream, &request, &mut buffer).await,
                    Ok(200..300)
                )
            });
        }
        if tasks.is_empty() {
            return errors;
        }
        while let Some(done) = tasks.join_next().await {
            if !matches!(done, Ok(true)) {
                errors += 1;
            }
        }
    }
}
