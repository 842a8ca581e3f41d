//! Colour themes: TOML files that map semantic roles (`ok`, `selection`, `chart.in`, ...) to
//! styles, so the drawing code asks for a role and never names a colour.
//!
//! Four themes are built in (the files under `themes/` at the repository root, embedded at compile
//! time). User themes are `NAME.toml` files in the themes directory, read by the caller and found
//! through a [`ThemeLookup`]; they may name a `parent` (a built-in or another user theme) and set
//! only the roles they change. A role left out comes from the parent chain, then from `dark`. The
//! terminal's colour capability is applied afterwards with [`Theme::adapted`], so theme files can
//! use `#rrggbb` freely.

use std::path::{Path, PathBuf};

use ratatui::style::Style;
use strum::{EnumCount, EnumString, IntoStaticStr, VariantArray};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

mod color;
mod style;

use crate::text::{closest, line_col};
pub use color::{ColorMode, delta_e, rgb};
use style::{MODIFIER_NAMES, parse_style_value};

/// What a piece of the screen means; the theme decides how it looks. The name in theme files
/// is the variant in snake case, with a dot where a role refines another (`border.focused`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    IntoStaticStr,
    EnumString,
    EnumCount,
    VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum Role {
    Text,
    Muted,
    Accent,
    Title,
    Border,
    #[strum(serialize = "border.focused")]
    BorderFocused,
    Ok,
    Warn,
    Error,
    Selection,
    Header,
    Footer,
    /// Key names in hints and the help overlay.
    Key,
    #[strum(serialize = "chart.in")]
    ChartIn,
    #[strum(serialize = "chart.out")]
    ChartOut,
    #[strum(serialize = "chart.axis")]
    ChartAxis,
    Gauge,
    /// A gauge near its limit.
    #[strum(serialize = "gauge.full")]
    GaugeFull,
    Input,
    #[strum(serialize = "input.invalid")]
    InputInvalid,
    /// Data that has not been refreshed recently.
    Stale,
}

const ROLES: usize = Role::COUNT;

impl Role {
    /// The key in theme files.
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn from_name(name: &str) -> Option<Role> {
        name.parse().ok()
    }

    fn names() -> impl Iterator<Item = &'static str> {
        Role::VARIANTS.iter().map(|role| role.name())
    }
}

const BUILTINS: [(&str, &str); 4] = [
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("monochrome", include_str!("../../themes/monochrome.toml")),
];
const BUILTIN_NAMES: [&str; 4] = ["dark", "light", "high-contrast", "monochrome"];

/// The theme used when none is configured, and the last fallback for every role.
pub const DEFAULT_THEME: &str = "dark";

/// Parent chains longer than this are refused: they are almost certainly a mistake.
const MAX_DEPTH: usize = 8;

/// A user theme file found by name: its text and where it came from (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThemeSource {
    pub path: PathBuf,
    pub text: String,
}

/// Finds user themes by name: `Ok(None)` when there is no such file.
pub type ThemeLookup<'a> = &'a dyn Fn(&str) -> Result<Option<ThemeSource>, ThemeError>;

/// A resolved theme: every role has a style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub name: String,
    styles: [Style; ROLES],
}

impl Default for Theme {
    fn default() -> Self {
        dark()
    }
}

impl Theme {
    pub fn style(&self, role: Role) -> Style {
        self.styles[role as usize]
    }

