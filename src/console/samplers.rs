//! Background tasks that sample NATS, its monitoring endpoints, the supervisor and a remote
//! `--serve` instance, and send owned updates to the console. The draw path never waits on them.

use std::collections::BTreeSet;
use std::time::Duration;

use futures::StreamExt;
use message_broker_ui::model::{
    ApiView, ClientRow, ConnectionView, ConnectionsView, EventLevel, EventRecord, JetStreamView,
    NodeRow, ServerView, Stamped, StreamRow, SupervisorView, Update,
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::monitor::{MetaReplica, Monitor, probe_node};
use crate::nats::{LinkState, Nats, system};
use crate::supervisor::{NodeState, SupervisorHandle};

/// Connections listed in the connections pane.
const TOP_CLIENTS: usize = 50;
/// Consumer listings in flight at once while sampling streams.
const CONCURRENT_LISTINGS: usize = 8;

pub struct Sources {
    pub nats: Nats,
    pub monitor: Monitor,
    pub supervisor: Option<SupervisorHandle>,
    /// Base URL of a `--serve` instance whose API statistics to show.
    pub api: Option<String>,
    /// A system-account connection: every cluster node is seen through `$SYS` pings.
    pub system: Option<async_nats::Client>,
    pub interval: Duration,
}

/// Wall-clock time for the events list, in UTC (unambiguous across an on-call rotation).
pub fn clock() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!("{:02}:{:02}:{:02}Z", now.hour(), now.minute(), now.second())
}

pub fn event(level: EventLevel, text: impl Into<String>) -> Update {
    Update::Event(EventRecord {
        time: clock(),
        level,
        text: text.into(),
    })
}

/// Sends one round of every source now (`refresh`), then one per interval, until cancelled.
pub fn spawn(
    sources: Sources,
    tx: mpsc::Sender<Stamped>,
    refresh: mpsc::Receiver<()>,
    cancel: CancellationToken,
) {
    tokio::spawn(run(sources, tx, refresh, cancel));
}

async fn run(
    sources: Sources,
    tx: mpsc::Sender<Stamped>,
    mut refresh: mpsc::Receiver<()>,
    cancel: CancellationToken,
) {
    let mut ticker = tokio::time::interval(sources.interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut memory = Memory::default();
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = ticker.tick() => {}
            Some(()) = refresh.recv() => {}
        }
        let updates = sample(&sources, &mut memory).await;
        for update in updates {
            if tx.send(Stamped::now(update)).await.is_err() {
                return;
            }
        }
    }
}

/// What the previous round saw, to turn changes into events.
#[derive(Default)]
struct Memory {
    link: Option<LinkState>,
    streams: Option<BTreeSet<String>>,
    restarts: Option<u64>,
    supervisor_state: Option<NodeState>,
    /// Servers that answered `$SYS` pings before, so one that stops answering shows as down.
    sys_seen: BTreeSet<String>,
}

