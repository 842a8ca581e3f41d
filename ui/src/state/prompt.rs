//! The `:` command line (with completion) and the `/` filter, and text typed into forms and
//! confirmations.

use tui_input::Input;

use super::{App, Overlay};
use crate::command::Command;
use crate::command_line::{self, LineCommand};
use crate::model::Effect;

/// What a `/` filter applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterTarget {
    Streams,
    Clients,
    Events,
    Consumers,
}

impl FilterTarget {
    pub fn name(self) -> &'static str {
        match self {
            FilterTarget::Streams => "streams",
            FilterTarget::Clients => "connections",
            FilterTarget::Events => "events",
            FilterTarget::Consumers => "consumers",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    CommandLine,
    Filter(FilterTarget),
}

#[derive(Debug, Clone)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: Input,
    pub error: Option<String>,
    /// The filter before this prompt opened: `Esc` puts it back.
    pub previous: String,
}

impl App {
    pub(super) fn open_prompt(&mut self, kind: PromptKind) {
        self.open_prompt_with(kind, "");
    }

    /// Opens the prompt with `text` typed. A filter starts empty (typing replaces the filter
    /// rather than adding to it) and applies as it is typed.
    pub(super) fn open_prompt_with(&mut self, kind: PromptKind, text: &str) {
        let previous = match kind {
            PromptKind::Filter(target) => self.filter_mut(target).clone(),
            PromptKind::CommandLine => String::new(),
        };
        self.overlay = Some(Overlay::Prompt(Prompt {
            kind,
            input: Input::new(text.to_owned()),
            error: None,
            previous,
        }));
    }

    fn filter_mut(&mut self, target: FilterTarget) -> &mut String {
        match target {
            FilterTarget::Streams => &mut self.stream_table.filter,
            FilterTarget::Clients => &mut self.client_table.filter,
            FilterTarget::Events => &mut self.event_table.filter,
            FilterTarget::Consumers => &mut self.consumer_table.filter,
        }
    }

    fn set_filter(&mut self, target: FilterTarget, text: String) {
        *self.filter_mut(target) = text;
        match target {
            FilterTarget::Streams => self.restream(),
            FilterTarget::Clients => self.reclient(),
            FilterTarget::Consumers => self.reconsume(),
            FilterTarget::Events => self.event_table.selected = 0,
        }
    }

    /// Text typed into the open form field, confirmation or prompt. A filter applies as it is
    /// typed; a form checks the field as it is typed.
    pub fn input(&mut self, event: &ratatui::crossterm::event::Event) {
        use tui_input::backend::crossterm::EventHandler;
        self.dirty = true;
        let streams = self.streams.value.as_deref().unwrap_or_default();
        match &mut self.overlay {
            Some(Overlay::Prompt(prompt)) => {
                prompt.input.handle_event(event);
                prompt.error = None;
                if let PromptKind::Filter(target) = prompt.kind {
                    let text = prompt.input.value().to_owned();
                    self.set_filter(target, text);
                }
            }
            // A submitted form or confirmation is locked until the broker answers.
            Some(Overlay::Form(form)) if form.pending.is_none() => form.handle(event, streams),
            Some(Overlay::Confirm(confirm)) if confirm.pending.is_none() => {
                confirm.input.handle_event(event);
                confirm.error = None;
            }
            _ => {}
        }
    }

