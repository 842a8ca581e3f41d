//! The `nats_server` section: what the supervisor runs, when it runs at all.

use std::path::PathBuf;

use super::file::NatsServerFile;
use super::{ConfigError, DEFAULT_CLUSTER_PORT, DEFAULT_HTTP_PORT, DEFAULT_NATS_PORT, SERVICE_KEY};
use crate::cli::SettingsArgs;
use crate::supervisor::conf::check_size;
use crate::supervisor::{RestartPolicy, SupervisorSettings};

pub const DEFAULT_SERVER_HOST: &str = "127.0.0.1";
pub const DEFAULT_SERVER_NAME: &str = "message-broker";

/// Where supervised servers keep their data unless told otherwise.
pub fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "message-broker")
        .map(|dirs| dirs.data_dir().join("nats"))
        .unwrap_or_else(|| PathBuf::from("message-broker-data").join("nats"))
}

pub fn resolve(
    args: &SettingsArgs,
    file: &NatsServerFile,
    file_name: &str,
) -> Result<(bool, SupervisorSettings), ConfigError> {
    let key = |k: &str| format!("services.{SERVICE_KEY}.nats_server.{k}");
    let nodes = args.cluster.or(file.nodes).unwrap_or(1);
    if !matches!(nodes, 1 | 3 | 5) {
        let (origin, k) = if args.cluster.is_some() {
            ("--cluster".to_owned(), "value".to_owned())
        } else {
            (file_name.to_owned(), key("nodes"))
        };
        return Err(ConfigError::new(
            origin,
            k,
            format!("expected 1, 3 or 5 nodes (a cluster needs an odd majority), got {nodes}"),
        ));
    }
    let supervise = args.supervise || args.cluster.is_some() || file.enabled.unwrap_or(false);
    let size =
        |field: &str, value: &Option<super::file::Size>| -> Result<Option<String>, ConfigError> {
            match value {
                None => Ok(None),
                Some(size) => {
                    let text = size.as_text();
                    check_size(&text).map_err(|m| ConfigError::new(file_name, key(field), m))?;
                    Ok(Some(text))
                }
            }
        };
    let server_name = file
        .server_name
        .clone()
        .unwrap_or_else(|| DEFAULT_SERVER_NAME.to_owned());
    if server_name.is_empty() || server_name.chars().any(|c| c.is_whitespace() || c == '"') {
        return Err(ConfigError::new(
            file_name,
            key("server_name"),
            format!("'{server_name}' must be non-empty, without spaces or quotes"),
        ));
    }
    let settings = SupervisorSettings {
        binary: args.nats_server_bin.clone().or(file.binary.clone()),
        host: file
            .host
            .clone()
            .unwrap_or_else(|| DEFAULT_SERVER_HOST.to_owned()),
        port: file.port.unwrap_or(DEFAULT_NATS_PORT),
        cluster_port: args
            .nats_cluster_port
            .or(file.cluster_port)
            .unwrap_or(DEFAULT_CLUSTER_PORT),
        http_port: args
            .nats_http_port
            .or(file.http_port)
            .unwrap_or(DEFAULT_HTTP_PORT),
        data_dir: file.data_dir.clone().unwrap_or_else(default_data_dir),
        max_memory: size("max_memory", &file.max_memory)?,
        max_storage: size("max_storage", &file.max_storage)?,
        server_name,
        config_file: file.config_file.clone(),
        nodes,
        policy: RestartPolicy::default(),
    };
    if settings.config_file.is_some() && nodes > 1 {
        return Err(ConfigError::new(
            file_name,
            key("config_file"),
            "a pass-through config file runs a single node; leave out nodes / --cluster",
        ));
    }
    let top = |port: u16| usize::from(port) + nodes - 1;
    for (field, port) in [
        ("port", settings.port),
        ("cluster_port", settings.cluster_port),
        ("http_port", settings.http_port),
    ] {
        if port == 0 || top(port) > usize::from(u16::MAX) {
            return Err(ConfigError::new(
                file_name,
                key(field),
                format!("{port} leaves no room for {nodes} consecutive ports"),
            ));
        }
    }
    Ok((supervise, settings))
}
