//! Request statistics for `/api/v1/broker/status`: counts by HTTP status and by error code, and
//! latency percentiles from a fixed log-scale histogram (constant memory, lock-free).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::error::ErrorCode;
pub use crate::model::status::ApiStatsSnapshot;
use crate::model::status::Latency;

/// Buckets are quarter powers of two of microseconds: bucket `i` holds latencies up to
/// 2^(i/4) µs, so a reported percentile is within ~19 % of the truth, up to ~70 minutes.
const BUCKETS: usize = 128;

pub struct ApiStats {
    requests: AtomicU64,
    by_class: [AtomicU64; 6],
    by_code: [AtomicU64; ErrorCode::ALL.len()],
    latency: [AtomicU64; BUCKETS],
}

fn bucket_of(latency: Duration) -> usize {
    let micros = latency.as_micros().max(1) as f64;
    ((micros.log2() * 4.0).ceil() as usize).min(BUCKETS - 1)
}

fn bucket_upper_ms(bucket: usize) -> f64 {
    2f64.powf(bucket as f64 / 4.0) / 1000.0
}

impl Default for ApiStats {
    fn default() -> Self {
        ApiStats {
            requests: AtomicU64::new(0),
            by_class: std::array::from_fn(|_| AtomicU64::new(0)),
            by_code: std::array::from_fn(|_| AtomicU64::new(0)),
            latency: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

impl ApiStats {
    pub fn record(&self, status: u16, code: Option<ErrorCode>, latency: Duration) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let class = usize::from(status / 100).min(5);
        self.by_class[class].fetch_add(1, Ordering::Relaxed);
        if let Some(code) = code
            && let Some(i) = ErrorCode::ALL.iter().position(|c| *c == code)
        {
            self.by_code[i].fetch_add(1, Ordering::Relaxed);
        }
        self.latency[bucket_of(latency)].fetch_add(1, Ordering::Relaxed);
    }

    fn percentile(counts: &[u64], total: u64, p: f64) -> Option<f64> {
        if total == 0 {
            return None;
        }
        let rank = ((total as f64) * p).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (bucket, count) in counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return Some((bucket_upper_ms(bucket) * 1000.0).round() / 1000.0);
            }
        }
        None
    }

    pub fn snapshot(&self) -> ApiStatsSnapshot {
        let counts: Vec<u64> = self
            .latency
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect();
        let total: u64 = counts.iter().sum();
        let mut by_class = BTreeMap::new();
        for (class, count) in self.by_class.iter().enumerate().skip(1) {
            by_class.insert(format!("{class}xx"), count.load(Ordering::Relaxed));
        }
        let mut by_code = BTreeMap::new();
        let mut errors = 0;
        for (code, count) in ErrorCode::ALL.iter().zip(&self.by_code) {
            let count = count.load(Ordering::Relaxed);
            errors += count;
            if count > 0 {
                by_code.insert(code.as_str().to_owned(), count);
            }
        }
        ApiStatsSnapshot {
            requests: self.requests.load(Ordering::Relaxed),
            responses_by_class: by_class,
            errors_by_code: by_code,
            errors,
            latency_ms: Latency {
                p50: Self::percentile(&counts, total, 0.50),
                p99: Self::percentile(&counts, total, 0.99),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_recorded_latencies() {
        let stats = ApiStats::default();
        assert!(stats.snapshot().latency_ms.p50.is_none());
        for _ in 0..99 {
            stats.record(200, None, Duration::from_millis(1));
        }
        stats.record(
            503,
            Some(ErrorCode::NatsConnectionError),
            Duration::from_millis(100),
        );
        let snap = stats.snapshot();
        assert_eq!(snap.requests, 100);
        let p50 = snap.latency_ms.p50.unwrap();
        assert!((1.0..1.2).contains(&p50), "{p50}");
        let p99 = snap.latency_ms.p99.unwrap();
        assert!(p99 < 2.0, "{p99}");
        assert_eq!(snap.errors_by_code["NATS_CONNECTION_ERROR"], 1);
        assert_eq!(snap.responses_by_class["5xx"], 1);
        assert_eq!(snap.errors, 1);
    }
}
