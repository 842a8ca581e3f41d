//! The console's state and how it changes: updates from the samplers are folded in, commands
//! from the keymap move focus, open views and forms and ask for effects. No terminal, no network,
//! no clock of its own: time comes in with each update and tick, so every transition is testable.

mod confirm;
pub mod consumers;
mod events;
pub mod forms;
pub mod history;
mod modes;
mod prompt;
mod rates;
mod sourced;
pub mod tables;
mod views;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::command::Pane;
use crate::model::{
    ApiStatsSnapshot, ClientStatus, ClusterNode, ConnectionsView, ConsumerRow, DetailData,
    EventLevel, EventRecord, JetStreamStatus, ServerStatus, Stamped, StreamRow, SupervisorView,
    Update, Watching,
};
pub use confirm::{Confirm, Loss};
use consumers::{ConsumerColumn, ConsumerLine, Trends};
use history::Ring;
use modes::Requests;
pub use modes::{Base, Help, Overlay};
pub use prompt::{FilterTarget, Prompt, PromptKind};
pub use rates::{ErrorRates, OwnRates, Throughput};
pub use sourced::Sourced;
use tables::{
    ClientColumn, ClientLine, ClientRates, StreamColumn, StreamLine, StreamRates, TableState,
};
pub use views::{BurstView, ConsumerDetail, Detail, MessageView, TailView};

/// Rows around the selection the samplers read first (about what a pane shows).
const NEAR_ROWS: usize = 40;

/// Recent events kept for the errors pane.
const EVENTS_KEPT: usize = 500;
/// How long a stream this console created or deleted is not announced again when the stream
/// list shows the change (the action's own outcome already was).
const OWN_CHANGE_QUIET: Duration = Duration::from_secs(60);

/// Consumer lag from which it is shown as a warning, and as an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LagThresholds {
    pub warn: u64,
    pub error: u64,
}

impl Default for LagThresholds {
    fn default() -> Self {
        LagThresholds {
            warn: 1_000,
            error: 10_000,
        }
    }
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
    pub lag: LagThresholds,
    /// The JetStream domain streams are managed in, when one is configured.
    pub jetstream_domain: Option<String>,
    /// Wall-clock time (since the Unix epoch) when the console started, so the state can say
    /// what time an `Instant` was without reading a clock.
    pub started_wall: Duration,
}

#[derive(Debug, Clone)]
pub struct StatusLine {
    pub text: String,
    pub ok: bool,
    pub at: Instant,
}

/// The console's whole state. The figures the panes draw are public; what is open (the views
/// and the overlay over them) changes only through [`App::command`], [`App::input`] and
/// [`App::apply`].
pub struct App {
    pub session: SessionInfo,
    pub now: Instant,
    pub paused: bool,
    pub connection: Option<ClientStatus>,
    pub server: Sourced<ServerStatus>,
    pub jetstream: Sourced<JetStreamStatus>,
    pub streams: Sourced<Vec<StreamRow>>,
    pub consumers: Sourced<Vec<ConsumerRow>>,
    pub connections: Sourced<ConnectionsView>,
    pub cluster: Sourced<Vec<ClusterNode>>,
    pub api: Sourced<ApiStatsSnapshot>,
    pub supervisor: Option<SupervisorView>,
    pub throughput: Throughput,
    pub own: OwnRates,
    pub errors: ErrorRates,
    pub events: Ring<EventRecord>,
    pub stream_table: TableState,
    pub client_table: TableState,
    pub consumer_table: TableState,
    /// Scroll position (newest first) and filter of the events list.
    pub event_table: TableState,
    started: Instant,
    focus: Pane,
    theme: usize,
    stream_rates: StreamRates,
    client_rates: ClientRates,
    consumer_trends: Trends,
    /// The tables as shown (filtered, sorted), kept until their data, sort or filter change.
    stream_view: Vec<StreamLine>,
    client_view: Vec<ClientLine>,
    consumer_view: Vec<ConsumerLine>,
    known_streams: Option<BTreeSet<String>>,
    /// Streams this console created or deleted, and when.
    own_changes: Vec<(String, Instant)>,
    /// The views open, the dashboard at the bottom; the last is shown.
    bases: Vec<Base>,
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
            consumers: Sourced::default(),
            connections: Sourced::default(),
            cluster: Sourced::default(),
            api: Sourced::default(),
            supervisor: None,
            throughput: Throughput::new(history),
            own: OwnRates::default(),
            errors: ErrorRates::new(history),
            events: Ring::new(EVENTS_KEPT),
            stream_table: TableState::default(),
            client_table: TableState::default(),
            consumer_table: TableState::default(),
            event_table: TableState::default(),
            started: now,
            focus: Pane::Streams,
            theme: 0,
            stream_rates: StreamRates::default(),
            client_rates: ClientRates::default(),
            consumer_trends: Trends::default(),
            stream_view: Vec::new(),
            client_view: Vec::new(),
            consumer_view: Vec::new(),
            known_streams: None,
            own_changes: Vec::new(),
            bases: vec![Base::Dashboard],
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

