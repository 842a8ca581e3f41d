//! Secure connection settings through the binary: secrets never printed by `message-broker
//! config` or `--help`, `nats` CLI contexts and their place in the layers, a context driving a
//! `--serve` instance against a real TLS server with a password, and bad credential files,
//! contexts and combinations stopping start-up with exit 2 and a message naming the file and key.

mod common;

use std::process::Command;
use std::time::Duration;

use common::auth::{ConfServer, Operator, Pki, user_nkey_file};
use common::config_run::{Run, Sandbox, service};
use common::serve_http::{get, http, post, wait_health};
use common::service::Service;
use common::wait_for;
use serde_json::{Value, json};

/// The sandboxed binary (every configuration variable, credentials included, cleared).
fn command(sandbox: &Sandbox) -> Command {
    sandbox.command()
}

fn run(sandbox: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = command(sandbox);
    command.args(args).envs(env.iter().copied());
    sandbox.run_command(command)
}

/// A context file as `nats context save` writes it: every field present, unset ones empty.
fn context_json(fields: Value) -> String {
    let mut context = json!({
        "description": "written by a test", "url": "", "token": "", "user": "", "password": "",
        "creds": "", "nkey": "", "cert": "", "key": "", "ca": "", "nsc": "",
        "jetstream_domain": "", "jetstream_api_prefix": "", "jetstream_event_prefix": "",
        "inbox_prefix": "", "user_jwt": "", "tls_first": false, "color_scheme": "",
    });
    if let (Some(context), Some(fields)) = (context.as_object_mut(), fields.as_object()) {
        for (key, value) in fields {
            context.insert(key.clone(), value.clone());
        }
    }
    serde_json::to_string_pretty(&context).expect("context JSON")
}

#[test]
fn config_shows_secrets_as_stars_and_files_as_paths() {
    let sandbox = Sandbox::new();
    let operator = Operator::new();
    let creds = operator.user_creds(&sandbox.path(""), "app");
    let creds_text = std::fs::read_to_string(&creds).expect("creds");
    let seed = creds_text
        .lines()
        .find(|l| l.starts_with("SU"))
        .expect("seed line")
        .to_owned();
    let shown = run(
        &sandbox,
        &["config"],
        &[
            ("NATS_USER", "app"),
            ("NATS_PASSWORD", "pw-never-shown"),
            ("NATS_SYSTEM_URL", "nats://127.0.0.1:4333"),
            ("NATS_SYSTEM_CREDS", creds.to_str().expect("utf-8")),
        ],
    );
    let json = shown.json();
    let text = json.to_string();
    assert!(!text.contains("pw-never-shown"), "{text}");
    assert!(!text.contains(&seed), "{text}");
    assert_eq!(
        json["nats_security"]["credential"],
        json!({"kind": "user_password", "user": "app", "password": "***"})
    );
    assert_eq!(
        json["system"]["security"]["credential"],
        json!({"kind": "creds", "file": creds.to_str().expect("utf-8")})
    );

    // A token from the file, and one written into the system URL.
    let (_, run_token) = sandbox.config_of(&service("nats_client:\n  token: tok-never-shown"));
    let text = run_token.json().to_string();
    assert!(!text.contains("tok-never-shown"), "{text}");
    assert_eq!(
        run_token.json()["nats_security"]["credential"]["token"],
        "***"
    );
    let shown = run(
        &sandbox,
        &["config"],
        &[(
            "NATS_SYSTEM_URL",
            "nats://sys:sys-pw-never-shown@127.0.0.1:4222",
        )],
    )
    .json();
    assert_eq!(shown["system"]["url"], "nats://sys:***@127.0.0.1:4222");

    // --help names the variables without their values.
    let help = run(
        &sandbox,
        &["--help"],
        &[
            ("NATS_PASSWORD", "pw-never-shown"),
            ("NATS_TOKEN", "tok-never-shown"),
            ("NATS_SYSTEM_URL", "nats://sys:sys-pw-never-shown@h:4222"),
        ],
    );
    let out = format!("{help:?}");
    assert!(
        out.contains("NATS_PASSWORD") && out.contains("NATS_TOKEN"),
        "{out}"
    );
    assert!(!out.contains("never-shown"), "{out}");
}

