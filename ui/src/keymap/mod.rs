//! Keymaps: which key runs which [`Command`] in which [`Mode`].
//!
//! A keymap is one table per mode plus `common`, the fallback for every mode. It is built from
//! the embedded `keymaps/default.toml`, optionally a built-in variant merged over it (`vim`), then
//! a user file's text (read by the caller) merged over that key by key. The key handler ([`KeyResolver`]), the help overlay
//! ([`Keymap::bindings`]) and the footer hints ([`Keymap::hint`]) all read the same tables, so
//! they cannot disagree.
//!
//! Rules the handler and the help share:
//! - a mode's table shadows `common`: a `common` binding is unreachable in a mode whose table
//!   binds the same keys, a prefix of them, or a longer sequence starting with them;
//! - in modes that take text ([`Mode::takes_text`]) `common` bindings that start with a printable
//!   key are skipped, so that key is typed into the field;
//! - within one table a key cannot be both a binding and the start of a longer sequence.

mod key;

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Bound;

use ratatui::crossterm::event::{KeyEvent, KeyEventKind};
use toml::de::{DeTable, DeValue};

use strum::{EnumCount, VariantArray};

use crate::command::{Command, Mode};
use crate::text::{closest, line_col};

pub use key::{Key, KeyPress, KeySpec};

/// The built-in keymaps, selectable by name. Each is merged over `default`.
pub const BUILTIN_NAMES: [&str; 2] = ["default", "vim"];

const DEFAULT_TOML: &str = include_str!("../../../keymaps/default.toml");
const VIM_TOML: &str = include_str!("../../../keymaps/vim.toml");

/// The value that removes a binding in a file merged over another.
const UNBIND: &str = "none";

/// A problem in a keymap file, naming where it is and what is wrong. Its `Display` is one line:
/// `keymap FILE, line N: [TABLE] "KEY": PROBLEM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeymapError {
    /// The file as given by the caller (a path, or the name of a built-in keymap).
    pub file: String,
    pub line: Option<usize>,
    pub table: Option<String>,
    pub key: Option<String>,
    pub problem: String,
}

impl fmt::Display for KeymapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "keymap {}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        f.write_str(": ")?;
        if let Some(table) = &self.table {
            write!(f, "[{table}] ")?;
        }
        if let Some(key) = &self.key {
            write!(f, "{key:?}: ")?;
        }
        f.write_str(&self.problem)
    }
}

impl std::error::Error for KeymapError {}

impl KeymapError {
    /// A keymap file that could not be read (this crate reads no files; the caller does).
    pub fn unreadable(file: impl Into<String>, error: impl fmt::Display) -> KeymapError {
        KeymapError {
            file: file.into(),
            line: None,
            table: None,
            key: None,
            problem: format!("cannot read the file: {error}"),
        }
    }
}

/// What a key press means, given the keys pressed before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Run this command.
    Command(Command),
    /// The keys so far start a longer sequence; wait for the next key.
    Pending,
    /// Nothing is bound (in text modes, a printable key is then typed). Also returned, without
    /// touching the pending keys, for key releases, which never count as presses.
    Unbound,
}

/// The keys typed so far of a sequence being entered. Pressing a key that continues no sequence
/// forgets them, and that key is then resolved on its own; so is a change of mode.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyResolver {
    pending: Vec<KeyPress>,
    mode: Option<Mode>,
}

impl KeyResolver {
    pub fn new() -> KeyResolver {
        KeyResolver::default()
    }

    /// The keys of an unfinished sequence, for the footer (`"g"`); `None` when there are none.
    pub fn pending(&self) -> Option<KeySpec> {
        (!self.pending.is_empty()).then(|| KeySpec(self.pending.clone()))
    }

    pub fn reset(&mut self) {
        self.pending.clear();
    }

    /// Resolves a terminal key event in `mode`.
    pub fn resolve(&mut self, keymap: &Keymap, mode: Mode, event: &KeyEvent) -> Resolution {
        match KeyPress::from_event(event) {
            Some(press) => self.resolve_press(keymap, mode, press),
            None if event.kind == KeyEventKind::Release => Resolution::Unbound,
            None => {
                self.reset();
                Resolution::Unbound
            }
        }
    }

