//! What the terminal can show: detecting its colour support, and bringing a theme's colours
//! down to 256 or 16 colours, or to none at all.

use ratatui::style::{Color, Modifier, Style};

use super::{ROLES, Role};

/// How many colours the terminal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColorMode {
    TrueColor,
    Ansi256,
    Ansi16,
    None,
}

impl ColorMode {
    /// From `NO_COLOR` (see no-color.org), `COLORTERM` and `TERM`, read through `env`.
    pub fn detect(env: &dyn Fn(&str) -> Option<String>) -> ColorMode {
        let var = |key: &str| env(key).filter(|v| !v.is_empty());
        if var("NO_COLOR").is_some() {
            return ColorMode::None;
        }
        let term = var("TERM").unwrap_or_default().to_ascii_lowercase();
        if term == "dumb" {
            return ColorMode::None;
        }
        let colorterm = var("COLORTERM").unwrap_or_default().to_ascii_lowercase();
        if colorterm == "truecolor" || colorterm == "24bit" || term.ends_with("-direct") {
            ColorMode::TrueColor
        } else if term.contains("256color") {
            ColorMode::Ansi256
        } else {
            ColorMode::Ansi16
        }
    }
}

/// Maps every colour of `styles` to what `mode` can show.
pub(super) fn adapt(styles: &mut [Style; ROLES], mode: ColorMode) {
    let map: fn(Color) -> Color = match mode {
        ColorMode::TrueColor => return,
        ColorMode::Ansi256 => to_ansi256,
        ColorMode::Ansi16 => to_ansi16,
        ColorMode::None => return drop_colors(styles),
    };
    for style in styles {
        style.fg = style.fg.map(map);
        style.bg = style.bg.map(map);
    }
}

fn drop_colors(styles: &mut [Style; ROLES]) {
    for style in styles.iter_mut() {
        // A coloured bar (selection, input field) stays a bar.
        if style.bg.is_some() {
            style.add_modifier |= Modifier::REVERSED;
        }
        style.fg = None;
        style.bg = None;
    }
    for (role, base, modifier) in KEEP_APART {
        let (r, b) = (role as usize, base as usize);
        if styles[r] == styles[b] {
            styles[r] = styles[r].add_modifier(modifier);
        }
        if styles[r] == styles[b] {
            styles[b] = styles[b].remove_modifier(modifier);
        }
    }
}

/// Roles that must not look alike once colours are gone, and the modifier that separates them.
const KEEP_APART: [(Role, Role, Modifier); 7] = [
    (Role::Selection, Role::Text, Modifier::REVERSED),
    (Role::BorderFocused, Role::Border, Modifier::BOLD),
    (Role::GaugeFull, Role::Gauge, Modifier::BOLD),
    (Role::InputInvalid, Role::Input, Modifier::UNDERLINED),
    (Role::Error, Role::Text, Modifier::BOLD),
    (Role::Muted, Role::Text, Modifier::DIM),
    (Role::Stale, Role::Text, Modifier::DIM),
];

const ANSI16: [Color; 16] = [
    Color::Black,
    Color::Red,
    Color::Green,
    Color::Yellow,
    Color::Blue,
    Color::Magenta,
    Color::Cyan,
    Color::Gray,
    Color::DarkGray,
    Color::LightRed,
    Color::LightGreen,
    Color::LightYellow,
    Color::LightBlue,
    Color::LightMagenta,
    Color::LightCyan,
    Color::White,
];

fn to_ansi16(color: Color) -> Color {
    match color {
        Color::Rgb(r, g, b) => nearest_ansi16(r, g, b),
        Color::Indexed(i) if i < 16 => ANSI16[usize::from(i)],
        Color::Indexed(i) => {
            let (r, g, b) = indexed_rgb(i);
            nearest_ansi16(r, g, b)
        }
        named => named,
    }
}

/// The ANSI colour of the same hue, or a grey for colours with little chroma. Plain RGB distance
/// would send muted theme colours (Nord's green `#a3be8c`) to grey, losing the ok/warn/error
/// meaning that a 16-colour fallback exists to keep.
fn nearest_ansi16(r: u8, g: u8, b: u8) -> Color {
    let (rf, gf, bf) = (f32::from(r), f32::from(g), f32::from(b));
    let max = rf.max(gf).max(bf);
    let min = rf.min(gf).min(bf);
    let value = max / 255.0;
    // Absolute, not relative, chroma: dark bluish greys (`#2e3440`) are greys, not blues.
    let chroma = (max - min) / 255.0;
    if chroma < 0.125 || value < 0.2 {
        return match value {
            v if v < 0.3 => Color::Black,
            v if v < 0.6 => Color::DarkGray,
            v if v < 0.85 => Color::Gray,
            _ => Color::White,
        };
    }
    let delta = max - min;
    let hue = if max == rf {
        60.0 * ((gf - bf) / delta).rem_euclid(6.0)
    } else if max == gf {
        60.0 * ((bf - rf) / delta + 2.0)
    } else {
        60.0 * ((rf - gf) / delta + 4.0)
    };
    let sector = ((hue + 30.0) / 60.0) as usize % 6;
    let [normal, light] = [
        [Color::Red, Color::LightRed],
        [Color::Yellow, Color::LightYellow],
        [Color::Green, Color::LightGreen],
        [Color::Cyan, Color::LightCyan],
        [Color::Blue, Color::LightBlue],
        [Color::Magenta, Color::LightMagenta],
    ][sector];
    if value >= 0.8 { light } else { normal }
}

/// The steps of the 6×6×6 colour cube in the 256-colour palette.
const CUBE: [u8; 6] = [0x00, 0x5f, 0x87, 0xaf, 0xd7, 0xff];

fn to_ansi256(color: Color) -> Color {
    let Color::Rgb(r, g, b) = color else {
        return color;
    };
    // The nearest cube colour or grey-ramp step (16-255); 0-15 vary by terminal, so never those.
    let step = |v: u8| match v {
        0..48 => 0,
        48..115 => 1,
        _ => usize::from((v - 35) / 40),
    };
    let (qr, qg, qb) = (step(r), step(g), step(b));
    let cube = (CUBE[qr], CUBE[qg], CUBE[qb]);
    let average = (u16::from(r) + u16::from(g) + u16::from(b)) / 3;
    let grey_index = if average > 238 {
        23
    } else {
        average.saturating_sub(3) / 10
    };
    let grey = (8 + 10 * grey_index) as u8;
    let dist = |(x, y, z): (u8, u8, u8)| {
        let d = |p: u8, q: u8| (i32::from(p) - i32::from(q)).pow(2);
        d(x, r) + d(y, g) + d(z, b)
    };
    if dist((grey, grey, grey)) < dist(cube) {
        Color::Indexed(232 + grey_index as u8)
    } else {
        Color::Indexed((16 + 36 * qr + 6 * qg + qb) as u8)
    }
}

fn indexed_rgb(i: u8) -> (u8, u8, u8) {
    if i >= 232 {
        let v = 8 + 10 * (i - 232);
        return (v, v, v);
    }
    let i = usize::from(i.saturating_sub(16));
    (CUBE[i / 36], CUBE[(i / 6) % 6], CUBE[i % 6])
}
