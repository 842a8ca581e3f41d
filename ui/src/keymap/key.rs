//! Key syntax: a [`Key`], a [`KeyPress`] (a key with modifiers) and a [`KeySpec`] (the keys of
//! one binding), with their parsing from keymap files and formatting for the help and footer.

use std::fmt;
use std::str::FromStr;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// A key without modifiers. Ordered as the help lists them: characters, then named keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    /// A character; letters keep their case (`'G'` is shift-g). `' '` is written `space`.
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Insert,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    F(u8),
}

const NAMED_KEYS: [(&str, Key); 15] = [
    ("enter", Key::Enter),
    ("esc", Key::Esc),
    ("tab", Key::Tab),
    ("backtab", Key::BackTab),
    ("backspace", Key::Backspace),
    ("delete", Key::Delete),
    ("insert", Key::Insert),
    ("up", Key::Up),
    ("down", Key::Down),
    ("left", Key::Left),
    ("right", Key::Right),
    ("home", Key::Home),
    ("end", Key::End),
    ("pageup", Key::PageUp),
    ("pagedown", Key::PageDown),
];

/// Other spellings accepted in files; formatting always uses the names above.
const KEY_ALIASES: [(&str, Key); 6] = [
    ("return", Key::Enter),
    ("escape", Key::Esc),
    ("del", Key::Delete),
    ("ins", Key::Insert),
    ("pgup", Key::PageUp),
    ("pgdn", Key::PageDown),
];

const MAX_F_KEY: u8 = 24;

/// One key press with its modifiers, normalised so that equal presses compare equal: a shifted
/// letter is the upper-case letter without `shift`, and shift-tab is [`Key::BackTab`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyPress {
    pub key: Key,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

impl KeyPress {
    /// A press without modifiers.
    pub const fn plain(key: Key) -> KeyPress {
        KeyPress {
            key,
            ctrl: false,
            alt: false,
            shift: false,
        }
    }

    /// The press a terminal event stands for, or `None` for releases and keys no keymap can bind
    /// (media keys, lone modifiers, presses with super/hyper/meta).
    pub fn from_event(event: &KeyEvent) -> Option<KeyPress> {
        if event.kind == KeyEventKind::Release {
            return None;
        }
        let m = event.modifiers;
        if m.intersects(KeyModifiers::SUPER | KeyModifiers::HYPER | KeyModifiers::META) {
            return None;
        }
        let key = match event.code {
            KeyCode::Char(c) => Key::Char(c),
            KeyCode::Enter => Key::Enter,
            KeyCode::Esc => Key::Esc,
            KeyCode::Tab => Key::Tab,
            KeyCode::BackTab => Key::BackTab,
            KeyCode::Backspace => Key::Backspace,
            KeyCode::Delete => Key::Delete,
            KeyCode::Insert => Key::Insert,
            KeyCode::Up => Key::Up,
            KeyCode::Down => Key::Down,
            KeyCode::Left => Key::Left,
            KeyCode::Right => Key::Right,
            KeyCode::Home => Key::Home,
            KeyCode::End => Key::End,
            KeyCode::PageUp => Key::PageUp,
            KeyCode::PageDown => Key::PageDown,
            KeyCode::F(n) => Key::F(n),
            _ => return None,
        };
        let mut press = KeyPress {
            key,
            ctrl: m.contains(KeyModifiers::CONTROL),
            alt: m.contains(KeyModifiers::ALT),
            shift: m.contains(KeyModifiers::SHIFT),
        };
        // Terminals report a shifted character as the character itself, some also with SHIFT.
        if let Key::Char(c) = press.key
            && press.shift
        {
            press.key = Key::Char(upper(c));
            press.shift = false;
        }
        Some(press.with_shift_tab())
    }

    /// Whether `event` is this press.
    pub fn matches(&self, event: &KeyEvent) -> bool {
        KeyPress::from_event(event) == Some(*self)
    }

    /// A printable key without ctrl or alt: in text modes it is typed, not looked up in `common`.
    pub fn is_text(&self) -> bool {
        matches!(self.key, Key::Char(_)) && !self.ctrl && !self.alt
    }

    fn with_shift_tab(mut self) -> KeyPress {
        if self.key == Key::BackTab || (self.key == Key::Tab && self.shift) {
            self.key = Key::BackTab;
            self.shift = false;
        }
        self
    }

    fn modifier_count(&self) -> usize {
        usize::from(self.ctrl) + usize::from(self.alt) + usize::from(self.shift)
    }
}

