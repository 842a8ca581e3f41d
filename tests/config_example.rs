//! The example config shipped in `assets/`: it loads, states the defaults, shows every key, and
//! its commented keys load when enabled.
//!
//! Every run clears the configuration environment variables and points HOME and XDG_CONFIG_HOME
//! at a temporary directory, so the developer's own config is never read.

mod common;

use std::path::{Path, PathBuf};

use common::config_run::{Sandbox, config_vars};
use serde_json::{Value, json};

fn example_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/message-broker.example.yaml")
}

#[test]
fn the_example_config_loads_and_states_the_defaults() {
    let sandbox = Sandbox::new();
    let example = example_path();
    let example_arg = example.to_str().expect("utf-8");
    let mut json = sandbox
        .run(&["config", "--config", example_arg], &[])
        .json();
    assert_eq!(json["config_file"], json!(example_arg));

    // Apart from its example stream, the file says exactly what the built-in defaults are.
    let mut defaults = sandbox.run(&["config"], &[]).json();
    let streams = json["streams"].take();
    json["config_file"] = Value::Null;
    defaults["streams"] = Value::Null;
    assert_eq!(json, defaults);

    assert_eq!(
        streams,
        json!([{
            "name": "market_data",
            "subjects": ["market.>", "trades.>"],
            "retention": "limits",
            "max_msgs": 1000000,
            "max_bytes": 1073741824,
            "max_age": 86400.0,
            "storage": "file",
            "replicas": 1,
            "discard": "old",
            "max_msg_size": 1048576,
            "duplicate_window": 120.0,
            "description": "Market prices and trades",
        }])
    );
}

#[test]
fn the_example_config_shows_every_key() {
    let text = std::fs::read_to_string(example_path()).expect("read the example");
    let keys = [
        "services:",
        "message-broker:",
        "environment:",
        "host:",
        "port:",
        "log_level:",
        "log_file:",
        "nats_server:",
        "cluster_port:",
        "http_port:",
        "nats_client:",
        "url:",
        "timeout:",
        "monitor_url:",
        "api:",
        "max_body_bytes:",
        "allow_publish_to:",
        "max_batch:",
        "streams:",
        "subjects:",
        "retention:",
        "max_msgs:",
        "max_bytes:",
        "max_age:",
        "storage:",
        "replicas:",
        "discard:",
        "max_msg_size:",
        "duplicate_window:",
        "description:",
    ];
    for key in keys {
        assert!(
            text.lines()
                .any(|l| l.trim_start().trim_start_matches("# ").starts_with(key)),
            "the example does not show {key}"
        );
    }
    // Every variable that overrides a key is mentioned.
    for var in config_vars() {
        assert!(text.contains(var), "the example does not mention {var}");
    }
}

#[test]
fn the_example_config_commented_keys_load_when_enabled() {
    let sandbox = Sandbox::new();
    let text = std::fs::read_to_string(example_path()).expect("read the example");
    let mut enabled = 0;
    let uncommented: String = text
        .lines()
        .map(|line| {
            let trimmed = line.trim_start();
            let indent = &line[..line.len() - trimmed.len()];
            match trimmed.strip_prefix("# ") {
                Some(rest)
                    if rest.starts_with("log_file: ") || rest.starts_with("monitor_url: ") =>
                {
                    enabled += 1;
                    format!("{indent}{rest}\n")
                }
                _ => format!("{line}\n"),
            }
        })
        .collect();
    assert_eq!(
        enabled, 2,
        "the example should show log_file and monitor_url commented out"
    );
    let (_, run) = sandbox.config_of(&uncommented);
    let json = run.json();
    assert_eq!(
        json["log_file"],
        "/var/log/message-broker/message-broker.log"
    );
    assert_eq!(json["monitor_url"], "http://127.0.0.1:8222");
}
