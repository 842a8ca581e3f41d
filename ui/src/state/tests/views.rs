//! The selection that follows its item, events logged once, and the views over the dashboard:
//! consumers, messages, tails, bursts, and the command line that reaches them.

use super::*;
use crate::model::{BurstProgress, ConsumerRow, MessageAt, TailBatch, TailMessage};
use message_broker_model::stream::{Encoding, StoredMessageView};
use strum::VariantArray;

fn run(app: &mut App, line: &str) -> Vec<Effect> {
    app.command(Command::CommandLine);
    type_text(app, line);
    app.command(Command::Submit)
}

fn consumers(rows: &[(&str, &str, u64)]) -> Update {
    Update::ConsumersOf {
        streams: rows
            .iter()
            .map(|(stream, _, _)| (*stream).to_owned())
            .collect(),
        result: Ok(rows
            .iter()
            .map(|(stream, name, pending)| ConsumerRow {
                stream: (*stream).into(),
                name: (*name).into(),
                pending: *pending,
                ..ConsumerRow::default()
            })
            .collect()),
    }
}

fn message(seq: u64) -> StoredMessageView {
    StoredMessageView {
        stream: "orders".into(),
        subject: "orders.new".into(),
        seq,
        time: None,
        headers: Default::default(),
        encoding: Encoding::Text,
        payload: serde_json::Value::String(format!("m{seq}")),
        size: 2,
    }
}

fn texts(app: &App) -> Vec<String> {
    app.events.iter().map(|e| e.text.clone()).collect()
}

#[test]
fn the_selection_stays_on_its_stream_across_deletes_and_re_sorts() {
    let (mut app, t0) = app();
    app.apply(at(t0, 0, streams(&[("a", 1), ("b", 2), ("c", 3)])));
    app.command(Command::Down);
    assert_eq!(app.selected_stream().as_deref(), Some("b"));
    // A stream above it is deleted from outside: still on 'b'.
    app.apply(at(t0, 1, streams(&[("b", 2), ("c", 3)])));
    assert_eq!(app.selected_stream().as_deref(), Some("b"));
    assert_eq!(app.stream_table.selected, 0);
    // A new stream above it, then a live re-sort by messages: still on 'b'.
    app.apply(at(t0, 2, streams(&[("aa", 9), ("b", 2), ("c", 3)])));
    assert_eq!(app.selected_stream().as_deref(), Some("b"));
    let by_messages = tables::StreamColumn::VARIANTS
        .iter()
        .position(|c| *c == tables::StreamColumn::Messages)
        .unwrap();
    for _ in 0..by_messages {
        app.command(Command::SortNext);
    }
    assert_eq!(app.stream_sort(), tables::StreamColumn::Messages);
    assert_eq!(app.selected_stream().as_deref(), Some("b"));
    app.apply(at(t0, 3, streams(&[("aa", 9), ("b", 20), ("c", 3)])));
    assert_eq!(app.stream_table.selected, 0);
    assert_eq!(app.selected_stream().as_deref(), Some("b"));
    // 'b' itself goes: the selection moves to a neighbour and says so; `d` then names it.
    app.apply(at(t0, 4, streams(&[("aa", 9), ("c", 3)])));
    let now_on = app.selected_stream().unwrap();
    assert_eq!(
        app.status().unwrap().text,
        format!("stream 'b' is gone; the selection moved to '{now_on}'")
    );
    app.command(Command::DeleteStream);
    assert_eq!(app.confirm().unwrap().target, now_on);
}