    /// The wall-clock time of `at`, `HH:MM:SSZ` (UTC), from the session's start.
    pub fn clock(&self, at: Instant) -> String {
        let since_start = at.saturating_duration_since(self.started);
        let secs = (self.session.started_wall + since_start).as_secs() % 86_400;
        format!(
            "{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )
    }

    /// Seconds since the Unix epoch at `at`, from the session's start (for "12s ago").
    pub fn wall_seconds(&self, at: Instant) -> f64 {
        (self.session.started_wall + at.saturating_duration_since(self.started)).as_secs_f64()
    }

    /// What the samplers should read closely: the stream whose detail is open, the selected
    /// stream and the rows around it.
    pub fn watching(&self) -> Watching {
        let stream = self.bases.iter().rev().find_map(|base| match base {
            Base::Detail(detail) => Some(detail.name.clone()),
            Base::Message(message) => Some(message.stream.clone()),
            _ => None,
        });
        // About a screenful around the selection: what the streams pane can show.
        let at = self.stream_table.selected;
        let near = self
            .stream_view
            .iter()
            .skip(at.saturating_sub(NEAR_ROWS / 2))
            .take(NEAR_ROWS)
            .map(|line| line.row.name.clone())
            .collect();
        Watching {
            stream,
            selected: self.stream_table.key.clone(),
            near,
        }
    }

    /// Advances the clock (ages shown in panes change with it).
    pub fn tick(&mut self, now: Instant) {
        self.now = now;
        self.dirty = true;
        let (limit, started) = (sourced::late_after(self.session.refresh), self.started);
        self.server.check_late(now, started, limit);
        self.jetstream.check_late(now, started, limit);
        self.streams.check_late(now, started, limit);
        self.consumers.check_late(now, started, limit);
        self.connections.check_late(now, started, limit);
        self.cluster.check_late(now, started, limit);
        // Sampled only with `--api`: silence before its first answer means it is not sampled.
        if self.api.answered() {
            self.api.check_late(now, started, limit);
        }
        for base in &mut self.bases {
            if let Base::Detail(detail) = base {
                detail.data.check_late(now, detail.opened, limit);
            }
        }
    }

    /// Adds to the recent events, stamped with the time of `at`.
    pub fn log(&mut self, level: EventLevel, at: Instant, text: impl Into<String>) {
        let time = self.clock(at);
        self.event(level, time, text);
    }

    pub fn event(&mut self, level: EventLevel, time: String, text: impl Into<String>) {
        self.events.push(EventRecord {
            time,
            level,
            text: text.into(),
        });
        self.follow_events();
        self.dirty = true;
    }

    /// Folds one sampler update into the state. While paused, figures are not updated (the
    /// screen holds still for reading) but answers to the user's own actions still are.
    pub fn apply(&mut self, stamped: Stamped) {
        let Stamped { at, update } = stamped;
        self.dirty = true;
        let origin = self.started;
        let update = match self.answer(update, at) {
            Some(update) if !self.paused => update,
            _ => return,
        };
        match update {
            Update::Connection(view) => {
                self.errors.reconnects.record(view.reconnects, at, origin);
                self.connection = Some(view);
            }
            Update::Own(own) => self.own.record(own, at),
            Update::Server(result) => {
                if let Ok(server) = &result {
                    self.throughput.record(server, &self.own, at, origin);
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
                    self.note_stream_changes(rows, at);
                    // Consumers of streams that are gone, go too.
                    let names: BTreeSet<&str> = rows.iter().map(|r| r.name.as_str()).collect();
                    if let Some(consumers) = &mut self.consumers.value {
                        consumers.retain(|c| names.contains(c.stream.as_str()));
                    }
                    self.consumer_trends
                        .retain(|key| names.contains(key.split('/').next().unwrap_or_default()));
                    self.reconsume();
                }
                self.streams.set(result, at);
                self.restream();
            }
            Update::StreamRows(fresh) => {
                let counters = fresh.iter().map(|r| (r.name.clone(), r.last_seq));
                self.stream_rates.update_some(counters, at);
                if let Some(rows) = &mut self.streams.value {
                    for row in fresh {
                        if let Some(known) = rows.iter_mut().find(|r| r.name == row.name) {
                            *known = row;
                        }
                    }
                }
                self.streams.touch(at);
                self.restream();
            }
            Update::ConsumersOf { streams, result } => {
                match result {
                    Ok(fresh) => {
                        let values = fresh.iter().map(|r| (r.key(), r.pending));
                        self.consumer_trends.update_some(values, at);
                        let mut all = self.consumers.value.take().unwrap_or_default();
                        all.retain(|c| !streams.contains(&c.stream));
                        all.extend(fresh);
                        all.sort_by(|a, b| (&a.stream, &a.name).cmp(&(&b.stream, &b.name)));
                        self.consumers.set(Ok(all), at);
                    }
                    Err(error) => self.consumers.set(Err(error), at),
                }
                self.reconsume();
            }
            Update::Connections(result) => {
                if let Ok(view) = &result {
                    let counters = view.clients.iter().map(|c| (c.cid, c.in_msgs + c.out_msgs));
                    self.client_rates.update(counters, at);
                }
                self.connections.set(result, at);
                self.reclient();
            }
            Update::Cluster(result) => self.cluster.set(result, at),
            Update::Api(result) => {
                if let Ok(api) = &result {
                    self.errors.api_errors.record(api.errors, at, origin);
                }
                self.api.set(result, at);
            }
            Update::Supervisor(view) => self.supervisor = Some(view),
            // Answers were taken by `answer`.
            Update::Event(_)
            | Update::StreamDetail { .. }
            | Update::Message { .. }
            | Update::Tail { .. }
            | Update::Burst { .. }
            | Update::Done { .. } => {}
        }
    }

    /// Takes what answers the user (their actions, the views they opened, events) whether or
    /// not the figures are paused; hands back the sampled figures.
    fn answer(&mut self, update: Update, at: Instant) -> Option<Update> {
        match update {
            Update::Done { id, outcome } => {
                // Every outcome reaches the status line and the events, once, whether or not
                // what asked is still open.
                let level = if outcome.ok {
                    EventLevel::Info
                } else {
                    EventLevel::Error
                };
                self.log(level, at, outcome.text.clone());
                self.status = Some(StatusLine {
                    text: outcome.text.clone(),
                    ok: outcome.ok,
                    at,
                });
                self.answer_action(id, outcome, at);
            }
            Update::Event(record) => {
                self.events.push(record);
                self.follow_events();
            }
            Update::StreamDetail { name, result } => self.answer_detail(&name, result, at),
            Update::Message { id, result } => self.answer_message(id, result),
            Update::Tail { id, batch } => self.answer_tail(id, batch, at),
            Update::Burst { id, progress } => self.answer_burst(id, progress),
            other => return Some(other),
        }
        None
    }

    /// Logs streams that appeared or went away since the last listing, except those this
    /// console created or deleted itself (their outcome is logged already).
    fn note_stream_changes(&mut self, rows: &[StreamRow], at: Instant) {
        let names: BTreeSet<String> = rows.iter().map(|r| r.name.clone()).collect();
        self.own_changes
            .retain(|(_, when)| at.saturating_duration_since(*when) < OWN_CHANGE_QUIET);
        if let Some(before) = self.known_streams.take() {
            let own = |name: &String| self.own_changes.iter().any(|(n, _)| n == name);
            let added: Vec<String> = names
                .difference(&before)
                .filter(|n| !own(n))
                .cloned()
                .collect();
            let removed: Vec<String> = before
                .difference(&names)
                .filter(|n| !own(n))
                .cloned()
                .collect();
            for name in added {
                self.log(EventLevel::Info, at, format!("stream '{name}' created"));
            }
            for name in removed {
                self.log(EventLevel::Warn, at, format!("stream '{name}' deleted"));
            }
        }
        self.known_streams = Some(names);
    }

    /// Remembers a stream this console is about to create or delete.
    fn own_change(&mut self, name: &str) {
        self.own_changes.push((name.to_owned(), self.now));
    }

    /// The streams as shown: filtered and sorted, with rates and fullness.
    pub fn stream_lines(&self) -> &[StreamLine] {
        &self.stream_view
    }

    pub fn client_lines(&self) -> &[ClientLine] {
        &self.client_view
    }

    pub fn consumer_lines(&self) -> &[ConsumerLine] {
        &self.consumer_view
    }

    /// Recomputes the streams table and keeps the selection on its stream; when the stream went
    /// away, the selection stays in place and the status line says where it is now.
    fn restream(&mut self) {
        let rows = self.streams.value.as_deref().unwrap_or_default();
        self.stream_view = tables::stream_lines(rows, &self.stream_rates, &self.stream_table);
        let keys: Vec<&str> = self
            .stream_view
            .iter()
            .map(|l| l.row.name.as_str())
            .collect();
        let lost = self.stream_table.follow(&keys);
        let gone = lost.filter(|name| !rows.iter().any(|r| &r.name == name));
        if let Some(name) = gone {
            let now_on = self.stream_table.key.clone();
            self.say(moved("stream", &name, now_on.as_deref()), false);
        }
    }

    fn reclient(&mut self) {
        let rows = self
            .connections
            .value
            .as_ref()
            .map(|c| c.clients.as_slice())
            .unwrap_or_default();
        self.client_view = tables::client_lines(rows, &self.client_rates, &self.client_table);
        let keys: Vec<String> = self
            .client_view
            .iter()
            .map(|l| l.row.cid.to_string())
            .collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        self.client_table.follow(&keys);
    }

    fn reconsume(&mut self) {
        let rows = self.consumers.value.as_deref().unwrap_or_default();
        self.consumer_view =
            consumers::consumer_lines(rows, &self.consumer_trends, &self.consumer_table);
        let keys: Vec<String> = self.consumer_view.iter().map(|l| l.row.key()).collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let lost = self.consumer_table.follow(&keys);
        let gone = lost.filter(|key| !rows.iter().any(|r| &r.key() == key));
        if let Some(key) = gone
            && matches!(self.base(), Base::Consumers)
        {
            let now_on = self.consumer_table.key.clone();
            self.say(moved("consumer", &key, now_on.as_deref()), false);
        }
    }

    pub fn stream_sort(&self) -> StreamColumn {
        self.stream_table.column()
    }

    pub fn client_sort(&self) -> ClientColumn {
        self.client_table.column()
    }

    pub fn consumer_sort(&self) -> ConsumerColumn {
        self.consumer_table.column()
    }

    /// The stream the selection is on: the open detail's, else the streams pane's.
    pub fn selected_stream(&self) -> Option<String> {
        match self.base() {
            Base::Detail(detail) => Some(detail.name.clone()),
            Base::Message(message) => Some(message.stream.clone()),
            Base::Dashboard if self.focus == Pane::Streams => self.stream_table.key.clone(),
            _ => None,
        }
    }

    /// The consumer the selection is on, in the consumers view or a consumer's detail.
    pub fn selected_consumer(&self) -> Option<&ConsumerLine> {
        match self.base() {
            Base::Consumer(open) => self
                .consumer_view
                .iter()
                .find(|l| l.row.stream == open.stream && l.row.name == open.name),
            Base::Consumers => self.consumer_view.get(self.consumer_table.selected),
            _ => None,
        }
    }

    /// A stream's row as last listed.
    pub fn stream_row(&self, name: &str) -> Option<&StreamRow> {
        self.streams.value.as_ref()?.iter().find(|r| r.name == name)
    }

    fn say(&mut self, text: impl Into<String>, ok: bool) {
        self.status = Some(StatusLine {
            text: text.into(),
            ok,
            at: self.now,
        });
    }

    /// The dashboard's panes, in `Tab` order.
    pub fn visible_panes(&self) -> Vec<Pane> {
        use strum::VariantArray;
        Pane::VARIANTS.to_vec()
    }
}

/// `stream 'orders' is gone; the selection moved to 'payments'`.
fn moved(what: &str, gone: &str, now_on: Option<&str>) -> String {
    match now_on {
        Some(next) => format!("{what} '{gone}' is gone; the selection moved to '{next}'"),
        None => format!("{what} '{gone}' is gone; nothing left to select"),
    }
}

/// A detail's data as a source: its own age and lateness.
pub type DetailSource = Sourced<Box<DetailData>>;

#[cfg(test)]
mod tests;
