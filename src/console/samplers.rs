//! Background tasks that sample NATS, its monitoring endpoints, the supervisor and a remote
//! `--serve` instance, and send owned updates to the console. One task per source: each samples
//! on its own clock and sends its update, stamped, the moment it has it — a monitoring port that
//! never answers dims its own panes and holds up nothing else. The draw path never waits on them.

use std::collections::BTreeSet;
use std::future::Future;
use std::time::Duration;

use futures::StreamExt;
use message_broker_ui::model::{
    ClientRow, ConnectionsView, EventLevel, EventRecord, Stamped, StreamRow, SupervisorView, Update,
};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::model::status::{ApiStatsSnapshot, LinkState};
use crate::monitor::Monitor;
use crate::nats::Nats;
use crate::status::{self, NodeSource};
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
    /// The bearer token that instance wants, when it wants one.
    pub api_token: Option<crate::config::Secret>,
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

/// One source of figures. `sample` may take as long as its source does; its updates go out
/// when it returns.
trait Sampler: Send + 'static {
    fn sample(&mut self) -> impl Future<Output = Vec<Update>> + Send;
}

/// Starts one task per source into `tasks`. Each samples at once, then every interval and
/// whenever `refresh` changes, until `cancel`.
pub fn spawn(
    sources: Sources,
    tx: mpsc::Sender<Stamped>,
    refresh: watch::Receiver<u64>,
    cancel: CancellationToken,
    tasks: &mut JoinSet<()>,
) {
    let Sources {
        nats,
        monitor,
        supervisor,
        api,
        api_token,
        system,
        interval,
    } = sources;
    let clock = Clock {
        interval,
        refresh,
        cancel,
        tx,
    };
    let wait = interval.min(Duration::from_secs(2));
    tasks.spawn(clock.clone().run(Link {
        nats: nats.clone(),
        last: None,
    }));
    tasks.spawn(clock.clone().run(Server(monitor.clone())));
    tasks.spawn(clock.clone().run(JetStream {
        monitor: monitor.clone(),
        nats: nats.clone(),
    }));
    tasks.spawn(clock.clone().run(Connections(monitor.clone())));
    tasks.spawn(clock.clone().run(Streams { nats, known: None }));
    let nodes = NodeSource::choose(system, supervisor.clone(), &monitor, wait);
    tasks.spawn(clock.clone().run(Cluster {
        source: nodes,
        seen: BTreeSet::new(),
    }));
    if let Some(handle) = supervisor {
        tasks.spawn(clock.clone().run(Supervised {
            handle,
            restarts: None,
            state: None,
        }));
    }
    if let Some(base) = api {
        tasks.spawn(clock.run(RemoteApi::new(&base, api_token, interval)));
    }
}

/// What every sampler task shares: when to sample and where to send.
#[derive(Clone)]
struct Clock {
    interval: Duration,
    refresh: watch::Receiver<u64>,
    cancel: CancellationToken,
    tx: mpsc::Sender<Stamped>,
}