#[test]
fn each_action_and_each_outside_change_is_logged_once() {
    let (mut app, t0) = app();
    app.apply(at(t0, 0, streams(&[("orders", 1)])));
    app.command(Command::CreateStream);
    type_text(&mut app, "tickets");
    let id = request_id(&app.command(Command::Submit));
    // The listing sees the new stream before the answer arrives: not logged as a change.
    app.apply(at(t0, 1, streams(&[("orders", 1), ("tickets", 0)])));
    app.apply(at(t0, 1, done(id, "stream 'tickets' created", true)));
    assert_eq!(texts(&app), ["stream 'tickets' created"]);
    // One created from outside is logged, once.
    app.apply(at(
        t0,
        2,
        streams(&[("audit", 0), ("orders", 1), ("tickets", 0)]),
    ));
    app.apply(at(
        t0,
        3,
        streams(&[("audit", 0), ("orders", 1), ("tickets", 0)]),
    ));
    assert_eq!(texts(&app)[1], "stream 'audit' created");
    assert_eq!(app.events.len(), 2);
    assert_eq!(app.events.last().unwrap().time, "00:00:02Z");
}

#[test]
fn the_events_list_scrolls_and_filters() {
    let (mut app, t0) = app();
    for i in 0..30 {
        app.log(EventLevel::Info, t0, format!("event {i}"));
    }
    app.log(EventLevel::Error, t0, "NATS stalled");
    app.command(Command::FocusErrors);
    assert_eq!(app.event_lines()[0].text, "NATS stalled");
    app.command(Command::Down);
    app.command(Command::Down);
    assert_eq!(app.event_table.selected, 2);
    // Scrolled: a new event does not move the lines being read.
    app.log(EventLevel::Info, t0, "event 31");
    assert_eq!(app.event_table.selected, 3);
    app.command(Command::Filter);
    type_text(&mut app, "error");
    assert_eq!(app.event_lines().len(), 1);
    app.command(Command::Submit);
    assert_eq!(app.event_table.filter, "error");
}

#[test]
fn the_consumers_view_sorts_opens_and_deletes_with_the_name_typed() {
    let (mut app, t0) = app();
    app.apply(at(t0, 0, streams(&[("orders", 5)])));
    app.apply(at(
        t0,
        0,
        consumers(&[("orders", "ship", 10), ("audit", "idle", 500)]),
    ));
    app.command(Command::Consumers);
    assert_eq!(app.mode(), Mode::Consumers);
    let keys: Vec<String> = app.consumer_lines().iter().map(|l| l.row.key()).collect();
    assert_eq!(keys, ["audit/idle", "orders/ship"]);
    app.command(Command::Down);
    app.command(Command::Select);
    assert_eq!(app.mode(), Mode::Consumer);
    app.command(Command::DeleteConsumer);
    assert_eq!(app.confirm().unwrap().target, "ship");
    let effects = confirm_with(&mut app, "ship");
    assert_eq!(
        actions(&effects),
        vec![Action::DeleteConsumer {
            stream: "orders".into(),
            consumer: "ship".into()
        }]
    );
    app.apply(at(
        t0,
        1,
        done(request_id(&effects), "consumer 'ship' deleted", true),
    ));
    // Its detail closes; the list is what is left.
    assert_eq!(app.mode(), Mode::Consumers);
    app.command(Command::Back);
    assert_eq!(app.mode(), Mode::Normal);
    // From a stream's detail, its own consumers.
    app.command(Command::Select);
    app.command(Command::Consumers);
    assert_eq!(app.consumer_table.filter, "orders");
}