    pub fn builtin_names() -> &'static [&'static str] {
        &BUILTIN_NAMES
    }

    /// The embedded TOML of a built-in theme, e.g. to copy it as a starting point.
    pub fn builtin_text(name: &str) -> Option<&'static str> {
        BUILTINS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, text)| *text)
    }

    pub fn builtin(name: &str) -> Option<Theme> {
        let text = Theme::builtin_text(name)?;
        let no_user_themes: ThemeLookup = &|_| Ok(None);
        let layer = parse_layer(name, text, &builtin_file(name), true);
        // The built-in files are checked by the tests; a failure here is a bug in this crate.
        let theme = layer.and_then(|layer| resolve(layer, no_user_themes));
        Some(theme.unwrap_or_else(|e| panic!("built-in theme {name} is invalid: {e}")))
    }

    /// A user theme from its file's text; `path` is only used in messages. Parents are found
    /// through `lookup` first, then among the built-ins. A user theme whose parent is its own
    /// name inherits from the built-in of that name, so `dark.toml` can tweak `dark`.
    pub fn from_user(
        name: &str,
        text: &str,
        path: &Path,
        lookup: ThemeLookup,
    ) -> Result<Theme, ThemeError> {
        let file = path.display().to_string();
        check_name(name, &file, None)?;
        resolve(parse_layer(name, text, &file, false)?, lookup)
    }

    /// The theme called `name`: a user theme found by `lookup`, else the built-in.
    pub fn load(name: &str, lookup: ThemeLookup) -> Result<Theme, ThemeError> {
        check_name(name, "", None)?;
        if let Some(source) = lookup(name)? {
            return Theme::from_user(name, &source.text, &source.path, lookup);
        }
        Theme::builtin(name).ok_or_else(|| ThemeError {
            file: String::new(),
            line: None,
            role: None,
            kind: ThemeErrorKind::NotFound { name: name.into() },
        })
    }

    /// This theme as the terminal can show it.
    pub fn adapted(&self, mode: ColorMode) -> Theme {
        let mut theme = self.clone();
        color::adapt(&mut theme.styles, mode);
        theme
    }
}

/// The file a user theme called `name` is read from, in the themes directory: `NAME.toml`. A
/// name that could reach outside the directory (`../x`) is refused.
pub fn file_name(name: &str) -> Result<String, ThemeError> {
    check_name(name, "", None)?;
    Ok(format!("{name}.toml"))
}

/// What went wrong with a theme, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThemeError {
    /// The file, or a description such as "built-in theme dark"; empty when there is no file.
    pub file: String,
    pub line: Option<usize>,
    pub role: Option<String>,
    pub kind: ThemeErrorKind,
}

impl std::fmt::Display for ThemeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.file.is_empty() {
            write!(f, "{}", self.file)?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
            }
            write!(f, ": ")?;
        }
        if let Some(role) = &self.role {
            write!(f, "role `{role}`: ")?;
        }
        write!(f, "{}", self.kind)
    }
}

impl std::error::Error for ThemeError {}

impl ThemeError {
    /// A theme file that exists but could not be read (this crate reads no files; the caller
    /// does).
    pub fn unreadable(path: &Path, error: impl std::fmt::Display) -> ThemeError {
        ThemeError {
            file: path.display().to_string(),
            line: None,
            role: None,
            kind: ThemeErrorKind::Read(error.to_string()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThemeErrorKind {
    #[error("invalid TOML at column {column}: {message}")]
    Syntax { column: usize, message: String },
    #[error("unknown key `{key}`{}", top_level_hint(key))]
    UnknownKey { key: String },
    #[error("no such role{}; roles are {}", did_you_mean(*suggestion), role_list())]
    UnknownRole { suggestion: Option<&'static str> },
    #[error(
        "unknown colour `{word}`{}; use a name such as red or light_blue, `#rrggbb` or 0-255",
        did_you_mean(*suggestion)
    )]
    UnknownColour {
        word: String,
        suggestion: Option<&'static str>,
    },
    #[error("bad hex colour `{word}`: expected `#rrggbb` or `#rgb` with digits 0-9 and a-f")]
    BadHex { word: String },
    #[error("unknown modifier `{word}`{}; modifiers are {}", did_you_mean(*suggestion), MODIFIER_NAMES.join(", "))]
    UnknownModifier {
        word: String,
        suggestion: Option<&'static str>,
    },
    #[error(
        "`{word}` is neither a colour nor a modifier; write e.g. \"bold yellow\" or \"black on cyan\""
    )]
    UnknownWord { word: String },
    #[error("{0}")]
    Invalid(String),
    #[error("set twice (first at line {first_line})")]
    Duplicate { first_line: usize },
    #[error("parent theme `{parent}` not found: it is neither a built-in ({}) nor a file `{parent}.toml` in the themes directory", BUILTIN_NAMES.join(", "))]
    ParentNotFound { parent: String },
    #[error("parent cycle: {}", chain.join(" -> "))]
    Cycle { chain: Vec<String> },
    #[error("parent chain is longer than {MAX_DEPTH}: {}", chain.join(" -> "))]
    TooDeep { chain: Vec<String> },
    #[error("no theme named `{name}`: the built-ins are {}, and user themes are NAME.toml files in the themes directory", BUILTIN_NAMES.join(", "))]
    NotFound { name: String },
    #[error("`{name}` is not a theme name: use letters, digits, `-` and `_`")]
    BadName { name: String },
    #[error("cannot read it: {0}")]
    Read(String),
}

fn top_level_hint(key: &str) -> String {
    if Role::from_name(key).is_some() || is_role_group(key) {
        format!(": `{key}` is a role, so it goes under a `[roles]` line")
    } else {
        "; a theme file has an optional `parent = \"NAME\"` and a `[roles]` table".into()
    }
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map_or_else(String::new, |s| format!(" (did you mean `{s}`?)"))
}

fn role_list() -> String {
    Role::names().collect::<Vec<_>>().join(", ")
}

fn builtin_file(name: &str) -> String {
    format!("built-in theme {name}")
}

fn dark() -> Theme {
    Theme::builtin(DEFAULT_THEME).unwrap_or_else(|| Theme {
        name: DEFAULT_THEME.into(),
        styles: [Style::new(); ROLES],
    })
}

fn check_name(name: &str, file: &str, line: Option<usize>) -> Result<(), ThemeError> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        return Ok(());
    }
    Err(ThemeError {
        file: file.into(),
        line,
        role: None,
        kind: ThemeErrorKind::BadName { name: name.into() },
    })
}

