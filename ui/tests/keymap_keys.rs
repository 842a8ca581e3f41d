//! Keymaps: key syntax, matching terminal events, and resolving keys and sequences.

mod support;

use message_broker_ui::command::{Command, Mode};
use message_broker_ui::keymap::{Key, KeyPress, KeyResolver, KeySpec, Keymap, Resolution};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use support::keymap::{ch, key, press, spec, typed, user};

// ---- key syntax -------------------------------------------------------------------------------

#[test]
fn single_characters_parse_and_keep_their_case() {
    for c in ['q', '?', '/', ':', 'G', '1', '-', '!', 'é'] {
        let p = press(&c.to_string());
        assert_eq!(p, KeyPress::plain(Key::Char(c)));
        assert_eq!(p.to_string(), c.to_string());
    }
    assert_ne!(press("g"), press("G"));
}

#[test]
fn named_keys_parse_and_format_back() {
    let named = [
        ("enter", Key::Enter),
        ("esc", Key::Esc),
        ("tab", Key::Tab),
        ("backtab", Key::BackTab),
        ("up", Key::Up),
        ("down", Key::Down),
        ("left", Key::Left),
        ("right", Key::Right),
        ("pageup", Key::PageUp),
        ("pagedown", Key::PageDown),
        ("home", Key::Home),
        ("end", Key::End),
        ("insert", Key::Insert),
        ("delete", Key::Delete),
        ("backspace", Key::Backspace),
        ("space", Key::Char(' ')),
        ("f1", Key::F(1)),
        ("f12", Key::F(12)),
    ];
    for (name, k) in named {
        assert_eq!(press(name), KeyPress::plain(k), "{name}");
        assert_eq!(press(name).to_string(), name);
        assert_eq!(
            press(&name.to_uppercase()),
            KeyPress::plain(k),
            "names ignore case"
        );
    }
    for (alias, name) in [
        ("return", "enter"),
        ("escape", "esc"),
        ("pgup", "pageup"),
        ("pgdn", "pagedown"),
    ] {
        assert_eq!(press(alias).to_string(), name);
    }
}

#[test]
fn modifiers_parse_and_format_in_a_fixed_order() {
    let p = press("ctrl-c");
    assert!(p.ctrl && !p.alt && !p.shift);
    assert_eq!(p.key, Key::Char('c'));
    assert_eq!(press("alt-x").to_string(), "alt-x");
    assert_eq!(press("alt-ctrl-d").to_string(), "ctrl-alt-d");
    assert_eq!(press("Ctrl-Alt-Up").to_string(), "ctrl-alt-up");
    assert_eq!(press("shift-up").to_string(), "shift-up");
    assert_eq!(
        press("ctrl--").to_string(),
        "ctrl--",
        "ctrl with the minus key"
    );
    assert_eq!(press("ctrl-space").to_string(), "ctrl-space");
}

#[test]
fn shift_is_normalised_away_where_the_key_itself_says_it() {
    assert_eq!(press("shift-g"), press("G"));
    assert_eq!(press("shift-G"), press("G"));
    assert_eq!(press("shift-tab"), press("backtab"));
    assert_eq!(press("shift-tab").to_string(), "backtab");
    assert_eq!(press("ctrl-shift-a").to_string(), "ctrl-A");
    assert_eq!(press("alt-shift-tab").to_string(), "alt-backtab");
}

#[test]
fn sequences_parse_and_format_back() {
    let s = spec("g g");
    assert_eq!(s.keys(), [press("g"), press("g")]);
    assert_eq!(s.to_string(), "g g");
    assert_eq!(spec("  g   ctrl-x ").to_string(), "g ctrl-x");
    assert_eq!(spec("?").to_string(), "?");
    assert_eq!(spec("ctrl-c").to_string(), "ctrl-c");
}

