//! `GET /metrics` for Prometheus. Requests are counted for it by the `edge` middleware.

use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::{ApiError, ErrorCode};
use super::status::STATUS_BUDGET;
use crate::metrics::{self, Scrape, StreamsSample};
use crate::status::streams_with_consumers;

/// `GET /metrics`: the exposition, read now. Streams are listed within the status budget; past it
/// (or without NATS) their figures are left out and `streams_sample_success` is 0, so a scrape
/// always answers in time.
#[utoipa::path(get, path = "/metrics", tag = "service",
    responses((status = 200, description = "Prometheus metrics (OpenMetrics text)",
        content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8", body = String),
        super::openapi::Guarded, super::openapi::Internal))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let started = Instant::now();
    let streams = tokio::time::timeout(STATUS_BUDGET, streams_with_consumers(&state.nats))
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "listing streams did not answer within {:.1}s",
                STATUS_BUDGET.as_secs_f64()
            ))
        });
    let scrape = Scrape {
        published: state.counters.published(),
        duplicates: state.counters.duplicates.load(Ordering::Relaxed),
        consumed: state.counters.consumed(),
        client: state.nats.connection(),
        supervisor: state.supervisor.as_ref().map(|s| s.status()),
        streams: StreamsSample {
            streams,
            seconds: started.elapsed().as_secs_f64(),
        },
    };
    let mut text = String::with_capacity(16 * 1024);
    let written = state
        .http_metrics
        .encode(&mut text)
        .and_then(|()| scrape.encode(&mut text))
        .and_then(|()| prometheus_client::encoding::text::encode_eof(&mut text));
    if let Err(err) = written {
        tracing::error!(error = %err, "cannot write the metrics exposition");
        return ApiError::new(ErrorCode::InternalError, "cannot write the metrics").into_response();
    }
    ([(CONTENT_TYPE, metrics::CONTENT_TYPE)], text).into_response()
}
