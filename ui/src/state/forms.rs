//! The console's forms: per-field text inputs, choice fields that cycle with ←/→, and validation
//! as you type with the rules the API uses (`StreamSpec::validate`, `rules`, `units`), shown
//! under the field. Sizes and durations take human units (`1M`, `512MiB`, `24h`, `90s`).

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::command_line::{MAX_BURST, parse_rate};
use crate::model::{Action, RequestId, StreamRow};
use message_broker_model::spec::{Discard, Retention, Storage, StreamSpec};
use message_broker_model::{rules, units};

/// How a field's text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    /// One of a fixed list, cycled with ←/→ or picked by its first letter.
    Choice(&'static [&'static str]),
    /// Decimal count: `1000`, `10k`, `1M`.
    Count,
    /// Binary size: `1M` = 1 MiB.
    Size,
    /// `90s`, `24h`, `1h30m`; bare numbers are seconds.
    Duration,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub key: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub kind: FieldKind,
    pub input: Input,
    pub error: Option<String>,
}

impl Field {
    fn new(key: &'static str, label: &'static str, hint: &'static str, value: &str) -> Field {
        Field {
            key,
            label,
            hint,
            kind: FieldKind::Text,
            input: Input::new(value.to_owned()),
            error: None,
        }
    }

    fn of(mut self, kind: FieldKind) -> Field {
        self.kind = kind;
        self
    }

    pub fn value(&self) -> &str {
        self.input.value().trim()
    }

