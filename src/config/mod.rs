//! One layered configuration for every mode: built-in defaults < YAML file < `nats` CLI context
//! < environment variables < flags, resolved once into typed values. A bad value stops start-up
//! with a message naming where it came from (file and key path, or variable/flag) and what was
//! expected.

mod access;
mod connections;
mod context;
mod file;
mod secret;
mod security;
mod server;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::cli::SettingsArgs;
use crate::model::rules;
use crate::model::spec::StreamSpec;
use crate::supervisor::SupervisorSettings;
pub use access::{ApiAccess, Scope};
pub use connections::ConnectionLimits;
use file::{FileRoot, SERVICE_KEY, ServiceFile};
pub use secret::{ClientSecurity, Credential, Secret, SecretFile, SystemConnection, TlsFiles};

pub const DEFAULT_API_PORT: u16 = 8086;
pub const DEFAULT_API_HOST: &str = "0.0.0.0";
pub const DEFAULT_NATS_URL: &str = "nats://127.0.0.1:4222";
pub const DEFAULT_NATS_PORT: u16 = 4222;
pub const DEFAULT_CLUSTER_PORT: u16 = 6222;
pub const DEFAULT_HTTP_PORT: u16 = 8222;
pub const DEFAULT_TIMEOUT_SECS: f64 = 10.0;
pub const DEFAULT_ENVIRONMENT: &str = "development";
pub const DEFAULT_LOG_LEVEL: &str = "info";
/// Large enough for a JSON-encoded message at NATS's default 1 MiB `max_payload`.
pub const DEFAULT_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Messages in one batch publish: enough to keep JetStream busy (its throughput stops growing
/// at about a thousand acknowledgements in flight), few enough that one batch's answer stays
/// small and within the publish timeout.
pub const DEFAULT_MAX_BATCH: usize = 1000;
const MAX_BATCH_LIMIT: usize = 100_000;
pub const CONFIG_FILE_NAME: &str = "message-broker.yaml";

/// A configuration problem: where the value came from, which key, and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}: {key}: {message}")]
pub struct ConfigError {
    pub source_name: String,
    pub key: String,
    pub message: String,
}

impl ConfigError {
    fn new(
        source_name: impl Into<String>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ConfigError {
            source_name: source_name.into(),
            key: key.into(),
            message: message.into(),
        }
    }
}

/// Where a setting's value came from, as a configuration error names it.
#[derive(Debug, Clone, Copy)]
enum Origin<'a> {
    /// A flag, named with the environment variable clap merges into it: `--nats-url / NATS_URL`.
    Flag(&'static str),
    /// A key below `services.message-broker` in the config file named `file`.
    File { file: &'a str, key: &'static str },
    /// A key of the `nats` CLI context file named `file`.
    Context { file: &'a str, key: &'static str },
}

impl Origin<'_> {
    fn error(self, message: impl Into<String>) -> ConfigError {
        match self {
            Origin::Flag(flag) => ConfigError::new(flag, "value", message),
            Origin::File { file, key } => {
                ConfigError::new(file, format!("services.{SERVICE_KEY}.{key}"), message)
            }
            Origin::Context { file, key } => ConfigError::new(file, key, message),
        }
    }

    /// Where the value came from, as one message names another setting.
    fn describe(self) -> String {
        match self {
            Origin::Flag(flag) => flag.to_owned(),
            Origin::File { file, key } => format!("{file}: services.{SERVICE_KEY}.{key}"),
            Origin::Context { file, key } => format!("{file}: {key}"),
        }
    }
}

