//! The report time a credential report's file name carries (the CSV itself holds none).

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// Report time encoded in a file name, e.g. `111122223333_credential-report_2024-05-01T08-00-00Z.csv`,
/// `credential-report-444455556666-20240603T080000Z.csv`, `cred_2024-06-03 08:00:00.csv`, `report-2024-06-03.csv` (midnight). None if no timestamp.
pub fn report_time_from_file_name(name: &str) -> Option<NaiveDateTime> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name).as_bytes();
    // Only start at the beginning of a digit run, so account ids are never read from the middle.
    (0..base.len())
        .filter(|&i| i == 0 || !base[i - 1].is_ascii_digit())
        .find_map(|i| date_time_at(&base[i..]))
}

/// A date (`YYYY-MM-DD` or `YYYYMMDD`) at the start of `s`, with an optional time after it.
fn date_time_at(s: &[u8]) -> Option<NaiveDateTime> {
    let year = digits(s, 0, 4)?;
    let (month, day, len) = if s.get(4) == Some(&b'-') {
        (digits(s, 5, 2)?, digits(s, 8, 2)?, 10)
    } else {
        (digits(s, 4, 2)?, digits(s, 6, 2)?, 8)
    };
    // Year bounds and the digit boundary keep account ids and serials from passing as dates.
    if !(2000..2100).contains(&year)
        || (len == 10 && s.get(7) != Some(&b'-'))
        || s.get(len).is_some_and(u8::is_ascii_digit)
    {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    let time = time_at(&s[len..]).unwrap_or(NaiveTime::MIN);
    Some(date.and_time(time))
}

/// A time right after a date: separator, then `HH:MM[:SS]`, `HH-MM[-SS]` or `HHMM[SS]`.
fn time_at(s: &[u8]) -> Option<NaiveTime> {
    let (first, s) = s.split_first()?;
    if !matches!(first, b'T' | b't' | b' ' | b'_') {
        return None;
    }
    let hour = digits(s, 0, 2)?;
    let sep = s.get(2).copied().filter(|b| matches!(b, b':' | b'-'));
    let width = usize::from(sep.is_some());
    let minute = digits(s, 2 + width, 2)?;
    let rest = &s[4 + width..];
    let second = match sep {
        Some(sep) if rest.first() == Some(&sep) => digits(rest, 1, 2)?,
        None if rest.first().is_some_and(u8::is_ascii_digit) => digits(rest, 0, 2)?,
        _ => 0,
    };
    NaiveTime::from_hms_opt(hour, minute, second)
}

/// The number written by `len` ASCII digits at `start`, if they are all digits.
fn digits(s: &[u8], start: usize, len: usize) -> Option<u32> {
    let run = s.get(start..start + len)?;
    run.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}