    /// Resolves one normalised key press in `mode`.
    pub fn resolve_press(&mut self, keymap: &Keymap, mode: Mode, press: KeyPress) -> Resolution {
        if self.mode != Some(mode) {
            self.pending.clear();
            self.mode = Some(mode);
        }
        let mut keys = std::mem::take(&mut self.pending);
        keys.push(press);
        let fresh = keys.len() == 1;
        match keymap.lookup(mode, &keys) {
            Lookup::Bound(command) => Resolution::Command(command),
            Lookup::Prefix => {
                self.pending = keys;
                Resolution::Pending
            }
            Lookup::Nothing if fresh => Resolution::Unbound,
            Lookup::Nothing => self.resolve_press(keymap, mode, press),
        }
    }
}

enum Lookup {
    Bound(Command),
    Prefix,
    Nothing,
}

/// A keymap table: the `common` fallback or one mode's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum TableId {
    Common,
    Mode(Mode),
}

impl TableId {
    const COMMON: &'static str = "common";

    fn name(self) -> &'static str {
        match self {
            TableId::Common => TableId::COMMON,
            TableId::Mode(mode) => mode.table(),
        }
    }

    fn parse(name: &str) -> Option<TableId> {
        if name == TableId::COMMON {
            return Some(TableId::Common);
        }
        name.parse().ok().map(TableId::Mode)
    }

    /// `common` first, then the modes in declaration order.
    fn index(self) -> usize {
        match self {
            TableId::Common => 0,
            TableId::Mode(mode) => 1 + mode as usize,
        }
    }
}

type Table = BTreeMap<KeySpec, Command>;

/// Key bindings for every mode. See the module documentation for how tables combine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    /// `common` first, then the modes in declaration order.
    tables: [Table; 1 + Mode::COUNT],
}

impl Default for Keymap {
    /// The embedded `keymaps/default.toml` (its validity is checked by the tests).
    fn default() -> Keymap {
        let mut keymap = Keymap::empty();
        match keymap.merge_str("keymaps/default.toml (built-in)", DEFAULT_TOML) {
            Ok(()) => keymap,
            Err(e) => panic!("the embedded default keymap is invalid: {e}"),
        }
    }
}

impl Keymap {
    /// A keymap with no bindings at all.
    pub fn empty() -> Keymap {
        Keymap {
            tables: Default::default(),
        }
    }

    /// A built-in keymap by name (see [`BUILTIN_NAMES`]); every one is the default with its own
    /// file merged over it.
    pub fn builtin(name: &str) -> Result<Keymap, KeymapError> {
        let mut keymap = Keymap::default();
        match name {
            "default" => {}
            "vim" => keymap.merge_str("keymaps/vim.toml (built-in)", VIM_TOML)?,
            _ => {
                return Err(KeymapError {
                    file: name.to_owned(),
                    line: None,
                    table: None,
                    key: None,
                    problem: format!(
                        "no built-in keymap has this name; choose one of {}",
                        BUILTIN_NAMES.join(", ")
                    ),
                });
            }
        }
        Ok(keymap)
    }

