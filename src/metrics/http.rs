//! Requests by route, method, status and error code, and their latency.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::http::Method;
use prometheus_client::encoding::{EncodeLabelSet, EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::{MetricType, TypedMetric};
use prometheus_client::registry::Registry;

/// The route label of a request no route matched (unknown paths must not each become a series).
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Latency buckets, seconds: from a fast `/health` to a publish waiting out a long timeout.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: &'static str,
    status: u16,
    /// Empty for a success (Prometheus treats an empty label as absent).
    error_code: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
    method: &'static str,
}

/// A latency histogram every request adds to without a lock: prometheus-client's `Histogram`
/// takes a mutex per observation, which every request of a route would queue on.
#[derive(Debug, Default)]
pub struct Latencies {
    /// Observations per bucket of [`BUCKETS`] (not cumulative), and past the last one.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    count: AtomicU64,
    sum_nanos: AtomicU64,
}

impl Latencies {
    fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let bucket = BUCKETS.partition_point(|bound| *bound < seconds);
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }
}

impl TypedMetric for Latencies {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for Latencies {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), fmt::Error> {
        let mut buckets = [(0.0, 0); BUCKETS.len() + 1];
        for (i, slot) in buckets.iter_mut().enumerate() {
            let bound = BUCKETS.get(i).copied().unwrap_or(f64::INFINITY);
            *slot = (bound, self.buckets[i].load(Ordering::Relaxed));
        }
        let sum = self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let count = self.count.load(Ordering::Relaxed);
        encoder.encode_histogram::<NoLabelSet>(sum, count, &buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

/// Counters are atomics, and the histogram too ([`Latencies`]); the table of series is behind a
/// read-write lock that requests only read (readers never wait on each other), written only
/// when a series appears for the first time.
pub struct HttpMetrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    duration: Family<RouteLabels, Latencies>,
}

impl Default for HttpMetrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix(super::PREFIX);
        let requests = Family::<RequestLabels, Counter>::default();
        let duration = Family::<RouteLabels, Latencies>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template, method, status and error_code",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its response, by route template and method",
            duration.clone(),
        );
        HttpMetrics {
            registry,
            requests,
            duration,
        }
    }
}

/// The method as a label: the ones the API serves by name, anything else as `other`, so a client
/// inventing methods cannot create series.
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::DELETE => "DELETE",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

impl HttpMetrics {
    /// One answered request. `route` is the matched route template (`/api/v1/broker/streams/{name}`),
    /// or [`UNMATCHED_ROUTE`].
    pub fn record(
        &self,
        route: &str,
        method: &'static str,
        status: u16,
        error_code: Option<&'static str>,
        elapsed: Duration,
    ) {
        // One copy of the route for both series.
        let labels = RouteLabels {
            route: route.to_owned(),
            method,
        };
        self.duration.get_or_create(&labels).observe(elapsed);
        self.requests
            .get_or_create(&RequestLabels {
                route: labels.route,
                method,
                status,
                error_code: error_code.unwrap_or_default(),
            })
            .inc();
    }

    /// Appends the request metrics (without the closing `# EOF`).
    pub fn encode(&self, out: &mut String) -> fmt::Result {
        prometheus_client::encoding::text::encode_registry(out, &self.registry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_route_method_status_and_code() {
        let metrics = HttpMetrics::default();
        let route = "/api/v1/broker/streams/{name}";
        metrics.record(route, "GET", 200, None, Duration::from_millis(2));
        metrics.record(
            route,
            "GET",
            404,
            Some("STREAM_NOT_FOUND"),
            Duration::from_millis(3),
        );
        metrics.record(
            UNMATCHED_ROUTE,
            method_label(&Method::from_bytes(b"BREW").unwrap()),
            404,
            Some("INVALID_PARAMETERS"),
            Duration::from_micros(100),
        );
        let mut text = String::new();
        metrics.encode(&mut text).unwrap();
        assert!(
            text.contains(
                "message_broker_http_requests_total{route=\"/api/v1/broker/streams/{name}\",\
                 method=\"GET\",status=\"404\",error_code=\"STREAM_NOT_FOUND\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains("method=\"other\",status=\"404\",error_code=\"INVALID_PARAMETERS\"} 1"),
            "{text}"
        );
        assert!(
            text.contains(
                "message_broker_http_request_duration_seconds_count{route=\"/api/v1/broker/streams/{name}\",method=\"GET\"} 2"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "message_broker_http_request_duration_seconds_bucket{le=\"0.0025\",route=\"/api/v1/broker/streams/{name}\",method=\"GET\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "message_broker_http_request_duration_seconds_bucket{le=\"+Inf\",route=\"/api/v1/broker/streams/{name}\",method=\"GET\"} 2"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "message_broker_http_request_duration_seconds_sum{route=\"/api/v1/broker/streams/{name}\",method=\"GET\"} 0.005"
            ),
            "{text}"
        );
    }
}
