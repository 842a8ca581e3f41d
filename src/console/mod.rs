//! The console (default mode): a ratatui dashboard over NATS and its monitoring endpoints,
//! optionally on an embedded supervised nats-server and hosting the REST API.
//!
//! One loop selects over terminal events, sampler updates, a clock tick and SIGTERM; it only folds
//! what arrives into [`App`] and redraws when something changed. Network work happens in the
//! sampler and action tasks.

mod actions;
pub mod samplers;
pub mod setup;

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use crossterm::event::{Event, EventStream, KeyEventKind, KeyModifiers};
use futures::StreamExt;
use message_broker_ui::keymap::{KeyResolver, Keymap, Resolution};
use message_broker_ui::model::{Effect, EventLevel, Stamped};
use message_broker_ui::state::{App, SessionInfo};
use message_broker_ui::theme::Theme;
use message_broker_ui::view;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::cli::ConsoleArgs;
use crate::config::Settings;
use crate::monitor::Monitor;
use crate::nats::{Nats, provision_on_connect, redact};
use crate::serve::nats_options;

/// Minutes of chart history kept, whatever the refresh interval.
const HISTORY: Duration = Duration::from_secs(15 * 60);

fn refresh_interval(args: &ConsoleArgs) -> anyhow::Result<Duration> {
    match args.refresh.unwrap_or(1.0) {
        seconds if seconds.is_finite() && (0.1..=3600.0).contains(&seconds) => {
            Ok(Duration::from_secs_f64(seconds))
        }
        seconds => bail!("--refresh: expected seconds from 0.1 to 3600, got {seconds}"),
    }
}

/// Checks that can fail before the terminal is taken over, so their message is readable.
pub fn preflight(args: &ConsoleArgs) -> anyhow::Result<()> {
    refresh_interval(args)?;
    if !std::io::stdout().is_terminal() {
        bail!(
            "the console needs a terminal, and standard output is not one; run the REST service \
             with `message-broker --serve`, or check the configuration with `message-broker config`"
        );
    }
    Ok(())
}

pub async fn run(settings: Settings, args: ConsoleArgs) -> anyhow::Result<()> {
    let refresh = refresh_interval(&args)?;
    let keymap = setup::keymap(args.keymap.as_deref())?;
    let themes = setup::themes(args.theme.as_deref())?;
    let (settings, mut supervisor, embedded) = setup::server(settings, args.no_supervise).await?;
    let nats = Nats::connect(&nats_options(&settings))
        .await
        .with_context(|| format!("cannot use NATS URL '{}'", redact(&settings.nats_url)))?;
    let cancel = CancellationToken::new();
    provision_on_connect(nats.clone(), settings.streams.clone(), cancel.clone());
    let api_addr = if args.with_api {
        Some(setup::host_api(&settings, nats.clone(), supervisor.as_ref(), cancel.clone()).await?)
    } else {
        None
    };

    let system = match &settings.system {
        Some(system) => Some(setup::system_client_for(system).await?),
        None => None,
    };
    let (tx, mut rx) = mpsc::channel::<Stamped>(256);
    let (refresh_tx, refresh_rx) = watch::channel(0u64);
    let mut sampler_tasks = JoinSet::new();
    samplers::spawn(
        samplers::Sources {
            nats: nats.clone(),
            // Each source waits on its own: a monitoring port that hangs dims its panes (late
            // after a few intervals) and fails after the NATS timeout, holding up nothing else.
            monitor: Monitor::with_tls(
                &settings.monitor_url,
                settings.nats_timeout,
                &settings.nats_security.tls,
            ),
            supervisor: supervisor.as_ref().map(|s| s.handle()),
            api: args.api.clone(),
            system,
            interval: refresh,
        },
        tx.clone(),
        refresh_rx,
        cancel.clone(),
        &mut sampler_tasks,
    );

    let session = SessionInfo {
        context: if embedded {
            "embedded nats-server (supervised)".to_owned()
        } else if settings.supervise {
            "supervised nats-server".to_owned()
        } else {
            settings.environment.clone()
        },
        url: redact(&settings.nats_url),
        api_addr,
        refresh,
        read_only: args.read_only,
        themes: themes.iter().map(|t| t.name.clone()).collect(),
    };
    let history = (HISTORY.as_secs_f64() / refresh.as_secs_f64()).ceil() as usize;
    let mut app = App::new(session, history, Instant::now());
    if embedded {
        app.event(
            EventLevel::Info,
            samplers::clock(),
            format!(
                "nothing answered at the local NATS URL: started nats-server with JetStream (data in {})",
                settings.nats_server.data_dir.display()
            ),
        );
    }

    let outcome = ui_loop(&mut app, &keymap, &themes, &nats, tx, &mut rx, refresh_tx).await;

    cancel.cancel();
    // Samplers leave at their next await once cancelled; none holds anything worth waiting for.
    sampler_tasks.shutdown().await;
    if let Some(supervisor) = supervisor.as_mut() {
        supervisor.shutdown().await;
    }
    outcome
}