/// One theme file, parsed but not yet merged with its parents.
struct Layer {
    name: String,
    file: String,
    builtin: bool,
    parent: Option<(String, usize)>,
    styles: [Option<Style>; ROLES],
}

fn resolve(first: Layer, lookup: ThemeLookup) -> Result<Theme, ThemeError> {
    let mut chain = vec![first];
    while let Some(child) = chain.last() {
        let Some((parent, line)) = child.parent.clone() else {
            break;
        };
        let at = |kind| ThemeError {
            file: child.file.clone(),
            line: Some(line),
            role: None,
            kind,
        };
        let names = |last: &str| {
            let mut names: Vec<String> = chain.iter().map(|l| l.name.clone()).collect();
            names.push(last.into());
            names
        };
        if chain.len() > MAX_DEPTH {
            return Err(at(ThemeErrorKind::TooDeep {
                chain: names(&parent),
            }));
        }
        check_name(&parent, &child.file, Some(line))?;
        let self_parent = !child.builtin && parent == child.name;
        let user = if self_parent { None } else { lookup(&parent)? };
        let next = match (user, Theme::builtin_text(&parent)) {
            (Some(source), _) => parse_layer(
                &parent,
                &source.text,
                &source.path.display().to_string(),
                false,
            )?,
            (None, Some(text)) => parse_layer(&parent, text, &builtin_file(&parent), true)?,
            (None, None) if self_parent => {
                return Err(at(ThemeErrorKind::Cycle {
                    chain: names(&parent),
                }));
            }
            (None, None) => return Err(at(ThemeErrorKind::ParentNotFound { parent })),
        };
        if chain
            .iter()
            .any(|l| l.name == next.name && l.builtin == next.builtin)
        {
            return Err(at(ThemeErrorKind::Cycle {
                chain: names(&parent),
            }));
        }
        chain.push(next);
    }

    let mut styles = if chain.iter().any(|l| l.builtin && l.name == DEFAULT_THEME) {
        [Style::new(); ROLES]
    } else {
        dark().styles
    };
    for layer in chain.iter().rev() {
        for (style, set) in styles.iter_mut().zip(&layer.styles) {
            if let Some(set) = set {
                *style = *set;
            }
        }
    }
    Ok(Theme {
        name: chain[0].name.clone(),
        styles,
    })
}

