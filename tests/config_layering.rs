//! The built binary's configuration layering: defaults < YAML file < environment variables <
//! flags as `message-broker config` prints it, and where the file is looked for.
//!
//! Every run clears the configuration environment variables and points HOME and XDG_CONFIG_HOME
//! at a temporary directory, so the developer's own config is never read.

mod common;

use common::config_run::{Sandbox, service};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Layering
// ---------------------------------------------------------------------------------------------

#[test]
fn defaults_without_any_file_or_variable() {
    let sandbox = Sandbox::new();
    let json = sandbox.run(&["config"], &[]).json();
    assert_eq!(
        json,
        json!({
            "config_file": null,
            "environment": "development",
            "api_host": "0.0.0.0",
            "api_port": 8086,
            "log_level": "info",
            "log_file": null,
            "nats_url": "nats://127.0.0.1:4222",
            "nats_security": {
                "context": null,
                "credential": {"kind": "none"},
                "tls": {"ca": null, "cert": null, "key": null},
                "tls_first": false,
                "inbox_prefix": null,
                "jetstream_domain": null,
            },
            "nats_timeout": 10.0,
            "monitor_url": "http://127.0.0.1:8222",
            "supervise": false,
            "nats_server": {
                "binary": null,
                "host": "127.0.0.1",
                "port": 4222,
                "cluster_port": 6222,
                "http_port": 8222,
                "data_dir": sandbox.home().join(".local/share/message-broker/nats"),
                "max_memory": null,
                "max_storage": null,
                "server_name": "message-broker",
                "config_file": null,
                "nodes": 1,
                "cluster": null,
            },
            "max_body_bytes": 4194304,
            "allow_publish_to": [],
            "max_batch": 1000,
            "connections": {
                "header_timeout": 10.0,
                "body_timeout": 30.0,
                "idle_timeout": 75.0,
                "drain_timeout": 5.0,
                "max_connections": 1024,
                "max_connections_per_client": null,
            },
            "access": {
                "write_tokens": [],
                "read_tokens": [],
                "token_files": [],
                "allow_unauthenticated": false,
                "read_only": false,
            },
            "streams": [],
            "system": null,
        })
    );
}

const LAYER_FILE: &str = "\
services:
  message-broker:
    environment: from-file
    host: 10.0.0.1
    port: 9001
    log_level: debug
    log_file: /file/mb.log
    nats_server:
      port: 4001
      cluster_port: 6001
      http_port: 8001
    nats_client:
      url: nats://file-host:4001
      timeout: 1.5
      monitor_url: http://file-monitor:8001
    api:
      max_body_bytes: 2048
";

