//! Human units for the console: `1.2 KiB`, `3.4 MiB/s`, `12.3k msgs/s`, `2m05s`.

use std::time::Duration;

/// What a missing figure shows.
pub const NONE: &str = "-";

const BINARY_UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
const COUNT_UNITS: [&str; 7] = ["", "k", "M", "G", "T", "P", "E"];

/// A byte count in binary units with one decimal: `512 B`, `1.2 KiB`, `3.4 MiB`.
pub fn bytes(n: u64) -> String {
    bytes_f64(n as f64)
}

fn bytes_f64(n: f64) -> String {
    if !n.is_finite() || n < 0.0 {
        return NONE.to_owned();
    }
    if n < 1024.0 {
        return format!("{} B", n.round() as u64);
    }
    let mut value = n;
    let mut unit = 0;
    // Rounding to one decimal can reach the next unit (1023.96 KiB is 1.0 MiB).
    while (value * 10.0).round() / 10.0 >= 1024.0 && unit < BINARY_UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", BINARY_UNITS[unit])
}

/// Bytes per second: `1.2 MiB/s`.
pub fn bytes_rate(per_second: f64) -> String {
    format!("{}/s", bytes_f64(per_second))
}

/// A count with a decimal SI suffix: `999`, `12.3k`, `4.5M`. Small fractional values keep one
/// decimal (`0.5`, `2.5`) so low rates do not read as zero.
pub fn count(n: f64) -> String {
    if !n.is_finite() || n < 0.0 {
        return NONE.to_owned();
    }
    if n < 10.0 && n.fract() != 0.0 {
        return format!("{n:.1}");
    }
    if n.round() < 1000.0 {
        return format!("{}", n.round() as u64);
    }
    let mut value = n / 1000.0;
    let mut unit = 1;
    while (value * 10.0).round() / 10.0 >= 1000.0 && unit < COUNT_UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1}{}", COUNT_UNITS[unit])
}

/// A whole count: `42`, `12.3k`.
pub fn int(n: u64) -> String {
    count(n as f64)
}

/// Messages per second: `12.3k msgs/s`.
pub fn msgs_rate(per_second: f64) -> String {
    format!("{} msgs/s", count(per_second))
}

/// A per-second rate without a unit: `0.5/s`, `12/s`.
pub fn per_second(per_second: f64) -> String {
    format!("{}/s", count(per_second))
}

/// A ratio as a whole percentage: `45%`.
pub fn percent(ratio: f64) -> String {
    if !ratio.is_finite() {
        return NONE.to_owned();
    }
    format!("{:.0}%", (ratio * 100.0).max(0.0))
}

/// A short duration: `800ms`, `5s`, `2m05s`, `1h02m`, `3d04h`.
pub fn duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs == 0 && d.as_millis() > 0 {
        return format!("{}ms", d.as_millis());
    }
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m{:02}s", secs / 60, secs % 60),
        3600..86400 => format!("{}h{:02}m", secs / 3600, secs % 3600 / 60),
        _ => format!("{}d{:02}h", secs / 86400, secs % 86400 / 3600),
    }
}

/// How long ago something happened: `12s ago`.
pub fn ago(d: Duration) -> String {
    format!("{} ago", duration(Duration::from_secs(d.as_secs())))
}

/// A duration given in seconds (as the client reports it).
pub fn seconds(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return NONE.to_owned();
    }
    duration(Duration::from_secs_f64(secs))
}

/// Milliseconds: `0.4ms`, `12ms`.
pub fn millis(ms: f64) -> String {
    if !ms.is_finite() || ms < 0.0 {
        NONE.to_owned()
    } else if ms < 10.0 {
        format!("{ms:.1}ms")
    } else {
        format!("{ms:.0}ms")
    }
}

/// An optional figure through `f`, or [`NONE`].
pub fn opt<T>(value: Option<T>, f: impl FnOnce(T) -> String) -> String {
    value.map_or_else(|| NONE.to_owned(), f)
}

/// `text` cut to `width` characters, with `…` marking the cut.
pub fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut cut: String = text.chars().take(width - 1).collect();
    cut.push('…');
    cut
}

/// `text` cut to a column `width` cells wide, with `…` marking the cut.
pub fn fit(text: &str, width: u16) -> String {
    truncate(text, usize::from(width))
}

