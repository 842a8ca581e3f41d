//! What the samplers send the console: owned, plain data, one message per source, each stamped
//! with when it was taken. The console folds these into its state; nothing here does I/O.

use std::time::Instant;

pub use message_broker_model::status::{
    ApiStatsSnapshot, ClientStatus, ClusterNode, JetStreamStatus, Latency, LinkState,
    NodeJetStream, NodeUsage, ServerStatus,
};
use message_broker_model::stream::{Encoding, StoredMessageView, StreamDetail};
use serde::{Deserialize, Serialize};

/// One update from one source, stamped with the time it was taken (rates use real elapsed time).
#[derive(Debug, Clone)]
pub struct Stamped {
    pub at: Instant,
    pub update: Update,
}

impl Stamped {
    pub fn now(update: Update) -> Stamped {
        Stamped {
            at: Instant::now(),
            update,
        }
    }
}

/// Each source fails alone: an `Err` carries the reason the pane shows ("monitoring port 8222
/// refused") while the pane keeps its last values, dimmed, with their age.
#[derive(Debug, Clone)]
pub enum Update {
    /// The NATS client's own view; always available.
    Connection(ClientStatus),
    /// `/varz`.
    Server(Result<ServerStatus, String>),
    /// What this console's own connection has sent and received so far, read when `/varz` is
    /// (its requests are not traffic: the throughput leaves them out).
    Own(OwnTraffic),
    /// `/jsz`, or the account info over NATS.
    JetStream(Result<JetStreamStatus, String>),
    /// Every stream, with its consumers' lag as last sampled: a full listing.
    Streams(Result<Vec<StreamRow>, String>),
    /// Some streams read again between full listings (the selected one): they replace their
    /// rows; streams not listed yet are left for the next listing.
    StreamRows(Vec<StreamRow>),
    /// The consumers of these streams, sampled now: they replace what was known of them.
    ConsumersOf {
        streams: Vec<String>,
        result: Result<Vec<ConsumerRow>, String>,
    },
    /// `/connz`.
    Connections(Result<ConnectionsView, String>),
    /// Every node of the cluster (supervisor probes, `/routez`, or `$SYS` pings).
    Cluster(Result<Vec<ClusterNode>, String>),
    /// A `--serve` instance's own statistics (`--api URL`).
    Api(Result<ApiStatsSnapshot, String>),
    /// The supervisor, when this process runs the server.
    Supervisor(SupervisorView),
    /// Something worth listing in the recent events.
    Event(EventRecord),
    /// The stream the console is looking at, read again (every interval while its detail is
    /// open, and at once on a refresh).
    StreamDetail {
        name: String,
        result: Result<Box<DetailData>, String>,
    },
    /// The stored message asked for by request `id`.
    Message {
        id: RequestId,
        result: Result<Box<StoredMessageView>, String>,
    },
    /// Messages a tail (request `id`) received since its last batch.
    Tail { id: RequestId, batch: TailBatch },
    /// How far the burst of request `id` has got.
    Burst {
        id: RequestId,
        progress: BurstProgress,
    },
    /// The outcome of the create / delete / purge / publish request `id`.
    Done {
        id: RequestId,
        outcome: ActionOutcome,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StreamRow {
    pub name: String,
    pub subjects: Vec<String>,
    pub storage: String,
    pub replicas: u64,
    /// Replicas offline or not current with the leader.
    pub replicas_behind: u64,
    pub messages: u64,
    pub bytes: u64,
    /// `-1` (or 0) is unlimited.
    pub max_msgs: i64,
    pub max_bytes: i64,
    pub consumers: u64,
    /// The largest `num_pending` among the stream's consumers.
    pub max_consumer_lag: u64,
    pub last_seq: u64,
    /// `discard: new`: at its limits the stream refuses new messages instead of dropping old ones.
    pub discard_new: bool,
    /// Seconds since its consumers' lag was sampled (large deployments sample it in turns);
    /// `None` when it has no consumers or they have not been sampled yet.
    pub lag_age: Option<f64>,
}

/// Counters of the console's own NATS connection, as its client counts them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OwnTraffic {
    pub in_msgs: u64,
    pub out_msgs: u64,
    pub in_bytes: u64,
    pub out_bytes: u64,
    /// The console is connected to the server whose `/varz` the throughput comes from: only
    /// then is its traffic in those counters (in a cluster it may be on another node).
    pub on_monitored: bool,
}

/// One consumer, as the consumers view lists it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConsumerRow {
    pub stream: String,
    pub name: String,
    /// Push consumers have a deliver subject; pull consumers are fetched from.
    pub push: bool,
    pub durable: bool,
    pub filter: Option<String>,
    pub ack_policy: Option<String>,
    pub deliver_policy: Option<String>,
    /// Messages not yet delivered (the lag).
    pub pending: u64,
    pub ack_pending: u64,
    pub redelivered: u64,
    /// Pull requests waiting.
    pub waiting: u64,
    pub delivered_stream_seq: u64,
    pub ack_floor_stream_seq: u64,
    /// RFC 3339 time of the last delivery, when the server says.
    pub last_active: Option<String>,
    pub created: Option<String>,
}

