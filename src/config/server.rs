//! The `nats_server` section: what the supervisor runs, when it runs at all.

use std::path::PathBuf;

use super::file::{NatsServerFile, Size};
use super::{
    ConfigError, DEFAULT_CLUSTER_PORT, DEFAULT_HTTP_PORT, DEFAULT_NATS_PORT, Origin, first_set,
    pick,
};
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
    let at = |key| Origin::File {
        file: file_name,
        key,
    };
    let (nodes, nodes_at) = pick(
        (args.cluster, Origin::Flag("--cluster")),
        (file.nodes, at("nats_server.nodes")),
        1,
    );
    if !matches!(nodes, 1 | 3 | 5) {
        return Err(nodes_at.error(format!(
            "expected 1, 3 or 5 nodes (a cluster needs an odd majority), got {nodes}"
        )));
    }
    let supervise = args.supervise || args.cluster.is_some() || file.enabled.unwrap_or(false);
    let size = |key, value: &Option<Size>| -> Result<Option<String>, ConfigError> {
        match value {
            None => Ok(None),
            Some(size) => {
                let text = size.as_text();
                check_size(&text).map_err(|m| at(key).error(m))?;
                Ok(Some(text))
            }
        }
    };
    let server_name = file
        .server_name
        .clone()
        .unwrap_or_else(|| DEFAULT_SERVER_NAME.to_owned());
    if server_name.is_empty() || server_name.chars().any(|c| c.is_whitespace() || c == '"') {
        return Err(at("nats_server.server_name").error(format!(
            "'{server_name}' must be non-empty, without spaces or quotes"
        )));
    }
    let (binary, _) = first_set(
        (
            args.nats_server_bin.clone(),
            Origin::Flag("--nats-server-bin / NATS_SERVER_BIN"),
        ),
        (file.binary.clone(), at("nats_server.binary")),
    );
    let (cluster_port, _) = pick(
        (
            args.nats_cluster_port,
            Origin::Flag("--nats-cluster-port / NATS_CLUSTER_PORT"),
        ),
        (file.cluster_port, at("nats_server.cluster_port")),
        DEFAULT_CLUSTER_PORT,
    );
    let (http_port, _) = pick(
        (
            args.nats_http_port,
            Origin::Flag("--nats-http-port / NATS_HTTP_PORT"),
        ),
        (file.http_port, at("nats_server.http_port")),
        DEFAULT_HTTP_PORT,
    );
    let settings = SupervisorSettings {
        binary,
        host: file
            .host
            .clone()
            .unwrap_or_else(|| DEFAULT_SERVER_HOST.to_owned()),
        port: file.port.unwrap_or(DEFAULT_NATS_PORT),
        cluster_port,
        http_port,
        data_dir: file.data_dir.clone().unwrap_or_else(default_data_dir),
        max_memory: size("nats_server.max_memory", &file.max_memory)?,
        max_storage: size("nats_server.max_storage", &file.max_storage)?,
        server_name,
        config_file: file.config_file.clone(),
        nodes,
        policy: RestartPolicy::default(),
    };
    if settings.config_file.is_some() && nodes > 1 {
        return Err(at("nats_server.config_file")
            .error("a pass-through config file runs a single node; leave out nodes / --cluster"));
    }
    let top = |port: u16| usize::from(port) + nodes - 1;
    for (key, port) in [
        ("nats_server.port", settings.port),
        ("nats_server.cluster_port", settings.cluster_port),
        ("nats_server.http_port", settings.http_port),
    ] {
        if port == 0 || top(port) > usize::from(u16::MAX) {
            return Err(at(key).error(format!(
                "{port} leaves no room for {nodes} consecutive ports"
            )));
        }
    }
    Ok((supervise, settings))
}
