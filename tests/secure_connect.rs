//! Connecting the way production NATS requires, against real nats-servers configured for each
//! way: mutual TLS with certificates generated here, user and password, token, NKey, and
//! operator mode with JWT `.creds`. For each, settings resolved as the binary resolves them
//! connect, a stream is created and a message published through the API, and the server's own
//! monitoring port confirms both; a wrong credential is refused with a clear error and the API
//! answers 503 NATS_CONNECTION_ERROR instead of hanging.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use axum::Router;
use common::auth::{ConfServer, Operator, Pki, user_nkey_file};
use common::{NATS_CONNECTION_ERROR, call, expect_error, wait_for, wait_until};
use message_broker::api::Shared;
use message_broker::cli::{SecurityArgs, SettingsArgs};
use message_broker::config::Settings;
use message_broker::monitor::Monitor;
use message_broker::nats::Nats;
use message_broker::serve::nats_options;
use serde_json::{Value, json};

/// Settings as the binary would resolve them from these flags and this config file text.
fn settings(url: &str, security: SecurityArgs, yaml: &str) -> Settings {
    let args = SettingsArgs {
        nats_url: Some(url.to_owned()),
        nats_timeout: Some(2.0),
        security,
        ..SettingsArgs::default()
    };
    Settings::from_yaml(&args, Path::new("secure.yaml"), yaml).expect("settings")
}

/// The service's router on a client connecting with `settings` (not yet connected).
async fn app(settings: Settings) -> (Nats, Router) {
    let nats = Nats::connect(&nats_options(&settings))
        .await
        .expect("connect");
    let router = common::local_router(Shared::new(settings, nats.clone()));
    (nats, router)
}

async fn connected(settings: Settings, server: &ConfServer) -> Router {
    let (nats, router) = app(settings).await;
    wait_for("NATS connected", Duration::from_secs(10), async || {
        if nats.is_connected() {
            Ok(())
        } else {
            Err(format!(
                "{:?}; server log:\n{}",
                nats.connection().last_error,
                server.log()
            ))
        }
    })
    .await;
    router
}

/// `/jsz` of the server's plain-HTTP monitoring port: the stream's message count, read without
/// any NATS client.
async fn stored_messages(server: &ConfServer, stream: &str) -> Option<u64> {
    let url = format!("{}/jsz?accounts=true&streams=true", server.monitor_url());
    let jsz: Value = reqwest::get(&url).await.ok()?.json().await.ok()?;
    jsz["account_details"]
        .as_array()?
        .iter()
        .filter_map(|account| account["stream_detail"].as_array())
        .flatten()
        .find(|s| s["name"] == stream)
        .and_then(|s| s["state"]["messages"].as_u64())
}

/// Creates a stream and publishes one message through the API, then checks both on the server.
async fn create_and_publish(router: &Router, server: &ConfServer, stream: &str) {
    let subject = format!("{}.ping", stream.to_lowercase());
    let (status, json) = call(
        router,
        "POST",
        "/api/v1/broker/streams",
        Some(json!({ "name": stream, "subjects": [format!("{}.>", stream.to_lowercase())] })),
    )
    .await;
    assert_eq!(status, 200, "{json}");
    let (status, json) = call(
        router,
        "POST",
        "/api/v1/broker/publish",
        Some(json!({ "subject": subject, "message": {"hello": "secure"} })),
    )
    .await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["data"]["stream"], stream);
    let what = format!("one message in {stream} on the server's /jsz");
    wait_for(
        &what,
        Duration::from_secs(10),
        async || match stored_messages(server, stream).await {
            Some(1) => Ok(()),
            seen => Err(format!("{seen:?}")),
        },
    )
    .await;
}

/// A client with a wrong credential never connects: its last error says why, and the API fails
/// fast with NATS_CONNECTION_ERROR.
async fn refused(settings: Settings, expected_error: &str) {
    let (nats, router) = app(settings).await;
    let what = format!("refused attempts with the error '{expected_error}'");
    wait_for(&what, Duration::from_secs(10), async || {
        let status = nats.connection();
        assert!(!nats.is_connected(), "a wrong credential was accepted");
        let said = status.last_error.as_deref().unwrap_or_default();
        if status.failed_attempts >= 2 && said.contains(expected_error) {
            Ok(())
        } else {
            Err(format!("{status:?}"))
        }
    })
    .await;
    let started = Instant::now();
    expect_error(
        &router,
        "POST",
        "/api/v1/broker/publish",
        Some(json!({ "subject": "x.y", "message": "hi" })),
        NATS_CONNECTION_ERROR,
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(1), "the API waited");
}

