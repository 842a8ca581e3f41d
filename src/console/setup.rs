//! What the console needs before it takes over the terminal: key bindings, themes, the server to
//! watch (an embedded supervised one when nothing answers locally) and the hosted API.

use std::time::Duration;

use anyhow::Context;
use message_broker_ui::keymap::Keymap;
use message_broker_ui::theme::{self, ColorMode, Theme};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::api::{self, Shared};
use crate::config::{self, ClientSecurity, Settings, SystemConnection};
use crate::nats::Nats;
use crate::supervisor::{Supervisor, conf};

/// The built-in keymap named (default: `default`) with `keymap.toml` from the config directory
/// merged over it when present.
pub fn keymap(name: Option<&str>) -> anyhow::Result<Keymap> {
    let user = config::config_dir()
        .map(|d| d.join("keymap.toml"))
        .filter(|p| p.is_file());
    Keymap::load(name.unwrap_or("default"), user.as_deref()).map_err(|e| anyhow::anyhow!("{e}"))
}

/// The themes `t` cycles through, the chosen one first, adapted to what the terminal can show.
pub fn themes(chosen: Option<&str>) -> anyhow::Result<Vec<Theme>> {
    let user_dir = config::config_dir().map(|d| d.join("themes"));
    let mode = ColorMode::detect(&|name| std::env::var(name).ok());
    let mut names: Vec<String> = Theme::builtin_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    if let Some(dir) = &user_dir
        && let Ok(entries) = std::fs::read_dir(dir)
    {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "toml")
                && let Some(stem) = path.file_stem()
            {
                let stem = stem.to_string_lossy().into_owned();
                if !names.contains(&stem) {
                    names.push(stem);
                }
            }
        }
    }
    let first = chosen.unwrap_or("dark").to_owned();
    if !names.contains(&first) {
        anyhow::bail!(
            "no theme named '{first}'; choose one of {} (or add {first}.toml to {})",
            names.join(", "),
            user_dir.map_or_else(
                || "the config directory's themes/".to_owned(),
                |d| d.display().to_string()
            )
        );
    }
    names.retain(|n| *n != first);
    names.insert(0, first);
    let none = |_: &str| Ok(None);
    let from_dir = user_dir.as_deref().map(theme::dir_lookup);
    let lookup: theme::ThemeLookup = match &from_dir {
        Some(lookup) => lookup,
        None => &none,
    };
    names
        .iter()
        .map(|name| {
            Theme::load(name, lookup)
                .map(|theme| theme.adapted(mode))
                .map_err(|e| anyhow::anyhow!("{e}"))
        })
        .collect()
}

/// The host and port of the first NATS URL when it points at this machine.
fn local_target(url: &str) -> Option<(String, u16)> {
    let first = url.split(',').next()?.trim();
    let parsed = reqwest::Url::parse(first).ok()?;
    let host = parsed.host_str()?.trim_matches(['[', ']']).to_owned();
    let local = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    local.then(|| (host, parsed.port().unwrap_or(4222)))
}

/// Whether something accepts connections at `host:port`; the name lookup and each connection
/// attempt wait at most 500 ms.
async fn answers(host: &str, port: u16) -> bool {
    let timeout = Duration::from_millis(500);
    let Ok(Ok(addrs)) = tokio::time::timeout(timeout, tokio::net::lookup_host((host, port))).await
    else {
        return false;
    };
    for addr in addrs {
        if let Ok(Ok(_)) = tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr)).await
        {
            return true;
        }
    }
    false
}

/// Starts the supervisor when asked to, or — unless `no_supervise` — when nothing answers at a
/// local NATS URL (the embedded default). Returns the settings to connect with, the supervisor,
/// and whether it was started because nothing answered.
pub async fn server(
    mut settings: Settings,
    no_supervise: bool,
) -> anyhow::Result<(Settings, Option<Supervisor>, bool)> {
    let mut embedded = false;
    if !settings.supervise {
        if no_supervise {
            return Ok((settings, None, false));
        }
        let Some((host, port)) = local_target(&settings.nats_url) else {
            return Ok((settings, None, false));
        };
        if answers(&host, port).await {
            return Ok((settings, None, false));
        }
        settings.nats_server.host = if host == "localhost" {
            "127.0.0.1".to_owned()
        } else {
            host
        };
        settings.nats_server.port = port;
        settings.nats_server.nodes = 1;
        let plan = conf::plan_for(&settings.nats_server).remove(0);
        settings.nats_url = plan.client_url();
        settings.monitor_url = plan.monitor_url();
        settings.supervise = true;
        embedded = true;
    }
    let supervisor = Supervisor::start(&settings.nats_server)
        .await
        .map_err(|err| {
            let advice = if embedded {
                "\nnothing answered at the local NATS URL, so the console tried to start one; \
             pass --no-supervise to watch a server that is not up yet"
            } else {
                ""
            };
            anyhow::anyhow!("{err}{advice}")
        })?;
    Ok((settings, Some(supervisor), embedded))
}

/// Serves the REST API from this process until `cancel`; returns the address it listens on.
pub async fn host_api(
    settings: &Settings,
    nats: Nats,
    supervisor: Option<&Supervisor>,
    cancel: CancellationToken,
) -> anyhow::Result<String> {
    let addr = settings.api_addr();
    let listener = TcpListener::bind(&addr).await.with_context(|| {
        format!("cannot listen on {addr} for the REST API; choose another with --port or API_PORT")
    })?;
    let local = listener.local_addr().map(|a| a.to_string()).unwrap_or(addr);
    let state = Shared::new_with(settings.clone(), nats, supervisor.map(Supervisor::handle));
    tokio::spawn(async move {
        if let Err(err) = api::serve(listener, state, cancel.cancelled_owned()).await {
            tracing::error!(error = %err, "hosted REST API stopped");
        }
    });
    Ok(local)
}

/// The system-account connection for `$SYS` pings, signed in with what `url` carries;
/// reconnects forever like the main one.
pub async fn system_client(url: &str) -> anyhow::Result<async_nats::Client> {
    system_client_for(&SystemConnection {
        url: url.to_owned(),
        security: ClientSecurity::default(),
    })
    .await
}

/// [`system_client`] with the configured credential and TLS files.
pub async fn system_client_for(system: &SystemConnection) -> anyhow::Result<async_nats::Client> {
    let what = || {
        format!(
            "cannot use the system-account connection to {} (--system-url, --system-creds, \
             --system-context)",
            crate::nats::redact(&system.url)
        )
    };
    let (servers, options) =
        crate::nats::connect_options(&system.url, &system.security).with_context(what)?;
    options
        .name("message-broker (system account)")
        .retry_on_initial_connect()
        .max_reconnects(None)
        .connect(servers)
        .await
        .with_context(what)
}
