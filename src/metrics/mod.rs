//! Prometheus metrics for `GET /metrics`, in the OpenMetrics text format that Prometheus scrapes.
//!
//! Two kinds of figure: requests and their latency are recorded as each request passes
//! ([`HttpMetrics`], one long-lived registry); everything else — messages published, the NATS
//! connection, supervised nodes, streams and consumer lag — is read at scrape time from the same
//! sources the status endpoints and the console use ([`Scrape`]), so a figure here never
//! disagrees with them and nothing samples in the background between scrapes.

mod http;
mod scrape;

pub use http::{HttpMetrics, UNMATCHED_ROUTE, method_label};
pub use scrape::{Scrape, StreamsSample};

/// Every metric's name starts with this (`message_broker_http_requests_total`, …).
pub const PREFIX: &str = "message_broker";

/// The content type of the exposition (OpenMetrics text, which Prometheus asks for first).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
