//! Keymaps: the built-in files, merging user files, and the help listing and footer hints.

mod support;

use message_broker_ui::command::{Command, Mode};
use message_broker_ui::keymap::{BUILTIN_NAMES, Key, KeyPress, Keymap, Resolution};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use strum::VariantArray;
use support::keymap::{ch, key, spec, typed, user, user_error};

const DEFAULT_TOML: &str = include_str!("../../keymaps/default.toml");
const VIM_TOML: &str = include_str!("../../keymaps/vim.toml");

// ---- the built-in keymaps ---------------------------------------------------------------------

#[test]
fn built_in_keymaps_load() {
    for name in BUILTIN_NAMES {
        let keymap = Keymap::builtin(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        for &mode in Mode::VARIANTS {
            assert!(!keymap.bindings(mode).is_empty(), "{name} {mode:?}");
        }
    }
    assert_eq!(Keymap::builtin("default").unwrap(), Keymap::default());
    let err = Keymap::builtin("emacs").unwrap_err().to_string();
    assert!(
        err.contains("emacs") && err.contains("default, vim"),
        "{err}"
    );
}

#[test]
fn built_in_files_use_known_tables_and_commands_only() {
    // Merging into an empty keymap checks every table, key and command the file names.
    for (file, text) in [("default.toml", DEFAULT_TOML), ("vim.toml", VIM_TOML)] {
        let mut keymap = Keymap::empty();
        keymap
            .merge_str(file, text)
            .unwrap_or_else(|e| panic!("{e}"));
        let table: toml::Table = toml::from_str(text).unwrap();
        for (name, entries) in &table {
            assert!(
                name == "common" || Mode::VARIANTS.iter().any(|m| m.table() == name),
                "{file}: [{name}]"
            );
            for (keys, command) in entries.as_table().unwrap() {
                let command = command.as_str().unwrap();
                assert!(
                    Command::from_name(command).is_some(),
                    "{file} [{name}] {keys}: {command}"
                );
            }
        }
    }
}

#[test]
fn default_bindings_are_the_documented_ones() {
    let keymap = Keymap::default();
    let get = |mode, keys: &str| keymap.get(mode, &spec(keys));
    assert_eq!(get(Mode::Normal, "ctrl-c"), Some(Command::Quit));
    assert_eq!(get(Mode::Normal, "q"), Some(Command::Quit));
    assert_eq!(get(Mode::Normal, "?"), Some(Command::Help));
    assert_eq!(get(Mode::Normal, "esc"), Some(Command::Back));
    assert_eq!(get(Mode::Normal, "p"), Some(Command::Pause));
    assert_eq!(get(Mode::Normal, "P"), Some(Command::Publish));
    assert_eq!(get(Mode::Normal, "S"), Some(Command::SortReverse));
    assert_eq!(get(Mode::Normal, "3"), Some(Command::FocusConnections));
    assert_eq!(get(Mode::Normal, "shift-tab"), Some(Command::PrevPane));
    assert_eq!(get(Mode::Detail, "q"), Some(Command::Back));
    assert_eq!(get(Mode::Detail, "x"), Some(Command::PurgeStream));
    // The name is typed into a confirmation: no letter confirms it.
    assert_eq!(get(Mode::Confirm, "y"), None);
    assert_eq!(get(Mode::Confirm, "enter"), Some(Command::Confirm));
    assert_eq!(get(Mode::Confirm, "esc"), Some(Command::Cancel));
    assert_eq!(get(Mode::Normal, "C"), Some(Command::Consumers));
    assert_eq!(get(Mode::Normal, "5"), Some(Command::FocusServers));
    assert_eq!(get(Mode::Detail, "m"), Some(Command::Messages));
    assert_eq!(get(Mode::Detail, "r"), Some(Command::Refresh));
    assert_eq!(get(Mode::Message, "right"), Some(Command::NextMessage));
    assert_eq!(get(Mode::Message, "home"), Some(Command::FirstMessage));
    assert_eq!(get(Mode::Consumers, "d"), Some(Command::DeleteConsumer));
    assert_eq!(get(Mode::Tail, "p"), Some(Command::Pause));
    assert_eq!(get(Mode::Burst, "esc"), Some(Command::Cancel));
    assert_eq!(get(Mode::Help, "?"), Some(Command::Back));
    assert_eq!(get(Mode::Prompt, "tab"), Some(Command::Complete));
    assert_eq!(get(Mode::Form, "enter"), Some(Command::Submit));
    assert_eq!(get(Mode::Form, "ctrl-c"), Some(Command::Quit));
    assert_eq!(
        get(Mode::Normal, "j"),
        None,
        "vim keys are not in the default"
    );
}

#[test]
fn text_modes_leave_printable_keys_to_the_field() {
    for name in BUILTIN_NAMES {
        let keymap = Keymap::builtin(name).unwrap();
        for mode in [Mode::Form, Mode::Prompt] {
            for (keys, command) in keymap.bindings(mode) {
                assert!(
                    !spec(&keys).keys()[0].is_text(),
                    "{name} [{}] binds the printable {keys:?} to {command:?}",
                    mode.table()
                );
            }
            // `?` is help in [common], but typed in a form.
            assert_eq!(typed(&keymap, mode, &[ch('?')]), [Resolution::Unbound]);
        }
    }
}

#[test]
fn vim_adds_to_the_default_without_removing_from_it() {
    let default = Keymap::default();
    let vim = Keymap::builtin("vim").unwrap();
    for &mode in Mode::VARIANTS {
        for (keys, command) in default.bindings(mode) {
            assert_eq!(
                vim.get(mode, &spec(&keys)),
                Some(command),
                "{mode:?} {keys}"
            );
        }
    }
    let get = |keys: &str| vim.get(Mode::Normal, &spec(keys));
    assert_eq!(get("j"), Some(Command::Down));
    assert_eq!(get("k"), Some(Command::Up));
    assert_eq!(get("g g"), Some(Command::Top));
    assert_eq!(get("G"), Some(Command::Bottom));
    assert_eq!(get("ctrl-d"), Some(Command::PageDown));
    assert_eq!(get("ctrl-u"), Some(Command::PageUp));
    assert_eq!(get("h"), Some(Command::PrevPane));
    assert_eq!(get("l"), Some(Command::NextPane));
    assert_eq!(get("g"), None, "a prefix is not a binding");
}

// ---- user files -------------------------------------------------------------------------------

#[test]
fn a_user_binding_replaces_only_its_own_key() {
    let keymap = user("[normal]\n\"q\" = \"help\"\n\"ctrl-r\" = \"refresh\"\n").unwrap();
    let get = |keys: &str| keymap.get(Mode::Normal, &spec(keys));
    assert_eq!(get("q"), Some(Command::Help));
    assert_eq!(get("ctrl-r"), Some(Command::Refresh));
    assert_eq!(get("r"), Some(Command::Refresh));
    assert_eq!(get("ctrl-c"), Some(Command::Quit));
    assert_eq!(get("P"), Some(Command::Publish));
    assert_eq!(keymap.get(Mode::Detail, &spec("q")), Some(Command::Back));
    let default = Keymap::default();
    for mode in Mode::VARIANTS
        .iter()
        .copied()
        .filter(|m| *m != Mode::Normal)
    {
        assert_eq!(keymap.bindings(mode), default.bindings(mode), "{mode:?}");
    }
}

#[test]
fn none_unbinds() {
    let err = user_error("[normal]\n\"not-a-key\" = \"none\"\n");
    assert!(
        err.contains("[normal] \"not-a-key\""),
        "checked even when unbinding: {err}"
    );

    let keymap =
        user("[normal]\n\"d\" = \"none\"\n\"F9\" = \"none\"\n[common]\n\"?\" = \"none\"\n")
            .unwrap();
    assert_eq!(keymap.get(Mode::Normal, &spec("d")), None);
    assert_eq!(
        typed(&keymap, Mode::Normal, &[ch('d')]),
        [Resolution::Unbound]
    );
    assert_eq!(keymap.hint(Mode::Normal, Command::DeleteStream), None);
    assert_eq!(
        keymap.hint(Mode::Detail, Command::DeleteStream),
        Some("d".into())
    );
    assert_eq!(keymap.hint(Mode::Normal, Command::Help), None);
    assert_eq!(keymap.get(Mode::Help, &spec("?")), Some(Command::Back));
}

#[test]
fn a_user_file_can_rebind_a_vim_sequence() {
    let mut keymap = Keymap::builtin("vim").unwrap();
    let err = keymap
        .merge_str("my.toml", "[normal]\n\"g\" = \"refresh\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("[normal] \"g\"") && err.contains("\"g g\""),
        "{err}"
    );
    assert_eq!(
        keymap,
        Keymap::builtin("vim").unwrap(),
        "unchanged on error"
    );

    keymap
        .merge_str(
            "my.toml",
            "[normal]\n\"g\" = \"refresh\"\n\"g g\" = \"none\"\n",
        )
        .unwrap();
    assert_eq!(
        typed(&keymap, Mode::Normal, &[ch('g')]),
        [Resolution::Command(Command::Refresh)]
    );
}

