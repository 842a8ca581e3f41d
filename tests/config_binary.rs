//! The built binary's configuration handling: layering of defaults < YAML file < environment
//! variables < flags as `message-broker config` prints it, where the file is looked for, and how
//! a bad file stops start-up (exit code 2, a message naming file, key and expectation, no panic).
//!
//! Every run clears the configuration environment variables and points HOME and XDG_CONFIG_HOME
//! at a temporary directory, so the developer's own config is never read.

mod common;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_message-broker");

/// Every variable the binary reads its settings from.
const CONFIG_VARS: &[&str] = &[
    "MESSAGE_BROKER_CONFIG",
    "ENVIRONMENT",
    "API_PORT",
    "API_HOST",
    "LOG_LEVEL",
    "LOG_FILE",
    "NATS_URL",
    "NATS_CLUSTER_PORT",
    "NATS_HTTP_PORT",
    "NATS_MONITOR_URL",
    "NATS_TIMEOUT",
    "NATS_SERVER_BIN",
];

/// How long one `message-broker config` run may take before the test gives up on it.
const RUN_LIMIT: Duration = Duration::from_secs(30);

/// The result of one bounded run.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The printed settings of a successful `config` run.
    #[track_caller]
    fn json(&self) -> Value {
        assert_eq!(self.code, Some(0), "run failed: {self:?}");
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("config output is not JSON ({e}): {}", self.stdout))
    }

    /// A configuration failure: exit code 2, nothing on stdout, no panic; returns stderr.
    #[track_caller]
    fn config_error(&self) -> &str {
        assert_eq!(self.code, Some(2), "expected exit code 2: {self:?}");
        assert!(!self.stderr.contains("panicked"), "panic: {}", self.stderr);
        assert!(
            !self.stderr.contains("RUST_BACKTRACE"),
            "panic: {}",
            self.stderr
        );
        assert!(self.stdout.trim().is_empty(), "stdout: {}", self.stdout);
        assert!(!self.stderr.trim().is_empty(), "no message on stderr");
        &self.stderr
    }
}

/// A private HOME / XDG_CONFIG_HOME and a place for config files.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("home")).expect("home dir");
        std::fs::create_dir_all(dir.path().join("xdg")).expect("xdg dir");
        Sandbox { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn home(&self) -> PathBuf {
        self.path("home")
    }

    fn xdg(&self) -> PathBuf {
        self.path("xdg")
    }

    /// Writes `text` to `name` (relative to the sandbox), creating directories.
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create dir");
        }
        std::fs::write(&path, text).expect("write file");
        path
    }

    /// The binary with a clean environment: none of the config variables, HOME and
    /// XDG_CONFIG_HOME inside the sandbox.
    fn command(&self) -> Command {
        let mut command = Command::new(BIN);
        for var in CONFIG_VARS {
            command.env_remove(var);
        }
        command
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.xdg())
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        command
    }

    /// Runs `command` to completion (bounded), capturing its output through files.
    fn run_command(&self, mut command: Command) -> Run {
        let out_path = self.path(&format!("stdout-{}", unique()));
        let err_path = self.path(&format!("stderr-{}", unique()));
        command
            .stdout(File::create(&out_path).expect("stdout file"))
            .stderr(File::create(&err_path).expect("stderr file"));
        let mut child = command.spawn().expect("run message-broker");
        let deadline = Instant::now() + RUN_LIMIT;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("message-broker did not finish within {RUN_LIMIT:?}");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        Run {
            code: status.code(),
            stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
            stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
        }
    }

    /// `message-broker <args>` with extra environment variables.
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = self.command();
        command.args(args);
        for (key, value) in env {
            command.env(key, value);
        }
        self.run_command(command)
    }

    /// `message-broker config --config <file>` for a file holding `text`.
    fn config_of(&self, text: &str) -> (PathBuf, Run) {
        let file = self.write(&format!("conf-{}.yaml", unique()), text);
        let run = self.run(
            &["config", "--config", file.to_str().expect("utf-8 path")],
            &[],
        );
        (file, run)
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn example_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/message-broker.example.yaml")
}

fn service(body: &str) -> String {
    let mut text = String::from("services:\n  message-broker:\n");
    for line in body.lines() {
        text.push_str("    ");
        text.push_str(line);
        text.push('\n');
    }
    text
}

