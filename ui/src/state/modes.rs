//! What is open: a stack of views (the dashboard at the bottom; a stream's detail, the consumers,
//! a consumer, a stored message or a tail over it) and at most one overlay over the top view
//! (help, the command line or filter, a form, a confirmation, a burst under way). The keys are
//! the overlay's when one is open, else the top view's; `Esc` closes the overlay, then the views
//! one by one. Each mode has its own command handler.
//!
//! What asks the broker (a form, a confirmation, a message read, a tail, a burst) records the id
//! of its request and takes only the answer to that request: a late answer for a form closed
//! since changes nothing but the status line. A form or confirmation waiting for its answer
//! ignores a second submit.

use super::App;
use super::confirm::Confirm;
use super::forms::Form;
use super::prompt::{FilterTarget, Prompt, PromptKind};
use super::views::{BurstView, ConsumerDetail, Detail, MessageView, TailView};
use crate::command::{Command, Mode, Pane};
use crate::model::{Action, ActionOutcome, Effect, MessageAt, Request, RequestId};

/// Rows a page-up/down moves.
pub(super) const PAGE: isize = 10;

/// A view of the body of the screen.
#[derive(Debug, Clone)]
pub enum Base {
    Dashboard,
    Detail(Detail),
    Consumers,
    Consumer(ConsumerDetail),
    Message(MessageView),
    Tail(TailView),
}

/// What is drawn over the top view and takes the keys.
#[derive(Debug, Clone)]
pub enum Overlay {
    Help(Help),
    Prompt(Prompt),
    Form(Form),
    Confirm(Box<Confirm>),
    Burst(BurstView),
}

/// The help overlay: the bindings of the view's mode, and the command line's commands.
#[derive(Debug, Clone, Default)]
pub struct Help {
    /// First row shown, when the help is taller than the screen; clamped when drawn, where the
    /// height is known.
    pub scroll: usize,
}

/// Hands out request ids, each once.
#[derive(Debug, Clone, Default)]
pub(super) struct Requests {
    last: u64,
}

impl Requests {
    pub(super) fn start(&mut self, action: Action) -> Request {
        self.last += 1;
        Request {
            id: RequestId(self.last),
            action,
        }
    }
}

impl App {
    /// The mode whose key table applies: the overlay's, else the top view's.
    pub fn mode(&self) -> Mode {
        match &self.overlay {
            Some(Overlay::Help(_)) => Mode::Help,
            Some(Overlay::Prompt(_)) => Mode::Prompt,
            Some(Overlay::Form(_)) => Mode::Form,
            Some(Overlay::Confirm(_)) => Mode::Confirm,
            Some(Overlay::Burst(_)) => Mode::Burst,
            None => self.base_mode(),
        }
    }

    /// The mode of the top view, under any overlay (the help describes it).
    pub fn base_mode(&self) -> Mode {
        match self.base() {
            Base::Dashboard => Mode::Normal,
            Base::Detail(_) => Mode::Detail,
            Base::Consumers => Mode::Consumers,
            Base::Consumer(_) => Mode::Consumer,
            Base::Message(_) => Mode::Message,
            Base::Tail(_) => Mode::Tail,
        }
    }

    /// The view shown.
    pub fn base(&self) -> &Base {
        self.bases.last().unwrap_or(&Base::Dashboard)
    }

    pub(super) fn base_mut(&mut self) -> &mut Base {
        if self.bases.is_empty() {
            self.bases.push(Base::Dashboard);
        }
        let last = self.bases.len() - 1;
        &mut self.bases[last]
    }

    pub(super) fn push(&mut self, base: Base) {
        self.bases.push(base);
    }

    pub fn overlay(&self) -> Option<&Overlay> {
        self.overlay.as_ref()
    }

    pub fn detail(&self) -> Option<&Detail> {
        match self.base() {
            Base::Detail(detail) => Some(detail),
            _ => None,
        }
    }

    pub fn prompt(&self) -> Option<&Prompt> {
        match &self.overlay {
            Some(Overlay::Prompt(prompt)) => Some(prompt),
            _ => None,
        }
    }

    pub fn form(&self) -> Option<&Form> {
        match &self.overlay {
            Some(Overlay::Form(form)) => Some(form),
            _ => None,
        }
    }

    pub fn confirm(&self) -> Option<&Confirm> {
        match &self.overlay {
            Some(Overlay::Confirm(confirm)) => Some(confirm),
            _ => None,
        }
    }