/// `text` broken into lines of at most `width` characters, at spaces where possible.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = line.chars().count();
            let gap = usize::from(used > 0);
            if used + gap + word.len() <= width {
                if gap == 1 {
                    line.push(' ');
                }
                line.extend(word.iter());
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // A word longer than a line is cut.
            let rest = word.split_off(width);
            lines.push(word.iter().collect());
            word = rest;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The time of day in an RFC 3339 timestamp (`2024-05-01T12:00:01.5Z` → `12:00:01`).
pub fn clock(rfc3339: &str) -> Option<&str> {
    let time = rfc3339.split_once('T')?.1;
    let end = time
        .find(|c: char| !(c.is_ascii_digit() || c == ':'))
        .unwrap_or(time.len());
    Some(&time[..end]).filter(|t| !t.is_empty())
}

/// An RFC 3339 timestamp as `2024-05-01 12:00:01` (seconds, no fraction; the zone as given).
pub fn datetime(rfc3339: &str) -> Option<String> {
    let (date, _) = rfc3339.split_once('T')?;
    let time = clock(rfc3339)?;
    let zone = if rfc3339.ends_with('Z') { "Z" } else { "" };
    Some(format!("{date} {time}{zone}"))
}

/// Seconds since the Unix epoch of an RFC 3339 timestamp (`2024-05-01T12:00:01.5Z`,
/// `…+02:00`), for saying how long ago it was.
pub fn epoch_seconds(rfc3339: &str) -> Option<f64> {
    let (date, time) = rfc3339.split_once(['T', 't', ' '])?;
    let mut parts = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (parts.next()??, parts.next()??, parts.next()??);
    let zone_at = time.find(['Z', 'z', '+', '-']).unwrap_or(time.len());
    let (clock, zone) = time.split_at(zone_at);
    let mut hms = clock.splitn(3, ':');
    let hour: i64 = hms.next()?.parse().ok()?;
    let minute: i64 = hms.next()?.parse().ok()?;
    let second: f64 = hms.next()?.parse().ok()?;
    let offset = match zone.as_bytes().first() {
        None | Some(b'Z' | b'z') => 0,
        Some(sign) => {
            let (h, m) = zone[1..].split_once(':')?;
            let minutes = h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?;
            if *sign == b'-' {
                -minutes * 60
            } else {
                minutes * 60
            }
        }
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + hour * 3_600 + minute * 60 - offset) as f64 + second)
}

/// How long before `now` (seconds since the epoch) an RFC 3339 time was: `12s ago`; `-` when
/// unreadable, `just now` when it is (by the clocks' disagreement) in the future.
pub fn since(rfc3339: &str, now: f64) -> String {
    match epoch_seconds(rfc3339) {
        Some(then) if now >= then => ago(Duration::from_secs_f64(now - then)),
        Some(_) => "just now".to_owned(),
        None => NONE.to_owned(),
    }
}

/// Standard base64 (as the broker's views carry binary payloads) back to bytes; `None` when it
/// is not base64.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let bytes: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let data = bytes
        .strip_suffix(b"==")
        .or_else(|| bytes.strip_suffix(b"="))
        .unwrap_or(&bytes);
    let mut out = Vec::with_capacity(data.len() * 3 / 4);
    for chunk in data.chunks(4) {
        let mut acc = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            acc |= value(*c)? << (18 - 6 * i);
        }
        let produced = match chunk.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => return None,
        };
        out.extend(acc.to_be_bytes()[1..=produced].iter());
    }
    Some(out)
}

