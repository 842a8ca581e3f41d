//! The API's accept loop and its connections (HTTP/1 on hyper), so that no client can hoard them:
//! a cap on connections served at once (more wait in the listen backlog, and idle ones are closed
//! to make room), header and idle timeouts per connection, accept errors backed off rather than
//! retried in a busy loop, and a shutdown that lets requests in flight finish within a bound.
//!
//! Each connection records what it is doing — idle, receiving a request's headers, or busy with a
//! request — and since when; its own task closes it when the phase has lasted too long. The body
//! timeout is a router layer (`body_deadline`) so its answer is an envelope like every other.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use nix::errno::Errno;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use crate::config::ConnectionLimits;

/// A connection must have been idle (or stuck in its headers) this long before it is closed to
/// make room for a new one: a client that has just connected gets time to send its request,
/// which normally follows the handshake at once.
const EVICT_MIN_AGE: Duration = Duration::from_millis(250);
/// While a connection waits at the cap, how often idle connections are looked for again.
const EVICT_RETRY: Duration = Duration::from_millis(100);
/// Back-off after an accept error that is not about one connection (out of file descriptors,
/// out of memory): it would come back at once, and retrying at once spins a core.
const ACCEPT_BACKOFF_FIRST: Duration = Duration::from_millis(10);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);
/// A repeated warning (cap reached, accept failing) is logged at most once in this period.
const QUIET_PERIOD: Duration = Duration::from_secs(30);
/// File descriptors kept for everything that is not an API connection: the NATS connections,
/// monitoring requests, supervised servers' pipes, log files.
const FD_RESERVE: u64 = 128;
/// After the drain timeout, how long dropped connections get to hand back their slots.
const FORCE_GRACE: Duration = Duration::from_secs(1);

/// Serves `router` on `listener` until `shutdown` completes; then stops accepting at once, lets
/// requests in flight finish for at most `limits.drain_timeout`, and drops what is left.
pub async fn run(
    listener: impl Accept,
    router: Router,
    limits: &ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let cap = fit_to_fd_limit(limits.max_connections);
    let slots = Arc::new(Semaphore::new(cap));
    let (evict, evict_rx) = watch::channel(Instant::now());
    let timeouts = Timeouts::from(limits);
    let stop = Stop::default();
    let mut shutdown = pin!(shutdown);
    let mut listener = listener;
    let mut at_cap = Burst::default();
    let mut failing = Burst::default();
    let mut backoff = ACCEPT_BACKOFF_FIRST;

    'accept: loop {
        let accepted = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok(stream) => stream,
            Err(err) if concerns_one_connection(&err) => continue,
            Err(err) => {
                if let Some(earlier) = failing.start() {
                    tracing::warn!(
                        error = %err,
                        hint = accept_hint(&err),
                        open_connections = cap - slots.available_permits(),
                        earlier_bursts = earlier,
                        "cannot accept connections; retrying with a back-off"
                    );
                }
                // Closing idle connections may give back the descriptors that ran out.
                let _ = evict.send(Instant::now() - EVICT_MIN_AGE);
                tokio::select! {
                    biased;
                    () = &mut shutdown => break,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                continue;
            }
        };
        if let Some((failures, lasted)) = failing.end() {
            tracing::info!(
                failures,
                lasted_ms = millis(lasted),
                "accepting connections again"
            );
        }
        backoff = ACCEPT_BACKOFF_FIRST;
        // At the cap, this connection waits for a slot (the ones after it stay in the listen
        // backlog) while connections that are idle, or stuck in their headers, are closed.
        let permit = match Arc::clone(&slots).try_acquire_owned() {
            Ok(permit) => {
                at_cap.end();
                permit
            }
            Err(_) => {
                if let Some(earlier) = at_cap.start() {
                    tracing::warn!(
                        max_connections = cap,
                        earlier_bursts = earlier,
                        "connection limit reached: new connections wait while idle ones are \
                         closed to make room (api.max_connections)"
                    );
                }
                loop {
                    let _ = evict.send(Instant::now() - EVICT_MIN_AGE);
                    tokio::select! {
                        biased;
                        () = &mut shutdown => break 'accept,
                        permit = Arc::clone(&slots).acquire_owned() => match permit {
                            Ok(permit) => break permit,
                            Err(_) => break 'accept,
                        },
                        () = tokio::time::sleep(EVICT_RETRY) => {}
                    }
                }
            }
        };
        let mut evict = evict_rx.clone();
        // Only a call for room made after it was accepted concerns this connection.
        evict.borrow_and_update();
        tokio::spawn(serve_connection(
            stream,
            router.clone(),
            timeouts,
            stop.clone(),
            evict,
            permit,
        ));
    }

    // New connections are refused from here on.
    drop(listener);
    stop.drain.cancel();
    let all = u32::try_from(cap).unwrap_or(u32::MAX);
    let open = cap - slots.available_permits();
    if open > 0 {
        tracing::info!(
            open_connections = open,
            "draining connections: finishing requests in flight"
        );
    }
    let drained = tokio::time::timeout(
        limits.drain_timeout,
        Arc::clone(&slots).acquire_many_owned(all),
    )
    .await;
    if drained.is_err() {
        tracing::warn!(
            open_connections = cap - slots.available_permits(),
            drain_timeout_s = limits.drain_timeout.as_secs_f64(),
            "requests still in flight after the drain timeout (api.drain_timeout); dropping their \
             connections"
        );
        stop.now.cancel();
        let _ = tokio::time::timeout(FORCE_GRACE, slots.acquire_many_owned(all)).await;
    }
}