    /// Runs a command from the keymap or the command line in the current mode; returns what the
    /// runtime must do. A command that means nothing in the mode is ignored.
    pub fn command(&mut self, command: Command) -> Vec<Effect> {
        self.dirty = true;
        if command.writes() && self.session.read_only {
            self.say("read-only mode: changes are disabled", false);
            return Vec::new();
        }
        if let Some(effects) = self.anywhere(command) {
            return effects;
        }
        match self.mode() {
            Mode::Normal => self.dashboard_command(command),
            Mode::Detail => self.detail_command(command),
            Mode::Consumers => self.consumers_command(command),
            Mode::Consumer => self.consumer_command(command),
            Mode::Message => self.message_command(command),
            Mode::Tail => self.tail_command(command),
            Mode::Help => self.help_command(command),
            Mode::Prompt => self.prompt_command(command),
            Mode::Form => self.form_command(command),
            Mode::Confirm => self.confirm_command(command),
            Mode::Burst => self.burst_command(command),
        }
    }

    /// Commands that mean the same whatever is open.
    fn anywhere(&mut self, command: Command) -> Option<Vec<Effect>> {
        match command {
            Command::Quit => return Some(vec![Effect::Quit]),
            Command::Refresh => return Some(vec![Effect::Refresh]),
            // In a tail, pause holds the tail.
            Command::Pause if self.mode() != Mode::Tail => self.paused = !self.paused,
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
            _ => return None,
        }
        Some(Vec::new())
    }

    /// What every view does alike: help, the command line, going back, and the views and
    /// actions reachable from anywhere.
    pub(super) fn view_command(&mut self, command: Command) -> Vec<Effect> {
        match command {
            Command::Help => self.overlay = Some(Overlay::Help(Help::default())),
            Command::CommandLine => self.open_prompt(PromptKind::CommandLine),
            Command::Back | Command::Cancel => return self.back(),
            // From a stream's own views, its consumers; from the dashboard, every stream's.
            Command::Consumers => {
                let stream = match self.base() {
                    Base::Detail(_) | Base::Message(_) => self.selected_stream(),
                    _ => None,
                };
                self.show_consumers(stream);
            }
            Command::Messages => match self.selected_stream() {
                Some(stream) => return self.open_message(stream, MessageAt::Last),
                None => self.say("select a stream first (streams pane)", false),
            },
            Command::Tail => {
                let subject = self.stream_subject(false).unwrap_or_default();
                self.open_prompt_with(PromptKind::CommandLine, &format!("tail {subject}"));
            }
            Command::Burst => {
                let subject = self.stream_subject(true).unwrap_or_default();
                self.overlay = Some(Overlay::Form(Form::burst(&subject)));
            }
            Command::Publish => {
                let subject = self.stream_subject(true).unwrap_or_default();
                self.overlay = Some(Overlay::Form(Form::publish(&subject)));
            }
            Command::CreateStream => self.overlay = Some(Overlay::Form(Form::create_stream())),
            _ => {}
        }
        Vec::new()
    }

    /// The dashboard: moving around the panes and their tables, opening what is selected.
    fn dashboard_command(&mut self, command: Command) -> Vec<Effect> {
        match command {
            Command::Filter => self.open_filter(),
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
            Command::FocusServers => self.focus = Pane::Servers,
            Command::Up => self.move_by(-1),
            Command::Down => self.move_by(1),
            Command::PageUp => self.move_by(-PAGE),
            Command::PageDown => self.move_by(PAGE),
            Command::Top => self.move_by(isize::MIN / 2),
            Command::Bottom => self.move_by(isize::MAX / 2),
            Command::Select if self.focus == Pane::Streams => {
                if let Some(name) = self.selected_stream() {
                    self.open_stream(name);
                }
            }
            Command::SortNext | Command::SortReverse => self.sort(command),
            Command::DeleteStream | Command::PurgeStream => self.ask_stream(command),
            _ => return self.view_command(command),
        }
        Vec::new()
    }

    /// A stream's detail: scrolling its consumers, and the stream's actions.
    fn detail_command(&mut self, command: Command) -> Vec<Effect> {
        let Base::Detail(detail) = self.base_mut() else {
            return Vec::new();
        };
        let delta = match command {
            Command::Up => -1,
            Command::Down => 1,
            Command::PageUp => -PAGE,
            Command::PageDown => PAGE,
            Command::Top => isize::MIN / 2,
            Command::Bottom => isize::MAX / 2,
            Command::DeleteStream | Command::PurgeStream => {
                self.ask_stream(command);
                return Vec::new();
            }
            _ => return self.view_command(command),
        };
        detail.scroll = (detail.scroll as isize).saturating_add(delta).max(0) as usize;
        Vec::new()
    }