async fn sample(sources: &Sources, memory: &mut Memory) -> Vec<Update> {
    let nats = &sources.nats;
    let monitor = &sources.monitor;
    let (rtt, varz, jsz, connz, streams, cluster, api) = tokio::join!(
        nats.rtt(),
        monitor.varz(),
        monitor.jsz(),
        monitor.connz(TOP_CLIENTS),
        stream_rows(nats),
        cluster_rows(sources, &mut memory.sys_seen),
        api_view(sources),
    );
    let mut updates = Vec::new();

    let connection = nats.connection();
    if memory.link != Some(connection.state) {
        if let Some(previous) = memory.link {
            let level = if connection.state == LinkState::Connected {
                EventLevel::Info
            } else {
                EventLevel::Error
            };
            updates.push(event(
                level,
                format!(
                    "NATS {previous} → {} ({})",
                    connection.state, connection.url
                ),
            ));
        }
        memory.link = Some(connection.state);
    }
    let info = nats.server_info();
    updates.push(Update::Connection(ConnectionView {
        url: connection.url.clone(),
        state: connection.state.to_string(),
        since: connection.since.clone(),
        seconds_in_state: connection.seconds_in_state,
        rtt_ms: rtt.map(|d| d.as_secs_f64() * 1000.0),
        reconnects: connection.reconnects,
        connection_errors: connection.connection_errors,
        server_name: info.as_ref().map(|i| i.server_name.clone()),
        server_version: info.as_ref().map(|i| i.version.clone()),
    }));

    updates.push(Update::Server(
        varz.map(|v| ServerView {
            cluster: Some(v.cluster.name.clone()).filter(|c| !c.is_empty()),
            name: v.server_name,
            id: v.server_id,
            version: v.version,
            uptime: v.uptime,
            cpu: v.cpu,
            mem: v.mem,
            connections: v.connections,
            total_connections: v.total_connections,
            subscriptions: v.subscriptions,
            slow_consumers: v.slow_consumers,
            routes: v.routes,
            in_msgs: v.in_msgs,
            out_msgs: v.out_msgs,
            in_bytes: v.in_bytes,
            out_bytes: v.out_bytes,
        })
        .map_err(|e| e.to_string()),
    ));

    let jetstream = match jsz {
        Ok(j) => Ok(JetStreamView {
            streams: j.streams,
            consumers: j.consumers,
            messages: j.messages,
            bytes: j.bytes,
            memory: j.memory,
            storage: j.storage,
            max_memory: j.config.max_memory,
            max_storage: j.config.max_storage,
            api_total: j.api.total,
            api_errors: j.api.errors,
            meta_leader: j.meta_cluster.map(|m| m.leader).filter(|l| !l.is_empty()),
        }),
        // No monitoring port: the account's view over NATS still has usage and API counters.
        Err(monitor_err) => match nats.account_info().await {
            Ok(a) => Ok(JetStreamView {
                streams: a.streams,
                consumers: a.consumers,
                memory: a.memory,
                storage: a.storage,
                max_memory: a.limits.max_memory,
                max_storage: a.limits.max_storage,
                api_total: a.api.total,
                api_errors: a.api.errors,
                ..JetStreamView::default()
            }),
            Err(js_err) => Err(format!("{monitor_err}; {js_err}")),
        },
    };
    updates.push(Update::JetStream(jetstream));

    updates.push(Update::Connections(
        connz
            .map(|c| ConnectionsView {
                current: c.num_connections,
                total: c.total,
                clients: c
                    .connections
                    .into_iter()
                    .map(|c| ClientRow {
                        cid: c.cid,
                        name: c.name,
                        ip: format!("{}:{}", c.ip, c.port),
                        lang: format!("{} {}", c.lang, c.version).trim().to_owned(),
                        subscriptions: c.subscriptions,
                        rtt: c.rtt,
                        pending_bytes: c.pending_bytes,
                        in_msgs: c.in_msgs,
                        out_msgs: c.out_msgs,
                        in_bytes: c.in_bytes,
                        out_bytes: c.out_bytes,
                    })
                    .collect(),
            })
            .map_err(|e| e.to_string()),
    ));

    if let Ok(rows) = &streams {
        let names: BTreeSet<String> = rows.iter().map(|r| r.name.clone()).collect();
        if let Some(before) = &memory.streams {
            for added in names.difference(before) {
                updates.push(event(EventLevel::Info, format!("stream '{added}' created")));
            }
            for removed in before.difference(&names) {
                updates.push(event(
                    EventLevel::Warn,
                    format!("stream '{removed}' deleted"),
                ));
            }
        }
        memory.streams = Some(names);
    }
    updates.push(Update::Streams(streams));

    if let Some(supervisor) = &sources.supervisor {
        let status = supervisor.status();
        let restarts: u64 = status.nodes.iter().map(|n| n.restarts).sum();
        if memory.restarts.is_some_and(|before| restarts > before) {
            updates.push(event(
                EventLevel::Warn,
                "nats-server restarted by the supervisor",
            ));
        }
        if memory.supervisor_state != Some(status.state) {
            if memory.supervisor_state.is_some() {
                let level = match status.state {
                    NodeState::Failed => EventLevel::Error,
                    NodeState::Running => EventLevel::Info,
                    _ => EventLevel::Warn,
                };
                updates.push(event(level, format!("supervisor: {}", status.state)));
            }
            memory.supervisor_state = Some(status.state);
        }
        memory.restarts = Some(restarts);
        updates.push(Update::Supervisor(SupervisorView {
            state: status.state.to_string(),
            nodes: status.nodes.len(),
            restarts,
            last_exit: status.nodes.iter().find_map(|n| n.last_exit.clone()),
        }));
    }
    updates.push(Update::Cluster(cluster));
    if let Some(api) = api {
        updates.push(Update::Api(api));
    }
    updates
}

