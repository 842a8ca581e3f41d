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
    type Io = tokio::io::DuplexStream;
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
struct Handed(tokio::sync::mpsc::Receiver<tokio::io::DuplexStream>);

impl Accept for Handed {
    type Io = tokio::io::DuplexStream;
    async fn accept(&mut self) -> io::Result<Self::Io> {
        match self.0.recv().await {
            Some(io) => Ok(io),
            None => std::future::pending().await,
        }
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

fn hello() -> Router {
    Router::new().route("/", axum::routing::get(|| async { "hello" }))
}

const SLOW: Duration = Duration::from_secs(10);

/// `hello`, and `/slow`, which answers after [`SLOW`].
fn slow() -> Router {
    hello().route(
        "/slow",
        axum::routing::get(|| async {
            tokio::time::sleep(SLOW).await;
            "done"
        }),
    )
}

/// Reads until EOF (or error): what arrived and when the connection was closed.
async fn read_to_close(io: &mut tokio::io::DuplexStream) -> (String, Instant) {
    use tokio::io::AsyncReadExt;
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match io.read(&mut buf).await {
            Ok(0) | Err(_) => return (String::from_utf8_lossy(&seen).into_owned(), Instant::now()),
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

/// Runs `scenario` against the accept loop in paused time; it gets a way to open connections.
fn with_server<F, Fut>(limits: ConnectionLimits, router: Router, scenario: F)
where
    F: FnOnce(tokio::sync::mpsc::Sender<tokio::io::DuplexStream>) -> Fut,
    Fut: Future<Output = ()>,
{
    paused().block_on(async {
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        let stop = CancellationToken::new();
        let server = tokio::spawn({
            let stop = stop.clone();
            async move {
                run(Handed(rx), router, &limits, stop.cancelled_owned()).await;
            }
        });
        scenario(tx).await;
        stop.cancel();
        server.await.unwrap();
    });
}

async fn connect(
    tx: &tokio::sync::mpsc::Sender<tokio::io::DuplexStream>,
) -> tokio::io::DuplexStream {
    let (client, server) = tokio::io::duplex(64 * 1024);
    tx.send(server).await.unwrap();
    client
}

#[test]
fn partial_headers_are_cut_off_at_the_header_timeout() {
    with_server(limits(3, 60, 16), hello(), |tx| async move {
        use tokio::io::AsyncWriteExt;
        let mut client = connect(&tx).await;
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        let sent = Instant::now();
        let (seen, closed) = read_to_close(&mut client).await;
        assert_eq!(seen, "");
        assert_eq!(closed - sent, Duration::from_secs(3));
    });
}

#[test]
fn an_idle_connection_is_closed_at_the_idle_timeout_and_not_before() {
    with_server(limits(3, 20, 16), hello(), |tx| async move {
        use tokio::io::AsyncWriteExt;
        // Never used.
        let mut fresh = connect(&tx).await;
        let opened = Instant::now();
        let fresh = tokio::spawn(async move { read_to_close(&mut fresh).await });
        // Used once, then kept alive: idle from its response on, longer than the header timeout.
        let mut used = connect(&tx).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        used.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let answered = Instant::now();
        let (seen, closed) = read_to_close(&mut used).await;
        assert!(seen.starts_with("HTTP/1.1 200 OK"), "{seen}");
        assert!(seen.ends_with("hello"), "{seen}");
        assert_eq!(closed - answered, Duration::from_secs(20));
        let (seen, closed) = fresh.await.unwrap();
        assert_eq!(seen, "");
        assert_eq!(closed - opened, Duration::from_secs(20));
    });
}

#[test]
fn at_the_cap_idle_and_stuck_connections_make_room_and_busy_ones_do_not() {
    with_server(limits(30, 60, 3), slow(), |tx| async move {
        use tokio::io::AsyncWriteExt;
        let mut idle = connect(&tx).await;
        let mut stuck = connect(&tx).await;
        stuck.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        let mut busy = connect(&tx).await;
        busy.write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let opened = Instant::now();
        let busy = tokio::spawn(async move { read_to_close(&mut busy).await });
        tokio::time::sleep(Duration::from_millis(100)).await;
        // Every slot is taken: the fourth waits until the others are old enough to be closed.
        let mut fourth = connect(&tx).await;
        for io in [&mut idle, &mut stuck] {
            let (seen, closed) = read_to_close(io).await;
            assert_eq!(seen, "");
            let after = closed - opened;
            assert!(
                after >= EVICT_MIN_AGE && after < Duration::from_secs(3),
                "{after:?}"
            );
        }
        fourth
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let (seen, _) = read_to_close(&mut fourth).await;
        assert!(seen.ends_with("hello"), "{seen}");
        let (seen, closed) = busy.await.unwrap();
        assert!(seen.ends_with("done"), "{seen}");
        assert_eq!(closed - opened, Duration::from_secs(60) + SLOW);
    });
}

#[test]
fn below_the_cap_nothing_is_closed_to_make_room() {
    with_server(limits(30, 60, 2), hello(), |tx| async move {
        use tokio::io::AsyncWriteExt;
        let mut first = connect(&tx).await;
        let opened = Instant::now();
        let mut second = connect(&tx).await;
        second.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        // Both slots are taken, but nobody waits for one: both stay until their timeouts.
        let (_, closed) = read_to_close(&mut first).await;
        assert_eq!(closed - opened, Duration::from_secs(60));
        let (_, closed) = read_to_close(&mut second).await;
        assert_eq!(closed - opened, Duration::from_secs(60));
    });
}

#[test]
fn shutdown_closes_idle_connections_at_once_and_lets_a_request_finish() {
    paused().block_on(async {
        use tokio::io::AsyncWriteExt;
        let router = Router::new().route(
            "/slow",
            axum::routing::get(|| async {
                tokio::time::sleep(Duration::from_secs(2)).await;
                "done"
            }),
        );
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        let stop = CancellationToken::new();
        let limits = limits(10, 60, 16);
        let server = tokio::spawn({
            let stop = stop.clone();
            async move { run(Handed(rx), router, &limits, stop.cancelled_owned()).await }
        });
        let mut idle = connect(&tx).await;
        let mut busy = connect(&tx).await;
        busy.write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let asked = Instant::now();
        stop.cancel();
        let (seen, closed) = read_to_close(&mut idle).await;
        assert_eq!((seen.as_str(), closed), ("", asked));
        let (seen, closed) = read_to_close(&mut busy).await;
        assert!(seen.ends_with("done"), "{seen}");
        assert!(
            seen.to_ascii_lowercase().contains("connection: close"),
            "{seen}"
        );
        assert_eq!(closed - asked, Duration::from_millis(1500));
        server.await.unwrap();
        assert_eq!(Instant::now() - asked, Duration::from_millis(1500));
    });
}

#[test]
fn shutdown_drops_what_outlasts_the_drain_timeout() {
    paused().block_on(async {
        use tokio::io::AsyncWriteExt;
        let router = Router::new().route(
            "/stuck",
            axum::routing::get(std::future::pending::<&'static str>),
        );
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        let stop = CancellationToken::new();
        let limits = ConnectionLimits {
            drain_timeout: Duration::from_secs(5),
            ..limits(10, 60, 16)
        };
        let server = tokio::spawn({
            let stop = stop.clone();
            async move { run(Handed(rx), router, &limits, stop.cancelled_owned()).await }
        });
        let mut stuck = connect(&tx).await;
        stuck
            .write_all(b"GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let asked = Instant::now();
        stop.cancel();
        let (seen, closed) = read_to_close(&mut stuck).await;
        assert_eq!(
            (seen.as_str(), closed - asked),
            ("", Duration::from_secs(5))
        );
        server.await.unwrap();
        assert_eq!(Instant::now() - asked, Duration::from_secs(5));
    });
}
