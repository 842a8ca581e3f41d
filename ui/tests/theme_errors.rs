//! Themes: the messages for bad files (unknown roles, colours and modifiers, malformed styles,
//! TOML syntax, unknown keys) and for missing, cyclic or broken parents and unknown names.

mod support;

use message_broker_ui::theme::{Role, ThemeErrorKind};
use ratatui::style::Color;
use support::theme::{load, user, user_err};

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