/// Where connections come from: a TCP listener, or a stand-in in tests.
pub trait Accept: Send {
    type Io: AsyncRead + AsyncWrite + Unpin + Send + 'static;
    fn accept(&mut self) -> impl Future<Output = io::Result<Self::Io>> + Send;
}

impl Accept for tokio::net::TcpListener {
    type Io = TcpStream;
    async fn accept(&mut self) -> io::Result<TcpStream> {
        tokio::net::TcpListener::accept(self)
            .await
            .map(|(stream, _)| stream)
    }
}

/// Errors accept(2) reports about the connection it was handing over (which is gone), rather
/// than about the listener or the process: the next accept may well succeed.
fn concerns_one_connection(err: &io::Error) -> bool {
    use io::ErrorKind::*;
    if matches!(
        err.kind(),
        ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted | WouldBlock
    ) {
        return true;
    }
    let errno = err.raw_os_error().map(Errno::from_raw);
    matches!(
        errno,
        Some(
            Errno::EPROTO
                | Errno::EPERM
                | Errno::ENETDOWN
                | Errno::ENOPROTOOPT
                | Errno::EHOSTDOWN
                | Errno::ENONET
                | Errno::EHOSTUNREACH
                | Errno::EOPNOTSUPP
                | Errno::ENETUNREACH
        )
    )
}

fn accept_hint(err: &io::Error) -> &'static str {
    match err.raw_os_error().map(Errno::from_raw) {
        Some(Errno::EMFILE) => {
            "this process is out of file descriptors: raise its limit (ulimit -n, LimitNOFILE=) \
             or lower api.max_connections"
        }
        Some(Errno::ENFILE) => "the system is out of file descriptors (fs.file-max)",
        Some(Errno::ENOBUFS | Errno::ENOMEM) => "the system is short of memory for sockets",
        _ => "the listening socket failed",
    }
}

