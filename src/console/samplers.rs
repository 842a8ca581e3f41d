//! Background tasks that sample NATS, its monitoring endpoints, the supervisor and a remote
//! `--serve` instance, and send owned updates to the console. One task per source: each samples
//! on its own clock and sends its update, stamped, the moment it has it — a monitoring port that
//! never answers dims its own panes and holds up nothing else. The draw path never waits on them.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::time::Duration;

use message_broker_ui::model::{
    ClientRow, ConnectionsView, EventLevel, EventRecord, OwnTraffic, Stamped, SupervisorView,
    Update, Watching,
};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::budget::Budget;
use super::detail::DetailSampler;
use super::outages::{LinkOutage, SourceOutage, source_of};
use super::streams::StreamsSampler;
use crate::model::status::ApiStatsSnapshot;
use crate::monitor::Monitor;
use crate::nats::Nats;
use crate::status::{self, NodeSource};
use crate::supervisor::{NodeState, SupervisorHandle};

/// Connections listed in the connections pane.
const TOP_CLIENTS: usize = 50;

pub struct Sources {
    pub nats: Nats,
    pub monitor: Monitor,
    pub supervisor: Option<SupervisorHandle>,
    /// Base URL of a `--serve` instance whose API statistics to show.
    pub api: Option<String>,
    /// The API this console hosts (`--with-api`), whose statistics are read in process.
    pub hosted_api: Option<crate::api::AppState>,
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
/// whenever `refresh` changes, until `cancel`. The stream named in `watching` (an open detail)
/// is read by a task of its own.
pub fn spawn(
    sources: Sources,
    tx: mpsc::Sender<Stamped>,
    refresh: watch::Receiver<u64>,
    watching: watch::Receiver<Watching>,
    cancel: CancellationToken,
    tasks: &mut JoinSet<()>,
) {
    let Sources {
        nats,
        monitor,
        supervisor,
        api,
        hosted_api,
        api_token,
        system,
        interval,
    } = sources;
    // One budget for every sampler that reads JetStream.
    let budget = Budget::new();
    tasks.spawn(
        DetailSampler {
            nats: nats.clone(),
            budget: budget.clone(),
            watching: watching.clone(),
            refresh: refresh.clone(),
            interval,
            cancel: cancel.clone(),
            tx: tx.clone(),
        }
        .run(),
    );
    let clock = Clock {
        interval,
        refresh,
        cancel,
        tx,
        link: nats.clone(),
    };
    let wait = interval.min(Duration::from_secs(2));
    tasks.spawn(clock.clone().run(Link {
        nats: nats.clone(),
        outage: LinkOutage::default(),
    }));
    tasks.spawn(clock.clone().run(Server {
        monitor: monitor.clone(),
        nats: nats.clone(),
    }));
    tasks.spawn(clock.clone().run(JetStream {
        monitor: monitor.clone(),
        nats: nats.clone(),
        budget: budget.clone(),
        over_nats: false,
    }));
    tasks.spawn(clock.clone().run(Connections(monitor.clone())));
    tasks.spawn(clock.clone().run(Streams(StreamsSampler::new(
        nats, budget, watching, interval,
    ))));
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
    } else if let Some(state) = hosted_api {
        tasks.spawn(clock.run(HostedApi(state)));
    }
}

/// What every sampler task shares: when to sample and where to send.
#[derive(Clone)]
struct Clock {
    interval: Duration,
    refresh: watch::Receiver<u64>,
    cancel: CancellationToken,
    tx: mpsc::Sender<Stamped>,
    /// While the NATS link itself is down, sources failing with it are that one outage, logged
    /// once by the link.
    link: Nats,
}