/// Streams with their consumers' largest lag, over NATS (works without the monitoring port).
async fn stream_rows(nats: &Nats) -> Result<Vec<StreamRow>, String> {
    let streams = nats.list_streams().await.map_err(|e| e.to_string())?;
    // One consumer listing per stream that has consumers, a few at a time, so a server with many
    // streams answers in a handful of round trips rather than one after another.
    let listings: Vec<_> = streams
        .iter()
        .map(|stream| {
            let nats = nats.clone();
            let name = stream.name.clone();
            let has_consumers = stream.state.consumer_count > 0;
            async move {
                if !has_consumers {
                    return 0;
                }
                nats.consumers(&name)
                    .await
                    .map(|consumers| consumers.iter().map(|c| c.num_pending).max().unwrap_or(0))
                    .unwrap_or(0)
            }
        })
        .collect();
    let lags: Vec<u64> = futures::stream::iter(listings)
        .buffered(CONCURRENT_LISTINGS)
        .collect()
        .await;
    let mut rows = Vec::with_capacity(streams.len());
    for (stream, max_consumer_lag) in streams.into_iter().zip(lags) {
        rows.push(StreamRow {
            subjects: stream.config.subjects,
            storage: stream.config.storage,
            replicas: stream.config.replicas.max(1) as u64,
            messages: stream.state.messages,
            bytes: stream.state.bytes,
            max_msgs: stream.config.max_msgs,
            max_bytes: stream.config.max_bytes,
            consumers: stream.state.consumer_count,
            max_consumer_lag,
            last_seq: stream.state.last_seq,
            name: stream.name,
        });
    }
    Ok(rows)
}

/// Every node: through `$SYS` pings when a system-account connection is given; else the
/// supervised ones probed on their own monitoring ports; else the monitored server and the peers
/// its routes reach.
async fn cluster_rows(
    sources: &Sources,
    seen: &mut BTreeSet<String>,
) -> Result<Vec<NodeRow>, String> {
    let timeout = sources.interval.min(Duration::from_secs(2));
    if let Some(system) = &sources.system {
        return sys_rows(system, timeout.min(Duration::from_secs(1)), seen).await;
    }
    if let Some(supervisor) = &sources.supervisor {
        let status = supervisor.status();
        let probes = futures::future::join_all(
            supervisor
                .plans()
                .into_iter()
                .map(|plan| async move { probe_node(&plan.monitor_url(), timeout).await }),
        )
        .await;
        let replicas: Vec<MetaReplica> = probes
            .iter()
            .flat_map(|p| p.meta_replicas.iter().cloned())
            .collect();
        let mut rows: Vec<NodeRow> = probes
            .into_iter()
            .zip(status.nodes)
            .map(|(probe, node)| NodeRow {
                name: node.name,
                up: probe.up,
                peers: probe.peers.unwrap_or_default(),
                meta_leader: probe.meta_leader,
                version: None,
                error: probe.error,
                supervisor_state: Some(node.state.to_string()),
                restarts: Some(node.restarts),
                ..NodeRow::default()
            })
            .collect();
        with_meta_lag(&mut rows, &replicas);
        return Ok(rows);
    }
    let probe = probe_node(sources.monitor.base(), timeout).await;
    if let Some(error) = probe.error.clone() {
        return Err(error);
    }
    let peers = probe.peers.clone().unwrap_or_default();
    let mut rows = vec![NodeRow {
        name: probe
            .server_name
            .clone()
            .unwrap_or_else(|| "monitored server".to_owned()),
        up: probe.up,
        peers: peers.clone(),
        meta_leader: probe.meta_leader.clone(),
        ..NodeRow::default()
    }];
    rows.extend(peers.into_iter().map(|peer| NodeRow {
        name: peer,
        up: true,
        meta_leader: probe.meta_leader.clone(),
        error: Some("seen through a route; not probed".to_owned()),
        ..NodeRow::default()
    }));
    Ok(rows)
}