/// The flag's value (or its environment variable's: clap has merged them) over the file's, with
/// where it came from. When neither is set the origin is the file key, where it would be set.
fn first_set<'a, T>(
    flag: (Option<T>, Origin<'a>),
    file: (Option<T>, Origin<'a>),
) -> (Option<T>, Origin<'a>) {
    match flag {
        (Some(value), origin) => (Some(value), origin),
        (None, _) => file,
    }
}

/// [`first_set`], falling back to the built-in default.
fn pick<'a, T>(
    flag: (Option<T>, Origin<'a>),
    file: (Option<T>, Origin<'a>),
    default: T,
) -> (T, Origin<'a>) {
    let (value, origin) = first_set(flag, file);
    (value.unwrap_or(default), origin)
}

/// The resolved settings every mode runs with.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub config_file: Option<PathBuf>,
    pub environment: String,
    pub api_host: String,
    pub api_port: u16,
    pub log_level: String,
    pub log_file: Option<PathBuf>,
    /// Shown with any password or token in it replaced by `***`.
    #[serde(serialize_with = "secret::redacted_url")]
    pub nats_url: String,
    /// Credential and TLS files of the NATS connection (and of HTTPS monitoring).
    pub nats_security: ClientSecurity,
    #[serde(serialize_with = "seconds")]
    pub nats_timeout: Duration,
    pub monitor_url: String,
    /// Whether this process starts and manages the nats-server(s) it connects to.
    pub supervise: bool,
    pub nats_server: SupervisorSettings,
    pub max_body_bytes: usize,
    /// Reserved subjects (`$…`, `_INBOX…`) the publish endpoint may use anyway, as filters.
    pub allow_publish_to: Vec<String>,
    /// Most messages `POST /api/v1/broker/publish/batch` takes at once.
    pub max_batch: usize,
    /// Timeouts and the cap on connections of the REST API (`api.*`).
    pub connections: ConnectionLimits,
    /// Who may use the REST API (`api.token` …, `--read-only`).
    pub access: ApiAccess,
    pub streams: Vec<StreamSpec>,
    /// The console's system-account connection for `$SYS` pings, when one is configured.
    pub system: Option<SystemConnection>,
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// The user config directory (`~/.config/message-broker` on Linux): the config file, the user
/// keymap and user themes live here.
pub fn config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "message-broker")
        .map(|dirs| dirs.config_dir().to_owned())
}

/// Where the console writes its log unless `log_file` says otherwise.
pub fn default_console_log() -> PathBuf {
    directories::ProjectDirs::from("", "", "message-broker")
        .map(|dirs| {
            dirs.state_dir()
                .unwrap_or_else(|| dirs.data_local_dir())
                .join("message-broker.log")
        })
        .unwrap_or_else(|| PathBuf::from("message-broker.log"))
}

/// Where the config file is looked for when none is named.
pub fn default_config_path() -> Option<PathBuf> {
    config_dir().map(|dir| dir.join(CONFIG_FILE_NAME))
}

impl Settings {
    /// Resolves settings from flags (which clap has already merged with their environment
    /// variables) over the named or default config file over built-in defaults.
    pub fn load(args: &SettingsArgs) -> Result<Settings, ConfigError> {
        let (path, service) = match &args.config {
            Some(path) => (Some(path.clone()), Some(read_file(path)?)),
            None => match default_config_path().filter(|p| p.is_file()) {
                Some(path) => {
                    let service = read_file(&path)?;
                    (Some(path), Some(service))
                }
                None => (None, None),
            },
        };
        let file = service.unwrap_or_default();
        Self::resolve(args, path, file)
    }

    /// Layers `args` over a config file's text (for tests and tools that hold the text already).
    pub fn from_yaml(
        args: &SettingsArgs,
        path: &Path,
        text: &str,
    ) -> Result<Settings, ConfigError> {
        let file = parse_yaml(path, text)?;
        Self::resolve(args, Some(path.to_owned()), file)
    }