/// (key in the JSON output, environment variable, value from the file, from the environment,
/// from a flag as given, from a flag as printed).
struct Layer {
    json: &'static str,
    var: &'static str,
    flag: &'static str,
    file: Value,
    env: (&'static str, Value),
    cli: (&'static str, Value),
}

fn layers() -> Vec<Layer> {
    vec![
        Layer {
            json: "/environment",
            var: "ENVIRONMENT",
            flag: "--environment",
            file: json!("from-file"),
            env: ("from-env", json!("from-env")),
            cli: ("from-flag", json!("from-flag")),
        },
        Layer {
            json: "/api_host",
            var: "API_HOST",
            flag: "--host",
            file: json!("10.0.0.1"),
            env: ("10.0.0.2", json!("10.0.0.2")),
            cli: ("10.0.0.3", json!("10.0.0.3")),
        },
        Layer {
            json: "/api_port",
            var: "API_PORT",
            flag: "--port",
            file: json!(9001),
            env: ("9002", json!(9002)),
            cli: ("9003", json!(9003)),
        },
        Layer {
            json: "/log_level",
            var: "LOG_LEVEL",
            flag: "--log-level",
            file: json!("debug"),
            env: ("WARNING", json!("warn")),
            cli: ("ERROR", json!("error")),
        },
        Layer {
            json: "/log_file",
            var: "LOG_FILE",
            flag: "--log-file",
            file: json!("/file/mb.log"),
            env: ("/env/mb.log", json!("/env/mb.log")),
            cli: ("/flag/mb.log", json!("/flag/mb.log")),
        },
        Layer {
            json: "/nats_url",
            var: "NATS_URL",
            flag: "--nats-url",
            file: json!("nats://file-host:4001"),
            env: ("nats://env-host:4002", json!("nats://env-host:4002")),
            cli: ("nats://flag-host:4003", json!("nats://flag-host:4003")),
        },
        Layer {
            json: "/nats_timeout",
            var: "NATS_TIMEOUT",
            flag: "--nats-timeout",
            file: json!(1.5),
            env: ("2.5", json!(2.5)),
            cli: ("3.5", json!(3.5)),
        },
        Layer {
            json: "/monitor_url",
            var: "NATS_MONITOR_URL",
            flag: "--monitor-url",
            file: json!("http://file-monitor:8001"),
            env: ("http://env-monitor:8002/", json!("http://env-monitor:8002")),
            cli: (
                "https://flag-monitor:8003",
                json!("https://flag-monitor:8003"),
            ),
        },
        Layer {
            json: "/nats_server/cluster_port",
            var: "NATS_CLUSTER_PORT",
            flag: "--nats-cluster-port",
            file: json!(6001),
            env: ("6002", json!(6002)),
            cli: ("6003", json!(6003)),
        },
        Layer {
            json: "/nats_server/http_port",
            var: "NATS_HTTP_PORT",
            flag: "--nats-http-port",
            file: json!(8001),
            env: ("8002", json!(8002)),
            cli: ("8003", json!(8003)),
        },
    ]
}

#[test]
fn file_values_override_the_defaults() {
    let sandbox = Sandbox::new();
    let (file, run) = sandbox.config_of(LAYER_FILE);
    let json = run.json();
    assert_eq!(json["config_file"], json!(file.display().to_string()));
    for layer in layers() {
        assert_eq!(
            json.pointer(layer.json),
            Some(&layer.file),
            "{}",
            layer.json
        );
    }
    // Keys only the file can set.
    assert_eq!(json["nats_server"]["port"], 4001);
    assert_eq!(json["max_body_bytes"], 2048);
}

#[test]
fn environment_overrides_the_file_and_flags_override_the_environment() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("layers.yaml", LAYER_FILE);
    let file_arg = file.to_str().expect("utf-8");
    for layer in layers() {
        // The environment variable alone beats the file; the others stay as the file says.
        let run = sandbox.run(
            &["config", "--config", file_arg],
            &[(layer.var, layer.env.0)],
        );
        let json = run.json();
        assert_eq!(
            json.pointer(layer.json),
            Some(&layer.env.1),
            "{} over the file",
            layer.var
        );
        for other in layers().iter().filter(|o| o.json != layer.json) {
            assert_eq!(
                json.pointer(other.json),
                Some(&other.file),
                "{} stays",
                other.json
            );
        }

        // The flag beats both.
        let run = sandbox.run(
            &["config", "--config", file_arg, layer.flag, layer.cli.0],
            &[(layer.var, layer.env.0)],
        );
        let json = run.json();
        assert_eq!(
            json.pointer(layer.json),
            Some(&layer.cli.1),
            "{} over {}",
            layer.flag,
            layer.var
        );

        // A flag also beats the file without any variable; the flag may come before `config`.
        let run = sandbox.run(
            &[layer.flag, layer.cli.0, "config", "--config", file_arg],
            &[],
        );
        assert_eq!(
            run.json().pointer(layer.json),
            Some(&layer.cli.1),
            "{} over the file",
            layer.flag
        );
    }
}

#[test]
fn all_environment_variables_at_once_beat_the_file() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("layers.yaml", LAYER_FILE);
    let env: Vec<(&str, &str)> = layers().iter().map(|l| (l.var, l.env.0)).collect();
    let run = sandbox.run(&["config", "--config", file.to_str().expect("utf-8")], &env);
    let json = run.json();
    for layer in layers() {
        assert_eq!(
            json.pointer(layer.json),
            Some(&layer.env.1),
            "{}",
            layer.var
        );
    }
    // Not overridable from the environment.
    assert_eq!(json["nats_server"]["port"], 4001);
    assert_eq!(json["max_body_bytes"], 2048);
}