/// Bytes as hex, 16 per line with an offset and the printable characters: `0000  48 65 …  He…`.
pub fn hex_dump(bytes: &[u8]) -> Vec<String> {
    bytes
        .chunks(16)
        .enumerate()
        .map(|(i, chunk)| {
            let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
            let text: String = chunk
                .iter()
                .map(|b| {
                    if b.is_ascii_graphic() || *b == b' ' {
                        *b as char
                    } else {
                        '.'
                    }
                })
                .collect();
            format!("{:04x}  {:<47}  {text}", i * 16, hex.join(" "))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_in_binary_units() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1024), "1.0 KiB");
        assert_eq!(bytes(1229), "1.2 KiB");
        assert_eq!(bytes(3_565_158), "3.4 MiB");
        assert_eq!(bytes(1024 * 1024 - 1), "1.0 MiB");
        assert_eq!(bytes(5 * 1024 * 1024 * 1024), "5.0 GiB");
        assert_eq!(bytes(u64::MAX), "16.0 EiB");
        assert_eq!(bytes_rate(1536.0), "1.5 KiB/s");
        assert_eq!(bytes_rate(f64::NAN), "-/s");
    }

    #[test]
    fn counts_and_rates() {
        assert_eq!(count(0.0), "0");
        assert_eq!(count(0.5), "0.5");
        assert_eq!(count(7.0), "7");
        assert_eq!(count(999.4), "999");
        assert_eq!(count(999.6), "1.0k");
        assert_eq!(count(12_345.0), "12.3k");
        assert_eq!(count(4_500_000.0), "4.5M");
        assert_eq!(count(-1.0), "-");
        assert_eq!(int(1_200), "1.2k");
        assert_eq!(msgs_rate(12_300.0), "12.3k msgs/s");
        assert_eq!(per_second(0.3), "0.3/s");
        assert_eq!(percent(0.456), "46%");
        assert_eq!(opt(None::<f64>, count), "-");
        assert_eq!(opt(Some(2000.0), count), "2.0k");
    }

    #[test]
    fn durations() {
        assert_eq!(duration(Duration::from_millis(250)), "250ms");
        assert_eq!(duration(Duration::ZERO), "0s");
        assert_eq!(duration(Duration::from_secs(5)), "5s");
        assert_eq!(duration(Duration::from_secs(125)), "2m05s");
        assert_eq!(duration(Duration::from_secs(3720)), "1h02m");
        assert_eq!(duration(Duration::from_secs(3 * 86400 + 4 * 3600)), "3d04h");
        assert_eq!(ago(Duration::from_millis(12_700)), "12s ago");
        assert_eq!(seconds(61.0), "1m01s");
        assert_eq!(millis(0.42), "0.4ms");
        assert_eq!(millis(12.4), "12ms");
    }

    #[test]
    fn text_helpers() {
        assert_eq!(truncate("orders", 10), "orders");
        assert_eq!(truncate("orders", 4), "ord…");
        assert_eq!(truncate("orders", 0), "");
        assert_eq!(clock("2024-05-01T12:00:01.5Z"), Some("12:00:01"));
        assert_eq!(clock("2024-05-01T12:00:01+02:00"), Some("12:00:01"));
        assert_eq!(clock("garbage"), None);
        assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("abcdefgh ij", 3), ["abc", "def", "gh", "ij"]);
        assert_eq!(wrap("", 5), [""]);
        assert_eq!(
            datetime("2024-05-01T12:00:01.5Z").as_deref(),
            Some("2024-05-01 12:00:01Z")
        );
        assert_eq!(
            hex_dump(b"Hi\x00")[0],
            format!("0000  48 69 00{}  Hi.", " ".repeat(39))
        );
    }

    #[test]
    fn base64_round_trips() {
        assert_eq!(base64_decode("SGVsbG8=").as_deref(), Some(&b"Hello"[..]));
        assert_eq!(base64_decode("//4=").as_deref(), Some(&[0xff, 0xfe][..]));
        assert_eq!(base64_decode("AAEC").as_deref(), Some(&[0, 1, 2][..]));
        assert_eq!(base64_decode("*"), None);
    }

    #[test]
    fn timestamps_to_epoch_seconds() {
        assert_eq!(epoch_seconds("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(
            epoch_seconds("2024-05-01T12:00:01.5Z"),
            Some(1_714_564_801.5)
        );
        assert_eq!(
            epoch_seconds("2024-05-01T14:00:01.5+02:00"),
            Some(1_714_564_801.5)
        );
        assert_eq!(epoch_seconds("2024-02-29T00:00:00Z"), Some(1_709_164_800.0));
        assert_eq!(epoch_seconds("garbage"), None);
        assert_eq!(epoch_seconds("2024-13-01T00:00:00Z"), None);
        assert_eq!(since("2024-05-01T12:00:00Z", 1_714_564_812.0), "12s ago");
        assert_eq!(since("2024-05-01T12:00:00Z", 1_714_564_700.0), "just now");
    }
}
