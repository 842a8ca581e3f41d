//! What is open, one thing at a time: a base view (the dashboard, or one stream's detail) and at
//! most one overlay over it (help, the command line or filter, a form, a confirmation). The keys
//! are the overlay's when one is open, else the base's; closing the overlay returns to the base
//! as it was left. Each mode has its own command handler.
//!
//! What asks the broker (a detail, a form, a confirmation) records the id of its request and
//! takes only the answer to that request: a late answer for another stream's detail, or for a
//! form closed since, changes nothing but the status line. A form or confirmation waiting for its
//! answer ignores a second submit.

use super::forms::Form;
use super::prompt::{Prompt, PromptKind};
use super::{App, DetailData};
use crate::command::{Command, Mode, Pane};
use crate::model::{Action, ActionOutcome, Effect, Request, RequestId};

/// Rows a page-up/down moves.
const PAGE: isize = 10;

/// What fills the body of the screen.
#[derive(Debug, Clone)]
pub enum Base {
    Dashboard,
    Detail(Detail),
}

/// One stream's detail, open in place of the dashboard.
#[derive(Debug, Clone)]
pub struct Detail {
    pub name: String,
    /// The request that loads it; only its answer is shown.
    pub request: RequestId,
    /// `None` until the broker answers.
    pub view: Option<Result<Box<DetailData>, String>>,
    pub scroll: usize,
}

/// What is drawn over the base and takes the keys.
#[derive(Debug, Clone)]
pub enum Overlay {
    Help(Help),
    Prompt(Prompt),
    Form(Form),
    Confirm(Confirm),
}

/// The help overlay: the bindings of the base's mode.
#[derive(Debug, Clone, Default)]
pub struct Help {
    /// First row shown, when the help is taller than the screen; clamped when drawn, where the
    /// height is known.
    pub scroll: usize,
}

/// A destructive action waiting for a yes, then for the broker's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub question: String,
    pub action: Action,
    /// The request sent on the yes, until it is answered.
    pub pending: Option<RequestId>,
}

/// Hands out request ids, each once.
#[derive(Debug, Clone, Default)]
pub(super) struct Requests {
    last: u64,
}

impl Requests {
    fn start(&mut self, action: Action) -> Request {
        self.last += 1;
        Request {
            id: RequestId(self.last),
            action,
        }
    }
}

impl App {
    /// The mode whose key table applies: the overlay's, else the base's.
    pub fn mode(&self) -> Mode {
        match &self.overlay {
            Some(Overlay::Help(_)) => Mode::Help,
            Some(Overlay::Prompt(_)) => Mode::Prompt,
            Some(Overlay::Form(_)) => Mode::Form,
            Some(Overlay::Confirm(_)) => Mode::Confirm,
            None => self.base_mode(),
        }
    }

    /// The mode of the base view, under any overlay (the help describes it).
    pub fn base_mode(&self) -> Mode {
        match self.base {
            Base::Dashboard => Mode::Normal,
            Base::Detail(_) => Mode::Detail,
        }
    }

    pub fn base(&self) -> &Base {
        &self.base
    }

    pub fn overlay(&self) -> Option<&Overlay> {
        self.overlay.as_ref()
    }

    pub fn detail(&self) -> Option<&Detail> {
        match &self.base {
            Base::Detail(detail) => Some(detail),
            Base::Dashboard => None,
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
            Mode::Normal | Mode::Detail => self.base_command(command),
            Mode::Help => self.help_command(command),
            Mode::Prompt => self.prompt_command(command),
            Mode::Form => self.form_command(command),
            Mode::Confirm => self.confirm_command(command),
        }
    }

