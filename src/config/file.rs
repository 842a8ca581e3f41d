//! The YAML file as users write it (the spec's `services.message-broker` schema). Every level
//! rejects unknown keys so a typo is reported, not silently ignored. Other services' sections
//! under `services:` are allowed, since the file may be shared by a whole deployment.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::model::spec::StreamSpec;

pub const SERVICE_KEY: &str = "message-broker";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRoot {
    #[serde(default)]
    pub services: Services,
}

#[derive(Debug, Default)]
pub struct Services {
    pub message_broker: Option<ServiceFile>,
}

impl<'de> Deserialize<'de> for Services {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ServicesVisitor;
        impl<'de> Visitor<'de> for ServicesVisitor {
            type Value = Services;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of service names to their settings")
            }
            fn visit_unit<E>(self) -> Result<Services, E> {
                Ok(Services::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Services, A::Error> {
                let mut services = Services::default();
                while let Some(key) = map.next_key::<String>()? {
                    if key == SERVICE_KEY {
                        // An empty or `null` section means "all defaults".
                        services.message_broker = map.next_value::<Option<ServiceFile>>()?;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(services)
            }
        }
        deserializer.deserialize_any(ServicesVisitor)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceFile {
    pub environment: Option<String>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub log_level: Option<String>,
    pub log_file: Option<PathBuf>,
    #[serde(default)]
    pub nats_server: NatsServerFile,
    #[serde(default)]
    pub nats_client: NatsClientFile,
    #[serde(default)]
    pub api: ApiFile,
    #[serde(default)]
    pub streams: BTreeMap<String, StreamSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatsServerFile {
    pub enabled: Option<bool>,
    pub binary: Option<PathBuf>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub cluster_port: Option<u16>,
    pub http_port: Option<u16>,
    pub data_dir: Option<PathBuf>,
    pub max_memory: Option<Size>,
    pub max_storage: Option<Size>,
    pub server_name: Option<String>,
    pub config_file: Option<PathBuf>,
    pub nodes: Option<usize>,
    /// A cluster across hosts, this node being one of its members.
    pub cluster: Option<ClusterFile>,
}

/// `nats_server.cluster`: the cluster this host's node joins.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterFile {
    /// The cluster's name, the same on every host.
    pub name: Option<String>,
    /// Route URLs of the other hosts' nodes.
    #[serde(default)]
    pub routes: Option<Vec<String>>,
    /// `host:port` the other nodes reach this node's route port at.
    pub advertise: Option<String>,
}

/// A size as nats-server takes it: a byte count, or text such as `512M`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Size {
    Bytes(u64),
    Text(String),
}

impl Size {
    pub fn as_text(&self) -> String {
        match self {
            Size::Bytes(n) => n.to_string(),
            Size::Text(t) => t.clone(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatsClientFile {
    pub url: Option<String>,
    /// Seconds.
    pub timeout: Option<f64>,
    pub monitor_url: Option<String>,
    /// A `nats` CLI context name (or path to its .json file).
    pub context: Option<String>,
    pub user: Option<String>,
    pub password: Option<String>,
    pub token: Option<String>,
    /// Path to an NKey seed file.
    pub nkey: Option<PathBuf>,
    /// Path to a JWT `.creds` file.
    pub creds: Option<PathBuf>,
    pub inbox_prefix: Option<String>,
    pub jetstream_domain: Option<String>,
    #[serde(default)]
    pub tls: TlsFile,
}

/// `nats_client.tls`: paths to PEM files.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFile {
    pub ca: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    /// TLS before the server's INFO (`handshake_first` servers).
    pub first: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiFile {
    pub max_body_bytes: Option<usize>,
    /// Subject filters that publish may use although they are reserved (`$…`, `_INBOX…`).
    #[serde(default)]
    pub allow_publish_to: Vec<String>,
    /// Most messages in one batch publish.
    pub max_batch: Option<usize>,
    /// Seconds.
    pub header_timeout: Option<f64>,
    /// Seconds.
    pub body_timeout: Option<f64>,
    /// Seconds.
    pub idle_timeout: Option<f64>,
    /// Seconds.
    pub drain_timeout: Option<f64>,
    pub max_connections: Option<usize>,
    pub max_connections_per_client: Option<usize>,
    /// A bearer token that may read and change (`write` scope).
    pub token: Option<String>,
    /// A file of such tokens, one per line.
    pub token_file: Option<PathBuf>,
    /// A bearer token that may only read.
    pub read_token: Option<String>,
    pub read_token_file: Option<PathBuf>,
    /// With no token set, let other hosts change things anyway.
    pub allow_unauthenticated: Option<bool>,
    /// Refuse every change (403 READ_ONLY).
    pub read_only: Option<bool>,
}
