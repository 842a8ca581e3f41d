//! Wall-clock times as the API, the logs and the console write them: UTC, RFC 3339 with
//! milliseconds and a `Z`, as the spec's examples show.

use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;

const RFC3339_MILLIS: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// Written digit by digit: every API answer carries one, and the general formatter (which
/// interprets the format description each time) was a visible share of a `/health` answer.
pub fn format_timestamp(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let year = at.year();
    if !(0..=9999).contains(&year) {
        return at
            .format(RFC3339_MILLIS)
            .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_owned());
    }
    let (hour, minute, second, milli) = at.to_hms_milli();
    let mut text = String::with_capacity(24);
    let mut digits = |value: u32, width: u32, after: char| {
        for place in (0..width).rev() {
            let digit = (value / 10u32.pow(place)) % 10;
            text.push(char::from(b'0' + digit as u8));
        }
        text.push(after);
    };
    digits(year.unsigned_abs(), 4, '-');
    digits(u32::from(u8::from(at.month())), 2, '-');
    digits(u32::from(at.day()), 2, 'T');
    digits(u32::from(hour), 2, ':');
    digits(u32::from(minute), 2, ':');
    digits(u32::from(second), 2, '.');
    digits(u32::from(milli), 3, 'Z');
    text
}

pub fn now_timestamp() -> String {
    format_timestamp(OffsetDateTime::now_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_has_millis_and_z() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_751_175_164_123_456_789).unwrap();
        assert_eq!(format_timestamp(at), "2025-06-29T05:32:44.123Z");
    }

    #[test]
    fn digit_by_digit_agrees_with_the_formatter() {
        for nanos in [
            0i128,
            1_751_175_164_123_456_789,
            951_782_400_007_000_000, // 2000-02-29T00:00:00.007Z
            4_102_444_799_999_999_999,
            -2_208_988_800_000_000_000, // 1900
        ] {
            let at = OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap();
            let general = at.format(RFC3339_MILLIS).unwrap();
            assert_eq!(format_timestamp(at), general, "{nanos}");
        }
    }
}
