//! The console drawn on a `TestBackend` from fixed states: what each pane says, at 80x24 and at
//! 160x48, with sources failing, overlays open and the keymap and theme applied.

use std::time::{Duration, Instant};

use message_broker_ui::command::{Command, Pane};
use message_broker_ui::keymap::Keymap;
use message_broker_ui::model::{
    ActionOutcome, ApiView, ClientRow, ConnectionView, ConnectionsView, ConsumerRow, EventLevel,
    EventRecord, JetStreamView, NodeRow, ServerView, Stamped, StreamDetailView, StreamRow,
    SupervisorView, Update,
};
use message_broker_ui::state::{App, SessionInfo};
use message_broker_ui::theme::{Role, Theme};
use message_broker_ui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Position;

struct Shot {
    buffer: Buffer,
    cursor: Option<Position>,
}

impl Shot {
    fn lines(&self) -> Vec<String> {
        let area = self.buffer.area;
        (0..area.height)
            .map(|y| {
                (0..area.width)
                    .map(|x| self.buffer[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect()
    }

    fn text(&self) -> String {
        self.lines().join("\n")
    }

    fn has(&self, needle: &str) -> bool {
        self.lines().iter().any(|line| line.contains(needle))
    }

    #[track_caller]
    fn assert_has(&self, needles: &[&str]) {
        for needle in needles {
            assert!(
                self.has(needle),
                "{needle:?} not on screen:\n{}",
                self.text()
            );
        }
    }

    #[track_caller]
    fn assert_lacks(&self, needles: &[&str]) {
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
    fn find(&self, needle: &str) -> (u16, u16) {
        for (y, line) in self.lines().iter().enumerate() {
            if let Some(byte) = line.find(needle) {
                let x = line[..byte].chars().count();
                return (x as u16, y as u16);
            }
        }
        panic!("{needle:?} not on screen:\n{}", self.text());
    }

    fn line_with(&self, needle: &str) -> String {
        let (_, y) = self.find(needle);
        self.lines()[y as usize].clone()
    }

    #[track_caller]
    fn fg_of(&self, needle: &str) -> Option<ratatui::style::Color> {
        let (x, y) = self.find(needle);
        self.buffer[(x, y)].style().fg
    }
}

fn theme() -> Theme {
    Theme::builtin("dark").expect("the dark theme is built in")
}

fn render_with(app: &App, keymap: &Keymap, width: u16, height: u16) -> Shot {
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

fn render(app: &App, width: u16, height: u16) -> Shot {
    render_with(app, &Keymap::default(), width, height)
}

fn session() -> SessionInfo {
    SessionInfo {
        context: "local".into(),
        url: "nats://127.0.0.1:4222".into(),
        api_addr: Some("127.0.0.1:8080".into()),
        refresh: Duration::from_secs(1),
        themes: vec!["dark".into(), "light".into()],
        ..SessionInfo::default()
    }
}

fn at(t0: Instant, secs: u64, update: Update) -> Stamped {
    Stamped {
        at: t0 + Duration::from_secs(secs),
        update,
    }
}

fn empty() -> (App, Instant) {
    let t0 = Instant::now();
    (App::new(session(), 900, t0), t0)
}

/// `/varz` with `total_in` messages received so far; the other counters follow it.
fn server(total_in: u64) -> Update {
    Update::Server(Ok(ServerView {
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
        ..ServerView::default()
    }))
}

fn stream(name: &str, messages: u64, bytes: u64, max_msgs: i64) -> StreamRow {
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
    }
}

fn streams(scale: u64) -> Update {
    Update::Streams(Ok(vec![
        stream("orders", 10 * scale, 1229, -1),
        stream("audit", 500 * scale, 3_565_158, -1),
        stream("trades", 15 * scale, 20_000, 100),
    ]))
}

fn clients(scale: u64) -> Update {
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

fn nodes() -> Update {
    let node = |name: &str, up: bool| NodeRow {
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
    };
    Update::Cluster(Ok(vec![
        node("n1", true),
        node("n2", true),
        node("n3", false),
    ]))
}

/// Per-second message rates in, one per sample after the first; out is a third of it.
const RATES_IN: [u64; 5] = [10_000, 15_000, 11_000, 12_100, 12_300];

/// Every source has answered once a second for six seconds (so rates and charts exist); the
/// clock is at +6 s.
fn full() -> (App, Instant) {
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
            Update::Connection(ConnectionView {
                url: "nats://127.0.0.1:4222".into(),
                state: "connected".into(),
                since: "2024-05-01T12:00:01Z".into(),
                seconds_in_state: 312.0,
                rtt_ms: Some(0.4),
                reconnects: 1,
                server_name: Some("n1".into()),
                server_version: Some("2.10.22".into()),
                ..ConnectionView::default()
            }),
        ));
        app.apply(at(t0, secs, server(total_in)));
        app.apply(at(
            t0,
            secs,
            Update::JetStream(Ok(JetStreamView {
                streams: 3,
                consumers: 6,
                messages: 555,
                storage: 3_586_387,
                max_storage: 10 << 30,
                api_total: 1000 * scale,
                api_errors: 3 * scale,
                meta_leader: Some("n2".into()),
                ..JetStreamView::default()
            })),
        ));
        app.apply(at(t0, secs, streams(scale)));
        app.apply(at(t0, secs, clients(scale)));
        app.apply(at(
            t0,
            secs,
            Update::Api(Ok(ApiView {
                requests: 100 * scale,
                errors: 4 * scale,
                errors_by_code: vec![
                    ("stream_not_found".into(), 3),
                    ("invalid_subject".into(), 1),
                ],
                p50_ms: Some(1.0),
                p99_ms: Some(9.0),
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

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.input(&Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }
}

fn role_fg(role: Role) -> Option<ratatui::style::Color> {
    theme().style(role).fg
}

#[test]
fn nothing_received_yet_says_waiting_and_does_not_panic() {
    let (app, _) = empty();
    for (w, h) in [(80, 24), (160, 48), (120, 40)] {
        let shot = render(&app, w, h);
        shot.assert_has(&[
            "waiting for data",
            "connecting…",
            "local",
            "nats://127.0.0.1:4222",
        ]);
        shot.assert_lacks(&["Cluster"]);
    }
    // Tiny and degenerate sizes draw something or nothing, but never panic.
    for (w, h) in [(1, 1), (10, 3), (30, 6), (80, 4), (200, 10)] {
        render(&app, w, h);
    }
    let (full, _) = full();
    for (w, h) in [(1, 1), (10, 3), (30, 6), (80, 4), (200, 10), (79, 31)] {
        render(&full, w, h);
    }
}

#[test]
fn overlays_on_tiny_terminals_do_not_panic() {
    let sizes = [(1, 1), (2, 2), (10, 3), (20, 5), (40, 10), (60, 12)];
    let (mut app, t0) = full();
    let states: [fn(&mut App, Instant); 5] = [
        |app, _| {
            app.command(Command::Help);
        },
        |app, _| {
            app.command(Command::CreateStream);
            type_text(app, "a.b");
            app.command(Command::Submit);
        },
        |app, _| {
            app.command(Command::DeleteStream);
        },
        |app, _| {
            app.command(Command::CommandLine);
            type_text(
                app,
                "a-very-long-command-line-that-does-not-fit-anywhere-at-all",
            );
        },
        |app, t0| {
            app.command(Command::Select);
            app.apply(at(t0, 6, Update::Detail(Ok(StreamDetailView::default()))));
        },
    ];
    for open in states {
        open(&mut app, t0);
        for (w, h) in sizes {
            render(&app, w, h);
        }
        app.command(Command::Back);
        app.command(Command::Back);
    }
}

#[test]
fn empty_lists_say_so() {
    let (mut app, t0) = empty();
    app.apply(at(t0, 0, Update::Streams(Ok(Vec::new()))));
    app.apply(at(
        t0,
        0,
        Update::Connections(Ok(ConnectionsView::default())),
    ));
    let shot = render(&app, 160, 48);
    shot.assert_has(&[
        "no streams yet — press c to create one",
        "no clients",
        "none yet",
    ]);
}

#[test]
fn a_full_snapshot_on_a_large_terminal_shows_every_pane() {
    let (app, _) = full();
    let shot = render(&app, 160, 48);
    assert_eq!(shot.cursor, None, "no input, no cursor");
    shot.assert_has(&[
        // header
        "message-broker",
        "local",
        "● connected 5m12s (since 12:00:01)",
        "rtt 0.4ms",
        "server n1 v2.10.22",
        "cluster c1",
        "supervisor running (1 node, 1 restart)",
        "api 127.0.0.1:8080",
        "every 1s",
        "3 streams · 6 consumers",
        "meta leader n2",
        // throughput: 12.3k msgs in per second, 1.2 MiB/s
        "Throughput",
        "in  12.3k msgs/s",
        "out 4.1k msgs/s",
        "in  1.2 MiB/s",
        "peak",
        "avg",
        // streams
        "Streams (3)",
        "Name▲",
        "orders",
        "orders.>",
        "1.2 KiB",
        "3.4 MiB",
        "90%",
        // connections
        "3 current / 40 total",
        "slow consumers 2",
        "billing",
        "cid 3",
        "Msg/s▼",
        // errors
        "JetStream API",
        "×3  stream_not_found",
        "slow consumer ingest",
        "recent events",
        // cluster
        "Cluster",
        "n3",
        "health check failed",
        // footer
        "? help",
        "q quit",
    ]);
    // trades: 90 of 100 messages is nearly full.
    assert_eq!(shot.fg_of("90%"), role_fg(Role::GaugeFull));
    assert_eq!(shot.fg_of("● connected"), role_fg(Role::Ok));
    // The busiest client first.
    let (_, ingest) = shot.find("ingest ");
    let (_, billing) = shot.find("billing");
    assert!(ingest < billing);
}

#[test]
fn sort_column_direction_and_filter_show() {
    let (mut app, _) = full();
    // Name, Subjects, Storage, Replicas, Messages.
    for _ in 0..4 {
        app.command(Command::SortNext);
    }
    let shot = render(&app, 160, 48);
    shot.assert_has(&["Msgs▼"]);
    shot.assert_lacks(&["Name▲"]);
    let (_, audit) = shot.find("audit ");
    let (_, orders) = shot.find("orders ");
    assert!(audit < orders, "largest first");
    assert_eq!(shot.fg_of("Msgs▼"), role_fg(Role::Accent));

    app.command(Command::SortReverse);
    render(&app, 160, 48).assert_has(&["Msgs▲"]);

    app.command(Command::Filter);
    type_text(&mut app, "ord");
    let shot = render(&app, 160, 48);
    shot.assert_has(&["Streams (1 of 3)", "filter /ord", "/ord"]);
    shot.assert_lacks(&["audit "]);
    assert_eq!(shot.cursor, Some(Position::new(4, 46)));
    app.command(Command::Submit);
    let shot = render(&app, 80, 24);
    shot.assert_has(&["filter /ord"]);

    app.command(Command::Filter);
    type_text(&mut app, "zzz");
    render(&app, 160, 48).assert_has(&["no stream matches 'ordzzz'"]);
}

#[test]
fn a_failing_source_says_why_and_keeps_its_last_values_dimmed_with_their_age() {
    let (mut app, t0) = full();
    app.apply(at(
        t0,
        5,
        Update::Server(Err("monitoring port 8222 refused".into())),
    ));
    app.apply(at(
        t0,
        5,
        Update::Streams(Err("JetStream not enabled for account".into())),
    ));
    app.tick(t0 + Duration::from_secs(17));
    let shot = render(&app, 160, 48);
    shot.assert_has(&[
        "⚠ monitoring port 8222 refused · showing data from 12s ago",
        "⚠ JetStream not enabled for account · showing data from 12s ago",
        // The last values stay.
        "orders",
        "3.4 MiB",
        "12.3k msgs/s",
        "server n1 v2.10.22",
    ]);
    assert_eq!(shot.fg_of("⚠ monitoring port"), role_fg(Role::Error));
    let stale = theme().style(Role::Stale);
    let (x, y) = shot.find("19.5 KiB");
    assert_eq!(shot.buffer[(x, y)].style().fg, stale.fg);
    assert!(
        shot.buffer[(x, y)]
            .style()
            .add_modifier
            .contains(ratatui::style::Modifier::DIM)
    );
    let (x, y) = shot.find("12.3k msgs/s");
    assert_eq!(shot.buffer[(x, y)].style().fg, stale.fg);

    // Compact: the reason shows under the throughput strip.
    let shot = render(&app, 80, 24);
    shot.assert_has(&["monitoring port 8222 refused", "JetStream not enabled"]);

    // A source that never answered says why, with nothing to dim.
    let (mut app, t0) = empty();
    app.apply(at(
        t0,
        0,
        Update::Cluster(Err("no route to 10.0.0.9".into())),
    ));
    app.apply(at(
        t0,
        0,
        Update::Connections(Err("monitoring port 8222 refused".into())),
    ));
    let shot = render(&app, 160, 48);
    shot.assert_has(&["monitoring port 8222 refused"]);
    shot.assert_lacks(&["showing data from"]);
}

#[test]
fn connection_states_and_the_paused_flag() {
    let (mut app, t0) = full();
    app.command(Command::Pause);
    let shot = render(&app, 80, 24);
    shot.assert_has(&["(paused)", "every 1s", "resume"]);
    assert_eq!(shot.fg_of("(paused)"), role_fg(Role::Warn));
    app.command(Command::Pause);
    app.apply(at(
        t0,
        4,
        Update::Connection(ConnectionView {
            state: "disconnected".into(),
            since: "2024-05-01T12:05:00Z".into(),
            seconds_in_state: 3.0,
            ..ConnectionView::default()
        }),
    ));
    let shot = render(&app, 80, 24);
    shot.assert_has(&["● disconnected 3s (since 12:05:00)"]);
    shot.assert_lacks(&["(paused)"]);
    assert_eq!(shot.fg_of("● disconnected"), role_fg(Role::Error));
}

#[test]
fn compact_layout_at_80x24() {
    let (mut app, _) = full();
    let shot = render(&app, 80, 24);
    let lines = shot.lines();
    // Two header lines.
    assert!(lines[0].contains("● connected"), "{}", shot.text());
    assert!(lines[0].contains("every 1s"));
    assert!(lines[1].contains("server n1"));
    // Throughput as two sparkline lines.
    assert!(lines[2].starts_with("in "), "{}", shot.text());
    assert!(lines[2].contains("12.3k msgs/s") && lines[2].contains("1.2 MiB/s"));
    assert!(lines[3].starts_with("out "));
    // The streams table has the rest, then a summary line, then the hints.
    assert!(lines[4].contains("Streams (3)"));
    shot.assert_has(&["orders", "1.2 KiB", "3.4 MiB", "Name▲"]);
    let summary = &lines[22];
    assert!(summary.contains("conns 3/40 · slow 2"), "{}", shot.text());
    assert!(summary.contains("errors"));
    assert!(summary.contains("cluster 2/3 up"));
    assert_eq!(
        lines[23].trim_end(),
        "? help  : cmd  / filter  enter open  p pause  c create  P publish  q quit"
    );

    // Focusing another pane gives it the space.
    app.command(Command::FocusErrors);
    let shot = render(&app, 80, 24);
    shot.assert_has(&[
        "streams 3 · 3.1k msgs · 3.4 MiB",
        "fullest trades 90%",
        "JetStream API",
        "slow consumer ingest",
    ]);
    app.command(Command::FocusThroughput);
    let shot = render(&app, 80, 24);
    shot.assert_has(&["Throughput", "in  12.3k msgs/s", "msgs/s", "streams 3"]);
    app.command(Command::FocusCluster);
    let shot = render(&app, 80, 24);
    shot.assert_has(&["Cluster", "n3", "down"]);
}

#[test]
fn help_overlay_comes_from_the_keymap() {
    let (mut app, _) = full();
    app.command(Command::Help);
    let shot = render(&app, 80, 24);
    shot.assert_has(&[
        "Help · dashboard",
        "create a stream",
        "sort by the next column",
    ]);
    assert!(shot.line_with("refresh now").contains("r  "));
    assert!(shot.line_with("first row").contains("home"));

    let mut keymap = Keymap::default();
    keymap
        .merge_str(
            "user.toml",
            "[normal]\n\"r\" = \"none\"\n\"F\" = \"refresh\"\n\"c\" = \"none\"\n\"n\" = \"create_stream\"\n",
        )
        .unwrap();
    let shot = render_with(&app, &keymap, 160, 48);
    let line = shot.line_with("refresh now");
    assert!(line.contains("F  "), "{line}");
    assert!(!line.contains("r  "), "{line}");
    assert!(shot.line_with("create a stream").contains("n  "));

    // The footer hints follow the same table.
    app.command(Command::Back);
    let shot = render_with(&app, &keymap, 160, 48);
    shot.assert_has(&["n create"]);
    shot.assert_lacks(&["c create"]);

    // The vim keymap's extra keys show too, grouped with the defaults.
    app.command(Command::Help);
    let shot = render_with(&app, &Keymap::builtin("vim").unwrap(), 160, 48);
    shot.assert_has(&["home, g g"]);
}

#[test]
fn form_shows_fields_hints_and_inline_validation() {
    let (mut app, _) = full();
    app.command(Command::CreateStream);
    type_text(&mut app, "bad.name");
    assert!(app.command(Command::Submit).is_empty());
    let shot = render(&app, 80, 24);
    shot.assert_has(&[
        "Create stream",
        "Name",
        "bad.name",
        "letters, digits, - and _",
        "Retention",
        "limits",
        "tab next field",
    ]);
    let (_, name_row) = shot.find("bad.name");
    let error_line = &shot.lines()[name_row as usize + 1];
    assert!(
        error_line.contains("↳") && error_line.contains("'.'"),
        "{}",
        shot.text()
    );
    assert_eq!(shot.fg_of("↳"), role_fg(Role::Error));
    assert_eq!(shot.fg_of("bad.name"), role_fg(Role::InputInvalid));
    // The focused field is marked and has the cursor after its text.
    assert!(shot.lines()[name_row as usize].contains("›"));
    let (x, _) = shot.find("bad.name");
    assert_eq!(shot.cursor, Some(Position::new(x + 8, name_row)));

    // A refusal from the broker shows in the form.
    app.command(Command::NextField);
    app.apply(Stamped::now(Update::Done(ActionOutcome {
        text: "insufficient resources".into(),
        ok: false,
    })));
    let shot = render(&app, 80, 24);
    shot.assert_has(&["⚠ insufficient resources"]);

    // The publish form.
    app.command(Command::Cancel);
    app.command(Command::Publish);
    render(&app, 80, 24).assert_has(&[
        "Publish a test message",
        "Subject",
        "no wildcards",
        "Message id",
    ]);
}

#[test]
fn confirm_dialog_asks_with_the_keymap_keys() {
    let (mut app, _) = full();
    app.command(Command::DeleteStream);
    let shot = render(&app, 80, 24);
    shot.assert_has(&[
        "Confirm",
        "Delete stream 'audit' (3000 messages) and all its data?",
        "y yes",
        "n no",
    ]);
    shot.assert_has(&["y yes"]);
    let shot = render(&app, 160, 48);
    shot.assert_has(&["y yes   n no"]);
    let footer = shot.lines()[47].clone();
    assert!(
        footer.contains("y yes") && footer.contains("n no"),
        "{footer}"
    );
}

#[test]
fn stream_detail_with_consumers() {
    let (mut app, t0) = full();
    app.command(Command::Down);
    app.command(Command::Select);
    render(&app, 80, 24).assert_has(&["Stream orders", "loading 'orders'…", "q back", "d delete"]);
    app.apply(at(
        t0,
        3,
        Update::Detail(Ok(StreamDetailView {
            name: "orders".into(),
            config: vec![
                ("subjects".into(), "orders.>".into()),
                ("retention".into(), "limits".into()),
                ("storage".into(), "file".into()),
            ],
            state: vec![
                ("messages".into(), "20".into()),
                ("bytes".into(), "1.2 KiB".into()),
            ],
            consumers: vec![
                ConsumerRow {
                    name: "shipper".into(),
                    filter: Some("orders.new".into()),
                    num_pending: 1500,
                    num_ack_pending: 3,
                    num_redelivered: 1,
                    num_waiting: 0,
                },
                ConsumerRow {
                    name: "auditor".into(),
                    ..ConsumerRow::default()
                },
            ],
        })),
    ));
    for (w, h) in [(80, 24), (160, 48)] {
        let shot = render(&app, w, h);
        shot.assert_has(&[
            "Config",
            "State",
            "retention",
            "limits",
            "messages",
            "Consumers (2)",
            "1 lagging, max lag 1.5k",
            "shipper",
            "orders.new",
            "1.5k",
            "auditor",
            "Lag",
        ]);
        assert_eq!(shot.fg_of("1.5k "), role_fg(Role::Warn));
    }
    app.apply(at(t0, 4, Update::Detail(Err("stream not found".into()))));
    render(&app, 80, 24).assert_has(&["⚠ stream not found"]);
}

#[test]
fn cluster_pane_with_three_nodes() {
    let (mut app, t0) = full();
    app.command(Command::FocusCluster);
    let shot = render(&app, 160, 48);
    shot.assert_has(&[
        "Cluster 3 nodes · 2 up · meta leader n2",
        "Health",
        "Routes",
        "n2 ★",
        "restarting ↻2",
        "health check failed",
        "2 n2,n3",
    ]);
    assert_eq!(shot.fg_of("down"), role_fg(Role::Error));
    assert_eq!(shot.fg_of("2 up"), role_fg(Role::Warn));

    // One node: no cluster pane.
    app.apply(at(t0, 3, Update::Cluster(Ok(vec![NodeRow::default()]))));
    let shot = render(&app, 160, 48);
    shot.assert_lacks(&["Cluster", "Routes"]);
}

#[test]
fn command_line_suggestions_and_errors() {
    let (mut app, _) = full();
    app.command(Command::CommandLine);
    type_text(&mut app, "focus_c");
    let shot = render(&app, 80, 24);
    shot.assert_has(&[
        ":focus_c",
        "focus_connections  focus_cluster",
        "enter run",
        "tab complete",
    ]);
    assert_eq!(shot.cursor, Some(Position::new(8, 22)));
    app.command(Command::Back);
    app.command(Command::CommandLine);
    type_text(&mut app, "bogus");
    app.command(Command::Submit);
    let shot = render(&app, 80, 24);
    shot.assert_has(&["unknown command 'bogus' (Tab completes)"]);
    assert_eq!(shot.fg_of("unknown command"), role_fg(Role::Error));
}

#[test]
fn status_line_uses_ok_and_error_roles() {
    let (mut app, _) = full();
    app.apply(Stamped::now(Update::Done(ActionOutcome {
        text: "stream 'x' created".into(),
        ok: true,
    })));
    let shot = render(&app, 80, 24);
    assert_eq!(shot.fg_of("stream 'x' created"), role_fg(Role::Ok));
    app.apply(Stamped::now(Update::Done(ActionOutcome {
        text: "purge failed: timeout".into(),
        ok: false,
    })));
    let shot = render(&app, 80, 24);
    assert_eq!(shot.lines()[22].trim_end(), "purge failed: timeout");
    assert_eq!(shot.fg_of("purge failed"), role_fg(Role::Error));
}

#[test]
fn focus_is_drawn_with_the_focused_border() {
    let (mut app, _) = full();
    app.command(Command::FocusConnections);
    assert_eq!(app.focus, Pane::Connections);
    let shot = render(&app, 160, 48);
    let (x, y) = shot.find("3 Connections");
    // The border cell just left of the title.
    assert_eq!(
        shot.buffer[(x - 2, y)].style().fg,
        role_fg(Role::BorderFocused)
    );
    let (x, y) = shot.find("2 Streams");
    assert_eq!(shot.buffer[(x - 2, y)].style().fg, role_fg(Role::Border));
}

#[test]
fn read_only_hides_the_write_hints() {
    let (mut app, _) = full();
    app.session.read_only = true;
    let shot = render(&app, 160, 48);
    shot.assert_has(&["read-only"]);
    shot.assert_lacks(&["c create", "P publish"]);
}
