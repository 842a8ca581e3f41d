use std::time::{Duration, Instant};

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

mod views;

use super::*;
use crate::command::{Command, Mode};
use crate::model::{Action, ActionOutcome, Effect, RequestId, ServerStatus};

fn app() -> (App, Instant) {
    let t0 = Instant::now();
    let session = SessionInfo {
        context: "local".into(),
        url: "nats://127.0.0.1:4222".into(),
        refresh: Duration::from_secs(1),
        themes: vec!["dark".into(), "light".into()],
        ..SessionInfo::default()
    };
    (App::new(session, 900, t0), t0)
}

fn at(t0: Instant, secs: u64, update: Update) -> Stamped {
    Stamped {
        at: t0 + Duration::from_secs(secs),
        update,
    }
}

fn streams(rows: &[(&str, u64)]) -> Update {
    Update::Streams(Ok(rows
        .iter()
        .map(|(name, seq)| StreamRow {
            name: (*name).into(),
            subjects: vec![format!("{name}.>")],
            messages: *seq,
            last_seq: *seq,
            max_msgs: -1,
            max_bytes: -1,
            ..StreamRow::default()
        })
        .collect()))
}

/// The actions `effects` ask the broker for, without their ids.
fn actions(effects: &[Effect]) -> Vec<Action> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Request(request) => Some(request.action.clone()),
            _ => None,
        })
        .collect()
}

/// The id of the one request in `effects`.
#[track_caller]
fn request_id(effects: &[Effect]) -> RequestId {
    match effects {
        [Effect::Request(request)] => request.id,
        other => panic!("expected one request, got {other:?}"),
    }
}

fn done(id: RequestId, text: &str, ok: bool) -> Update {
    Update::Done {
        id,
        outcome: ActionOutcome {
            text: text.into(),
            ok,
        },
    }
}

fn detail_of(name: &str, messages: u64) -> Update {
    let mut data = DetailData::default();
    data.detail.stream.name = name.into();
    data.detail.stream.state.messages = messages;
    Update::StreamDetail {
        name: name.into(),
        result: Ok(Box::new(data)),
    }
}

/// The detail's messages count as shown, if any.
fn detail_messages(app: &App) -> Option<u64> {
    let data = app.detail()?.data.value.as_ref()?;
    Some(data.detail.stream.state.messages)
}

/// Types `text` and presses Enter in the open confirmation.
fn confirm_with(app: &mut App, text: &str) -> Vec<Effect> {
    type_text(app, text);
    app.command(Command::Confirm)
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.input(&Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }
}

#[test]
fn server_counters_become_rates() {
    let (mut app, t0) = app();
    let server = |n: u64| {
        Update::Server(Ok(ServerStatus {
            in_msgs: n,
            out_msgs: n / 2,
            in_bytes: n * 100,
            ..ServerStatus::default()
        }))
    };
    app.apply(at(t0, 0, server(1000)));
    assert_eq!(app.throughput.in_msgs.current(), None);
    app.apply(at(t0, 2, server(3000)));
    assert_eq!(app.throughput.in_msgs.current(), Some(1000.0));
    assert_eq!(app.throughput.out_msgs.current(), Some(500.0));
    assert_eq!(app.throughput.in_bytes.current(), Some(100_000.0));
}

#[test]
fn a_failing_source_keeps_its_last_value_and_says_why() {
    let (mut app, t0) = app();
    app.apply(at(
        t0,
        0,
        Update::Server(Ok(ServerStatus {
            name: "n1".into(),
            ..ServerStatus::default()
        })),
    ));
    app.apply(at(
        t0,
        5,
        Update::Server(Err("monitoring port 8222 refused".into())),
    ));
    assert_eq!(app.server.value.as_ref().unwrap().name, "n1");
    assert!(app.server.stale());
    assert_eq!(
        app.server.age(t0 + Duration::from_secs(7)),
        Some(Duration::from_secs(7))
    );
    app.apply(at(t0, 8, Update::Server(Ok(ServerStatus::default()))));
    assert!(!app.server.stale());
}

#[test]
fn pause_holds_figures_but_not_answers() {
    let (mut app, t0) = app();
    app.command(Command::Pause);
    app.apply(at(t0, 0, streams(&[("a", 1)])));
    assert!(app.streams.value.is_none());
    app.apply(at(t0, 1, done(RequestId(7), "stream 'a' created", true)));
    assert_eq!(app.status().unwrap().text, "stream 'a' created");
    app.command(Command::Pause);
    app.apply(at(t0, 2, streams(&[("a", 1)])));
    assert!(app.streams.value.is_some());
}