impl ConsumerRow {
    /// What names it across streams: `stream/name`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.stream, self.name)
    }
}

/// A message a tail received (kept small: a bounded preview of its payload).
#[derive(Debug, Clone, PartialEq)]
pub struct TailMessage {
    pub subject: String,
    /// Wall-clock time it arrived, `HH:MM:SS.mmm`.
    pub time: String,
    pub size: usize,
    pub headers: usize,
    pub encoding: Encoding,
    /// The payload as text (JSON compacted, binary as hex), cut to a few KiB.
    pub preview: String,
}

/// What a tail sends at most a few times a second.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TailBatch {
    pub messages: Vec<TailMessage>,
    /// Messages received since the tail began (including any not sent on, see `skipped`).
    pub received: u64,
    /// Messages received faster than the console shows them, counted and not kept.
    pub skipped: u64,
    /// The subscription failed or ended.
    pub error: Option<String>,
}

/// How far a burst has got: sent, acknowledged and failed, and how long acks took.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BurstProgress {
    pub sent: u64,
    pub acked: u64,
    pub errors: u64,
    /// Seconds since the burst began.
    pub elapsed: f64,
    pub ack_p50_ms: Option<f64>,
    pub ack_p99_ms: Option<f64>,
    pub last_error: Option<String>,
    /// No more will be sent: all done, cancelled or failed.
    pub finished: bool,
    pub cancelled: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClientRow {
    pub cid: u64,
    pub name: String,
    pub ip: String,
    pub lang: String,
    pub subscriptions: u64,
    pub rtt: String,
    pub pending_bytes: u64,
    pub in_msgs: u64,
    pub out_msgs: u64,
    pub in_bytes: u64,
    pub out_bytes: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConnectionsView {
    pub current: u64,
    pub total: u64,
    pub clients: Vec<ClientRow>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SupervisorView {
    /// `starting`, `running`, `restarting`, `stopped` or `failed`.
    pub state: String,
    pub nodes: usize,
    pub restarts: u64,
    pub last_exit: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventLevel {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    /// Wall-clock time, `HH:MM:SS`.
    pub time: String,
    pub level: EventLevel,
    pub text: String,
}

/// A stream's detail as the broker gave it: config, state and consumers, and the newest stored
/// messages (oldest first), read without consuming them. The detail view formats it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DetailData {
    pub detail: StreamDetail,
    pub messages: Vec<StoredMessageView>,
}

/// What the runtime must do for a key the user pressed.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Quit,
    /// Sample every source now.
    Refresh,
    /// Ask the broker; the answer comes back as an update carrying the request's id.
    Request(Request),
    /// Stop the running request (a tail, a burst); nothing happens if it has finished.
    Cancel(RequestId),
}

/// What the console is looking at, for the samplers: the open stream is read every interval;
/// the selected stream and the rows around it are read first when not everything can be.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Watching {
    /// The stream whose detail (or messages) is open.
    pub stream: Option<String>,
    /// The stream selected in the streams pane.
    pub selected: Option<String>,
    /// The streams listed around the selection, as far as a screen shows.
    pub near: Vec<String>,
}

/// Names one request to the broker, so that its answer updates only what asked for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestId(pub u64);

/// One request to the broker and the id its answer will carry.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub id: RequestId,
    pub action: Action,
}

/// Which stored message to read: by sequence, or the nearest one stored in a direction (deleted
/// sequences are skipped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageAt {
    First,
    Last,
    Seq(u64),
    /// The first stored after this sequence.
    After(u64),
    /// The last stored before this sequence.
    Before(u64),
}

/// What the user asked the broker to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    CreateStream(message_broker_model::spec::StreamSpec),
    DeleteStream(String),
    PurgeStream(String),
    DeleteConsumer {
        stream: String,
        consumer: String,
    },
    Publish {
        subject: String,
        payload: String,
        msg_id: Option<String>,
    },
    /// Read one stored message without consuming it.
    ReadMessage {
        stream: String,
        at: MessageAt,
    },
    /// A core subscription to `subject` until cancelled; batches come back as `Update::Tail`.
    Tail {
        subject: String,
    },
    /// Publish `count` test messages to `subject`, at `rate` per second or as fast as acks
    /// allow; progress comes back as `Update::Burst` until finished or cancelled.
    Burst {
        subject: String,
        count: u64,
        rate: Option<f64>,
    },
}

impl Action {
    /// Runs until cancelled or finished, reporting as it goes (rather than answering once).
    pub fn streams_updates(&self) -> bool {
        matches!(self, Action::Tail { .. } | Action::Burst { .. })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActionOutcome {
    /// e.g. "stream 'orders' created", or the error's message.
    pub text: String,
    pub ok: bool,
}