// ---------------------------------------------------------------------------------------------
// Bad files
// ---------------------------------------------------------------------------------------------

/// One bad file: the key path the message must name and what it must say was expected.
struct BadCase {
    what: &'static str,
    text: String,
    key: &'static str,
    expected: &'static [&'static str],
}

fn bad(
    what: &'static str,
    text: impl Into<String>,
    key: &'static str,
    expected: &'static [&'static str],
) -> BadCase {
    BadCase {
        what,
        text: text.into(),
        key,
        expected,
    }
}

#[test]
fn each_kind_of_bad_file_stops_start_up_with_file_key_and_expectation() {
    let sandbox = Sandbox::new();
    let cases = vec![
        bad(
            "syntax error (tab indentation)",
            "services:\n\tmessage-broker:\n",
            "services",
            &["cannot start any token", "line 2"],
        ),
        bad(
            "syntax error (unclosed flow sequence)",
            service("streams:\n  s:\n    subjects: [\"a.>\"\n"),
            "services.message-broker.streams.s.subjects",
            &["line"],
        ),
        bad(
            "unknown service key",
            service("prot: 8086"),
            "services.message-broker.prot",
            &["unknown field `prot`", "expected one of", "`port`"],
        ),
        bad(
            "unknown nested key",
            service("nats_client:\n  uri: nats://x:4222"),
            "services.message-broker.nats_client.uri",
            &["unknown field `uri`", "`url`"],
        ),
        bad(
            "unknown top-level key",
            "servces:\n  message-broker: {}\n",
            "servces",
            &["unknown field `servces`", "expected `services`"],
        ),
        bad(
            "top level is not a map",
            "just a string\n",
            "(top level)",
            &["invalid type: string \"just a string\""],
        ),
        bad(
            "services is not a map",
            "services: [a, b]\n",
            "services",
            &["expected a map of service names"],
        ),
        bad(
            "port of the wrong type",
            service("port: eighty"),
            "services.message-broker.port",
            &["invalid type", "\"eighty\"", "expected u16", "line 3"],
        ),
        bad(
            "port out of range",
            service("port: 70000"),
            "services.message-broker.port",
            &["70000", "expected u16"],
        ),
        bad(
            "timeout of the wrong type",
            service("nats_client:\n  timeout: soon"),
            "services.message-broker.nats_client.timeout",
            &["\"soon\"", "expected f64", "line 4"],
        ),
        bad(
            "timeout of zero",
            service("nats_client:\n  timeout: 0"),
            "services.message-broker.nats_client.timeout",
            &["expected seconds greater than 0 and at most 3600, got 0"],
        ),
        bad(
            "host as a list",
            service("host: [a, b]"),
            "services.message-broker.host",
            &["invalid type: sequence", "expected a string"],
        ),
        bad(
            "cluster port negative",
            service("nats_server:\n  cluster_port: -1"),
            "services.message-broker.nats_server.cluster_port",
            &["-1", "expected u16"],
        ),
        bad(
            "NATS URL with the wrong scheme",
            service("nats_client:\n  url: \"http://nats:4222\""),
            "services.message-broker.nats_client.url",
            &["expected nats://, tls://, ws:// or wss://"],
        ),
        bad(
            "monitor URL with the wrong scheme",
            service("nats_client:\n  monitor_url: \"ftp://nats:8222\""),
            "services.message-broker.nats_client.monitor_url",
            &["must start with http:// or https://"],
        ),
        bad(
            "log level that is not one",
            service("log_level: \"loud=[\""),
            "services.message-broker.log_level",
            &["is not a log level (trace, debug, info, warn, error)"],
        ),
        bad(
            "body limit too small",
            service("api:\n  max_body_bytes: 10"),
            "services.message-broker.api.max_body_bytes",
            &["expected at least 1024 bytes, got 10"],
        ),
        bad(
            "stream with an unknown key",
            service("streams:\n  s:\n    colour: red"),
            "services.message-broker.streams.s.colour",
            &["unknown field `colour`", "`subjects`"],
        ),
        bad(
            "stream that is not a map",
            service("streams:\n  s: [1]"),
            "services.message-broker.streams.s",
            &["invalid type: sequence"],
        ),
        bad(
            "stream limit of the wrong type",
            service("streams:\n  s:\n    max_msgs: lots"),
            "services.message-broker.streams.s.max_msgs",
            &["\"lots\"", "expected i64"],
        ),
        bad(
            "stream limit negative",
            service("streams:\n  s:\n    max_msgs: -3"),
            "services.message-broker.streams.s.max_msgs",
            &["must be zero or positive", "-3"],
        ),
        bad(
            "stream retention unknown",
            service("streams:\n  s:\n    retention: forever"),
            "services.message-broker.streams.s.retention",
            &[
                "unknown variant `forever`",
                "`limits`",
                "`interest`",
                "`workqueue`",
            ],
        ),
        bad(
            "stream storage unknown",
            service("streams:\n  s:\n    storage: tape"),
            "services.message-broker.streams.s.storage",
            &["unknown variant `tape`", "`file`", "`memory`"],
        ),
        bad(
            "stream name with a dot",
            service("streams:\n  bad.name: {}"),
            "services.message-broker.streams.bad.name",
            &["names may not contain"],
        ),
        bad(
            "stream name differing from its key",
            service("streams:\n  s:\n    name: other"),
            "services.message-broker.streams.s.name",
            &["'other' differs from the key 's'"],
        ),
        bad(
            "stream subject malformed",
            service("streams:\n  s:\n    subjects: [\"a..b\"]"),
            "services.message-broker.streams.s.subjects[0]",
            &["empty token"],
        ),
        bad(
            "stream subjects empty",
            service("streams:\n  s:\n    subjects: []"),
            "services.message-broker.streams.s.subjects",
            &["at least one subject"],
        ),
        bad(
            "stream replicas out of range",
            service("streams:\n  s:\n    replicas: 7"),
            "services.message-broker.streams.s.replicas",
            &["between 1 and 5, got 7"],
        ),
        bad(
            "stream duplicate window longer than max age",
            service("streams:\n  s:\n    max_age: 10\n    duplicate_window: 60"),
            "services.message-broker.streams.s.duplicate_window",
            &["must not exceed max_age"],
        ),
        bad(
            "streams overlapping each other",
            service("streams:\n  a: {subjects: [\"x.>\"]}\n  b: {subjects: [\"x.y\"]}"),
            "services.message-broker.streams",
            &["overlaps"],
        ),
    ];
    let mut failures = Vec::new();
    for case in &cases {
        let (file, run) = sandbox.config_of(&case.text);
        let file = file.display().to_string();
        let outcome = std::panic::catch_unwind(|| {
            let stderr = run.config_error();
            assert!(
                stderr.contains(&format!("{file}: {}: ", case.key)),
                "message must name the file and the key path {:?}: {stderr}",
                case.key
            );
            for expected in case.expected {
                assert!(
                    stderr.contains(expected),
                    "message must say {expected:?}: {stderr}"
                );
            }
            assert!(
                !stderr.contains(&format!("{}: {}: ", case.key, case.key)),
                "key path repeated: {stderr}"
            );
        });
        if let Err(panic) = outcome {
            let detail = panic
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "?".into());
            failures.push(format!("{}: {detail}", case.what));
        }
    }
    assert!(
        failures.is_empty(),
        "{} bad-file cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_missing_named_file_stops_start_up() {
    let sandbox = Sandbox::new();
    let missing = sandbox.path("nowhere/message-broker.yaml");
    let missing_str = missing.to_str().expect("utf-8");
    for run in [
        sandbox.run(&["config", "--config", missing_str], &[]),
        sandbox.run(&["config"], &[("MESSAGE_BROKER_CONFIG", missing_str)]),
        // The file is read before anything else happens, for the service too.
        sandbox.run(&["--serve", "--config", missing_str, "--port", "1"], &[]),
    ] {
        let stderr = run.config_error();
        assert!(stderr.contains(missing_str), "names the file: {stderr}");
        assert!(stderr.contains("cannot read"), "{stderr}");
        assert!(stderr.contains("No such file or directory"), "{stderr}");
    }
}