fn upper(c: char) -> char {
    let mut up = c.to_uppercase();
    match (up.next(), up.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

impl FromStr for KeyPress {
    type Err = String;

    fn from_str(text: &str) -> Result<KeyPress, String> {
        let mut press = KeyPress::plain(Key::Esc);
        let mut rest = text;
        // A single character is always a key, so "-" is the minus key and "ctrl--" is ctrl-minus.
        while rest.chars().count() > 1 {
            let Some((name, tail)) = rest.split_once('-') else {
                break;
            };
            let flag = match name.to_ascii_lowercase().as_str() {
                "ctrl" => &mut press.ctrl,
                "alt" => &mut press.alt,
                "shift" => &mut press.shift,
                _ => break,
            };
            if *flag {
                return Err(format!("'{}' is given twice", name.to_ascii_lowercase()));
            }
            *flag = true;
            if tail.is_empty() {
                return Err(format!(
                    "nothing follows '{name}-'; expected a key such as '{name}-c'"
                ));
            }
            rest = tail;
        }
        let mut chars = rest.chars();
        press.key = match (chars.next(), chars.next()) {
            (None, _) => return Err("empty key".into()),
            (Some(c), None) if c.is_control() => {
                return Err(format!(
                    "control character {c:?}; use a key name such as 'tab'"
                ));
            }
            (Some(c), None) => Key::Char(c),
            _ => named_key(rest)?,
        };
        if press.shift
            && let Key::Char(c) = press.key
        {
            if !c.is_alphabetic() || c == ' ' {
                return Err(format!(
                    "'shift-{}' is not a key terminals send; write the shifted character itself \
                     (e.g. \"?\" rather than \"shift-/\")",
                    KeyPress::plain(press.key)
                ));
            }
            press.key = Key::Char(upper(c));
            press.shift = false;
        }
        Ok(press.with_shift_tab())
    }
}

fn named_key(name: &str) -> Result<Key, String> {
    let lower = name.to_ascii_lowercase();
    if lower == "space" {
        return Ok(Key::Char(' '));
    }
    if let Some((_, key)) = NAMED_KEYS
        .iter()
        .chain(&KEY_ALIASES)
        .find(|(n, _)| *n == lower)
    {
        return Ok(*key);
    }
    if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
        if (1..=MAX_F_KEY).contains(&n) {
            return Ok(Key::F(n));
        }
        return Err(format!(
            "no such function key '{name}'; f1 to f{MAX_F_KEY} exist"
        ));
    }
    Err(format!(
        "unknown key name '{name}'; expected a single character, space, f1..f{MAX_F_KEY} or one of {}",
        NAMED_KEYS.map(|(n, _)| n).join(", ")
    ))
}

impl fmt::Display for KeyPress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (on, name) in [
            (self.ctrl, "ctrl-"),
            (self.alt, "alt-"),
            (self.shift, "shift-"),
        ] {
            if on {
                f.write_str(name)?;
            }
        }
        match self.key {
            Key::Char(' ') => f.write_str("space"),
            Key::Char(c) => write!(f, "{c}"),
            Key::F(n) => write!(f, "f{n}"),
            key => {
                let name = NAMED_KEYS.iter().find(|(_, k)| *k == key).map(|(n, _)| *n);
                f.write_str(name.unwrap_or("?"))
            }
        }
    }
}

/// The keys of one binding: a single press (`"ctrl-c"`) or a sequence (`"g g"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeySpec(pub(super) Vec<KeyPress>);

impl KeySpec {
    pub fn keys(&self) -> &[KeyPress] {
        &self.0
    }

    /// Whether `event` is this binding's only key; always false for sequences.
    pub fn matches(&self, event: &KeyEvent) -> bool {
        matches!(self.0.as_slice(), [only] if only.matches(event))
    }

    /// The order the help lists keys in: single keys before sequences, plain before modified.
    pub(super) fn display_order(&self) -> impl Ord + '_ {
        let modifiers: usize = self.0.iter().map(KeyPress::modifier_count).sum();
        (self.0.len(), modifiers, &self.0)
    }
}

impl From<KeyPress> for KeySpec {
    fn from(press: KeyPress) -> KeySpec {
        KeySpec(vec![press])
    }
}

impl FromStr for KeySpec {
    type Err = String;

    fn from_str(text: &str) -> Result<KeySpec, String> {
        if text.trim().is_empty() {
            return Err("empty key".into());
        }
        let sequence = text.split_whitespace().nth(1).is_some();
        let keys = text
            .split_whitespace()
            .map(|word| match word.parse() {
                Err(e) if sequence => Err(format!("'{word}': {e}")),
                parsed => parsed,
            })
            .collect::<Result<Vec<KeyPress>, String>>()?;
        Ok(KeySpec(keys))
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, key) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{key}")?;
        }
        Ok(())
    }
}

impl std::borrow::Borrow<[KeyPress]> for KeySpec {
    fn borrow(&self) -> &[KeyPress] {
        &self.0
    }
}
