//! Keymap helpers: parsing keys, building terminal events, merging user files and typing keys.

use message_broker_ui::command::Mode;
use message_broker_ui::keymap::{KeyPress, KeyResolver, KeySpec, Keymap, KeymapError, Resolution};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub fn spec(text: &str) -> KeySpec {
    text.parse()
        .unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
}

pub fn press(text: &str) -> KeyPress {
    text.parse()
        .unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
}

pub fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, modifiers)
}

pub fn ch(c: char) -> KeyEvent {
    key(KeyCode::Char(c), KeyModifiers::NONE)
}

pub fn user(text: &str) -> Result<Keymap, KeymapError> {
    let mut keymap = Keymap::default();
    keymap.merge_str("~/.config/message-broker/keymap.toml", text)?;
    Ok(keymap)
}

pub fn user_error(text: &str) -> String {
    match user(text) {
        Ok(_) => panic!("{text:?} should be refused"),
        Err(e) => e.to_string(),
    }
}

pub fn typed(keymap: &Keymap, mode: Mode, events: &[KeyEvent]) -> Vec<Resolution> {
    let mut resolver = KeyResolver::new();
    events
        .iter()
        .map(|e| resolver.resolve(keymap, mode, e))
        .collect()
}
