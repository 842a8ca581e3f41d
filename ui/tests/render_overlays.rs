//! The console's overlays and footer drawn on a `TestBackend`: help, forms, confirmations, the
//! command line and status line, read-only hints, and overlays on tiny terminals.

mod support;

use std::time::Instant;

use message_broker_ui::command::Command;
use message_broker_ui::keymap::Keymap;
use message_broker_ui::model::{RequestId, Stamped, Update};
use message_broker_ui::state::App;
use message_broker_ui::theme::Role;
use ratatui::layout::Position;
use support::render::{at, done, full, render, render_with, request_id, role_fg, type_text};

#[test]
fn overlays_on_tiny_terminals_do_not_panic() {
    let sizes = [(1, 1), (2, 2), (10, 3), (20, 5), (40, 10), (60, 12)];
    let (mut app, t0) = full();
    let states: [fn(&mut App, Instant); 9] = [
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
            let result = Ok(Box::default());
            let name = "audit".into();
            app.apply(at(t0, 6, Update::StreamDetail { name, result }));
        },
        |app, _| {
            app.command(Command::Consumers);
        },
        |app, _| {
            app.command(Command::Messages);
        },
        |app, _| {
            app.command(Command::CommandLine);
            type_text(app, "tail orders.>");
            app.command(Command::Submit);
        },
        |app, _| {
            app.command(Command::CommandLine);
            type_text(app, "burst orders.x 10");
            app.command(Command::Submit);
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
    // Then the command line's own commands, from the table that parses them.
    shot.assert_has(&[
        "Command line (:, Tab completes)",
        ":burst SUBJECT COUNT [RATE]",
        ":msg SEQ",
        "message SEQ of the open stream",
        ":stream NAME",
    ]);
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

    // Sent, the form says it is waiting, greys its fields and takes no more text.
    app.command(Command::Cancel);
    app.command(Command::CreateStream);
    type_text(&mut app, "tickets");
    let id = request_id(&app.command(Command::Submit));
    let shot = render(&app, 80, 24);
    shot.assert_has(&["creating the stream…  esc close", "esc close"]);
    shot.assert_lacks(&["tab next field", "enter submit"]);
    assert_eq!(shot.fg_of("tickets"), role_fg(Role::Muted));
    assert_eq!(shot.cursor, None);

    // A refusal from the broker shows in the form, which is unlocked again.
    app.apply(Stamped::now(done(id, "insufficient resources", false)));
    let shot = render(&app, 80, 24);
    shot.assert_has(&["⚠ insufficient resources", "tab next field"]);

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
fn confirm_dialog_shows_the_loss_and_wants_the_name_typed() {
    let (mut app, _) = full();
    app.command(Command::DeleteStream);
    let shot = render(&app, 80, 24);
    shot.assert_has(&[
        "Delete stream 'audit'",
        "Will be lost: 3.0k messages, 3.4 MiB, 2 consumers",
        "This cannot be undone.",
        "Type 'audit' to confirm:",
        "enter confirm (once typed)",
        "esc cancel",
    ]);
    let (x, y) = shot.find("Type 'audit' to confirm: ");
    assert_eq!(shot.cursor, Some(Position::new(x + 25, y)));
    let footer = render(&app, 160, 48).lines()[47].clone();
    assert!(footer.contains("enter confirm (type the name)"), "{footer}");
    // Enter before the name is typed: No, and why.
    app.command(Command::Confirm);
    render(&app, 80, 24).assert_has(&["↳ type 'audit' to confirm, or Esc to cancel"]);
    type_text(&mut app, "audit");
    let shot = render(&app, 80, 24);
    shot.assert_has(&["enter confirm   esc cancel"]);
    assert_eq!(shot.fg_of("confirm   esc"), role_fg(Role::Error));

    // Sent, it says what it is doing until the broker answers.
    app.command(Command::Confirm);
    let shot = render(&app, 80, 24);
    shot.assert_has(&["deleting 'audit'…  esc close"]);
    shot.assert_lacks(&["confirm (once typed)"]);
}

#[test]
fn command_line_suggestions_and_errors() {
    let (mut app, _) = full();
    app.command(Command::CommandLine);
    type_text(&mut app, "focus_");
    let shot = render(&app, 80, 24);
    shot.assert_has(&[
        ":focus_",
        "focus_throughput  focus_streams",
        "enter run",
        "tab complete",
    ]);
    assert_eq!(shot.cursor, Some(Position::new(7, 22)));
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
    app.apply(Stamped::now(done(RequestId(1), "stream 'x' created", true)));
    let shot = render(&app, 80, 24);
    assert_eq!(shot.fg_of("stream 'x' created"), role_fg(Role::Ok));
    app.apply(Stamped::now(done(
        RequestId(2),
        "purge failed: timeout",
        false,
    )));
    let shot = render(&app, 80, 24);
    assert_eq!(shot.lines()[22].trim_end(), "purge failed: timeout");
    assert_eq!(shot.fg_of("purge failed"), role_fg(Role::Error));
}

#[test]
fn read_only_hides_the_write_hints() {
    let (mut app, _) = full();
    app.session.read_only = true;
    let shot = render(&app, 160, 48);
    shot.assert_has(&["read-only"]);
    shot.assert_lacks(&["c create", "P publish"]);
}

#[test]
fn a_help_taller_than_the_screen_scrolls() {
    let (mut app, _) = full();
    let vim = Keymap::builtin("vim").unwrap();
    app.command(Command::Help);
    let top = render_with(&app, &vim, 70, 14);
    top.assert_has(&["↓ more"]);
    app.command(Command::Bottom);
    let bottom = render_with(&app, &vim, 70, 14);
    bottom.assert_has(&["↑ more"]);
    bottom.assert_lacks(&["↓ more"]);
    assert_ne!(top.text(), bottom.text());
    // Scrolling past the end stays on the last page; closing and reopening starts at the top.
    app.command(Command::PageDown);
    assert_eq!(render_with(&app, &vim, 70, 14).text(), bottom.text());
    app.command(Command::Help);
    app.command(Command::Help);
    assert_eq!(render_with(&app, &vim, 70, 14).text(), top.text());
}
