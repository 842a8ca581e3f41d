//! Access to NATS and JetStream for every mode: one client connection that reconnects forever,
//! its tracked state, and the stream and message operations built on the `$JS.API` subjects.

pub mod connection;
mod error;
pub mod messages;
mod provision;
pub mod publish;
pub mod stream_config;
pub mod streams;
pub mod system;
mod watchdog;
pub mod wire;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::config::{ClientSecurity, Credential};
pub use crate::model::status::{ClientStatus, LinkState};
pub use connection::ConnectionTracker;
pub use error::NatsError;
pub use messages::{MessageSelector, Toward};
pub use provision::provision_on_connect;
pub use publish::Publish;
use wire::{AccountInfo, codes};

/// Credentials written into a URL (`nats://user:pass@host`, or `nats://token@host`), which the
/// client does not pick up by itself.
pub fn with_url_credentials(
    options: async_nats::ConnectOptions,
    servers: &[async_nats::ServerAddr],
) -> async_nats::ConnectOptions {
    match servers.iter().find(|s| s.has_user_pass()) {
        Some(server) => match (server.username(), server.password()) {
            (Some(user), Some(password)) => {
                options.user_and_password(user.to_owned(), password.to_owned())
            }
            (Some(token), None) => options.token(token.to_owned()),
            _ => options,
        },
        None => options,
    }
}

/// Parses a comma-separated list of NATS URLs.
pub fn parse_servers(urls: &str) -> Result<Vec<async_nats::ServerAddr>, ConnectFailure> {
    urls.split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(|u| {
            u.parse::<async_nats::ServerAddr>()
                .map_err(|e| ConnectFailure(format!("invalid NATS URL '{}': {e}", redact(u))))
        })
        .collect()
}

