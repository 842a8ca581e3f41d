//! What the console needs before it takes over the terminal: key bindings, themes, the server to
//! watch (an embedded supervised one when nothing answers locally) and the hosted API.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use message_broker_ui::keymap::{Keymap, KeymapError};
use message_broker_ui::theme::{self, ColorMode, Theme, ThemeError, ThemeSource};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
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
    keymap_from(name.unwrap_or("default"), user.as_deref()).map_err(|e| anyhow::anyhow!("{e}"))
}

/// The built-in keymap `builtin` with the file at `user` merged over it. The file is read here:
/// the ui crate only parses text, and names the file in its messages.
fn keymap_from(builtin: &str, user: Option<&Path>) -> Result<Keymap, KeymapError> {
    let mut keymap = Keymap::builtin(builtin)?;
    if let Some(path) = user {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| KeymapError::unreadable(&file, e))?;
        keymap.merge_str(&file, &text)?;
    }
    Ok(keymap)
}

/// The user theme `name` from the themes directory `dir`, or `Ok(None)` when it has no such file.
fn theme_file(dir: &Path, name: &str) -> Result<Option<ThemeSource>, ThemeError> {
    let path = dir.join(theme::file_name(name)?);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(ThemeSource { path, text })),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ThemeError::unreadable(&path, e)),
    }
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
    let lookup = |name: &str| match &user_dir {
        Some(dir) => theme_file(dir, name),
        None => Ok(None),
    };
    names
        .iter()
        .map(|name| {
            Theme::load(name, &lookup)
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

/// Serves the REST API from this process, as a task in `tasks`, until `cancel`; returns the
/// address it listens on.
pub async fn host_api(
    settings: &Settings,
    nats: Nats,
    supervisor: Option<&Supervisor>,
    cancel: CancellationToken,
    tasks: &mut JoinSet<()>,
) -> anyhow::Result<(String, api::AppState)> {
    let addr = settings.api_addr();
    let listener = TcpListener::bind(&addr).await.with_context(|| {
        format!("cannot listen on {addr} for the REST API; choose another with --port or API_PORT")
    })?;
    let local = listener.local_addr().map(|a| a.to_string()).unwrap_or(addr);
    let state = Shared::new_with(settings.clone(), nats, supervisor.map(Supervisor::handle));
    let serving = state.clone();
    tasks.spawn(async move {
        if let Err(err) = api::serve(listener, serving, cancel.cancelled_owned()).await {
            tracing::error!(error = %err, "hosted REST API stopped");
        }
    });
    Ok((local, state))
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

#[cfg(test)]
mod tests {
    use message_broker_ui::command::{Command, Mode};
    use message_broker_ui::theme::{Role, ThemeErrorKind};
    use ratatui::style::Color;

    use super::*;

    #[test]
    fn keymap_files_are_read_and_missing_ones_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keymap.toml");
        let key = |text: &str| text.parse().unwrap();
        std::fs::write(&path, "[normal]\n\"Q\" = \"quit\"\n").unwrap();
        let keymap = keymap_from("vim", Some(&path)).unwrap();
        assert_eq!(keymap.get(Mode::Normal, &key("Q")), Some(Command::Quit));
        assert_eq!(keymap.get(Mode::Normal, &key("j")), Some(Command::Down));

        std::fs::write(&path, "[normal]\n\"Q\" = \"quit!\"\n").unwrap();
        let err = keymap_from("default", Some(&path)).unwrap_err().to_string();
        assert!(
            err.contains(&path.display().to_string()) && err.contains("line 2"),
            "{err}"
        );

        let missing = dir.path().join("absent.toml");
        let err = keymap_from("default", Some(&missing))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("absent.toml") && err.contains("cannot read"),
            "{err}"
        );
    }

    #[test]
    fn themes_load_from_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mine.toml"),
            "parent = \"light\"\n[roles]\nok = \"blue\"\n",
        )
        .unwrap();
        let lookup = |name: &str| theme_file(dir.path(), name);
        let theme = Theme::load("mine", &lookup);
        assert_eq!(theme.unwrap().style(Role::Ok).fg, Some(Color::Blue));
        let missing = Theme::load("nothing-here", &lookup).unwrap_err();
        assert!(matches!(missing.kind, ThemeErrorKind::NotFound { .. }));
        assert_eq!(
            Theme::load("monochrome", &lookup).ok(),
            Theme::builtin("monochrome")
        );
        // A name that would leave the directory is refused before any file is touched.
        let outside = theme_file(dir.path(), "../mine").unwrap_err();
        assert!(matches!(outside.kind, ThemeErrorKind::BadName { .. }));
        // A file that exists but cannot be read is named.
        std::fs::create_dir(dir.path().join("folder.toml")).unwrap();
        let unreadable = theme_file(dir.path(), "folder").unwrap_err().to_string();
        assert!(
            unreadable.contains("folder.toml") && unreadable.contains("cannot read"),
            "{unreadable}"
        );
    }
}