#[test]
fn bad_user_files_name_the_file_table_key_and_problem() {
    let cases = [
        (
            "[normal]\n\"q\" = \"qiut\"\n",
            "keymap ~/.config/message-broker/keymap.toml, line 2: [normal] \"q\": unknown command \"qiut\"; did you mean \"quit\"?",
        ),
        (
            "[normal]\nq = \"frobnicate\"\n",
            "the commands are quit, help,",
        ),
        (
            "[normal]\n\"q\" = \"quit\"\n[nromal]\n\"x\" = \"quit\"\n",
            "line 3: [nromal] unknown table; the tables are common, normal, detail",
        ),
        (
            "[normal]\n\"ctrl-\" = \"quit\"\n",
            "line 2: [normal] \"ctrl-\": nothing follows 'ctrl-'",
        ),
        (
            "[detail]\n\"ctrl-pgup\" = \"top\"\n\"hpyer-x\" = \"top\"\n",
            "line 3: [detail] \"hpyer-x\": unknown key name 'hpyer-x'",
        ),
        (
            "[normal]\n\"q\" = 3\n",
            "line 2: [normal] \"q\": expected a command name in quotes, found an integer",
        ),
        (
            "[normal]\ng.g = \"top\"\n",
            "[normal] \"g\": expected a command name in quotes, found a table",
        ),
        (
            "normal = \"quit\"\n",
            "line 1: [normal] expected a table of \"KEY\" = \"command\" entries, found a string",
        ),
        (
            "[normal]\n\"G\" = \"bottom\"\n\"shift-g\" = \"top\"\n",
            "the same key as \"G\" in this table",
        ),
        (
            "[prompt]\n\"z\" = \"top\"\n\"z z\" = \"bottom\"\n",
            "[prompt] \"z\": it starts the sequence \"z z\" (bound to bottom)",
        ),
        (
            "[normal]\n\"q q\" = \"quit\"\n",
            "line 2: [normal] \"q q\": its first keys \"q\" are bound on their own (to quit); \
             unbind them with \"q\" = \"none\"",
        ),
    ];
    for (text, expected) in cases {
        let err = user_error(text);
        assert!(
            err.contains(expected),
            "{text:?}\n  got:      {err}\n  expected: {expected}"
        );
        assert!(!err.contains('\n'), "one line: {err}");
    }
}

