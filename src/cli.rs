//! Command-line flags. Each flag that sets configuration also reads its environment variable;
//! defaults are applied by the config loader so that a config file sits between them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "message-broker",
    version,
    about = "Terminal operations console and headless REST service for NATS JetStream",
    long_about = "Terminal operations console and headless REST service for NATS JetStream.\n\n\
        Settings are layered: built-in defaults < YAML config file < environment variables < flags."
)]
pub struct Cli {
    /// Run headless: serve the REST API (for containers and services).
    #[arg(long)]
    pub serve: bool,

    #[command(flatten)]
    pub settings: SettingsArgs,

    #[command(flatten)]
    pub console: ConsoleArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags that override the config file.
#[derive(Debug, Clone, Default, Args)]
pub struct SettingsArgs {
    /// YAML config file [default: message-broker.yaml in the user config directory, if present]
    #[arg(
        short,
        long,
        env = "MESSAGE_BROKER_CONFIG",
        value_name = "PATH",
        global = true
    )]
    pub config: Option<PathBuf>,

    /// Run environment reported by the API [default: development]
    #[arg(long, env = "ENVIRONMENT", global = true)]
    pub environment: Option<String>,

    /// Address the REST API listens on [default: 0.0.0.0]
    #[arg(long, env = "API_HOST", value_name = "ADDR", global = true)]
    pub host: Option<String>,

    /// Port the REST API listens on [default: 8086]
    #[arg(long, env = "API_PORT", global = true)]
    pub port: Option<u16>,

    /// Log level: trace, debug, info, warn, error, or a tracing filter directive [default: info]
    #[arg(long, env = "LOG_LEVEL", value_name = "LEVEL", global = true)]
    pub log_level: Option<String>,

    /// Also write logs to this file (rotated daily, written in the background)
    #[arg(long, env = "LOG_FILE", value_name = "PATH", global = true)]
    pub log_file: Option<PathBuf>,

    /// NATS server URL(s), comma-separated [default: nats://127.0.0.1:4222]
    #[arg(
        long,
        env = "NATS_URL",
        value_name = "URL",
        global = true,
        hide_env_values = true
    )]
    pub nats_url: Option<String>,

    /// Seconds to wait for NATS and JetStream before an API request fails [default: 10]
    #[arg(long, env = "NATS_TIMEOUT", value_name = "SECONDS", global = true)]
    pub nats_timeout: Option<f64>,

    /// NATS HTTP monitoring base URL [default: the NATS host with NATS_HTTP_PORT]
    #[arg(long, env = "NATS_MONITOR_URL", value_name = "URL", global = true)]
    pub monitor_url: Option<String>,

    /// NATS server HTTP monitoring port [default: 8222]
    #[arg(long, env = "NATS_HTTP_PORT", value_name = "PORT", global = true)]
    pub nats_http_port: Option<u16>,

    /// NATS server cluster port [default: 6222]
    #[arg(long, env = "NATS_CLUSTER_PORT", value_name = "PORT", global = true)]
    pub nats_cluster_port: Option<u16>,

    /// Start and manage a local nats-server (JetStream on) instead of only connecting to one
    #[arg(long, global = true)]
    pub supervise: bool,

    /// Supervise a local cluster of N nodes (3 or 5) on consecutive ports; implies --supervise
    #[arg(long, value_name = "N", global = true)]
    pub cluster: Option<usize>,

    /// nats-server binary the supervisor runs [default: nats-server on PATH]
    #[arg(long, env = "NATS_SERVER_BIN", value_name = "PATH", global = true)]
    pub nats_server_bin: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub server: ServerArgs,

    #[command(flatten)]
    pub security: SecurityArgs,

    #[command(flatten)]
    pub access: AccessArgs,
}

/// The supervised nats-server: where it listens, where it keeps its data, and the cluster it
/// joins across hosts.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Supervised nats-server")]
pub struct ServerArgs {
    /// Client port of the supervised nats-server (a local cluster uses the next ports too)
    /// [default: 4222]
    #[arg(long, env = "NATS_PORT", value_name = "PORT", global = true)]
    pub nats_port: Option<u16>,