    /// The consumers of every stream: a table like the streams pane.
    fn consumers_command(&mut self, command: Command) -> Vec<Effect> {
        match command {
            Command::Filter => self.open_filter(),
            Command::Up => self.move_consumers(-1),
            Command::Down => self.move_consumers(1),
            Command::PageUp => self.move_consumers(-PAGE),
            Command::PageDown => self.move_consumers(PAGE),
            Command::Top => self.move_consumers(isize::MIN / 2),
            Command::Bottom => self.move_consumers(isize::MAX / 2),
            Command::SortNext | Command::SortReverse => self.sort(command),
            Command::Select => {
                if let Some(line) = self.selected_consumer() {
                    let open = ConsumerDetail {
                        stream: line.row.stream.clone(),
                        name: line.row.name.clone(),
                    };
                    self.push(Base::Consumer(open));
                }
            }
            Command::DeleteConsumer => self.ask_consumer(),
            // The consumers view lists them all already.
            Command::Consumers => {}
            _ => return self.view_command(command),
        }
        Vec::new()
    }

    fn consumer_command(&mut self, command: Command) -> Vec<Effect> {
        match command {
            Command::DeleteConsumer => self.ask_consumer(),
            Command::Select => {
                if let Base::Consumer(open) = self.base() {
                    let name = open.stream.clone();
                    self.open_stream(name);
                }
            }
            _ => return self.view_command(command),
        }
        Vec::new()
    }

    /// Shows the consumers view, filtered to `stream` when one is given.
    pub(super) fn show_consumers(&mut self, filter: Option<String>) {
        self.consumer_table.filter = filter.unwrap_or_default();
        self.reconsume();
        if !matches!(self.base(), Base::Consumers) {
            self.push(Base::Consumers);
        }
    }

    /// Back to the dashboard with the streams pane focused (`:streams`).
    pub(super) fn show_streams(&mut self, filter: Option<String>) -> Vec<Effect> {
        let effects = self.close_views();
        self.focus = Pane::Streams;
        if let Some(filter) = filter {
            self.stream_table.filter = filter;
            self.restream();
        }
        effects
    }

    /// Closes every view over the dashboard (cancelling a tail among them).
    pub(super) fn close_views(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        while self.bases.len() > 1 {
            if let Some(Base::Tail(tail)) = self.bases.pop() {
                effects.push(Effect::Cancel(tail.request));
            }
        }
        effects
    }

    /// Esc on a view: back to the one under it (a tail is stopped); on the dashboard, the
    /// filters are dropped.
    fn back(&mut self) -> Vec<Effect> {
        if self.bases.len() > 1 {
            if let Some(Base::Tail(tail)) = self.bases.pop() {
                return vec![Effect::Cancel(tail.request)];
            }
            return Vec::new();
        }
        self.stream_table.filter.clear();
        self.client_table.filter.clear();
        self.event_table.filter.clear();
        self.restream();
        self.reclient();
        Vec::new()
    }

    fn sort(&mut self, command: Command) {
        let consumers = matches!(self.base(), Base::Consumers);
        let table = match self.focus {
            _ if consumers => &mut self.consumer_table,
            Pane::Streams => &mut self.stream_table,
            Pane::Connections => &mut self.client_table,
            _ => return,
        };
        if command == Command::SortNext {
            table.sort += 1;
        } else {
            table.reverse = !table.reverse;
        }
        if consumers {
            self.reconsume();
        } else {
            self.restream();
            self.reclient();
        }
    }

    /// Moves the selection of the focused pane's table (the events scroll).
    fn move_by(&mut self, delta: isize) {
        match self.focus {
            Pane::Streams => {
                let keys: Vec<&str> = self
                    .stream_view
                    .iter()
                    .map(|l| l.row.name.as_str())
                    .collect();
                self.stream_table.move_by(delta, &keys);
            }
            Pane::Connections => {
                let keys: Vec<String> = self
                    .client_view
                    .iter()
                    .map(|l| l.row.cid.to_string())
                    .collect();
                let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
                self.client_table.move_by(delta, &keys);
            }
            Pane::Errors => self.scroll_events(delta),
            Pane::Throughput | Pane::Servers => {}
        }
    }

    fn move_consumers(&mut self, delta: isize) {
        let keys: Vec<String> = self.consumer_view.iter().map(|l| l.row.key()).collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        self.consumer_table.move_by(delta, &keys);
    }

    /// `/` filters what is in front: the consumers, or the focused pane's table or events.
    fn open_filter(&mut self) {
        let target = match (self.base(), self.focus) {
            (Base::Consumers, _) => FilterTarget::Consumers,
            (_, Pane::Connections) => FilterTarget::Clients,
            (_, Pane::Errors) => FilterTarget::Events,
            _ => {
                self.focus = Pane::Streams;
                FilterTarget::Streams
            }
        };
        self.open_prompt(PromptKind::Filter(target));
    }

