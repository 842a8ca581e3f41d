//! Theme helpers: user theme files held in memory, loading them, and the built-in dark theme.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use message_broker_ui::theme::{Theme, ThemeError, ThemeSource};
use ratatui::style::{Color, Style};

/// A themes directory held in memory.
pub fn user_themes(files: &[(&str, &str)]) -> HashMap<String, ThemeSource> {
    files
        .iter()
        .map(|(name, text)| {
            let source = ThemeSource {
                path: PathBuf::from(format!("themes/{name}.toml")),
                text: text.to_string(),
            };
            (name.to_string(), source)
        })
        .collect()
}

pub fn load(files: &[(&str, &str)], name: &str) -> Result<Theme, ThemeError> {
    let themes = user_themes(files);
    Theme::load(name, &|n| Ok(themes.get(n).cloned()))
}

pub fn user(text: &str) -> Result<Theme, ThemeError> {
    Theme::from_user("mine", text, Path::new("themes/mine.toml"), &|_| Ok(None))
}

pub fn user_err(text: &str) -> ThemeError {
    match user(text) {
        Ok(theme) => panic!("expected an error, got {theme:?}"),
        Err(e) => e,
    }
}

pub fn dark() -> Theme {
    Theme::builtin("dark").expect("dark is built in")
}

pub fn colours(style: Style) -> [Option<Color>; 2] {
    [style.fg, style.bg]
}
