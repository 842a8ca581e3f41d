//! Wall-clock times as the API, the logs and the console write them: UTC, RFC 3339 with
//! milliseconds and a `Z`, as the spec's examples show.

use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;

const RFC3339_MILLIS: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

pub fn format_timestamp(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(RFC3339_MILLIS)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_owned())
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
}
