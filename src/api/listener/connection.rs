//! One connection: hyper's HTTP/1 over the socket, and a task that closes it when it has been
//! idle, or in a request's headers, for too long; when the accept loop needs room; or at shutdown.
//!
//! Each connection records what it is doing — idle, receiving a request's headers, or busy with a
//! request — and since when.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::extract::Request;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{Notify, OwnedSemaphorePermit, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use crate::config::ConnectionLimits;

/// The per-connection timeouts, copied into each connection's task.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
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
pub struct Stop {
    pub drain: CancellationToken,
    pub now: CancellationToken,
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

pub fn millis(duration: Duration) -> u64 {
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
    /// The client's address, handed to every request (access control reads it).
    peer: Option<SocketAddr>,
}

impl hyper::service::Service<Request<Incoming>> for ConnService {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn call(&self, mut request: Request<Incoming>) -> Self::Future {
        self.activity.set(Phase::Busy);
        if let Some(peer) = self.peer {
            request.extensions_mut().insert(ConnectInfo(peer));
        }
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
pub async fn serve_connection<T>(
    io: T,
    peer: Option<SocketAddr>,
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
        peer,
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    // Header and idle time are watched here; hyper's own header timer would also run while the
    // connection is idle, so one could not be longer than the other.
    builder.timer(TokioTimer::new()).header_read_timeout(None);
    let mut conn = pin!(builder.serve_connection(io, service));
    // This connection's own tokens under the shared ones, waited on by futures made once: the
    // loop below polls every branch each time the connection makes progress, and polling the
    // shared tokens would take their one lock from every connection, several times a request.
    let stop_now = stop.now.child_token();
    let stop_drain = stop.drain.child_token();
    let mut stopped_now = pin!(stop_now.cancelled());
    let mut draining = pin!(stop_drain.cancelled());
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
            () = stopped_now.as_mut() => return,
            () = draining.as_mut(), if !closing => {
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
