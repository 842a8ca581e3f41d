//! The built binary's configuration errors: how a bad file stops start-up (exit code 2, a message
//! naming file, key and expectation, no panic), as do missing or unreadable files, a bad file in
//! the default location, and bad environment values and flags.
//!
//! Every run clears the configuration environment variables and points HOME and XDG_CONFIG_HOME
//! at a temporary directory, so the developer's own config is never read.

mod common;

use common::config_run::{Sandbox, service};

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
            "a cluster across hosts without its name",
            service("nats_server:\n  cluster:\n    routes: [\"nats-route://mb-2:6222\"]"),
            "services.message-broker.nats_server.cluster.routes",
            &["needs its name", "nats_server.cluster.name"],
        ),
        bad(
            "a route that is not a URL",
            service("nats_server:\n  cluster:\n    name: c\n    routes: [\"mb-2\"]"),
            "services.message-broker.nats_server.cluster.routes",
            &["'mb-2'", "nats-route://"],
        ),
        bad(
            "an unknown cluster key",
            service("nats_server:\n  cluster:\n    nmae: c"),
            "services.message-broker.nats_server.cluster.nmae",
            &["unknown field `nmae`", "`name`"],
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
            "batch limit of zero",
            service("api:\n  max_batch: 0"),
            "services.message-broker.api.max_batch",
            &["expected 1 to 100000 messages, got 0"],
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
            &["contains '.'"],
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
            &["soon", "--nats-timeout", "NATS_TIMEOUT"],
        ),
        (
            &["config"],
            &[("API_PORT", "abc")],
            &["abc", "--port", "environment variable API_PORT"],
        ),
        (
            &["config"],
            &[("API_PORT", "70000")],
            &["70000", "--port", "API_PORT"],
        ),
        (
            &["config"],
            &[("NATS_HTTP_PORT", "x")],
            &["--nats-http-port", "NATS_HTTP_PORT"],
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
        (
            &["config", "--supervise"],
            &[("NATS_URL", "nats://elsewhere:4222")],
            &["--nats-url / NATS_URL", "--supervise", "--nats-port"],
        ),
        (
            &["config", "--supervise"],
            &[("NATS_PORT", "x")],
            &["--nats-port", "NATS_PORT"],
        ),
        (
            &["config", "--supervise"],
            &[("NATS_ROUTES", "nats-route://mb-2:6222")],
            &[
                "--nats-routes / NATS_ROUTES",
                "--nats-cluster-name / NATS_CLUSTER_NAME",
            ],
        ),
        (
            &["config", "--supervise"],
            &[("NATS_CLUSTER_NAME", "c"), ("NATS_ROUTES", "mb-2:6222")],
            &["--nats-routes / NATS_ROUTES", "mb-2:6222", "nats-route://"],
        ),
        (
            &["config", "--supervise"],
            &[
                ("NATS_CLUSTER_NAME", "c"),
                ("NATS_ROUTES", "nats-route://mb-2"),
            ],
            &["--nats-routes / NATS_ROUTES", "route port"],
        ),
        (
            &["config", "--supervise"],
            &[
                ("NATS_CLUSTER_NAME", "c"),
                ("NATS_CLUSTER_ADVERTISE", "mb-1"),
            ],
            &[
                "--nats-cluster-advertise / NATS_CLUSTER_ADVERTISE",
                "host:port",
            ],
        ),
        (
            &["config", "--cluster", "3"],
            &[("NATS_CLUSTER_NAME", "c")],
            &["--cluster", "one node on each host"],
        ),
        (
            &["config"],
            &[("NATS_INBOX_PREFIX", "_INBOX.>")],
            &[
                "--inbox-prefix / NATS_INBOX_PREFIX",
                "not an inbox prefix",
                "wildcard",
            ],
        ),
        (
            &["config"],
            &[("NATS_JS_DOMAIN", "hub.east")],
            &["--js-domain / NATS_JS_DOMAIN", "one subject token"],
        ),
        (
            &["config", "--cluster", "3", "--nats-port", "65534"],
            &[],
            &["--nats-port / NATS_PORT", "no room for 3 consecutive ports"],
        ),
        (
            &["config", "--supervise"],
            &[("NATS_SERVER_NAME", "two words")],
            &["--nats-server-name / NATS_SERVER_NAME", "without spaces"],
        ),
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
