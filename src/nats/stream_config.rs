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
        type Show = fn(&WireStreamConfig) -> String;
        const FIELDS: [(&str, Show); 11] = [
            ("subjects", |c| format!("{:?}", c.subjects)),
            ("retention", |c| c.retention.clone()),
            ("storage", |c| c.storage.clone()),
            ("discard", |c| c.discard.clone()),
            ("replicas", |c| c.num_replicas.max(1).to_string()),
            ("max_msgs", |c| c.max_msgs.to_string()),
            ("max_bytes", |c| c.max_bytes.to_string()),
            ("max_msg_size", |c| c.max_msg_size.to_string()),
            ("max_age", |c| c.max_age.to_string()),
            ("duplicate_window", |c| c.duplicate_window.to_string()),
            ("description", |c| format!("{:?}", c.description)),
        ];
        let wanted = self.apply_to(current);
        FIELDS
            .iter()
            .filter_map(|(field, show)| {
                let (old, new) = (show(current), show(&wanted));
                (old != new).then(|| format!("{field}: {old} -> {new}"))
            })
            .collect()
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
