use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio_util::sync::CancellationToken;

use super::*;

/// A runtime on a paused clock, which jumps ahead whenever every task waits on a timer.
fn paused() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
}

#[test]
fn a_burst_is_reported_once_and_not_again_within_the_quiet_period() {
    paused().block_on(async {
        let mut burst = Burst::default();
        assert_eq!(burst.start(), Some(0));
        assert_eq!(burst.start(), None);
        tokio::time::advance(Duration::from_millis(200)).await;
        let (count, lasted) = burst.end().expect("its start was reported");
        assert_eq!((count, lasted), (2, Duration::from_millis(200)));
        assert_eq!(burst.end(), None);
        // A new burst soon after is counted, not reported.
        assert_eq!(burst.start(), None);
        assert_eq!(burst.end(), None);
        tokio::time::advance(QUIET_PERIOD).await;
        assert_eq!(burst.start(), Some(1));
    });
}

/// A listener whose accept always fails with `errno`, counting the calls.
struct Failing {
    errno: Errno,
    calls: Arc<AtomicU64>,
}

impl Accept for Failing {
    type Io = DuplexStream;
    async fn accept(&mut self) -> io::Result<Self::Io> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        // A real accept would return at once; yielding keeps this one from starving the timer.
        tokio::task::yield_now().await;
        Err(io::Error::from_raw_os_error(self.errno as i32))
    }
}

/// Accept calls made in `window` while every accept fails, on `runtime`.
fn accepts_while_failing(runtime: tokio::runtime::Runtime, errno: Errno, window: Duration) -> u64 {
    let calls = Arc::new(AtomicU64::new(0));
    let listener = Failing {
        errno,
        calls: Arc::clone(&calls),
    };
    runtime.block_on(async {
        let stop = tokio::time::sleep(window);
        run(listener, Router::new(), &ConnectionLimits::default(), stop).await;
    });
    calls.load(Ordering::Relaxed)
}

#[test]
fn out_of_file_descriptors_backs_off_instead_of_spinning() {
    // 10 ms doubling to 1 s: about 7 tries in the first second, then one a second.
    let calls = accepts_while_failing(paused(), Errno::EMFILE, Duration::from_secs(10));
    assert!((5..=20).contains(&calls), "{calls} accepts in 10 s");
    let calls = accepts_while_failing(paused(), Errno::ENFILE, Duration::from_secs(10));
    assert!((5..=20).contains(&calls), "{calls} accepts in 10 s");
}

#[test]
fn errors_about_one_connection_are_retried_at_once() {
    // On a running clock: a paused one would never move while the loop keeps retrying.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let calls = accepts_while_failing(runtime, Errno::ECONNABORTED, Duration::from_millis(50));
    assert!(calls > 100, "{calls} accepts in 50 ms");
}

/// Connections handed over one by one through a channel, as a listener would.
struct Handed(tokio::sync::mpsc::Receiver<DuplexStream>);

impl Accept for Handed {
    type Io = DuplexStream;
    async fn accept(&mut self) -> io::Result<Self::Io> {
        match self.0.recv().await {
            Some(io) => Ok(io),
            None => std::future::pending().await,
        }
    }
}

/// The accept loop serving `router`, fed in-memory connections; runs in the test's runtime.
struct TestServer {
    tx: tokio::sync::mpsc::Sender<DuplexStream>,
    stop: CancellationToken,
    done: tokio::task::JoinHandle<()>,
}

impl TestServer {
    fn start(limits: ConnectionLimits, router: Router) -> TestServer {
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        let stop = CancellationToken::new();
        let shutdown = stop.clone().cancelled_owned();
        let done = tokio::spawn(async move { run(Handed(rx), router, &limits, shutdown).await });
        TestServer { tx, stop, done }
    }

    async fn connect(&self) -> DuplexStream {
        let (client, server) = tokio::io::duplex(64 * 1024);
        self.tx.send(server).await.unwrap();
        client
    }

    /// Asks for shutdown and waits until the accept loop has drained; gives when it was asked.
    async fn shut_down(self) -> Instant {
        let asked = Instant::now();
        self.stop.cancel();
        self.done.await.unwrap();
        asked
    }
}

fn limits(header: u64, idle: u64, max_connections: usize) -> ConnectionLimits {
    ConnectionLimits {
        header_timeout: Duration::from_secs(header),
        idle_timeout: Duration::from_secs(idle),
        max_connections,
        ..ConnectionLimits::default()
    }
}

const SLOW: Duration = Duration::from_secs(10);

