//! What a key can do. Keymap files bind keys to these names; the command line (`:`) accepts them
//! too. The help overlay and footer are generated from the same tables, so they cannot disagree.

use serde::{Deserialize, Serialize};
use strum::{EnumCount, EnumMessage, EnumString, IntoStaticStr, VariantArray};

/// The panes of the dashboard, in `Tab` order. Their titles are their names.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
pub enum Pane {
    Throughput,
    Streams,
    Connections,
    Errors,
    Servers,
}

impl Pane {
    pub fn title(self) -> &'static str {
        self.into()
    }
}

/// Input modes; each has its own key table, named in snake case, with `common` as the fallback.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    IntoStaticStr,
    EnumString,
    EnumCount,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Mode {
    /// The dashboard.
    Normal,
    /// A stream's detail view.
    Detail,
    /// The consumers of every stream.
    Consumers,
    /// One consumer's detail.
    Consumer,
    /// One stored message, stepped through by sequence.
    Message,
    /// A live tail of a subject.
    Tail,
    /// A form (create stream, publish, burst): keys not bound here are typed into the focused
    /// field.
    Form,
    /// The confirmation of a destructive action: the name is typed.
    Confirm,
    /// A burst of test messages under way.
    Burst,
    /// The help overlay.
    Help,
    /// The `:` command line and the `/` filter: keys not bound here are typed.
    Prompt,
}

impl Mode {
    /// The table name in keymap files.
    pub fn table(self) -> &'static str {
        self.into()
    }

    /// Whether unbound printable keys are text for an input field in this mode.
    pub fn takes_text(self) -> bool {
        matches!(self, Mode::Form | Mode::Prompt | Mode::Confirm)
    }

    /// What the help calls the view this mode is.
    pub fn title(self) -> &'static str {
        match self {
            Mode::Normal => "dashboard",
            Mode::Detail => "stream detail",
            Mode::Consumers => "consumers",
            Mode::Consumer => "consumer detail",
            Mode::Message => "messages",
            Mode::Tail => "tail",
            Mode::Form => "form",
            Mode::Confirm => "confirmation",
            Mode::Burst => "burst",
            Mode::Help => "help",
            Mode::Prompt => "command line",
        }
    }
}

/// A named action users bind to keys. The name (keymap files, the command line) is the variant
/// in snake case, the same as serde's; the message is what the help says it does.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    IntoStaticStr,
    EnumString,
    EnumMessage,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Command {
    #[strum(message = "quit")]
    Quit,
    #[strum(message = "show this help")]
    Help,
    #[strum(message = "command line (Tab completes)")]
    CommandLine,
    #[strum(message = "filter the focused table")]
    Filter,
    #[strum(message = "close / go back")]
    Back,
    #[strum(message = "next pane")]
    NextPane,
    #[strum(message = "previous pane")]
    PrevPane,
    #[strum(message = "throughput pane")]
    FocusThroughput,
    #[strum(message = "streams pane")]
    FocusStreams,
    #[strum(message = "connections pane")]
    FocusConnections,
    #[strum(message = "errors pane")]
    FocusErrors,
    #[strum(message = "servers pane")]
    FocusServers,
    #[strum(message = "move up")]
    Up,
    #[strum(message = "move down")]
    Down,
    #[strum(message = "page up")]
    PageUp,
    #[strum(message = "page down")]
    PageDown,
    #[strum(message = "first row")]
    Top,
    #[strum(message = "last row")]
    Bottom,
    #[strum(message = "open the selected row")]
    Select,
    #[strum(message = "consumers of every stream")]
    Consumers,
    #[strum(message = "browse the stream's stored messages")]
    Messages,
    #[strum(message = "first stored message")]
    FirstMessage,
    #[strum(message = "last stored message")]
    LastMessage,
    #[strum(message = "next stored message")]
    NextMessage,
    #[strum(message = "previous stored message")]
    PrevMessage,
    #[strum(message = "go to a sequence number")]
    GoToMessage,
    #[strum(message = "tail a subject live (nothing consumed)")]
    Tail,
    #[strum(message = "sort by the next column")]
    SortNext,
    #[strum(message = "reverse the sort")]
    SortReverse,
    #[strum(message = "pause / resume updates")]
    Pause,
    #[strum(message = "refresh now")]
    Refresh,
    #[strum(message = "create a stream")]
    CreateStream,
    #[strum(message = "delete the selected stream")]
    DeleteStream,
    #[strum(message = "purge the selected stream")]
    PurgeStream,
    #[strum(message = "publish a test message")]
    Publish,
    #[strum(message = "publish a burst of test messages")]
    Burst,
    #[strum(message = "delete the selected consumer")]
    DeleteConsumer,
    #[strum(message = "next field")]
    NextField,
    #[strum(message = "previous field")]
    PrevField,
    #[strum(message = "submit")]
    Submit,
    #[strum(message = "cancel")]
    Cancel,
    #[strum(message = "confirm")]
    Confirm,
    #[strum(message = "complete the command")]
    Complete,
    #[strum(message = "next theme")]
    NextTheme,
}

impl Command {
    /// The name used in keymap files and on the command line.
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn description(self) -> &'static str {
        // Every variant has a message; the test below checks it.
        self.get_message().unwrap_or_default()
    }

    pub fn from_name(name: &str) -> Option<Command> {
        name.parse().ok()
    }

    /// The focus command of a pane.
    pub fn focus(pane: Pane) -> Command {
        match pane {
            Pane::Throughput => Command::FocusThroughput,
            Pane::Streams => Command::FocusStreams,
            Pane::Connections => Command::FocusConnections,
            Pane::Errors => Command::FocusErrors,
            Pane::Servers => Command::FocusServers,
        }
    }

    /// Commands that change the broker; refused in read-only mode.
    pub fn writes(self) -> bool {
        matches!(
            self,
            Command::CreateStream
                | Command::DeleteStream
                | Command::PurgeStream
                | Command::Publish
                | Command::Burst
                | Command::DeleteConsumer
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for &command in Command::VARIANTS {
            assert_eq!(Command::from_name(command.name()), Some(command));
            let json = serde_json::to_value(command).unwrap();
            assert_eq!(json, serde_json::Value::String(command.name().to_owned()));
            assert!(!command.description().is_empty(), "{command:?}");
        }
        assert_eq!(Command::CommandLine.name(), "command_line");
        assert_eq!(Command::from_name("CommandLine"), None);
        for &mode in Mode::VARIANTS {
            let json = serde_json::to_value(mode).unwrap();
            assert_eq!(json, serde_json::Value::String(mode.table().to_owned()));
        }
        assert_eq!(Mode::COUNT, Mode::VARIANTS.len());
        assert_eq!(Pane::Connections.title(), "Connections");
    }
}
