//! The console's state and how it changes: updates from the samplers are folded in, commands
//! from the keymap move focus, open forms and ask for effects. No terminal, no network, no clock
//! of its own: time comes in with each update and tick, so every transition is testable.

pub mod forms;
pub mod history;
mod prompt;
pub mod tables;

use std::time::{Duration, Instant};

use strum::VariantArray;

use crate::command::{Command, Mode, Pane};
use crate::model::{
    ApiView, ConnectionView, ConnectionsView, DetailData, Effect, EventLevel, EventRecord,
    JetStreamView, NodeRow, ServerView, Stamped, StreamRow, SupervisorView, Update,
};
use forms::Form;
use history::{Ring, Series};
pub use prompt::{Prompt, PromptKind};
use tables::{
    ClientColumn, ClientLine, ClientRates, StreamColumn, StreamLine, StreamRates, TableState,
};

/// Recent events kept for the errors pane.
const EVENTS_KEPT: usize = 200;
/// Rows a page-up/down moves.
const PAGE: isize = 10;

/// A section's last good value, and the reason it could not be refreshed since, if any.
#[derive(Debug, Clone)]
pub struct Sourced<T> {
    pub value: Option<T>,
    pub error: Option<String>,
    pub updated: Option<Instant>,
}

impl<T> Default for Sourced<T> {
    fn default() -> Self {
        Sourced {
            value: None,
            error: None,
            updated: None,
        }
    }
}

impl<T> Sourced<T> {
    fn set(&mut self, result: Result<T, String>, at: Instant) {
        match result {
            Ok(value) => {
                self.value = Some(value);
                self.error = None;
                self.updated = Some(at);
            }
            Err(error) => self.error = Some(error),
        }
    }

    /// The value is old news: the last refresh failed.
    pub fn stale(&self) -> bool {
        self.error.is_some()
    }

    pub fn age(&self, now: Instant) -> Option<Duration> {
        self.updated.map(|at| now.saturating_duration_since(at))
    }
}

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

/// A destructive action waiting for a yes.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub question: String,
    pub effect: Effect,
}

#[derive(Debug, Clone)]
pub struct Detail {
    pub name: String,
    pub view: Option<Result<Box<DetailData>, String>>,
    pub scroll: usize,
}

#[derive(Debug, Clone)]
pub struct StatusLine {
    pub text: String,
    pub ok: bool,
    pub at: Instant,
}

pub struct App {
    pub session: SessionInfo,
    pub started: Instant,
    pub now: Instant,
    pub focus: Pane,
    pub paused: bool,
    pub theme: usize,
    pub connection: Option<ConnectionView>,
    pub server: Sourced<ServerView>,
    pub jetstream: Sourced<JetStreamView>,
    pub streams: Sourced<Vec<StreamRow>>,
    pub connections: Sourced<ConnectionsView>,
    pub cluster: Sourced<Vec<NodeRow>>,
    pub api: Sourced<ApiView>,
    pub supervisor: Option<SupervisorView>,
    pub throughput: Throughput,
    pub errors: ErrorRates,
    pub events: Ring<EventRecord>,
    pub stream_table: TableState,
    pub stream_rates: StreamRates,
    pub client_table: TableState,
    pub client_rates: ClientRates,
    pub detail: Option<Detail>,
    pub form: Option<Form>,
    pub confirm: Option<Confirm>,
    pub help: bool,
    /// First row of the help shown, when it is taller than the screen.
    pub help_scroll: usize,
    pub prompt: Option<Prompt>,
    pub status: Option<StatusLine>,
    dirty: bool,
}

impl App {
    /// `history` is how many samples the charts keep (e.g. 15 minutes at 1 s = 900).
    pub fn new(session: SessionInfo, history: usize, now: Instant) -> App {
        App {
            session,
            started: now,
            now,
            focus: Pane::Streams,
            paused: false,
            theme: 0,
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
            stream_rates: StreamRates::default(),
            client_table: TableState::default(),
            client_rates: ClientRates::default(),
            detail: None,
            form: None,
            confirm: None,
            help: false,
            help_scroll: 0,
            prompt: None,
            status: None,
            dirty: true,
        }
    }