#[tokio::test]
async fn mutual_tls_with_generated_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::generate(dir.path());
    let server = ConfServer::start(&pki.server_block(true));
    let url = server.url("tls");
    let with_cert = SecurityArgs {
        tls_ca: Some(pki.ca.clone()),
        tls_cert: Some(pki.client_cert.clone()),
        tls_key: Some(pki.client_key.clone()),
        ..SecurityArgs::default()
    };
    let router = connected(settings(&url, with_cert, ""), &server).await;
    create_and_publish(&router, &server, "TLS").await;

    // The same files from the config file, over a nats:// URL: TLS is still required and used.
    let yaml = format!(
        "services:\n  message-broker:\n    nats_client:\n      tls:\n        ca: {}\n        cert: {}\n        key: {}\n",
        pki.ca.display(),
        pki.client_cert.display(),
        pki.client_key.display()
    );
    let router = connected(
        settings(&server.url("nats"), SecurityArgs::default(), &yaml),
        &server,
    )
    .await;
    let (status, json) = call(&router, "GET", "/api/v1/broker/streams/TLS", None).await;
    assert_eq!(status, 200, "{json}");

    // Without a client certificate the server refuses the handshake.
    let ca_only = SecurityArgs {
        tls_ca: Some(pki.ca.clone()),
        ..SecurityArgs::default()
    };
    refused(settings(&url, ca_only, ""), "").await;
    // Without the CA the server's certificate is not trusted.
    let cert_only = SecurityArgs {
        tls_cert: Some(pki.client_cert.clone()),
        tls_key: Some(pki.client_key.clone()),
        ..SecurityArgs::default()
    };
    refused(settings(&url, cert_only, ""), "").await;
}

#[tokio::test]
async fn user_and_password_layered_from_file_and_flag() {
    let server =
        ConfServer::start("authorization { users = [ { user: app, password: \"s3cret-pw\" } ] }\n");
    let url = server.url("nats");
    // The user in the file, its password from the flag (or NATS_PASSWORD).
    let yaml = "services:\n  message-broker:\n    nats_client:\n      user: app\n";
    let password = |p: &str| SecurityArgs {
        password: Some(p.to_owned()),
        ..SecurityArgs::default()
    };
    let router = connected(settings(&url, password("s3cret-pw"), yaml), &server).await;
    create_and_publish(&router, &server, "USERPASS").await;

    let (_, json) = call(&router, "GET", "/api/v1/broker/status", None).await;
    assert!(!json.to_string().contains("s3cret-pw"), "{json}");

    refused(
        settings(&url, password("wrong"), yaml),
        "authorization violation",
    )
    .await;
}

#[tokio::test]
async fn token() {
    let server = ConfServer::start("authorization { token: \"t0ken-value\" }\n");
    let url = server.url("nats");
    let token = |t: &str| SecurityArgs {
        token: Some(t.to_owned()),
        ..SecurityArgs::default()
    };
    let router = connected(settings(&url, token("t0ken-value"), ""), &server).await;
    create_and_publish(&router, &server, "TOKEN").await;
    refused(
        settings(&url, token("guess"), ""),
        "authorization violation",
    )
    .await;

    // A token written into the URL keeps working, and is never shown.
    let with_token = format!("nats://t0ken-value@127.0.0.1:{}", server.port);
    let (nats, _) = app(settings(&with_token, SecurityArgs::default(), "")).await;
    wait_until(
        "connected with the URL's token",
        Duration::from_secs(10),
        || nats.is_connected(),
    )
    .await;
    let shown = nats.connection().url;
    assert!(
        !shown.contains("t0ken-value") && shown.contains("***"),
        "{shown}"
    );
}