impl Clock {
    /// Samples until cancelled; each source's failures are logged as outages (start, end,
    /// duration) on the way.
    async fn run(mut self, mut sampler: impl Sampler) {
        let mut ticker = tokio::time::interval(self.interval);
        // A slow sample delays the next one instead of bunching samples up behind it.
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut refresh_open = true;
        let mut outages: HashMap<&'static str, SourceOutage> = HashMap::new();
        loop {
            tokio::select! {
                _ = self.cancel.cancelled() => return,
                _ = ticker.tick() => {}
                changed = self.refresh.changed(), if refresh_open => refresh_open = changed.is_ok(),
            }
            let mut updates = tokio::select! {
                _ = self.cancel.cancelled() => return,
                updates = sampler.sample() => updates,
            };
            let link_down = !self.link.is_connected();
            let events: Vec<Update> = updates
                .iter()
                .filter_map(source_of)
                .filter_map(|(what, error)| {
                    let outage = outages
                        .entry(what)
                        .or_insert_with(|| SourceOutage::new(what));
                    if link_down && error.is_some() && !outage.open() {
                        return None;
                    }
                    outage.observe(error)
                })
                .collect();
            updates.extend(events);
            for update in updates {
                if self.tx.send(Stamped::now(update)).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// The client connection: its state (an outage logged at each end, with its duration) and the
/// round-trip time the stall watchdog last measured — read from memory, so a frozen server
/// cannot hold this up.
struct Link {
    nats: Nats,
    outage: LinkOutage,
}

impl Sampler for Link {
    async fn sample(&mut self) -> Vec<Update> {
        let status = self.nats.connection();
        let mut updates: Vec<Update> = self.outage.observe(&status).into_iter().collect();
        updates.push(Update::Connection(status));
        updates
    }
}

/// `/varz`, with this console's own counters read as it answers (the throughput leaves the
/// console's requests out).
struct Server {
    monitor: Monitor,
    nats: Nats,
}

impl Sampler for Server {
    async fn sample(&mut self) -> Vec<Update> {
        let server = status::server(self.monitor.varz().await, &self.monitor);
        let client = self.nats.client();
        let stats = client.statistics();
        let relaxed = std::sync::atomic::Ordering::Relaxed;
        let own = OwnTraffic {
            in_msgs: stats.in_messages.load(relaxed),
            out_msgs: stats.out_messages.load(relaxed),
            in_bytes: stats.in_bytes.load(relaxed),
            out_bytes: stats.out_bytes.load(relaxed),
            on_monitored: server
                .as_ref()
                .is_ok_and(|s| s.id == client.server_info().server_id),
        };
        vec![Update::Own(own), Update::Server(server)]
    }
}

/// `/jsz`, or the account's view over NATS without a monitoring port (a JetStream request:
/// then only as often as the budget allows).
struct JetStream {
    monitor: Monitor,
    nats: Nats,
    budget: Budget,
    /// The last answer came over NATS.
    over_nats: bool,
}

impl Sampler for JetStream {
    async fn sample(&mut self) -> Vec<Update> {
        if self.over_nats && !self.budget.allows(1.0, 0.0) {
            return Vec::new();
        }
        let jsz = self.monitor.jsz().await;
        let before = super::budget::received(&self.nats);
        let status = status::jetstream(jsz, &self.monitor, &self.nats).await;
        self.over_nats = status.as_ref().is_ok_and(|s| s.monitoring_error.is_some());
        if self.over_nats {
            let bytes = super::budget::received(&self.nats) - before;
            self.budget.spend(1.0, bytes as f64);
        }
        vec![Update::JetStream(status)]
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

/// Streams with their consumers' lag, and every consumer, over NATS (works without the
/// monitoring port), within the budget.
struct Streams(StreamsSampler);

impl Sampler for Streams {
    async fn sample(&mut self) -> Vec<Update> {
        self.0.sample().await
    }
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

/// The statistics of the API this console hosts, read where they are counted.
struct HostedApi(crate::api::AppState);

impl Sampler for HostedApi {
    async fn sample(&mut self) -> Vec<Update> {
        vec![Update::Api(Ok(self.0.api_stats.snapshot()))]
    }
}

impl Sampler for RemoteApi {
    async fn sample(&mut self) -> Vec<Update> {
        vec![Update::Api(self.fetch().await)]
    }
}