#[test]
fn modes_follow_what_is_open() {
    let (mut app, _) = app();
    assert_eq!(app.mode(), Mode::Normal);
    app.command(Command::Help);
    assert_eq!(app.mode(), Mode::Help);
    app.command(Command::Back);
    app.command(Command::CreateStream);
    assert_eq!(app.mode(), Mode::Form);
    app.command(Command::Cancel);
    assert_eq!(app.mode(), Mode::Normal);
    app.command(Command::CommandLine);
    assert_eq!(app.mode(), Mode::Prompt);
    app.command(Command::Back);
    assert_eq!(app.mode(), Mode::Normal);
}

#[test]
fn enter_opens_the_selected_stream_and_delete_needs_its_name_typed() {
    let (mut app, t0) = app();
    app.apply(at(t0, 0, streams(&[("orders", 5), ("audit", 9)])));
    app.command(Command::Down);
    assert_eq!(app.selected_stream().as_deref(), Some("orders"));
    // Opening a detail asks nothing itself: the samplers read what `watching` names.
    assert!(app.command(Command::Select).is_empty());
    assert_eq!(app.mode(), Mode::Detail);
    assert_eq!(app.watching().stream.as_deref(), Some("orders"));
    assert!(app.command(Command::DeleteStream).is_empty());
    assert_eq!(app.mode(), Mode::Confirm);
    let confirm = app.confirm().unwrap();
    assert_eq!(confirm.target, "orders");
    assert_eq!(
        confirm.losses,
        vec![Loss::Messages(5), Loss::Bytes(0), Loss::Consumers(0)]
    );
    // The default is No: Enter on nothing, or on another name, sends nothing.
    assert!(app.command(Command::Confirm).is_empty());
    assert!(
        app.confirm()
            .unwrap()
            .error
            .as_deref()
            .unwrap()
            .contains("type 'orders'")
    );
    assert!(confirm_with(&mut app, "order").is_empty());
    let effects = confirm_with(&mut app, "s");
    assert_eq!(
        actions(&effects),
        vec![Action::DeleteStream("orders".into())]
    );
    // The confirmation waits for the broker; once the stream is gone, so is its detail.
    assert_eq!(app.mode(), Mode::Confirm);
    app.apply(at(t0, 1, done(request_id(&effects), "deleted", true)));
    assert_eq!(app.mode(), Mode::Normal);
    assert_eq!(app.watching().stream, None);
}

#[test]
fn cancelling_a_confirmation_does_nothing() {
    let (mut app, t0) = app();
    app.apply(at(t0, 0, streams(&[("orders", 5)])));
    app.command(Command::PurgeStream);
    type_text(&mut app, "orders");
    app.command(Command::Cancel);
    assert!(app.confirm().is_none());
    assert_eq!(app.command(Command::Confirm), Vec::<Effect>::new());
}

#[test]
fn the_filter_applies_as_it_is_typed() {
    let (mut app, t0) = app();
    app.apply(at(
        t0,
        0,
        streams(&[("orders", 5), ("audit", 9), ("ordhist", 1)]),
    ));
    app.command(Command::Filter);
    type_text(&mut app, "ord");
    let names: Vec<_> = app
        .stream_lines()
        .iter()
        .map(|l| l.row.name.clone())
        .collect();
    assert_eq!(names, ["orders", "ordhist"]);
    app.command(Command::Submit);
    assert_eq!(app.mode(), Mode::Normal);
    assert_eq!(app.stream_lines().len(), 2);
    app.command(Command::Back);
    assert_eq!(app.stream_lines().len(), 3);
    // `/` again starts afresh: typing replaces the filter rather than adding to it.
    app.command(Command::Filter);
    type_text(&mut app, "au");
    assert_eq!(app.stream_table.filter, "au");
    app.command(Command::Submit);
    app.command(Command::Filter);
    type_text(&mut app, "x");
    assert_eq!(app.stream_table.filter, "x");
    // Esc puts the filter back as it was.
    app.command(Command::Cancel);
    assert_eq!(app.stream_table.filter, "au");
}

#[test]
fn the_command_line_completes_and_runs() {
    let (mut app, _) = app();
    app.command(Command::CommandLine);
    type_text(&mut app, "crea");
    app.command(Command::Complete);
    assert_eq!(app.prompt().unwrap().input.value(), "create_stream");
    app.command(Command::Submit);
    assert_eq!(app.mode(), Mode::Form);

    app.command(Command::Cancel);
    app.command(Command::CommandLine);
    type_text(&mut app, "focus");
    app.command(Command::Complete);
    assert_eq!(app.prompt().unwrap().input.value(), "focus_");
    assert!(app.suggestions().len() >= 4);

    app.command(Command::Back);
    app.command(Command::CommandLine);
    type_text(&mut app, "bogus");
    app.command(Command::Submit);
    assert!(
        app.prompt()
            .unwrap()
            .error
            .as_deref()
            .unwrap()
            .contains("unknown command")
    );

    app.command(Command::Back);
    app.command(Command::CommandLine);
    type_text(&mut app, "quit");
    assert_eq!(app.command(Command::Submit), vec![Effect::Quit]);
}

