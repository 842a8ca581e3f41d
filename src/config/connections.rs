//! `api` connection settings: how long a client may take over each part of a request, how many
//! connections are served at once, and how long shutdown waits for requests in flight.

use std::time::Duration;

use serde::Serialize;

use super::file::ApiFile;
use super::{ConfigError, Origin, check_timeout, seconds};

/// Longer than the 60 s idle timeout load balancers commonly use, so a proxy in front closes an
/// idle connection before this service does and never sends a request into a closing socket.
pub const DEFAULT_IDLE_TIMEOUT_SECS: f64 = 75.0;
pub const DEFAULT_HEADER_TIMEOUT_SECS: f64 = 10.0;
pub const DEFAULT_BODY_TIMEOUT_SECS: f64 = 30.0;
pub const DEFAULT_DRAIN_TIMEOUT_SECS: f64 = 5.0;
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
const MAX_CONNECTIONS_LIMIT: usize = 1_000_000;

/// Bounds on what one client connection may hold, resolved from `services.message-broker.api`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectionLimits {
    /// From the first byte of a request to the end of its headers.
    #[serde(serialize_with = "seconds")]
    pub header_timeout: Duration,
    /// From the end of the headers to the end of the body.
    #[serde(serialize_with = "seconds")]
    pub body_timeout: Duration,
    /// A connection with no request on it: before its first one, or after a response.
    #[serde(serialize_with = "seconds")]
    pub idle_timeout: Duration,
    /// How long shutdown lets requests in flight finish before dropping their connections.
    #[serde(serialize_with = "seconds")]
    pub drain_timeout: Duration,
    /// Connections served at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// Connections one client address may hold at once; more are answered 503 and closed.
    /// `None`: no limit (behind a proxy every client shares the proxy's address).
    pub max_connections_per_client: Option<usize>,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_timeout: Duration::from_secs_f64(DEFAULT_HEADER_TIMEOUT_SECS),
            body_timeout: Duration::from_secs_f64(DEFAULT_BODY_TIMEOUT_SECS),
            idle_timeout: Duration::from_secs_f64(DEFAULT_IDLE_TIMEOUT_SECS),
            drain_timeout: Duration::from_secs_f64(DEFAULT_DRAIN_TIMEOUT_SECS),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_connections_per_client: None,
        }
    }
}

pub fn resolve(file: &ApiFile, file_name: &str) -> Result<ConnectionLimits, ConfigError> {
    let at = |key| Origin::File {
        file: file_name,
        key,
    };
    let duration = |value: Option<f64>, default: f64, key| {
        let secs = value.unwrap_or(default);
        check_timeout(secs)
            .map(|()| Duration::from_secs_f64(secs))
            .map_err(|m| at(key).error(m))
    };
    let max_connections = file.max_connections.unwrap_or(DEFAULT_MAX_CONNECTIONS);
    if !(1..=MAX_CONNECTIONS_LIMIT).contains(&max_connections) {
        return Err(at("api.max_connections").error(format!(
            "expected 1 to {MAX_CONNECTIONS_LIMIT} connections, got {max_connections}"
        )));
    }
    let per_client = file.max_connections_per_client;
    if let Some(per_client) = per_client
        && !(1..=max_connections).contains(&per_client)
    {
        return Err(at("api.max_connections_per_client").error(format!(
            "expected 1 to api.max_connections ({max_connections}), got {per_client}"
        )));
    }
    Ok(ConnectionLimits {
        header_timeout: duration(
            file.header_timeout,
            DEFAULT_HEADER_TIMEOUT_SECS,
            "api.header_timeout",
        )?,
        body_timeout: duration(
            file.body_timeout,
            DEFAULT_BODY_TIMEOUT_SECS,
            "api.body_timeout",
        )?,
        idle_timeout: duration(
            file.idle_timeout,
            DEFAULT_IDLE_TIMEOUT_SECS,
            "api.idle_timeout",
        )?,
        drain_timeout: duration(
            file.drain_timeout,
            DEFAULT_DRAIN_TIMEOUT_SECS,
            "api.drain_timeout",
        )?,
        max_connections,
        max_connections_per_client: per_client,
    })
}