/// A URL with any password replaced, for logs and screens; a user without a password is a
/// token (`nats://token@host`), so it is replaced too.
pub fn redact(urls: &str) -> String {
    urls.split(',')
        .map(|url| match reqwest::Url::parse(url.trim()) {
            Ok(mut parsed) if parsed.password().is_some() => {
                let _ = parsed.set_password(Some("***"));
                parsed.to_string().trim_end_matches('/').to_owned()
            }
            Ok(mut parsed) if !parsed.username().is_empty() => {
                let _ = parsed.set_username("***");
                parsed.to_string().trim_end_matches('/').to_owned()
            }
            _ => url.trim().to_owned(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The client options for `urls` signed in and secured as configured: the configured
/// credential or the one written in the URL (configuration never sets both), and TLS — required
/// as soon as any TLS file is named, so a client told whom to trust never falls back to plain
/// text.
pub fn connect_options(
    urls: &str,
    security: &ClientSecurity,
) -> Result<(Vec<async_nats::ServerAddr>, async_nats::ConnectOptions), ConnectFailure> {
    install_crypto_provider();
    let servers = parse_servers(urls)?;
    let options = with_url_credentials(async_nats::ConnectOptions::new(), &servers);
    let mut options = match &security.credential {
        Credential::None => options,
        Credential::UserPassword { user, password } => {
            options.user_and_password(user.clone(), password.expose().to_owned())
        }
        Credential::Token { token } => options.token(token.expose().to_owned()),
        Credential::Nkey { seed, .. } => options.nkey(seed.expose().to_owned()),
        Credential::Creds { file, contents } => options
            .credentials(contents.expose())
            .map_err(|e| ConnectFailure(format!("credentials file {}: {e}", file.display())))?,
    };
    let tls = &security.tls;
    if let Some(ca) = &tls.ca {
        options = options.add_root_certificates(ca.path.clone());
    }
    if let Some((cert, key)) = tls.identity() {
        options = options.add_client_certificate(cert.path.clone(), key.path.clone());
    }
    if tls.is_configured() || security.tls_first {
        options = options.require_tls(true);
    }
    if security.tls_first {
        options = options.tls_first();
    }
    if let Some(prefix) = &security.inbox_prefix {
        options = options.custom_inbox_prefix(prefix);
    }
    Ok((servers, options))
}

/// rustls is built with two crypto providers here (ring through async-nats, aws-lc-rs through
/// reqwest), so it cannot pick one by itself, and async-nats builds its TLS configuration with
/// the process default: without one installed, the first TLS connection would panic. Installing
/// it once is harmless when another is already in place.
fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = async_nats::rustls::crypto::ring::default_provider().install_default();
    });
}

/// A NATS URL or connection setting the client cannot use.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct ConnectFailure(String);

/// How to reach NATS.
#[derive(Debug, Clone)]
pub struct NatsOptions {
    pub url: String,
    /// Bound on every request, JetStream API call and publish acknowledgement.
    pub timeout: Duration,
    pub client_name: String,
    /// Credential and TLS files.
    pub security: ClientSecurity,
}

/// A cheap-to-clone handle on the one client connection.
#[derive(Clone)]
pub struct Nats {
    client: async_nats::Client,
    jetstream: async_nats::jetstream::Context,
    /// `$JS.API`, or `$JS.<domain>.API` in a JetStream domain.
    api_prefix: Arc<str>,
    tracker: Arc<ConnectionTracker>,
    timeout: Duration,
    /// Stops the stall watchdog when the last handle goes.
    _watchdog: Arc<tokio_util::sync::DropGuard>,
}

impl Nats {
    /// Starts connecting and returns at once: the client keeps trying in the background, forever,
    /// so the caller can serve (answering 503) while NATS is still down. Fails only on a URL the
    /// client cannot parse. `url` may list several servers, comma-separated.
    pub async fn connect(options: &NatsOptions) -> Result<Nats, ConnectFailure> {
        let (servers, connect_options) = connect_options(&options.url, &options.security)?;
        let tracker = Arc::new(ConnectionTracker::new(redact(&options.url)));
        let events = Arc::clone(&tracker);
        let attempts = Arc::clone(&tracker);
        let client = connect_options
            .name(&options.client_name)
            .retry_on_initial_connect()
            .max_reconnects(None)
            .connection_timeout(options.timeout)
            .request_timeout(Some(options.timeout))
            .reconnect_delay_callback(move |attempt| {
                attempts.on_attempt(attempt);
                connection::reconnect_delay(attempt)
            })
            .event_callback(move |event| {
                let tracker = Arc::clone(&events);
                async move { tracker.on_event(&event) }
            })
            .connect(servers)
            .await
            .map_err(|e| ConnectFailure(e.to_string()))?;
        let mut jetstream = match &options.security.jetstream_domain {
            Some(domain) => async_nats::jetstream::with_domain(client.clone(), domain),
            None => async_nats::jetstream::new(client.clone()),
        };
        jetstream.set_timeout(options.timeout);
        let watchdog = tokio_util::sync::CancellationToken::new();
        watchdog::spawn(client.clone(), Arc::clone(&tracker), watchdog.clone());
        Ok(Nats {
            client,
            jetstream,
            api_prefix: options.security.jetstream_api().into(),
            tracker,
            timeout: options.timeout,
            _watchdog: Arc::new(watchdog.drop_guard()),
        })
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Connected and answering: not reconnecting, and not stalled.
    pub fn is_connected(&self) -> bool {
        self.client.connection_state() == async_nats::connection::State::Connected
            && self.tracker.state() != LinkState::Stalled
    }

    /// The connection's state, counters and last measured round trip, with what the server said
    /// of itself. Reads only what is already known: it never waits on the server.
    pub fn connection(&self) -> ClientStatus {
        let mut status = self.link();
        if let Some(info) = self.server_info() {
            status.server_id = Some(info.server_id);
            status.server_name = Some(info.server_name);
            status.server_version = Some(info.version);
            status.max_payload = Some(info.max_payload);
        }
        status
    }

    /// The connection's state and counters as [`Nats::connection`] gives them, without what the
    /// server said of itself (which is costly to copy): what a liveness probe needs.
    pub fn link(&self) -> ClientStatus {
        let mut status = self.tracker.snapshot();
        // The client's own state is the truth; events may still be in flight.
        if self.client.connection_state() == async_nats::connection::State::Connected
            && status.state != LinkState::Stalled
        {
            status.state = LinkState::Connected;
        }
        status
    }

    pub fn tracker(&self) -> &Arc<ConnectionTracker> {
        &self.tracker
    }

    /// What the server said about itself when we last connected; `None` before the first connect.
    pub fn server_info(&self) -> Option<async_nats::ServerInfo> {
        let info = self.client.server_info();
        (!info.server_id.is_empty()).then_some(info)
    }

    pub fn client(&self) -> &async_nats::Client {
        &self.client
    }

    /// The JetStream API subject prefix: `$JS.API`, or `$JS.<domain>.API` in a domain.
    pub fn jetstream_api(&self) -> &str {
        &self.api_prefix
    }

    /// Whether a JetStream domain is configured: the streams are then that domain's, which the
    /// monitored server's `/jsz` may not describe.
    pub fn in_domain(&self) -> bool {
        &*self.api_prefix != "$JS.API"
    }

    /// A JetStream context on this connection, in the configured domain.
    pub fn jetstream(&self) -> async_nats::jetstream::Context {
        self.jetstream.clone()
    }

    /// The last round trip the stall watchdog measured through the server.
    pub fn rtt(&self) -> Option<Duration> {
        self.tracker.rtt()
    }

    /// Fails fast when the client is not connected, or the server is not answering.
    pub fn require_connected(&self) -> Result<(), NatsError> {
        if self.client.connection_state() != async_nats::connection::State::Connected {
            return Err(NatsError::NotConnected);
        }
        if self.tracker.state() == LinkState::Stalled {
            return Err(NatsError::Stalled);
        }
        Ok(())
    }

    /// Completes when the connection is lost, or the server stops answering, after this call. A
    /// request in flight then will get no answer (or none in time), so waiting out the timeout
    /// would only make callers hang.
    pub fn connection_lost(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut trouble = self.tracker.trouble();
        trouble.mark_unchanged();
        async move {
            if trouble.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }

    /// Why an answer did not come: the connection went, or the server stopped answering.
    fn lost(&self) -> NatsError {
        if self.tracker.state() == LinkState::Stalled {
            NatsError::Stalled
        } else {
            NatsError::ConnectionLost
        }
    }

    fn timed_out(&self) -> NatsError {
        if self.is_connected() {
            NatsError::TimedOut(self.timeout)
        } else {
            NatsError::NotConnected
        }
    }

    /// One `$JS.API.<api>` request (in the configured domain), bounded by the timeout; the server's error object becomes
    /// `NatsError::Refused` (or `JetStreamUnavailable` when JetStream is off).
    pub async fn js_request<T: DeserializeOwned>(
        &self,
        api: &str,
        body: Option<&impl serde::Serialize>,
    ) -> Result<T, NatsError> {
        self.require_connected()?;
        let payload = match body {
            Some(body) => Bytes::from(
                serde_json::to_vec(body).map_err(|e| NatsError::Protocol(e.to_string()))?,
            ),
            None => Bytes::new(),
        };
        let lost = self.connection_lost();
        let request = self
            .client
            .request(format!("{}.{api}", self.api_prefix), payload);
        let answer = tokio::select! {
            answer = tokio::time::timeout(self.timeout, request) => answer,
            _ = lost => return Err(self.lost()),
        };
        let message = match answer {
            Err(_) => return Err(self.timed_out()),
            Ok(Err(err)) => {
                return Err(match err.kind() {
                    async_nats::RequestErrorKind::NoResponders => NatsError::JetStreamUnavailable,
                    async_nats::RequestErrorKind::TimedOut => self.timed_out(),
                    _ if !self.is_connected() => NatsError::NotConnected,
                    _ => NatsError::Protocol(err.to_string()),
                });
            }
            Ok(Ok(message)) => message,
        };
        let value: Value = serde_json::from_slice(&message.payload).map_err(|e| {
            NatsError::Protocol(format!("unreadable JetStream response to {api}: {e}"))
        })?;
        if let Some(error) = value.get("error") {
            let body: wire::Refusal = serde_json::from_value(error.clone())
                .map_err(|e| NatsError::Protocol(format!("unreadable JetStream error: {e}")))?;
            return Err(
                if body.err_code == codes::JETSTREAM_NOT_ENABLED
                    || body.err_code == codes::JETSTREAM_NOT_ENABLED_FOR_ACCOUNT
                {
                    NatsError::JetStreamUnavailable
                } else {
                    NatsError::Refused(body)
                },
            );
        }
        serde_json::from_value(value).map_err(|e| {
            NatsError::Protocol(format!("unexpected JetStream response to {api}: {e}"))
        })
    }

    /// This account's JetStream usage and limits; also the cheapest proof JetStream answers.
    pub async fn account_info(&self) -> Result<AccountInfo, NatsError> {
        self.js_request("INFO", None::<&()>).await
    }
}