    /// Merges the keymap text `text` over this keymap, key by key: each binding replaces the
    /// binding of the same keys in the same table, and `"none"` removes it. `file` names the text
    /// in error messages. On error this keymap is left unchanged.
    pub fn merge_str(&mut self, file: &str, text: &str) -> Result<(), KeymapError> {
        let at =
            |offset: usize, table: Option<&str>, key: Option<&str>, problem: String| KeymapError {
                file: file.to_owned(),
                line: Some(line_col(text, offset).0),
                table: table.map(str::to_owned),
                key: key.map(str::to_owned),
                problem,
            };
        let document = DeTable::parse(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            let column = line_col(text, offset).1;
            let message = e.message().trim();
            at(
                offset,
                None,
                None,
                format!("column {column}: invalid TOML: {message}"),
            )
        })?;
        let mut merged = self.clone();
        // Bindings this file adds, checked against sequences once the whole file is applied.
        let mut added: Vec<(TableId, KeySpec, &str, usize)> = Vec::new();
        for (table_name, entries) in document.get_ref() {
            let name: &str = table_name.get_ref();
            let offset = table_name.span().start;
            let Some(id) = TableId::parse(name) else {
                let tables: Vec<&str> = Mode::VARIANTS.iter().map(|m| m.table()).collect();
                let tables = tables.join(", ");
                let problem = format!("unknown table; the tables are common, {tables}");
                return Err(at(offset, Some(name), None, problem));
            };
            let DeValue::Table(entries) = entries.get_ref() else {
                let found = type_name(entries.get_ref());
                let problem =
                    format!("expected a table of \"KEY\" = \"command\" entries, found {found}");
                return Err(at(offset, Some(name), None, problem));
            };
            let mut seen: BTreeMap<KeySpec, &str> = BTreeMap::new();
            for (key, value) in entries {
                let key_text: &str = key.get_ref();
                let offset = key.span().start;
                let fail = |problem: String| at(offset, Some(name), Some(key_text), problem);
                let spec: KeySpec = key_text.parse().map_err(fail)?;
                if let Some(other) = seen.insert(spec.clone(), key_text) {
                    return Err(fail(format!("the same key as {other:?} in this table")));
                }
                let DeValue::String(command) = value.get_ref() else {
                    let found = type_name(value.get_ref());
                    return Err(fail(format!(
                        "expected a command name in quotes, found {found}"
                    )));
                };
                let table = &mut merged.tables[id.index()];
                if command == UNBIND {
                    table.remove(&spec);
                    continue;
                }
                let command =
                    Command::from_name(command).ok_or_else(|| fail(unknown_command(command)))?;
                table.insert(spec.clone(), command);
                added.push((id, spec, key_text, offset));
            }
        }
        for (id, spec, key_text, offset) in added {
            let table = &merged.tables[id.index()];
            if let Some(problem) = table
                .contains_key(&spec)
                .then(|| sequence_conflict(table, &spec))
                .flatten()
            {
                return Err(at(offset, Some(id.name()), Some(key_text), problem));
            }
        }
        *self = merged;
        Ok(())
    }

    /// Resolves a terminal key event in `mode`, continuing the sequence `state` holds; the same
    /// as [`KeyResolver::resolve`].
    pub fn resolve(&self, state: &mut KeyResolver, mode: Mode, event: &KeyEvent) -> Resolution {
        state.resolve(self, mode, event)
    }

    /// The bindings in effect in `mode`, for the help overlay: the mode's table and the `common`
    /// bindings it does not shadow, ordered by command (in declaration order) then by key.
    pub fn bindings(&self, mode: Mode) -> Vec<(String, Command)> {
        let own = self.table(TableId::Mode(mode));
        let inherited = self
            .table(TableId::Common)
            .iter()
            .filter(|(keys, _)| self.inherits(mode, keys));
        let mut all: Vec<(&KeySpec, Command)> =
            own.iter().chain(inherited).map(|(k, c)| (k, *c)).collect();
        all.sort_by(|(a, ca), (b, cb)| {
            ca.cmp(cb)
                .then_with(|| a.display_order().cmp(&b.display_order()))
        });
        all.into_iter()
            .map(|(keys, c)| (keys.to_string(), c))
            .collect()
    }

    /// The first key [`Keymap::bindings`] lists for `command` in `mode`, for footer hints.
    pub fn hint(&self, mode: Mode, command: Command) -> Option<String> {
        self.bindings(mode)
            .into_iter()
            .find(|(_, c)| *c == command)
            .map(|(keys, _)| keys)
    }

    /// The command `keys` run in `mode` when typed from the start, if any: `None` when they are
    /// unbound, only start a sequence, or an earlier key already runs a command.
    pub fn get(&self, mode: Mode, keys: &KeySpec) -> Option<Command> {
        let mut resolver = KeyResolver::new();
        let (last, first) = keys.keys().split_last()?;
        for press in first {
            if resolver.resolve_press(self, mode, *press) != Resolution::Pending {
                return None;
            }
        }
        match resolver.resolve_press(self, mode, *last) {
            Resolution::Command(command) => Some(command),
            Resolution::Pending | Resolution::Unbound => None,
        }
    }

    fn table(&self, id: TableId) -> &Table {
        &self.tables[id.index()]
    }

    fn lookup(&self, mode: Mode, keys: &[KeyPress]) -> Lookup {
        let own = self.table(TableId::Mode(mode));
        let common = self.table(TableId::Common);
        let skip_common = mode.takes_text() && keys.first().is_some_and(KeyPress::is_text);
        for table in [Some(own), (!skip_common).then_some(common)]
            .into_iter()
            .flatten()
        {
            // Sequences starting with `keys` sort right after `keys` itself.
            let mut from = table.range::<[KeyPress], _>((Bound::Included(keys), Bound::Unbounded));
            match from.next() {
                Some((found, command)) if found.keys() == keys => return Lookup::Bound(*command),
                Some((found, _)) if found.keys().starts_with(keys) => return Lookup::Prefix,
                _ => {}
            }
        }
        Lookup::Nothing
    }

    /// Whether the `common` binding `keys` can be reached in `mode` (see the module docs).
    fn inherits(&self, mode: Mode, keys: &KeySpec) -> bool {
        let keys = keys.keys();
        if mode.takes_text() && keys.first().is_some_and(KeyPress::is_text) {
            return false;
        }
        let own = self.table(TableId::Mode(mode));
        let shadowed_by_prefix = (1..=keys.len()).any(|n| own.contains_key(&keys[..n]));
        !shadowed_by_prefix && !own.keys().any(|k| k.keys().starts_with(keys))
    }
}