    fn resolve(
        args: &SettingsArgs,
        path: Option<PathBuf>,
        file: ServiceFile,
    ) -> Result<Settings, ConfigError> {
        let file_name = path
            .as_ref()
            .map_or_else(|| "config".to_owned(), |p| p.display().to_string());
        let key = |k: &str| format!("services.{SERVICE_KEY}.{k}");
        let at = |key| Origin::File {
            file: &file_name,
            key,
        };

        let (environment, _) = pick(
            (
                args.environment.clone(),
                Origin::Flag("--environment / ENVIRONMENT"),
            ),
            (file.environment, at("environment")),
            DEFAULT_ENVIRONMENT.to_owned(),
        );
        let (api_host, _) = pick(
            (args.host.clone(), Origin::Flag("--host / API_HOST")),
            (file.host, at("host")),
            DEFAULT_API_HOST.to_owned(),
        );
        let (api_port, _) = pick(
            (args.port, Origin::Flag("--port / API_PORT")),
            (file.port, at("port")),
            DEFAULT_API_PORT,
        );
        let (log_file, _) = first_set(
            (args.log_file.clone(), Origin::Flag("--log-file / LOG_FILE")),
            (file.log_file, at("log_file")),
        );

        // The context is chosen by the usual layers; its values sit just above the file's.
        let (context_name, context_at) = first_set(
            (
                args.security.context.as_deref(),
                Origin::Flag("--context / NATS_CONTEXT"),
            ),
            (
                file.nats_client.context.as_deref(),
                at("nats_client.context"),
            ),
        );
        let context = match context_name.filter(|n| !n.is_empty()) {
            Some(name) => Some(context::load(name, context_at)?),
            None => None,
        };
        let (nats_url, url_at) = pick(
            (
                args.nats_url.as_deref(),
                Origin::Flag("--nats-url / NATS_URL"),
            ),
            match &context {
                Some(context) if context.url.is_some() => (
                    context.url.as_deref(),
                    Origin::Context {
                        file: &context.file,
                        key: "url",
                    },
                ),
                _ => (file.nats_client.url.as_deref(), at("nats_client.url")),
            },
            DEFAULT_NATS_URL,
        );
        let nats_host = nats_host(nats_url).map_err(|m| url_at.error(m))?;
        let nats_security = security::resolve(
            &args.security,
            context.as_ref(),
            &file.nats_client,
            &file_name,
        )?;
        security::check_url_credentials(nats_url, &nats_security.credential, url_at)?;

        let (timeout_secs, timeout_at) = pick(
            (
                args.nats_timeout,
                Origin::Flag("--nats-timeout / NATS_TIMEOUT"),
            ),
            (file.nats_client.timeout, at("nats_client.timeout")),
            DEFAULT_TIMEOUT_SECS,
        );
        check_timeout(timeout_secs).map_err(|m| timeout_at.error(m))?;

        let (supervise, nats_server) = server::resolve(args, &file.nats_server, &file_name)?;
        if supervise && args.nats_url.is_some() {
            return Err(Origin::Flag("--nats-url / NATS_URL").error(
                "is not used with --supervise: the service connects to the nats-server it \
                 supervises. Set that server's client port with --nats-port / NATS_PORT, or \
                 leave out --supervise to connect to the server at this URL",
            ));
        }
        // A supervised server is where the client connects and the monitor looks.
        let (nats_url, nats_host) = if supervise {
            let plans = crate::supervisor::conf::plan_for(&nats_server);
            let urls: Vec<String> = plans.iter().map(|p| p.client_url()).collect();
            let host = crate::supervisor::conf::reachable(&nats_server.host);
            (urls.join(","), host.to_owned())
        } else {
            (nats_url.to_owned(), nats_host)
        };

        let (monitor_url, monitor_at) = first_set(
            (
                args.monitor_url.as_deref(),
                Origin::Flag("--monitor-url / NATS_MONITOR_URL"),
            ),
            (
                file.nats_client.monitor_url.as_deref(),
                at("nats_client.monitor_url"),
            ),
        );
        let monitor_url = match monitor_url.filter(|_| !supervise) {
            Some(url) => {
                check_http_url(url).map_err(|m| monitor_at.error(m))?;
                url.trim_end_matches('/').to_owned()
            }
            None => format!(
                "http://{}:{}",
                bracket_ipv6(&nats_host),
                nats_server.http_port
            ),
        };

        let (log_level, log_level_at) = pick(
            (
                args.log_level.as_deref(),
                Origin::Flag("--log-level / LOG_LEVEL"),
            ),
            (file.log_level.as_deref(), at("log_level")),
            DEFAULT_LOG_LEVEL,
        );
        let log_level = normalise_log_level(log_level).map_err(|m| log_level_at.error(m))?;

        let max_body_bytes = file.api.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES);
        if max_body_bytes < 1024 {
            return Err(at("api.max_body_bytes").error(format!(
                "expected at least 1024 bytes, got {max_body_bytes}"
            )));
        }

        for (i, filter) in file.api.allow_publish_to.iter().enumerate() {
            rules::subject_filter(filter).map_err(|m| {
                ConfigError::new(
                    file_name.clone(),
                    key(&format!("api.allow_publish_to[{i}]")),
                    m,
                )
            })?;
        }
        let max_batch = file.api.max_batch.unwrap_or(DEFAULT_MAX_BATCH);
        if !(1..=MAX_BATCH_LIMIT).contains(&max_batch) {
            return Err(at("api.max_batch").error(format!(
                "expected 1 to {MAX_BATCH_LIMIT} messages, got {max_batch}"
            )));
        }
        let connections = connections::resolve(&file.api, &file_name)?;
        let access = access::resolve(&args.access, &file.api, &file_name)?;

        let mut streams = Vec::new();
        for (name, mut spec) in file.streams {
            if !spec.name.is_empty() && spec.name != name {
                return Err(ConfigError::new(
                    file_name,
                    key(&format!("streams.{name}.name")),
                    format!(
                        "'{}' differs from the key '{name}'; leave it out or make them equal",
                        spec.name
                    ),
                ));
            }
            spec.name = name.clone();
            if let Err(err) = spec.validate() {
                let field = if err.field == "name" {
                    format!("streams.{name}")
                } else {
                    format!("streams.{name}.{}", err.field)
                };
                return Err(ConfigError::new(file_name, key(&field), err.problem));
            }
            streams.push(spec);
        }
        check_stream_overlaps(&streams)
            .map_err(|m| ConfigError::new(file_name.clone(), key("streams"), m))?;
        let system = security::resolve_system(&args.security, &nats_security, &nats_url)?;