#[test]
fn a_context_sits_above_the_file_and_below_the_environment() {
    let sandbox = Sandbox::new();
    let (seed, _) = user_nkey_file(&sandbox.path(""), "ops.nk");
    sandbox.write(
        "xdg/nats/context/ops.json",
        &context_json(json!({"url": "nats://context-host:4222", "nkey": seed})),
    );
    let file = service("nats_client:\n  url: nats://file-host:4222\n  context: ops");
    let (path, run_file) = sandbox.config_of(&file);
    let json = run_file.json();
    assert_eq!(json["nats_url"], "nats://context-host:4222");
    assert_eq!(json["monitor_url"], "http://context-host:8222");
    assert_eq!(
        json["nats_security"]["context"],
        sandbox
            .path("xdg/nats/context/ops.json")
            .to_str()
            .expect("utf-8")
    );
    assert_eq!(json["nats_security"]["credential"]["kind"], "nkey");

    // The environment is above the context, key by key.
    let path = path.to_str().expect("utf-8");
    let json = run(
        &sandbox,
        &["config", "--config", path],
        &[("NATS_URL", "nats://env-host:4222")],
    )
    .json();
    assert_eq!(json["nats_url"], "nats://env-host:4222");
    assert_eq!(json["nats_security"]["credential"]["kind"], "nkey");

    // A user without a password is a token, as in the nats CLI.
    sandbox.write(
        "xdg/nats/context/tok.json",
        &context_json(json!({"user": "s3cr3t-token"})),
    );
    let json = run(&sandbox, &["config", "--context", "tok"], &[]).json();
    assert_eq!(
        json["nats_security"]["credential"],
        json!({"kind": "token", "token": "***"})
    );
}

#[test]
fn inbox_prefix_domain_and_tls_first_layer_like_every_other_key() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "xdg/nats/context/leaf.json",
        &context_json(json!({
            "inbox_prefix": "_INBOX_ctx", "jetstream_domain": "hub", "tls_first": true
        })),
    );
    let file = service(
        "nats_client:\n  context: leaf\n  inbox_prefix: _INBOX_file\n  jetstream_domain: file",
    );
    let (path, run_file) = sandbox.config_of(&file);
    let security = &run_file.json()["nats_security"];
    assert_eq!(security["inbox_prefix"], "_INBOX_ctx");
    assert_eq!(security["jetstream_domain"], "hub");
    assert_eq!(security["tls_first"], true);

    let path = path.to_str().expect("utf-8");
    let json = run(
        &sandbox,
        &["config", "--config", path, "--js-domain", "flag"],
        &[("NATS_INBOX_PREFIX", "_INBOX_env")],
    )
    .json();
    assert_eq!(json["nats_security"]["inbox_prefix"], "_INBOX_env");
    assert_eq!(json["nats_security"]["jetstream_domain"], "flag");

    // A bad value in the context names the context file and its field.
    sandbox.write(
        "xdg/nats/context/bad.json",
        &context_json(json!({"jetstream_domain": "a.b"})),
    );
    let bad = run(&sandbox, &["config", "--context", "bad"], &[]);
    let stderr = bad.config_error();
    assert!(stderr.contains("bad.json"), "{stderr}");
    assert!(stderr.contains("jetstream_domain"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_context_file_drives_a_serve_instance_over_tls_with_a_password() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::generate(dir.path());
    let server = ConfServer::start(&format!(
        "{}authorization {{ users = [ {{ user: ops, password: \"ops-pw-9\" }} ] }}\n",
        pki.server_block(false)
    ));
    let context = dir.path().join("prod.json");
    std::fs::write(
        &context,
        context_json(json!({
            "url": server.url("tls"),
            "user": "ops",
            "password": "ops-pw-9",
            "ca": pki.ca,
        })),
    )
    .unwrap();
    let context = context.to_str().expect("utf-8").to_owned();
    let monitor = server.monitor_url();
    let service = Service::start(
        &[
            ("NATS_CONTEXT", context.as_str()),
            ("NATS_MONITOR_URL", monitor.as_str()),
        ],
        &[],
    );
    let client = http();
    wait_health(&client, &service, "healthy", Duration::from_secs(20)).await;

    let (status, json) = post(
        &client,
        &service.url("/api/v1/broker/streams"),
        json!({"name": "CTX", "subjects": ["ctx.>"]}),
    )
    .await;
    assert_eq!(status, 200, "{json}");
    let (status, json) = post(
        &client,
        &service.url("/api/v1/broker/publish"),
        json!({"subject": "ctx.one", "message": "through a context"}),
    )
    .await;
    assert_eq!(status, 200, "{json}");

    // The server's own monitoring port sees the message, without any NATS client.
    let jsz_url = format!("{monitor}/jsz?accounts=true&streams=true");
    wait_for("the message on /jsz", Duration::from_secs(10), async || {
        let jsz: Value = client
            .get(&jsz_url)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        if jsz.to_string().contains("\"CTX\"") && jsz["messages"] == 1 {
            Ok(())
        } else {
            Err(jsz.to_string())
        }
    })
    .await;

    let (status, json) = get(&client, &service.url("/api/v1/broker/status")).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["data"]["client"]["url"], server.url("tls"));
    assert!(!json.to_string().contains("ops-pw-9"), "{json}");
    assert!(!service.stdout().contains("ops-pw-9"));
    assert!(!service.stderr().contains("ops-pw-9"));
}

