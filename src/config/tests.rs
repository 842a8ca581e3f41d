use std::path::Path;
use std::time::Duration;

use super::*;

const PATH: &str = "/etc/mb/test.yaml";

fn load(args: &SettingsArgs, text: &str) -> Result<Settings, ConfigError> {
    Settings::from_yaml(args, Path::new(PATH), text)
}

fn err(text: &str) -> ConfigError {
    load(&SettingsArgs::default(), text).unwrap_err()
}

#[test]
fn defaults_without_a_file() {
    let s = load(&SettingsArgs::default(), "").unwrap();
    assert_eq!(s.api_port, 8086);
    assert_eq!(s.api_host, "0.0.0.0");
    assert_eq!(s.nats_url, "nats://127.0.0.1:4222");
    assert_eq!(s.monitor_url, "http://127.0.0.1:8222");
    assert_eq!(s.nats_timeout, Duration::from_secs(10));
    assert_eq!(s.environment, "development");
    assert_eq!(s.log_level, "info");
}

#[test]
fn the_spec_example_loads() {
    let text = include_str!("../../tests/fixtures/spec-config.yaml");
    let s = load(&SettingsArgs::default(), text).unwrap();
    assert_eq!(s.streams.len(), 1);
    assert_eq!(s.streams[0].name, "market_data");
    assert_eq!(s.streams[0].max_msgs, Some(1_000_000));
    assert_eq!(s.monitor_url, "http://localhost:8222");
}

#[test]
fn flags_win_over_the_file() {
    let text = "services:\n  message-broker:\n    port: 9000\n    nats_client:\n      url: nats://a:4222\n";
    let args = SettingsArgs {
        port: Some(9100),
        nats_http_port: Some(9222),
        ..SettingsArgs::default()
    };
    let s = load(&args, text).unwrap();
    assert_eq!(s.api_port, 9100);
    assert_eq!(s.nats_url, "nats://a:4222");
    assert_eq!(s.monitor_url, "http://a:9222");
    let args = SettingsArgs {
        nats_url: Some("nats://b:4333".into()),
        ..SettingsArgs::default()
    };
    assert_eq!(load(&args, text).unwrap().nats_url, "nats://b:4333");
}

#[test]
fn errors_name_the_file_and_key() {
    let e = err("services:\n  message-broker:\n    prot: 1\n");
    assert_eq!(e.source_name, PATH);
    assert!(e.message.contains("unknown field `prot`"), "{e}");

    let e = err("services:\n  message-broker:\n    nats_client:\n      timeout: soon\n");
    assert_eq!(e.key, "services.message-broker.nats_client.timeout");
    assert!(e.message.contains("line 4"), "{e}");

    let e = err("services:\n  message-broker:\n    port: 70000\n");
    assert_eq!(e.key, "services.message-broker.port");

    let e = err("services:\n  message-broker:\n    nats_client:\n      timeout: 0\n");
    assert_eq!(e.key, "services.message-broker.nats_client.timeout");

    let e = err("services: [unclosed\n");
    assert_eq!(e.source_name, PATH);

    let e = err("servces: {}\n");
    assert_eq!(e.key, "servces");
    assert!(e.message.contains("servces"), "{e}");
}

#[test]
fn stream_definitions_are_validated() {
    let e = err("services:\n  message-broker:\n    streams:\n      s:\n        max_msgs: -3\n");
    assert_eq!(e.key, "services.message-broker.streams.s.max_msgs");
    let e =
        err("services:\n  message-broker:\n    streams:\n      s:\n        retention: forever\n");
    assert_eq!(e.key, "services.message-broker.streams.s.retention");
    let e = err("services:\n  message-broker:\n    streams:\n      bad.name: {}\n");
    assert_eq!(e.key, "services.message-broker.streams.bad.name");
    let e = err(
        "services:\n  message-broker:\n    streams:\n      a: {subjects: [\"x.>\"]}\n      b: {subjects: [\"x.y\"]}\n",
    );
    assert_eq!(e.key, "services.message-broker.streams");
    assert!(e.message.contains("overlaps"), "{e}");
}

#[test]
fn log_levels_accept_the_spec_spelling() {
    let args = SettingsArgs {
        log_level: Some("INFO".into()),
        ..SettingsArgs::default()
    };
    assert_eq!(load(&args, "").unwrap().log_level, "info");
    let args = SettingsArgs {
        log_level: Some("WARNING".into()),
        ..SettingsArgs::default()
    };
    assert_eq!(load(&args, "").unwrap().log_level, "warn");
    let args = SettingsArgs {
        log_level: Some("loud=[".into()),
        ..SettingsArgs::default()
    };
    assert!(load(&args, "").is_err());
}

#[test]
fn bad_nats_url_is_reported() {
    let e = err("services:\n  message-broker:\n    nats_client:\n      url: \"http://x:1\"\n");
    assert_eq!(e.key, "services.message-broker.nats_client.url");
}

