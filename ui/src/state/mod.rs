//! The console's state and how it changes: updates from the samplers are folded in, commands
//! from the keymap move focus, open forms and ask for effects. No terminal, no network, no clock
//! of its own: time comes in with each update and tick, so every transition is testable.

pub mod forms;
pub mod history;
mod modes;
mod prompt;
mod sourced;
pub mod tables;

use std::time::{Duration, Instant};

use strum::VariantArray;

use crate::command::Pane;
use crate::model::{
    ApiStatsSnapshot, ClientStatus, ClusterNode, ConnectionsView, DetailData, EventLevel,
    EventRecord, JetStreamStatus, ServerStatus, Stamped, StreamRow, SupervisorView, Update,
};
use history::{Ring, Series};
use modes::Requests;
pub use modes::{Base, Confirm, Detail, Help, Overlay};
pub use prompt::{Prompt, PromptKind};
pub use sourced::Sourced;
use tables::{
    ClientColumn, ClientLine, ClientRates, StreamColumn, StreamLine, StreamRates, TableState,
};

/// Recent events kept for the errors pane.
const EVENTS_KEPT: usize = 200;

/// Msgs/s and bytes/s in and out, from `/varz` counter deltas.
#[derive(Debug, Clone)]
pub struct Throughput {
    pub in_msgs: Series,
    pub out_msgs: Series,
    pub in_bytes: Series,
    pub out_bytes: Series,
}

/// Error rates per second, from counter deltas.
#[derive(Debug, Clone)]
pub struct ErrorRates {
    pub reconnects: Series,
    pub jetstream_api_errors: Series,
    pub slow_consumers: Series,
    pub api_errors: Series,
}

/// What is fixed for the session: shown in the header.
#[derive(Debug, Clone, Default)]
pub struct SessionInfo {
    pub context: String,
    pub url: String,
    pub api_addr: Option<String>,
    pub refresh: Duration,
    pub read_only: bool,
    pub themes: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct StatusLine {
    pub text: String,
    pub ok: bool,
    pub at: Instant,
}

/// The console's whole state. The figures the panes draw are public; what is open (the base
/// view and the overlay over it) changes only through [`App::command`], [`App::input`] and
/// [`App::apply`].
pub struct App {
    pub session: SessionInfo,
    pub now: Instant,
    pub paused: bool,
    pub connection: Option<ClientStatus>,
    pub server: Sourced<ServerStatus>,
    pub jetstream: Sourced<JetStreamStatus>,
    pub streams: Sourced<Vec<StreamRow>>,
    pub connections: Sourced<ConnectionsView>,
    pub cluster: Sourced<Vec<ClusterNode>>,
    pub api: Sourced<ApiStatsSnapshot>,
    pub supervisor: Option<SupervisorView>,
    pub throughput: Throughput,
    pub errors: ErrorRates,
    pub events: Ring<EventRecord>,
    pub stream_table: TableState,
    pub client_table: TableState,
    started: Instant,
    focus: Pane,
    theme: usize,
    stream_rates: StreamRates,
    client_rates: ClientRates,
    base: Base,
    overlay: Option<Overlay>,
    requests: Requests,
    status: Option<StatusLine>,
    dirty: bool,
}

impl App {
    /// `history` is how many samples the charts keep (e.g. 15 minutes at 1 s = 900).
    pub fn new(session: SessionInfo, history: usize, now: Instant) -> App {
        App {
            session,
            now,
            paused: false,
            connection: None,
            server: Sourced::default(),
            jetstream: Sourced::default(),
            streams: Sourced::default(),
            connections: Sourced::default(),
            cluster: Sourced::default(),
            api: Sourced::default(),
            supervisor: None,
            throughput: Throughput {
                in_msgs: Series::new(history),
                out_msgs: Series::new(history),
                in_bytes: Series::new(history),
                out_bytes: Series::new(history),
            },
            errors: ErrorRates {
                reconnects: Series::new(history),
                jetstream_api_errors: Series::new(history),
                slow_consumers: Series::new(history),
                api_errors: Series::new(history),
            },
            events: Ring::new(EVENTS_KEPT),
            stream_table: TableState::default(),
            client_table: TableState::default(),
            started: now,
            focus: Pane::Streams,
            theme: 0,
            stream_rates: StreamRates::default(),
            client_rates: ClientRates::default(),
            base: Base::Dashboard,
            overlay: None,
            requests: Requests::default(),
            status: None,
            dirty: true,
        }
    }

    /// The pane that has the focus on the dashboard.
    pub fn focus(&self) -> Pane {
        self.focus
    }

    /// Which of the session's themes is shown (an index into `session.themes`).
    pub fn theme_index(&self) -> usize {
        self.theme
    }

    /// The last outcome or message for the status line.
    pub fn status(&self) -> Option<&StatusLine> {
        self.status.as_ref()
    }

    /// Whether something changed since the last draw; clears the flag.
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    pub fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    /// Advances the clock (ages shown in panes change with it).
    pub fn tick(&mut self, now: Instant) {
        self.now = now;
        self.dirty = true;
        let (limit, started) = (sourced::late_after(self.session.refresh), self.started);
        self.server.check_late(now, started, limit);
        self.jetstream.check_late(now, started, limit);
        self.streams.check_late(now, started, limit);
        self.connections.check_late(now, started, limit);
        self.cluster.check_late(now, started, limit);
        // Sampled only with `--api`: silence before its first answer means it is not sampled.
        if self.api.answered() {
            self.api.check_late(now, started, limit);
        }
    }

