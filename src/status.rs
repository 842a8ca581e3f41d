//! The broker status, built once: one function per section of `/api/v1/broker/status`, used by
//! the API and by the console's samplers alike, so the two always show the same figures.

use std::collections::BTreeSet;
use std::time::Duration;

use futures::StreamExt;
use futures::future::join_all;
use serde::Deserialize;

use crate::model::status::{
    ClusterNode, ClusterStatus, JetStreamStatus, NodeJetStream, NodeUsage, ServerStatus,
};
use crate::model::stream::{ConsumerView, StreamView};
use crate::monitor::{Jsz, MetaReplica, Monitor, MonitorError, Routez, Varz};
use crate::nats::{Nats, system};
use crate::supervisor::SupervisorHandle;

/// The monitored server, from its `/varz`.
pub fn server(varz: Result<Varz, MonitorError>, monitor: &Monitor) -> Result<ServerStatus, String> {
    let v = varz.map_err(|e| e.to_string())?;
    Ok(ServerStatus {
        source: format!("{}/varz", monitor.base()),
        cluster: Some(v.cluster.name).filter(|c| !c.is_empty()),
        id: v.server_id,
        name: v.server_name,
        version: v.version,
        uptime: v.uptime,
        start: v.start,
        cpu: v.cpu,
        mem: v.mem,
        connections: v.connections,
        total_connections: v.total_connections,
        subscriptions: v.subscriptions,
        routes: v.routes,
        in_msgs: v.in_msgs,
        out_msgs: v.out_msgs,
        in_bytes: v.in_bytes,
        out_bytes: v.out_bytes,
        slow_consumers: v.slow_consumers,
    })
}

/// JetStream from `/jsz`; without a monitoring port, this account's view over NATS, which still
/// has usage, limits and API counters (but no message or byte totals: those stay absent, not 0).
pub async fn jetstream(
    jsz: Result<Jsz, MonitorError>,
    monitor: &Monitor,
    nats: &Nats,
) -> Result<JetStreamStatus, String> {
    let monitor_err = match jsz {
        // In a domain, the monitored server's `/jsz` is its own JetStream, not the domain's.
        Ok(_) if nats.in_domain() => format!(
            "a JetStream domain is configured: its figures come from {}.INFO",
            nats.jetstream_api()
        ),
        Ok(j) => {
            return Ok(JetStreamStatus {
                source: format!("{}/jsz", monitor.base()),
                monitoring_error: None,
                streams: j.streams,
                consumers: j.consumers,
                messages: Some(j.messages),
                bytes: Some(j.bytes),
                memory: j.memory,
                storage: j.storage,
                max_memory: j.config.max_memory,
                max_storage: j.config.max_storage,
                api_total: j.api.total,
                api_errors: j.api.errors,
                api_inflight: Some(j.api.inflight),
                meta_leader: j.meta_cluster.map(|m| m.leader).filter(|l| !l.is_empty()),
            });
        }
        Err(err) => err.to_string(),
    };
    let a = nats
        .account_info()
        .await
        .map_err(|js_err| format!("{monitor_err}; {js_err}"))?;
    Ok(JetStreamStatus {
        source: format!("{}.INFO", nats.jetstream_api()),
        monitoring_error: Some(monitor_err),
        streams: a.streams,
        consumers: a.consumers,
        messages: None,
        bytes: None,
        memory: a.memory,
        storage: a.storage,
        max_memory: a.limits.max_memory,
        max_storage: a.limits.max_storage,
        api_total: a.api.total,
        api_errors: a.api.errors,
        api_inflight: None,
        meta_leader: None,
    })
}

/// The monitored server's cluster: its name, routes and JetStream meta leader.
pub fn cluster(
    varz: &Result<Varz, MonitorError>,
    routez: Result<Routez, MonitorError>,
    jsz: &Result<Jsz, MonitorError>,
) -> Result<ClusterStatus, String> {
    let v = varz.as_ref().map_err(ToString::to_string)?;
    let r = routez.map_err(|e| e.to_string())?;
    let meta = jsz.as_ref().ok().and_then(|j| j.meta_cluster.as_ref());
    Ok(ClusterStatus {
        name: Some(v.cluster.name.clone()).filter(|c| !c.is_empty()),
        num_routes: r.num_routes,
        routes: r.routes,
        meta_leader: meta.map(|m| m.leader.clone()).filter(|l| !l.is_empty()),
        meta_cluster_size: meta.map(|m| m.cluster_size),
    })
}

/// Consumer listings in flight at once while sampling streams.
const CONCURRENT_LISTINGS: usize = 8;

/// A stream and its consumers, as one sample of the streams saw them.
#[derive(Debug, Clone)]
pub struct StreamSample {
    pub stream: StreamView,
    /// Empty for a stream without consumers, or whose consumers could not be listed (`error`).
    pub consumers: Vec<ConsumerView>,
    pub error: Option<String>,
}