#[test]
fn toml_syntax_errors_give_the_line() {
    for (text, line) in [
        ("[normal]\n\"q\" = \"quit\n", 2),
        ("[normal\n", 1),
        ("[normal]\n\"q\" = \"quit\"\n\n\"q\" = \"help\"\n", 4),
        ("[normal]\nq quit\n", 2),
    ] {
        let err = user(text).unwrap_err();
        assert_eq!(err.line, Some(line), "{text:?}: {err}");
        let message = err.to_string();
        assert!(
            message.starts_with(&format!(
                "keymap ~/.config/message-broker/keymap.toml, line {line}: column "
            )) && message.contains("invalid TOML"),
            "{message}"
        );
    }
}

// ---- help and hints ---------------------------------------------------------------------------

#[test]
fn help_lists_the_mode_and_common_bindings_in_a_stable_order() {
    let keymap = Keymap::builtin("vim").unwrap();
    let normal = keymap.bindings(Mode::Normal);
    assert!(normal.contains(&("ctrl-c".into(), Command::Quit)), "common");
    assert!(normal.contains(&("?".into(), Command::Help)), "common");
    assert!(normal.contains(&("g g".into(), Command::Top)));
    assert_eq!(normal, keymap.bindings(Mode::Normal), "deterministic");
    assert_eq!(normal, keymap.clone().bindings(Mode::Normal));

    // Ordered by command, then single plain keys before modified keys and sequences.
    let commands: Vec<Command> = normal.iter().map(|(_, c)| *c).collect();
    let mut sorted = commands.clone();
    sorted.sort();
    assert_eq!(commands, sorted);
    let quit: Vec<&str> = normal
        .iter()
        .filter(|(_, c)| *c == Command::Quit)
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(quit, ["q", "ctrl-c"]);
    let top: Vec<&str> = normal
        .iter()
        .filter(|(_, c)| *c == Command::Top)
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(top, ["home", "g g"]);

    // Common bindings shadowed by the mode are not listed: esc is cancel in a confirmation.
    let confirm = keymap.bindings(Mode::Confirm);
    assert!(!confirm.contains(&("esc".into(), Command::Back)));
    assert!(confirm.contains(&("esc".into(), Command::Cancel)));
    // `?` is typed into the confirmation's field, so the common help binding is not listed.
    assert!(!confirm.contains(&("?".into(), Command::Help)));
    assert!(
        keymap
            .bindings(Mode::Detail)
            .contains(&("?".into(), Command::Help))
    );

    // Every listed binding is what the handler does.
    for &mode in Mode::VARIANTS {
        for (keys, command) in keymap.bindings(mode) {
            let events: Vec<KeyEvent> = spec(&keys).keys().iter().map(|p| event_for(*p)).collect();
            let resolved = typed(&keymap, mode, &events);
            assert_eq!(
                resolved.last(),
                Some(&Resolution::Command(command)),
                "{mode:?} {keys}"
            );
        }
    }
}

