//! Render helpers: drawing an `App` on a `TestBackend` and reading the screen back, and fixed
//! states to draw (nothing received yet, and every source answering for six seconds).

use std::time::{Duration, Instant};

use message_broker_ui::keymap::Keymap;
use message_broker_ui::model::{
    ActionOutcome, ApiStatsSnapshot, ClientRow, ClientStatus, ClusterNode, ConnectionsView, Effect,
    EventLevel, EventRecord, JetStreamStatus, Latency, LinkState, NodeJetStream, NodeUsage,
    RequestId, ServerStatus, Stamped, StreamRow, SupervisorView, Update,
};
use message_broker_ui::state::{App, SessionInfo};
use message_broker_ui::theme::{Role, Theme};
use message_broker_ui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Position;

pub struct Shot {
    pub buffer: Buffer,
    pub cursor: Option<Position>,
}

impl Shot {
    pub fn lines(&self) -> Vec<String> {
        let area = self.buffer.area;
        (0..area.height)
            .map(|y| {
                (0..area.width)
                    .map(|x| self.buffer[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect()
    }

    pub fn text(&self) -> String {
        self.lines().join("\n")
    }

    pub fn has(&self, needle: &str) -> bool {
        self.lines().iter().any(|line| line.contains(needle))
    }

    #[track_caller]
    pub fn assert_has(&self, needles: &[&str]) {
        for needle in needles {
            assert!(
                self.has(needle),
                "{needle:?} not on screen:\n{}",
                self.text()
            );
        }
    }

    #[track_caller]
    pub fn assert_lacks(&self, needles: &[&str]) {
        for needle in needles {
            assert!(
                !self.has(needle),
                "{needle:?} unexpectedly on screen:\n{}",
                self.text()
            );
        }
    }

    /// The row and column of the first cell of `needle`.
    #[track_caller]
    pub fn find(&self, needle: &str) -> (u16, u16) {
        for (y, line) in self.lines().iter().enumerate() {
            if let Some(byte) = line.find(needle) {
                let x = line[..byte].chars().count();
                return (x as u16, y as u16);
            }
        }
        panic!("{needle:?} not on screen:\n{}", self.text());
    }

    pub fn line_with(&self, needle: &str) -> String {
        let (_, y) = self.find(needle);
        self.lines()[y as usize].clone()
    }

    #[track_caller]
    pub fn fg_of(&self, needle: &str) -> Option<ratatui::style::Color> {
        let (x, y) = self.find(needle);
        self.buffer[(x, y)].style().fg
    }
}

pub fn theme() -> Theme {
    Theme::builtin("dark").expect("the dark theme is built in")
}

pub fn render_with(app: &App, keymap: &Keymap, width: u16, height: u16) -> Shot {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let theme = theme();
    terminal
        .draw(|frame| view::draw(frame, app, &theme, keymap))
        .unwrap();
    // The terminal shows the cursor after a frame only if the frame placed it.
    let backend = terminal.backend();
    Shot {
        buffer: backend.buffer().clone(),
        cursor: backend.cursor_visible().then(|| backend.cursor_position()),
    }
}

pub fn render(app: &App, width: u16, height: u16) -> Shot {
    render_with(app, &Keymap::default(), width, height)
}

pub fn session() -> SessionInfo {
    SessionInfo {
        context: "local".into(),
        url: "nats://127.0.0.1:4222".into(),
        api_addr: Some("127.0.0.1:8080".into()),
        refresh: Duration::from_secs(1),
        themes: vec!["dark".into(), "light".into()],
        ..SessionInfo::default()
    }
}

pub fn at(t0: Instant, secs: u64, update: Update) -> Stamped {
    Stamped {
        at: t0 + Duration::from_secs(secs),
        update,
    }
}

pub fn empty() -> (App, Instant) {
    let t0 = Instant::now();
    (App::new(session(), 900, t0), t0)
}

/// `/varz` with `total_in` messages received so far; the other counters follow it.
pub fn server(total_in: u64) -> Update {
    Update::Server(Ok(ServerStatus {
        name: "n1".into(),
        version: "2.10.22".into(),
        cluster: Some("c1".into()),
        connections: 3,
        total_connections: 40,
        slow_consumers: 2,
        in_msgs: total_in,
        out_msgs: total_in / 3,
        in_bytes: total_in * 100,
        out_bytes: total_in * 33,
        ..ServerStatus::default()
    }))
}

pub fn stream(name: &str, messages: u64, bytes: u64, max_msgs: i64) -> StreamRow {
    StreamRow {
        name: name.into(),
        subjects: vec![format!("{name}.>")],
        storage: "file".into(),
        replicas: 1,
        messages,
        bytes,
        max_msgs,
        max_bytes: -1,
        consumers: 2,
        max_consumer_lag: 7,
        last_seq: messages,
        discard_new: false,
        lag_age: None,
    }
}

pub fn streams(scale: u64) -> Update {
    Update::Streams(Ok(vec![
        stream("orders", 10 * scale, 1229, -1),
        stream("audit", 500 * scale, 3_565_158, -1),
        stream("trades", 15 * scale, 20_000, 100),
    ]))
}

pub fn clients(scale: u64) -> Update {
    let client = |cid: u64, name: &str, msgs: u64, pending: u64| ClientRow {
        cid,
        name: name.into(),
        ip: format!("10.0.0.{cid}"),
        lang: "go".into(),
        subscriptions: cid * 2,
        rtt: "1.2ms".into(),
        pending_bytes: pending,
        in_msgs: msgs * scale,
        out_msgs: 0,
        ..ClientRow::default()
    };
    Update::Connections(Ok(ConnectionsView {
        current: 3,
        total: 40,
        clients: vec![
            client(1, "billing", 100, 0),
            client(2, "ingest", 5_000, 2048),
            client(3, "", 10, 0),
        ],
    }))
}

pub fn nodes() -> Update {
    let node = |name: &str, up: bool| ClusterNode {
        name: name.into(),
        up,
        peers: vec!["n1".into(), "n2".into(), "n3".into()]
            .into_iter()
            .filter(|p: &String| p != name)
            .collect(),
        meta_leader: Some("n2".into()),
        version: Some("2.10.22".into()),
        error: (!up).then(|| "health check failed".into()),
        supervisor_state: Some(if up { "running" } else { "restarting" }.into()),
        restarts: Some(if up { 0 } else { 2 }),
        // The leader's view: n1 caught up, n3 (down) behind.
        lag: (name != "n2").then_some(if up { 0 } else { 7 }),
        monitor_url: None,
        routes: None,
        current: (name != "n2").then_some(up),
        usage: up.then(|| NodeUsage {
            cpu: if name == "n2" { 95.0 } else { 12.0 },
            mem: 48 << 20,
            connections: 7,
            subscriptions: 40,
            slow_consumers: u64::from(name == "n1"),
            jetstream: Some(NodeJetStream {
                memory: 0,
                storage: 3 << 20,
                max_storage: 10 << 20,
                streams: 3,
                consumers: 6,
                messages: 555,
                api_errors: 2,
                ..NodeJetStream::default()
            }),
        }),
    };
    Update::Cluster(Ok(vec![
        node("n1", true),
        node("n2", true),
        node("n3", false),
    ]))
}

/// Per-second message rates in, one per sample after the first; out is a third of it.
pub const RATES_IN: [u64; 5] = [10_000, 15_000, 11_000, 12_100, 12_300];

/// Every source has answered once a second for six seconds (so rates and charts exist); the
/// clock is at +6 s.
pub fn full() -> (App, Instant) {
    let (mut app, t0) = empty();
    let mut total_in = 1_000_000;
    for secs in 0..=RATES_IN.len() as u64 {
        if secs > 0 {
            total_in += RATES_IN[secs as usize - 1];
        }
        let scale = secs + 1;
        app.apply(at(
            t0,
            secs,
            Update::Connection(ClientStatus {
                url: "nats://127.0.0.1:4222".into(),
                state: LinkState::Connected,
                since: "2024-05-01T12:00:01Z".into(),
                seconds_in_state: 312.0,
                rtt_ms: Some(0.4),
                reconnects: 1,
                server_name: Some("n1".into()),
                server_version: Some("2.10.22".into()),
                ..ClientStatus::default()
            }),
        ));
        app.apply(at(t0, secs, server(total_in)));
        app.apply(at(
            t0,
            secs,
            Update::JetStream(Ok(JetStreamStatus {
                streams: 3,
                consumers: 6,
                messages: Some(555),
                storage: 3_586_387,
                max_storage: 10 << 30,
                api_total: 1000 * scale,
                api_errors: 3 * scale,
                meta_leader: Some("n2".into()),
                ..JetStreamStatus::default()
            })),
        ));
        app.apply(at(t0, secs, streams(scale)));
        app.apply(at(t0, secs, clients(scale)));
        app.apply(at(
            t0,
            secs,
            Update::Api(Ok(ApiStatsSnapshot {
                requests: 100 * scale,
                errors: 4 * scale,
                errors_by_code: [
                    ("stream_not_found".to_owned(), 3),
                    ("invalid_subject".to_owned(), 1),
                ]
                .into(),
                latency_ms: Latency {
                    p50: Some(1.0),
                    p99: Some(9.0),
                },
                ..ApiStatsSnapshot::default()
            })),
        ));
    }
    app.apply(at(t0, 5, nodes()));
    app.apply(at(
        t0,
        5,
        Update::Supervisor(SupervisorView {
            state: "running".into(),
            nodes: 1,
            restarts: 1,
            last_exit: None,
        }),
    ));
    app.apply(at(
        t0,
        5,
        Update::Event(EventRecord {
            time: "12:00:03".into(),
            level: EventLevel::Warn,
            text: "slow consumer ingest".into(),
        }),
    ));
    app.tick(t0 + Duration::from_secs(6));
    (app, t0)
}

pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.input(&Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }
}

pub fn role_fg(role: Role) -> Option<ratatui::style::Color> {
    theme().style(role).fg
}

/// The id of the one request in `effects`.
#[track_caller]
pub fn request_id(effects: &[Effect]) -> RequestId {
    match effects {
        [Effect::Request(request)] => request.id,
        other => panic!("expected one request, got {other:?}"),
    }
}

/// The broker's answer to request `id`.
pub fn done(id: RequestId, text: &str, ok: bool) -> Update {
    Update::Done {
        id,
        outcome: ActionOutcome {
            text: text.into(),
            ok,
        },
    }
}