#[test]
fn bad_keys_are_refused_with_a_reason() {
    for (text, expected) in [
        ("", "empty key"),
        ("   ", "empty key"),
        ("ctrl-", "nothing follows 'ctrl-'"),
        ("ctrl-ctrl-c", "'ctrl' is given twice"),
        ("foo", "unknown key name 'foo'"),
        ("hyper-x", "unknown key name 'hyper-x'"),
        ("f0", "f1 to f24"),
        ("f25", "f1 to f24"),
        ("shift-1", "write the shifted character itself"),
        ("g ctrl-", "'ctrl-': nothing follows"),
        ("\t", "empty key"),
    ] {
        let err = text.parse::<KeySpec>().expect_err(text);
        assert!(err.contains(expected), "{text:?}: {err}");
    }
}

// ---- matching terminal events -----------------------------------------------------------------

#[test]
fn events_normalise_like_specs() {
    assert!(spec("G").matches(&key(KeyCode::Char('G'), KeyModifiers::SHIFT)));
    assert!(spec("G").matches(&ch('G')));
    assert!(spec("G").matches(&key(KeyCode::Char('g'), KeyModifiers::SHIFT)));
    assert!(!spec("g").matches(&ch('G')));
    assert!(spec("?").matches(&key(KeyCode::Char('?'), KeyModifiers::SHIFT)));
    for backtab in [
        key(KeyCode::BackTab, KeyModifiers::NONE),
        key(KeyCode::BackTab, KeyModifiers::SHIFT),
        key(KeyCode::Tab, KeyModifiers::SHIFT),
    ] {
        assert!(spec("backtab").matches(&backtab), "{backtab:?}");
        assert!(spec("shift-tab").matches(&backtab), "{backtab:?}");
        assert!(!spec("tab").matches(&backtab));
    }
    assert!(spec("ctrl-c").matches(&key(KeyCode::Char('c'), KeyModifiers::CONTROL)));
    assert!(!spec("ctrl-c").matches(&ch('c')));
    assert!(!spec("c").matches(&key(KeyCode::Char('c'), KeyModifiers::CONTROL)));
    assert!(spec("space").matches(&ch(' ')));
    assert!(spec("f5").matches(&key(KeyCode::F(5), KeyModifiers::NONE)));
    assert!(
        !spec("g g").matches(&ch('g')),
        "a sequence is never one event"
    );
}

#[test]
fn only_presses_and_repeats_count() {
    let mut event = ch('q');
    event.kind = KeyEventKind::Release;
    assert_eq!(KeyPress::from_event(&event), None);
    assert!(!spec("q").matches(&event));
    event.kind = KeyEventKind::Repeat;
    assert!(spec("q").matches(&event));
    let with_super = key(KeyCode::Char('q'), KeyModifiers::SUPER);
    assert_eq!(KeyPress::from_event(&with_super), None);
}

// ---- resolving keys ---------------------------------------------------------------------------

#[test]
fn a_sequence_runs_its_command_on_the_last_key() {
    let vim = Keymap::builtin("vim").unwrap();
    let mut resolver = KeyResolver::new();
    assert_eq!(
        resolver.resolve(&vim, Mode::Normal, &ch('g')),
        Resolution::Pending
    );
    assert_eq!(
        resolver.pending().map(|p| p.to_string()).as_deref(),
        Some("g")
    );
    assert_eq!(
        resolver.resolve(&vim, Mode::Normal, &ch('g')),
        Resolution::Command(Command::Top)
    );
    assert_eq!(resolver.pending(), None);
    assert_eq!(
        vim.resolve(&mut resolver, Mode::Normal, &ch('g')),
        Resolution::Pending
    );
    assert_eq!(
        vim.resolve(&mut resolver, Mode::Normal, &ch('g')),
        Resolution::Command(Command::Top)
    );
    assert_eq!(
        typed(&vim, Mode::Normal, &[ch('g'), ch('g'), ch('g'), ch('g')]),
        [
            Resolution::Pending,
            Resolution::Command(Command::Top),
            Resolution::Pending,
            Resolution::Command(Command::Top)
        ]
    );
}