#[test]
fn unreadable_files_stop_start_up() {
    let sandbox = Sandbox::new();
    // A directory where the file should be.
    let dir = sandbox.path("home");
    let run = sandbox.run(&["config", "--config", dir.to_str().expect("utf-8")], &[]);
    let stderr = run.config_error();
    assert!(stderr.contains(&format!("{}: ", dir.display())), "{stderr}");
    assert!(stderr.contains("cannot read"), "{stderr}");

    // Not UTF-8.
    let binary = sandbox.path("binary.yaml");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x41]).expect("write");
    let run = sandbox.run(
        &["config", "--config", binary.to_str().expect("utf-8")],
        &[],
    );
    let stderr = run.config_error();
    assert!(
        stderr.contains(&format!("{}: ", binary.display())),
        "{stderr}"
    );
    assert!(stderr.contains("UTF-8"), "{stderr}");
}

#[test]
fn a_bad_file_in_the_default_location_stops_start_up_too() {
    let sandbox = Sandbox::new();
    let file = sandbox.write(
        "xdg/message-broker/message-broker.yaml",
        &service("port: nope"),
    );
    for args in [&["config"][..], &["--serve", "--port", "1"][..]] {
        let run = sandbox.run(args, &[]);
        let stderr = run.config_error();
        assert!(
            stderr.contains(&format!(
                "{}: services.message-broker.port: ",
                file.display()
            )),
            "{stderr}"
        );
        assert!(stderr.contains("expected u16"), "{stderr}");
    }
}

