//! The console (default mode): a ratatui dashboard over NATS and its monitoring endpoints,
//! optionally on an embedded supervised nats-server and hosting the REST API.
//!
//! One loop selects over terminal events, sampler updates, a clock tick and SIGTERM; it only folds
//! what arrives into [`App`] and redraws when something changed. Network work happens in the
//! sampler and action tasks. The samplers, the action tasks and the hosted API are owned by the
//! console: a panic in one ends it (as does a panic anywhere, through the panic hook), and on the way out
//! they are given a few seconds to finish before the supervised server is stopped.

mod actions;
mod budget;
mod burst;
mod detail;
mod outages;
pub mod samplers;
pub mod setup;
mod streams;
mod tail;
mod terminal;

use std::collections::HashMap;
use std::io::IsTerminal;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use crossterm::event::{Event, EventStream, KeyEventKind, KeyModifiers};
use futures::{FutureExt, StreamExt};
use message_broker_ui::keymap::{KeyResolver, Keymap, Resolution};
use message_broker_ui::model::{Effect, EventLevel, RequestId, Stamped, Watching};
use message_broker_ui::state::{App, LagThresholds, SessionInfo};
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
use terminal::TerminalGuard;

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
    lag_thresholds(args)?;
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
    let mut tasks = JoinSet::new();
    let hosted = if args.with_api {
        let supervised = supervisor.as_ref();
        let cancel = cancel.clone();
        // A connection of its own: the console's counters are then the console's traffic alone,
        // which the throughput leaves out, while what the API publishes is counted.
        let api_nats = Nats::connect(&nats_options(&settings))
            .await
            .with_context(|| format!("cannot use NATS URL '{}'", redact(&settings.nats_url)))?;
        Some(setup::host_api(&settings, api_nats, supervised, cancel, &mut tasks).await?)
    } else {
        None
    };
    let (api_addr, hosted_api) = hosted.unzip();

    let system = match &settings.system {
        Some(system) => Some(setup::system_client_for(system).await?),
        None => None,
    };
    let (tx, rx) = mpsc::channel::<Stamped>(256);
    let (refresh_tx, refresh_rx) = watch::channel(0u64);
    let (watch_tx, watch_rx) = watch::channel(Watching::default());
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
            hosted_api,
            api_token: settings.access.client_token().cloned(),
            system,
            interval: refresh,
        },
        tx.clone(),
        refresh_rx,
        watch_rx,
        cancel.clone(),
        &mut tasks,
    );

    let session = SessionInfo {
        jetstream_domain: settings.nats_security.jetstream_domain.clone(),
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
        read_only: settings.access.read_only,
        themes: themes.iter().map(|t| t.name.clone()).collect(),
        lag: lag_thresholds(&args)?,
        started_wall: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default(),
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

    let mut io = Io {
        nats,
        tx,
        rx,
        refresh: refresh_tx,
        watching: watch_tx,
        running: HashMap::new(),
        cancel: cancel.clone(),
        tasks,
    };
    // A panic in the loop itself unwinds to here (the terminal guard gives the terminal back on
    // the way), so the shutdown below still happens.
    let outcome = AssertUnwindSafe(ui_loop(&mut app, &keymap, &themes, &mut io))
        .catch_unwind()
        .await
        .unwrap_or_else(|_| Err(panicked()));

    cancel.cancel();
    let Io { rx, mut tasks, .. } = io;
    // Answers that can no longer be shown fail at once instead of waiting on a full channel.
    drop(rx);
    settle(&mut tasks, SETTLE).await;
    if let Some(supervisor) = supervisor.as_mut() {
        supervisor.shutdown().await;
    }
    outcome
}

/// How long the owned tasks get to finish once the console is leaving (samplers leave at once
/// when cancelled; an action may be waiting on the broker).
const SETTLE: Duration = Duration::from_secs(5);

/// What the loop talks to.
struct Io {
    nats: Nats,
    tx: mpsc::Sender<Stamped>,
    rx: mpsc::Receiver<Stamped>,
    /// Asks the samplers for a sample now.
    refresh: watch::Sender<u64>,
    /// Tells the samplers what the console is looking at.
    watching: watch::Sender<Watching>,
    /// Tails and bursts under way, to stop them when asked.
    running: HashMap<RequestId, CancellationToken>,
    /// The console's own: cancelled when it leaves.
    cancel: CancellationToken,
    /// The samplers, the action tasks and the hosted API.
    tasks: JoinSet<()>,
}

