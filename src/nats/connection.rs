//! Connection state as the client's events report it: what state, since when, and how often it
//! has dropped, reconnected or failed.

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
    slow_consumers: u64,
    last_error: Option<String>,
}

/// Shared between the client's event callback (writer) and whoever reports state (readers). A std
/// mutex is right here: every critical section is a few field updates, never held across `.await`.
#[derive(Debug)]
pub struct ConnectionTracker {
    url: String,
    inner: Mutex<Inner>,
    connected_tx: watch::Sender<u64>,
    disconnected_tx: watch::Sender<u64>,
}

impl ConnectionTracker {
    pub fn new(url: impl Into<String>) -> Self {
        let (connected_tx, _) = watch::channel(0);
        let (disconnected_tx, _) = watch::channel(0);
        ConnectionTracker {
            url: url.into(),
            inner: Mutex::new(Inner {
                state: LinkState::Connecting,
                since: OffsetDateTime::now_utc(),
                connects: 0,
                disconnects: 0,
                failed_attempts: 0,
                client_errors: 0,
                slow_consumers: 0,
                last_error: None,
            }),
            connected_tx,
            disconnected_tx,
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        // A poisoned lock only means a panic elsewhere mid-update of plain counters; the data is
        // still usable.
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }

    fn set_state(inner: &mut Inner, state: LinkState) {
        if inner.state != state {
            inner.state = state;
            inner.since = OffsetDateTime::now_utc();
        }
    }

    pub fn on_event(&self, event: &async_nats::Event) {
        use async_nats::Event;
        let (connects, disconnects) = self.with(|inner| {
            match event {
                Event::Connected => {
                    inner.connects += 1;
                    Self::set_state(inner, LinkState::Connected);
                }
                Event::Disconnected => {
                    inner.disconnects += 1;
                    Self::set_state(inner, LinkState::Reconnecting);
                }
                Event::Closed => Self::set_state(inner, LinkState::Disconnected),
                Event::SlowConsumer(_) => inner.slow_consumers += 1,
                Event::ClientError(err) => {
                    inner.client_errors += 1;
                    inner.last_error = Some(err.to_string());
                }
                Event::ServerError(err) => inner.last_error = Some(err.to_string()),
                Event::LameDuckMode | Event::Draining => {}
            }
            (inner.connects, inner.disconnects)
        });
        match event {
            async_nats::Event::Connected => {
                self.connected_tx.send_replace(connects);
            }
            async_nats::Event::Disconnected => {
                self.disconnected_tx.send_replace(disconnects);
            }
            _ => {}
        }
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

    /// Changes each time the connection is lost.
    pub fn disconnects(&self) -> watch::Receiver<u64> {
        self.disconnected_tx.subscribe()
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
                last_error: inner.last_error.clone(),
                rtt_ms: None,
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
}