    /// Address the supervised nats-server listens on; 0.0.0.0 to take routes from other hosts
    /// [default: 127.0.0.1]
    #[arg(long, env = "NATS_SERVER_HOST", value_name = "ADDR", global = true)]
    pub nats_server_host: Option<String>,

    /// Directory of the supervised server's JetStream data and generated configs
    /// [default: ~/.local/share/message-broker/nats]
    #[arg(long, env = "NATS_DATA_DIR", value_name = "PATH", global = true)]
    pub nats_data_dir: Option<PathBuf>,

    /// Name of the supervised nats-server: unique in its cluster [default: message-broker]
    #[arg(long, env = "NATS_SERVER_NAME", value_name = "NAME", global = true)]
    pub nats_server_name: Option<String>,

    /// Join a cluster of this name across hosts (the same on every host)
    #[arg(long, env = "NATS_CLUSTER_NAME", value_name = "NAME", global = true)]
    pub nats_cluster_name: Option<String>,

    /// Route URLs of the other hosts' nodes, comma-separated
    /// (nats-route://mb-2:6222,nats-route://mb-3:6222)
    #[arg(long, env = "NATS_ROUTES", value_name = "URLS", global = true)]
    pub nats_routes: Option<String>,

    /// host:port at which the other nodes reach this node's route port, when it differs from
    /// what it listens on (NAT, containers)
    #[arg(
        long,
        env = "NATS_CLUSTER_ADVERTISE",
        value_name = "HOST:PORT",
        global = true
    )]
    pub nats_cluster_advertise: Option<String>,
}

/// Who may use the REST API. Tokens' values are never printed in `--help`; prefer the files or
/// the variables to the flags, which other local users can see.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "API access")]
pub struct AccessArgs {
    /// Bearer token that may read and change (at least 16 characters); every /api/v1 request
    /// then needs `Authorization: Bearer <token>`
    #[arg(
        long,
        env = "API_TOKEN",
        value_name = "TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub api_token: Option<String>,

    /// A file of write tokens, one per line (kept out of the process's arguments)
    #[arg(long, env = "API_TOKEN_FILE", value_name = "PATH", global = true)]
    pub api_token_file: Option<PathBuf>,

    /// Bearer token that may only read
    #[arg(
        long,
        env = "API_READ_TOKEN",
        value_name = "TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub api_read_token: Option<String>,

    /// A file of read tokens, one per line
    #[arg(long, env = "API_READ_TOKEN_FILE", value_name = "PATH", global = true)]
    pub api_read_token_file: Option<PathBuf>,

    /// Refuse every change: creating, deleting, purging and publishing (the API answers 403
    /// READ_ONLY; the console disables the forms)
    #[arg(long, env = "MESSAGE_BROKER_READ_ONLY", global = true)]
    pub read_only: bool,
}

/// How the client proves who it is and which servers it trusts. Like the `nats` CLI's flags and
/// variables; secrets' values are never printed in `--help`.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Connecting securely")]
pub struct SecurityArgs {
    /// A `nats` CLI context: a name in ~/.config/nats/context/, or a path to its .json file.
    /// Its values sit above the config file and below variables and flags
    #[arg(long, env = "NATS_CONTEXT", value_name = "NAME", global = true)]
    pub context: Option<String>,

    /// User name (with --password); a user without a password is a token
    #[arg(long, env = "NATS_USER", value_name = "USER", global = true)]
    pub user: Option<String>,

