//! Liveness, service status, broker detail and broker health.

use std::future::Future;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::answers::*;
use super::error::{ApiError, ErrorCode};
use super::openapi::{self as doc, Success};
use super::{AppState, ok};
use crate::model::status::{ClusterNode, Section};
use crate::nats::LinkState;
use crate::status;

fn uptime(state: &AppState) -> f64 {
    (state.started.elapsed().as_secs_f64() * 100.0).round() / 100.0
}

fn millis(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

/// `GET /health`: 200 while the process runs; `degraded` while NATS is unreachable.
#[utoipa::path(get, path = "/health", tag = "service",
    responses((status = 200, description = "The process runs", body = Success<Liveness>), doc::Internal))]
pub async fn liveness(State(state): State<AppState>) -> Response {
    let connection = state.nats.link();
    let healthy = connection.state == LinkState::Connected;
    ok(
        if healthy {
            "Service is healthy"
        } else {
            "Service is running but NATS is not connected"
        },
        Liveness {
            status: if healthy {
                Liveliness::Healthy
            } else {
                Liveliness::Degraded
            },
            service: "message-broker",
            uptime_seconds: uptime(&state),
            nats: LivenessNats {
                state: connection.state,
                since: connection.since,
                url: connection.url,
            },
        },
    )
}

/// The status endpoints answer within this whatever hangs: a source slower than that is
/// reported unavailable, with the reason, rather than holding up the answer.
pub const STATUS_BUDGET: Duration = Duration::from_millis(1500);

/// `work`, or a timeout naming `what`, by `deadline`.
async fn by<T>(
    deadline: tokio::time::Instant,
    what: &str,
    work: impl Future<Output = Result<T, String>>,
) -> Result<T, String> {
    tokio::time::timeout_at(deadline, work)
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "{what} did not answer within {:.1}s",
                STATUS_BUDGET.as_secs_f64()
            ))
        })
}

/// `GET /api/v1/status`: the spec's service status, every figure real.
#[utoipa::path(get, path = "/api/v1/status", tag = "service",
    responses((status = 200, description = "Service status", body = Success<ServiceStatus>),
        doc::Guarded, doc::Internal))]
pub async fn service_status(State(state): State<AppState>) -> Response {
    let connection = state.nats.connection();
    let connected = connection.state == LinkState::Connected;
    let deadline = tokio::time::Instant::now() + STATUS_BUDGET;
    let account = if connected {
        by(deadline, "JetStream", async {
            state.nats.account_info().await.map_err(|e| e.to_string())
        })
        .await
        .ok()
    } else {
        None
    };
    let streams = account.as_ref().map(|a| a.streams);
    let server_version = state.nats.server_info().map(|info| info.version);
    let settings = &state.settings;
    ok(
        "Service status retrieved successfully",
        ServiceStatus {
            service: "message-broker",
            status: if connected {
                Running::Running
            } else {
                Running::Degraded
            },
            uptime_seconds: uptime(&state),
            version: env!("CARGO_PKG_VERSION"),
            environment: settings.environment.clone(),
            port: settings.api_port,
            features: Features {
                nats_server: state.supervisor.is_some(),
                jetstream: account.is_some(),
                message_routing: true,
                stream_management: true,
                message_persistence: account.is_some(),
            },
            nats_info: NatsInfo {
                server_status: server_status(&state, connected),
                client_connected: connected,
                streams_count: streams,
                server_version,
            },
            statistics: Statistics {
                messages_published: state.counters.published(),
                messages_consumed: state.counters.consumed(),
                active_streams: streams,
                connection_errors: connection.connection_errors,
            },
        },
    )
}

/// The supervisor's state when this process runs the server; otherwise what the client sees.
fn server_status(state: &AppState, connected: bool) -> String {
    match &state.supervisor {
        Some(supervisor) => supervisor.status().state.to_string(),
        None if connected => "running".to_owned(),
        None => "unreachable".to_owned(),
    }
}

/// Every supervised node's health from its own monitoring port.
async fn supervised_nodes(state: &AppState) -> Option<Vec<ClusterNode>> {
    let source = state.nodes.as_ref()?;
    source.nodes(&mut Default::default()).await.ok()
}

