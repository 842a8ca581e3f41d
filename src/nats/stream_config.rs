//! How a stream definition ([`StreamSpec`]) becomes a JetStream wire config, and what would change
//! when an existing stream is brought in line with one.

use super::wire::WireStreamConfig;
use crate::model::spec::{NANOS_PER_SEC, StreamSpec};

/// The wire side of a stream definition.
pub trait WireSpec {
    /// The fields this spec sets, applied over `base` (which keeps every field we do not manage).
    fn apply_to(&self, base: &WireStreamConfig) -> WireStreamConfig;
    /// A fresh wire config for creating the stream.
    fn to_wire(&self) -> WireStreamConfig;
    /// What would change if `current` were brought in line with this spec, as
    /// `field: old -> new` lines; empty when nothing differs.
    fn differences(&self, current: &WireStreamConfig) -> Vec<String>;
}

impl WireSpec for StreamSpec {
    fn apply_to(&self, base: &WireStreamConfig) -> WireStreamConfig {
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

    /// Direct get is enabled so stored messages can be read without a consumer.
    fn to_wire(&self) -> WireStreamConfig {
        let mut config = self.apply_to(&WireStreamConfig::default());
        config.allow_direct = true;
        config
    }

    fn differences(&self, current: &WireStreamConfig) -> Vec<String> {
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

fn to_nanos(seconds: f64) -> i64 {
    (seconds * NANOS_PER_SEC).round() as i64
}

pub fn nanos_to_seconds(nanos: i64) -> f64 {
    nanos as f64 / NANOS_PER_SEC
}

fn enum_str<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: serde_json::Value) -> StreamSpec {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_fresh_config_is_unlimited_with_direct_get() {
        let wire = spec(serde_json::json!({"name": "orders"})).to_wire();
        assert_eq!(wire.max_msgs, -1);
        assert_eq!(wire.retention, "limits");
        assert_eq!(wire.subjects, vec!["orders"]);
        assert!(wire.allow_direct);
    }

    #[test]
    fn differences_list_changed_fields_only() {
        let s = spec(serde_json::json!({"name": "a", "subjects": ["a.>"], "max_msgs": 10}));
        let current = s.to_wire();
        assert!(s.differences(&current).is_empty());
        let bigger = StreamSpec {
            max_msgs: Some(20),
            ..s.clone()
        };
        assert_eq!(bigger.differences(&current), vec!["max_msgs: 10 -> 20"]);
    }
}
