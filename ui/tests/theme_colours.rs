//! Themes: adapting to what the terminal can show (colour mode detection, NO_COLOR, sixteen and
//! 256 colours, nearest colours).

mod support;

use message_broker_ui::theme::{ColorMode, Role, Theme};
use ratatui::style::{Color, Modifier, Style};
use strum::VariantArray;
use support::theme::{colours, dark, user};

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
        for &role in Role::VARIANTS {
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
        for &role in Role::VARIANTS {
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

/// Ok, warn and error are what an on-call engineer reads at a glance: at every colour depth
/// they must look different — by colour (CIE76 ΔE of at least 20: clearly different colours, not
/// shades of one) or, without colour, by emphasis.
#[test]
fn ok_warn_and_error_stay_apart_at_every_depth() {
    use message_broker_ui::theme::{delta_e, rgb};
    let modes = [
        ColorMode::TrueColor,
        ColorMode::Ansi256,
        ColorMode::Ansi16,
        ColorMode::None,
    ];
    let pairs = [
        (Role::Ok, Role::Warn),
        (Role::Warn, Role::Error),
        (Role::Ok, Role::Error),
    ];
    for name in Theme::builtin_names() {
        for mode in modes {
            let theme = Theme::builtin(name).expect("built in").adapted(mode);
            for (a, b) in pairs {
                let (sa, sb) = (theme.style(a), theme.style(b));
                let difference = match (sa.fg.and_then(rgb), sb.fg.and_then(rgb)) {
                    (Some(x), Some(y)) => delta_e(x, y),
                    _ => 0.0,
                };
                assert!(
                    difference >= 20.0 || sa.add_modifier != sb.add_modifier,
                    "{name} at {mode:?}: {} and {} look alike ({sa:?} vs {sb:?}, ΔE {difference:.1})",
                    a.name(),
                    b.name()
                );
            }
        }
    }
    // The two cases seen on real terminals: dark's ok and warn at 256 colours (khaki next to
    // pale yellow), and light's green turning grey.
    let dark = dark().adapted(ColorMode::Ansi256);
    let (ok, warn) = (dark.style(Role::Ok).fg, dark.style(Role::Warn).fg);
    let delta = delta_e(ok.and_then(rgb).unwrap(), warn.and_then(rgb).unwrap());
    assert!(
        delta >= 25.0,
        "dark ok {ok:?} vs warn {warn:?}: ΔE {delta:.1}"
    );
    let light = Theme::builtin("light").unwrap().adapted(ColorMode::Ansi256);
    let (r, g, b) = light.style(Role::Ok).fg.and_then(rgb).unwrap();
    assert!(
        g > r + 40 && g > b + 20,
        "light ok is not green: {r},{g},{b}"
    );
}