/// One bad setting: the arguments, the environment, and what the message must say.
type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, Vec<&'a str>);

#[test]
fn bad_credentials_stop_start_up_naming_the_file_and_key() {
    let sandbox = Sandbox::new();
    let garbage = sandbox.write("garbage.txt", "not a key\n");
    let garbage = garbage.to_str().expect("utf-8");
    let missing = sandbox.path("missing.creds");
    let missing = missing.to_str().expect("utf-8");
    let account_seed = sandbox.write(
        "account.nk",
        &nkeys::KeyPair::new_account().seed().expect("seed"),
    );
    let nkey_conf = sandbox.write(
        "nkey.yaml",
        &service(&format!("nats_client:\n  nkey: {garbage}")),
    );
    let user_conf = sandbox.write(
        "user.yaml",
        &service("nats_client:\n  user: app\n  password: pw"),
    );
    let pem = Pki::generate(&sandbox.path(""));
    let cert = pem.client_cert.to_str().expect("utf-8");
    let cases: Vec<Case> = vec![
        (
            vec!["--creds", missing],
            vec![],
            vec!["--creds / NATS_CREDS", missing, "cannot read"],
        ),
        (
            vec![],
            vec![("NATS_CREDS", garbage)],
            vec![
                "--creds / NATS_CREDS",
                garbage,
                "not a usable credentials file",
            ],
        ),
        (
            vec!["--config", nkey_conf.to_str().expect("utf-8")],
            vec![],
            vec![
                "services.message-broker.nats_client.nkey",
                garbage,
                "NKey seed",
            ],
        ),
        (
            vec!["--nkey", account_seed.to_str().expect("utf-8")],
            vec![],
            vec!["--nkey / NATS_NKEY", "user seed"],
        ),
        (
            vec!["--tls-ca", garbage],
            vec![],
            vec!["--tls-ca / NATS_CA", garbage, "no PEM certificate"],
        ),
        (
            vec!["--tls-cert", cert],
            vec![],
            vec!["--tls-cert / NATS_CERT", "needs its key"],
        ),
        (
            vec!["--context", "nowhere"],
            vec![],
            vec!["--context / NATS_CONTEXT", "nats/context/nowhere.json"],
        ),
        (
            vec!["--config", user_conf.to_str().expect("utf-8")],
            vec![("NATS_TOKEN", "t")],
            vec![
                "--token / NATS_TOKEN",
                "services.message-broker.nats_client.user",
                "one credential",
            ],
        ),
        (
            vec!["--password", "pw"],
            vec![],
            vec!["--password / NATS_PASSWORD", "needs a user"],
        ),
        (
            vec!["--nats-url", "nats://app:pw@h:4222", "--token", "t"],
            vec![],
            vec![
                "--nats-url / NATS_URL",
                "nats://app:***@h:4222",
                "one credential",
            ],
        ),
        (
            vec!["--system-context", "sys"],
            vec![],
            vec![
                "--system-context / NATS_SYSTEM_CONTEXT",
                "nats/context/sys.json",
            ],
        ),
    ];
    for (args, env, expected) in cases {
        let mut all = vec!["config"];
        all.extend(&args);
        let run = run(&sandbox, &all, &env);
        let stderr = run.config_error();
        for part in expected {
            assert!(
                stderr.contains(part),
                "{args:?} {env:?}: '{part}' missing from: {stderr}"
            );
        }
        assert!(!stderr.contains("pw@"), "{stderr}");
    }

    // A malformed context names its file and the field.
    sandbox.write("xdg/nats/context/bad.json", r#"{"url": 4222}"#);
    let run = run(&sandbox, &["config", "--context", "bad"], &[]);
    let stderr = run.config_error();
    assert!(stderr.contains("nats/context/bad.json: url:"), "{stderr}");
}
