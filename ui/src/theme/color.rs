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
    // Ok, warn and error must read differently too: when colour was all that told them apart,
    // each later one gains emphasis until it differs from those before it (as the monochrome
    // theme has them: plain, bold, bold underlined).
    let ladder = [
        Modifier::BOLD,
        Modifier::UNDERLINED,
        Modifier::REVERSED,
        Modifier::ITALIC,
    ];
    let levels = [Role::Ok, Role::Warn, Role::Error];
    for i in 1..levels.len() {
        for step in ladder {
            let role = levels[i] as usize;
            if !levels[..i]
                .iter()
                .any(|e| styles[*e as usize] == styles[role])
            {
                break;
            }
            styles[role] = styles[role].add_modifier(step);
        }
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

/// The palette colour (16-255; 0-15 vary by terminal, so never those) that looks nearest, by
/// perceptual distance: plain RGB distance sends muted greens to grey and khaki next to yellow,
/// so "ok" and "warn" would read alike.
fn to_ansi256(color: Color) -> Color {
    let Color::Rgb(r, g, b) = color else {
        return color;
    };
    let target = lab((r, g, b));
    let nearest = (16..=255u8)
        .min_by(|x, y| {
            let dx = distance(target, lab(indexed_rgb(*x)));
            let dy = distance(target, lab(indexed_rgb(*y)));
            dx.total_cmp(&dy)
        })
        .unwrap_or(16);
    Color::Indexed(nearest)
}

/// xterm's default palette for the sixteen named colours, as most terminals ship it.
const XTERM16: [(u8, u8, u8); 16] = [
    (0, 0, 0),
    (205, 0, 0),
    (0, 205, 0),
    (205, 205, 0),
    (0, 0, 238),
    (205, 0, 205),
    (0, 205, 205),
    (229, 229, 229),
    (127, 127, 127),
    (255, 0, 0),
    (0, 255, 0),
    (255, 255, 0),
    (92, 92, 255),
    (255, 0, 255),
    (0, 255, 255),
    (255, 255, 255),
];

/// What a colour looks like in RGB (named colours as xterm's default palette); `None` for the
/// terminal's own default, which only the terminal knows.
pub fn rgb(color: Color) -> Option<(u8, u8, u8)> {
    match color {
        Color::Reset => None,
        Color::Rgb(r, g, b) => Some((r, g, b)),
        Color::Indexed(i) if i < 16 => Some(XTERM16[usize::from(i)]),
        Color::Indexed(i) => Some(indexed_rgb(i)),
        named => ANSI16.iter().position(|c| *c == named).map(|i| XTERM16[i]),
    }
}

/// CIELAB (D65) of an sRGB colour.
fn lab((r, g, b): (u8, u8, u8)) -> (f64, f64, f64) {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let (r, g, b) = (linear(r), linear(g), linear(b));
    let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
    let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
    let f = |t: f64| {
        if t > 0.008856 {
            t.cbrt()
        } else {
            7.787 * t + 16.0 / 116.0
        }
    };
    let (fx, fy, fz) = (f(x), f(y), f(z));
    (116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz))
}

fn distance(a: (f64, f64, f64), b: (f64, f64, f64)) -> f64 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2) + (a.2 - b.2).powi(2)).sqrt()
}

/// How different two colours look (CIE76 ΔE: about 2 is just noticeable, above 20 clearly
/// different colours).
pub fn delta_e(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    distance(lab(a), lab(b))
}

fn indexed_rgb(i: u8) -> (u8, u8, u8) {
    if i >= 232 {
        let v = 8 + 10 * (i - 232);
        return (v, v, v);
    }
    let i = usize::from(i.saturating_sub(16));
    (CUBE[i / 36], CUBE[(i / 6) % 6], CUBE[i % 6])
}