/// The most connections the open-file limit leaves room for. When `wanted` needs more than the
/// soft limit allows, the soft limit is raised towards the hard one first.
pub fn fit_to_fd_limit(wanted: usize) -> usize {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let Ok((mut soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return wanted;
    };
    let need = (wanted as u64).saturating_add(FD_RESERVE);
    if soft < need && hard > soft {
        let raised = need.min(hard);
        if setrlimit(Resource::RLIMIT_NOFILE, raised, hard).is_ok() {
            soft = raised;
        }
    }
    let room = soft.saturating_sub(FD_RESERVE).max(soft / 2);
    let cap = usize::try_from(room)
        .unwrap_or(usize::MAX)
        .min(wanted)
        .max(1);
    if cap < wanted {
        tracing::warn!(
            max_connections = wanted,
            serving = cap,
            open_file_limit = soft,
            "the open-file limit leaves room for fewer connections than api.max_connections; \
             raise the limit (ulimit -n, LimitNOFILE=) to serve more"
        );
    }
    cap
}

/// The per-connection timeouts, copied into each connection's task.
#[derive(Debug, Clone, Copy)]
struct Timeouts {
    header: Duration,
    idle: Duration,
}

impl From<&ConnectionLimits> for Timeouts {
    fn from(limits: &ConnectionLimits) -> Self {
        Timeouts {
            header: limits.header_timeout,
            idle: limits.idle_timeout,
        }
    }
}

/// Shutdown as the connections see it: `drain` finishes what is in flight, `now` drops them.
#[derive(Debug, Clone, Default)]
struct Stop {
    drain: CancellationToken,
    now: CancellationToken,
}

/// A condition that recurs in bursts (at the cap, accept failing), logged at its start but not
/// more than once in [`QUIET_PERIOD`].
#[derive(Debug, Default)]
struct Burst {
    /// Since when, and how many times it happened, while it lasts.
    current: Option<(Instant, u64)>,
    reported: Option<Instant>,
    unreported: u64,
}

impl Burst {
    /// Counts one occurrence. At the start of a burst that may be reported, gives how many
    /// earlier bursts went unreported.
    fn start(&mut self) -> Option<u64> {
        if let Some((_, count)) = &mut self.current {
            *count += 1;
            return None;
        }
        let now = Instant::now();
        self.current = Some((now, 1));
        if self
            .reported
            .is_some_and(|at| now.duration_since(at) < QUIET_PERIOD)
        {
            self.unreported += 1;
            return None;
        }
        self.reported = Some(now);
        Some(std::mem::take(&mut self.unreported))
    }

    /// Ends a burst; gives its count and length if its start was reported.
    fn end(&mut self) -> Option<(u64, Duration)> {
        let (since, count) = self.current.take()?;
        (self.reported == Some(since)).then(|| (count, since.elapsed()))
    }
}

/// What a connection is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No request on it: just accepted, or its last response has been handed over.
    Idle = 0,
    /// Part of a request has arrived, its headers are not complete yet.
    Head = 1,
    /// A request is being handled (its body read, the handler run).
    Busy = 2,
}

/// A connection's phase and since when, kept in one word (milliseconds after `origin`, and the
/// phase) so a reader never pairs a new phase with an old time.
///
/// The connection's task sleeps until the deadline of the phase it last saw and looks again
/// when it wakes, so a request's phase changes cost no wake-up — except when a request starts
/// to arrive on a connection whose task sleeps past that request's header deadline (`wake_at`).
struct Activity {
    word: AtomicU64,
    origin: Instant,
    header_millis: u64,
    /// When the task will next look, in milliseconds after `origin`.
    wake_at: AtomicU64,
    changed: Notify,
}

impl Activity {
    fn new(header_timeout: Duration) -> Activity {
        Activity {
            word: AtomicU64::new(Self::pack(Phase::Idle, 0)),
            origin: Instant::now(),
            header_millis: millis(header_timeout),
            wake_at: AtomicU64::new(0),
            changed: Notify::new(),
        }
    }

    fn pack(phase: Phase, millis: u64) -> u64 {
        (millis << 2) | phase as u64
    }

    fn decode(&self, word: u64) -> (Phase, Instant) {
        let phase = match word & 3 {
            0 => Phase::Idle,
            1 => Phase::Head,
            _ => Phase::Busy,
        };
        (phase, self.origin + Duration::from_millis(word >> 2))
    }

    fn now_millis(&self) -> u64 {
        millis(self.origin.elapsed())
    }

    fn load(&self) -> u64 {
        self.word.load(Ordering::SeqCst)
    }

    /// The current phase and when it began.
    fn phase(&self) -> (Phase, Instant) {
        self.decode(self.load())
    }

    fn set(&self, phase: Phase) {
        self.word
            .store(Self::pack(phase, self.now_millis()), Ordering::SeqCst);
    }

