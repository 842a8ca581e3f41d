//! What a key can do. Keymap files bind keys to these names; the command line (`:`) accepts them
//! too. The help overlay and footer are generated from the same tables, so they cannot disagree.

use serde::{Deserialize, Serialize};

/// The panes of the dashboard, in `Tab` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pane {
    Throughput,
    Streams,
    Connections,
    Errors,
    Cluster,
}

impl Pane {
    pub const ALL: [Pane; 5] = [
        Pane::Throughput,
        Pane::Streams,
        Pane::Connections,
        Pane::Errors,
        Pane::Cluster,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Throughput => "Throughput",
            Pane::Streams => "Streams",
            Pane::Connections => "Connections",
            Pane::Errors => "Errors",
            Pane::Cluster => "Cluster",
        }
    }
}

/// Input modes; each has its own key table, with `common` as the fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The dashboard.
    Normal,
    /// A stream's detail view.
    Detail,
    /// A form (create stream, publish): keys not bound here are typed into the focused field.
    Form,
    /// The confirmation of a destructive action.
    Confirm,
    /// The help overlay.
    Help,
    /// The `:` command line and the `/` filter: keys not bound here are typed.
    Prompt,
}

impl Mode {
    pub const ALL: [Mode; 6] = [
        Mode::Normal,
        Mode::Detail,
        Mode::Form,
        Mode::Confirm,
        Mode::Help,
        Mode::Prompt,
    ];

    /// The table name in keymap files.
    pub fn table(self) -> &'static str {
        match self {
            Mode::Normal => "normal",
            Mode::Detail => "detail",
            Mode::Form => "form",
            Mode::Confirm => "confirm",
            Mode::Help => "help",
            Mode::Prompt => "prompt",
        }
    }

    /// Whether unbound printable keys are text for an input field in this mode.
    pub fn takes_text(self) -> bool {
        matches!(self, Mode::Form | Mode::Prompt)
    }
}

/// A named action users bind to keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    Quit,
    Help,
    CommandLine,
    Filter,
    Back,
    NextPane,
    PrevPane,
    FocusThroughput,
    FocusStreams,
    FocusConnections,
    FocusErrors,
    FocusCluster,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Select,
    SortNext,
    SortReverse,
    Pause,
    Refresh,
    CreateStream,
    DeleteStream,
    PurgeStream,
    Publish,
    NextField,
    PrevField,
    Submit,
    Cancel,
    Confirm,
    Complete,
    NextTheme,
}

impl Command {
    pub const ALL: [Command; 34] = [
        Command::Quit,
        Command::Help,
        Command::CommandLine,
        Command::Filter,
        Command::Back,
        Command::NextPane,
        Command::PrevPane,
        Command::FocusThroughput,
        Command::FocusStreams,
        Command::FocusConnections,
        Command::FocusErrors,
        Command::FocusCluster,
        Command::Up,
        Command::Down,
        Command::PageUp,
        Command::PageDown,
        Command::Top,
        Command::Bottom,
        Command::Select,
        Command::SortNext,
        Command::SortReverse,
        Command::Pause,
        Command::Refresh,
        Command::CreateStream,
        Command::DeleteStream,
        Command::PurgeStream,
        Command::Publish,
        Command::NextField,
        Command::PrevField,
        Command::Submit,
        Command::Cancel,
        Command::Confirm,
        Command::Complete,
        Command::NextTheme,
    ];

    /// The name used in keymap files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Command::Quit => "quit",
            Command::Help => "help",
            Command::CommandLine => "command_line",
            Command::Filter => "filter",
            Command::Back => "back",
            Command::NextPane => "next_pane",
            Command::PrevPane => "prev_pane",
            Command::FocusThroughput => "focus_throughput",
            Command::FocusStreams => "focus_streams",
            Command::FocusConnections => "focus_connections",
            Command::FocusErrors => "focus_errors",
            Command::FocusCluster => "focus_cluster",
            Command::Up => "up",
            Command::Down => "down",
            Command::PageUp => "page_up",
            Command::PageDown => "page_down",
            Command::Top => "top",
            Command::Bottom => "bottom",
            Command::Select => "select",
            Command::SortNext => "sort_next",
            Command::SortReverse => "sort_reverse",
            Command::Pause => "pause",
            Command::Refresh => "refresh",
            Command::CreateStream => "create_stream",
            Command::DeleteStream => "delete_stream",
            Command::PurgeStream => "purge_stream",
            Command::Publish => "publish",
            Command::NextField => "next_field",
            Command::PrevField => "prev_field",
            Command::Submit => "submit",
            Command::Cancel => "cancel",
            Command::Confirm => "confirm",
            Command::Complete => "complete",
            Command::NextTheme => "next_theme",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Command::Quit => "quit",
            Command::Help => "show this help",
            Command::CommandLine => "command line (Tab completes)",
            Command::Filter => "filter the focused table",
            Command::Back => "close / go back",
            Command::NextPane => "next pane",
            Command::PrevPane => "previous pane",
            Command::FocusThroughput => "throughput pane",
            Command::FocusStreams => "streams pane",
            Command::FocusConnections => "connections pane",
            Command::FocusErrors => "errors pane",
            Command::FocusCluster => "cluster pane",
            Command::Up => "move up",
            Command::Down => "move down",
            Command::PageUp => "page up",
            Command::PageDown => "page down",
            Command::Top => "first row",
            Command::Bottom => "last row",
            Command::Select => "open the selected stream",
            Command::SortNext => "sort by the next column",
            Command::SortReverse => "reverse the sort",
            Command::Pause => "pause / resume updates",
            Command::Refresh => "refresh now",
            Command::CreateStream => "create a stream",
            Command::DeleteStream => "delete the selected stream",
            Command::PurgeStream => "purge the selected stream",
            Command::Publish => "publish a test message",
            Command::NextField => "next field",
            Command::PrevField => "previous field",
            Command::Submit => "submit",
            Command::Cancel => "cancel",
            Command::Confirm => "confirm",
            Command::Complete => "complete the command",
            Command::NextTheme => "next theme",
        }
    }

    pub fn from_name(name: &str) -> Option<Command> {
        Command::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Commands that change the broker; refused in read-only mode.
    pub fn writes(self) -> bool {
        matches!(
            self,
            Command::CreateStream | Command::DeleteStream | Command::PurgeStream | Command::Publish
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for command in Command::ALL {
            assert_eq!(Command::from_name(command.name()), Some(command));
            let json = serde_json::to_value(command).unwrap();
            assert_eq!(json, serde_json::Value::String(command.name().to_owned()));
        }
    }
}