/// Every stream with its consumers and their lag, over NATS (no monitoring port needed): one
/// stream listing, then one consumer listing per stream that has consumers, a few at a time, so a
/// server with many streams answers in a handful of round trips. A stream whose consumers cannot
/// be listed keeps its own figures and says why.
pub async fn streams_with_consumers(nats: &Nats) -> Result<Vec<StreamSample>, String> {
    let streams = nats.list_streams().await.map_err(|e| e.to_string())?;
    let listings = streams.into_iter().map(|stream| {
        let nats = nats.clone();
        async move {
            if stream.state.consumer_count == 0 {
                return StreamSample {
                    stream,
                    consumers: Vec::new(),
                    error: None,
                };
            }
            match nats.consumers(&stream.name).await {
                Ok(consumers) => StreamSample {
                    stream,
                    consumers,
                    error: None,
                },
                Err(err) => StreamSample {
                    stream,
                    consumers: Vec::new(),
                    error: Some(err.to_string()),
                },
            }
        }
    });
    Ok(futures::stream::iter(listings)
        .buffered(CONCURRENT_LISTINGS)
        .collect()
        .await)
}

/// Where the list of nodes comes from, decided once.
#[derive(Clone)]
pub enum NodeSource {
    /// Every server of the cluster through `$SYS` pings on a system-account connection; no
    /// monitoring port needed on any of them.
    System {
        client: async_nats::Client,
        wait: Duration,
    },
    /// The nodes this process runs, each probed on its own monitoring port.
    Supervised {
        supervisor: SupervisorHandle,
        monitors: Vec<Monitor>,
    },
    /// The monitored server, and the peers its routes reach (not probed).
    Monitored(Monitor),
}

impl NodeSource {
    /// `$SYS` when a system-account connection is given, else the supervised nodes, else the
    /// monitored server. Probes share `monitor`'s HTTP client, each bounded by `wait`.
    pub fn choose(
        system: Option<async_nats::Client>,
        supervisor: Option<SupervisorHandle>,
        monitor: &Monitor,
        wait: Duration,
    ) -> NodeSource {
        if let Some(client) = system {
            return NodeSource::System { client, wait };
        }
        match supervisor {
            Some(supervisor) => {
                let monitors = supervisor
                    .plans()
                    .iter()
                    .map(|plan| monitor.sharing(&plan.monitor_url(), wait))
                    .collect();
                NodeSource::Supervised {
                    supervisor,
                    monitors,
                }
            }
            None => NodeSource::Monitored(monitor.sharing(monitor.base(), wait)),
        }
    }

    /// Every node, sorted as the source gives them. `seen` remembers servers that answered a
    /// `$SYS` ping before, so one that stops answering is listed as down instead of vanishing.
    pub async fn nodes(&self, seen: &mut BTreeSet<String>) -> Result<Vec<ClusterNode>, String> {
        match self {
            NodeSource::System { client, wait } => sys_nodes(client, *wait, seen).await,
            NodeSource::Supervised {
                supervisor,
                monitors,
            } => {
                let status = supervisor.status();
                let probes = join_all(monitors.iter().map(probe)).await;
                let replicas: Vec<MetaReplica> = probes
                    .iter()
                    .flat_map(|(_, replicas)| replicas.iter().cloned())
                    .collect();
                let mut nodes: Vec<ClusterNode> = probes
                    .into_iter()
                    .zip(status.nodes)
                    .map(|((probe, _), node)| ClusterNode {
                        name: node.name,
                        supervisor_state: Some(node.state.to_string()),
                        restarts: Some(node.restarts),
                        ..probe
                    })
                    .collect();
                with_meta_lag(&mut nodes, &replicas);
                Ok(nodes)
            }
            NodeSource::Monitored(monitor) => {
                let (server, _) = probe(monitor).await;
                if let Some(error) = server.error.clone() {
                    return Err(error);
                }
                let peers = server.peers.clone();
                let leader = server.meta_leader.clone();
                let mut nodes = vec![ClusterNode {
                    name: Some(server.name.clone())
                        .filter(|n| !n.is_empty())
                        .unwrap_or_else(|| "monitored server".to_owned()),
                    ..server
                }];
                nodes.extend(peers.into_iter().map(|peer| ClusterNode {
                    name: peer,
                    up: true,
                    meta_leader: leader.clone(),
                    error: Some("seen through a route; not probed".to_owned()),
                    ..ClusterNode::default()
                }));
                Ok(nodes)
            }
        }
    }
}

/// A server's load from its `/varz`, and its JetStream use from its `/jsz` when it has one.
fn usage(varz: &Varz, jsz: Option<&Jsz>) -> NodeUsage {
    NodeUsage {
        cpu: varz.cpu,
        mem: varz.mem,
        connections: varz.connections,
        subscriptions: varz.subscriptions,
        slow_consumers: varz.slow_consumers,
        jetstream: jsz.map(|j| NodeJetStream {
            memory: j.memory,
            storage: j.storage,
            max_memory: j.config.max_memory,
            max_storage: j.config.max_storage,
            streams: j.streams,
            consumers: j.consumers,
            messages: j.messages,
            bytes: j.bytes,
            api_total: j.api.total,
            api_errors: j.api.errors,
        }),
    }
}

