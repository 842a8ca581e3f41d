//! The `:` command line (with completion) and the `/` filter, and text typed into forms.

use strum::VariantArray;
use tui_input::Input;

use super::{App, Overlay};
use crate::command::{Command, Pane};
use crate::model::Effect;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    CommandLine,
    Filter,
}

#[derive(Debug, Clone)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: Input,
    pub error: Option<String>,
}

impl App {
    pub(super) fn open_prompt(&mut self, kind: PromptKind) {
        let initial = match kind {
            PromptKind::Filter => match self.focus {
                Pane::Connections => self.client_table.filter.clone(),
                _ => self.stream_table.filter.clone(),
            },
            PromptKind::CommandLine => String::new(),
        };
        if kind == PromptKind::Filter && !matches!(self.focus, Pane::Streams | Pane::Connections) {
            self.focus = Pane::Streams;
        }
        self.overlay = Some(Overlay::Prompt(Prompt {
            kind,
            input: Input::new(initial),
            error: None,
        }));
    }

    /// Text typed into the open form field or prompt. A filter applies as it is typed.
    pub fn input(&mut self, event: &ratatui::crossterm::event::Event) {
        use tui_input::backend::crossterm::EventHandler;
        self.dirty = true;
        match &mut self.overlay {
            Some(Overlay::Prompt(prompt)) => {
                prompt.input.handle_event(event);
                prompt.error = None;
                if prompt.kind == PromptKind::Filter {
                    let text = prompt.input.value().to_owned();
                    match self.focus {
                        Pane::Connections => self.client_table.filter = text,
                        _ => self.stream_table.filter = text,
                    }
                    self.stream_table.clamp(self.stream_lines().len());
                    self.client_table.clamp(self.client_lines().len());
                }
            }
            // A submitted form is locked until the broker answers.
            Some(Overlay::Form(form)) if form.pending.is_none() => {
                let field = form.focused();
                field.input.handle_event(event);
                field.error = None;
            }
            Some(Overlay::Form(_) | Overlay::Help(_) | Overlay::Confirm(_)) | None => {}
        }
    }

    /// The prompt's keys: run or apply, complete, cancel. A filter stays as typed either way.
    pub(super) fn prompt_command(&mut self, command: Command) -> Vec<Effect> {
        match command {
            Command::Submit => {
                if let Some(Overlay::Prompt(prompt)) = self.overlay.take() {
                    return match prompt.kind {
                        PromptKind::Filter => Vec::new(),
                        PromptKind::CommandLine => self.run_command_line(prompt),
                    };
                }
            }
            Command::Complete => self.complete(),
            Command::Back | Command::Cancel => self.overlay = None,
            _ => {}
        }
        Vec::new()
    }

    fn run_command_line(&mut self, prompt: Prompt) -> Vec<Effect> {
        let text = prompt.input.value().trim().to_owned();
        if text.is_empty() {
            return Vec::new();
        }
        let name = text.replace(['-', ' '], "_");
        match command_by_prefix(&name) {
            Some(command) => self.command(command),
            None => {
                self.overlay = Some(Overlay::Prompt(Prompt {
                    error: Some(format!("unknown command '{text}' (Tab completes)")),
                    ..prompt
                }));
                Vec::new()
            }
        }
    }

    fn complete(&mut self) {
        if let Some(Overlay::Prompt(prompt)) = &mut self.overlay
            && prompt.kind == PromptKind::CommandLine
        {
            let typed = prompt.input.value().trim().replace(['-', ' '], "_");
            let matches = command_matches(&typed);
            match matches.as_slice() {
                [] => prompt.error = Some(format!("no command starts with '{typed}'")),
                [one] => {
                    prompt.input = Input::new(one.name().to_owned());
                    prompt.error = None;
                }
                many => {
                    let prefix = common_prefix(many.iter().map(|c| c.name()));
                    prompt.input = Input::new(prefix);
                    prompt.error =
                        Some(many.iter().map(|c| c.name()).collect::<Vec<_>>().join("  "));
                }
            }
        }
    }

    /// Command-line suggestions for what is typed so far.
    pub fn suggestions(&self) -> Vec<&'static str> {
        match self.prompt() {
            Some(prompt) if prompt.kind == PromptKind::CommandLine => {
                let typed = prompt.input.value().trim().replace(['-', ' '], "_");
                command_matches(&typed)
                    .into_iter()
                    .map(Command::name)
                    .collect()
            }
            _ => Vec::new(),
        }
    }
}

/// Commands that make sense typed on the command line.
fn command_matches(prefix: &str) -> Vec<Command> {
    Command::VARIANTS
        .iter()
        .copied()
        .filter(|c| {
            !matches!(
                c,
                Command::NextField
                    | Command::PrevField
                    | Command::Submit
                    | Command::Cancel
                    | Command::Confirm
                    | Command::Complete
                    | Command::CommandLine
            )
        })
        .filter(|c| c.name().starts_with(prefix))
        .collect()
}

fn command_by_prefix(typed: &str) -> Option<Command> {
    if let Some(exact) = Command::from_name(typed) {
        return Some(exact);
    }
    match command_matches(typed).as_slice() {
        [one] => Some(*one),
        _ => None,
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
