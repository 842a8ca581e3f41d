//! What the `:` command line takes: the commands below, which name a view or carry arguments
//! (`:stream orders`, `:msg 500`, `:burst orders.test 2000 500`), and every key command by its
//! name (`:create_stream`, `:quit`, or a prefix that names only one). The help overlay lists this
//! same table, so what it shows is what parses.

use message_broker_model::{rules, units};

use crate::command::Command;

/// One command-line command: its name, its arguments as the help shows them, what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineSpec {
    pub name: &'static str,
    pub args: &'static str,
    pub help: &'static str,
}

pub const LINE_COMMANDS: [LineSpec; 7] = [
    LineSpec {
        name: "streams",
        args: "[FILTER]",
        help: "the streams pane (filtered)",
    },
    LineSpec {
        name: "consumers",
        args: "[FILTER]",
        help: "consumers of every stream (filtered)",
    },
    LineSpec {
        name: "servers",
        args: "",
        help: "every server: CPU, memory, connections, JetStream",
    },
    LineSpec {
        name: "stream",
        args: "NAME",
        help: "open a stream's detail",
    },
    LineSpec {
        name: "msg",
        args: "SEQ",
        help: "message SEQ of the open stream",
    },
    LineSpec {
        name: "tail",
        args: "SUBJECT",
        help: "live messages on a subject or wildcard",
    },
    LineSpec {
        name: "burst",
        args: "SUBJECT COUNT [RATE]",
        help: "publish COUNT test messages (RATE per second)",
    },
];

/// Most messages one burst may publish.
pub const MAX_BURST: u64 = 10_000_000;

/// A parsed command line.
#[derive(Debug, Clone, PartialEq)]
pub enum LineCommand {
    Streams(Option<String>),
    Consumers(Option<String>),
    Servers,
    Stream(String),
    Msg(u64),
    Tail(String),
    Burst {
        subject: String,
        count: u64,
        rate: Option<f64>,
    },
    /// A key command by name.
    Key(Command),
}

/// Parses what was typed after `:`; the error says what is wrong and what was expected.
pub fn parse(text: &str) -> Result<LineCommand, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let Some((first, args)) = words.split_first() else {
        return Err("type a command (Tab completes)".to_owned());
    };
    let name = first.to_ascii_lowercase();
    let Some(spec) = LINE_COMMANDS.iter().find(|spec| spec.name == name) else {
        let typed = text.trim().replace(['-', ' '], "_");
        return command_by_prefix(&typed)
            .map(LineCommand::Key)
            .ok_or_else(|| format!("unknown command '{}' (Tab completes)", text.trim()));
    };
    let usage = || format!("usage: {} {}", spec.name, spec.args);
    let rest = || (!args.is_empty()).then(|| args.join(" "));
    match (spec.name, args) {
        ("streams", _) => Ok(LineCommand::Streams(rest())),
        ("consumers", _) => Ok(LineCommand::Consumers(rest())),
        ("servers", []) => Ok(LineCommand::Servers),
        ("stream", [name]) => rules::stream_name(name)
            .map(|()| LineCommand::Stream((*name).to_owned()))
            .map_err(|problem| format!("stream name: {problem}")),
        ("msg", [seq]) => match seq.trim_start_matches('#').replace(['_', ','], "").parse() {
            Ok(seq) if seq > 0 => Ok(LineCommand::Msg(seq)),
            _ => Err(format!(
                "'{seq}' is not a sequence number (1 or more); {}",
                usage()
            )),
        },
        ("tail", [subject]) => rules::subject_filter(subject)
            .map(|()| LineCommand::Tail((*subject).to_owned()))
            .map_err(|problem| format!("subject: {problem}")),
        ("burst", [subject, count, rate @ ..]) if rate.len() <= 1 => {
            burst(subject, count, rate.first().copied())
        }
        _ => Err(usage()),
    }
}

fn burst(subject: &str, count: &str, rate: Option<&str>) -> Result<LineCommand, String> {
    rules::publish_subject(subject).map_err(|problem| format!("subject: {problem}"))?;
    let count = units::parse_count(count)?;
    if !(1..=MAX_BURST).contains(&count) {
        return Err(format!("count must be 1 to {MAX_BURST}, got {count}"));
    }
    let rate = rate.map(parse_rate).transpose()?.flatten();
    Ok(LineCommand::Burst {
        subject: subject.to_owned(),
        count,
        rate,
    })
}

