//! A stream definition as users write it — in the API's create body and under `streams:` in the
//! YAML config — and its translation to and from the JetStream wire config.

use serde::{Deserialize, Serialize};

use crate::nats::wire::WireStreamConfig;
use crate::validate;

const NANOS_PER_SEC: f64 = 1_000_000_000.0;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Retention {
    #[default]
    Limits,
    Interest,
    Workqueue,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Storage {
    #[default]
    File,
    Memory,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Discard {
    #[default]
    Old,
    New,
}

/// Limits left out mean "unlimited"; durations are seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamSpec {
    #[serde(default)]
    pub name: String,
    pub subjects: Option<Vec<String>>,
    #[serde(default)]
    pub retention: Retention,
    pub max_msgs: Option<i64>,
    pub max_bytes: Option<i64>,
    pub max_age: Option<f64>,
    #[serde(default)]
    pub storage: Storage,
    pub replicas: Option<i64>,
    #[serde(default)]
    pub discard: Discard,
    pub max_msg_size: Option<i64>,
    pub duplicate_window: Option<f64>,
    pub description: Option<String>,
}

/// A validation failure: which field, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct SpecError {
    pub field: String,
    pub problem: String,
}

fn spec_error(field: &str, problem: impl Into<String>) -> SpecError {
    SpecError {
        field: field.to_owned(),
        problem: problem.into(),
    }
}

impl StreamSpec {
    /// The subjects the stream captures: JetStream's default is the stream's own name.
    pub fn effective_subjects(&self) -> Vec<String> {
        match &self.subjects {
            Some(subjects) => subjects.clone(),
            None => vec![self.name.clone()],
        }
    }

    pub fn validate(&self) -> Result<(), SpecError> {
        validate::stream_name(&self.name).map_err(|p| spec_error("name", p))?;
        if let Some(subjects) = &self.subjects {
            if subjects.is_empty() {
                return Err(spec_error(
                    "subjects",
                    "must list at least one subject (leave it out to use the stream name)",
                ));
            }
            for (i, subject) in subjects.iter().enumerate() {
                validate::subject_filter(subject)
                    .map_err(|p| spec_error(&format!("subjects[{i}]"), p))?;
            }
            for (i, a) in subjects.iter().enumerate() {
                if let Some(b) = subjects[i + 1..]
                    .iter()
                    .find(|b| validate::subjects_overlap(a, b))
                {
                    return Err(spec_error(
                        "subjects",
                        format!("'{a}' and '{b}' overlap; a stream's subjects must be distinct"),
                    ));
                }
            }
        }
        non_negative("max_msgs", self.max_msgs)?;
        non_negative("max_bytes", self.max_bytes)?;
        non_negative("max_msg_size", self.max_msg_size)?;
        if let Some(size) = self.max_msg_size
            && size > i64::from(i32::MAX)
        {
            return Err(spec_error(
                "max_msg_size",
                format!("must be at most {} bytes, got {size}", i32::MAX),
            ));
        }
        seconds("max_age", self.max_age)?;
        seconds("duplicate_window", self.duplicate_window)?;
        if let Some(replicas) = self.replicas
            && !(1..=5).contains(&replicas)
        {
            return Err(spec_error(
                "replicas",
                format!("must be between 1 and 5, got {replicas}"),
            ));
        }
        if let (Some(window), Some(age)) = (self.duplicate_window, self.max_age)
            && age > 0.0
            && window > age
        {
            return Err(spec_error(
                "duplicate_window",
                format!("must not exceed max_age ({age} s), got {window} s"),
            ));
        }
        Ok(())
    }

    /// The fields this spec sets, applied over `base` (which keeps every field we do not manage).
    pub fn apply_to(&self, base: &WireStreamConfig) -> WireStreamConfig {
        let mut config = base.clone();
        config.name = self.name.clone();
        config.subjects = self.effective_subjects();
        config.retention = enum_str(&self.retention);
        config.storage = enum_str(&self.storage);
        config.discard = enum_str(&self.discard);
        config.num_replicas = self.replicas.unwrap_or(1);
        config.max_msgs = self.max_msgs.unwrap_or(-1);
        config.max_bytes = self.max_bytes.unwrap_or(-1);
        config.max_msg_size = self.max_msg_size.unwrap_or(-1);
        config.max_age = self.max_age.map_or(0, to_nanos);
        if let Some(window) = self.duplicate_window {
            config.duplicate_window = to_nanos(window);
        }
        if self.description.is_some() {
            config.description = self.description.clone();
        }
        config
    }

    /// A fresh wire config for creating the stream. Direct get is enabled so stored messages can
    /// be read without a consumer.
    pub fn to_wire(&self) -> WireStreamConfig {
        let mut config = self.apply_to(&WireStreamConfig::default());
        config.allow_direct = true;
        config
    }