impl Clock {
    async fn run(mut self, mut sampler: impl Sampler) {
        let mut ticker = tokio::time::interval(self.interval);
        // A slow sample delays the next one instead of bunching samples up behind it.
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut refresh_open = true;
        loop {
            tokio::select! {
                _ = self.cancel.cancelled() => return,
                _ = ticker.tick() => {}
                changed = self.refresh.changed(), if refresh_open => refresh_open = changed.is_ok(),
            }
            let updates = tokio::select! {
                _ = self.cancel.cancelled() => return,
                updates = sampler.sample() => updates,
            };
            for update in updates {
                if self.tx.send(Stamped::now(update)).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// The client connection: its state (with an event when it changes) and the round-trip time the
/// stall watchdog last measured — read from memory, so a frozen server cannot hold this up.
struct Link {
    nats: Nats,
    last: Option<LinkState>,
}

impl Sampler for Link {
    async fn sample(&mut self) -> Vec<Update> {
        let status = self.nats.connection();
        let mut updates = Vec::new();
        if self.last != Some(status.state) {
            if let Some(previous) = self.last {
                let level = if status.connected() {
                    EventLevel::Info
                } else {
                    EventLevel::Error
                };
                updates.push(event(
                    level,
                    format!("NATS {previous} → {} ({})", status.state, status.url),
                ));
            }
            self.last = Some(status.state);
        }
        updates.push(Update::Connection(status));
        updates
    }
}

/// `/varz`.
struct Server(Monitor);

impl Sampler for Server {
    async fn sample(&mut self) -> Vec<Update> {
        vec![Update::Server(status::server(self.0.varz().await, &self.0))]
    }
}

/// `/jsz`, or the account's view over NATS without a monitoring port.
struct JetStream {
    monitor: Monitor,
    nats: Nats,
}

impl Sampler for JetStream {
    async fn sample(&mut self) -> Vec<Update> {
        let jsz = self.monitor.jsz().await;
        vec![Update::JetStream(
            status::jetstream(jsz, &self.monitor, &self.nats).await,
        )]
    }
}

/// `/connz`: the busiest connections.
struct Connections(Monitor);

impl Sampler for Connections {
    async fn sample(&mut self) -> Vec<Update> {
        let connz = self.0.connz(TOP_CLIENTS).await.map_err(|e| e.to_string());
        vec![Update::Connections(connz.map(|c| {
            ConnectionsView {
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
            }
        }))]
    }
}

/// Streams with their consumers' largest lag, over NATS (works without the monitoring port); an
/// event for each stream that appears or goes away.
struct Streams {
    nats: Nats,
    known: Option<BTreeSet<String>>,
}

impl Sampler for Streams {
    async fn sample(&mut self) -> Vec<Update> {
        let rows = stream_rows(&self.nats).await;
        let mut updates = Vec::new();
        if let Ok(rows) = &rows {
            let names: BTreeSet<String> = rows.iter().map(|r| r.name.clone()).collect();
            if let Some(before) = &self.known {
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
            self.known = Some(names);
        }
        updates.push(Update::Streams(rows));
        updates
    }
}

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
    Ok(streams
        .into_iter()
        .zip(lags)
        .map(|(stream, max_consumer_lag)| StreamRow {
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
        })
        .collect())
}

/// Every node of the deployment.
struct Cluster {
    source: NodeSource,
    seen: BTreeSet<String>,
}

impl Sampler for Cluster {
    async fn sample(&mut self) -> Vec<Update> {
        vec![Update::Cluster(self.source.nodes(&mut self.seen).await)]
    }
}

/// The supervisor of this process's servers, with an event on each restart and state change.
struct Supervised {
    handle: SupervisorHandle,
    restarts: Option<u64>,
    state: Option<NodeState>,
}

impl Sampler for Supervised {
    async fn sample(&mut self) -> Vec<Update> {
        let status = self.handle.status();
        let restarts: u64 = status.nodes.iter().map(|n| n.restarts).sum();
        let mut updates = Vec::new();
        if self.restarts.is_some_and(|before| restarts > before) {
            updates.push(event(
                EventLevel::Warn,
                "nats-server restarted by the supervisor",
            ));
        }
        if self.state != Some(status.state) {
            if self.state.is_some() {
                let level = match status.state {
                    NodeState::Failed => EventLevel::Error,
                    NodeState::Running => EventLevel::Info,
                    _ => EventLevel::Warn,
                };
                updates.push(event(level, format!("supervisor: {}", status.state)));
            }
            self.state = Some(status.state);
        }
        self.restarts = Some(restarts);
        updates.push(Update::Supervisor(SupervisorView {
            state: status.state.to_string(),
            nodes: status.nodes.len(),
            restarts,
            last_exit: status.nodes.iter().find_map(|n| n.last_exit.clone()),
        }));
        updates
    }
}

/// A `--serve` instance's request statistics, from its `/api/v1/broker/status`.
struct RemoteApi {
    http: Option<reqwest::Client>,
    url: String,
    token: Option<crate::config::Secret>,
}

#[derive(serde::Deserialize)]
struct StatusEnvelope {
    data: StatusData,
}

#[derive(serde::Deserialize)]
struct StatusData {
    api: ApiStatsSnapshot,
}

impl RemoteApi {
    fn new(base: &str, token: Option<crate::config::Secret>, interval: Duration) -> RemoteApi {
        RemoteApi {
            http: reqwest::Client::builder()
                .no_proxy()
                .timeout(interval.max(Duration::from_secs(1)))
                .build()
                .ok(),
            url: format!("{}/api/v1/broker/status", base.trim_end_matches('/')),
            token,
        }
    }

    async fn fetch(&self) -> Result<ApiStatsSnapshot, String> {
        let url = &self.url;
        let http = self
            .http
            .as_ref()
            .ok_or_else(|| "cannot set up an HTTP client".to_owned())?;
        let mut request = http.get(url);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token.expose());
        }
        let envelope: StatusEnvelope = request
            .send()
            .await
            .map_err(|e| format!("{url} unreachable: {e}"))?
            .json()
            .await
            .map_err(|e| format!("{url} sent an unreadable answer: {e}"))?;
        Ok(envelope.data.api)
    }
}

impl Sampler for RemoteApi {
    async fn sample(&mut self) -> Vec<Update> {
        vec![Update::Api(self.fetch().await)]
    }
}