#[test]
fn supervision_is_off_by_default_and_on_by_flag_or_file() {
    let s = load(&SettingsArgs::default(), "").unwrap();
    assert!(!s.supervise);
    assert_eq!(s.nats_server.nodes, 1);
    assert_eq!(s.nats_server.host, "127.0.0.1");
    assert!(s.nats_server.data_dir.ends_with("nats"));

    let text = "services:\n  message-broker:\n    nats_server:\n      enabled: true\n      port: 5222\n      http_port: 9222\n      max_memory: 512M\n      max_storage: 1073741824\n";
    let s = load(&SettingsArgs::default(), text).unwrap();
    assert!(s.supervise);
    // The client and the monitor follow the supervised server.
    assert_eq!(s.nats_url, "nats://127.0.0.1:5222");
    assert_eq!(s.monitor_url, "http://127.0.0.1:9222");
    assert_eq!(s.nats_server.max_memory.as_deref(), Some("512M"));
    assert_eq!(s.nats_server.max_storage.as_deref(), Some("1073741824"));

    let args = SettingsArgs {
        cluster: Some(3),
        ..SettingsArgs::default()
    };
    let s = load(&args, "").unwrap();
    assert!(s.supervise);
    assert_eq!(
        s.nats_url,
        "nats://127.0.0.1:4222,nats://127.0.0.1:4223,nats://127.0.0.1:4224"
    );
}

#[test]
fn bad_server_settings_name_the_key() {
    let e = err("services:\n  message-broker:\n    nats_server:\n      nodes: 2\n");
    assert_eq!(e.key, "services.message-broker.nats_server.nodes");
    let e = err("services:\n  message-broker:\n    nats_server:\n      max_memory: lots\n");
    assert_eq!(e.key, "services.message-broker.nats_server.max_memory");
    let e = err("services:\n  message-broker:\n    nats_server:\n      server_name: \"a b\"\n");
    assert_eq!(e.key, "services.message-broker.nats_server.server_name");
    let e =
        err("services:\n  message-broker:\n    nats_server:\n      port: 65535\n      nodes: 3\n");
    assert_eq!(e.key, "services.message-broker.nats_server.port");
    let args = SettingsArgs {
        cluster: Some(4),
        ..SettingsArgs::default()
    };
    let e = load(&args, "").unwrap_err();
    assert_eq!(e.source_name, "--cluster");
}

fn with_security(security: crate::cli::SecurityArgs) -> SettingsArgs {
    SettingsArgs {
        security,
        ..SettingsArgs::default()
    }
}

#[test]
fn credentials_are_layered_key_by_key_and_must_name_one() {
    use crate::cli::SecurityArgs;
    let file = "services:\n  message-broker:\n    nats_client:\n      user: app\n      token: t\n";
    // The file's user with a password from the flag; the token conflicts.
    let args = with_security(SecurityArgs {
        password: Some("pw".into()),
        ..SecurityArgs::default()
    });
    let e = load(&args, file).unwrap_err();
    assert_eq!(e.key, "services.message-broker.nats_client.token");
    assert!(
        e.message
            .contains("nats_client.user sets a user and password"),
        "{e}"
    );
    let file = "services:\n  message-broker:\n    nats_client:\n      user: app\n";
    let s = load(&args, file).unwrap();
    assert_eq!(
        s.nats_security.credential,
        Credential::UserPassword {
            user: "app".into(),
            password: Secret::new("pw")
        }
    );
    // An empty value counts as unset.
    let args = with_security(SecurityArgs {
        password: Some(String::new()),
        ..SecurityArgs::default()
    });
    assert!(matches!(
        load(&args, file).unwrap().nats_security.credential,
        Credential::Token { .. }
    ));
}

#[test]
fn an_empty_system_url_is_unset_and_urls_are_shown_redacted() {
    use crate::cli::SecurityArgs;
    let args = SettingsArgs {
        nats_url: Some("nats://app:pw@a:4222,nats://app:pw@b:4222".into()),
        security: SecurityArgs {
            system_url: Some(String::new()),
            ..SecurityArgs::default()
        },
        ..SettingsArgs::default()
    };
    assert!(load(&args, "").unwrap().system.is_none());
    let serialized = serde_json::to_string(&load(&args, "").unwrap()).unwrap();
    assert!(!serialized.contains(":pw@"), "{serialized}");
    assert_eq!(
        crate::nats::redact("nats://s3cret@a:4222"),
        "nats://***@a:4222"
    );
    let mut args = args;
    args.security.system_url = Some("nats://a:4222".into());
    let system = load(&args, "").unwrap().system.unwrap();
    assert_eq!(system.url, "nats://a:4222");
    assert_eq!(system.security.credential, Credential::None);
}
