//! Connection state as the client's events and the stall watchdog report it: what state, since
//! when, how often it has dropped, reconnected, stalled or failed — each change logged once.

use std::sync::Mutex;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::watch;

use crate::model::status::{ClientStatus, LinkState};
use crate::timestamp::format_timestamp;

#[derive(Debug)]
struct Inner {
    state: LinkState,
    since: OffsetDateTime,
    connects: u64,
    disconnects: u64,
    failed_attempts: u64,
    client_errors: u64,
    server_errors: u64,
    slow_consumers: u64,
    stalls: u64,
    last_error: Option<String>,
    /// The last round trip the watchdog measured; cleared when the connection is lost.
    rtt: Option<Duration>,
}

/// Shared between the client's event callback (writer) and whoever reports state (readers). A std
/// mutex is right here: every critical section is a few field updates, never held across `.await`.
#[derive(Debug)]
pub struct ConnectionTracker {
    url: String,
    inner: Mutex<Inner>,
    connected_tx: watch::Sender<u64>,
    /// Bumped when the connection is lost or stalls: an answer in flight will not come.
    trouble_tx: watch::Sender<u64>,
}

impl ConnectionTracker {
    pub fn new(url: impl Into<String>) -> Self {
        let (connected_tx, _) = watch::channel(0);
        let (trouble_tx, _) = watch::channel(0);
        ConnectionTracker {
            url: url.into(),
            inner: Mutex::new(Inner {
                state: LinkState::Connecting,
                since: OffsetDateTime::now_utc(),
                connects: 0,
                disconnects: 0,
                failed_attempts: 0,
                client_errors: 0,
                server_errors: 0,
                slow_consumers: 0,
                stalls: 0,
                last_error: None,
                rtt: None,
            }),
            connected_tx,
            trouble_tx,
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        // A poisoned lock only means a panic elsewhere mid-update of plain counters; the data is
        // still usable.
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }

    /// Moves to `state`, logging the change once with how long the previous state lasted.
    fn set_state(&self, inner: &mut Inner, state: LinkState) {
        if inner.state == state {
            return;
        }
        let now = OffsetDateTime::now_utc();
        let lasted = format!("{:.1}s", (now - inner.since).as_seconds_f64().max(0.0));
        let url = &self.url;
        match (inner.state, state) {
            (LinkState::Connecting, LinkState::Connected) => {
                tracing::info!(url, after = lasted, "NATS connected");
            }
            (LinkState::Reconnecting, LinkState::Connected) => {
                tracing::info!(url, down_for = lasted, "NATS reconnected");
            }
            (LinkState::Stalled, LinkState::Connected) => {
                tracing::info!(url, stalled_for = lasted, "NATS server answering again");
            }
            (_, LinkState::Stalled) => tracing::warn!(
                url,
                answered_for = lasted,
                "NATS server not answering (stalled); requests fail fast until it answers again"
            ),
            (_, LinkState::Reconnecting) => {
                tracing::warn!(url, lasted, from = %inner.state, "NATS connection lost; reconnecting");
            }
            (_, LinkState::Disconnected) => tracing::warn!(url, "NATS connection closed"),
            (from, to) => tracing::info!(url, %from, %to, "NATS connection state changed"),
        }
        inner.state = state;
        inner.since = now;
    }

    pub fn on_event(&self, event: &async_nats::Event) {
        use async_nats::Event;
        let connects = self.with(|inner| {
            match event {
                Event::Connected => {
                    inner.connects += 1;
                    self.set_state(inner, LinkState::Connected);
                }
                Event::Disconnected => {
                    inner.disconnects += 1;
                    inner.rtt = None;
                    self.set_state(inner, LinkState::Reconnecting);
                }
                Event::Closed => self.set_state(inner, LinkState::Disconnected),
                Event::SlowConsumer(_) => inner.slow_consumers += 1,
                Event::ClientError(err) => {
                    inner.client_errors += 1;
                    inner.last_error = Some(err.to_string());
                }
                Event::ServerError(err) => {
                    inner.server_errors += 1;
                    inner.last_error = Some(err.to_string());
                }
                Event::LameDuckMode | Event::Draining => {}
            }
            inner.connects
        });
        match event {
            async_nats::Event::Connected => {
                self.connected_tx.send_replace(connects);
            }
            async_nats::Event::Disconnected => {
                self.trouble_tx.send_modify(|n| *n += 1);
            }
            _ => {}
        }
    }

    /// The watchdog's proof of life: a round trip answered in `rtt`. Ends a stall.
    pub fn on_alive(&self, rtt: Option<Duration>) {
        self.with(|inner| {
            if rtt.is_some() {
                inner.rtt = rtt;
            }
            if inner.state == LinkState::Stalled {
                self.set_state(inner, LinkState::Connected);
            }
        });
    }

    /// The watchdog's verdict: connected, yet the server has stopped answering.
    pub fn on_stall(&self) {
        let stalled = self.with(|inner| {
            if inner.state != LinkState::Connected {
                return false;
            }
            inner.stalls += 1;
            inner.rtt = None;
            self.set_state(inner, LinkState::Stalled);
            true
        });
        if stalled {
            self.trouble_tx.send_modify(|n| *n += 1);
        }
    }

    /// Errors the server has sent (`-ERR`): an answer, so also a sign of life.
    pub fn server_errors(&self) -> u64 {
        self.with(|inner| inner.server_errors)
    }

    pub fn rtt(&self) -> Option<Duration> {
        self.with(|inner| inner.rtt)
    }

    /// Called by the client before each connection attempt; every attempt after the first of a
    /// round means the one before it failed.
    pub fn on_attempt(&self, attempt: usize) {
        if attempt > 1 {
            self.with(|inner| inner.failed_attempts += 1);
        }
    }

    pub fn state(&self) -> LinkState {
        self.with(|inner| inner.state)
    }

    /// Changes each time the client (re)connects; the value is the number of connects so far.
    pub fn connects(&self) -> watch::Receiver<u64> {
        self.connected_tx.subscribe()
    }

    /// Changes each time the connection is lost or stalls.
    pub fn trouble(&self) -> watch::Receiver<u64> {
        self.trouble_tx.subscribe()
    }

    /// The connection as events report it; what the server said of itself and the round-trip
    /// time are the caller's to add.
    pub fn snapshot(&self) -> ClientStatus {
        self.with(|inner| {
            let now = OffsetDateTime::now_utc();
            ClientStatus {
                url: self.url.clone(),
                state: inner.state,
                since: format_timestamp(inner.since),
                seconds_in_state: (now - inner.since).as_seconds_f64().max(0.0),
                connects: inner.connects,
                reconnects: inner.connects.saturating_sub(1),
                disconnects: inner.disconnects,
                failed_attempts: inner.failed_attempts,
                connection_errors: inner.disconnects + inner.failed_attempts + inner.client_errors,
                slow_consumers: inner.slow_consumers,
                stalls: inner.stalls,
                last_error: inner.last_error.clone(),
                rtt_ms: inner
                    .rtt
                    .map(|d| (d.as_secs_f64() * 1_000_000.0).round() / 1000.0),
                server_id: None,
                server_name: None,
                server_version: None,
                max_payload: None,
            }
        })
    }
}

/// Delay before reconnect attempt `attempt` (1-based within a round): immediately, then doubling
/// from 50 ms up to 2 s, so a restarted local server is picked up quickly without a busy loop.
pub fn reconnect_delay(attempt: usize) -> Duration {
    if attempt <= 1 {
        return Duration::ZERO;
    }
    let exponent = u32::try_from(attempt - 2).unwrap_or(u32::MAX).min(6);
    Duration::from_millis(50u64 << exponent).min(Duration::from_secs(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_capped() {
        assert_eq!(reconnect_delay(1), Duration::ZERO);
        assert_eq!(reconnect_delay(2), Duration::from_millis(50));
        assert_eq!(reconnect_delay(3), Duration::from_millis(100));
        assert_eq!(reconnect_delay(50), Duration::from_secs(2));
    }

    #[test]
    fn events_drive_state_and_counts() {
        let tracker = ConnectionTracker::new("nats://x");
        assert_eq!(tracker.state(), LinkState::Connecting);
        tracker.on_attempt(1);
        tracker.on_attempt(2);
        tracker.on_event(&async_nats::Event::Connected);
        tracker.on_event(&async_nats::Event::Disconnected);
        assert_eq!(tracker.state(), LinkState::Reconnecting);
        tracker.on_event(&async_nats::Event::Connected);
        let snap = tracker.snapshot();
        assert_eq!(snap.state, LinkState::Connected);
        assert_eq!(snap.reconnects, 1);
        assert_eq!(snap.connection_errors, 2);
        assert_eq!(*tracker.connects().borrow(), 2);
    }

    #[test]
    fn a_stall_is_only_a_state_of_a_live_connection_and_ends_with_an_answer() {
        let tracker = ConnectionTracker::new("nats://x");
        let mut trouble = tracker.trouble();
        tracker.on_stall();
        assert_eq!(
            tracker.state(),
            LinkState::Connecting,
            "not connected: no stall"
        );
        tracker.on_event(&async_nats::Event::Connected);
        tracker.on_alive(Some(Duration::from_millis(3)));
        assert_eq!(tracker.snapshot().rtt_ms, Some(3.0));
        tracker.on_stall();
        assert_eq!(tracker.state(), LinkState::Stalled);
        assert!(
            trouble.has_changed().unwrap(),
            "requests in flight are told"
        );
        trouble.mark_unchanged();
        let snap = tracker.snapshot();
        assert_eq!((snap.stalls, snap.rtt_ms), (1, None));
        tracker.on_alive(None);
        assert_eq!(tracker.state(), LinkState::Connected);
        tracker.on_stall();
        tracker.on_event(&async_nats::Event::Disconnected);
        assert_eq!(tracker.state(), LinkState::Reconnecting);
        assert!(trouble.has_changed().unwrap());
    }
}