    pub fn event(&mut self, level: EventLevel, time: String, text: impl Into<String>) {
        self.events.push(EventRecord {
            time,
            level,
            text: text.into(),
        });
        self.dirty = true;
    }

    /// Folds one sampler update into the state. While paused, figures are not updated (the
    /// screen holds still for reading) but answers to the user's own actions still are.
    pub fn apply(&mut self, stamped: Stamped) {
        let Stamped { at, update } = stamped;
        self.dirty = true;
        let origin = self.started;
        match update {
            Update::Detail { id, result } => {
                self.answer_detail(id, result);
                return;
            }
            Update::Done { id, outcome } => {
                // Every outcome reaches the status line, whether or not what asked is still open.
                self.status = Some(StatusLine {
                    text: outcome.text.clone(),
                    ok: outcome.ok,
                    at,
                });
                self.answer_action(id, outcome);
                return;
            }
            Update::Event(record) => {
                self.events.push(record);
                return;
            }
            _ if self.paused => return,
            _ => {}
        }
        match update {
            Update::Connection(view) => {
                self.errors.reconnects.record(view.reconnects, at, origin);
                self.connection = Some(view);
            }
            Update::Server(result) => {
                if let Ok(server) = &result {
                    self.throughput.in_msgs.record(server.in_msgs, at, origin);
                    self.throughput.out_msgs.record(server.out_msgs, at, origin);
                    self.throughput.in_bytes.record(server.in_bytes, at, origin);
                    self.throughput
                        .out_bytes
                        .record(server.out_bytes, at, origin);
                    self.errors
                        .slow_consumers
                        .record(server.slow_consumers, at, origin);
                }
                self.server.set(result, at);
            }
            Update::JetStream(result) => {
                if let Ok(js) = &result {
                    self.errors
                        .jetstream_api_errors
                        .record(js.api_errors, at, origin);
                }
                self.jetstream.set(result, at);
            }
            Update::Streams(result) => {
                if let Ok(rows) = &result {
                    let counters = rows.iter().map(|r| (r.name.clone(), r.last_seq));
                    self.stream_rates.update(counters, at);
                }
                self.streams.set(result, at);
                let rows = self.stream_lines().len();
                self.stream_table.clamp(rows);
            }
            Update::Connections(result) => {
                if let Ok(view) = &result {
                    let counters = view.clients.iter().map(|c| (c.cid, c.in_msgs + c.out_msgs));
                    self.client_rates.update(counters, at);
                }
                self.connections.set(result, at);
                let rows = self.client_lines().len();
                self.client_table.clamp(rows);
            }
            Update::Cluster(result) => self.cluster.set(result, at),
            Update::Api(result) => {
                if let Ok(api) = &result {
                    self.errors.api_errors.record(api.errors, at, origin);
                }
                self.api.set(result, at);
            }
            Update::Supervisor(view) => self.supervisor = Some(view),
            Update::Detail { .. } | Update::Done { .. } | Update::Event(_) => {}
        }
    }

    pub fn stream_lines(&self) -> Vec<StreamLine> {
        let rows = self.streams.value.as_deref().unwrap_or_default();
        tables::stream_lines(rows, &self.stream_rates, &self.stream_table)
    }

    pub fn client_lines(&self) -> Vec<ClientLine> {
        let rows = self
            .connections
            .value
            .as_ref()
            .map(|c| c.clients.as_slice())
            .unwrap_or_default();
        tables::client_lines(rows, &self.client_rates, &self.client_table)
    }

    pub fn stream_sort(&self) -> StreamColumn {
        self.stream_table.column()
    }

    pub fn client_sort(&self) -> ClientColumn {
        self.client_table.column()
    }

    /// The stream the selection is on, in the streams pane or the open detail.
    pub fn selected_stream(&self) -> Option<String> {
        if let Base::Detail(detail) = &self.base {
            return Some(detail.name.clone());
        }
        if self.focus != Pane::Streams {
            return None;
        }
        self.stream_lines()
            .get(self.stream_table.selected)
            .map(|line| line.row.name.clone())
    }

    fn focused_table(&mut self) -> Option<(&mut TableState, usize)> {
        match self.focus {
            Pane::Streams => {
                let rows = self.stream_lines().len();
                Some((&mut self.stream_table, rows))
            }
            Pane::Connections => {
                let rows = self.client_lines().len();
                Some((&mut self.client_table, rows))
            }
            _ => None,
        }
    }

    fn say(&mut self, text: impl Into<String>, ok: bool) {
        self.status = Some(StatusLine {
            text: text.into(),
            ok,
            at: self.now,
        });
    }

    /// Panes worth visiting: the cluster pane only when there is more than one node.
    pub fn visible_panes(&self) -> Vec<Pane> {
        let cluster = self
            .cluster
            .value
            .as_ref()
            .is_some_and(|nodes| nodes.len() > 1);
        Pane::VARIANTS
            .iter()
            .copied()
            .filter(|p| *p != Pane::Cluster || cluster)
            .collect()
    }
}

#[cfg(test)]
mod tests;
