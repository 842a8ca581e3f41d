//! Destructive actions need intent: deleting or purging a stream, or deleting a consumer, shows
//! what will be lost and goes ahead only once the name has been typed. The answer is No until
//! then: `Enter` on anything else, or on nothing, does not send it.

use tui_input::Input;

use super::{App, Overlay};
use crate::command::Command;
use crate::model::{Action, Effect, RequestId};

/// Something a destructive action takes away, counted (the view words it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    Messages(u64),
    Bytes(u64),
    Consumers(u64),
    /// A consumer's messages not yet delivered.
    Pending(u64),
    /// A consumer's deliveries awaiting acknowledgement.
    AckPending(u64),
}

/// A destructive action waiting for its name to be typed, then for the broker's answer.
#[derive(Debug, Clone)]
pub struct Confirm {
    /// `Delete stream 'orders'`.
    pub title: String,
    /// What must be typed to confirm.
    pub target: String,
    /// What will be lost.
    pub losses: Vec<Loss>,
    /// One line on what happens, and that it cannot be undone.
    pub warning: String,
    pub action: Action,
    pub input: Input,
    /// Why `Enter` did not confirm, or the broker's refusal.
    pub error: Option<String>,
    /// The request sent, until it is answered.
    pub pending: Option<RequestId>,
}

impl Confirm {
    /// Whether what is typed names the target.
    pub fn typed(&self) -> bool {
        self.input.value() == self.target
    }
}

impl App {
    /// Opens the confirmation of a delete or purge of the selected stream, with what it holds
    /// (from the open detail when there is one: it is the freshest reading).
    pub(super) fn ask_stream(&mut self, command: Command) {
        let Some(name) = self.selected_stream() else {
            self.say("select a stream first (streams pane)", false);
            return;
        };
        let from_detail = self
            .detail()
            .filter(|d| d.name == name)
            .and_then(|d| d.data.value.as_ref())
            .map(|data| {
                let state = &data.detail.stream.state;
                (state.messages, state.bytes, state.consumer_count)
            });
        let figures = from_detail.or_else(|| {
            self.stream_row(&name)
                .map(|r| (r.messages, r.bytes, r.consumers))
        });
        let mut losses = Vec::new();
        if let Some((messages, bytes, consumers)) = figures {
            losses.push(Loss::Messages(messages));
            losses.push(Loss::Bytes(bytes));
            if command == Command::DeleteStream {
                losses.push(Loss::Consumers(consumers));
            }
        }
        let (title, warning, action) = if command == Command::DeleteStream {
            (
                format!("Delete stream '{name}'"),
                "The stream, its messages and its consumers will be gone. This cannot be undone."
                    .to_owned(),
                Action::DeleteStream(name.clone()),
            )
        } else {
            (
                format!("Purge stream '{name}'"),
                "Every stored message will be removed; the stream and its consumers stay. This \
                 cannot be undone."
                    .to_owned(),
                Action::PurgeStream(name.clone()),
            )
        };
        self.open_confirm(title, name, losses, warning, action);
    }

    /// Opens the confirmation of deleting the selected consumer.
    pub(super) fn ask_consumer(&mut self) {
        let Some(line) = self.selected_consumer() else {
            self.say("select a consumer first", false);
            return;
        };
        let row = &line.row;
        let losses = vec![
            Loss::Pending(row.pending),
            Loss::AckPending(row.ack_pending),
        ];
        let title = format!("Delete consumer '{}' of '{}'", row.name, row.stream);
        let warning =
            "Its position and acknowledgements will be gone; the stream's messages stay. \
                       Clients using it will fail."
                .to_owned();
        let action = Action::DeleteConsumer {
            stream: row.stream.clone(),
            consumer: row.name.clone(),
        };
        let target = row.name.clone();
        self.open_confirm(title, target, losses, warning, action);
    }

    fn open_confirm(
        &mut self,
        title: String,
        target: String,
        losses: Vec<Loss>,
        warning: String,
        action: Action,
    ) {
        self.overlay = Some(Overlay::Confirm(Box::new(Confirm {
            title,
            target,
            losses,
            warning,
            action,
            input: Input::default(),
            error: None,
            pending: None,
        })));
    }

    /// The confirmation's keys: `Enter` sends the request once, and only when the name is typed.
    pub(super) fn confirm_command(&mut self, command: Command) -> Vec<Effect> {
        let Some(Overlay::Confirm(confirm)) = &mut self.overlay else {
            return Vec::new();
        };
        match command {
            Command::Back | Command::Cancel => self.overlay = None,
            Command::Confirm | Command::Submit if confirm.pending.is_none() => {
                if !confirm.typed() {
                    confirm.error = Some(format!(
                        "type '{}' to confirm, or Esc to cancel",
                        confirm.target
                    ));
                    return Vec::new();
                }
                let action = confirm.action.clone();
                confirm.error = None;
                if let Action::DeleteStream(name) = &action {
                    let name = name.clone();
                    self.own_change(&name);
                }
                let request = self.requests.start(action);
                if let Some(Overlay::Confirm(confirm)) = &mut self.overlay {
                    confirm.pending = Some(request.id);
                }
                return vec![Effect::Request(request)];
            }
            _ => {}
        }
        Vec::new()
    }
}
