//! What the console may cost the server: JetStream API requests and bytes a second, shared by
//! every sampler that reads JetStream. What the user is looking at (an open stream) is read
//! every interval whatever the budget says — it may run the budget into debt — and the
//! background (the full listing, consumer lag in turns) waits until the budget is back above
//! zero. So a console on 1,000 streams costs about the same as on 40; only how often the
//! background is refreshed changes.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// JetStream API requests a second the console spends on sampling (a margin under the 2 it
/// promises).
pub const REQUESTS_PER_SECOND: f64 = 1.8;
/// NATS payload bytes a second the console lets the server send it for sampling (the HTTP
/// monitoring endpoints come on top: a few KB a second).
pub const BYTES_PER_SECOND: f64 = 70_000.0;
/// Saved up while idle, at most: a first listing of a small deployment happens at once.
const SAVED: Duration = Duration::from_secs(5);

#[derive(Debug)]
struct Bucket {
    requests: f64,
    bytes: f64,
    at: Instant,
}

/// A shared allowance of requests and bytes, refilled with time.
#[derive(Debug, Clone)]
pub struct Budget(Arc<Mutex<Bucket>>);

impl Budget {
    pub fn new() -> Budget {
        Budget(Arc::new(Mutex::new(Bucket {
            requests: REQUESTS_PER_SECOND * SAVED.as_secs_f64(),
            bytes: BYTES_PER_SECOND * SAVED.as_secs_f64(),
            at: Instant::now(),
        })))
    }

    fn with<R>(&self, f: impl FnOnce(&mut Bucket) -> R) -> R {
        // A poisoned lock only means a panic elsewhere between two float updates.
        let mut bucket = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.at = now;
        let most = SAVED.as_secs_f64();
        bucket.requests =
            (bucket.requests + elapsed * REQUESTS_PER_SECOND).min(REQUESTS_PER_SECOND * most);
        bucket.bytes = (bucket.bytes + elapsed * BYTES_PER_SECOND).min(BYTES_PER_SECOND * most);
        f(&mut bucket)
    }

    /// Whether background work costing about `requests` and `bytes` fits now. Work costing
    /// more than is ever saved goes when the allowance is full, and the debt it leaves spaces
    /// out what follows: on average, the rates hold.
    pub fn allows(&self, requests: f64, bytes: f64) -> bool {
        let most = SAVED.as_secs_f64();
        self.with(|b| {
            b.requests >= requests.min(REQUESTS_PER_SECOND * most)
                && b.bytes >= bytes.min(BYTES_PER_SECOND * most)
        })
    }

    /// Whether `requests` more fit now, keeping `reserve` for what must not wait (the next
    /// listing).
    pub fn has_requests(&self, requests: f64, reserve: f64) -> bool {
        let most = REQUESTS_PER_SECOND * SAVED.as_secs_f64();
        self.with(|b| b.requests >= requests + reserve.min(most - requests))
    }

    /// Records what was spent, into debt if need be (what the user is looking at is read
    /// whatever the allowance).
    pub fn spend(&self, requests: f64, bytes: f64) {
        self.with(|b| {
            b.requests -= requests;
            b.bytes -= bytes;
        });
    }
}

/// Bytes the server has sent this client so far (payloads, as the client counts them): the
/// difference around a request is what it cost.
pub fn received(nats: &crate::nats::Nats) -> u64 {
    nats.client()
        .statistics()
        .in_bytes
        .load(std::sync::atomic::Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_background_waits_while_the_foreground_spends() {
        let budget = Budget::new();
        assert!(
            budget.allows(4.0, 100_000.0),
            "a first listing goes at once"
        );
        budget.spend(10.0, 0.0);
        assert!(!budget.allows(1.0, 0.0));
        // A big listing costs more than is ever saved: it goes when the bucket is full, and
        // the debt it leaves spaces the next one out.
        budget.spend(0.0, 1_000_000.0);
        assert!(!budget.allows(0.0, 1.0));
    }
}
