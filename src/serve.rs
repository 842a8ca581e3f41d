//! `--serve`: the headless REST service.

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::api::{self, Shared};
use crate::config::Settings;
use crate::nats::{Nats, NatsOptions, provision_on_connect, redact};
use crate::supervisor::Supervisor;

pub fn nats_options(settings: &Settings) -> NatsOptions {
    NatsOptions {
        url: settings.nats_url.clone(),
        timeout: settings.nats_timeout,
        client_name: format!("message-broker ({})", settings.environment),
        security: settings.nats_security.clone(),
    }
}

/// Runs the service until SIGINT or SIGTERM, then drains in-flight requests.
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let addr = settings.api_addr();
    let listener = TcpListener::bind(&addr).await.with_context(|| {
        format!(
            "cannot listen on {addr}; if another process holds the port, choose another with \
             --port or API_PORT"
        )
    })?;
    let mut supervisor = if settings.supervise {
        let supervisor = tokio::select! {
            started = Supervisor::start(&settings.nats_server) => started?,
            _ = shutdown_signal() => return Ok(()),
        };
        tracing::info!(
            nodes = settings.nats_server.nodes,
            urls = %supervisor.handle().client_urls(),
            data_dir = %settings.nats_server.data_dir.display(),
            "supervised nats-server started"
        );
        Some(supervisor)
    } else {
        None
    };
    let nats = Nats::connect(&nats_options(&settings))
        .await
        .with_context(|| format!("cannot use NATS URL '{}'", redact(&settings.nats_url)))?;
    let cancel = CancellationToken::new();
    provision_on_connect(nats.clone(), settings.streams.clone(), cancel.clone());
    tracing::info!(
        api = %listener.local_addr().map(|a| a.to_string()).unwrap_or(addr),
        nats_url = %redact(&settings.nats_url),
        monitor_url = %settings.monitor_url,
        environment = %settings.environment,
        configured_streams = settings.streams.len(),
        "message broker API listening"
    );
    let state = Shared::new_with(
        settings,
        nats.clone(),
        supervisor.as_ref().map(Supervisor::handle),
    );
    api::serve(listener, state, shutdown_signal()).await?;
    cancel.cancel();
    tracing::info!("shutting down: in-flight requests finished");
    // Hand queued protocol traffic to the server before leaving; bounded so a dead server cannot
    // hold up the exit. Without a connection there is nothing to hand over, and a flush would only
    // wait out the whole timeout.
    if nats.is_connected() {
        let _ = tokio::time::timeout(nats.timeout(), nats.client().flush()).await;
    }
    if let Some(supervisor) = supervisor.as_mut() {
        supervisor.shutdown().await;
        tracing::info!("supervised nats-server stopped");
    }
    Ok(())
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!(signal = "SIGINT", "shutdown requested"),
        _ = terminate => tracing::info!(signal = "SIGTERM", "shutdown requested"),
    }
}
