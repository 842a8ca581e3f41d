//! The style grammar of theme files: `"underline bold red on #202020"` or
//! `{ fg = "red", bg = "#202020", modifiers = ["bold"] }`, with suggestions for near misses.

use ratatui::style::{Color, Modifier, Style};
use toml::de::DeValue;

use super::{ThemeErrorKind, by_position};
use crate::text::{closest, edit_distance};

pub(super) fn parse_style_value(value: &DeValue) -> Result<Style, ThemeErrorKind> {
    let expected = "expected a style such as \"bold yellow\" or { fg = \"black\", bg = \"cyan\" }";
    match value {
        DeValue::String(text) => parse_style(text),
        DeValue::Table(table) => {
            let mut style = Style::new();
            for (key, value) in by_position(table) {
                match (key.get_ref().as_ref(), value.get_ref()) {
                    ("fg", DeValue::String(c)) => style.fg = Some(parse_color(c)?),
                    ("bg", DeValue::String(c)) => style.bg = Some(parse_color(c)?),
                    ("modifiers", DeValue::Array(items)) => {
                        for item in items.iter() {
                            let Some(word) = item.get_ref().as_str() else {
                                let msg = "`modifiers` must be a list of names, like [\"bold\"]";
                                return Err(ThemeErrorKind::Invalid(msg.into()));
                            };
                            style = style.add_modifier(parse_modifier(word)?);
                        }
                    }
                    (key @ ("fg" | "bg"), _) => {
                        let msg = format!("`{key}` must be a colour in quotes, like \"red\"");
                        return Err(ThemeErrorKind::Invalid(msg));
                    }
                    (key, _) => {
                        let msg =
                            format!("unknown key `{key}` in a style table: use fg, bg, modifiers");
                        return Err(ThemeErrorKind::Invalid(msg));
                    }
                }
            }
            Ok(style)
        }
        _ => Err(ThemeErrorKind::Invalid(expected.into())),
    }
}

/// `[modifiers] [colour] [on colour]`, in any order; "plain" (or nothing) is the empty style.
fn parse_style(text: &str) -> Result<Style, ThemeErrorKind> {
    let mut style = Style::new();
    let mut fg_word = None;
    let mut words = text.split_whitespace();
    while let Some(word) = words.next() {
        let lower = word.to_ascii_lowercase();
        if lower == "on" {
            let Some(bg) = words.next() else {
                let msg = "`on` must be followed by a background colour, as in \"black on cyan\"";
                return Err(ThemeErrorKind::Invalid(msg.into()));
            };
            if style.bg.is_some() {
                let msg = format!("two background colours in \"{text}\"");
                return Err(ThemeErrorKind::Invalid(msg));
            }
            style.bg = Some(parse_color(bg)?);
        } else if lower == "plain" {
            // Says "no colour, no modifier" explicitly; adds nothing.
        } else if let Some(modifier) = modifier_named(&lower) {
            style = style.add_modifier(modifier);
        } else {
            let color = parse_color(word).map_err(|e| reclassify(word, e))?;
            if let Some(first) = fg_word.replace(word) {
                let msg = format!(
                    "two foreground colours `{first}` and `{word}`: write \"{first} on {word}\" for a background"
                );
                return Err(ThemeErrorKind::Invalid(msg));
            }
            style.fg = Some(color);
        }
    }
    Ok(style)
}

/// A word that is not a colour may be a misspelt modifier: say whichever it is closest to.
fn reclassify(word: &str, error: ThemeErrorKind) -> ThemeErrorKind {
    let ThemeErrorKind::UnknownColour { .. } = error else {
        return error;
    };
    let lower = word.to_ascii_lowercase();
    let colour = near(&lower, color_names());
    let modifier = near(&lower, MODIFIER_NAMES);
    match (colour, modifier) {
        (Some(c), Some(m)) if edit_distance(&lower, m) < edit_distance(&lower, c) => {
            ThemeErrorKind::UnknownModifier {
                word: word.into(),
                suggestion: Some(m),
            }
        }
        (None, Some(m)) => ThemeErrorKind::UnknownModifier {
            word: word.into(),
            suggestion: Some(m),
        },
        (Some(c), _) => ThemeErrorKind::UnknownColour {
            word: word.into(),
            suggestion: Some(c),
        },
        (None, None) => ThemeErrorKind::UnknownWord { word: word.into() },
    }
}

