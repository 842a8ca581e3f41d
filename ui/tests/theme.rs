//! Themes: the built-in files, user files with parents and overrides, the messages for bad files,
//! and adapting to what the terminal can show.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use message_broker_ui::theme::{
    ColorMode, Role, Theme, ThemeError, ThemeErrorKind, ThemeSource, dir_lookup,
};
use ratatui::style::{Color, Modifier, Style};

/// A themes directory held in memory.
fn user_themes(files: &[(&str, &str)]) -> HashMap<String, ThemeSource> {
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

fn load(files: &[(&str, &str)], name: &str) -> Result<Theme, ThemeError> {
    let themes = user_themes(files);
    Theme::load(name, &|n| Ok(themes.get(n).cloned()))
}

fn user(text: &str) -> Result<Theme, ThemeError> {
    Theme::from_user("mine", text, Path::new("themes/mine.toml"), &|_| Ok(None))
}

fn user_err(text: &str) -> ThemeError {
    match user(text) {
        Ok(theme) => panic!("expected an error, got {theme:?}"),
        Err(e) => e,
    }
}

fn dark() -> Theme {
    Theme::builtin("dark").expect("dark is built in")
}

fn colours(style: Style) -> [Option<Color>; 2] {
    [style.fg, style.bg]
}

#[test]
fn every_builtin_parses_and_sets_every_role_itself() {
    assert_eq!(
        Theme::builtin_names(),
        ["dark", "light", "high-contrast", "monochrome"]
    );
    for name in Theme::builtin_names() {
        let theme = Theme::builtin(name).expect("listed built-ins load");
        assert_eq!(theme.name, *name);
        // Parsed alone, over an empty base, to show no role is silently borrowed from dark.
        let text = Theme::builtin_text(name).expect("listed built-ins have text");
        for role in Role::ALL {
            let key = role.name();
            let quoted = format!("\"{key}\" =");
            let bare = format!("\n{key} =");
            assert!(
                text.contains(&quoted) || text.contains(&bare),
                "{name} does not set {key}"
            );
        }
    }
    assert!(Theme::builtin("solarized").is_none());
    assert_eq!(Theme::default(), dark());
}

#[test]
fn role_names_round_trip() {
    for role in Role::ALL {
        assert_eq!(Role::from_name(role.name()), Some(role));
    }
    assert_eq!(Role::from_name("chart.inn"), None);
}

#[test]
fn builtins_style_the_roles_they_are_for() {
    let dark = dark();
    assert_eq!(dark.style(Role::Ok).fg, Some(Color::Rgb(0xa3, 0xbe, 0x8c)));
    assert_eq!(dark.style(Role::Text).fg, Some(Color::Reset));
    let selection = dark.style(Role::Selection);
    assert_eq!(selection.bg, Some(Color::Rgb(0x88, 0xc0, 0xd0)));
    assert!(selection.add_modifier.contains(Modifier::BOLD));

    let mono = Theme::builtin("monochrome").expect("built in");
    for role in Role::ALL {
        assert_eq!(colours(mono.style(role)), [None, None], "{}", role.name());
    }
    assert!(
        mono.style(Role::Selection)
            .add_modifier
            .contains(Modifier::REVERSED)
    );
    assert_ne!(mono.style(Role::BorderFocused), mono.style(Role::Border));

    let high = Theme::builtin("high-contrast").expect("built in");
    assert_eq!(high.style(Role::Selection).bg, Some(Color::LightYellow));
    assert!(
        high.style(Role::Error)
            .add_modifier
            .contains(Modifier::BOLD)
    );
}

#[test]
fn a_user_theme_overrides_some_roles_and_inherits_the_rest() {
    let theme = user(
        r##"
parent = "light"
[roles]
ok = "bold green"
"chart.in" = "#00ff00"
"##,
    )
    .expect("valid");
    let light = Theme::builtin("light").expect("built in");
    assert_eq!(theme.name, "mine");
    assert_eq!(
        theme.style(Role::Ok),
        Style::new().fg(Color::Green).add_modifier(Modifier::BOLD)
    );
    assert_eq!(
        theme.style(Role::ChartIn),
        Style::new().fg(Color::Rgb(0, 255, 0))
    );
    for role in Role::ALL {
        if role != Role::Ok && role != Role::ChartIn {
            assert_eq!(theme.style(role), light.style(role), "{}", role.name());
        }
    }
}

#[test]
fn without_a_parent_missing_roles_come_from_dark() {
    let theme = user("[roles]\nwarn = \"magenta\"\n").expect("valid");
    assert_eq!(theme.style(Role::Warn), Style::new().fg(Color::Magenta));
    assert_eq!(theme.style(Role::Error), dark().style(Role::Error));
    // An empty file is dark under another name.
    let empty = user("").expect("valid");
    assert_eq!(empty.style(Role::Selection), dark().style(Role::Selection));
}

#[test]
fn parents_chain_through_user_themes() {
    let files = [
        (
            "base",
            "parent = \"high-contrast\"\n[roles]\nwarn = \"blue\"\nok = \"cyan\"\n",
        ),
        ("mine", "parent = \"base\"\n[roles]\nok = \"red\"\n"),
    ];
    let theme = load(&files, "mine").expect("valid");
    let high = Theme::builtin("high-contrast").expect("built in");
    assert_eq!(theme.style(Role::Ok).fg, Some(Color::Red));
    assert_eq!(theme.style(Role::Warn).fg, Some(Color::Blue));
    assert_eq!(theme.style(Role::Selection), high.style(Role::Selection));
}

#[test]
fn a_user_file_named_like_a_builtin_replaces_it_and_can_extend_it() {
    let files = [("dark", "parent = \"dark\"\n[roles]\nok = \"light_green\"\n")];
    let theme = load(&files, "dark").expect("valid");
    assert_eq!(theme.style(Role::Ok).fg, Some(Color::LightGreen));
    assert_eq!(theme.style(Role::Warn), dark().style(Role::Warn));
    // Without a user file the built-in is used.
    assert_eq!(
        load(&[], "light"),
        Ok(Theme::builtin("light").expect("built in"))
    );
}

#[test]
fn style_strings_and_tables() {
    let theme = user(
        r##"
[roles]
text = "plain"
muted = "dim"
accent = "#8cf"
title = "underline bold red on #202020"
border = "Light-Blue"
key = "bright_white on 236"
selection = { fg = "black", bg = "cyan", modifiers = ["bold", "reverse"] }
header = "reset"
[roles.chart]
in = "green"
out = { fg = "magenta" }
[roles.gauge]
full = "red"
"##,
    )
    .expect("valid");
    assert_eq!(theme.style(Role::Text), Style::new());
    assert_eq!(
        theme.style(Role::Muted),
        Style::new().add_modifier(Modifier::DIM)
    );
    assert_eq!(
        theme.style(Role::Accent).fg,
        Some(Color::Rgb(0x88, 0xcc, 0xff))
    );
    assert_eq!(
        theme.style(Role::Title),
        Style::new()
            .fg(Color::Red)
            .bg(Color::Rgb(0x20, 0x20, 0x20))
            .add_modifier(Modifier::UNDERLINED | Modifier::BOLD)
    );
    assert_eq!(theme.style(Role::Border).fg, Some(Color::LightBlue));
    assert_eq!(
        theme.style(Role::Key),
        Style::new().fg(Color::White).bg(Color::Indexed(236))
    );
    assert_eq!(
        theme.style(Role::Selection),
        Style::new()
            .fg(Color::Black)
            .bg(Color::Cyan)
            .add_modifier(Modifier::BOLD | Modifier::REVERSED)
    );
    assert_eq!(theme.style(Role::Header).fg, Some(Color::Reset));
    assert_eq!(theme.style(Role::ChartIn).fg, Some(Color::Green));
    assert_eq!(theme.style(Role::ChartOut).fg, Some(Color::Magenta));
    assert_eq!(theme.style(Role::GaugeFull).fg, Some(Color::Red));
    assert_eq!(theme.style(Role::Gauge), dark().style(Role::Gauge));
}

/// The error for `text`, and its message, which must name the file.
fn message(text: &str) -> (ThemeErrorKind, String) {
    let e = user_err(text);
    let shown = e.to_string();
    assert!(shown.starts_with("themes/mine.toml:"), "{shown}");
    (e.kind, shown)
}

#[test]
fn an_unknown_role_is_named_with_a_suggestion() {
    let (kind, shown) = message("[roles]\nok = \"green\"\n\"chart.inn\" = \"red\"\n");
    assert_eq!(
        kind,
        ThemeErrorKind::UnknownRole {
            suggestion: Some("chart.in")
        }
    );
    assert!(
        shown.starts_with(
            "themes/mine.toml:3: role `chart.inn`: no such role (did you mean `chart.in`?)"
        ),
        "{shown}"
    );
    let (_, shown) = message("[roles.chart]\nsideways = \"red\"\n");
    assert!(
        shown.contains(":2: role `chart.sideways`: no such role;"),
        "{shown}"
    );
}

#[test]
fn an_unknown_colour_is_named() {
    let (kind, shown) = message("[roles]\n\nwarn = \"bold grean\"\n");
    assert_eq!(
        kind,
        ThemeErrorKind::UnknownColour {
            word: "grean".into(),
            suggestion: Some("green")
        }
    );
    assert!(
        shown.starts_with(
            "themes/mine.toml:3: role `warn`: unknown colour `grean` (did you mean `green`?)"
        ),
        "{shown}"
    );
    let (kind, _) = message("[roles]\nwarn = \"black on sky\"\n");
    assert_eq!(
        kind,
        ThemeErrorKind::UnknownColour {
            word: "sky".into(),
            suggestion: None
        }
    );
    let (kind, _) = message("[roles]\nwarn = { fg = \"purpel\" }\n");
    assert!(
        matches!(
            kind,
            ThemeErrorKind::UnknownColour {
                suggestion: None,
                ..
            }
        ),
        "{kind:?}"
    );
}

#[test]
fn a_bad_hex_colour_is_named() {
    for bad in ["#12345", "#ggg", "#", "#1234567"] {
        let (kind, shown) = message(&format!("[roles]\nerror = \"{bad}\"\n"));
        assert_eq!(kind, ThemeErrorKind::BadHex { word: bad.into() });
        assert!(
            shown.contains(&format!(":2: role `error`: bad hex colour `{bad}`")),
            "{shown}"
        );
    }
}

#[test]
fn an_unknown_modifier_is_named() {
    let (kind, shown) = message("[roles]\ntitle = \"blod red\"\n");
    assert_eq!(
        kind,
        ThemeErrorKind::UnknownModifier {
            word: "blod".into(),
            suggestion: Some("bold")
        }
    );
    assert!(
        shown.contains(":2: role `title`: unknown modifier `blod` (did you mean `bold`?)"),
        "{shown}"
    );
    let (kind, _) = message("[roles]\ntitle = { modifiers = [\"flashing\"] }\n");
    assert_eq!(
        kind,
        ThemeErrorKind::UnknownModifier {
            word: "flashing".into(),
            suggestion: None
        }
    );
    let (kind, _) = message("[roles]\ntitle = \"sparkly\"\n");
    assert_eq!(
        kind,
        ThemeErrorKind::UnknownWord {
            word: "sparkly".into()
        }
    );
}

#[test]
fn malformed_styles_are_explained() {
    let cases = [
        (
            "ok = \"red blue\"",
            "two foreground colours `red` and `blue`",
        ),
        (
            "ok = \"black on\"",
            "`on` must be followed by a background colour",
        ),
        ("ok = \"on red on blue\"", "two background colours"),
        ("ok = \"300\"", "colour index 300 is out of range 0-255"),
        ("ok = 3", "expected a style such as"),
        (
            "ok = { colour = \"red\" }",
            "unknown key `colour` in a style table",
        ),
        ("ok = \"red\"\nok = \"blue\"", "TOML"),
        (
            "ok = \"red\"\n\"border.focused\" = \"red\"\n[roles.border]\nfocused = \"blue\"",
            "set twice (first at line 3)",
        ),
    ];
    for (roles, expected) in cases {
        let (_, shown) = message(&format!("[roles]\n{roles}\n"));
        assert!(shown.contains(expected), "{roles}: {shown}");
    }
}

#[test]
fn toml_syntax_errors_give_line_and_column() {
    let (kind, shown) = message("[roles]\nok = \"green\"\nwarn = \"yellow\n");
    assert!(matches!(kind, ThemeErrorKind::Syntax { .. }), "{kind:?}");
    assert!(
        shown.starts_with("themes/mine.toml:3: invalid TOML at column"),
        "{shown}"
    );
}

#[test]
fn an_unquoted_dotted_role_after_its_base_gets_a_hint() {
    let (kind, shown) = message("[roles]\nborder = \"blue\"\nborder.focused = \"red\"\n");
    assert!(matches!(kind, ThemeErrorKind::Syntax { .. }), "{kind:?}");
    assert!(shown.starts_with("themes/mine.toml:3:"), "{shown}");
    assert!(
        shown.contains("quote role names that contain a dot"),
        "{shown}"
    );
    // Unquoted is fine when the base role is not set.
    let theme = user("[roles]\nchart.in = \"red\"\nborder.focused = \"red\"\n").expect("valid");
    assert_eq!(theme.style(Role::ChartIn).fg, Some(Color::Red));
    assert_eq!(theme.style(Role::BorderFocused).fg, Some(Color::Red));
}

#[test]
fn unknown_top_level_keys_are_named() {
    let (kind, shown) = message("parent = \"dark\"\n[role]\nok = \"green\"\n");
    assert_eq!(kind, ThemeErrorKind::UnknownKey { key: "role".into() });
    assert!(
        shown.starts_with("themes/mine.toml:2: unknown key `role`"),
        "{shown}"
    );
    let (_, shown) = message("ok = \"green\"\n");
    assert!(
        shown.contains("`ok` is a role, so it goes under a `[roles]` line"),
        "{shown}"
    );
    let (_, shown) = message("parent = 3\n");
    assert!(
        shown.contains("`parent` must be a theme name in quotes"),
        "{shown}"
    );
}

#[test]
fn a_missing_parent_is_named() {
    let (kind, shown) = message("\nparent = \"drak\"\n");
    assert_eq!(
        kind,
        ThemeErrorKind::ParentNotFound {
            parent: "drak".into()
        }
    );
    assert!(
        shown.starts_with("themes/mine.toml:2: parent theme `drak` not found"),
        "{shown}"
    );
    assert!(
        shown.contains("dark, light, high-contrast, monochrome"),
        "{shown}"
    );
    let (kind, _) = message("parent = \"../../etc/passwd\"\n");
    assert!(matches!(kind, ThemeErrorKind::BadName { .. }), "{kind:?}");
}

#[test]
fn parent_cycles_and_long_chains_are_refused() {
    let files = [
        ("a", "parent = \"b\""),
        ("b", "parent = \"c\""),
        ("c", "parent = \"a\""),
    ];
    let e = load(&files, "a").expect_err("cycle");
    assert_eq!(
        e.kind,
        ThemeErrorKind::Cycle {
            chain: vec!["a", "b", "c", "a"]
                .into_iter()
                .map(String::from)
                .collect()
        }
    );
    assert_eq!(
        e.to_string(),
        "themes/c.toml:1: parent cycle: a -> b -> c -> a"
    );

    let itself = load(&[("mine", "parent = \"mine\"")], "mine").expect_err("cycle");
    assert!(
        matches!(itself.kind, ThemeErrorKind::Cycle { .. }),
        "{itself}"
    );

    let texts: Vec<(String, String)> = (0..20)
        .map(|i| (format!("t{i}"), format!("parent = \"t{}\"", i + 1)))
        .collect();
    let files: Vec<(&str, &str)> = texts
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let e = load(&files, "t0").expect_err("too deep");
    assert!(matches!(e.kind, ThemeErrorKind::TooDeep { .. }), "{e}");
    assert!(
        e.to_string().contains("parent chain is longer than 8"),
        "{e}"
    );
}

#[test]
fn errors_in_a_parent_name_the_parent_file() {
    let files = [
        ("base", "[roles]\nok = \"gren\"\n"),
        ("mine", "parent = \"base\"\n"),
    ];
    let e = load(&files, "mine").expect_err("bad parent");
    assert!(
        e.to_string()
            .starts_with("themes/base.toml:2: role `ok`: unknown colour `gren`"),
        "{e}"
    );
}

#[test]
fn an_unknown_theme_name_lists_the_builtins() {
    let e = load(&[], "solarized").expect_err("unknown");
    assert_eq!(
        e.kind,
        ThemeErrorKind::NotFound {
            name: "solarized".into()
        }
    );
    assert!(
        e.to_string().contains("the built-ins are dark, light"),
        "{e}"
    );
}

#[test]
fn themes_load_from_a_directory() {
    let dir = std::env::temp_dir().join(format!("mb-theme-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(
        dir.join("mine.toml"),
        "parent = \"light\"\n[roles]\nok = \"blue\"\n",
    )
    .expect("write");
    let lookup = dir_lookup(&dir);
    let theme = Theme::load("mine", &lookup);
    let missing = Theme::load("nothing-here", &lookup);
    let builtin = Theme::load("monochrome", &lookup);
    std::fs::remove_dir_all(&dir).expect("clean up");

    assert_eq!(theme.expect("valid").style(Role::Ok).fg, Some(Color::Blue));
    assert!(matches!(
        missing.expect_err("missing").kind,
        ThemeErrorKind::NotFound { .. }
    ));
    assert_eq!(builtin, Ok(Theme::builtin("monochrome").expect("built in")));
}

fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |key| {
        vars.iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.to_string())
    }
}