/// Messages per second: a positive number (`500`, `2k`, `0.5`), or `max` (and nothing) for as
/// fast as acknowledgements allow, which is `None`.
pub fn parse_rate(text: &str) -> Result<Option<f64>, String> {
    let text = text.trim();
    let bad = || format!("'{text}' is not a rate: messages per second (e.g. 500, 2k) or max");
    if text.is_empty() || text.eq_ignore_ascii_case("max") {
        return Ok(None);
    }
    let value = match units::parse_count(text) {
        Ok(n) => n as f64,
        Err(_) => text.parse::<f64>().map_err(|_| bad())?,
    };
    if value.is_finite() && value > 0.0 {
        Ok(Some(value))
    } else {
        Err(bad())
    }
}

/// Key commands that make sense typed on the command line.
pub fn key_commands(prefix: &str) -> Vec<Command> {
    use strum::VariantArray;
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
    match key_commands(typed).as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// Everything the command line knows that starts with `prefix`: its own commands first, then
/// key commands.
pub fn names(prefix: &str) -> Vec<&'static str> {
    let prefix = prefix.trim().replace('-', "_");
    let own = LINE_COMMANDS
        .iter()
        .map(|spec| spec.name)
        .filter(|name| name.starts_with(&prefix));
    // A key command of the same name as one of the line's own (`tail`) is reached through it.
    let keys = key_commands(&prefix)
        .into_iter()
        .map(Command::name)
        .filter(|name| !LINE_COMMANDS.iter().any(|spec| spec.name == *name));
    own.chain(keys).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_and_arguments_parse() {
        assert_eq!(parse("streams"), Ok(LineCommand::Streams(None)));
        assert_eq!(
            parse(" consumers ord "),
            Ok(LineCommand::Consumers(Some("ord".into())))
        );
        assert_eq!(parse("servers"), Ok(LineCommand::Servers));
        assert_eq!(
            parse("stream orders"),
            Ok(LineCommand::Stream("orders".into()))
        );
        assert_eq!(parse("msg 500"), Ok(LineCommand::Msg(500)));
        assert_eq!(parse("MSG #1_000"), Ok(LineCommand::Msg(1000)));
        assert_eq!(
            parse("tail orders.>"),
            Ok(LineCommand::Tail("orders.>".into()))
        );
        assert_eq!(
            parse("burst orders.test 2k 500"),
            Ok(LineCommand::Burst {
                subject: "orders.test".into(),
                count: 2000,
                rate: Some(500.0)
            })
        );
        assert_eq!(
            parse("burst orders.test 10"),
            Ok(LineCommand::Burst {
                subject: "orders.test".into(),
                count: 10,
                rate: None
            })
        );
        assert_eq!(parse("quit"), Ok(LineCommand::Key(Command::Quit)));
        assert_eq!(
            parse("create stream"),
            Ok(LineCommand::Key(Command::CreateStream))
        );
        assert_eq!(
            parse("create-st"),
            Ok(LineCommand::Key(Command::CreateStream))
        );
    }

    #[test]
    fn mistakes_say_what_was_expected() {
        for (text, expected) in [
            ("msg", "usage: msg SEQ"),
            ("msg zero", "not a sequence number"),
            ("msg 0", "not a sequence number"),
            ("stream a.b", "stream name"),
            ("tail a..b", "subject"),
            ("burst orders.* 10", "wildcard"),
            ("burst x 0", "count must be"),
            ("burst x lots", "not a count"),
            ("burst x 10 fast", "not a rate"),
            ("burst x 10 5 6", "usage: burst SUBJECT COUNT [RATE]"),
            ("servers now", "usage: servers"),
            ("bogus", "unknown command 'bogus'"),
            ("", "type a command"),
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }

    #[test]
    fn names_complete_line_and_key_commands() {
        assert_eq!(names("st"), ["streams", "stream"]);
        assert!(names("con").contains(&"consumers"));
        assert!(names("b").contains(&"burst"));
        assert!(names("b").contains(&"bottom"));
        assert_eq!(names("create-s"), ["create_stream"]);
    }
}
