//! A burst of test messages: `count` JetStream publishes to one subject, at a given rate or as
//! fast as acknowledgements allow (a bounded window of acks in flight), reporting progress —
//! sent, acknowledged, failed, ack latency p50/p99 — a few times a second. Cancelling stops the
//! sending at once; acks already in flight are still counted for a moment.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use message_broker_ui::model::{ActionOutcome, BurstProgress, RequestId, Stamped, Update};
use message_broker_ui::view::format;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::model::rules;
use crate::nats::Nats;

/// Publishes in flight at once: enough to keep a loopback server busy, bounded so a slow one
/// is not flooded.
const WINDOW: usize = 256;
/// How often progress goes to the console.
const REPORT_EVERY: Duration = Duration::from_millis(200);
/// After a cancel, how long acks already in flight are waited for.
const DRAIN: Duration = Duration::from_secs(2);

/// What to publish.
pub struct Plan {
    pub subject: String,
    pub count: u64,
    /// Messages per second; `None` is as fast as acks allow.
    pub rate: Option<f64>,
}

type Ack = Pin<Box<dyn Future<Output = (Result<(), String>, Duration)> + Send>>;

pub async fn run(
    nats: Nats,
    id: RequestId,
    plan: Plan,
    tx: mpsc::Sender<Stamped>,
    cancel: CancellationToken,
) {
    let send = |update: Update| {
        let tx = tx.clone();
        async move { tx.send(Stamped::now(update)).await.is_ok() }
    };
    if let Err(error) = rules::publish_subject(&plan.subject)
        .map_err(|e| e.to_string())
        .and_then(|()| nats.require_connected().map_err(|e| e.to_string()))
    {
        let progress = BurstProgress {
            finished: true,
            errors: 0,
            last_error: Some(error.clone()),
            ..BurstProgress::default()
        };
        send(Update::Burst { id, progress }).await;
        send(outcome(
            id,
            format!("burst to '{}' not started: {error}", plan.subject),
            false,
        ))
        .await;
        return;
    }
    let mut jetstream = async_nats::jetstream::new(nats.client().clone());
    jetstream.set_timeout(nats.timeout());
    let started = Instant::now();
    let mut progress = BurstProgress::default();
    let mut latencies = Histogram::default();
    let mut in_flight: FuturesUnordered<Ack> = FuturesUnordered::new();
    let spacing = plan.rate.map(|r| Duration::from_secs_f64(1.0 / r));
    let mut next_send = started;
    let mut report = tokio::time::interval(REPORT_EVERY);
    let mut drain_until: Option<Instant> = None;
    loop {
        let sending = drain_until.is_none() && progress.sent < plan.count;
        if !sending && in_flight.is_empty() {
            break;
        }
        tokio::select! {
            biased;
            _ = cancel.cancelled(), if drain_until.is_none() => {
                progress.cancelled = true;
                drain_until = Some(Instant::now() + DRAIN);
            }
            Some((result, took)) = in_flight.next(), if !in_flight.is_empty() => match result {
                Ok(()) => {
                    progress.acked += 1;
                    latencies.record(took);
                }
                Err(error) => {
                    progress.errors += 1;
                    progress.last_error = Some(error);
                }
            },
            _ = tokio::time::sleep_until(drain_until.unwrap_or(started)), if drain_until.is_some() => break,
            _ = report.tick() => {
                fill(&mut progress, &latencies, started);
                if !send(Update::Burst { id, progress: progress.clone() }).await {
                    return;
                }
            }
            _ = tokio::time::sleep_until(next_send), if sending && in_flight.len() < WINDOW => {
                let n = progress.sent + 1;
                let payload = format!("{{\"burst\":{},\"n\":{n},\"of\":{}}}", id.0, plan.count);
                let sent_at = Instant::now();
                match jetstream.publish(plan.subject.clone(), payload.into()).await {
                    Ok(ack) => in_flight.push(Box::pin(async move {
                        let result = ack.await.map(|_| ()).map_err(|e| e.to_string());
                        (result, sent_at.elapsed())
                    })),
                    Err(error) => {
                        progress.errors += 1;
                        progress.last_error = Some(error.to_string());
                    }
                }
                progress.sent = n;
                next_send = match spacing {
                    // On schedule, without catching up in a rush after a stall.
                    Some(spacing) => (next_send + spacing).max(Instant::now() - spacing),
                    None => Instant::now(),
                };
            }
        }
    }
    progress.finished = true;
    fill(&mut progress, &latencies, started);
    send(Update::Burst {
        id,
        progress: progress.clone(),
    })
    .await;
    let verb = if progress.cancelled {
        "cancelled"
    } else {
        "done"
    };
    let rate = if progress.elapsed > 0.0 {
        format::msgs_rate(progress.acked as f64 / progress.elapsed)
    } else {
        "-".to_owned()
    };
    let text = format!(
        "burst to '{}' {verb}: {} of {} acknowledged, {} errors, {rate}, ack p50 {} p99 {}",
        plan.subject,
        progress.acked,
        plan.count,
        progress.errors,
        format::opt(progress.ack_p50_ms, format::millis),
        format::opt(progress.ack_p99_ms, format::millis),
    );
    send(outcome(id, text, progress.errors == 0)).await;
}

fn outcome(id: RequestId, text: String, ok: bool) -> Update {
    Update::Done {
        id,
        outcome: ActionOutcome { text, ok },
    }
}

fn fill(progress: &mut BurstProgress, latencies: &Histogram, started: Instant) {
    progress.elapsed = started.elapsed().as_secs_f64();
    progress.ack_p50_ms = latencies.quantile(0.50);
    progress.ack_p99_ms = latencies.quantile(0.99);
}

/// Ack latencies in buckets 10% apart from 10 µs: constant memory however many messages, and
/// quantiles within 10%.
struct Histogram {
    buckets: Vec<u64>,
    count: u64,
}

const FIRST_US: f64 = 10.0;
const GROWTH: f64 = 1.1;
const BUCKETS: usize = 200;

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            buckets: vec![0; BUCKETS],
            count: 0,
        }
    }
}

impl Histogram {
    fn record(&mut self, took: Duration) {
        let us = (took.as_secs_f64() * 1e6).max(FIRST_US);
        let i = ((us / FIRST_US).ln() / GROWTH.ln()) as usize;
        self.buckets[i.min(BUCKETS - 1)] += 1;
        self.count += 1;
    }

    /// Milliseconds at quantile `q` (the upper edge of its bucket).
    fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = (q * self.count as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Some(FIRST_US * GROWTH.powi(i as i32 + 1) / 1000.0);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_within_ten_percent() {
        let mut h = Histogram::default();
        assert_eq!(h.quantile(0.5), None);
        for ms in 1..=100u64 {
            h.record(Duration::from_millis(ms));
        }
        let p50 = h.quantile(0.5).unwrap();
        let p99 = h.quantile(0.99).unwrap();
        assert!((50.0..=55.5).contains(&p50), "{p50}");
        assert!((99.0..=109.0).contains(&p99), "{p99}");
    }
}