async fn ui_loop(
    app: &mut App,
    keymap: &Keymap,
    themes: &[Theme],
    nats: &Nats,
    tx: mpsc::Sender<Stamped>,
    rx: &mut mpsc::Receiver<Stamped>,
    refresh_tx: watch::Sender<u64>,
) -> anyhow::Result<()> {
    let mut terminal = ratatui::try_init().context("cannot set up the terminal")?;
    // ratatui's hook restores the terminal on a panic; a panic in a background task would then
    // leave a dashboard drawing over a normal screen. Stop instead, with the message readable
    // (supervised servers die with us through their parent-death signal).
    let restore_and_report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_and_report(info);
        std::process::exit(101);
    }));
    let mut events = EventStream::new();
    let mut resolver = KeyResolver::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot watch SIGTERM")?;
    let result = loop {
        if app.take_dirty() {
            let theme = &themes[app.theme % themes.len()];
            if let Err(err) = terminal.draw(|frame| view::draw(frame, app, theme, keymap)) {
                break Err(anyhow::Error::from(err).context("cannot draw"));
            }
        }
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                    let effects = handle_key(app, keymap, &mut resolver, key);
                    if effects.contains(&Effect::Quit) {
                        break Ok(());
                    }
                    for effect in effects {
                        match effect {
                            Effect::Refresh => {
                                refresh_tx.send_modify(|n| *n = n.wrapping_add(1));
                            }
                            other => actions::spawn(nats.clone(), other, tx.clone()),
                        }
                    }
                }
                Some(Ok(Event::Resize(_, _))) => app.mark_dirty(),
                Some(Ok(_)) => {}
                Some(Err(err)) => break Err(anyhow::Error::from(err).context("terminal input failed")),
                None => break Ok(()),
            },
            Some(update) = rx.recv() => {
                app.apply(update);
                // Fold everything already waiting before drawing once.
                while let Ok(update) = rx.try_recv() {
                    app.apply(update);
                }
            }
            _ = tick.tick() => app.tick(Instant::now()),
            _ = terminate.recv() => break Ok(()),
        }
    };
    ratatui::restore();
    result
}

fn handle_key(
    app: &mut App,
    keymap: &Keymap,
    resolver: &mut KeyResolver,
    key: crossterm::event::KeyEvent,
) -> Vec<Effect> {
    let mode = app.mode();
    // In a text field, a plain character is text, even where `common` binds it (`?`, `q`).
    let plain_char = matches!(key.code, crossterm::event::KeyCode::Char(_))
        && !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    if mode.takes_text() && plain_char {
        resolver.reset();
        app.input(&Event::Key(key));
        return Vec::new();
    }
    match resolver.resolve(keymap, mode, &key) {
        Resolution::Command(command) => app.command(command),
        Resolution::Pending => Vec::new(),
        Resolution::Unbound => {
            if mode.takes_text() {
                app.input(&Event::Key(key));
            }
            Vec::new()
        }
    }
}