#[tokio::test]
async fn nkey_seed_file() {
    let dir = tempfile::tempdir().unwrap();
    let (seed_file, public_key) = user_nkey_file(dir.path(), "app.nk");
    let server = ConfServer::start(&format!(
        "authorization {{ users = [ {{ nkey: \"{public_key}\" }} ] }}\n"
    ));
    let url = server.url("nats");
    let yaml = format!(
        "services:\n  message-broker:\n    nats_client:\n      nkey: {}\n",
        seed_file.display()
    );
    let router = connected(settings(&url, SecurityArgs::default(), &yaml), &server).await;
    create_and_publish(&router, &server, "NKEY").await;

    // Another user's seed is not one the server knows.
    let (stranger, _) = user_nkey_file(dir.path(), "stranger.nk");
    let other = SecurityArgs {
        nkey: Some(stranger),
        ..SecurityArgs::default()
    };
    refused(settings(&url, other, ""), "authorization violation").await;
}

#[tokio::test]
async fn operator_mode_with_jwt_creds() {
    let dir = tempfile::tempdir().unwrap();
    let operator = Operator::new();
    let server = ConfServer::start(&operator.server_block());
    let url = server.url("nats");
    let creds = |path| SecurityArgs {
        creds: Some(path),
        ..SecurityArgs::default()
    };
    let app_creds = operator.user_creds(dir.path(), "app");
    let router = connected(settings(&url, creds(app_creds), ""), &server).await;
    create_and_publish(&router, &server, "JWT").await;

    // A user JWT signed by an account the operator never issued.
    let forged = operator.forged_creds(dir.path(), "forged");
    refused(settings(&url, creds(forged), ""), "authorization violation").await;
}

#[tokio::test]
async fn the_system_connection_signs_in_with_its_own_creds() {
    let dir = tempfile::tempdir().unwrap();
    let operator = Operator::new();
    let server = ConfServer::start(&operator.server_block());
    let security = SecurityArgs {
        creds: Some(operator.user_creds(dir.path(), "app")),
        system_creds: Some(operator.system_creds(dir.path(), "sys")),
        ..SecurityArgs::default()
    };
    // No --system-url: the system connection goes where the main one goes.
    let settings = settings(&server.url("nats"), security, "");
    let system = settings.system.clone().expect("a system connection");
    assert_eq!(system.url, server.url("nats"));
    let client = message_broker::console::setup::system_client_for(&system)
        .await
        .expect("system client");
    wait_until("system connection", Duration::from_secs(10), || {
        client.connection_state() == async_nats::connection::State::Connected
    })
    .await;
    let replies = message_broker::nats::system::ping_all(&client, "VARZ", Duration::from_secs(2))
        .await
        .expect("$SYS answers the system user");
    assert_eq!(replies.len(), 1);
}

#[tokio::test]
async fn monitoring_over_https_trusts_the_configured_ca() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::generate(dir.path());
    // `verify` requires the client certificate on the client port; nats-server does not ask for
    // it on the monitoring port, where the monitor offers it all the same.
    let server = ConfServer::start_https(&pki.server_block(true));
    let args = SettingsArgs {
        nats_url: Some(server.url("tls")),
        monitor_url: Some(server.monitor_url()),
        nats_timeout: Some(2.0),
        security: SecurityArgs {
            tls_ca: Some(pki.ca.clone()),
            tls_cert: Some(pki.client_cert.clone()),
            tls_key: Some(pki.client_key.clone()),
            ..SecurityArgs::default()
        },
        ..SettingsArgs::default()
    };
    let settings = Settings::from_yaml(&args, Path::new("secure.yaml"), "").expect("settings");
    assert!(settings.monitor_url.starts_with("https://"));
    let timeout = Duration::from_secs(2);
    let monitor = Monitor::with_tls(&settings.monitor_url, timeout, &settings.nats_security.tls);
    let varz = monitor.varz().await.expect("/varz over https");
    assert!(!varz.server_id.is_empty());

    // Without the CA the server's certificate is not trusted.
    let err = Monitor::new(&settings.monitor_url, timeout)
        .varz()
        .await
        .expect_err("an untrusted certificate was accepted");
    assert!(err.to_string().contains("unreachable"), "{err}");

    // The API's broker status reads the same port with the same files.
    let router = connected(settings, &server).await;
    let (status, json) = call(&router, "GET", "/api/v1/broker/status", None).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["data"]["server"]["available"], true, "{json}");
    assert_eq!(json["data"]["server"]["id"], varz.server_id, "{json}");
}