/// `GET /api/v1/broker/status`: client, server, JetStream, cluster and API detail. Sources that
/// cannot be reached, or do not answer within the budget, say so in their own section; the
/// endpoint still answers 200, in time.
#[utoipa::path(get, path = "/api/v1/broker/status", tag = "service",
    responses((status = 200, description = "Broker detail", body = Success<BrokerStatus>),
        doc::Guarded, doc::Internal))]
pub async fn broker_status(State(state): State<AppState>) -> Response {
    let deadline = tokio::time::Instant::now() + STATUS_BUDGET;
    // Each monitoring request is bounded by the budget on its own (status_monitor).
    let monitor = &state.status_monitor;
    let (varz, jsz, routez, nodes) = tokio::join!(
        monitor.varz(),
        monitor.jsz(),
        monitor.routez(),
        supervised_nodes(&state),
    );
    let client = state.nats.connection();
    let cluster: Section<_> = status::cluster(&varz, routez, &jsz).into();
    let server: Section<_> = status::server(varz, monitor).into();
    let jetstream: Section<_> = by(
        deadline,
        "JetStream",
        status::jetstream(jsz, monitor, &state.nats),
    )
    .await
    .into();
    let supervisor = match &state.supervisor {
        Some(supervisor) => SupervisorSection {
            enabled: true,
            status: Some(supervisor.status()),
            nodes,
        },
        None => SupervisorSection {
            enabled: false,
            status: None,
            nodes: None,
        },
    };
    ok(
        "Broker status retrieved successfully",
        BrokerStatus {
            client,
            server,
            jetstream,
            cluster,
            supervisor,
            api: state.api_stats.snapshot(),
            statistics: MessageCounts {
                messages_published: state.counters.published(),
                messages_consumed: state.counters.consumed(),
            },
        },
    )
}

/// `GET /api/v1/broker/health`: 200 when NATS is connected and JetStream answers in time.
#[utoipa::path(get, path = "/api/v1/broker/health", tag = "service",
    responses((status = 200, description = "NATS and JetStream answer", body = Success<BrokerHealth>),
        doc::Guarded, doc::Unavailable, doc::Internal))]
pub async fn broker_health(State(state): State<AppState>) -> Result<Response, ApiError> {
    let connection = state.nats.connection();
    if connection.state != LinkState::Connected {
        return Err(ApiError::new(
            ErrorCode::NatsConnectionError,
            format!(
                "health check failed: nats_connection: {} since {} ({})",
                connection.state,
                connection.since,
                connection
                    .last_error
                    .as_deref()
                    .unwrap_or("no error reported")
            ),
        ));
    }
    let started = Instant::now();
    let account = state.nats.account_info().await;
    let js_latency = started.elapsed();
    let account = account.map_err(|err| {
        let api: ApiError = err.clone().into();
        if api.code == ErrorCode::NatsConnectionError {
            api
        } else {
            ApiError::new(
                ErrorCode::JetstreamError,
                format!("health check failed: jetstream: {err}"),
            )
            .with_status(StatusCode::SERVICE_UNAVAILABLE)
        }
    })?;
    let rtt = state.nats.rtt();
    let (health, nodes) = tokio::join!(state.monitor.healthz(), supervised_nodes(&state));
    let monitoring = match health {
        Ok(healthy) => MonitoringCheck {
            ok: healthy,
            url: Some(state.monitor.base().to_owned()),
            error: None,
        },
        Err(err) => MonitoringCheck {
            ok: false,
            url: None,
            error: Some(err.to_string()),
        },
    };
    let nodes = nodes.map(|nodes| {
        let up = nodes.iter().filter(|n| n.up).count();
        NodesCheck {
            ok: up == nodes.len(),
            up,
            total: nodes.len(),
            supervisor: state.supervisor.as_ref().map(|s| s.status().state),
            nodes,
        }
    });
    Ok(ok(
        "Broker is healthy",
        BrokerHealth {
            healthy: true,
            checks: HealthChecks {
                nats_connection: NatsCheck {
                    ok: true,
                    url: connection.url,
                    since: connection.since,
                    rtt_ms: rtt.map(millis),
                },
                jetstream: JetStreamCheck {
                    ok: true,
                    latency_ms: millis(js_latency),
                    streams: account.streams,
                    consumers: account.consumers,
                },
                monitoring,
                nodes,
            },
        },
    ))
}
