//! The console's forms: per-field text inputs with inline validation messages. Values are checked
//! with the same rules the API uses (`StreamSpec::validate`, `rules::publish_subject`).

use tui_input::Input;

use crate::model::{Action, RequestId};
use message_broker_model::rules;
use message_broker_model::spec::{Discard, Retention, Storage, StreamSpec};

#[derive(Debug, Clone)]
pub struct Field {
    pub key: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub input: Input,
    pub error: Option<String>,
}

impl Field {
    fn new(key: &'static str, label: &'static str, hint: &'static str, value: &str) -> Field {
        Field {
            key,
            label,
            hint,
            input: Input::new(value.to_owned()),
            error: None,
        }
    }

    pub fn value(&self) -> &str {
        self.input.value().trim()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    CreateStream,
    Publish,
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

impl Form {
    pub fn create_stream() -> Form {
        Form {
            kind: FormKind::CreateStream,
            fields: vec![
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
                    "limits | interest | workqueue",
                    "limits",
                ),
                Field::new("storage", "Storage", "file | memory", "file"),
                Field::new("replicas", "Replicas", "1, 3 or 5", "1"),
                Field::new("max_msgs", "Max messages", "empty = unlimited", ""),
                Field::new("max_bytes", "Max bytes", "empty = unlimited", ""),
                Field::new("max_age", "Max age (s)", "empty = unlimited", ""),
                Field::new("discard", "Discard", "old | new", "old"),
            ],
            focus: 0,
            error: None,
            pending: None,
        }
    }

    pub fn publish(subject: &str) -> Form {
        Form {
            kind: FormKind::Publish,
            fields: vec![
                Field::new("subject", "Subject", "no wildcards", subject),
                Field::new("payload", "Message", "text; JSON is sent as typed", ""),
                Field::new("msg_id", "Message id", "optional; deduplicates retries", ""),
            ],
            focus: 0,
            error: None,
            pending: None,
        }
    }

    pub fn title(&self) -> &'static str {
        match self.kind {
            FormKind::CreateStream => "Create stream",
            FormKind::Publish => "Publish a test message",
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

    fn value(&self, key: &str) -> &str {
        self.fields
            .iter()
            .find(|f| f.key == key)
            .map(Field::value)
            .unwrap_or_default()
    }

    fn fail(&mut self, key: &str, message: String) {
        if let Some(i) = self.fields.iter().position(|f| f.key == key) {
            self.fields[i].error = Some(message);
            self.focus = i;
        } else {
            self.error = Some(message);
        }
    }

    /// Checks every field; on success the effect to run, otherwise the first bad field is
    /// focused and every problem is shown under its field.
    pub fn submit(&mut self) -> Option<Action> {
        for field in &mut self.fields {
            field.error = None;
        }
        self.error = None;
        match self.kind {
            FormKind::CreateStream => self.submit_stream().map(Action::CreateStream),
            FormKind::Publish => self.submit_publish(),
        }
    }

    fn number(&mut self, key: &'static str) -> Result<Option<i64>, ()> {
        let text = self.value(key).replace('_', "");
        if text.is_empty() {
            return Ok(None);
        }
        match text.parse::<i64>() {
            Ok(n) => Ok(Some(n)),
            Err(_) => {
                self.fail(key, format!("'{text}' is not a whole number"));
                Err(())
            }
        }
    }

    fn choice<T: serde::de::DeserializeOwned>(&mut self, key: &'static str) -> Result<T, ()> {
        let text = self.value(key).to_ascii_lowercase();
        serde_json::from_value(serde_json::Value::String(text.clone())).map_err(|_| {
            let hint = self
                .fields
                .iter()
                .find(|f| f.key == key)
                .map(|f| f.hint)
                .unwrap_or_default();
            self.fail(key, format!("'{text}' is not one of {hint}"));
        })
    }

    fn submit_stream(&mut self) -> Option<StreamSpec> {
        let subjects: Vec<String> = self
            .value("subjects")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let retention: Result<Retention, ()> = self.choice("retention");
        let storage: Result<Storage, ()> = self.choice("storage");
        let discard: Result<Discard, ()> = self.choice("discard");
        let replicas = self.number("replicas");
        let max_msgs = self.number("max_msgs");
        let max_bytes = self.number("max_bytes");
        let max_age = self.number("max_age");
        let (
            Ok(retention),
            Ok(storage),
            Ok(discard),
            Ok(replicas),
            Ok(max_msgs),
            Ok(max_bytes),
            Ok(max_age),
        ) = (
            retention, storage, discard, replicas, max_msgs, max_bytes, max_age,
        )
        else {
            return None;
        };
        let spec = StreamSpec {
            name: self.value("name").to_owned(),
            subjects: (!subjects.is_empty()).then_some(subjects),
            retention,
            storage,
            discard,
            replicas,
            max_msgs,
            max_bytes,
            max_age: max_age.map(|s| s as f64),
            ..StreamSpec::default()
        };
        if let Err(err) = spec.validate() {
            let key = err.field.split('[').next().unwrap_or_default().to_owned();
            self.fail(&key, err.problem);
            return None;
        }
        Some(spec)
    }

    fn submit_publish(&mut self) -> Option<Action> {
        let subject = self.value("subject").to_owned();
        if let Err(problem) = rules::publish_subject(&subject) {
            self.fail("subject", problem);
            return None;
        }
        let payload = self
            .fields
            .iter()
            .find(|f| f.key == "payload")
            .map(|f| f.input.value().to_owned())
            .unwrap_or_default();
        if payload.is_empty() {
            self.fail("payload", "a message is required".to_owned());
            return None;
        }
        let msg_id = Some(self.value("msg_id").to_owned()).filter(|id| !id.is_empty());
        Some(Action::Publish {
            subject,
            payload,
            msg_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn type_into(form: &mut Form, key: &str, text: &str) {
        let field = form.fields.iter_mut().find(|f| f.key == key).unwrap();
        field.input = Input::new(text.to_owned());
    }

    #[test]
    fn a_valid_stream_form_becomes_a_spec() {
        let mut form = Form::create_stream();
        type_into(&mut form, "name", "orders");
        type_into(&mut form, "subjects", "orders.>, returns.*");
        type_into(&mut form, "max_msgs", "1_000");
        type_into(&mut form, "storage", "Memory");
        let Some(Action::CreateStream(spec)) = form.submit() else {
            panic!("form refused: {:?}", form.fields);
        };
        assert_eq!(spec.name, "orders");
        assert_eq!(spec.subjects.unwrap(), vec!["orders.>", "returns.*"]);
        assert_eq!(spec.max_msgs, Some(1000));
        assert_eq!(spec.storage, Storage::Memory);
    }

    #[test]
    fn bad_values_are_shown_under_their_field() {
        let mut form = Form::create_stream();
        type_into(&mut form, "name", "bad.name");
        assert!(form.submit().is_none());
        assert_eq!(form.fields[form.focus].key, "name");
        assert!(form.fields[0].error.as_deref().unwrap().contains("'.'"));

        let mut form = Form::create_stream();
        type_into(&mut form, "name", "ok");
        type_into(&mut form, "max_bytes", "lots");
        type_into(&mut form, "retention", "forever");
        assert!(form.submit().is_none());
        let errors: Vec<_> = form
            .fields
            .iter()
            .filter(|f| f.error.is_some())
            .map(|f| f.key)
            .collect();
        assert_eq!(errors, vec!["retention", "max_bytes"]);

        let mut form = Form::create_stream();
        type_into(&mut form, "name", "ok");
        type_into(&mut form, "subjects", "a..b");
        assert!(form.submit().is_none());
        assert_eq!(form.fields[form.focus].key, "subjects");
    }

    #[test]
    fn publish_form_checks_the_subject_and_message() {
        let mut form = Form::publish("");
        type_into(&mut form, "subject", "orders.*");
        type_into(&mut form, "payload", "hi");
        assert!(form.submit().is_none());
        assert!(
            form.fields[0]
                .error
                .as_deref()
                .unwrap()
                .contains("wildcard")
        );
        type_into(&mut form, "subject", "orders.new");
        type_into(&mut form, "payload", "");
        assert!(form.submit().is_none());
        assert_eq!(form.fields[form.focus].key, "payload");
        type_into(&mut form, "payload", "{\"id\":1}");
        type_into(&mut form, "msg_id", "m-1");
        assert_eq!(
            form.submit(),
            Some(Action::Publish {
                subject: "orders.new".into(),
                payload: "{\"id\":1}".into(),
                msg_id: Some("m-1".into()),
            })
        );
    }
}