    /// The prompt's keys: run or apply, complete, cancel. `Esc` on a filter puts the previous
    /// one back; `Enter` keeps what was typed.
    pub(super) fn prompt_command(&mut self, command: Command) -> Vec<Effect> {
        match command {
            Command::Submit => {
                if let Some(Overlay::Prompt(prompt)) = self.overlay.take() {
                    return match prompt.kind {
                        PromptKind::Filter(_) => Vec::new(),
                        PromptKind::CommandLine => self.run_command_line(prompt),
                    };
                }
            }
            Command::Complete => self.complete(),
            Command::Back | Command::Cancel => {
                if let Some(Overlay::Prompt(prompt)) = self.overlay.take()
                    && let PromptKind::Filter(target) = prompt.kind
                {
                    self.set_filter(target, prompt.previous);
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn run_command_line(&mut self, prompt: Prompt) -> Vec<Effect> {
        let text = prompt.input.value().trim().to_owned();
        if text.is_empty() {
            return Vec::new();
        }
        let parsed = command_line::parse(&text).and_then(|line| self.run_line(line));
        match parsed {
            Ok(effects) => effects,
            Err(error) => {
                self.overlay = Some(Overlay::Prompt(Prompt {
                    error: Some(error),
                    ..prompt
                }));
                Vec::new()
            }
        }
    }

    /// Runs one command-line command; an error is shown in the prompt, which stays open.
    fn run_line(&mut self, line: LineCommand) -> Result<Vec<Effect>, String> {
        use crate::model::MessageAt;
        Ok(match line {
            LineCommand::Key(command) => self.command(command),
            LineCommand::Streams(filter) => self.show_streams(filter),
            LineCommand::Consumers(filter) => {
                self.show_consumers(filter);
                Vec::new()
            }
            LineCommand::Servers => {
                let effects = self.close_views();
                self.focus = crate::command::Pane::Servers;
                effects
            }
            LineCommand::Stream(name) => {
                self.open_stream(name);
                Vec::new()
            }
            LineCommand::Msg(seq) => {
                let stream = self
                    .selected_stream()
                    .ok_or("open a stream first (:stream NAME), then :msg SEQ")?;
                self.open_message(stream, MessageAt::Seq(seq))
            }
            LineCommand::Tail(subject) => self.open_tail(subject),
            LineCommand::Burst {
                subject,
                count,
                rate,
            } => {
                if self.session.read_only {
                    return Err("read-only mode: changes are disabled".to_owned());
                }
                self.start_burst(subject, count, rate)
            }
        })
    }

    fn complete(&mut self) {
        if let Some(Overlay::Prompt(prompt)) = &mut self.overlay
            && prompt.kind == PromptKind::CommandLine
        {
            let typed = prompt.input.value().trim().to_owned();
            // Only the command's name completes; its arguments are typed.
            if typed.contains(' ') {
                return;
            }
            let matches = command_line::names(&typed);
            match matches.as_slice() {
                [] => prompt.error = Some(format!("no command starts with '{typed}'")),
                [one] => {
                    let takes_args = command_line::LINE_COMMANDS
                        .iter()
                        .any(|spec| spec.name == *one && !spec.args.is_empty());
                    let text = if takes_args {
                        format!("{one} ")
                    } else {
                        (*one).to_owned()
                    };
                    prompt.input = Input::new(text);
                    prompt.error = None;
                }
                many => {
                    let prefix = common_prefix(many.iter().copied());
                    prompt.input = Input::new(prefix);
                    prompt.error = Some(many.join("  "));
                }
            }
        }
    }

    /// Command-line suggestions for what is typed so far (the command's name).
    pub fn suggestions(&self) -> Vec<&'static str> {
        match self.prompt() {
            Some(prompt) if prompt.kind == PromptKind::CommandLine => {
                let typed = prompt.input.value().trim_start();
                match typed.split_once(' ') {
                    // Typing arguments: the command's own usage instead.
                    Some((name, _)) => command_line::LINE_COMMANDS
                        .iter()
                        .find(|spec| spec.name == name)
                        .map(|spec| vec![spec.args])
                        .unwrap_or_default(),
                    None => command_line::names(typed),
                }
            }
            _ => Vec::new(),
        }
    }
}

fn common_prefix<'a>(mut names: impl Iterator<Item = &'a str>) -> String {
    let Some(first) = names.next() else {
        return String::new();
    };
    let mut prefix = first.to_owned();
    for name in names {
        while !name.starts_with(&prefix) {
            prefix.pop();
        }
    }
    prefix
}