/// `/` answers "hello" at once, `/slow` "done" after [`SLOW`], `/stuck` never.
fn router() -> Router {
    use axum::routing::get;
    Router::new()
        .route("/", get(|| async { "hello" }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(SLOW).await;
                "done"
            }),
        )
        .route("/stuck", get(std::future::pending::<&'static str>))
}

async fn send(io: &mut DuplexStream, text: &str) {
    io.write_all(text.as_bytes()).await.unwrap();
}

/// Reads until EOF (or error): what arrived and when the connection was closed.
async fn read_to_close(mut io: DuplexStream) -> (String, Instant) {
    let mut seen = Vec::new();
    let _ = io.read_to_end(&mut seen).await;
    (String::from_utf8_lossy(&seen).into_owned(), Instant::now())
}

#[test]
fn partial_headers_are_cut_off_at_the_header_timeout() {
    paused().block_on(async {
        let server = TestServer::start(limits(3, 60, 16), router());
        let mut client = server.connect().await;
        send(&mut client, "GET / HTTP/1.1\r\nHost: x\r\n").await;
        let sent = Instant::now();
        let (seen, closed) = read_to_close(client).await;
        assert_eq!((seen.as_str(), closed - sent), ("", Duration::from_secs(3)));
        server.shut_down().await;
    });
}

#[test]
fn an_idle_connection_is_closed_at_the_idle_timeout_and_not_before() {
    paused().block_on(async {
        let server = TestServer::start(limits(3, 20, 16), router());
        // Never used.
        let fresh = server.connect().await;
        let opened = Instant::now();
        let fresh = tokio::spawn(read_to_close(fresh));
        // Used once, then kept alive: idle from its response on, longer than the header timeout.
        let mut used = server.connect().await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        send(&mut used, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
        let answered = Instant::now();
        let (seen, closed) = read_to_close(used).await;
        assert!(seen.starts_with("HTTP/1.1 200 OK"), "{seen}");
        assert!(seen.ends_with("hello"), "{seen}");
        assert_eq!(closed - answered, Duration::from_secs(20));
        let (seen, closed) = fresh.await.unwrap();
        assert_eq!(
            (seen.as_str(), closed - opened),
            ("", Duration::from_secs(20))
        );
        server.shut_down().await;
    });
}

#[test]
fn at_the_cap_idle_and_stuck_connections_make_room_and_busy_ones_do_not() {
    paused().block_on(async {
        let server = TestServer::start(limits(30, 60, 3), router());
        let idle = server.connect().await;
        let mut stuck = server.connect().await;
        send(&mut stuck, "GET / HTTP/1.1\r\n").await;
        let mut busy = server.connect().await;
        send(&mut busy, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n").await;
        let opened = Instant::now();
        let busy = tokio::spawn(read_to_close(busy));
        tokio::time::sleep(Duration::from_millis(100)).await;
        // Every slot is taken: the fourth waits until the others are old enough to be closed.
        let mut fourth = server.connect().await;
        for io in [idle, stuck] {
            let (seen, closed) = read_to_close(io).await;
            assert_eq!(seen, "");
            let after = closed - opened;
            assert!(
                after >= EVICT_MIN_AGE && after < Duration::from_secs(3),
                "{after:?}"
            );
        }
        send(
            &mut fourth,
            "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .await;
        let (seen, _) = read_to_close(fourth).await;
        assert!(seen.ends_with("hello"), "{seen}");
        let (seen, closed) = busy.await.unwrap();
        assert!(seen.ends_with("done"), "{seen}");
        // Answered after SLOW, then kept alive until the idle timeout.
        assert_eq!(closed - opened, SLOW + Duration::from_secs(60));
        server.shut_down().await;
    });
}

#[test]
fn below_the_cap_nothing_is_closed_to_make_room() {
    paused().block_on(async {
        let server = TestServer::start(limits(30, 60, 2), router());
        let first = server.connect().await;
        let opened = Instant::now();
        let mut second = server.connect().await;
        send(&mut second, "GET / HTTP/1.1\r\n").await;
        // Both slots are taken, but nobody waits for one: both stay until their timeouts.
        for io in [first, second] {
            let (_, closed) = read_to_close(io).await;
            assert_eq!(closed - opened, Duration::from_secs(60));
        }
        server.shut_down().await;
    });
}

#[test]
fn shutdown_closes_idle_connections_at_once_and_lets_a_request_finish() {
    paused().block_on(async {
        let limits = ConnectionLimits {
            drain_timeout: SLOW * 2,
            ..limits(10, 60, 16)
        };
        let server = TestServer::start(limits, router());
        let idle = server.connect().await;
        let mut busy = server.connect().await;
        send(&mut busy, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n").await;
        let idle = tokio::spawn(read_to_close(idle));
        let busy = tokio::spawn(read_to_close(busy));
        tokio::time::sleep(Duration::from_millis(500)).await;
        let asked = server.shut_down().await;
        let drained = Instant::now() - asked;
        assert_eq!(drained, SLOW - Duration::from_millis(500));
        let (seen, closed) = idle.await.unwrap();
        assert_eq!((seen.as_str(), closed), ("", asked));
        let (seen, closed) = busy.await.unwrap();
        assert!(seen.ends_with("done"), "{seen}");
        assert!(
            seen.to_ascii_lowercase().contains("connection: close"),
            "{seen}"
        );
        assert_eq!(closed - asked, drained);
    });
}

#[test]
fn shutdown_drops_what_outlasts_the_drain_timeout() {
    paused().block_on(async {
        let server = TestServer::start(limits(10, 60, 16), router());
        let mut stuck = server.connect().await;
        send(&mut stuck, "GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n").await;
        let stuck = tokio::spawn(read_to_close(stuck));
        tokio::time::sleep(Duration::from_millis(100)).await;
        let asked = server.shut_down().await;
        let drain = ConnectionLimits::default().drain_timeout;
        assert_eq!(Instant::now() - asked, drain);
        let (seen, closed) = stuck.await.unwrap();
        assert_eq!((seen.as_str(), closed - asked), ("", drain));
    });
}

#[test]
fn a_clients_count_goes_up_to_its_limit_and_down_as_connections_close() {
    let per_client = PerClient::new(2);
    let a: IpAddr = "10.0.0.1".parse().unwrap();
    let b: IpAddr = "10.0.0.2".parse().unwrap();
    let first = per_client.admit(a).expect("first");
    let second = per_client.admit(a).expect("second");
    assert!(
        per_client.admit(a).is_none(),
        "a third from the same address"
    );
    // Another address has its own count.
    let other = per_client.admit(b).expect("another client");
    drop(first);
    let third = per_client.admit(a).expect("room once one closed");
    drop((second, third, other));
    assert!(
        per_client.held.lock().unwrap().is_empty(),
        "addresses with no connection are forgotten"
    );
}
