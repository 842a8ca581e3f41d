//! The `nats_server` section: what the supervisor runs, when it runs at all.

use std::path::PathBuf;

use super::file::{ClusterFile, NatsServerFile, Size};
use super::{
    ConfigError, DEFAULT_CLUSTER_PORT, DEFAULT_HTTP_PORT, DEFAULT_NATS_PORT, Origin, first_set,
    pick,
};
use crate::cli::SettingsArgs;
use crate::supervisor::conf::check_size;
use crate::supervisor::{ClusterSettings, RestartPolicy, SupervisorSettings};

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
    let server = &args.server;
    let (server_name, name_at) = pick(
        (
            server.nats_server_name.clone(),
            Origin::Flag("--nats-server-name / NATS_SERVER_NAME"),
        ),
        (file.server_name.clone(), at("nats_server.server_name")),
        DEFAULT_SERVER_NAME.to_owned(),
    );
    check_name(&server_name).map_err(|m| name_at.error(m))?;
    let cluster = cluster(server, file.cluster.as_ref(), file_name)?;
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
    let (port, _) = pick(
        (server.nats_port, Origin::Flag("--nats-port / NATS_PORT")),
        (file.port, at("nats_server.port")),
        DEFAULT_NATS_PORT,
    );
    let (host, host_at) = pick(
        (
            server.nats_server_host.clone(),
            Origin::Flag("--nats-server-host / NATS_SERVER_HOST"),
        ),
        (file.host.clone(), at("nats_server.host")),
        DEFAULT_SERVER_HOST.to_owned(),
    );
    if host.trim().is_empty() || host.contains(char::is_whitespace) {
        return Err(host_at.error(format!("'{host}' is not an address to listen on")));
    }
    let (data_dir, _) = first_set(
        (
            server.nats_data_dir.clone(),
            Origin::Flag("--nats-data-dir / NATS_DATA_DIR"),
        ),
        (file.data_dir.clone(), at("nats_server.data_dir")),
    );
    let settings = SupervisorSettings {
        binary,
        host,
        port,
        cluster_port,
        http_port,
        data_dir: data_dir.unwrap_or_else(default_data_dir),
        max_memory: size("nats_server.max_memory", &file.max_memory)?,
        max_storage: size("nats_server.max_storage", &file.max_storage)?,
        server_name,
        config_file: file.config_file.clone(),
        nodes,
        cluster,
        policy: RestartPolicy::default(),
    };
    if settings.config_file.is_some() && nodes > 1 {
        return Err(at("nats_server.config_file")
            .error("a pass-through config file runs a single node; leave out nodes / --cluster"));
    }
    if settings.cluster.is_some() && nodes > 1 {
        return Err(nodes_at.error(
            "a cluster across hosts runs one node on each host; leave out nodes / --cluster, or \
             leave out nats_server.cluster for a local cluster",
        ));
    }
    if settings.cluster.is_some() && settings.config_file.is_some() {
        return Err(at("nats_server.config_file").error(
            "a pass-through config file holds its own cluster block; leave out \
             nats_server.cluster",
        ));
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

/// Server and cluster names go into the generated nats-server config and its JetStream metadata.
fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty()
        || name
            .chars()
            .any(|c| c.is_whitespace() || c == '"' || c == '\\')
    {
        Err(format!(
            "'{name}' must be non-empty, without spaces, quotes or backslashes"
        ))
    } else {
        Ok(())
    }
}

/// The cluster across hosts this node joins, when the flags or the file name one: any of its
/// settings turns it on, and its name is then required (a node without routes is a seed the
/// others route to).
fn cluster(
    args: &crate::cli::ServerArgs,
    file: Option<&ClusterFile>,
    file_name: &str,
) -> Result<Option<ClusterSettings>, ConfigError> {
    let at = |key| Origin::File {
        file: file_name,
        key,
    };
    let empty = ClusterFile::default();
    let file = file.unwrap_or(&empty);
    let (name, name_at) = first_set(
        (
            args.nats_cluster_name.clone(),
            Origin::Flag("--nats-cluster-name / NATS_CLUSTER_NAME"),
        ),
        (file.name.clone(), at("nats_server.cluster.name")),
    );
    let flag_routes = args.nats_routes.as_ref().map(|text| {
        text.split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    });
    let (routes, routes_at) = first_set(
        (flag_routes, Origin::Flag("--nats-routes / NATS_ROUTES")),
        (file.routes.clone(), at("nats_server.cluster.routes")),
    );
    let (advertise, advertise_at) = first_set(
        (
            args.nats_cluster_advertise.clone(),
            Origin::Flag("--nats-cluster-advertise / NATS_CLUSTER_ADVERTISE"),
        ),
        (file.advertise.clone(), at("nats_server.cluster.advertise")),
    );
    if name.is_none() && routes.is_none() && advertise.is_none() {
        return Ok(None);
    }
    let Some(name) = name else {
        // Reported where the cluster was asked for, naming where its name goes.
        let given = if routes.is_some() {
            routes_at
        } else {
            advertise_at
        };
        return Err(given.error(
            "a cluster across hosts needs its name too (the same on every host): set \
             --nats-cluster-name / NATS_CLUSTER_NAME or nats_server.cluster.name",
        ));
    };
    check_name(&name).map_err(|m| name_at.error(m))?;
    let routes = routes.unwrap_or_default();
    for route in &routes {
        check_route(route).map_err(|m| routes_at.error(m))?;
    }
    if let Some(advertise) = &advertise {
        check_host_port(advertise).map_err(|m| advertise_at.error(m))?;
    }
    Ok(Some(ClusterSettings {
        name,
        routes,
        advertise,
    }))
}

fn check_route(route: &str) -> Result<(), String> {
    let url = reqwest::Url::parse(route)
        .map_err(|e| format!("'{route}' is not a route URL such as nats-route://mb-2:6222: {e}"))?;
    if !matches!(url.scheme(), "nats-route" | "nats" | "tls") {
        return Err(format!(
            "'{route}' has scheme '{}'; expected nats-route://host:port",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) || url.port().is_none() {
        return Err(format!(
            "'{route}' needs a host and the route port, as in nats-route://mb-2:6222"
        ));
    }
    Ok(())
}

fn check_host_port(value: &str) -> Result<(), String> {
    let bad = || format!("'{value}' is not host:port, as in mb-1:6222");
    let (host, port) = value.rsplit_once(':').ok_or_else(bad)?;
    if host.trim_matches(['[', ']']).is_empty() || port.parse::<u16>().map_or(true, |p| p == 0) {
        return Err(bad());
    }
    Ok(())
}