    /// The mode whose key table applies: the innermost thing open.
    pub fn mode(&self) -> Mode {
        if self.prompt.is_some() {
            Mode::Prompt
        } else if self.confirm.is_some() {
            Mode::Confirm
        } else if self.form.is_some() {
            Mode::Form
        } else if self.help {
            Mode::Help
        } else if self.detail.is_some() {
            Mode::Detail
        } else {
            Mode::Normal
        }
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
            Update::Detail(result) => {
                if let Some(detail) = &mut self.detail {
                    detail.view = Some(result);
                }
                return;
            }
            Update::Done(outcome) => {
                self.status = Some(StatusLine {
                    text: outcome.text.clone(),
                    ok: outcome.ok,
                    at,
                });
                if !outcome.ok
                    && let Some(form) = &mut self.form
                {
                    form.error = Some(outcome.text);
                    return;
                }
                if outcome.ok {
                    self.form = None;
                }
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
            Update::Detail(_) | Update::Done(_) | Update::Event(_) => {}
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
        if let Some(detail) = &self.detail {
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

    fn move_selection(&mut self, delta: isize) {
        if self.help {
            // Clamped to the content when drawn: the view knows how many rows fit.
            self.help_scroll = (self.help_scroll as isize)
                .saturating_add(delta)
                .clamp(0, 10_000) as usize;
            return;
        }
        if let Some(detail) = &mut self.detail {
            detail.scroll = (detail.scroll as isize + delta).max(0) as usize;
            return;
        }
        if let Some((table, rows)) = self.focused_table() {
            table.move_by(delta, rows);
        }
    }

    fn say(&mut self, text: impl Into<String>, ok: bool) {
        self.status = Some(StatusLine {
            text: text.into(),
            ok,
            at: self.now,
        });
    }

    /// Runs a command from the keymap or the command line; returns what the runtime must do.
    pub fn command(&mut self, command: Command) -> Vec<Effect> {
        self.dirty = true;
        if command.writes() && self.session.read_only {
            self.say("read-only mode: changes are disabled", false);
            return Vec::new();
        }
        match command {
            Command::Quit => return vec![Effect::Quit],
            Command::Help => {
                self.help = !self.help;
                self.help_scroll = 0;
            }
            Command::Back | Command::Cancel => self.back(),
            Command::CommandLine => self.open_prompt(PromptKind::CommandLine),
            Command::Filter => self.open_prompt(PromptKind::Filter),
            Command::NextPane | Command::PrevPane => {
                let panes = self.visible_panes();
                let i = panes.iter().position(|p| *p == self.focus).unwrap_or(0);
                let step = if command == Command::NextPane {
                    1
                } else {
                    panes.len() - 1
                };
                self.focus = panes[(i + step) % panes.len()];
            }
            Command::FocusThroughput => self.focus = Pane::Throughput,
            Command::FocusStreams => self.focus = Pane::Streams,
            Command::FocusConnections => self.focus = Pane::Connections,
            Command::FocusErrors => self.focus = Pane::Errors,
            Command::FocusCluster => self.focus = Pane::Cluster,
            Command::Up => self.move_selection(-1),
            Command::Down => self.move_selection(1),
            Command::PageUp => self.move_selection(-PAGE),
            Command::PageDown => self.move_selection(PAGE),
            Command::Top => self.move_selection(isize::MIN / 2),
            Command::Bottom => self.move_selection(isize::MAX / 2),
            Command::Select => {
                if self.focus == Pane::Streams
                    && self.detail.is_none()
                    && let Some(name) = self.selected_stream()
                {
                    self.detail = Some(Detail {
                        name: name.clone(),
                        view: None,
                        scroll: 0,
                    });
                    return vec![Effect::LoadDetail(name)];
                }
            }
            Command::SortNext => {
                if let Some((table, _)) = self.focused_table() {
                    table.sort += 1;
                }
            }
            Command::SortReverse => {
                if let Some((table, _)) = self.focused_table() {
                    table.reverse = !table.reverse;
                }
            }
            Command::Pause => self.paused = !self.paused,
            Command::Refresh => return vec![Effect::Refresh],
            Command::NextTheme => {
                self.theme = (self.theme + 1) % self.session.themes.len().max(1);
                let name = self
                    .session
                    .themes
                    .get(self.theme)
                    .cloned()
                    .unwrap_or_default();
                self.say(format!("theme: {name}"), true);
            }
            Command::CreateStream => self.form = Some(Form::create_stream()),
            Command::Publish => {
                let subject = self
                    .selected_stream()
                    .and_then(|name| {
                        self.streams
                            .value
                            .as_ref()?
                            .iter()
                            .find(|s| s.name == name)?
                            .subjects
                            .iter()
                            .find(|s| message_broker_model::rules::publish_subject(s).is_ok())
                            .cloned()
                    })
                    .unwrap_or_default();
                self.form = Some(Form::publish(&subject));
            }
            Command::DeleteStream | Command::PurgeStream => match self.selected_stream() {
                Some(name) => {
                    let messages = self
                        .streams
                        .value
                        .as_ref()
                        .and_then(|rows| rows.iter().find(|r| r.name == name))
                        .map(|r| r.messages);
                    let count = messages.map_or(String::new(), |m| format!(" ({m} messages)"));
                    self.confirm = Some(if command == Command::DeleteStream {
                        Confirm {
                            question: format!("Delete stream '{name}'{count} and all its data?"),
                            effect: Effect::DeleteStream(name),
                        }
                    } else {
                        Confirm {
                            question: format!("Purge every message from '{name}'{count}?"),
                            effect: Effect::PurgeStream(name),
                        }
                    });
                }
                None => self.say("select a stream first (streams pane)", false),
            },
            Command::NextField => {
                if let Some(form) = &mut self.form {
                    form.next();
                }
            }
            Command::PrevField => {
                if let Some(form) = &mut self.form {
                    form.prev();
                }
            }
            Command::Submit => return self.submit(),
            Command::Confirm => {
                if let Some(confirm) = self.confirm.take() {
                    if matches!(confirm.effect, Effect::DeleteStream(_)) {
                        self.detail = None;
                    }
                    return vec![confirm.effect];
                }
            }
            Command::Complete => self.complete(),
        }
        Vec::new()
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

    fn back(&mut self) {
        if self.prompt.take().is_some()
            || self.confirm.take().is_some()
            || self.form.take().is_some()
        {
            return;
        }
        if self.help {
            self.help = false;
        } else if self.detail.take().is_none() && !self.stream_table.filter.is_empty() {
            self.stream_table.filter.clear();
            self.client_table.filter.clear();
        }
    }
}

#[cfg(test)]
mod tests;
