//! A stream definition as users write it — in the API's create body, under `streams:` in the
//! YAML config, and in the console's create form — and its validation.

use serde::{Deserialize, Serialize};

use crate::rules;

pub const NANOS_PER_SEC: f64 = 1_000_000_000.0;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Retention {
    #[default]
    Limits,
    Interest,
    Workqueue,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Storage {
    #[default]
    File,
    Memory,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Discard {
    #[default]
    Old,
    New,
}

/// Limits left out mean "unlimited"; durations are seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
        rules::stream_name(&self.name).map_err(|p| spec_error("name", p))?;
        if let Some(subjects) = &self.subjects {
            if subjects.is_empty() {
                return Err(spec_error(
                    "subjects",
                    "must list at least one subject (leave it out to use the stream name)",
                ));
            }
            for (i, subject) in subjects.iter().enumerate() {
                rules::subject_filter(subject)
                    .map_err(|p| spec_error(&format!("subjects[{i}]"), p))?;
            }
            for (i, a) in subjects.iter().enumerate() {
                if let Some(b) = subjects[i + 1..]
                    .iter()
                    .find(|b| rules::subjects_overlap(a, b))
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
}