#[test]
fn messages_step_by_sequence_one_read_at_a_time() {
    let (mut app, t0) = app();
    app.apply(at(t0, 0, streams(&[("orders", 5)])));
    app.command(Command::Select);
    let effects = app.command(Command::Messages);
    assert_eq!(
        actions(&effects),
        vec![Action::ReadMessage {
            stream: "orders".into(),
            at: MessageAt::Last
        }]
    );
    assert_eq!(app.mode(), Mode::Message);
    // A step while the read is in flight waits for nothing.
    assert!(app.command(Command::PrevMessage).is_empty());
    let id = request_id(&effects);
    app.apply(at(
        t0,
        1,
        Update::Message {
            id,
            result: Ok(Box::new(message(5))),
        },
    ));
    let effects = app.command(Command::PrevMessage);
    assert_eq!(
        actions(&effects),
        vec![Action::ReadMessage {
            stream: "orders".into(),
            at: MessageAt::Before(5)
        }]
    );
    // Nothing before: the message shown stays, with the reason.
    let id = request_id(&effects);
    app.apply(at(
        t0,
        2,
        Update::Message {
            id,
            result: Err("no message before 5".into()),
        },
    ));
    let Base::Message(view) = app.base() else {
        panic!("not the message view")
    };
    assert_eq!(view.message.as_ref().unwrap().seq, 5);
    assert_eq!(view.error.as_deref(), Some("no message before 5"));
    // `:msg N` jumps; Esc goes back to the detail, then the dashboard.
    let effects = run(&mut app, "msg 500");
    assert_eq!(
        actions(&effects),
        vec![Action::ReadMessage {
            stream: "orders".into(),
            at: MessageAt::Seq(500)
        }]
    );
    app.command(Command::Back);
    assert_eq!(app.mode(), Mode::Detail);
    app.command(Command::Back);
    assert_eq!(app.mode(), Mode::Normal);
    // Without a stream open, `:msg` says what to do.
    app.command(Command::FocusErrors);
    assert!(run(&mut app, "msg 1").is_empty());
    assert!(
        app.prompt()
            .unwrap()
            .error
            .as_deref()
            .unwrap()
            .contains(":stream NAME")
    );
}

fn tail_line(n: u32) -> TailMessage {
    TailMessage {
        subject: "orders.new".into(),
        time: "12:00:00.000".into(),
        size: 1,
        headers: 0,
        encoding: Encoding::Text,
        preview: format!("{n}"),
    }
}

#[test]
fn a_tail_shows_batches_pauses_and_stops_when_closed() {
    let (mut app, t0) = app();
    let effects = run(&mut app, "tail orders.>");
    assert_eq!(
        actions(&effects),
        vec![Action::Tail {
            subject: "orders.>".into()
        }]
    );
    let id = request_id(&effects);
    let batch = |from: u32, to: u32, received: u64| TailBatch {
        messages: (from..to).map(tail_line).collect(),
        received,
        ..TailBatch::default()
    };
    app.apply(at(
        t0,
        1,
        Update::Tail {
            id,
            batch: batch(0, 3, 3),
        },
    ));
    app.command(Command::Pause);
    assert!(
        !app.paused,
        "pause in a tail holds the tail, not the dashboard"
    );
    app.apply(at(
        t0,
        2,
        Update::Tail {
            id,
            batch: batch(3, 5, 5),
        },
    ));
    let Base::Tail(tail) = app.base() else {
        panic!("not a tail")
    };
    assert_eq!((tail.messages.len(), tail.held(), tail.received), (3, 2, 5));
    assert!(tail.rate.current().is_some());
    app.command(Command::Pause);
    let Base::Tail(tail) = app.base() else {
        panic!("not a tail")
    };
    assert_eq!((tail.messages.len(), tail.held()), (5, 0));
    assert_eq!(app.command(Command::Back), vec![Effect::Cancel(id)]);
    // A batch for the closed tail changes nothing.
    app.apply(at(
        t0,
        3,
        Update::Tail {
            id,
            batch: batch(5, 6, 6),
        },
    ));
    assert_eq!(app.mode(), Mode::Normal);
}