        Ok(Settings {
            config_file: path,
            environment,
            api_host,
            api_port,
            log_level,
            log_file,
            nats_url,
            nats_security,
            nats_timeout: Duration::from_secs_f64(timeout_secs),
            monitor_url,
            supervise,
            nats_server,
            max_body_bytes,
            allow_publish_to: file.api.allow_publish_to,
            max_batch,
            connections,
            access,
            streams,
            system,
        })
    }

    pub fn api_addr(&self) -> String {
        format!("{}:{}", bracket_ipv6(&self.api_host), self.api_port)
    }
}

fn read_file(path: &Path) -> Result<ServiceFile, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError::new(
            path.display().to_string(),
            "(file)",
            format!("cannot read: {e}"),
        )
    })?;
    parse_yaml(path, &text)
}

fn parse_yaml(path: &Path, text: &str) -> Result<ServiceFile, ConfigError> {
    if text.trim().is_empty() {
        return Ok(ServiceFile::default());
    }
    let deserializer = serde_norway::Deserializer::from_str(text);
    let root: FileRoot = serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let key = err.path().to_string();
        let key = if key == "." {
            "(top level)".to_owned()
        } else {
            key
        };
        let message = err.into_inner().to_string();
        // serde_norway starts its message with the path it knows; the key is reported already.
        let message = match message.split_once(": ") {
            Some((prefix, rest))
                if key == prefix
                    || key.starts_with(&format!("{prefix}."))
                    || key.starts_with(&format!("{prefix}[")) =>
            {
                rest.to_owned()
            }
            _ => message,
        };
        ConfigError::new(path.display().to_string(), key, message)
    })?;
    Ok(root.services.message_broker.unwrap_or_default())
}

/// Configured streams must not capture the same subjects: JetStream would refuse the second.
fn check_stream_overlaps(streams: &[StreamSpec]) -> Result<(), String> {
    for (i, spec) in streams.iter().enumerate() {
        let subjects: Vec<(String, Vec<String>)> = streams[i + 1..]
            .iter()
            .map(|other| (other.name.clone(), other.effective_subjects()))
            .collect();
        let others = subjects.iter().map(|(n, s)| (n.as_str(), s.as_slice()));
        if let Some(overlap) = rules::overlaps(&spec.effective_subjects(), others).first() {
            return Err(format!(
                "stream '{}' subject '{}' overlaps stream '{}' subject '{}'",
                spec.name, overlap.ours, overlap.stream, overlap.theirs
            ));
        }
    }
    Ok(())
}

/// The host of the first URL in a (comma-separated) NATS URL list.
fn nats_host(urls: &str) -> Result<String, String> {
    let first = urls.split(',').next().unwrap_or_default().trim();
    if first.is_empty() {
        return Err("expected a NATS URL such as nats://127.0.0.1:4222, got an empty value".into());
    }
    let with_scheme = if first.contains("://") {
        first.to_owned()
    } else {
        format!("nats://{first}")
    };
    let url = reqwest::Url::parse(&with_scheme)
        .map_err(|e| format!("'{first}' is not a valid NATS URL: {e}"))?;
    if !matches!(url.scheme(), "nats" | "tls" | "ws" | "wss") {
        return Err(format!(
            "'{first}' has scheme '{}'; expected nats://, tls://, ws:// or wss://",
            url.scheme()
        ));
    }
    match url.host_str() {
        Some(host) if !host.is_empty() => Ok(host.trim_matches(['[', ']']).to_owned()),
        _ => Err(format!("'{first}' has no host")),
    }
}

fn check_timeout(secs: f64) -> Result<(), String> {
    if secs.is_finite() && secs > 0.0 && secs <= 3600.0 {
        Ok(())
    } else {
        Err(format!(
            "expected seconds greater than 0 and at most 3600, got {secs}"
        ))
    }
}

fn check_http_url(url: &str) -> Result<(), String> {
    let parsed =
        reqwest::Url::parse(url).map_err(|e| format!("'{url}' is not a valid URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("'{url}' must start with http:// or https://"));
    }
    Ok(())
}

fn bracket_ipv6(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

/// Accepts the spec's upper-case levels (`INFO`), Python's names, or a tracing filter directive.
fn normalise_log_level(level: &str) -> Result<String, String> {
    let lower = level.trim().to_ascii_lowercase();
    let mapped = match lower.as_str() {
        "warning" => "warn".to_owned(),
        "critical" | "fatal" => "error".to_owned(),
        _ => lower,
    };
    tracing_subscriber::EnvFilter::try_new(&mapped)
        .map(|_| mapped)
        .map_err(|e| format!("'{level}' is not a log level (trace, debug, info, warn, error): {e}"))
}

#[cfg(test)]
mod tests;