fn parse_layer(name: &str, text: &str, file: &str, builtin: bool) -> Result<Layer, ThemeError> {
    let doc = DeTable::parse(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        ThemeError {
            file: file.into(),
            line: Some(line_of(text, offset)),
            role: None,
            kind: ThemeErrorKind::Syntax {
                column: line_col(text, offset).1,
                message: syntax_message(e.message()),
            },
        }
    })?;
    let mut layer = Layer {
        name: name.into(),
        file: file.into(),
        builtin,
        parent: None,
        styles: [None; ROLES],
    };
    let at = |offset: usize, role: Option<&str>, kind| ThemeError {
        file: file.into(),
        line: Some(line_of(text, offset)),
        role: role.map(str::to_string),
        kind,
    };
    for (key, value) in by_position(doc.get_ref()) {
        match (key.get_ref().as_ref(), value.get_ref()) {
            ("parent", DeValue::String(parent)) => {
                layer.parent = Some((parent.to_string(), line_of(text, value.span().start)));
            }
            ("parent", _) => {
                let msg = "`parent` must be a theme name in quotes, like parent = \"dark\"";
                return Err(at(
                    key.span().start,
                    None,
                    ThemeErrorKind::Invalid(msg.into()),
                ));
            }
            ("roles", DeValue::Table(roles)) => {
                let mut lines = [None; ROLES];
                read_roles(text, roles, "", &mut layer.styles, &mut lines)
                    .map_err(|(offset, role, kind)| at(offset, Some(&role), kind))?;
            }
            ("roles", _) => {
                let msg = "`roles` must be a table: start it with a `[roles]` line";
                return Err(at(
                    key.span().start,
                    None,
                    ThemeErrorKind::Invalid(msg.into()),
                ));
            }
            (other, _) => {
                let kind = ThemeErrorKind::UnknownKey { key: other.into() };
                return Err(at(key.span().start, None, kind));
            }
        }
    }
    Ok(layer)
}

/// TOML reads `border.focused = ...` as a key inside `border`, which fails once `border` is set.
fn syntax_message(message: &str) -> String {
    let message = message.trim();
    if message.contains("dotted key") {
        format!(
            "{message}; quote role names that contain a dot, like \"border.focused\" = \"bold\""
        )
    } else {
        message.to_string()
    }
}

type Entry<'t, 'i> = (
    &'t Spanned<std::borrow::Cow<'i, str>>,
    &'t Spanned<DeValue<'i>>,
);

/// Table entries in file order, so the first mistake in the file is the one reported.
fn by_position<'t, 'i>(table: &'t DeTable<'i>) -> Vec<Entry<'t, 'i>> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

/// A role error before the file is known: offset, role and problem.
type RoleError = (usize, String, ThemeErrorKind);

/// Reads `[roles]`. TOML turns an unquoted `chart.in = ...` into a `chart` table, so a table
/// whose name prefixes roles is read as a group of them unless it is a style table.
fn read_roles(
    text: &str,
    table: &DeTable,
    prefix: &str,
    styles: &mut [Option<Style>; ROLES],
    lines: &mut [Option<usize>; ROLES],
) -> Result<(), RoleError> {
    for (key, value) in by_position(table) {
        let name = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        let offset = key.span().start;
        let role = Role::from_name(&name);
        if let DeValue::Table(inner) = value.get_ref() {
            let style_table = inner
                .keys()
                .all(|k| ["fg", "bg", "modifiers"].contains(&k.get_ref().as_ref()));
            if is_role_group(&name) && (role.is_none() || !style_table) {
                read_roles(text, inner, &name, styles, lines)?;
                continue;
            }
        }
        let Some(role) = role else {
            let suggestion = closest(&name, Role::names(), 2);
            return Err((offset, name, ThemeErrorKind::UnknownRole { suggestion }));
        };
        if let Some(first) = lines[role as usize] {
            return Err((
                offset,
                name,
                ThemeErrorKind::Duplicate { first_line: first },
            ));
        }
        let style = parse_style_value(value.get_ref()).map_err(|kind| (offset, name, kind))?;
        styles[role as usize] = Some(style);
        lines[role as usize] = Some(line_of(text, offset));
    }
    Ok(())
}

fn is_role_group(name: &str) -> bool {
    Role::names().any(|role| {
        role.strip_prefix(name)
            .is_some_and(|rest| rest.starts_with('.'))
    })
}

fn line_of(text: &str, offset: usize) -> usize {
    line_col(text, offset).0
}