#[test]
fn hints_name_the_first_listed_key() {
    let keymap = Keymap::default();
    assert_eq!(
        keymap.hint(Mode::Normal, Command::CreateStream).as_deref(),
        Some("c")
    );
    assert_eq!(
        keymap.hint(Mode::Normal, Command::Quit).as_deref(),
        Some("q")
    );
    assert_eq!(
        keymap.hint(Mode::Form, Command::Quit).as_deref(),
        Some("ctrl-c")
    );
    assert_eq!(
        keymap.hint(Mode::Confirm, Command::Cancel).as_deref(),
        Some("esc")
    );
    assert_eq!(
        keymap.hint(Mode::Form, Command::Submit).as_deref(),
        Some("enter")
    );
    assert_eq!(keymap.hint(Mode::Form, Command::CreateStream), None);
    let vim = Keymap::builtin("vim").unwrap();
    assert_eq!(vim.hint(Mode::Detail, Command::Down).as_deref(), Some("j"));
}

/// A terminal event for a normalised press (the inverse of `KeyPress::from_event`).
fn event_for(p: KeyPress) -> KeyEvent {
    let code = match p.key {
        Key::Char(c) => KeyCode::Char(c),
        Key::Enter => KeyCode::Enter,
        Key::Esc => KeyCode::Esc,
        Key::Tab => KeyCode::Tab,
        Key::BackTab => KeyCode::BackTab,
        Key::Backspace => KeyCode::Backspace,
        Key::Delete => KeyCode::Delete,
        Key::Insert => KeyCode::Insert,
        Key::Up => KeyCode::Up,
        Key::Down => KeyCode::Down,
        Key::Left => KeyCode::Left,
        Key::Right => KeyCode::Right,
        Key::Home => KeyCode::Home,
        Key::End => KeyCode::End,
        Key::PageUp => KeyCode::PageUp,
        Key::PageDown => KeyCode::PageDown,
        Key::F(n) => KeyCode::F(n),
    };
    let mut modifiers = KeyModifiers::NONE;
    modifiers.set(KeyModifiers::CONTROL, p.ctrl);
    modifiers.set(KeyModifiers::ALT, p.alt);
    modifiers.set(KeyModifiers::SHIFT, p.shift);
    key(code, modifiers)
}
