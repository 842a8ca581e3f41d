//! Sizes, counts and durations as people type them: `1M`, `512MiB`, `10k`, `24h`, `90s`,
//! `1h30m`. One definition, so the console's forms (and the API, should it take them) agree on
//! what `1M` means.
//!
//! - **Sizes** are binary, as JetStream and the `nats` CLI read them: `1K` = `1KB` = `1KiB` =
//!   1,024 bytes, `1M` = 1,048,576. A bare number is bytes.
//! - **Counts** are decimal: `10k` = 10,000, `1M` = 1,000,000.
//! - **Durations** are seconds when bare (`90`), else a sequence of number-unit pairs from `ms`,
//!   `s`, `m`, `h`, `d`, `w` (`1h30m`, `1.5h`, `500ms`).
//!
//! Underscores and commas between digits are ignored (`1_000_000`, `1,000`), and so is the case
//! of the unit. Errors say what was expected, for the field's inline message.

const SIZE_UNITS: [(&str, u64); 5] = [
    ("", 1),
    ("k", 1 << 10),
    ("m", 1 << 20),
    ("g", 1 << 30),
    ("t", 1 << 40),
];

const COUNT_UNITS: [(&str, u64); 5] = [
    ("", 1),
    ("k", 1_000),
    ("m", 1_000_000),
    ("g", 1_000_000_000),
    ("t", 1_000_000_000_000),
];

const DURATION_UNITS: [(&str, f64); 7] = [
    ("ms", 0.001),
    ("s", 1.0),
    ("m", 60.0),
    ("h", 3_600.0),
    ("d", 86_400.0),
    ("w", 604_800.0),
    ("", 1.0),
];

/// What the text left over after the digits is; `None` when the text has no digits at all.
fn split_number(text: &str) -> Option<(f64, &str)> {
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let number = &text[..end];
    if number.is_empty() || number == "." {
        return None;
    }
    Some((number.parse().ok()?, text[end..].trim_start()))
}

/// Digits with `_` and `,` separators removed, lower-cased and trimmed.
fn clean(text: &str) -> String {
    text.trim()
        .chars()
        .filter(|c| *c != '_' && *c != ',')
        .collect::<String>()
        .to_ascii_lowercase()
}

fn scaled(
    text: &str,
    units: &[(&str, u64)],
    unit_of: impl Fn(&str) -> Option<&str>,
) -> Option<u64> {
    let cleaned = clean(text);
    let (number, rest) = split_number(&cleaned)?;
    let unit = unit_of(rest)?;
    let (_, factor) = units.iter().find(|(name, _)| *name == unit)?;
    let value = number * *factor as f64;
    // Whole units only: `1.5K` is 1,536 bytes, `0.3` bytes is nothing anyone means.
    (value.is_finite() && value >= 0.0 && value <= i64::MAX as f64 && value.fract() == 0.0)
        .then_some(value as u64)
}

/// A byte size: `1048576`, `1M`, `1MB`, `1MiB`, `1.5G`, `512 KiB`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    scaled(text, &SIZE_UNITS, |rest| {
        let rest = match rest.strip_suffix("ib") {
            Some(unit) if !unit.is_empty() => unit,
            Some(_) => return None,
            None => rest.strip_suffix('b').unwrap_or(rest),
        };
        // `ib` alone (no K/M/G) is not a unit; `b` alone is bytes.
        (rest.len() <= 1).then_some(rest)
    })
    .ok_or_else(|| {
        format!(
            "'{}' is not a size: bytes, or a number with K, M, G or T (1M = 1 MiB)",
            text.trim()
        )
    })
}

/// A count: `1000`, `10k`, `1M` (= 1,000,000), `2.5k`.
pub fn parse_count(text: &str) -> Result<u64, String> {
    scaled(text, &COUNT_UNITS, |rest| (rest.len() <= 1).then_some(rest)).ok_or_else(|| {
        format!(
            "'{}' is not a count: a whole number, or with k, M or G (1M = 1,000,000)",
            text.trim()
        )
    })
}

/// A duration in seconds: `90`, `90s`, `24h`, `1h30m`, `1.5d`, `500ms`.
pub fn parse_duration(text: &str) -> Result<f64, String> {
    let bad = || {
        format!(
            "'{}' is not a duration: seconds, or e.g. 90s, 15m, 24h, 7d, 1h30m",
            text.trim()
        )
    };
    let cleaned = clean(text);
    let mut rest = cleaned.as_str();
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total = 0.0;
    let mut pairs = 0;
    while !rest.is_empty() {
        let (number, after) = split_number(rest).ok_or_else(bad)?;
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let unit = after[..unit_len].trim();
        let (_, factor) = DURATION_UNITS
            .iter()
            .find(|(name, _)| *name == unit)
            .ok_or_else(bad)?;
        // A bare number is only allowed alone: `1h30` is ambiguous.
        if unit.is_empty() && (pairs > 0 || unit_len < after.len()) {
            return Err(bad());
        }
        total += number * factor;
        pairs += 1;
        rest = after[unit_len..].trim_start();
    }
    if total.is_finite() {
        Ok(total)
    } else {
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_binary() {
        for (text, bytes) in [
            ("0", 0),
            ("1024", 1024),
            ("1_048_576", 1 << 20),
            ("1K", 1024),
            ("1k", 1024),
            ("1KB", 1024),
            ("1KiB", 1024),
            ("1M", 1 << 20),
            ("512MiB", 512 << 20),
            ("512 MiB", 512 << 20),
            ("1.5G", 3 << 29),
            ("2T", 2 << 40),
            ("10b", 10),
            (" 1g ", 1 << 30),
        ] {
            assert_eq!(parse_size(text), Ok(bytes), "{text}");
        }
        for bad in [
            "", "M", "1X", "1MX", "-1", "0.5", "1.5", "lots", "1iB", "1KK", "1e9",
        ] {
            let err = parse_size(bad).unwrap_err();
            assert!(err.contains("not a size"), "{bad}: {err}");
        }
    }

    #[test]
    fn counts_are_decimal() {
        for (text, count) in [
            ("7", 7),
            ("1,000", 1000),
            ("10k", 10_000),
            ("1M", 1_000_000),
            ("2.5k", 2_500),
            ("3G", 3_000_000_000),
        ] {
            assert_eq!(parse_count(text), Ok(count), "{text}");
        }
        for bad in ["", "k", "1.5", "1MB", "-3", "x"] {
            assert!(parse_count(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations() {
        for (text, secs) in [
            ("90", 90.0),
            ("90s", 90.0),
            ("15m", 900.0),
            ("24h", 86_400.0),
            ("7d", 604_800.0),
            ("1w", 604_800.0),
            ("1h30m", 5_400.0),
            ("1h 30m", 5_400.0),
            ("1.5h", 5_400.0),
            ("500ms", 0.5),
            ("2m30s", 150.0),
            ("0", 0.0),
        ] {
            assert_eq!(parse_duration(text), Ok(secs), "{text}");
        }
        for bad in ["", "h", "1y", "1h30", "-5s", "soon", "1.2.3s"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains("not a duration"), "{bad}: {err}");
        }
    }
}