pub(super) const MODIFIER_NAMES: [&str; 9] = [
    "bold",
    "dim",
    "italic",
    "underline",
    "reverse",
    "blink",
    "rapid_blink",
    "hidden",
    "crossed_out",
];

fn modifier_named(word: &str) -> Option<Modifier> {
    Some(match word {
        "bold" => Modifier::BOLD,
        "dim" => Modifier::DIM,
        "italic" => Modifier::ITALIC,
        "underline" | "underlined" => Modifier::UNDERLINED,
        "reverse" | "reversed" => Modifier::REVERSED,
        "blink" | "slow_blink" => Modifier::SLOW_BLINK,
        "rapid_blink" => Modifier::RAPID_BLINK,
        "hidden" => Modifier::HIDDEN,
        "crossed_out" | "strikethrough" => Modifier::CROSSED_OUT,
        _ => return None,
    })
}

fn parse_modifier(word: &str) -> Result<Modifier, ThemeErrorKind> {
    let lower = word.to_ascii_lowercase();
    modifier_named(&lower).ok_or_else(|| ThemeErrorKind::UnknownModifier {
        word: word.into(),
        suggestion: near(&lower, MODIFIER_NAMES),
    })
}

/// Canonical names first (they are what suggestions offer), then aliases.
const COLOR_NAMES: [(&str, Color); 27] = [
    ("black", Color::Black),
    ("red", Color::Red),
    ("green", Color::Green),
    ("yellow", Color::Yellow),
    ("blue", Color::Blue),
    ("magenta", Color::Magenta),
    ("cyan", Color::Cyan),
    ("gray", Color::Gray),
    ("dark_gray", Color::DarkGray),
    ("light_red", Color::LightRed),
    ("light_green", Color::LightGreen),
    ("light_yellow", Color::LightYellow),
    ("light_blue", Color::LightBlue),
    ("light_magenta", Color::LightMagenta),
    ("light_cyan", Color::LightCyan),
    ("white", Color::White),
    ("default", Color::Reset),
    ("grey", Color::Gray),
    ("dark_grey", Color::DarkGray),
    ("bright_black", Color::DarkGray),
    ("bright_red", Color::LightRed),
    ("bright_green", Color::LightGreen),
    ("bright_yellow", Color::LightYellow),
    ("bright_blue", Color::LightBlue),
    ("bright_magenta", Color::LightMagenta),
    ("bright_cyan", Color::LightCyan),
    ("bright_white", Color::White),
];

fn parse_color(word: &str) -> Result<Color, ThemeErrorKind> {
    if let Some(hex) = word.strip_prefix('#') {
        let digits: Option<Vec<u8>> = hex
            .chars()
            .map(|c| c.to_digit(16).map(|d| d as u8))
            .collect();
        return match digits.as_deref() {
            Some(&[r, g, b]) => Ok(Color::Rgb(r * 17, g * 17, b * 17)),
            Some(&[r1, r0, g1, g0, b1, b0]) => {
                Ok(Color::Rgb(r1 * 16 + r0, g1 * 16 + g0, b1 * 16 + b0))
            }
            _ => Err(ThemeErrorKind::BadHex { word: word.into() }),
        };
    }
    if word.chars().all(|c| c.is_ascii_digit()) {
        return word.parse().map(Color::Indexed).map_err(|_| {
            ThemeErrorKind::Invalid(format!("colour index {word} is out of range 0-255"))
        });
    }
    // `light-red`, `LightRed` and `light_red` are the same colour.
    let key: String = word.chars().filter(|c| *c != '_' && *c != '-').collect();
    let key = key.to_ascii_lowercase();
    COLOR_NAMES
        .iter()
        .find(|(name, _)| name.replace('_', "") == key || (key == "reset" && *name == "default"))
        .map(|(_, color)| *color)
        .ok_or_else(|| ThemeErrorKind::UnknownColour {
            word: word.into(),
            suggestion: near(&word.to_ascii_lowercase(), color_names()),
        })
}

/// A known name within two edits of `word`, if any.
fn near(word: &str, names: impl IntoIterator<Item = &'static str>) -> Option<&'static str> {
    closest(word, names, 2)
}

fn color_names() -> impl Iterator<Item = &'static str> {
    COLOR_NAMES.iter().map(|(name, _)| *name)
}