    /// Bytes came in: on an idle connection, that starts a request's headers.
    fn received(&self) {
        let word = self.load();
        if word & 3 != Phase::Idle as u64 {
            return;
        }
        let now = self.now_millis();
        let head = Self::pack(Phase::Head, now);
        if self
            .word
            .compare_exchange(word, head, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
            && now.saturating_add(self.header_millis) < self.wake_at.load(Ordering::SeqCst)
        {
            self.changed.notify_one();
        }
    }

    /// When the connection should next be looked at, or `None` when its phase has outlasted its
    /// timeout. A busy connection has no deadline here; it is looked at again after `recheck`.
    fn next_look(&self, timeouts: Timeouts) -> Option<Instant> {
        loop {
            let word = self.load();
            let (phase, since) = self.decode(word);
            let now = Instant::now();
            let at = match phase {
                Phase::Idle => since + timeouts.idle,
                Phase::Head => since + timeouts.header,
                Phase::Busy => now + timeouts.header.min(timeouts.idle),
            };
            if at <= now {
                return None;
            }
            self.wake_at
                .store(millis(at.duration_since(self.origin)), Ordering::SeqCst);
            // A request that started meanwhile may not have seen the new `wake_at`.
            if self.load() == word {
                return Some(at);
            }
        }
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX >> 2)
}

/// The socket, noting when a request starts to arrive.
struct Watched<T> {
    io: T,
    activity: Arc<Activity>,
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.io).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.received();
        }
        poll
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// The router as hyper calls it, marking the connection busy from a request's headers until
/// its response is handed over.
#[derive(Clone)]
struct ConnService {
    router: Router,
    activity: Arc<Activity>,
}

impl hyper::service::Service<Request<Incoming>> for ConnService {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        self.activity.set(Phase::Busy);
        let activity = Arc::clone(&self.activity);
        let router = self.router.clone();
        Box::pin(async move {
            let response = router.oneshot(request.map(Body::new)).await;
            activity.set(Phase::Idle);
            response
        })
    }
}

/// Whether a connection may go: an idle one, or one stuck in its headers, that has been so for
/// long enough. A busy one never is.
fn evictable(activity: &Activity, idle_before: Instant) -> Option<Phase> {
    let (phase, since) = activity.phase();
    (phase != Phase::Busy && since <= idle_before).then_some(phase)
}

/// Serves one connection until the client closes it, a timeout closes it, or shutdown does.
async fn serve_connection<T>(
    io: T,
    router: Router,
    timeouts: Timeouts,
    stop: Stop,
    mut evict: watch::Receiver<Instant>,
    _slot: OwnedSemaphorePermit,
) where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let activity = Arc::new(Activity::new(timeouts.header));
    let io = TokioIo::new(Watched {
        io,
        activity: Arc::clone(&activity),
    });
    let service = ConnService {
        router,
        activity: Arc::clone(&activity),
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    // Header and idle time are watched here; hyper's own header timer would also run while the
    // connection is idle, so one could not be longer than the other.
    builder.timer(TokioTimer::new()).header_read_timeout(None);
    let mut conn = pin!(builder.serve_connection(io, service));
    let Some(first) = activity.next_look(timeouts) else {
        return;
    };
    let mut look = pin!(tokio::time::sleep_until(first));
    let mut closing = false;
    let mut evict_open = true;
    loop {
        tokio::select! {
            biased;
            result = conn.as_mut() => {
                if let Err(err) = result {
                    tracing::trace!(error = %err, "connection ended with an error");
                }
                return;
            }
            () = stop.now.cancelled() => return,
            () = stop.drain.cancelled(), if !closing => {
                match activity.phase().0 {
                    // A request that has not arrived whole has nothing to finish.
                    Phase::Head => return,
                    // Closes an idle connection at once, a busy one after its response.
                    Phase::Idle | Phase::Busy => {
                        closing = true;
                        conn.as_mut().graceful_shutdown();
                    }
                }
            }
            changed = evict.changed(), if evict_open && !closing => {
                if changed.is_err() {
                    evict_open = false;
                    continue;
                }
                let idle_before = *evict.borrow_and_update();
                match evictable(&activity, idle_before) {
                    Some(Phase::Head) => return,
                    Some(_) => {
                        closing = true;
                        conn.as_mut().graceful_shutdown();
                    }
                    None => {}
                }
            }
            () = look.as_mut() => match activity.next_look(timeouts) {
                Some(at) => look.as_mut().reset(at),
                None => {
                    tracing::debug!(phase = ?activity.phase().0, "connection timed out");
                    return;
                }
            },
            () = activity.changed.notified() => match activity.next_look(timeouts) {
                Some(at) => look.as_mut().reset(at),
                None => return,
            },
        }
    }
}

#[cfg(test)]
mod tests;
