//! The API's accept loop and its connections (HTTP/1 on hyper), so that no client can hoard them:
//! a cap on connections served at once (more wait in the listen backlog, and idle ones are closed
//! to make room), optionally a cap per client address (more are answered 503 and closed), header
//! and idle timeouts per connection, accept errors backed off rather than retried in a busy loop,
//! and a shutdown that lets requests in flight finish within a bound.
//!
//! What happens on one connection is in `connection`. The body timeout is a router layer
//! (`body_deadline`) so that its answer is an envelope like every other.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use nix::errno::Errno;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::Instant;

use crate::config::ConnectionLimits;
use connection::{Stop, Timeouts, millis, serve_connection};

mod connection;

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
pub async fn run<L: Accept>(
    listener: L,
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
    let per_client = limits.max_connections_per_client.map(PerClient::new);
    let mut at_cap = Burst::default();
    let mut over_client_cap = Burst::default();
    let mut failing = Burst::default();
    let mut backoff = ACCEPT_BACKOFF_FIRST;

    loop {
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
                call_for_room(&evict);
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
        let peer = L::peer(&stream);
        // Over its own cap, a client is told so at once, without taking or waiting for a slot.
        let held = match (&per_client, peer) {
            (Some(per_client), Some(peer)) => match per_client.admit(peer.ip()) {
                Some(held) => Some(held),
                None => {
                    if let Some(earlier) = over_client_cap.start() {
                        tracing::warn!(
                            client = %peer.ip(),
                            max_connections_per_client = per_client.limit,
                            earlier_bursts = earlier,
                            "a client holds as many connections as it may; more are answered \
                             503 (api.max_connections_per_client)"
                        );
                    }
                    tokio::spawn(refuse(stream, per_client.limit));
                    continue;
                }
            },
            _ => None,
        };
        over_client_cap.end();
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
                match wait_for_slot(&slots, &evict, shutdown.as_mut()).await {
                    Some(permit) => permit,
                    None => break,
                }
            }
        };
        let mut evict = evict_rx.clone();
        // Only a call for room made after it was accepted concerns this connection.
        evict.borrow_and_update();
        let serve = serve_connection(
            stream,
            peer,
            router.clone(),
            timeouts,
            stop.clone(),
            evict,
            permit,
        );
        tokio::spawn(async move {
            serve.await;
            // The client's count goes down once the connection is closed.
            drop(held);
        });
    }
    // New connections are refused from here on.
    drop(listener);
    drain(&slots, cap, &stop, limits.drain_timeout).await;
}

/// At the cap: the connection just accepted waits for a slot (the ones after it stay in the
/// listen backlog) while connections idle, or stuck in their headers, are asked to close.
/// `None` when shutdown comes first.
async fn wait_for_slot(
    slots: &Arc<Semaphore>,
    evict: &watch::Sender<Instant>,
    mut shutdown: Pin<&mut impl Future<Output = ()>>,
) -> Option<OwnedSemaphorePermit> {
    loop {
        call_for_room(evict);
        tokio::select! {
            biased;
            () = shutdown.as_mut() => return None,
            permit = Arc::clone(slots).acquire_owned() => return permit.ok(),
            () = tokio::time::sleep(EVICT_RETRY) => {}
        }
    }
}

/// Asks connections that have been idle, or in their headers, for [`EVICT_MIN_AGE`] to close.
fn call_for_room(evict: &watch::Sender<Instant>) {
    if let Some(idle_before) = Instant::now().checked_sub(EVICT_MIN_AGE) {
        evict.send_replace(idle_before);
    }
}

/// Closes idle connections, lets busy ones finish for at most `timeout`, then drops the rest.
async fn drain(slots: &Arc<Semaphore>, cap: usize, stop: &Stop, timeout: Duration) {
    stop.drain.cancel();
    let all = u32::try_from(cap).unwrap_or(u32::MAX);
    let open = cap - slots.available_permits();
    if open > 0 {
        tracing::info!(
            open_connections = open,
            "draining connections: finishing requests in flight"
        );
    }
    let drained = tokio::time::timeout(timeout, Arc::clone(slots).acquire_many_owned(all)).await;
    if drained.is_err() {
        tracing::warn!(
            open_connections = cap - slots.available_permits(),
            drain_timeout_s = timeout.as_secs_f64(),
            "requests still in flight after the drain timeout (api.drain_timeout); dropping their \
             connections"
        );
        stop.now.cancel();
        let _ = tokio::time::timeout(FORCE_GRACE, Arc::clone(slots).acquire_many_owned(all)).await;
    }
}

/// Connections held per client address, for `api.max_connections_per_client`.
struct PerClient {
    limit: usize,
    held: Arc<std::sync::Mutex<HashMap<IpAddr, usize>>>,
}

/// One connection's place in its client's count, given back on drop.
struct Held {
    held: Arc<std::sync::Mutex<HashMap<IpAddr, usize>>>,
    ip: IpAddr,
}

impl PerClient {
    fn new(limit: usize) -> PerClient {
        PerClient {
            limit,
            held: Arc::default(),
        }
    }

    /// A place for one more connection from `ip`, unless it holds its limit already.
    fn admit(&self, ip: IpAddr) -> Option<Held> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let count = held.entry(ip).or_insert(0);
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(Held {
            held: Arc::clone(&self.held),
            ip,
        })
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = held.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                held.remove(&self.ip);
            }
        }
    }
}

/// How long a refused connection gets to take its 503 before it is dropped.
const REFUSE_WRITE: Duration = Duration::from_secs(1);
/// What a refused connection may send while its 503 goes out, read and thrown away so that
/// closing it does not reset the connection before the client has read the answer.
const REFUSE_DRAIN_BYTES: usize = 64 * 1024;

/// Answers a connection over its client's cap with a 503 envelope and closes it, without
/// looking at its request.
async fn refuse<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, limit: usize) {
    let envelope = super::envelope::Envelope::error(
        super::ErrorCode::ServiceUnavailable,
        format!(
            "this client already holds {limit} connections, as many as it may \
             (api.max_connections_per_client); reuse them, or retry when one closes"
        ),
    );
    let body = serde_json::to_vec(&envelope).unwrap_or_default();
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let _ = tokio::time::timeout(REFUSE_WRITE, async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(&body).await?;
        stream.shutdown().await?;
        // Until the client closes its side (it has read the answer), bounded in bytes and time.
        let mut buf = [0u8; 4096];
        let mut drained = 0;
        while drained < REFUSE_DRAIN_BYTES {
            match tokio::io::AsyncReadExt::read(&mut stream, &mut buf).await? {
                0 => break,
                n => drained += n,
            }
        }
        io::Result::Ok(())
    })
    .await;
}

/// Where connections come from: a TCP listener, or a stand-in in tests.
pub trait Accept: Send {
    type Io: AsyncRead + AsyncWrite + Unpin + Send + 'static;
    fn accept(&mut self) -> impl Future<Output = io::Result<Self::Io>> + Send;

    /// Where a connection comes from, when known: access control treats an unknown peer as a
    /// remote one.
    fn peer(_io: &Self::Io) -> Option<SocketAddr> {
        None
    }
}

impl Accept for tokio::net::TcpListener {
    type Io = TcpStream;

    fn peer(io: &TcpStream) -> Option<SocketAddr> {
        io.peer_addr().ok()
    }

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
fn fit_to_fd_limit(wanted: usize) -> usize {
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

#[cfg(test)]
mod tests;