    /// A subject of the selected stream: the first concrete one when `publishable` (wildcards
    /// filled in, `orders.>` becomes `orders.test`), else the first as it is.
    fn stream_subject(&self, publishable: bool) -> Option<String> {
        let name = self.selected_stream()?;
        let row = self.stream_row(&name);
        let subjects: Vec<String> = match (row, self.detail()) {
            (Some(row), _) => row.subjects.clone(),
            (None, Some(detail)) => detail
                .data
                .value
                .as_ref()?
                .detail
                .stream
                .config
                .subjects
                .clone(),
            (None, None) => return None,
        };
        if !publishable {
            return subjects.first().cloned();
        }
        let concrete = subjects
            .iter()
            .find(|s| message_broker_model::rules::publish_subject(s).is_ok());
        concrete.cloned().or_else(|| {
            let filled = subjects.first()?.split('.').map(|token| match token {
                "*" | ">" => "test",
                other => other,
            });
            Some(filled.collect::<Vec<_>>().join("."))
        })
    }

    fn help_command(&mut self, command: Command) -> Vec<Effect> {
        let Some(Overlay::Help(help)) = &mut self.overlay else {
            return Vec::new();
        };
        let delta = match command {
            Command::Help | Command::Back | Command::Cancel => {
                self.overlay = None;
                return Vec::new();
            }
            Command::Up => -1,
            Command::Down => 1,
            Command::PageUp => -PAGE,
            Command::PageDown => PAGE,
            Command::Top => isize::MIN / 2,
            Command::Bottom => isize::MAX / 2,
            _ => return Vec::new(),
        };
        // Bounded here only to stay far from overflow; the view clamps to the content.
        help.scroll = (help.scroll as isize)
            .saturating_add(delta)
            .clamp(0, 10_000) as usize;
        Vec::new()
    }

    /// The form's keys. Once submitted it waits for the answer, so a refusal is shown in place;
    /// until then only closing it does anything. A burst form starts the burst instead.
    fn form_command(&mut self, command: Command) -> Vec<Effect> {
        let Some(Overlay::Form(form)) = &mut self.overlay else {
            return Vec::new();
        };
        match command {
            Command::Back | Command::Cancel => self.overlay = None,
            _ if form.pending.is_some() => {}
            Command::NextField => form.next(),
            Command::PrevField => form.prev(),
            Command::Submit => {
                let streams = self.streams.value.as_deref().unwrap_or_default();
                match form.submit(streams) {
                    Some(Action::Burst {
                        subject,
                        count,
                        rate,
                    }) => return self.start_burst(subject, count, rate),
                    Some(action) => {
                        if let Action::CreateStream(spec) = &action {
                            let name = spec.name.clone();
                            self.own_change(&name);
                        }
                        let request = self.requests.start(action);
                        if let Some(Overlay::Form(form)) = &mut self.overlay {
                            form.pending = Some(request.id);
                        }
                        return vec![Effect::Request(request)];
                    }
                    None => {}
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// The answer to request `id`: the form or confirmation that sent it takes it; if that has
    /// been closed (or replaced) since, nothing changes.
    pub(super) fn answer_action(
        &mut self,
        id: RequestId,
        outcome: ActionOutcome,
        _at: std::time::Instant,
    ) {
        match &mut self.overlay {
            Some(Overlay::Form(form)) if form.pending == Some(id) => {
                if outcome.ok {
                    self.overlay = None;
                } else {
                    form.pending = None;
                    form.error = Some(outcome.text);
                }
            }
            Some(Overlay::Confirm(confirm)) if confirm.pending == Some(id) => {
                let action = confirm.action.clone();
                if outcome.ok {
                    self.overlay = None;
                    self.close_views_of(&action);
                } else {
                    confirm.pending = None;
                    confirm.error = Some(outcome.text);
                }
            }
            _ => {}
        }
    }

    /// A stream deleted from its own detail, or a consumer from its own, has nothing left to
    /// show: those views close.
    fn close_views_of(&mut self, action: &Action) {
        self.bases.retain(|base| match (base, action) {
            (Base::Detail(d), Action::DeleteStream(name)) => &d.name != name,
            (Base::Message(m), Action::DeleteStream(name)) => &m.stream != name,
            (Base::Consumer(c), Action::DeleteStream(name)) => &c.stream != name,
            (Base::Consumer(c), Action::DeleteConsumer { stream, consumer }) => {
                !(&c.stream == stream && &c.name == consumer)
            }
            _ => true,
        });
        if self.bases.is_empty() {
            self.bases.push(Base::Dashboard);
        }
    }
}
