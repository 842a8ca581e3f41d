//! The console's panes drawn on a `TestBackend` from fixed states: what each pane says, at 80x24
//! and at 160x48, with sources failing, in the compact layout, and with focus and theme applied.

mod support;

use std::time::Duration;

use message_broker_model::stream::{
    ConsumerView, Encoding, StoredMessageView, StreamConfigView, StreamDetail, StreamStateView,
    StreamView,
};
use message_broker_ui::command::{Command, Pane};
use message_broker_ui::model::{
    ClientStatus, ClusterNode, ConnectionsView, DetailData, LinkState, Update,
};
use message_broker_ui::theme::Role;
use ratatui::layout::Position;
use support::render::{at, empty, full, render, role_fg, theme, type_text};

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
        "● connected for 5m12s  since 12:00:01Z",
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
        // servers
        "Servers",
        "n3",
        "health check",
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
    // A new filter starts afresh, rather than adding to the last one.
    render(&app, 160, 48).assert_has(&["no stream matches 'zzz'", "(Esc: back to /ord)"]);
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
        "⚠ monitoring port 8222 refused · as of 12s ago",
        "⚠ JetStream not enabled for account · as of 12s ago",
        "⚠ /varz stale as of 12s ago",
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
    shot.assert_lacks(&["as of"]);
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
        Update::Connection(ClientStatus {
            state: LinkState::Disconnected,
            since: "2024-05-01T12:05:00Z".into(),
            seconds_in_state: 3.0,
            ..ClientStatus::default()
        }),
    ));
    let shot = render(&app, 80, 24);
    shot.assert_has(&["● disconnected for 3s", "since 12:05:00Z"]);
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
    assert!(summary.contains("servers 2/3 up"));
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
    app.command(Command::FocusServers);
    let shot = render(&app, 80, 24);
    shot.assert_has(&["Servers", "n3", "down"]);
}

fn message(
    seq: u64,
    subject: &str,
    time: &str,
    encoding: Encoding,
    payload: serde_json::Value,
) -> StoredMessageView {
    StoredMessageView {
        stream: "orders".into(),
        subject: subject.into(),
        seq,
        time: Some(time.into()),
        headers: Default::default(),
        encoding,
        size: payload.to_string().len(),
        payload,
    }
}

#[test]
fn stream_detail_with_consumers() {
    let (mut app, t0) = full();
    app.command(Command::Down);
    assert!(app.command(Command::Select).is_empty());
    render(&app, 80, 24).assert_has(&["Stream orders", "reading 'orders'…", "q back", "d delete"]);
    app.apply(at(
        t0,
        3,
        Update::StreamDetail {
            name: "orders".into(),
            result: Ok(Box::new(DetailData {
                detail: StreamDetail {
                    stream: StreamView {
                        name: "orders".into(),
                        config: StreamConfigView {
                            subjects: vec!["orders.>".into()],
                            retention: "limits".into(),
                            storage: "file".into(),
                            replicas: 1,
                            max_msgs: -1,
                            max_bytes: 1 << 20,
                            max_age: 0.0,
                            duplicate_window: 120.0,
                            ..StreamConfigView::default()
                        },
                        state: StreamStateView {
                            messages: 20,
                            bytes: 1229,
                            ..StreamStateView::default()
                        },
                        ..StreamView::default()
                    },
                    consumers: vec![
                        ConsumerView {
                            name: "shipper".into(),
                            filter_subject: Some("orders.new".into()),
                            num_pending: 1500,
                            num_ack_pending: 3,
                            num_redelivered: 1,
                            num_waiting: 0,
                            ..ConsumerView::default()
                        },
                        ConsumerView {
                            name: "auditor".into(),
                            ..ConsumerView::default()
                        },
                    ],
                },
                messages: vec![
                    message(
                        19,
                        "orders.new",
                        "2024-05-01T12:00:01.5Z",
                        Encoding::Json,
                        serde_json::json!({ "id": 19 }),
                    ),
                    message(
                        20,
                        "orders.paid",
                        "2024-05-01T12:00:02Z",
                        Encoding::Text,
                        "hello\nworld".into(),
                    ),
                    message(
                        21,
                        "orders.raw",
                        "2024-05-01T12:00:03Z",
                        Encoding::Base64,
                        "AAEC".into(),
                    ),
                ],
            })),
        },
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
            "max lag 1.5k, 1 past 1.0k",
            "shipper",
            "orders.new",
            "1.5k",
            "auditor",
            "Pending",
            "messages       20 (no limit)",
            "bytes          1.2 KiB / 1.0 MiB (0%)",
        ]);
        assert_eq!(shot.fg_of("1.5k "), role_fg(Role::Warn));
    }
    // The newest messages, newest first, one line each; the whole config on a large screen.
    let shot = render(&app, 160, 48);
    shot.assert_has(&[
        "max age       unlimited",
        "dedup window  2m00s",
        "read 00:00:03Z (3s ago)",
        "Recent messages (3, not consumed)",
        "{\"id\":19}",
        "hello world",
        "base64 AAEC",
        "12:00:02",
    ]);
    let text = shot.text();
    let newest = text.find("orders.paid").unwrap();
    assert!(newest < text.rfind("{\"id\":19}").unwrap(), "newest first");
    // A reading that fails keeps the last one, dimmed, with the reason and its age.
    let result = Err("stream not found".into());
    app.apply(at(
        t0,
        4,
        Update::StreamDetail {
            name: "orders".into(),
            result,
        },
    ));
    app.tick(t0 + Duration::from_secs(7));
    render(&app, 120, 30).assert_has(&["⚠ stream not found · as of 4s ago", "shipper"]);
}

