//! What one console frame costs: the whole screen drawn from a state with many streams and
//! connections on a `TestBackend` (no terminal, so only the console's own work is measured:
//! layout, tables, charts and ratatui's diff), how long folding one sample of every source into
//! the state takes, and how long a key takes from press to a drawn frame.
//! Bounded: a fixed number of frames per row. Run with `cargo bench --bench console_frame`.

use std::time::{Duration, Instant};

use message_broker_ui::command::Command;
use message_broker_ui::keymap::Keymap;
use message_broker_ui::model::{
    ClientRow, ClientStatus, ConnectionsView, LinkState, ServerStatus, Stamped, StreamRow, Update,
};
use message_broker_ui::state::{App, SessionInfo};
use message_broker_ui::theme::Theme;
use message_broker_ui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const FRAMES: usize = 300;
const KEYS: usize = 300;
/// The budgets.
const FRAME_BUDGET_MS: f64 = 2.0;
const KEY_BUDGET_MS: f64 = 16.0;

fn streams(count: usize, tick: u64) -> Update {
    Update::Streams(Ok((0..count)
        .map(|i| StreamRow {
            name: format!("stream-{i:04}"),
            subjects: vec![format!("orders.region-{i:04}.>")],
            storage: "file".into(),
            replicas: 1,
            replicas_behind: 0,
            messages: 1_000 * i as u64 + tick * 7,
            bytes: 150_000 * i as u64 + tick * 1_050,
            max_msgs: if i % 3 == 0 { 10_000_000 } else { -1 },
            max_bytes: -1,
            consumers: (i % 4) as u64,
            max_consumer_lag: (i as u64 * 13) % 1_000,
            last_seq: 1_000 * i as u64 + tick * 7,
            discard_new: i % 7 == 0,
            lag_age: (i % 4 != 0).then_some(1.0),
        })
        .collect()))
}

fn connections(count: usize, tick: u64) -> Update {
    Update::Connections(Ok(ConnectionsView {
        current: count as u64,
        total: count as u64 + 17,
        clients: (0..count)
            .map(|i| ClientRow {
                cid: i as u64 + 1,
                name: format!("client-{i}"),
                ip: format!("10.0.{}.{}", i / 250, i % 250),
                lang: "rust".into(),
                subscriptions: (i % 9) as u64,
                rtt: "120µs".into(),
                pending_bytes: 0,
                in_msgs: 10 * i as u64 + tick * (i as u64 % 5),
                out_msgs: 7 * i as u64 + tick,
                in_bytes: 1_000 * i as u64 + tick * 100,
                out_bytes: 700 * i as u64 + tick * 70,
            })
            .collect(),
    }))
}

fn server(tick: u64) -> Update {
    Update::Server(Ok(ServerStatus {
        name: "bench".into(),
        version: "2.15.1".into(),
        in_msgs: tick * 50_000,
        out_msgs: tick * 40_000,
        in_bytes: tick * 7_000_000,
        out_bytes: tick * 6_000_000,
        connections: 500,
        ..ServerStatus::default()
    }))
}

/// A console state as after `samples` refreshes of every source.
fn app(stream_count: usize, client_count: usize, samples: u64) -> (App, Instant) {
    let t0 = Instant::now();
    let session = SessionInfo {
        context: "bench".into(),
        url: "nats://127.0.0.1:4222".into(),
        refresh: Duration::from_secs(1),
        themes: vec!["dark".into()],
        ..SessionInfo::default()
    };
    let mut app = App::new(session, 900, t0);
    for tick in 0..samples {
        let at = t0 + Duration::from_secs(tick);
        for update in sample(stream_count, client_count, tick) {
            app.apply(Stamped { at, update });
        }
        app.tick(at);
    }
    (app, t0 + Duration::from_secs(samples))
}

fn sample(stream_count: usize, client_count: usize, tick: u64) -> Vec<Update> {
    vec![
        Update::Connection(ClientStatus {
            state: LinkState::Connected,
            ..ClientStatus::default()
        }),
        server(tick),
        streams(stream_count, tick),
        connections(client_count, tick),
    ]
}

fn stats(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mean = times.iter().map(|d| ms(*d)).sum::<f64>() / times.len() as f64;
    let p99 = ms(times[(times.len() * 99 / 100).min(times.len() - 1)]);
    (mean, p99)
}

fn main() {
    let theme = Theme::builtin("dark").expect("dark theme");
    let keymap = Keymap::builtin("default").expect("default keymap");
    println!(
        "console frames on a TestBackend, {FRAMES} frames per row; budgets {FRAME_BUDGET_MS} ms a \
         frame, {KEY_BUDGET_MS} ms key to frame"
    );
    println!(
        "{:<9} {:>8} {:>8} {:>11} {:>10} {:>12} {:>11} {:>11}",
        "terminal",
        "streams",
        "clients",
        "frame mean",
        "frame p99",
        "fold sample",
        "key mean",
        "key p99"
    );
    for (cols, rows) in [(80u16, 24u16), (160, 48)] {
        for (stream_count, client_count) in [(100, 50), (1_000, 500)] {
            let (mut app, now) = app(stream_count, client_count, 30);
            let mut terminal = Terminal::new(TestBackend::new(cols, rows)).expect("terminal");
            // A refresh: every source folded in, then a frame drawn, as on each tick.
            let mut frames = Vec::with_capacity(FRAMES);
            let mut folds = Vec::with_capacity(FRAMES);
            for i in 0..FRAMES as u64 {
                let at = now + Duration::from_secs(i);
                let updates = sample(stream_count, client_count, 30 + i);
                let started = Instant::now();
                for update in updates {
                    app.apply(Stamped { at, update });
                }
                app.tick(at);
                folds.push(started.elapsed());
                let started = Instant::now();
                terminal
                    .draw(|frame| view::draw(frame, &app, &theme, &keymap))
                    .expect("draw");
                frames.push(started.elapsed());
            }
            // A key: the selection moves, the screen is drawn again.
            let mut keys = Vec::with_capacity(KEYS);
            for i in 0..KEYS {
                let command = if i % 2 == 0 {
                    Command::Down
                } else {
                    Command::Up
                };
                let started = Instant::now();
                let _ = app.command(command);
                terminal
                    .draw(|frame| view::draw(frame, &app, &theme, &keymap))
                    .expect("draw");
                keys.push(started.elapsed());
            }
            let (frame_mean, frame_p99) = stats(frames);
            let (fold_mean, _) = stats(folds);
            let (key_mean, key_p99) = stats(keys);
            // The budget holds for the mean frame; single slow frames on a shared machine are
            // the scheduler's (another process ran), and show in the p99 column.
            let verdict = if frame_mean <= FRAME_BUDGET_MS && key_p99 <= KEY_BUDGET_MS {
                ""
            } else {
                "  over budget"
            };
            println!(
                "{:<9} {stream_count:>8} {client_count:>8} {frame_mean:>8.3} ms {frame_p99:>7.3} ms \
                 {fold_mean:>9.3} ms {key_mean:>8.3} ms {key_p99:>8.3} ms{verdict}",
                format!("{cols}x{rows}"),
            );
        }
    }
}
