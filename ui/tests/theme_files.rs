//! Themes: the built-in files, user files with parents and overrides, style strings and tables,
//! and loading from a themes directory.

mod support;

use message_broker_ui::theme::{Role, Theme};
use ratatui::style::{Color, Modifier, Style};
use strum::VariantArray;
use support::theme::{colours, dark, load, user};

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
        for &role in Role::VARIANTS {
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
    for &role in Role::VARIANTS {
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
    for &role in Role::VARIANTS {
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
    for &role in Role::VARIANTS {
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