/// One server seen from its monitoring port: up or down, its routes and the meta leader it knows;
/// on the meta leader, also how far behind each other node is.
async fn probe(monitor: &Monitor) -> (ClusterNode, Vec<MetaReplica>) {
    let (health, varz, jsz, routez) = tokio::join!(
        monitor.healthz(),
        monitor.varz(),
        monitor.jsz(),
        monitor.routez()
    );
    let node_usage = varz.as_ref().ok().map(|v| usage(v, jsz.as_ref().ok()));
    let meta = jsz.ok().and_then(|j| j.meta_cluster);
    let node = ClusterNode {
        name: varz
            .as_ref()
            .map(|v| v.server_name.clone())
            .unwrap_or_default(),
        up: matches!(health, Ok(true)),
        monitor_url: Some(monitor.base().to_owned()),
        version: varz.as_ref().ok().map(|v| v.version.clone()),
        routes: varz.as_ref().ok().map(|v| v.routes),
        peers: routez
            .map(|r| {
                distinct(r.routes.into_iter().map(|route| {
                    if route.remote_name.is_empty() {
                        route.remote_id
                    } else {
                        route.remote_name
                    }
                }))
            })
            .unwrap_or_default(),
        meta_leader: meta
            .as_ref()
            .map(|m| m.leader.clone())
            .filter(|l| !l.is_empty()),
        error: health.err().map(|e| e.to_string()),
        usage: node_usage,
        ..ClusterNode::default()
    };
    (node, meta.map(|m| m.replicas).unwrap_or_default())
}

fn distinct(names: impl Iterator<Item = String>) -> Vec<String> {
    let set: BTreeSet<String> = names.filter(|n| !n.is_empty()).collect();
    set.into_iter().collect()
}

/// Each node's meta-log lag as the leader reports it.
fn with_meta_lag(nodes: &mut [ClusterNode], replicas: &[MetaReplica]) {
    for node in nodes {
        if let Some(replica) = replicas.iter().find(|r| r.name == node.name) {
            node.lag = Some(replica.lag);
            node.current = Some(replica.current && !replica.offline);
        }
    }
}

#[derive(Deserialize)]
struct SysRoutes {
    #[serde(default)]
    routes: Vec<crate::monitor::Route>,
}

/// The cluster as the servers themselves report it over `$SYS`.
pub async fn sys_nodes(
    system: &async_nats::Client,
    wait: Duration,
    seen: &mut BTreeSet<String>,
) -> Result<Vec<ClusterNode>, String> {
    let (varz, routez, jsz) = tokio::join!(
        system::ping_all(system, "VARZ", wait),
        system::ping_all(system, "ROUTEZ", wait),
        system::ping_all(system, "JSZ", wait),
    );
    let varz = varz?;
    let routez = routez.unwrap_or_default();
    let jsz = jsz.unwrap_or_default();
    let jsz_of = |id: &str| {
        jsz.iter()
            .find(|r| r.server.id == id)
            .and_then(|r| serde_json::from_value::<Jsz>(r.data.clone()).ok())
    };
    let meta_of = |id: &str| jsz_of(id).and_then(|j| j.meta_cluster);
    let mut replicas = Vec::new();
    let mut nodes: Vec<ClusterNode> = varz
        .iter()
        .map(|reply| {
            let id = &reply.server.id;
            let peers = distinct(
                routez
                    .iter()
                    .filter(|r| &r.server.id == id)
                    .filter_map(|r| serde_json::from_value::<SysRoutes>(r.data.clone()).ok())
                    .flat_map(|r| r.routes)
                    .map(|route| {
                        if route.remote_name.is_empty() {
                            route.remote_id
                        } else {
                            route.remote_name
                        }
                    }),
            );
            let meta = meta_of(id);
            if let Some(meta) = &meta {
                replicas.extend(meta.replicas.iter().cloned());
            }
            let node_usage = serde_json::from_value::<Varz>(reply.data.clone())
                .ok()
                .map(|v| usage(&v, jsz_of(id).as_ref()));
            ClusterNode {
                name: reply.server.name.clone(),
                up: true,
                peers,
                meta_leader: meta.map(|m| m.leader).filter(|l| !l.is_empty()),
                version: Some(reply.server.ver.clone()),
                usage: node_usage,
                ..ClusterNode::default()
            }
        })
        .collect();
    with_meta_lag(&mut nodes, &replicas);
    seen.extend(nodes.iter().map(|n| n.name.clone()));
    for name in seen.iter() {
        if !nodes.iter().any(|n| &n.name == name) {
            nodes.push(ClusterNode {
                name: name.clone(),
                up: false,
                error: Some("did not answer the $SYS ping".to_owned()),
                ..ClusterNode::default()
            });
        }
    }
    nodes.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(nodes)
}