#[derive(serde::Deserialize)]
struct MetaReplicas {
    #[serde(default)]
    replicas: Vec<MetaReplica>,
}

/// Each node's meta-log lag as the leader reports it.
fn with_meta_lag(rows: &mut [NodeRow], replicas: &[MetaReplica]) {
    for row in rows {
        if let Some(replica) = replicas.iter().find(|r| r.name == row.name) {
            row.lag = Some(replica.lag);
            row.current = Some(replica.current && !replica.offline);
        }
    }
}

/// The cluster as the servers themselves report it over `$SYS`.
pub async fn sys_rows(
    system: &async_nats::Client,
    wait: Duration,
    seen: &mut BTreeSet<String>,
) -> Result<Vec<NodeRow>, String> {
    let (varz, routez, jsz) = tokio::join!(
        system::ping_all(system, "VARZ", wait),
        system::ping_all(system, "ROUTEZ", wait),
        system::ping_all(system, "JSZ", wait),
    );
    let varz = varz?;
    let routez = routez.unwrap_or_default();
    let jsz = jsz.unwrap_or_default();
    let mut rows: Vec<NodeRow> = varz
        .iter()
        .map(|reply| {
            let id = &reply.server.id;
            let mut peers: Vec<String> = routez
                .iter()
                .filter(|r| &r.server.id == id)
                .flat_map(|r| r.data["routes"].as_array().cloned().unwrap_or_default())
                .filter_map(|route| {
                    route["remote_name"]
                        .as_str()
                        .filter(|n| !n.is_empty())
                        .or(route["remote_id"].as_str())
                        .map(str::to_owned)
                })
                .collect();
            peers.sort();
            peers.dedup();
            let meta_leader = jsz
                .iter()
                .find(|r| &r.server.id == id)
                .and_then(|r| r.data["meta_cluster"]["leader"].as_str())
                .filter(|l| !l.is_empty())
                .map(str::to_owned);
            NodeRow {
                name: reply.server.name.clone(),
                up: true,
                peers,
                meta_leader,
                version: Some(reply.server.ver.clone()),
                ..NodeRow::default()
            }
        })
        .collect();
    let replicas: Vec<MetaReplica> = jsz
        .iter()
        .filter_map(|r| serde_json::from_value::<MetaReplicas>(r.data["meta_cluster"].clone()).ok())
        .flat_map(|m| m.replicas)
        .collect();
    with_meta_lag(&mut rows, &replicas);
    for row in &rows {
        seen.insert(row.name.clone());
    }
    for name in seen.iter() {
        if !rows.iter().any(|r| &r.name == name) {
            rows.push(NodeRow {
                name: name.clone(),
                up: false,
                error: Some("did not answer the $SYS ping".to_owned()),
                ..NodeRow::default()
            });
        }
    }
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(rows)
}

async fn api_view(sources: &Sources) -> Option<Result<ApiView, String>> {
    let base = sources.api.as_ref()?;
    let url = format!("{}/api/v1/broker/status", base.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(sources.interval.max(Duration::from_secs(1)))
        .build()
        .ok()?;
    let result = async {
        let body: serde_json::Value = client
            .get(&url)
            .send()
            .await
            .map_err(|e| format!("{url} unreachable: {e}"))?
            .json()
            .await
            .map_err(|e| format!("{url} sent an unreadable answer: {e}"))?;
        let api = &body["data"]["api"];
        let mut errors_by_code: Vec<(String, u64)> = api["errors_by_code"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(code, n)| (code.clone(), n.as_u64().unwrap_or(0)))
                    .collect()
            })
            .unwrap_or_default();
        errors_by_code.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(ApiView {
            requests: api["requests"].as_u64().unwrap_or(0),
            errors: api["errors"].as_u64().unwrap_or(0),
            errors_by_code,
            p50_ms: api["latency_ms"]["p50"].as_f64(),
            p99_ms: api["latency_ms"]["p99"].as_f64(),
        })
    }
    .await;
    Some(result)
}