#[test]
fn a_key_that_breaks_a_sequence_resets_it_and_counts_on_its_own() {
    let vim = Keymap::builtin("vim").unwrap();
    let normal = |events: &[KeyEvent]| typed(&vim, Mode::Normal, events);
    assert_eq!(
        normal(&[ch('g'), ch('x')]),
        [
            Resolution::Pending,
            Resolution::Command(Command::PurgeStream)
        ]
    );
    assert_eq!(
        normal(&[ch('g'), ch('z'), ch('g'), ch('g')]),
        [
            Resolution::Pending,
            Resolution::Unbound,
            Resolution::Pending,
            Resolution::Command(Command::Top)
        ]
    );
    assert_eq!(
        normal(&[ch('g'), key(KeyCode::Esc, KeyModifiers::NONE)]),
        [Resolution::Pending, Resolution::Command(Command::Back)]
    );

    let mut resolver = KeyResolver::new();
    assert_eq!(
        resolver.resolve(&vim, Mode::Normal, &ch('g')),
        Resolution::Pending
    );
    let mut release = ch('g');
    release.kind = KeyEventKind::Release;
    assert_eq!(
        resolver.resolve(&vim, Mode::Normal, &release),
        Resolution::Unbound
    );
    assert!(
        resolver.pending().is_some(),
        "a release leaves the sequence alone"
    );
    // Changing mode forgets the pending keys: this `g` starts afresh in the detail view.
    assert_eq!(
        resolver.resolve(&vim, Mode::Detail, &ch('g')),
        Resolution::Pending
    );
    assert_eq!(
        resolver.resolve(&vim, Mode::Detail, &ch('g')),
        Resolution::Command(Command::Top)
    );
}

#[test]
fn a_mode_table_shadows_common() {
    let keymap = Keymap::default();
    let esc = key(KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(
        typed(&keymap, Mode::Normal, &[esc]),
        [Resolution::Command(Command::Back)]
    );
    assert_eq!(
        typed(&keymap, Mode::Confirm, &[esc]),
        [Resolution::Command(Command::Cancel)]
    );
    assert_eq!(
        typed(&keymap, Mode::Help, &[ch('?')]),
        [Resolution::Command(Command::Back)]
    );
    assert_eq!(
        typed(&keymap, Mode::Detail, &[ch('?')]),
        [Resolution::Command(Command::Help)]
    );
    // A confirmation takes text: `?` is typed, not the common help.
    assert_eq!(
        typed(&keymap, Mode::Confirm, &[ch('?')]),
        [Resolution::Unbound]
    );

    // A mode's sequence hides a common binding of its first key, in the handler and the help.
    let keymap = user("[common]\n\"z\" = \"refresh\"\n[detail]\n\"z z\" = \"top\"\n").unwrap();
    assert_eq!(
        typed(&keymap, Mode::Detail, &[ch('z'), ch('z')]),
        [Resolution::Pending, Resolution::Command(Command::Top)]
    );
    assert_eq!(
        typed(&keymap, Mode::Normal, &[ch('z')]),
        [Resolution::Command(Command::Refresh)]
    );
    assert_eq!(
        keymap.hint(Mode::Detail, Command::Refresh).as_deref(),
        Some("r")
    );
    assert_eq!(keymap.get(Mode::Detail, &spec("z")), None);

    // A mode's key hides a common sequence it starts.
    let keymap = user("[common]\n\"z z\" = \"refresh\"\n[detail]\n\"z\" = \"top\"\n").unwrap();
    assert_eq!(keymap.get(Mode::Detail, &spec("z z")), None);
    assert_eq!(keymap.get(Mode::Detail, &spec("z")), Some(Command::Top));
    assert_eq!(
        keymap.get(Mode::Normal, &spec("z z")),
        Some(Command::Refresh)
    );
    assert_eq!(keymap.get(Mode::Help, &spec("z z")), Some(Command::Refresh));
    assert_eq!(
        keymap.hint(Mode::Normal, Command::Refresh),
        Some("r".into())
    );
}
