//! What the broker hands the console is written by anyone who can publish: subjects, headers and
//! payloads holding terminal control sequences (clear the screen, retitle the window, move the
//! cursor) are drawn as text, never passed to the terminal.

mod support;

use std::collections::BTreeMap;

use message_broker_model::stream::{Encoding, StoredMessageView};
use message_broker_ui::command::Command;
use message_broker_ui::model::{TailBatch, TailMessage, Update};
use support::render::{Shot, at, full, render, request_id, type_text};

/// ESC, BEL and the 8-bit CSI, each the start of a control sequence.
const HOSTILE: &str = "evil\u{1b}[2J\u{1b}]0;owned\u{7}\u{9b}1;1H";

fn assert_no_control(shot: &Shot) {
    let area = shot.buffer.area;
    for y in 0..area.height {
        for x in 0..area.width {
            let symbol = shot.buffer[(x, y)].symbol();
            assert!(
                !symbol.contains(char::is_control),
                "control character at {x},{y}: {symbol:?}\n{}",
                shot.text()
            );
        }
    }
}

#[test]
fn a_stored_message_with_control_sequences_is_drawn_as_text() {
    let (mut app, t0) = full();
    app.command(Command::FocusStreams);
    let id = request_id(&app.command(Command::Messages));
    let mut headers = BTreeMap::new();
    headers.insert("Trace".to_owned(), vec![HOSTILE.to_owned()]);
    app.apply(at(
        t0,
        6,
        Update::Message {
            id,
            result: Ok(Box::new(StoredMessageView {
                stream: "audit".into(),
                subject: format!("audit.{HOSTILE}"),
                seq: 7,
                time: Some("2024-05-01T12:00:00Z".into()),
                headers,
                encoding: Encoding::Text,
                payload: HOSTILE.into(),
                size: HOSTILE.len(),
            })),
        },
    ));
    for (width, height) in [(80, 24), (160, 48)] {
        let shot = render(&app, width, height);
        assert_no_control(&shot);
        shot.assert_has(&["evil[2J]0;owned"]);
    }
}

#[test]
fn a_tailed_message_with_control_sequences_is_drawn_as_text() {
    let (mut app, t0) = full();
    app.command(Command::CommandLine);
    type_text(&mut app, "tail >");
    let id = request_id(&app.command(Command::Submit));
    app.apply(at(
        t0,
        6,
        Update::Tail {
            id,
            batch: TailBatch {
                messages: vec![TailMessage {
                    subject: format!("x.{HOSTILE}"),
                    time: "12:00:00.000".into(),
                    size: HOSTILE.len(),
                    headers: 0,
                    encoding: Encoding::Text,
                    preview: HOSTILE.into(),
                }],
                received: 1,
                ..TailBatch::default()
            },
        },
    ));
    for (width, height) in [(80, 24), (160, 48)] {
        let shot = render(&app, width, height);
        assert_no_control(&shot);
        shot.assert_has(&["evil[2J]0;owned"]);
    }
}