    /// What would change if `current` were brought in line with this spec, as
    /// `field: old -> new` lines; empty when nothing differs.
    pub fn differences(&self, current: &WireStreamConfig) -> Vec<String> {
        let wanted = self.apply_to(current);
        let mut changes = Vec::new();
        let mut check = |field: &str, old: String, new: String| {
            if old != new {
                changes.push(format!("{field}: {old} -> {new}"));
            }
        };
        check(
            "subjects",
            format!("{:?}", current.subjects),
            format!("{:?}", wanted.subjects),
        );
        check("retention", current.retention.clone(), wanted.retention);
        check("storage", current.storage.clone(), wanted.storage);
        check("discard", current.discard.clone(), wanted.discard);
        check(
            "replicas",
            current.num_replicas.max(1).to_string(),
            wanted.num_replicas.max(1).to_string(),
        );
        check(
            "max_msgs",
            current.max_msgs.to_string(),
            wanted.max_msgs.to_string(),
        );
        check(
            "max_bytes",
            current.max_bytes.to_string(),
            wanted.max_bytes.to_string(),
        );
        check(
            "max_msg_size",
            current.max_msg_size.to_string(),
            wanted.max_msg_size.to_string(),
        );
        check(
            "max_age",
            current.max_age.to_string(),
            wanted.max_age.to_string(),
        );
        check(
            "duplicate_window",
            current.duplicate_window.to_string(),
            wanted.duplicate_window.to_string(),
        );
        check(
            "description",
            format!("{:?}", current.description),
            format!("{:?}", wanted.description),
        );
        changes
    }
}

fn non_negative(field: &str, value: Option<i64>) -> Result<(), SpecError> {
    match value {
        Some(v) if v < 0 => Err(spec_error(
            field,
            format!("must be zero or positive (leave it out for unlimited), got {v}"),
        )),
        _ => Ok(()),
    }
}

fn seconds(field: &str, value: Option<f64>) -> Result<(), SpecError> {
    match value {
        Some(v) if !v.is_finite() || v < 0.0 => Err(spec_error(
            field,
            format!("must be a non-negative number of seconds, got {v}"),
        )),
        Some(v) if v * NANOS_PER_SEC > i64::MAX as f64 => {
            Err(spec_error(field, format!("{v} seconds is too long")))
        }
        _ => Ok(()),
    }
}

fn to_nanos(seconds: f64) -> i64 {
    (seconds * NANOS_PER_SEC).round() as i64
}

pub fn nanos_to_seconds(nanos: i64) -> f64 {
    nanos as f64 / NANOS_PER_SEC
}

fn enum_str<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: serde_json::Value) -> Result<StreamSpec, serde_json::Error> {
        serde_json::from_value(json)
    }

    #[test]
    fn defaults_subjects_to_the_name() {
        let s = spec(serde_json::json!({"name": "orders"})).unwrap();
        assert_eq!(s.effective_subjects(), vec!["orders"]);
        assert!(s.validate().is_ok());
        let wire = s.to_wire();
        assert_eq!(wire.max_msgs, -1);
        assert_eq!(wire.retention, "limits");
        assert!(wire.allow_direct);
    }

    #[test]
    fn rejects_unknown_fields_and_values() {
        assert!(spec(serde_json::json!({"name": "a", "colour": 1})).is_err());
        assert!(spec(serde_json::json!({"name": "a", "retention": "forever"})).is_err());
    }

    #[test]
    fn names_the_bad_field() {
        let cases = [
            (serde_json::json!({"name": "a.b"}), "name"),
            (
                serde_json::json!({"name": "a", "subjects": ["x..y"]}),
                "subjects[0]",
            ),
            (serde_json::json!({"name": "a", "subjects": []}), "subjects"),
            (
                serde_json::json!({"name": "a", "subjects": ["x.>", "x.y"]}),
                "subjects",
            ),
            (serde_json::json!({"name": "a", "max_msgs": -1}), "max_msgs"),
            (
                serde_json::json!({"name": "a", "max_bytes": -5}),
                "max_bytes",
            ),
            (serde_json::json!({"name": "a", "max_age": -1.0}), "max_age"),
            (serde_json::json!({"name": "a", "replicas": 7}), "replicas"),
            (
                serde_json::json!({"name": "a", "max_age": 10, "duplicate_window": 60}),
                "duplicate_window",
            ),
        ];
        for (json, field) in cases {
            let err = spec(json.clone()).unwrap().validate().unwrap_err();
            assert_eq!(err.field, field, "{json}");
        }
    }

    #[test]
    fn differences_list_changed_fields_only() {
        let s =
            spec(serde_json::json!({"name": "a", "subjects": ["a.>"], "max_msgs": 10})).unwrap();
        let current = s.to_wire();
        assert!(s.differences(&current).is_empty());
        let bigger = StreamSpec {
            max_msgs: Some(20),
            ..s.clone()
        };
        assert_eq!(bigger.differences(&current), vec!["max_msgs: 10 -> 20"]);
    }
}
