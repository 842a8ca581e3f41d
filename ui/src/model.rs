//! What the samplers send the console: owned, plain data, one message per source, each stamped
//! with when it was taken. The console folds these into its state; nothing here does I/O.

use std::time::Instant;

pub use message_broker_model::status::{
    ApiStatsSnapshot, ClientStatus, ClusterNode, JetStreamStatus, Latency, LinkState, ServerStatus,
};
use message_broker_model::stream::{StoredMessageView, StreamDetail};
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
    /// `/jsz`, or the account info over NATS.
    JetStream(Result<JetStreamStatus, String>),
    /// Streams with their consumers' lag.
    Streams(Result<Vec<StreamRow>, String>),
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
    /// The answer to the request `id` that opened a stream's detail.
    Detail {
        id: RequestId,
        result: Result<Box<DetailData>, String>,
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
    pub messages: u64,
    pub bytes: u64,
    /// `-1` (or 0) is unlimited.
    pub max_msgs: i64,
    pub max_bytes: i64,
    pub consumers: u64,
    /// The largest `num_pending` among the stream's consumers.
    pub max_consumer_lag: u64,
    pub last_seq: u64,
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

/// What the user asked the broker to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    LoadDetail(String),
    CreateStream(message_broker_model::spec::StreamSpec),
    DeleteStream(String),
    PurgeStream(String),
    Publish {
        subject: String,
        payload: String,
        msg_id: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActionOutcome {
    /// e.g. "stream 'orders' created", or the error's message.
    pub text: String,
    pub ok: bool,
}