#[test]
fn a_burst_reports_progress_and_esc_cancels_then_closes() {
    let (mut app, t0) = app();
    let effects = run(&mut app, "burst orders.test 2000 500");
    assert_eq!(
        actions(&effects),
        vec![Action::Burst {
            subject: "orders.test".into(),
            count: 2000,
            rate: Some(500.0)
        }]
    );
    assert_eq!(app.mode(), Mode::Burst);
    let id = request_id(&effects);
    let progress = |acked, finished| BurstProgress {
        sent: acked,
        acked,
        finished,
        ..BurstProgress::default()
    };
    app.apply(at(
        t0,
        1,
        Update::Burst {
            id,
            progress: progress(700, false),
        },
    ));
    assert_eq!(app.command(Command::Cancel), vec![Effect::Cancel(id)]);
    // Cancelling: a second Esc does not close it before the burst has stopped.
    assert!(app.command(Command::Cancel).is_empty());
    assert_eq!(app.mode(), Mode::Burst);
    app.apply(at(
        t0,
        2,
        Update::Burst {
            id,
            progress: progress(720, true),
        },
    ));
    app.command(Command::Cancel);
    assert_eq!(app.mode(), Mode::Normal);
    // Read-only refuses it.
    app.session.read_only = true;
    assert!(run(&mut app, "burst orders.test 10").is_empty());
    assert!(
        app.prompt()
            .unwrap()
            .error
            .as_deref()
            .unwrap()
            .contains("read-only")
    );
}

#[test]
fn the_command_line_opens_views_by_name() {
    let (mut app, t0) = app();
    app.apply(at(t0, 0, streams(&[("orders", 5), ("audit", 1)])));
    run(&mut app, "stream orders");
    assert_eq!(app.detail().unwrap().name, "orders");
    run(&mut app, "consumers ord");
    assert_eq!(
        (app.mode(), app.consumer_table.filter.as_str()),
        (Mode::Consumers, "ord")
    );
    run(&mut app, "servers");
    assert_eq!((app.mode(), app.focus()), (Mode::Normal, Pane::Servers));
    run(&mut app, "streams aud");
    assert_eq!(app.focus(), Pane::Streams);
    assert_eq!(app.stream_lines().len(), 1);
    // Tab completes a command's name, and a space after one that takes arguments.
    app.command(Command::CommandLine);
    type_text(&mut app, "ta");
    app.command(Command::Complete);
    assert_eq!(app.prompt().unwrap().input.value(), "tail ");
    assert_eq!(app.suggestions(), ["SUBJECT"]);
}

#[test]
fn between_listings_some_rows_and_some_consumers_are_replaced() {
    let (mut app, t0) = app();
    app.apply(at(t0, 0, streams(&[("a", 10), ("b", 20)])));
    app.apply(at(t0, 0, consumers(&[("a", "x", 1), ("b", "y", 2)])));
    // The selected row read again: its figures and rate change, the others keep theirs.
    let mut fresh = app.stream_row("a").unwrap().clone();
    fresh.messages = 30;
    fresh.last_seq = 30;
    app.apply(at(t0, 2, Update::StreamRows(vec![fresh])));
    assert_eq!(app.stream_row("a").unwrap().messages, 30);
    assert_eq!(app.stream_row("b").unwrap().messages, 20);
    let rate = |app: &App, name: &str| {
        app.stream_lines()
            .iter()
            .find(|l| l.row.name == name)
            .and_then(|l| l.rate)
    };
    assert_eq!(rate(&app, "a"), Some(10.0));
    assert_eq!(rate(&app, "b"), None);
    // An empty batch says the source answers: not late, and the listing keeps its age.
    app.tick(t0 + Duration::from_secs(8));
    assert!(app.streams.stale());
    app.apply(at(t0, 8, Update::StreamRows(Vec::new())));
    assert!(!app.streams.stale());
    assert_eq!(
        app.streams.age(t0 + Duration::from_secs(8)),
        Some(Duration::from_secs(8))
    );
    // One stream's consumers replace only that stream's.
    app.apply(at(t0, 8, consumers(&[("b", "z", 5)])));
    let keys: Vec<String> = app.consumer_lines().iter().map(|l| l.row.key()).collect();
    assert_eq!(keys, ["a/x", "b/z"]);
    // A listing without 'a' drops its consumers too.
    app.apply(at(t0, 9, streams(&[("b", 20)])));
    let keys: Vec<String> = app.consumer_lines().iter().map(|l| l.row.key()).collect();
    assert_eq!(keys, ["b/z"]);
}
