//! Notices a server that keeps the TCP connection open but stops answering (frozen, overloaded,
//! cut off behind a middlebox): the client library only finds out minutes later, and meanwhile
//! every request would wait out its whole timeout.
//!
//! Once a second it sends a request nobody serves, on a private subject: the server answers it at
//! once with "no responders", which proves a full round trip and measures it. Anything else from
//! the server in the meantime — a message, an `-ERR` (say, a permissions violation for the ping
//! itself) — is proof of life too. Two misses in a row make the connection `stalled`.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::connection::ConnectionTracker;

const EVERY: Duration = Duration::from_secs(1);
/// A round trip slower than this counts as a miss.
const DEADLINE: Duration = Duration::from_secs(1);
/// Misses in a row that make a stall: a server frozen just after answering is `stalled` within
/// about three seconds.
const MISSES: u32 = 2;

pub(super) fn spawn(
    client: async_nats::Client,
    tracker: Arc<ConnectionTracker>,
    cancel: CancellationToken,
) {
    tokio::spawn(async move {
        let subject = format!("{}.ping", client.new_inbox());
        let mut ticker = tokio::time::interval(EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut connects = tracker.connects();
        let mut misses = 0;
        loop {
            // A fresh connection is measured at once rather than a tick later.
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = ticker.tick() => {}
                changed = connects.changed() => if changed.is_err() { return },
            }
            if client.connection_state() != async_nats::connection::State::Connected {
                misses = 0;
                continue;
            }
            let evidence = |client: &async_nats::Client| {
                let stats = client.statistics();
                (
                    stats.in_messages.load(std::sync::atomic::Ordering::Relaxed),
                    tracker.server_errors(),
                )
            };
            let before = evidence(&client);
            let started = Instant::now();
            let ping = client.request(subject.clone(), Bytes::new());
            let answered = match tokio::select! {
                _ = cancel.cancelled() => return,
                answer = tokio::time::timeout(DEADLINE, ping) => answer,
            } {
                Ok(Ok(_)) => true,
                Ok(Err(err)) => err.kind() == async_nats::RequestErrorKind::NoResponders,
                Err(_) => false,
            };
            if answered {
                misses = 0;
                tracker.on_alive(Some(started.elapsed()));
            } else if evidence(&client) != before {
                misses = 0;
                tracker.on_alive(None);
            } else if client.connection_state() == async_nats::connection::State::Connected {
                misses += 1;
                if misses >= MISSES {
                    tracker.on_stall();
                }
            }
        }
    });
}