/// A message if `spec`, just bound in `table`, starts a longer sequence or is started by one.
fn sequence_conflict(table: &Table, spec: &KeySpec) -> Option<String> {
    let keys = spec.keys();
    if let Some(n) = (1..keys.len()).find(|n| table.contains_key(&keys[..*n])) {
        let prefix = KeySpec(keys[..n].to_vec());
        let command = table[&prefix];
        return Some(format!(
            "its first keys {:?} are bound on their own (to {}); unbind them with \"{prefix}\" = \"none\"",
            prefix.to_string(),
            command.name()
        ));
    }
    let (longer, command) = table
        .iter()
        .find(|(k, _)| k.keys().len() > keys.len() && k.keys().starts_with(keys))?;
    Some(format!(
        "it starts the sequence \"{longer}\" (bound to {}), so it cannot be bound on its own; \
         unbind that with \"{longer}\" = \"none\"",
        command.name()
    ))
}

fn unknown_command(name: &str) -> String {
    let names = || Command::VARIANTS.iter().map(|c| c.name());
    match closest(name, names(), name.chars().count() / 2) {
        Some(suggestion) => {
            format!("unknown command {name:?}; did you mean {suggestion:?}? (\"none\" unbinds)")
        }
        None => format!(
            "unknown command {name:?}; the commands are {} (and \"none\" unbinds)",
            names().collect::<Vec<_>>().join(", ")
        ),
    }
}

fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table (quote keys that contain '.')",
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_table_name_round_trips() {
        for id in [TableId::Common]
            .into_iter()
            .chain(Mode::VARIANTS.iter().copied().map(TableId::Mode))
        {
            assert_eq!(TableId::parse(id.name()), Some(id));
        }
        let indexes: BTreeSet<usize> = Mode::VARIANTS
            .iter()
            .map(|m| TableId::Mode(*m).index())
            .collect();
        assert_eq!(indexes.len(), Mode::COUNT);
        assert!(!indexes.contains(&TableId::Common.index()));
        assert!(indexes.iter().all(|i| *i <= Mode::COUNT));
    }
}
