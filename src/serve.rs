//! `--serve`: the headless REST service.

use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
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

/// How long the last queued NATS traffic may take to leave at shutdown.
const FLUSH_LIMIT: Duration = Duration::from_secs(1);

/// Runs the service until SIGINT or SIGTERM, then drains in-flight requests (for at most
/// `api.drain_timeout`) and stops the supervised servers. A second signal exits at once.
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let signals = Signals::watch().context("cannot install the SIGINT/SIGTERM handlers")?;
    let addr = settings.api_addr();
    let listener = TcpListener::bind(&addr).await.with_context(|| {
        format!(
            "cannot listen on {addr}; if another process holds the port, choose another with \
             --port or API_PORT"
        )
    })?;
    let supervisor = if settings.supervise {
        let supervisor = tokio::select! {
            started = Supervisor::start(&settings.nats_server) => started?,
            () = signals.graceful.cancelled() => return Ok(()),
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
    let graceful = serve_then_stop(settings, listener, supervisor, signals.graceful.clone());
    tokio::select! {
        result = graceful => result,
        // Dropping the rest stops the supervised servers with SIGKILL (their children are
        // killed on drop), so nothing is left behind on this path either.
        () = signals.immediate.cancelled() => Ok(()),
    }
}

async fn serve_then_stop(
    settings: Settings,
    listener: TcpListener,
    mut supervisor: Option<Supervisor>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let nats = Nats::connect(&nats_options(&settings))
        .await
        .with_context(|| format!("cannot use NATS URL '{}'", redact(&settings.nats_url)))?;
    let cancel = CancellationToken::new();
    provision_on_connect(nats.clone(), settings.streams.clone(), cancel.clone());
    tracing::info!(
        api = %listener.local_addr().map(|a| a.to_string()).unwrap_or_else(|_| settings.api_addr()),
        nats_url = %redact(&settings.nats_url),
        monitor_url = %settings.monitor_url,
        environment = %settings.environment,
        configured_streams = settings.streams.len(),
        max_connections = settings.connections.max_connections,
        "message broker API listening"
    );
    let state = Shared::new_with(
        settings,
        nats.clone(),
        supervisor.as_ref().map(Supervisor::handle),
    );
    api::serve(listener, state, shutdown.cancelled_owned()).await?;
    cancel.cancel();
    tracing::info!("shutting down: in-flight requests finished");
    // Hand queued protocol traffic to the server before leaving; bounded so a dead server cannot
    // hold up the exit. Without a connection there is nothing to hand over, and a flush would only
    // wait out the whole timeout.
    if nats.is_connected() {
        let limit = nats.timeout().min(FLUSH_LIMIT);
        let _ = tokio::time::timeout(limit, nats.client().flush()).await;
    }
    if let Some(supervisor) = supervisor.as_mut() {
        supervisor.shutdown().await;
        tracing::info!("supervised nats-server stopped");
    }
    Ok(())
}

/// SIGINT and SIGTERM, counted: the first asks for a graceful stop, the second for an
/// immediate one.
pub struct Signals {
    pub graceful: CancellationToken,
    pub immediate: CancellationToken,
}

impl Signals {
    /// Installs the handlers (from here on the signals no longer end the process by
    /// themselves) and watches them in a task.
    pub fn watch() -> std::io::Result<Signals> {
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        let signals = Signals {
            graceful: CancellationToken::new(),
            immediate: CancellationToken::new(),
        };
        let graceful = signals.graceful.clone();
        let immediate = signals.immediate.clone();
        tokio::spawn(async move {
            loop {
                let name = tokio::select! {
                    Some(()) = interrupt.recv() => "SIGINT",
                    Some(()) = terminate.recv() => "SIGTERM",
                    else => return,
                };
                if graceful.is_cancelled() {
                    tracing::warn!(
                        signal = name,
                        "second signal: exiting now, without waiting for requests in flight"
                    );
                    immediate.cancel();
                    return;
                }
                tracing::info!(signal = name, "shutdown requested");
                graceful.cancel();
            }
        });
        Ok(signals)
    }
}
