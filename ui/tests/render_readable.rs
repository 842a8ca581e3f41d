//! Readable everywhere: nothing important cut at 80 or 120 columns (parts left out by priority,
//! cuts marked with an ellipsis), state words that cannot be misread, charts with legends, units
//! and their time window, and a scale that recovers after a spike.

mod support;

use message_broker_ui::command::Command;
use message_broker_ui::model::{ServerStatus, Update};
use support::render::{at, full, render};

#[test]
fn at_80_and_120_columns_parts_go_whole_and_cuts_are_marked() {
    let (mut app, _) = full();
    for width in [80, 120] {
        let shot = render(&app, width, 40);
        let lines = shot.lines();
        // The state word and how long it held always stay.
        assert!(lines[0].contains("● connected for 5m12s"), "{}", lines[0]);
        for line in &lines[..3] {
            // A part of the header is there whole or not at all: never `api 5.9k req, 0`.
            if line.contains("API") {
                assert!(line.contains("API 6.0k requests, 18 errors"), "{line}");
            }
            if line.contains("supervisor") {
                assert!(line.contains("supervisor running"), "{line}");
            }
        }
    }
    // A pane title too long for its frame ends with an ellipsis.
    app.command(Command::FocusConnections);
    let shot = render(&app, 80, 24);
    let summary = shot.lines()[22].clone();
    assert!(summary.contains("servers 2/3 up"), "{summary}");
    let shot = render(&app, 100, 40);
    let title = shot.line_with("5 Servers");
    assert!(
        title.contains('…') || title.contains("meta leader n2"),
        "{title}"
    );
}

#[test]
fn charts_have_legends_units_and_window_and_recover_after_a_spike() {
    let (mut app, t0) = full();
    let shot = render(&app, 160, 48);
    shot.assert_has(&[
        "━ in  12.3k msgs/s",
        "━ out 4.1k msgs/s",
        "Throughput · last 4s",
        "now",
    ]);
    assert!(shot.has("16.5k/s") || shot.has("/s│"), "{}", shot.text());
    // A spike of 100x, then ordinary seconds again: the scale follows the ordinary ones, and the
    // legend says the peak is off it.
    let mut total = 1_000_000 + 60_400;
    let rates = [
        1_200_000, 12_000, 12_100, 12_000, 12_200, 11_900, 12_000, 12_100,
    ];
    for (secs, rate) in (6..).zip(rates) {
        total += rate;
        let status = ServerStatus {
            in_msgs: total,
            out_msgs: total / 3,
            ..ServerStatus::default()
        };
        app.apply(at(t0, secs, Update::Server(Ok(status))));
    }
    let shot = render(&app, 160, 48);
    shot.assert_has(&["peak 1.2M ▲ off scale"]);
    shot.assert_lacks(&["1.3M/s"]);
}

#[test]
fn a_listing_read_in_turns_says_how_old_it_is_and_dims_old_lag() {
    use message_broker_ui::theme::Role;
    let (mut app, t0) = full();
    // Between full listings only some rows come: the rest say how old they are.
    let mut orders = app.stream_row("orders").unwrap().clone();
    orders.lag_age = Some(40.0);
    orders.max_consumer_lag = 4321;
    app.apply(at(t0, 20, Update::StreamRows(vec![orders])));
    app.tick(t0 + std::time::Duration::from_secs(20));
    let shot = render(&app, 160, 48);
    shot.assert_has(&["Streams (3) · listed 15s ago"]);
    let stale = support::render::theme().style(Role::Stale);
    let (x, y) = shot.find("4.3k");
    assert_eq!(shot.buffer[(x, y)].style().fg, stale.fg);
}

#[test]
fn a_full_stream_with_discard_new_reads_refusing_and_lag_is_coloured_by_thresholds() {
    use message_broker_ui::model::StreamRow;
    use message_broker_ui::theme::Role;
    use support::render::role_fg;
    let (mut app, t0) = full();
    let row = |name: &str, messages: u64, discard_new: bool, lag: u64| StreamRow {
        name: name.into(),
        subjects: vec![format!("{name}.>")],
        messages,
        max_msgs: 100,
        max_bytes: -1,
        discard_new,
        max_consumer_lag: lag,
        consumers: 1,
        ..StreamRow::default()
    };
    app.apply(at(
        t0,
        6,
        Update::Streams(Ok(vec![
            row("refusing", 100, true, 500),
            row("rolling", 100, false, 2_000),
            row("behind", 10, false, 20_000),
        ])),
    ));
    // Unfocused, so no row carries the selection's colours.
    app.command(Command::FocusConnections);
    let shot = render(&app, 160, 48);
    shot.assert_has(&["Streams (3)  ✖ 1 refusing messages", "FULL", "100%"]);
    assert_eq!(shot.fg_of("FULL"), role_fg(Role::Error));
    assert_eq!(shot.fg_of("100%"), role_fg(Role::GaugeFull));
    // Lag: 500 plain, 2.0k past --lag-warn (1,000), 20.0k past --lag-error (10,000).
    assert_eq!(shot.fg_of("  500"), role_fg(Role::Text));
    assert_eq!(shot.fg_of("2.0k"), role_fg(Role::Warn));
    assert_eq!(shot.fg_of("20.0k"), role_fg(Role::Error));
}

#[test]
fn client_names_too_long_for_their_column_end_with_an_ellipsis() {
    use message_broker_ui::model::{ClientRow, ConnectionsView};
    let (mut app, t0) = full();
    let client = |cid: u64, name: &str| ClientRow {
        cid,
        name: name.into(),
        ip: "127.0.0.1".into(),
        lang: "rust".into(),
        ..ClientRow::default()
    };
    app.apply(at(
        t0,
        6,
        Update::Connections(Ok(ConnectionsView {
            current: 2,
            total: 2,
            clients: vec![
                client(1, "message-broker console on ops-host-1"),
                client(2, "message-broker api on ops-host-1"),
            ],
        })),
    ));
    let shot = render(&app, 120, 40);
    // The name column is narrower than either name: both are cut, and say so.
    let cut = shot
        .lines()
        .iter()
        .filter(|l| l.contains("│message-brok…"))
        .count();
    assert_eq!(cut, 2, "{}", shot.text());
    assert!(!shot.has("message-broke "), "{}", shot.text());
}

#[test]
fn in_a_cluster_the_panes_name_the_server_their_figures_come_from() {
    let (app, _) = full();
    // Three nodes, monitored through n1: its throughput and connections are n1's alone.
    let shot = render(&app, 160, 48);
    shot.assert_has(&["Throughput · last 4s · n1 only", "Connections · on n1"]);
}

#[test]
fn a_configured_jetstream_domain_is_named_in_the_header() {
    let (mut app, _) = full();
    app.session.jetstream_domain = Some("hub".into());
    render(&app, 160, 48).assert_has(&["JetStream (domain hub) 3 streams"]);
}