    /// Commands that mean the same whatever is open.
    fn anywhere(&mut self, command: Command) -> Option<Vec<Effect>> {
        match command {
            Command::Quit => return Some(vec![Effect::Quit]),
            Command::Refresh => return Some(vec![Effect::Refresh]),
            Command::Pause => self.paused = !self.paused,
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

    /// The dashboard and the detail: moving around and opening overlays.
    fn base_command(&mut self, command: Command) -> Vec<Effect> {
        match command {
            Command::Help => self.overlay = Some(Overlay::Help(Help::default())),
            Command::CommandLine => self.open_prompt(PromptKind::CommandLine),
            Command::Filter => self.open_prompt(PromptKind::Filter),
            Command::Back | Command::Cancel => self.back(),
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
            Command::Up => self.move_by(-1),
            Command::Down => self.move_by(1),
            Command::PageUp => self.move_by(-PAGE),
            Command::PageDown => self.move_by(PAGE),
            Command::Top => self.move_by(isize::MIN / 2),
            Command::Bottom => self.move_by(isize::MAX / 2),
            Command::Select => return self.open_detail(),
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
            Command::CreateStream => self.overlay = Some(Overlay::Form(Form::create_stream())),
            Command::Publish => {
                let form = Form::publish(&self.publish_subject().unwrap_or_default());
                self.overlay = Some(Overlay::Form(form));
            }
            Command::DeleteStream | Command::PurgeStream => self.ask(command),
            Command::Quit
            | Command::Refresh
            | Command::Pause
            | Command::NextTheme
            | Command::NextField
            | Command::PrevField
            | Command::Submit
            | Command::Confirm
            | Command::Complete => {}
        }
        Vec::new()
    }

    /// Esc on the base: the detail goes back to the dashboard, the dashboard drops its filters.
    fn back(&mut self) {
        match self.base {
            Base::Detail(_) => self.base = Base::Dashboard,
            Base::Dashboard => {
                self.stream_table.filter.clear();
                self.client_table.filter.clear();
            }
        }
    }

    /// Moves the table selection on the dashboard, or scrolls the detail.
    fn move_by(&mut self, delta: isize) {
        if let Base::Detail(detail) = &mut self.base {
            detail.scroll = (detail.scroll as isize).saturating_add(delta).max(0) as usize;
        } else if let Some((table, rows)) = self.focused_table() {
            table.move_by(delta, rows);
        }
    }

    fn open_detail(&mut self) -> Vec<Effect> {
        if !matches!(self.base, Base::Dashboard) || self.focus != Pane::Streams {
            return Vec::new();
        }
        let Some(name) = self.selected_stream() else {
            return Vec::new();
        };
        let request = self.requests.start(Action::LoadDetail(name.clone()));
        self.base = Base::Detail(Detail {
            name,
            request: request.id,
            view: None,
            scroll: 0,
        });
        vec![Effect::Request(request)]
    }

    /// The first subject of the selected stream a message can be published to.
    fn publish_subject(&self) -> Option<String> {
        let name = self.selected_stream()?;
        let row = self
            .streams
            .value
            .as_ref()?
            .iter()
            .find(|s| s.name == name)?;
        row.subjects
            .iter()
            .find(|s| message_broker_model::rules::publish_subject(s).is_ok())
            .cloned()
    }

    /// Opens the confirmation of a delete or purge of the selected stream.
    fn ask(&mut self, command: Command) {
        let Some(name) = self.selected_stream() else {
            self.say("select a stream first (streams pane)", false);
            return;
        };
        let messages = self
            .streams
            .value
            .as_ref()
            .and_then(|rows| rows.iter().find(|r| r.name == name))
            .map(|r| r.messages);
        let count = messages.map_or(String::new(), |m| format!(" ({m} messages)"));
        let (question, action) = if command == Command::DeleteStream {
            (
                format!("Delete stream '{name}'{count} and all its data?"),
                Action::DeleteStream(name),
            )
        } else {
            (
                format!("Purge every message from '{name}'{count}?"),
                Action::PurgeStream(name),
            )
        };
        self.overlay = Some(Overlay::Confirm(Confirm {
            question,
            action,
            pending: None,
        }));
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
    /// until then only closing it does anything.
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
                if let Some(action) = form.submit() {
                    let request = self.requests.start(action);
                    form.pending = Some(request.id);
                    return vec![Effect::Request(request)];
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// The confirmation's keys: a yes sends the request once and waits for its answer.
    fn confirm_command(&mut self, command: Command) -> Vec<Effect> {
        let Some(Overlay::Confirm(confirm)) = &mut self.overlay else {
            return Vec::new();
        };
        match command {
            Command::Back | Command::Cancel => self.overlay = None,
            Command::Confirm if confirm.pending.is_none() => {
                let request = self.requests.start(confirm.action.clone());
                confirm.pending = Some(request.id);
                return vec![Effect::Request(request)];
            }
            _ => {}
        }
        Vec::new()
    }

    /// The answer to request `id`: the detail, form or confirmation that sent it takes it; if
    /// that has been closed (or replaced) since, nothing changes.
    pub(super) fn answer_detail(&mut self, id: RequestId, result: Result<Box<DetailData>, String>) {
        if let Base::Detail(detail) = &mut self.base
            && detail.request == id
        {
            detail.view = Some(result);
        }
    }

    pub(super) fn answer_action(&mut self, id: RequestId, outcome: ActionOutcome) {
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
                // A stream deleted from its own detail has nothing left to show.
                let deleted = match &confirm.action {
                    Action::DeleteStream(name) if outcome.ok => Some(name.clone()),
                    _ => None,
                };
                self.overlay = None;
                if let Base::Detail(detail) = &self.base
                    && deleted.is_some_and(|name| name == detail.name)
                {
                    self.base = Base::Dashboard;
                }
            }
            _ => {}
        }
    }
}
