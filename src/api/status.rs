//! Liveness, service status, broker detail and broker health.

use std::time::Instant;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::error::{ApiError, ErrorCode};
use super::{AppState, ok};
use crate::monitor::{MonitorError, NodeProbe, probe_node};
use crate::nats::LinkState;

fn uptime(state: &AppState) -> f64 {
    (state.started.elapsed().as_secs_f64() * 100.0).round() / 100.0
}

fn millis(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

/// `GET /health`: 200 while the process runs; `degraded` while NATS is unreachable.
pub async fn liveness(State(state): State<AppState>) -> Response {
    let connection = state.nats.connection();
    let healthy = connection.state == LinkState::Connected;
    ok(
        if healthy {
            "Service is healthy"
        } else {
            "Service is running but NATS is not connected"
        },
        json!({
            "status": if healthy { "healthy" } else { "degraded" },
            "service": "message-broker",
            "uptime_seconds": uptime(&state),
            "nats": {
                "state": connection.state,
                "since": connection.since,
                "url": connection.url,
            },
        }),
    )
}

/// `GET /api/v1/status`: the spec's service status, every figure real.
pub async fn service_status(State(state): State<AppState>) -> Response {
    let connection = state.nats.connection();
    let connected = connection.state == LinkState::Connected;
    let account = if connected {
        state.nats.account_info().await.ok()
    } else {
        None
    };
    let streams = account.as_ref().map(|a| a.streams);
    let server_version = state.nats.server_info().map(|info| info.version);
    let settings = &state.settings;
    ok(
        "Service status retrieved successfully",
        json!({
            "service": "message-broker",
            "status": if connected { "running" } else { "degraded" },
            "uptime_seconds": uptime(&state),
            "version": env!("CARGO_PKG_VERSION"),
            "environment": settings.environment,
            "port": settings.api_port,
            "features": {
                "nats_server": state.supervisor.is_some(),
                "jetstream": account.is_some(),
                "message_routing": true,
                "stream_management": true,
                "message_persistence": account.is_some(),
            },
            "nats_info": {
                "server_status": server_status(&state, connected),
                "client_connected": connected,
                "streams_count": streams,
                "server_version": server_version,
            },
            "statistics": {
                "messages_published": state.counters.published(),
                "messages_consumed": state.counters.consumed(),
                "active_streams": streams,
                "connection_errors": connection.connection_errors,
            },
        }),
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
async fn node_probes(state: &AppState) -> Option<Vec<NodeProbe>> {
    let supervisor = state.supervisor.as_ref()?;
    let timeout = state
        .settings
        .nats_timeout
        .min(std::time::Duration::from_secs(2));
    let probes = supervisor
        .plans()
        .into_iter()
        .map(|plan| async move { probe_node(&plan.monitor_url(), timeout).await });
    Some(futures::future::join_all(probes).await)
}

fn unavailable(err: &MonitorError) -> Value {
    json!({ "available": false, "error": err.to_string() })
}

/// `GET /api/v1/broker/status`: client, server, JetStream, cluster and API detail. Sources that
/// cannot be reached say so in their own section; the endpoint still answers 200.
pub async fn broker_status(State(state): State<AppState>) -> Response {
    let nats = &state.nats;
    let monitor = &state.monitor;
    let (rtt, varz, jsz, routez, account, nodes) = tokio::join!(
        nats.rtt(),
        monitor.varz(),
        monitor.jsz(),
        monitor.routez(),
        async {
            if nats.is_connected() {
                Some(nats.account_info().await)
            } else {
                None
            }
        },
        node_probes(&state),
    );
    let connection = nats.connection();
    let info = nats.server_info();
    let client = json!({
        "url": connection.url,
        "state": connection.state,
        "since": connection.since,
        "seconds_in_state": connection.seconds_in_state,
        "rtt_ms": rtt.map(millis),
        "connects": connection.connects,
        "reconnects": connection.reconnects,
        "disconnects": connection.disconnects,
        "failed_attempts": connection.failed_attempts,
        "connection_errors": connection.connection_errors,
        "slow_consumers": connection.slow_consumers,
        "last_error": connection.last_error,
        "server_id": info.as_ref().map(|i| i.server_id.clone()),
        "server_name": info.as_ref().map(|i| i.server_name.clone()),
        "server_version": info.as_ref().map(|i| i.version.clone()),
        "max_payload": info.as_ref().map(|i| i.max_payload),
    });
    let server = match &varz {
        Ok(v) => json!({
            "available": true,
            "source": format!("{}/varz", monitor.base()),
            "id": v.server_id,
            "name": v.server_name,
            "version": v.version,
            "uptime": v.uptime,
            "start": v.start,
            "cpu": v.cpu,
            "mem": v.mem,
            "connections": v.connections,
            "total_connections": v.total_connections,
            "subscriptions": v.subscriptions,
            "in_msgs": v.in_msgs,
            "out_msgs": v.out_msgs,
            "in_bytes": v.in_bytes,
            "out_bytes": v.out_bytes,
            "slow_consumers": v.slow_consumers,
        }),
        Err(err) => unavailable(err),
    };
    let jetstream = match (&jsz, &account) {
        (Ok(j), _) => json!({
            "available": true,
            "source": format!("{}/jsz", monitor.base()),
            "streams": j.streams,
            "consumers": j.consumers,
            "messages": j.messages,
            "bytes": j.bytes,
            "memory": j.memory,
            "storage": j.storage,
            "max_memory": j.config.max_memory,
            "max_storage": j.config.max_storage,
            "api_total": j.api.total,
            "api_errors": j.api.errors,
            "api_inflight": j.api.inflight,
        }),
        // No monitoring port: the account view over NATS still has usage and limits.
        (Err(monitor_err), Some(Ok(a))) => json!({
            "available": true,
            "source": "$JS.API.INFO",
            "monitoring_error": monitor_err.to_string(),
            "streams": a.streams,
            "consumers": a.consumers,
            "memory": a.memory,
            "storage": a.storage,
            "max_memory": a.limits.max_memory,
            "max_storage": a.limits.max_storage,
            "api_total": a.api.total,
            "api_errors": a.api.errors,
        }),
        (Err(monitor_err), Some(Err(js_err))) => json!({
            "available": false,
            "error": format!("{monitor_err}; {js_err}"),
        }),
        (Err(monitor_err), None) => json!({
            "available": false,
            "error": format!("{monitor_err}; NATS not connected"),
        }),
    };
    let cluster = match (&varz, &routez) {
        (Ok(v), Ok(r)) => json!({
            "available": true,
            "name": if v.cluster.name.is_empty() { None } else { Some(v.cluster.name.clone()) },
            "num_routes": r.num_routes,
            "routes": r.routes,
            "meta_leader": jsz.as_ref().ok().and_then(|j| j.meta_cluster.as_ref()).map(|m| m.leader.clone()),
            "meta_cluster_size": jsz.as_ref().ok().and_then(|j| j.meta_cluster.as_ref()).map(|m| m.cluster_size),
        }),
        (Err(err), _) | (_, Err(err)) => unavailable(err),
    };
    ok(
        "Broker status retrieved successfully",
        json!({
            "client": client,
            "server": server,
            "jetstream": jetstream,
            "cluster": cluster,
            "supervisor": match &state.supervisor {
                Some(supervisor) => json!({ "enabled": true, "status": supervisor.status(), "nodes": nodes }),
                None => json!({ "enabled": false }),
            },
            "api": state.api_stats.snapshot(),
            "statistics": {
                "messages_published": state.counters.published(),
                "messages_consumed": state.counters.consumed(),
            },
        }),
    )
}

/// `GET /api/v1/broker/health`: 200 when NATS is connected and JetStream answers in time.
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
    let (rtt, health, nodes) = tokio::join!(
        state.nats.rtt(),
        state.monitor.healthz(),
        node_probes(&state)
    );
    let monitoring = match health {
        Ok(healthy) => json!({ "ok": healthy, "url": state.monitor.base() }),
        Err(err) => json!({ "ok": false, "error": err.to_string() }),
    };
    let nodes = nodes.map(|nodes| {
        let up = nodes.iter().filter(|n| n.up).count();
        json!({
            "ok": up == nodes.len(),
            "up": up,
            "total": nodes.len(),
            "supervisor": state.supervisor.as_ref().map(|s| s.status().state),
            "nodes": nodes,
        })
    });
    Ok(ok(
        "Broker is healthy",
        json!({
            "healthy": true,
            "checks": {
                "nats_connection": {
                    "ok": true,
                    "url": connection.url,
                    "since": connection.since,
                    "rtt_ms": rtt.map(millis),
                },
                "jetstream": {
                    "ok": true,
                    "latency_ms": millis(js_latency),
                    "streams": account.streams,
                    "consumers": account.consumers,
                },
                "monitoring": monitoring,
                "nodes": nodes,
            },
        }),
    ))
}