impl Io {
    fn run(&mut self, effect: Effect) {
        match effect {
            Effect::Quit => {}
            Effect::Refresh => self.refresh.send_modify(|n| *n = n.wrapping_add(1)),
            Effect::Request(request) => {
                let cancel = self.cancel.child_token();
                if request.action.streams_updates() {
                    // Finished ones are dropped here: their tokens are all that is left.
                    self.running.retain(|_, token| !token.is_cancelled());
                    self.running.insert(request.id, cancel.clone());
                }
                let work = actions::run(self.nats.clone(), request, self.tx.clone(), cancel);
                self.tasks.spawn(work);
            }
            Effect::Cancel(id) => {
                if let Some(token) = self.running.remove(&id) {
                    token.cancel();
                }
            }
        }
    }

    /// Tells the samplers what is open now, if it changed.
    fn watch(&self, app: &App) {
        let now = app.watching();
        self.watching.send_if_modified(|was| {
            let changed = *was != now;
            if changed {
                *was = now;
            }
            changed
        });
    }
}

fn lag_thresholds(args: &ConsoleArgs) -> anyhow::Result<LagThresholds> {
    let default = LagThresholds::default();
    let lag = LagThresholds {
        warn: args.lag_warn.unwrap_or(default.warn),
        error: args
            .lag_error
            .unwrap_or(default.error.max(args.lag_warn.unwrap_or(0))),
    };
    if lag.warn > lag.error {
        bail!(
            "--lag-warn ({}) is above --lag-error ({}): a lag is a warning before it is an error",
            lag.warn,
            lag.error
        );
    }
    Ok(lag)
}

fn panicked() -> anyhow::Error {
    anyhow::anyhow!("the console stopped after a panic (its message is above)")
}

/// Waits up to `within` for the owned tasks to finish, then stops the rest.
async fn settle(tasks: &mut JoinSet<()>, within: Duration) {
    async fn drain(tasks: &mut JoinSet<()>) {
        while let Some(joined) = tasks.join_next().await {
            if let Err(err) = joined
                && err.is_panic()
            {
                tracing::error!(error = %err, "a console task panicked while stopping");
            }
        }
    }
    if tokio::time::timeout(within, drain(tasks)).await.is_err() {
        tracing::warn!(
            tasks = tasks.len(),
            "console tasks still running after {within:?} were stopped"
        );
        tasks.shutdown().await;
    }
}

async fn ui_loop(
    app: &mut App,
    keymap: &Keymap,
    themes: &[Theme],
    io: &mut Io,
) -> anyhow::Result<()> {
    let panic_seen = CancellationToken::new();
    let mut guard =
        TerminalGuard::enter(panic_seen.clone()).context("cannot set up the terminal")?;
    let mut events = EventStream::new();
    let mut resolver = KeyResolver::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot watch SIGTERM")?;
    loop {
        // After a panic the terminal has been given back: nothing more is drawn on it.
        if panic_seen.is_cancelled() {
            return Err(panicked());
        }
        if app.take_dirty() {
            let theme = &themes[app.theme_index() % themes.len()];
            let terminal = guard.terminal();
            if let Err(err) = terminal.draw(|frame| view::draw(frame, app, theme, keymap)) {
                return Err(anyhow::Error::from(err).context("cannot draw"));
            }
        }
        tokio::select! {
            () = panic_seen.cancelled() => return Err(panicked()),
            Some(joined) = io.tasks.join_next() => {
                if let Err(err) = joined
                    && err.is_panic()
                {
                    return Err(panicked());
                }
            }
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                    let effects = handle_key(app, keymap, &mut resolver, key);
                    if effects.contains(&Effect::Quit) {
                        return Ok(());
                    }
                    for effect in effects {
                        io.run(effect);
                    }
                    io.watch(app);
                }
                Some(Ok(Event::Resize(_, _))) => app.mark_dirty(),
                Some(Ok(_)) => {}
                Some(Err(err)) => {
                    return Err(anyhow::Error::from(err).context("terminal input failed"));
                }
                None => return Ok(()),
            },
            Some(update) = io.rx.recv() => {
                app.apply(update);
                // Fold everything already waiting before drawing once.
                while let Ok(update) = io.rx.try_recv() {
                    app.apply(update);
                }
                // An answer can close a view (a stream deleted from its detail).
                io.watch(app);
            }
            _ = tick.tick() => app.tick(Instant::now()),
            _ = terminate.recv() => return Ok(()),
        }
    }
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;

    // Printing the panic's backtrace takes a while: on a thread of its own.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn leaving_waits_for_tasks_that_finish_and_stops_those_that_do_not() {
        let mut tasks = JoinSet::new();
        let finished = Arc::new(AtomicBool::new(false));
        let flag = finished.clone();
        tasks.spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            flag.store(true, Ordering::SeqCst);
        });
        tasks.spawn(async { panic!("a task that panics does not stop the others") });
        tasks.spawn(std::future::pending());
        let started = Instant::now();
        settle(&mut tasks, Duration::from_secs(1)).await;
        assert!(finished.load(Ordering::SeqCst));
        assert!(tasks.is_empty());
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