#[test]
fn colour_mode_detection() {
    let cases: [(&[(&str, &str)], ColorMode); 10] = [
        (
            &[("NO_COLOR", "1"), ("COLORTERM", "truecolor")],
            ColorMode::None,
        ),
        (&[("NO_COLOR", ""), ("TERM", "xterm")], ColorMode::Ansi16),
        (
            &[("COLORTERM", "truecolor"), ("TERM", "xterm-256color")],
            ColorMode::TrueColor,
        ),
        (&[("COLORTERM", "24bit")], ColorMode::TrueColor),
        (&[("TERM", "xterm-direct")], ColorMode::TrueColor),
        (&[("TERM", "xterm-256color")], ColorMode::Ansi256),
        (&[("TERM", "screen-256color")], ColorMode::Ansi256),
        (&[("TERM", "xterm")], ColorMode::Ansi16),
        (
            &[("TERM", "dumb"), ("COLORTERM", "truecolor")],
            ColorMode::None,
        ),
        (&[], ColorMode::Ansi16),
    ];
    for (vars, expected) in cases {
        assert_eq!(ColorMode::detect(&env(vars)), expected, "{vars:?}");
    }
}

#[test]
fn no_color_drops_every_colour_but_keeps_roles_apart() {
    let mode = ColorMode::detect(&env(&[("NO_COLOR", "1")]));
    for name in Theme::builtin_names() {
        let theme = Theme::builtin(name).expect("built in").adapted(mode);
        for role in Role::ALL {
            assert_eq!(
                colours(theme.style(role)),
                [None, None],
                "{name} {}",
                role.name()
            );
        }
        let selection = theme.style(Role::Selection);
        assert!(!selection.add_modifier.is_empty(), "{name}: {selection:?}");
        assert_ne!(selection, theme.style(Role::Text), "{name}");
        assert_ne!(
            theme.style(Role::BorderFocused),
            theme.style(Role::Border),
            "{name}"
        );
        assert_ne!(
            theme.style(Role::InputInvalid),
            theme.style(Role::Input),
            "{name}"
        );
    }
    // A theme told apart by colour alone gets modifiers instead.
    let plain = user("[roles]\ntext = \"white\"\nselection = \"cyan\"\nborder = \"gray\"\n\"border.focused\" = \"cyan\"\n")
        .expect("valid")
        .adapted(ColorMode::None);
    assert_eq!(
        plain.style(Role::Selection),
        Style::new().add_modifier(Modifier::REVERSED)
    );
    assert_eq!(
        plain.style(Role::BorderFocused),
        Style::new().add_modifier(Modifier::BOLD)
    );
    assert_eq!(plain.style(Role::Border), Style::new());
    // Monochrome is already colourless and distinct: adapting it changes nothing.
    let mono = Theme::builtin("monochrome").expect("built in");
    assert_eq!(mono.adapted(ColorMode::None), mono);
}