#[test]
fn monitor_url_defaults_to_the_nats_host_with_the_http_port() {
    let sandbox = Sandbox::new();
    let (_, run) = sandbox.config_of(&service(
        "nats_server:\n  http_port: 8111\nnats_client:\n  url: nats://file-host:4222",
    ));
    assert_eq!(run.json()["monitor_url"], "http://file-host:8111");

    // The port from the environment, the host from the file.
    let file = sandbox.write(
        "monitor.yaml",
        &service("nats_server:\n  http_port: 8111\nnats_client:\n  url: nats://file-host:4222"),
    );
    let file_arg = file.to_str().expect("utf-8");
    let run = sandbox.run(
        &["config", "--config", file_arg],
        &[("NATS_HTTP_PORT", "8222")],
    );
    assert_eq!(run.json()["monitor_url"], "http://file-host:8222");

    // The host of the first URL in a list, from the environment; the port from a flag.
    let run = sandbox.run(
        &["config", "--config", file_arg, "--nats-http-port", "8333"],
        &[("NATS_URL", "nats://env-a:4222,nats://env-b:4222")],
    );
    let json = run.json();
    assert_eq!(json["monitor_url"], "http://env-a:8333");
    assert_eq!(json["nats_url"], "nats://env-a:4222,nats://env-b:4222");

    // A password in the URL is used but never printed.
    let run = sandbox.run(
        &["config"],
        &[("NATS_URL", "nats://app:s3cret@db-host:4222")],
    );
    let json = run.json();
    assert_eq!(json["nats_url"], "nats://app:***@db-host:4222");
    assert_eq!(json["monitor_url"], "http://db-host:8222");

    // IPv6 hosts are bracketed.
    let run = sandbox.run(&["config"], &[("NATS_URL", "nats://[::1]:4222")]);
    assert_eq!(run.json()["monitor_url"], "http://[::1]:8222");

    // An explicit monitor URL wins over the derived one.
    let run = sandbox.run(
        &["config", "--config", file_arg],
        &[("NATS_MONITOR_URL", "http://elsewhere:9999")],
    );
    assert_eq!(run.json()["monitor_url"], "http://elsewhere:9999");
}

#[test]
fn spec_environment_example_is_accepted() {
    let sandbox = Sandbox::new();
    let run = sandbox.run(
        &["config"],
        &[
            ("ENVIRONMENT", "production"),
            ("API_PORT", "8086"),
            ("LOG_LEVEL", "INFO"),
            ("NATS_URL", "nats://nats:4222"),
            ("NATS_CLUSTER_PORT", "6222"),
            ("NATS_HTTP_PORT", "8222"),
        ],
    );
    let json = run.json();
    assert_eq!(json["environment"], "production");
    assert_eq!(json["api_port"], 8086);
    assert_eq!(json["log_level"], "info");
    assert_eq!(json["nats_url"], "nats://nats:4222");
    assert_eq!(json["monitor_url"], "http://nats:8222");
    assert_eq!(json["nats_server"]["cluster_port"], 6222);
}

#[test]
fn spec_file_example_and_other_services_sections_load() {
    let sandbox = Sandbox::new();
    let (_, run) = sandbox.config_of(include_str!("fixtures/spec-config.yaml"));
    let json = run.json();
    assert_eq!(json["nats_url"], "nats://localhost:4222");
    assert_eq!(json["monitor_url"], "http://localhost:8222");
    assert_eq!(json["nats_timeout"], 10.0);
    let streams = json["streams"].as_array().expect("streams");
    assert_eq!(streams.len(), 1);
    assert_eq!(streams[0]["name"], "market_data");
    assert_eq!(streams[0]["subjects"], json!(["market.>"]));
    assert_eq!(streams[0]["retention"], "limits");
    assert_eq!(streams[0]["max_msgs"], 1_000_000);
}