#[tokio::test]
async fn an_inbox_prefix_serves_a_user_allowed_only_its_own_replies() {
    // The usual least-privilege user: it may subscribe only to replies under _INBOX_ops.
    let server = ConfServer::start(
        "authorization { users = [ { user: ops, password: ops, permissions: {\n\
         publish: { allow: [\"$JS.API.>\", \"limited.>\", \"_INBOX_ops.>\"] },\n\
         subscribe: { allow: [\"_INBOX_ops.>\"] } } } ] }\n",
    );
    let url = server.url("nats");
    let ops = || SecurityArgs {
        user: Some("ops".to_owned()),
        password: Some("ops".to_owned()),
        ..SecurityArgs::default()
    };
    // Without the prefix, replies to _INBOX never arrive: the API fails, nothing is created.
    let router = connected(settings(&url, ops(), ""), &server).await;
    let json = expect_error(
        &router,
        "POST",
        "/api/v1/broker/streams",
        Some(json!({ "name": "LIMITED", "subjects": ["limited.>"] })),
        common::JETSTREAM_ERROR,
    )
    .await;
    assert!(json.to_string().contains("did not answer"), "{json}");
    assert_eq!(stored_messages(&server, "LIMITED").await, None);

    let yaml = "services:\n  message-broker:\n    nats_client:\n      inbox_prefix: _INBOX_ops\n";
    let router = connected(settings(&url, ops(), yaml), &server).await;
    create_and_publish(&router, &server, "LIMITED").await;
}

#[tokio::test]
async fn streams_are_managed_in_the_configured_jetstream_domain() {
    let server = ConfServer::start_in_domain("hub", "");
    let url = server.url("nats");
    let domain = |d: &str| SecurityArgs {
        js_domain: Some(d.to_owned()),
        ..SecurityArgs::default()
    };
    let router = connected(settings(&url, domain("hub"), ""), &server).await;
    create_and_publish(&router, &server, "INHUB").await;
    let (status, json) = call(&router, "GET", "/api/v1/broker/streams", None).await;
    assert_eq!(status, 200, "{json}");
    assert!(json.to_string().contains("INHUB"), "{json}");
    // The JetStream figures are the domain's, over NATS, not the monitored server's /jsz.
    let (status, json) = call(&router, "GET", "/api/v1/broker/status", None).await;
    assert_eq!(status, 200, "{json}");
    let jetstream = &json["data"]["jetstream"];
    assert_eq!(jetstream["source"], "$JS.hub.API.INFO", "{json}");
    assert_eq!(jetstream["streams"], 1, "{json}");

    // A domain nobody serves: JetStream is unavailable there, said at once.
    let router = connected(settings(&url, domain("elsewhere"), ""), &server).await;
    let started = Instant::now();
    expect_error(
        &router,
        "POST",
        "/api/v1/broker/streams",
        Some(json!({ "name": "NOWHERE", "subjects": ["nowhere.>"] })),
        common::JETSTREAM_ERROR,
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(1), "the API waited");
    assert_eq!(stored_messages(&server, "NOWHERE").await, None);
}

/// The server's version as `(major, minor)`, from `nats-server --version`.
fn server_version() -> (u32, u32) {
    let output = std::process::Command::new(common::nats_server_binary())
        .arg("--version")
        .output()
        .expect("nats-server --version");
    let text = String::from_utf8_lossy(&output.stdout);
    let version = text.trim().rsplit('v').next().unwrap_or_default();
    let mut parts = version.split('.').map(|p| p.parse().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

#[tokio::test]
async fn tls_first_reaches_a_server_that_wants_the_handshake_first() {
    // handshake_first came with nats-server 2.10.
    if server_version() < (2, 10) {
        eprintln!(
            "skipped: nats-server {:?} has no handshake_first",
            server_version()
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::generate(dir.path());
    let block = pki
        .server_block(false)
        .replace("timeout: 5\n", "timeout: 5\n  handshake_first: true\n");
    let server = ConfServer::start(&block);
    let url = server.url("tls");
    let ca = |first: bool| SecurityArgs {
        tls_ca: Some(pki.ca.clone()),
        tls_first: first,
        ..SecurityArgs::default()
    };
    let router = connected(settings(&url, ca(true), ""), &server).await;
    create_and_publish(&router, &server, "FIRST").await;
    // Waiting for the server's INFO, as usual, gets nowhere with it.
    refused(settings(&url, ca(false), ""), "").await;
}