#[test]
fn a_refused_form_stays_open_with_the_reason() {
    let (mut app, t0) = app();
    app.command(Command::CreateStream);
    type_text(&mut app, "orders");
    let effects = app.command(Command::Submit);
    assert!(
        matches!(actions(&effects).as_slice(), [Action::CreateStream(spec)] if spec.name == "orders")
    );
    let id = request_id(&effects);
    app.apply(at(t0, 1, done(id, "stream 'orders' already exists", false)));
    assert_eq!(app.mode(), Mode::Form);
    assert_eq!(
        app.form().unwrap().error.as_deref(),
        Some("stream 'orders' already exists")
    );
    // Refused, the form is unlocked: it can be submitted again, as a new request.
    let again = request_id(&app.command(Command::Submit));
    assert_ne!(again, id);
    app.apply(at(t0, 2, done(again, "created", true)));
    assert_eq!(app.mode(), Mode::Normal);
}

#[test]
fn read_only_refuses_changes() {
    let (mut app, t0) = app();
    app.session.read_only = true;
    app.apply(at(t0, 0, streams(&[("orders", 5)])));
    for command in [
        Command::CreateStream,
        Command::DeleteStream,
        Command::PurgeStream,
        Command::Publish,
    ] {
        assert!(app.command(command).is_empty());
        assert_eq!(app.mode(), Mode::Normal);
    }
    assert!(app.status().unwrap().text.contains("read-only"));
}

#[test]
fn every_pane_can_be_focused_even_with_one_server() {
    let (mut app, _) = app();
    let mut seen = Vec::new();
    for _ in 0..5 {
        app.command(Command::NextPane);
        seen.push(app.focus());
    }
    assert!(seen.contains(&Pane::Servers));
    app.command(Command::FocusServers);
    assert_eq!(app.focus(), Pane::Servers);
}

#[test]
fn publish_prefills_a_subject_of_the_selected_stream() {
    let (mut app, t0) = app();
    app.apply(at(
        t0,
        0,
        Update::Streams(Ok(vec![StreamRow {
            name: "orders".into(),
            subjects: vec!["orders.>".into(), "orders.new".into()],
            ..StreamRow::default()
        }])),
    ));
    app.command(Command::Publish);
    assert_eq!(app.form().unwrap().fields[0].input.value(), "orders.new");
    // Only wildcards: one is filled in.
    app.command(Command::Cancel);
    app.apply(at(t0, 1, streams(&[("audit", 1)])));
    app.command(Command::Publish);
    assert_eq!(app.form().unwrap().fields[0].input.value(), "audit.test");
}

#[test]
fn an_overlay_over_the_detail_returns_to_it() {
    let (mut app, t0) = app();
    app.apply(at(t0, 0, streams(&[("orders", 5)])));
    app.command(Command::Select);
    assert_eq!(app.mode(), Mode::Detail);
    app.command(Command::Help);
    assert_eq!((app.mode(), app.base_mode()), (Mode::Help, Mode::Detail));
    // The detail's own commands wait until the help is closed.
    assert!(app.command(Command::DeleteStream).is_empty());
    assert_eq!(app.mode(), Mode::Help);
    app.command(Command::Back);
    assert_eq!(app.mode(), Mode::Detail);
    app.command(Command::CommandLine);
    assert_eq!(app.mode(), Mode::Prompt);
    app.command(Command::Cancel);
    assert_eq!(app.mode(), Mode::Detail);
    assert_eq!(app.detail().map(|d| d.name.as_str()), Some("orders"));
    app.command(Command::Back);
    assert_eq!(app.mode(), Mode::Normal);
}

// ---- answers go to what asked ---------------------------------------------------------------

#[test]
fn a_detail_takes_readings_of_its_own_stream_only_and_ages() {
    let (mut app, t0) = app();
    app.apply(at(t0, 0, streams(&[("audit", 1), ("orders", 5)])));
    app.command(Command::Down);
    app.command(Command::Select);
    assert_eq!(app.detail().unwrap().name, "orders");
    // A reading of 'audit' (late, from before) is not shown as 'orders'.
    app.apply(at(t0, 1, detail_of("audit", 1)));
    assert_eq!(detail_messages(&app), None);
    app.apply(at(t0, 1, detail_of("orders", 5)));
    assert_eq!(detail_messages(&app), Some(5));
    // Live: every reading replaces the last.
    app.apply(at(t0, 2, detail_of("orders", 75)));
    assert_eq!(detail_messages(&app), Some(75));
    assert!(!app.detail().unwrap().data.stale());
    // Silent for a while: the detail says it is late, and keeps its figures.
    app.tick(t0 + Duration::from_secs(9));
    assert!(app.detail().unwrap().data.stale());
    assert_eq!(detail_messages(&app), Some(75));
}