#[test]
fn empty_files_and_files_without_the_section_mean_defaults() {
    let sandbox = Sandbox::new();
    let defaults = sandbox.run(&["config"], &[]).json();
    for text in [
        "",
        "# only a comment\n",
        "services:\n",
        "services:\n  message-broker:\n",
        "services:\n  someone-else:\n    port: 1\n",
    ] {
        let (file, run) = sandbox.config_of(text);
        let mut json = run.json();
        assert_eq!(
            json["config_file"],
            json!(file.display().to_string()),
            "{text:?}"
        );
        json["config_file"] = Value::Null;
        assert_eq!(json, defaults, "{text:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Where the file is found
// ---------------------------------------------------------------------------------------------

#[test]
fn the_file_in_xdg_config_home_is_picked_up() {
    let sandbox = Sandbox::new();
    let file = sandbox.write(
        "xdg/message-broker/message-broker.yaml",
        &service("port: 9111"),
    );
    let json = sandbox.run(&["config"], &[]).json();
    assert_eq!(json["config_file"], json!(file.display().to_string()));
    assert_eq!(json["api_port"], 9111);
    // The environment still wins over it.
    let json = sandbox.run(&["config"], &[("API_PORT", "9112")]).json();
    assert_eq!(json["api_port"], 9112);
}

#[test]
fn without_xdg_config_home_the_file_under_home_dot_config_is_picked_up() {
    let sandbox = Sandbox::new();
    let file = sandbox.write(
        "home/.config/message-broker/message-broker.yaml",
        &service("port: 9121"),
    );
    let mut command = sandbox.command();
    command.env_remove("XDG_CONFIG_HOME").arg("config");
    let json = sandbox.run_command(command).json();
    assert_eq!(json["config_file"], json!(file.display().to_string()));
    assert_eq!(json["api_port"], 9121);
}

#[test]
fn a_named_file_replaces_the_default_one() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "xdg/message-broker/message-broker.yaml",
        &service("port: 9131\nenvironment: default-file"),
    );
    let named = sandbox.write("named.yaml", &service("port: 9132"));
    let env_named = sandbox.write("env-named.yaml", &service("port: 9133"));
    let named_arg = named.to_str().expect("utf-8");
    let env_arg = env_named.to_str().expect("utf-8");

    // --config: only the named file is read (nothing from the default file leaks in).
    let json = sandbox.run(&["config", "--config", named_arg], &[]).json();
    assert_eq!(json["config_file"], json!(named_arg));
    assert_eq!(json["api_port"], 9132);
    assert_eq!(json["environment"], "development");

    // MESSAGE_BROKER_CONFIG does the same.
    let json = sandbox
        .run(&["config"], &[("MESSAGE_BROKER_CONFIG", env_arg)])
        .json();
    assert_eq!(json["config_file"], json!(env_arg));
    assert_eq!(json["api_port"], 9133);

    // The flag beats the variable.
    let json = sandbox
        .run(
            &["config", "-c", named_arg],
            &[("MESSAGE_BROKER_CONFIG", env_arg)],
        )
        .json();
    assert_eq!(json["config_file"], json!(named_arg));
    assert_eq!(json["api_port"], 9132);
}

#[test]
fn a_directory_named_like_the_default_file_is_not_read() {
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.path("xdg/message-broker/message-broker.yaml")).expect("dir");
    let json = sandbox.run(&["config"], &[]).json();
    assert_eq!(json["config_file"], Value::Null);
}

#[test]
fn the_supervised_server_and_its_cluster_come_from_flags_and_variables() {
    let sandbox = Sandbox::new();
    let run = sandbox.run(
        &["config", "--supervise", "--nats-port", "5111"],
        &[
            ("NATS_SERVER_HOST", "0.0.0.0"),
            ("NATS_DATA_DIR", "/var/lib/mb"),
            ("NATS_SERVER_NAME", "mb-1"),
            ("NATS_CLUSTER_NAME", "prod"),
            (
                "NATS_ROUTES",
                "nats-route://mb-2:6222, nats-route://mb-3:6222",
            ),
            ("NATS_CLUSTER_ADVERTISE", "mb-1:6222"),
        ],
    );
    let json = run.json();
    let server = &json["nats_server"];
    assert_eq!(server["port"], 5111);
    assert_eq!(server["host"], "0.0.0.0");
    assert_eq!(server["data_dir"], "/var/lib/mb");
    assert_eq!(server["server_name"], "mb-1");
    assert_eq!(
        server["cluster"],
        serde_json::json!({
            "name": "prod",
            "routes": ["nats-route://mb-2:6222", "nats-route://mb-3:6222"],
            "advertise": "mb-1:6222",
        })
    );
    // The client reaches the server listening everywhere on loopback.
    assert_eq!(json["nats_url"], "nats://127.0.0.1:5111");
    assert_eq!(json["monitor_url"], "http://127.0.0.1:8222");
}
