//! The REST API (axum): thin handlers that validate, call the NATS layer and wrap the result in
//! the envelope. `router` builds the whole service so tests can drive it without a socket.

mod access;
mod answers;
mod body_deadline;
pub mod envelope;
pub mod error;
mod extract;
pub mod listener;
mod metrics;
pub mod openapi;
mod publish;
mod stats;
mod status;
mod streams;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::FutureExt;
use tokio::net::TcpListener;

pub use stats::{ApiStats, ApiStatsSnapshot};

pub use error::{ApiError, ErrorCode};

use crate::config::Settings;
use crate::metrics::UNMATCHED_ROUTE;
use crate::monitor::Monitor;
use crate::nats::Nats;
use crate::status::NodeSource;
use crate::supervisor::SupervisorHandle;
use envelope::Envelope;

/// Messages this service put into streams and handed out of them.
#[derive(Debug, Default)]
pub struct Counters {
    pub published: AtomicU64,
    /// Publishes JetStream acknowledged as duplicates (same `msg_id` within the window).
    pub duplicates: AtomicU64,
    pub consumed: AtomicU64,
}

impl Counters {
    pub fn published(&self) -> u64 {
        self.published.load(Ordering::Relaxed)
    }
    pub fn consumed(&self) -> u64 {
        self.consumed.load(Ordering::Relaxed)
    }
}

pub struct Shared {
    pub settings: Settings,
    pub nats: Nats,
    pub monitor: Monitor,
    /// The same monitoring port for the status endpoints, each request bounded by their budget.
    pub status_monitor: Monitor,
    pub counters: Counters,
    pub api_stats: ApiStats,
    /// Requests by route for `/metrics`.
    pub http_metrics: crate::metrics::HttpMetrics,
    pub started: Instant,
    pub supervisor: Option<SupervisorHandle>,
    /// The supervised nodes, probed on their own monitoring ports; `None` when not supervising.
    pub nodes: Option<NodeSource>,
}

pub type AppState = Arc<Shared>;

impl Shared {
    pub fn new(settings: Settings, nats: Nats) -> AppState {
        Self::new_with(settings, nats, None)
    }

    /// With the supervisor whose servers this service runs on, when it runs them.
    pub fn new_with(
        settings: Settings,
        nats: Nats,
        supervisor: Option<SupervisorHandle>,
    ) -> AppState {
        let monitor = Monitor::with_tls(
            &settings.monitor_url,
            settings.nats_timeout,
            &settings.nats_security.tls,
        );
        let probe_timeout = settings.nats_timeout.min(status::STATUS_BUDGET);
        let status_monitor = monitor.sharing(monitor.base(), probe_timeout);
        let nodes = supervisor
            .clone()
            .map(|s| NodeSource::choose(None, Some(s), &monitor, probe_timeout));
        Arc::new(Shared {
            settings,
            nats,
            monitor,
            status_monitor,
            counters: Counters::default(),
            api_stats: ApiStats::default(),
            http_metrics: crate::metrics::HttpMetrics::default(),
            started: Instant::now(),
            supervisor,
            nodes,
        })
    }
}

/// A success envelope around `data`, serialized once, straight into the body.
pub fn ok(message: impl Into<String>, data: impl serde::Serialize) -> Response {
    // Room for most answers at once (a publish answer is ~200 bytes, `/health` ~350), where
    // `to_vec` starts at 128 and grows twice.
    let mut body = Vec::with_capacity(512);
    match serde_json::to_writer(&mut body, &Envelope::success(message, data)) {
        Ok(()) => (
            [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            body,
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = %err, "cannot serialize an answer");
            ApiError::new(
                ErrorCode::InternalError,
                "internal error while writing the answer; it has been logged",
            )
            .into_response()
        }
    }
}

pub fn router(state: AppState) -> Router {
    contract(routes(), state)
}

fn routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(status::liveness))
        .route("/api/v1/status", get(status::service_status))
        .route("/api/v1/broker/status", get(status::broker_status))
        .route("/api/v1/broker/health", get(status::broker_health))
        .route(
            "/api/v1/broker/streams",
            get(streams::list).post(streams::create),
        )
        .route(
            "/api/v1/broker/streams/{name}",
            get(streams::detail).delete(streams::delete),
        )
        .route("/api/v1/broker/streams/{name}/purge", post(streams::purge))
        .route(
            "/api/v1/broker/streams/{name}/messages",
            get(streams::messages),
        )
        .route("/api/v1/broker/publish", post(publish::publish))
        .route("/api/v1/broker/publish/batch", post(publish::publish_batch))
        .route("/metrics", get(metrics::metrics))
        .route("/api/v1/openapi.json", get(openapi::openapi_json))
}

/// Wraps routes in what makes every answer the envelope: 404/405 fallbacks, the body limit and
/// timeout, panic recovery and request statistics. Public so tests can check it on routes of their own.
pub fn contract(routes: Router<AppState>, state: AppState) -> Router {
    let max_body = state.settings.max_body_bytes;
    routes
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn_with_state(state.clone(), edge))
        .with_state(state)
}

async fn not_found(request: Request) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidParameters,
        format!(
            "no such endpoint: {} {}",
            request.method(),
            request.uri().path()
        ),
    )
    .with_status(StatusCode::NOT_FOUND)
}

async fn method_not_allowed(request: Request) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidParameters,
        format!(
            "method {} is not allowed on {}",
            request.method(),
            request.uri().path()
        ),
    )
    .with_status(StatusCode::METHOD_NOT_ALLOWED)
}

fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = detail, "request handler panicked");
    ApiError::new(
        ErrorCode::InternalError,
        "internal error while handling the request; it has been logged",
    )
    .into_response()
}

/// What every request passes before its handler, in one middleware (each layer of its own costs
/// allocations and copies of the request per request): access control, the body deadline, panic
/// recovery, and the statistics — every answer counted (lock-free) for the console's figures and
/// for `/metrics` by route template, and, at debug level only, logged. Nothing is written, or
/// even copied for writing, per request at the default level.
async fn edge(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = crate::metrics::method_label(request.method());
    // The template, not the path: stream names must not each become a series.
    let route = request.extensions().get::<MatchedPath>().cloned();
    let logged = tracing::enabled!(tracing::Level::DEBUG)
        .then(|| (request.method().clone(), request.uri().path().to_owned()));
    let response = match access::refusal(&state, &request) {
        // A panic in a handler answers like every other error, and the service keeps serving.
        None => AssertUnwindSafe(body_deadline::within(&state, request, next))
            .catch_unwind()
            .await
            .unwrap_or_else(panic_response),
        Some(refusal) => refusal,
    };
    let elapsed = started.elapsed();
    let code = response.extensions().get::<ErrorCode>().copied();
    let status = response.status().as_u16();
    state.api_stats.record(status, code, elapsed);
    state.http_metrics.record(
        route.as_ref().map_or(UNMATCHED_ROUTE, MatchedPath::as_str),
        method,
        status,
        code.map(ErrorCode::as_str),
        elapsed,
    );
    if let Some((method, path)) = logged {
        tracing::debug!(
            %method,
            path,
            status = response.status().as_u16(),
            error_code = code.map(ErrorCode::as_str),
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            "request"
        );
    }
    response
}

/// Serves until `shutdown` completes, then stops accepting, lets requests in flight finish (for
/// at most `api.drain_timeout`) and returns. Connections are bounded by the `api.*` settings.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.settings.connections.clone();
    listener::run(listener, router(state), &limits, shutdown).await;
    Ok(())
}