#[test]
fn an_answer_for_a_closed_form_leaves_the_open_one_alone() {
    let (mut app, t0) = app();
    app.apply(at(t0, 0, streams(&[("orders", 5)])));
    app.command(Command::CreateStream);
    type_text(&mut app, "tickets");
    let create = request_id(&app.command(Command::Submit));
    // Closed before the broker answered; the publish form is opened instead.
    app.command(Command::Cancel);
    app.command(Command::Publish);
    app.apply(at(t0, 1, done(create, "stream 'tickets' created", true)));
    assert_eq!(app.mode(), Mode::Form);
    assert_eq!(app.form().unwrap().title(), "Publish a test message");
    assert_eq!(app.form().unwrap().error, None);
    // The outcome still reaches the status line.
    assert_eq!(app.status().unwrap().text, "stream 'tickets' created");
    app.apply(at(t0, 2, done(create, "stream 'tickets' refused", false)));
    assert_eq!(app.form().unwrap().error, None);
}

#[test]
fn a_submitted_form_is_pending_and_submits_once() {
    let (mut app, t0) = app();
    app.command(Command::Publish);
    type_text(&mut app, "orders.new");
    app.command(Command::NextField);
    type_text(&mut app, "hi");
    let first = app.command(Command::Submit);
    assert_eq!(actions(&first).len(), 1);
    let form = app.form().unwrap();
    assert_eq!(form.pending, Some(request_id(&first)));
    // Enter again, typing, moving between fields: nothing, while the broker has not answered.
    assert!(app.command(Command::Submit).is_empty());
    type_text(&mut app, "!!");
    app.command(Command::PrevField);
    let form = app.form().unwrap();
    assert_eq!((form.focus, form.fields[1].input.value()), (1, "hi"));
    app.apply(at(t0, 1, done(request_id(&first), "published", true)));
    assert_eq!(app.mode(), Mode::Normal);
}

#[test]
fn a_confirmation_sends_once_and_a_failure_keeps_it_open_with_the_reason() {
    let (mut app, t0) = app();
    app.apply(at(t0, 0, streams(&[("orders", 5)])));
    app.command(Command::Select);
    app.command(Command::DeleteStream);
    let first = confirm_with(&mut app, "orders");
    assert_eq!(actions(&first), vec![Action::DeleteStream("orders".into())]);
    assert_eq!(app.mode(), Mode::Confirm);
    assert!(app.command(Command::Confirm).is_empty());
    app.apply(at(t0, 1, done(request_id(&first), "not allowed", false)));
    assert_eq!(app.mode(), Mode::Confirm);
    assert_eq!(app.confirm().unwrap().error.as_deref(), Some("not allowed"));
    assert_eq!(app.status().unwrap().text, "not allowed");
    app.command(Command::Cancel);
    assert_eq!(app.mode(), Mode::Detail);
}

#[test]
fn the_consoles_own_traffic_is_left_out_of_the_throughput() {
    let (mut app, t0) = app();
    let sample = |app: &mut App, secs: u64, server_in: u64, own_out: u64| {
        let own = crate::model::OwnTraffic {
            out_msgs: own_out,
            in_msgs: own_out,
            on_monitored: true,
            ..Default::default()
        };
        app.apply(at(t0, secs, Update::Own(own)));
        let status = ServerStatus {
            in_msgs: server_in,
            out_msgs: server_in,
            ..ServerStatus::default()
        };
        app.apply(at(t0, secs, Update::Server(Ok(status))));
    };
    sample(&mut app, 0, 1_000, 500);
    sample(&mut app, 1, 1_100, 530);
    // 100 msgs/s reached the server, 30 of them from this console.
    assert_eq!(app.throughput.in_msgs.current(), Some(70.0));
    assert_eq!(app.throughput.out_msgs.current(), Some(70.0));
    assert_eq!(app.own.msgs, Some((30.0, 30.0)));
    // Never below zero.
    sample(&mut app, 2, 1_110, 600);
    assert_eq!(app.throughput.in_msgs.current(), Some(0.0));
    // Connected to another node of the cluster than the one monitored: its traffic is not in
    // that server's counters, so nothing is taken off.
    let own = crate::model::OwnTraffic {
        out_msgs: 700,
        in_msgs: 700,
        on_monitored: false,
        ..Default::default()
    };
    app.apply(at(t0, 3, Update::Own(own)));
    let status = ServerStatus {
        in_msgs: 1_210,
        out_msgs: 1_210,
        ..ServerStatus::default()
    };
    app.apply(at(t0, 3, Update::Server(Ok(status))));
    assert_eq!(app.throughput.in_msgs.current(), Some(100.0));
}
