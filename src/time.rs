//! CloudTrail timestamps to UTC microseconds since the Unix epoch.
//!
//! `eventTime` is ISO-8601 UTC (`2024-05-01T12:00:00Z`) in AWS deliveries; exports and test
//! data also carry a space separator, fractional seconds and numeric offsets. The fast path
//! parses the fixed layout by hand (this runs once per record); chrono handles the rest.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// Microseconds since 1970-01-01T00:00:00 UTC, or None when the text is not a timestamp.
pub fn parse_utc_micros(text: &str) -> Option<i64> {
    fast_path(text.as_bytes()).or_else(|| slow_path(text.trim()))
}

fn digits(bytes: &[u8]) -> Option<u32> {
    let mut value = 0u32;
    for &b in bytes {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u32::from(b - b'0');
    }
    Some(value)
}

/// `YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z]`, the shape of nearly every record.
fn fast_path(b: &[u8]) -> Option<i64> {
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || (b[10] != b'T' && b[10] != b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let mut rest = &b[19..];
    let mut micros = 0i64;
    if let Some((&b'.', frac)) = rest.split_first() {
        let len = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if len == 0 {
            return None;
        }
        // Keep microsecond precision; further digits are truncated.
        let mut scaled = 0i64;
        for i in 0..6 {
            let digit = frac
                .get(i)
                .filter(|_| i < len)
                .map_or(0, |d| i64::from(d - b'0'));
            scaled = scaled * 10 + digit;
        }
        micros = scaled;
        rest = &frac[len..];
    }
    if !(rest.is_empty() || rest == b"Z" || rest == b"z") {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        digits(&b[0..4])? as i32,
        digits(&b[5..7])?,
        digits(&b[8..10])?,
    )?;
    let time = date.and_hms_opt(
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    )?;
    Some(time.and_utc().timestamp() * 1_000_000 + micros)
}

fn slow_path(text: &str) -> Option<i64> {
    if let Ok(with_offset) = DateTime::parse_from_rfc3339(text) {
        return Some(with_offset.timestamp_micros());
    }
    for layout in [
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
    ] {
        if let Ok(with_offset) = DateTime::parse_from_str(text, layout) {
            return Some(with_offset.timestamp_micros());
        }
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|naive| naive.and_utc().timestamp_micros())
}

/// Micros since the epoch back to a naive UTC datetime (for summaries and tests).
pub fn from_micros(micros: i64) -> Option<NaiveDateTime> {
    DateTime::from_timestamp_micros(micros).map(|t| t.naive_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Option<String> {
        parse_utc_micros(text)
            .and_then(from_micros)
            .map(|t| t.format("%Y-%m-%d %H:%M:%S%.6f").to_string())
    }

    #[test]
    fn parses_the_shapes_seen_in_exports() {
        assert_eq!(
            at("2024-05-01T12:00:00Z").unwrap(),
            "2024-05-01 12:00:00.000000"
        );
        assert_eq!(
            at("2024-05-01 12:00:00").unwrap(),
            "2024-05-01 12:00:00.000000"
        );
        assert_eq!(
            at("2024-05-08T10:00:00.123Z").unwrap(),
            "2024-05-08 10:00:00.123000"
        );
        assert_eq!(
            at("2024-05-08T10:00:00.1234567Z").unwrap(),
            "2024-05-08 10:00:00.123456"
        );
        assert_eq!(
            at("2024-05-01T14:00:00+02:00").unwrap(),
            "2024-05-01 12:00:00.000000"
        );
        assert_eq!(
            at("2024-05-01 14:00:00+02:00").unwrap(),
            "2024-05-01 12:00:00.000000"
        );
        assert_eq!(
            at("2024-05-01T12:00:00").unwrap(),
            "2024-05-01 12:00:00.000000"
        );
    }

    #[test]
    fn rejects_what_is_not_a_time() {
        for bad in [
            "",
            "yesterday",
            "2024-13-01T00:00:00Z",
            "2024-02-30T00:00:00Z",
            "2024-05-01T25:00:00Z",
            "2024-05-01T12:00:00.Z",
        ] {
            assert_eq!(parse_utc_micros(bad), None, "{bad:?}");
        }
    }
}