#[test]
fn servers_pane_with_three_nodes() {
    let (mut app, t0) = full();
    app.command(Command::FocusServers);
    let shot = render(&app, 300, 48);
    shot.assert_has(&[
        "Servers 3 nodes · 2 up · meta leader n2",
        "CPU",
        "JS file",
        "3.0 MiB 30%",
        "48.0 MiB",
        "total",
        "96.0 MiB",
        "Health",
        "n2 ★",
        "restarting ↻2",
        "health check failed",
        "Meta lag",
        "leader",
        "0 current",
        "7 behind",
    ]);
    assert_eq!(shot.fg_of("7 behind"), role_fg(Role::Warn));
    assert_eq!(shot.fg_of("95%"), role_fg(Role::Warn));
    shot.assert_has(&["Routes", "2 n2,n3", "Version", "2.10.22"]);
    // Narrower, the least useful columns go and the problem is cut with an ellipsis.
    let shot = render(&app, 160, 48);
    shot.assert_has(&["CPU", "JS file", "health check…"]);
    shot.assert_lacks(&["Version"]);
    assert_eq!(shot.fg_of("down"), role_fg(Role::Error));
    assert_eq!(shot.fg_of("2 up"), role_fg(Role::Warn));

    // One node: still listed.
    app.apply(at(t0, 3, Update::Cluster(Ok(vec![ClusterNode::default()]))));
    let shot = render(&app, 160, 48);
    shot.assert_has(&["Servers 1 node"]);
}

#[test]
fn focus_is_drawn_with_the_focused_border() {
    let (mut app, _) = full();
    app.command(Command::FocusConnections);
    assert_eq!(app.focus(), Pane::Connections);
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
fn replicas_and_copies_falling_behind_are_marked() {
    use message_broker_model::stream::{ReplicaView, SourceView, StreamCluster};
    let (mut app, t0) = full();
    // The streams pane: a replica behind turns `3` into `2/3`, and the title counts it.
    let mut orders = support::render::stream("orders", 10, 1229, -1);
    orders.replicas = 3;
    orders.replicas_behind = 1;
    app.apply(at(t0, 3, Update::Streams(Ok(vec![orders]))));
    app.command(Command::FocusConnections);
    let shot = render(&app, 160, 48);
    shot.assert_has(&["⚠ 1 with replicas behind", "2/3"]);
    assert_eq!(shot.fg_of("2/3"), role_fg(Role::Warn));

    app.command(Command::FocusStreams);
    app.command(Command::Select);
    let replica = |name: &str, current: bool, offline: bool, lag: u64| ReplicaView {
        name: name.into(),
        current,
        offline,
        active: 0.4,
        lag,
    };
    app.apply(at(
        t0,
        4,
        Update::StreamDetail {
            name: "orders".into(),
            result: Ok(Box::new(DetailData {
                detail: StreamDetail {
                    stream: StreamView {
                        name: "orders".into(),
                        cluster: Some(StreamCluster {
                            name: "c1".into(),
                            leader: Some("n1".into()),
                            replicas: vec![
                                replica("n2", true, false, 0),
                                replica("n3", false, true, 1204),
                                replica("n4", false, false, 30),
                                ReplicaView {
                                    active: 22.0,
                                    ..replica("n5", false, false, 0)
                                },
                            ],
                        }),
                        mirror: Some(SourceView {
                            name: "orders_eu".into(),
                            lag: 20_000,
                            active: None,
                            external: Some("$JS.eu.API".into()),
                            error: Some("stream not found".into()),
                        }),
                        ..StreamView::default()
                    },
                    consumers: Vec::new(),
                },
                messages: Vec::new(),
            })),
        },
    ));
    let shot = render(&app, 160, 48);
    shot.assert_has(&[
        "Replicas      leader n1 · n2 current",
        "n3 ✖ offline, 1.2k behind",
        "n4 ⚠ catching up, 30 behind",
        "n5 ✖ silent for 22s, 0 behind",
        "Mirror of     orders_eu (via $JS.eu.API)  20.0k behind · nothing received yet",
        "✖ stream not found",
    ]);
    assert_eq!(shot.fg_of("✖ offline"), role_fg(Role::Error));
    assert_eq!(shot.fg_of("20.0k behind"), role_fg(Role::Error));
    // At 80 columns the lines are cut with an ellipsis, not mid-word without one.
    // At 80 columns the replicas go onto further lines, each whole.
    render(&app, 80, 40).assert_has(&[
        "Replicas      leader n1 · n2 current · n3 ✖ offline, 1.2k behind",
        "              n4 ⚠ catching up, 30 behind",
        "n5 ✖ silent for 22s, 0 behind",
    ]);
}