#[test]
fn sixteen_colours_leave_no_rgb_or_high_indexes() {
    let mode = ColorMode::detect(&env(&[("TERM", "xterm")]));
    assert_eq!(mode, ColorMode::Ansi16);
    let mut themes: Vec<Theme> = Theme::builtin_names()
        .iter()
        .map(|n| Theme::builtin(n).expect("built in"))
        .collect();
    themes.push(user("[roles]\nok = \"#123456 on 200\"\nwarn = \"231 on 7\"\n").expect("valid"));
    for theme in themes {
        let adapted = theme.adapted(mode);
        for role in Role::ALL {
            for colour in colours(adapted.style(role)).into_iter().flatten() {
                assert!(
                    !matches!(colour, Color::Rgb(..) | Color::Indexed(_)),
                    "{} {}: {colour:?}",
                    theme.name,
                    role.name()
                );
            }
            // Modifiers survive.
            assert_eq!(
                adapted.style(role).add_modifier,
                theme.style(role).add_modifier
            );
        }
    }
    // The semantic colours of dark keep their meaning.
    let dark = dark().adapted(ColorMode::Ansi16);
    assert!(matches!(
        dark.style(Role::Ok).fg,
        Some(Color::Green | Color::LightGreen)
    ));
    assert!(matches!(
        dark.style(Role::Warn).fg,
        Some(Color::Yellow | Color::LightYellow)
    ));
    assert!(matches!(
        dark.style(Role::Error).fg,
        Some(Color::Red | Color::LightRed)
    ));
}