    pub fn choices(&self) -> Option<&'static [&'static str]> {
        match self.kind {
            FieldKind::Choice(choices) => Some(choices),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    CreateStream,
    Publish,
    Burst,
}

#[derive(Debug, Clone)]
pub struct Form {
    pub kind: FormKind,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// A problem with the form as a whole (e.g. the server's answer).
    pub error: Option<String>,
    /// The request submitted and not yet answered: the form is locked until it is.
    pub pending: Option<RequestId>,
}

const RETENTIONS: &[&str] = &["limits", "interest", "workqueue"];
const STORAGES: &[&str] = &["file", "memory"];
const REPLICAS: &[&str] = &["1", "2", "3", "4", "5"];
const DISCARDS: &[&str] = &["old", "new"];

impl Form {
    fn with(kind: FormKind, fields: Vec<Field>) -> Form {
        Form {
            kind,
            fields,
            focus: 0,
            error: None,
            pending: None,
        }
    }

    pub fn create_stream() -> Form {
        use FieldKind::{Choice, Count, Duration, Size};
        Form::with(
            FormKind::CreateStream,
            vec![
                Field::new("name", "Name", "letters, digits, - and _", ""),
                Field::new(
                    "subjects",
                    "Subjects",
                    "comma-separated; empty = the name",
                    "",
                ),
                Field::new(
                    "retention",
                    "Retention",
                    "←/→ limits, interest, workqueue",
                    "limits",
                )
                .of(Choice(RETENTIONS)),
                Field::new("storage", "Storage", "←/→ file, memory", "file").of(Choice(STORAGES)),
                Field::new("replicas", "Replicas", "←/→ 1 to 5", "1").of(Choice(REPLICAS)),
                Field::new(
                    "discard",
                    "Discard",
                    "←/→ old: roll over, new: refuse",
                    "old",
                )
                .of(Choice(DISCARDS)),
                Field::new("max_msgs", "Max messages", "e.g. 1M; empty = unlimited", "").of(Count),
                Field::new(
                    "max_bytes",
                    "Max bytes",
                    "e.g. 512MiB, 10G; empty = unlimited",
                    "",
                )
                .of(Size),
                Field::new(
                    "max_msg_size",
                    "Max msg size",
                    "e.g. 1M; empty = unlimited",
                    "",
                )
                .of(Size),
                Field::new("max_age", "Max age", "e.g. 24h, 7d; empty = unlimited", "")
                    .of(Duration),
                Field::new(
                    "duplicate_window",
                    "Dedup window",
                    "e.g. 2m; empty = 2m",
                    "",
                )
                .of(Duration),
            ],
        )
    }

    pub fn publish(subject: &str) -> Form {
        Form::with(
            FormKind::Publish,
            vec![
                Field::new("subject", "Subject", "no wildcards", subject),
                Field::new("payload", "Message", "text; JSON is sent as typed", ""),
                Field::new("msg_id", "Message id", "optional; deduplicates retries", ""),
            ],
        )
    }

    pub fn burst(subject: &str) -> Form {
        Form::with(
            FormKind::Burst,
            vec![
                Field::new("subject", "Subject", "no wildcards", subject),
                Field::new("count", "Messages", "how many, e.g. 1000, 10k", "1000")
                    .of(FieldKind::Count),
                Field::new(
                    "rate",
                    "Rate",
                    "per second, or max (as fast as acks allow)",
                    "max",
                ),
            ],
        )
    }

    pub fn title(&self) -> &'static str {
        match self.kind {
            FormKind::CreateStream => "Create stream",
            FormKind::Publish => "Publish a test message",
            FormKind::Burst => "Publish a burst of test messages",
        }
    }

    pub fn focused(&mut self) -> &mut Field {
        let i = self.focus.min(self.fields.len() - 1);
        &mut self.fields[i]
    }

    pub fn next(&mut self) {
        self.focus = (self.focus + 1) % self.fields.len();
    }

    pub fn prev(&mut self) {
        self.focus = (self.focus + self.fields.len() - 1) % self.fields.len();
    }

    /// A key typed into the focused field: a choice field cycles (←/→) or jumps to the choice
    /// starting with the letter; a text field edits. Then every field is checked again.
    pub fn handle(&mut self, event: &Event, streams: &[StreamRow]) {
        let field = self.focused();
        match (field.choices(), event) {
            (
                Some(choices),
                Event::Key(KeyEvent {
                    code,
                    kind: KeyEventKind::Press | KeyEventKind::Repeat,
                    modifiers,
                    ..
                }),
            ) if !modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => {
                let at = choices
                    .iter()
                    .position(|c| *c == field.value())
                    .unwrap_or(0);
                let next = match code {
                    KeyCode::Right | KeyCode::Char(' ') => Some((at + 1) % choices.len()),
                    KeyCode::Left => Some((at + choices.len() - 1) % choices.len()),
                    KeyCode::Char(c) => choices.iter().position(|choice| choice.starts_with(*c)),
                    _ => None,
                };
                if let Some(next) = next {
                    field.input = Input::new(choices[next].to_owned());
                }
            }
            (Some(_), _) => {}
            (None, _) => {
                field.input.handle_event(event);
            }
        }
        self.check(streams, false);
    }

    fn value(&self, key: &str) -> &str {
        self.fields
            .iter()
            .find(|f| f.key == key)
            .map(Field::value)
            .unwrap_or_default()
    }

    fn set_error(&mut self, key: &str, message: String) {
        if let Some(field) = self.fields.iter_mut().find(|f| f.key == key) {
            field.error = Some(message);
        } else {
            self.error = Some(message);
        }
    }

    /// Checks every field, showing each problem under its field. `submitting` also flags what
    /// is required and still empty, and the rules that span fields.
    fn check(&mut self, streams: &[StreamRow], submitting: bool) -> Option<Action> {
        for field in &mut self.fields {
            field.error = None;
        }
        self.error = None;
        match self.kind {
            FormKind::CreateStream => self
                .check_stream(streams, submitting)
                .map(Action::CreateStream),
            FormKind::Publish => self.check_publish(submitting),
            FormKind::Burst => self.check_burst(submitting),
        }
    }

    /// Checks every field; on success the action to run, otherwise the first bad field is
    /// focused and every problem is shown under its field.
    pub fn submit(&mut self, streams: &[StreamRow]) -> Option<Action> {
        let action = self.check(streams, true);
        if action.is_none()
            && let Some(bad) = self.fields.iter().position(|f| f.error.is_some())
        {
            self.focus = bad;
        }
        action
    }

    /// A field read through `parse`; empty is `None`. A bad value is flagged under the field.
    fn parsed<T>(
        &mut self,
        key: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ()> {
        let text = self.value(key).to_owned();
        if text.is_empty() {
            return Ok(None);
        }
        parse(&text)
            .map(Some)
            .map_err(|problem| self.set_error(key, problem))
    }

    fn choice<T: serde::de::DeserializeOwned>(&mut self, key: &str) -> Result<T, ()> {
        let text = self.value(key).to_ascii_lowercase();
        serde_json::from_value(serde_json::Value::String(text.clone()))
            .map_err(|_| self.set_error(key, format!("'{text}' is not one of the choices")))
    }

    fn check_stream(&mut self, streams: &[StreamRow], submitting: bool) -> Option<StreamSpec> {
        let name = self.value("name").to_owned();
        let mut ok = true;
        if !name.is_empty() || submitting {
            if let Err(problem) = rules::stream_name(&name) {
                self.set_error("name", problem);
                ok = false;
            } else if streams.iter().any(|s| s.name == name) {
                self.set_error("name", format!("a stream named '{name}' exists"));
                ok = false;
            }
        }
        let subjects: Vec<String> = self
            .value("subjects")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        for subject in &subjects {
            if let Err(problem) = rules::subject_filter(subject) {
                self.set_error("subjects", problem);
                ok = false;
            }
        }
        let effective = if subjects.is_empty() && !name.is_empty() {
            vec![name.clone()]
        } else {
            subjects.clone()
        };
        let overlaps = rules::overlaps(
            &effective,
            streams
                .iter()
                .map(|s| (s.name.as_str(), s.subjects.as_slice())),
        );
        if !overlaps.is_empty() && ok {
            // Every stream in the way, not only the first.
            let named: Vec<String> = overlaps
                .iter()
                .map(|o| format!("'{}' ({} ∩ {})", o.stream, o.ours, o.theirs))
                .collect();
            self.set_error("subjects", format!("overlaps stream {}", named.join(", ")));
            ok = false;
        }
        let count = |t: &str| units::parse_count(t).map(|n| n as i64);
        let size = |t: &str| units::parse_size(t).map(|n| n as i64);
        let retention: Result<Retention, ()> = self.choice("retention");
        let storage: Result<Storage, ()> = self.choice("storage");
        let discard: Result<Discard, ()> = self.choice("discard");
        let replicas = self.parsed("replicas", |t| t.parse::<i64>().map_err(|e| e.to_string()));
        let max_msgs = self.parsed("max_msgs", count);
        let max_bytes = self.parsed("max_bytes", size);
        let max_msg_size = self.parsed("max_msg_size", size);
        let max_age = self.parsed("max_age", units::parse_duration);
        let duplicate_window = self.parsed("duplicate_window", units::parse_duration);
        let (
            Ok(retention),
            Ok(storage),
            Ok(discard),
            Ok(replicas),
            Ok(max_msgs),
            Ok(max_bytes),
            Ok(max_msg_size),
            Ok(max_age),
            Ok(duplicate_window),
        ) = (
            retention,
            storage,
            discard,
            replicas,
            max_msgs,
            max_bytes,
            max_msg_size,
            max_age,
            duplicate_window,
        )
        else {
            return None;
        };
        let spec = StreamSpec {
            name,
            subjects: (!subjects.is_empty()).then_some(subjects),
            retention,
            storage,
            discard,
            replicas,
            max_msgs,
            max_bytes,
            max_msg_size,
            max_age,
            duplicate_window,
            ..StreamSpec::default()
        };
        if let Err(err) = spec.validate() {
            let key = err.field.split('[').next().unwrap_or_default().to_owned();
            // While typing, an empty name is not yet a mistake.
            if submitting || key != "name" {
                self.set_error(&key, err.problem);
            }
            return None;
        }
        (ok && submitting).then_some(spec)
    }

    fn check_subject(&mut self, submitting: bool) -> Option<String> {
        let subject = self.value("subject").to_owned();
        if subject.is_empty() && !submitting {
            return None;
        }
        match rules::publish_subject(&subject) {
            Ok(()) => Some(subject),
            Err(problem) => {
                self.set_error("subject", problem);
                None
            }
        }
    }

    fn check_publish(&mut self, submitting: bool) -> Option<Action> {
        let subject = self.check_subject(submitting);
        let payload = self
            .fields
            .iter()
            .find(|f| f.key == "payload")
            .map(|f| f.input.value().to_owned())
            .unwrap_or_default();
        if payload.is_empty() && submitting {
            self.set_error("payload", "a message is required".to_owned());
            return None;
        }
        let msg_id = Some(self.value("msg_id").to_owned()).filter(|id| !id.is_empty());
        Some(Action::Publish {
            subject: subject?,
            payload,
            msg_id,
        })
        .filter(|_| submitting)
    }

    fn check_burst(&mut self, submitting: bool) -> Option<Action> {
        let subject = self.check_subject(submitting);
        let count = self.parsed("count", |text| {
            let count = units::parse_count(text)?;
            if (1..=MAX_BURST).contains(&count) {
                Ok(count)
            } else {
                Err(format!("1 to {MAX_BURST} messages"))
            }
        });
        let rate = self.parsed("rate", parse_rate).map(Option::flatten);
        if submitting && matches!(count, Ok(None)) {
            self.set_error("count", "how many messages to publish".to_owned());
            return None;
        }
        match (subject, count, rate) {
            (Some(subject), Ok(Some(count)), Ok(rate)) if submitting => Some(Action::Burst {
                subject,
                count,
                rate,
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