    /// Password of --user (prefer the variable: flags are visible to other local users)
    #[arg(
        long,
        env = "NATS_PASSWORD",
        value_name = "PASSWORD",
        global = true,
        hide_env_values = true
    )]
    pub password: Option<String>,

    /// Authentication token
    #[arg(
        long,
        env = "NATS_TOKEN",
        value_name = "TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub token: Option<String>,

    /// NKey seed file (a user seed, SU...)
    #[arg(long, env = "NATS_NKEY", value_name = "PATH", global = true)]
    pub nkey: Option<PathBuf>,

    /// JWT credentials file (.creds: user JWT and NKey seed)
    #[arg(long, env = "NATS_CREDS", value_name = "PATH", global = true)]
    pub creds: Option<PathBuf>,

    /// CA certificate(s) (PEM) that NATS and HTTPS monitoring servers must be signed by; implies TLS
    #[arg(long, env = "NATS_CA", value_name = "PATH", global = true)]
    pub tls_ca: Option<PathBuf>,

    /// Client certificate (PEM) for mutual TLS, with --tls-key; implies TLS
    #[arg(long, env = "NATS_CERT", value_name = "PATH", global = true)]
    pub tls_cert: Option<PathBuf>,

    /// Private key (PEM) of --tls-cert
    #[arg(long, env = "NATS_KEY", value_name = "PATH", global = true)]
    pub tls_key: Option<PathBuf>,

    /// A NATS URL with system-account credentials (nats://user:pass@host:4222): the console then
    /// sees every node of the cluster through `$SYS` pings over this one connection
    /// [default: the NATS URL when --system-creds or --system-context is given]
    #[arg(
        long,
        env = "NATS_SYSTEM_URL",
        value_name = "URL",
        global = true,
        hide_env_values = true
    )]
    pub system_url: Option<String>,

    /// Credentials file of a system-account user, for the `$SYS` connection
    #[arg(long, env = "NATS_SYSTEM_CREDS", value_name = "PATH", global = true)]
    pub system_creds: Option<PathBuf>,

    /// A `nats` CLI context for the `$SYS` connection (its URL, credentials and TLS files)
    #[arg(long, env = "NATS_SYSTEM_CONTEXT", value_name = "NAME", global = true)]
    pub system_context: Option<String>,
}

/// Flags of the console (the default mode).
#[derive(Debug, Clone, Default, Args)]
pub struct ConsoleArgs {
    /// Never start an embedded nats-server, even when nothing answers at a local NATS_URL
    #[arg(long)]
    pub no_supervise: bool,

    /// Also serve the REST API from the console process (on --host/--port)
    #[arg(long)]
    pub with_api: bool,

    /// Show the API statistics of a `message-broker --serve` instance at this base URL
    #[arg(long, value_name = "URL")]
    pub api: Option<String>,

    /// Colour theme: dark, light, high-contrast, monochrome, or a file name in the config
    /// directory's themes/ [default: dark]
    #[arg(long, env = "MESSAGE_BROKER_THEME", value_name = "NAME")]
    pub theme: Option<String>,

    /// Key bindings: default or vim; keymap.toml in the config directory overrides single keys
    /// [default: default]
    #[arg(long, env = "MESSAGE_BROKER_KEYMAP", value_name = "NAME")]
    pub keymap: Option<String>,

    /// Seconds between samples [default: 1]
    #[arg(long, value_name = "SECONDS")]
    pub refresh: Option<f64>,

    /// Consumer lag (pending messages) from which it is shown as a warning [default: 1000]
    #[arg(long, env = "MESSAGE_BROKER_LAG_WARN", value_name = "MESSAGES")]
    pub lag_warn: Option<u64>,

    /// Consumer lag from which it is shown as an error [default: 10000]
    #[arg(long, env = "MESSAGE_BROKER_LAG_ERROR", value_name = "MESSAGES")]
    pub lag_error: Option<u64>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Check the configuration and print it as resolved from defaults, file, environment and flags.
    Config,
    /// Ask a running service whether it is healthy: exit 0 when its /health answers `healthy`,
    /// 1 otherwise (degraded, unreachable) — for a container HEALTHCHECK
    Health {
        /// The service's base URL or its /health URL [default: this configuration's --host and
        /// --port, on 127.0.0.1 when it listens on every address]
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// Seconds to wait for the answer
        #[arg(long, value_name = "SECONDS", default_value_t = 3.0)]
        timeout: f64,
    },
    /// Run the troubleshooting checks for this configuration: nats-server binary, ports, data
    /// directory, NATS, credentials, JetStream, monitoring — each with pass/fail and the fix.
    /// Exit 0 when no check fails, 1 otherwise
    Doctor,
    /// Print a shell completion script: `message-broker completions bash > /etc/bash_completion.d/message-broker`
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `message-broker man > message-broker.1`
    Man,
}