fn adapted_fg(hex: &str, mode: ColorMode) -> Color {
    let theme = user(&format!("[roles]\nok = \"{hex}\"\n")).expect("valid");
    theme
        .adapted(mode)
        .style(Role::Ok)
        .fg
        .expect("has a colour")
}

#[test]
fn nearest_sixteen_colours() {
    let mode = ColorMode::Ansi16;
    assert!(matches!(
        adapted_fg("#ff0000", mode),
        Color::Red | Color::LightRed
    ));
    assert!(matches!(
        adapted_fg("#800000", mode),
        Color::Red | Color::LightRed
    ));
    assert!(matches!(
        adapted_fg("#00ff00", mode),
        Color::Green | Color::LightGreen
    ));
    assert!(matches!(
        adapted_fg("#0000ff", mode),
        Color::Blue | Color::LightBlue
    ));
    assert!(matches!(
        adapted_fg("#00ffff", mode),
        Color::Cyan | Color::LightCyan
    ));
    assert!(matches!(
        adapted_fg("#ff00ff", mode),
        Color::Magenta | Color::LightMagenta
    ));
    assert!(matches!(
        adapted_fg("#ffff00", mode),
        Color::Yellow | Color::LightYellow
    ));
    assert_eq!(adapted_fg("#000000", mode), Color::Black);
    assert_eq!(adapted_fg("#101418", mode), Color::Black);
    assert_eq!(adapted_fg("#ffffff", mode), Color::White);
    assert_eq!(adapted_fg("#808080", mode), Color::DarkGray);
    assert_eq!(adapted_fg("#c0c0c0", mode), Color::Gray);
    // Bluish greys are greys; muted but clearly coloured tones keep their hue.
    assert_eq!(adapted_fg("#2e3440", mode), Color::Black);
    assert_eq!(adapted_fg("#4c566a", mode), Color::DarkGray);
    assert_eq!(adapted_fg("#a3be8c", mode), Color::Green);
    assert_eq!(adapted_fg("#b48ead", mode), Color::Magenta);
    assert_eq!(adapted_fg("9", mode), Color::LightRed);
    assert!(matches!(
        adapted_fg("196", mode),
        Color::Red | Color::LightRed
    ));
    // Named colours are left to the terminal's palette.
    assert_eq!(adapted_fg("cyan", mode), Color::Cyan);
}

#[test]
fn nearest_256_colours() {
    let mode = ColorMode::Ansi256;
    assert_eq!(adapted_fg("#ff0000", mode), Color::Indexed(196));
    assert_eq!(adapted_fg("#000000", mode), Color::Indexed(16));
    assert_eq!(adapted_fg("#ffffff", mode), Color::Indexed(231));
    assert_eq!(adapted_fg("#5f87af", mode), Color::Indexed(67));
    assert_eq!(adapted_fg("#808080", mode), Color::Indexed(244));
    assert_eq!(adapted_fg("#121212", mode), Color::Indexed(233));
    assert_eq!(adapted_fg("red", mode), Color::Red);
    assert_eq!(adapted_fg("100", mode), Color::Indexed(100));
    // True colour leaves the theme as it is.
    assert_eq!(
        adapted_fg("#123456", ColorMode::TrueColor),
        Color::Rgb(0x12, 0x34, 0x56)
    );
}