/// Arguments, environment, and what the message must contain.
type BadInput<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a [&'a str]);

#[test]
fn bad_environment_values_and_flags_are_reported_without_a_panic() {
    let sandbox = Sandbox::new();
    let cases: &[BadInput] = &[
        (
            &["config"],
            &[("NATS_TIMEOUT", "0")],
            &["NATS_TIMEOUT", "greater than 0"],
        ),
        (
            &["config"],
            &[("NATS_TIMEOUT", "soon")],
            &["soon", "--nats-timeout"],
        ),
        (&["config"], &[("API_PORT", "abc")], &["abc", "--port"]),
        (&["config"], &[("API_PORT", "70000")], &["70000", "--port"]),
        (
            &["config"],
            &[("NATS_HTTP_PORT", "x")],
            &["--nats-http-port"],
        ),
        (
            &["config"],
            &[("LOG_LEVEL", "loud=[")],
            &["LOG_LEVEL", "not a log level"],
        ),
        (
            &["config"],
            &[("NATS_URL", "http://nats:4222")],
            &["NATS_URL", "expected nats://"],
        ),
        (
            &["config"],
            &[("NATS_MONITOR_URL", "nats://x:8222")],
            &["NATS_MONITOR_URL", "http://"],
        ),
        (
            &["config", "--nats-timeout=-1"],
            &[],
            &["--nats-timeout", "at most 3600, got -1"],
        ),
        (&["config", "--no-such-flag"], &[], &["--no-such-flag"]),
    ];
    for (args, env, expected) in cases {
        let run = sandbox.run(args, env);
        let stderr = run.config_error();
        for want in *expected {
            assert!(
                stderr.contains(want),
                "{args:?} {env:?}: expected {want:?} in: {stderr}"
            );
        }
    }
}

#[test]
fn without_serve_or_a_subcommand_it_explains_and_exits_2() {
    let sandbox = Sandbox::new();
    let run = sandbox.run(&[], &[]);
    let stderr = run.config_error();
    assert!(stderr.contains("--serve"), "{stderr}");
    assert!(stderr.contains("message-broker config"), "{stderr}");
}

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
            },
            "max_body_bytes": 4194304,
            "streams": [],
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
    let (_, run) = sandbox.config_of(
        r#"
services:
  other-service:
    anything: [goes, here]
  message-broker:
    port: 8086
    host: "0.0.0.0"
    nats_server:
      port: 4222
      cluster_port: 6222
      http_port: 8222
    nats_client:
      url: "nats://localhost:4222"
      timeout: 10
    streams:
      market_data:
        subjects: ["market.>"]
        retention: "limits"
        max_msgs: 1000000
"#,
    );
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

// ---------------------------------------------------------------------------------------------
// The example config
// ---------------------------------------------------------------------------------------------

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
    for var in CONFIG_VARS {
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
