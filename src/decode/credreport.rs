//! IAM credential report CSV: one row per user, AWS's 22 columns (or a subset, in any order).

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::{snippet, DecodeError};

/// How a credential-report column is typed in the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellType {
    Text,
    Flag,
    Time,
}

/// The columns of an AWS credential report, in the order AWS writes them, with their types:
/// the one definition the decoder, the case writer and (by a test) `schema.sql` follow.
pub const COLUMNS: [(&str, CellType); 22] = {
    use CellType::{Flag, Text, Time};
    [
        ("user", Text),
        ("arn", Text),
        ("user_creation_time", Time),
        ("password_enabled", Flag),
        ("password_last_used", Time),
        ("password_last_changed", Time),
        ("password_next_rotation", Time),
        ("mfa_active", Flag),
        ("access_key_1_active", Flag),
        ("access_key_1_last_rotated", Time),
        ("access_key_1_last_used_date", Time),
        ("access_key_1_last_used_region", Text),
        ("access_key_1_last_used_service", Text),
        ("access_key_2_active", Flag),
        ("access_key_2_last_rotated", Time),
        ("access_key_2_last_used_date", Time),
        ("access_key_2_last_used_region", Text),
        ("access_key_2_last_used_service", Text),
        ("cert_1_active", Flag),
        ("cert_1_last_rotated", Time),
        ("cert_2_active", Flag),
        ("cert_2_last_rotated", Time),
    ]
};

/// Position of the required columns in [`COLUMNS`].
const USER: usize = 0;
const ARN: usize = 1;

/// Strings AWS writes instead of a value; they mean "nothing to report", not bad data.
const SPECIAL_VALUES: [&str; 3] = ["N/A", "no_information", "not_supported"];

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Short form of [`COLUMNS`] for error messages.
const EXPECTED_COLUMNS: &str = "expected only credential-report columns: user, arn, \
    user_creation_time, password_*, mfa_active, access_key_{1,2}_*, cert_{1,2}_*";

/// True when the first bytes look like a credential report (optional UTF-8 BOM, then a header line whose first two fields are `user` and `arn`).
pub fn looks_like_credential_report(head: &[u8]) -> bool {
    let head = head.strip_prefix(BOM).unwrap_or(head);
    let line = head.split(|&b| b == b'\n').next().unwrap_or(head);
    let mut fields = line.split(|&b| b == b',').map(unquote);
    fields.next() == Some(&b"user"[..]) && fields.next() == Some(&b"arn"[..])
}

/// A header field without surrounding whitespace (including a CR) and CSV quotes.
fn unquote(field: &[u8]) -> &[u8] {
    let field = field.trim_ascii();
    field
        .strip_prefix(b"\"")
        .and_then(|f| f.strip_suffix(b"\""))
        .unwrap_or(field)
}

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

/// A decoded credential report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CredentialReport {
    /// From the root row's ARN, else from any user ARN; None without rows.
    pub account_id: Option<String>,
    pub rows: Vec<CredentialRow>,
}

/// One typed value of a row.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Cell {
    /// Absent from the file, empty, or a special string (recorded in `special_values`).
    #[default]
    Missing,
    Text(String),
    Flag(bool),
    Time(NaiveDateTime),
}

/// One user's row: a cell per [`COLUMNS`] entry, in that order. Timestamps are UTC; every value
/// that was a special string (`N/A`, `no_information`, `not_supported`, or anything else not
/// parseable for its type) is `Missing` and recorded in `special_values` as (column, original).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CredentialRow {
    pub cells: [Cell; COLUMNS.len()],
    pub special_values: Vec<(&'static str, String)>,
    /// 0-based data row number (the header is not counted).
    pub row_index: usize,
}

impl CredentialRow {
    pub fn user(&self) -> &str {
        self.text_at(USER).unwrap_or("")
    }

    pub fn arn(&self) -> &str {
        self.text_at(ARN).unwrap_or("")
    }

    fn cell(&self, column: &str) -> &Cell {
        COLUMNS
            .iter()
            .position(|(name, _)| *name == column)
            .map_or(&Cell::Missing, |index| &self.cells[index])
    }

    fn text_at(&self, index: usize) -> Option<&str> {
        match &self.cells[index] {
            Cell::Text(text) => Some(text),
            _ => None,
        }
    }

    /// A text column's value, by name.
    pub fn text(&self, column: &str) -> Option<&str> {
        match self.cell(column) {
            Cell::Text(text) => Some(text),
            _ => None,
        }
    }

    /// A boolean column's value, by name.
    pub fn flag(&self, column: &str) -> Option<bool> {
        match self.cell(column) {
            Cell::Flag(flag) => Some(*flag),
            _ => None,
        }
    }

    /// A timestamp column's value, by name.
    pub fn time(&self, column: &str) -> Option<NaiveDateTime> {
        match self.cell(column) {
            Cell::Time(time) => Some(*time),
            _ => None,
        }
    }

    /// Stores one trimmed cell of the column at `index` in [`COLUMNS`].
    fn set(&mut self, index: usize, value: &str) {
        let (column, cell_type) = COLUMNS[index];
        let specials = &mut self.special_values;
        self.cells[index] = match cell_type {
            // The key columns are kept as written, whatever they hold.
            _ if index == USER || index == ARN => Cell::Text(value.to_owned()),
            CellType::Text => typed(column, value, specials, |v| Some(Cell::Text(v.to_owned()))),
            CellType::Flag => typed(column, value, specials, |v| parse_bool(v).map(Cell::Flag)),
            CellType::Time => typed(column, value, specials, |v| parse_time(v).map(Cell::Time)),
        }
        .unwrap_or_default();
    }
}

/// A typed cell: empty is None; a special or unparseable string is None and recorded.
fn typed<T>(
    column: &'static str,
    value: &str,
    specials: &mut Vec<(&'static str, String)>,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Option<T> {
    if value.is_empty() {
        return None;
    }
    let is_special = SPECIAL_VALUES.iter().any(|s| s.eq_ignore_ascii_case(value));
    let parsed = if is_special { None } else { parse(value) };
    if parsed.is_none() {
        specials.push((column, value.to_owned()));
    }
    parsed
}

fn parse_bool(value: &str) -> Option<bool> {
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// ISO-8601 with an offset, converted to UTC; a time without offset is taken as UTC,
/// which is what AWS writes.
fn parse_time(value: &str) -> Option<NaiveDateTime> {
    crate::time::parse_utc_micros(value).and_then(crate::time::from_micros)
}

/// Decodes a whole credential report CSV.
pub fn parse(bytes: &[u8]) -> Result<CredentialReport, DecodeError> {
    let mut records = Records::new(bytes.strip_prefix(BOM).unwrap_or(bytes));

    let Some(raw) = records.next()? else {
        return Err(DecodeError::new(
            "line 1",
            "empty file: no credential report header (user,arn,...)",
        ));
    };
    let columns = parse_header(&records.record, records.line, raw)?;

    let mut rows = Vec::new();
    while let Some(raw) = records.next()? {
        let (record, line) = (&records.record, records.line);
        if record.len() != columns.len() {
            return Err(DecodeError::new(
                format!("line {line}"),
                format!(
                    "expected {} fields as in the header, found {}",
                    columns.len(),
                    record.len()
                ),
            )
            .with_snippet(raw));
        }
        let mut row = CredentialRow {
            row_index: rows.len(),
            ..CredentialRow::default()
        };
        for (index, (&column, field)) in columns.iter().zip(record.iter()).enumerate() {
            let value = std::str::from_utf8(field).map_err(|_| {
                DecodeError::new(
                    format!("line {line}, column {}", index + 1),
                    format!("`{}` value is not valid UTF-8", COLUMNS[column].0),
                )
                .with_snippet(raw)
            })?;
            row.set(column, value.trim());
        }
        rows.push(row);
    }

    Ok(CredentialReport {
        account_id: account_id(&rows),
        rows,
    })
}

/// CSV records with their raw bytes and 1-based line numbers, counted here because the csv
/// crate's own line count drifts on CRLF input.
struct Records<'a> {
    body: &'a [u8],
    reader: csv::Reader<&'a [u8]>,
    record: csv::ByteRecord,
    /// Line of the current record.
    line: usize,
    /// Bytes of `body` whose line breaks are already counted in `line`.
    counted: usize,
}

impl<'a> Records<'a> {
    fn new(body: &'a [u8]) -> Self {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            // Field counts are checked by `parse`, to report them with a snippet.
            .flexible(true)
            .from_reader(body);
        Records {
            body,
            reader,
            record: csv::ByteRecord::new(),
            line: 1,
            counted: 0,
        }
    }

    /// Reads the next record into `self.record` and returns its bytes without line breaks.
    fn next(&mut self) -> Result<Option<&'a [u8]>, DecodeError> {
        let more = self
            .reader
            .read_byte_record(&mut self.record)
            .map_err(|err| DecodeError::new(format!("line {}", self.line), err.to_string()))?;
        if !more {
            return Ok(None);
        }
        let offset = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        let start = offset(self.record.position().map_or(0, csv::Position::byte));
        let end = offset(self.reader.position().byte());
        let span = self.body.get(start..end).unwrap_or_default();
        // After a CRLF (or blank lines) the csv crate starts the next record at a line break.
        let lead = span
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        let mut raw = &span[lead..];
        while let [rest @ .., b'\r' | b'\n'] = raw {
            raw = rest;
        }
        let content_start = start.saturating_add(lead);
        self.line += self
            .body
            .get(self.counted..content_start)
            .map_or(0, |skipped| skipped.iter().filter(|&&b| b == b'\n').count());
        self.counted = content_start;
        Ok(Some(raw))
    }
}

/// Maps header fields to positions in [`COLUMNS`]; rejects unknown, duplicate, or missing key
/// columns.
fn parse_header(
    record: &csv::ByteRecord,
    line: usize,
    raw: &[u8],
) -> Result<Vec<usize>, DecodeError> {
    let mut columns: Vec<usize> = Vec::with_capacity(record.len());
    for (index, field) in record.iter().enumerate() {
        let position = format!("line {line}, column {}", index + 1);
        let name = std::str::from_utf8(field)
            .map_err(|_| {
                DecodeError::new(position.clone(), "header name is not valid UTF-8")
                    .with_snippet(raw)
            })?
            .trim();
        let Some(column) = COLUMNS.iter().position(|(known, _)| *known == name) else {
            // Bounded, since a mis-sniffed binary file can make one huge "column name".
            let name = snippet(name.as_bytes());
            return Err(DecodeError::new(
                position,
                format!("unknown column `{name}`; {EXPECTED_COLUMNS}"),
            )
            .with_snippet(raw));
        };
        if columns.contains(&column) {
            return Err(
                DecodeError::new(position, format!("duplicate column `{name}`"))
                    .with_snippet(raw),
            );
        }
        columns.push(column);
    }
    for required in [USER, ARN] {
        if !columns.contains(&required) {
            return Err(DecodeError::new(
                format!("line {line}"),
                format!("header lacks the required `{}` column", COLUMNS[required].0),
            )
            .with_snippet(raw));
        }
    }
    Ok(columns)
}

/// The account from the root row's ARN, else from the first IAM ARN that names one.
fn account_id(rows: &[CredentialRow]) -> Option<String> {
    let accounts = || rows.iter().filter_map(|row| arn_account(row.arn()));
    accounts()
        .find(|&(_, is_root)| is_root)
        .or_else(|| accounts().next())
        .map(|(account, _)| account.to_owned())
}

/// Account id of an IAM ARN in any partition (`aws`, `aws-cn`, `aws-us-gov`, ...), and
/// whether it is the root ARN.
fn arn_account(arn: &str) -> Option<(&str, bool)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ["arn", partition, "iam", "", account, resource] = parts[..] else {
        return None;
    };
    let valid = partition.starts_with("aws")
        && !account.is_empty()
        && account.bytes().all(|b| b.is_ascii_digit());
    valid.then_some((account, resource == "root"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect("test timestamp")
    }

    const FULL: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated
<root_account>,arn:aws:iam::111122223333:root,2019-01-02T03:04:05+00:00,not_supported,2024-03-11T09:14:02+00:00,not_supported,not_supported,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
alice,arn:aws:iam::111122223333:user/alice,2020-05-06T07:08:09+00:00,true,2024-04-01T10:00:00+00:00,2024-01-01T00:00:00+00:00,2024-07-01T00:00:00+00:00,true,true,2023-12-24T12:00:00+00:00,2024-04-02T11:22:33+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
";

    #[test]
    fn header_has_22_distinct_columns() {
        let mut names: Vec<&str> = COLUMNS.iter().map(|(name, _)| *name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 22);
        assert_eq!((COLUMNS[USER].0, COLUMNS[ARN].0), ("user", "arn"));
    }

    #[test]
    fn parses_full_report() {
        let report = parse(FULL.as_bytes()).expect("full report parses");
        assert_eq!(report.account_id.as_deref(), Some("111122223333"));
        assert_eq!(report.rows.len(), 2);

        let alice = &report.rows[1];
        assert_eq!(alice.row_index, 1);
        assert_eq!(alice.user(), "alice");
        assert_eq!(alice.arn(), "arn:aws:iam::111122223333:user/alice");
        assert_eq!(alice.time("user_creation_time"), Some(at("2020-05-06 07:08:09")));
        assert_eq!(alice.flag("password_enabled"), Some(true));
        assert_eq!(alice.time("password_last_used"), Some(at("2024-04-01 10:00:00")));
        assert_eq!(alice.time("password_last_changed"), Some(at("2024-01-01 00:00:00")));
        assert_eq!(
            alice.time("password_next_rotation"),
            Some(at("2024-07-01 00:00:00"))
        );
        assert_eq!(alice.flag("mfa_active"), Some(true));
        assert_eq!(alice.flag("access_key_1_active"), Some(true));
        assert_eq!(
            alice.time("access_key_1_last_rotated"),
            Some(at("2023-12-24 12:00:00"))
        );
        assert_eq!(
            alice.time("access_key_1_last_used_date"),
            Some(at("2024-04-02 11:22:33"))
        );
        assert_eq!(
            alice.text("access_key_1_last_used_region"),
            Some("us-east-1")
        );
        assert_eq!(alice.text("access_key_1_last_used_service"), Some("s3"));
        assert_eq!(alice.flag("access_key_2_active"), Some(false));
        assert_eq!(alice.time("access_key_2_last_rotated"), None);
        assert_eq!(alice.text("access_key_2_last_used_region"), None);
        assert_eq!(alice.flag("cert_1_active"), Some(false));
        assert_eq!(alice.time("cert_1_last_rotated"), None);
        assert_eq!(alice.flag("cert_2_active"), Some(false));
        assert_eq!(alice.time("cert_2_last_rotated"), None);
        let special_columns: Vec<&str> = alice.special_values.iter().map(|(c, _)| *c).collect();
        assert_eq!(
            special_columns,
            [
                "access_key_2_last_rotated",
                "access_key_2_last_used_date",
                "access_key_2_last_used_region",
                "access_key_2_last_used_service",
                "cert_1_last_rotated",
                "cert_2_last_rotated",
            ]
        );
    }

    #[test]
    fn root_row() {
        let report = parse(FULL.as_bytes()).expect("full report parses");
        let root = &report.rows[0];
        assert_eq!(root.row_index, 0);
        assert_eq!(root.user(), "<root_account>");
        assert_eq!(root.arn(), "arn:aws:iam::111122223333:root");
        assert_eq!(root.flag("password_enabled"), None);
        assert_eq!(root.time("password_last_used"), Some(at("2024-03-11 09:14:02")));
        assert!(root
            .special_values
            .contains(&("password_enabled", "not_supported".to_owned())));
        assert!(root
            .special_values
            .contains(&("password_next_rotation", "not_supported".to_owned())));
        assert_eq!(root.flag("mfa_active"), Some(false));
    }

    #[test]
    fn account_prefers_root_row() {
        let csv = "user,arn\n\
            bob,arn:aws:iam::999999999999:user/bob\n\
            <root_account>,arn:aws:iam::111122223333:root\n";
        let report = parse(csv.as_bytes()).expect("parses");
        assert_eq!(report.account_id.as_deref(), Some("111122223333"));
    }

    #[test]
    fn account_from_user_arn_in_other_partitions() {
        let gov = "user,arn\nbob,arn:aws-us-gov:iam::444455556666:user/ops/bob\n";
        let report = parse(gov.as_bytes()).expect("parses");
        assert_eq!(report.account_id.as_deref(), Some("444455556666"));

        let cn = "user,arn\nbob,not-an-arn\ncarol,arn:aws-cn:iam::777788889999:user/carol\n";
        let report = parse(cn.as_bytes()).expect("parses");
        assert_eq!(report.account_id.as_deref(), Some("777788889999"));
    }

    #[test]
    fn no_rows_no_account() {
        let report = parse(b"user,arn,mfa_active\n").expect("header only parses");
        assert!(report.rows.is_empty());
        assert_eq!(report.account_id, None);
    }

    #[test]
    fn bom_and_crlf() {
        let csv = "\u{FEFF}user,arn,mfa_active\r\n\
            alice,arn:aws:iam::111122223333:user/alice,true\r\n\
            bob,arn:aws:iam::111122223333:user/bob,false\r\n";
        let report = parse(csv.as_bytes()).expect("parses");
        assert_eq!(report.rows.len(), 2);
        assert_eq!(report.rows[0].user(), "alice");
        assert_eq!(report.rows[0].flag("mfa_active"), Some(true));
        assert_eq!(report.rows[1].arn(), "arn:aws:iam::111122223333:user/bob");
        assert_eq!(report.rows[1].flag("mfa_active"), Some(false));
        assert!(report.rows.iter().all(|r| r.special_values.is_empty()));
    }

    #[test]
    fn subset_of_columns_in_other_order() {
        let csv = "mfa_active,access_key_1_last_used_region,arn,password_last_used,user\n\
            TRUE,eu-west-1,arn:aws:iam::111122223333:user/alice,2024-02-03T04:05:06Z,alice\n";
        let report = parse(csv.as_bytes()).expect("parses");
        let row = &report.rows[0];
        assert_eq!(row.user(), "alice");
        assert_eq!(row.arn(), "arn:aws:iam::111122223333:user/alice");
        assert_eq!(row.flag("mfa_active"), Some(true));
        assert_eq!(
            row.text("access_key_1_last_used_region"),
            Some("eu-west-1")
        );
        assert_eq!(row.time("password_last_used"), Some(at("2024-02-03 04:05:06")));
        // Columns absent from the header stay None.
        assert_eq!(row.time("user_creation_time"), None);
        assert_eq!(row.flag("password_enabled"), None);
        assert_eq!(row.flag("access_key_1_active"), None);
        assert!(row.special_values.is_empty());
    }

    #[test]
    fn booleans_ignore_case() {
        let csv = "user,arn,password_enabled,mfa_active,access_key_1_active,cert_1_active\n\
            a,arn:aws:iam::1:user/a,TRUE,false,True,FALSE\n";
        let row = &parse(csv.as_bytes()).expect("parses").rows[0];
        assert_eq!(row.flag("password_enabled"), Some(true));
        assert_eq!(row.flag("mfa_active"), Some(false));
        assert_eq!(row.flag("access_key_1_active"), Some(true));
        assert_eq!(row.flag("cert_1_active"), Some(false));
    }

    #[test]
    fn timestamps_are_converted_to_utc() {
        let csv = "user,arn,user_creation_time,password_last_used,password_last_changed,cert_1_last_rotated\n\
            a,arn:aws:iam::1:user/a,2024-03-11T09:14:02+00:00,2024-03-11T09:14:02.123Z,2024-03-11T11:14:02+02:00,2024-03-11 09:14:02\n";
        let row = &parse(csv.as_bytes()).expect("parses").rows[0];
        assert_eq!(row.time("user_creation_time"), Some(at("2024-03-11 09:14:02")));
        let fractional = at("2024-03-11 09:14:02")
            .checked_add_signed(chrono::TimeDelta::milliseconds(123))
            .expect("in range");
        assert_eq!(row.time("password_last_used"), Some(fractional));
        assert_eq!(row.time("password_last_changed"), Some(at("2024-03-11 09:14:02")));
        assert_eq!(row.time("cert_1_last_rotated"), Some(at("2024-03-11 09:14:02")));
    }

    #[test]
    fn special_values_of_each_kind() {
        let csv = "user,arn,password_enabled,password_last_used,password_next_rotation,\
            access_key_1_last_used_region,access_key_1_last_used_service,mfa_active,user_creation_time\n\
            a,arn:aws:iam::1:user/a,not_supported,no_information,N/A,N/A,N/A,maybe,yesterday\n";
        let row = &parse(csv.as_bytes()).expect("parses").rows[0];
        assert_eq!(row.flag("password_enabled"), None);
        assert_eq!(row.time("password_last_used"), None);
        assert_eq!(row.time("password_next_rotation"), None);
        assert_eq!(row.text("access_key_1_last_used_region"), None);
        assert_eq!(row.text("access_key_1_last_used_service"), None);
        assert_eq!(row.flag("mfa_active"), None);
        assert_eq!(row.time("user_creation_time"), None);
        let expected: Vec<(&str, String)> = [
            ("password_enabled", "not_supported"),
            ("password_last_used", "no_information"),
            ("password_next_rotation", "N/A"),
            ("access_key_1_last_used_region", "N/A"),
            ("access_key_1_last_used_service", "N/A"),
            ("mfa_active", "maybe"),
            ("user_creation_time", "yesterday"),
        ]
        .into_iter()
        .map(|(c, v)| (c, v.to_owned()))
        .collect();
        assert_eq!(row.special_values, expected);
    }

    #[test]
    fn empty_fields_are_none_but_not_special() {
        let csv = "user,arn,mfa_active,password_last_used,access_key_1_last_used_region\n\
            a,arn:aws:iam::1:user/a,,,\n";
        let row = &parse(csv.as_bytes()).expect("parses").rows[0];
        assert_eq!(row.flag("mfa_active"), None);
        assert_eq!(row.time("password_last_used"), None);
        assert_eq!(row.text("access_key_1_last_used_region"), None);
        assert!(row.special_values.is_empty());
    }

    #[test]
    fn unknown_header_column_is_an_error() {
        let err = parse(b"user,arn,mfa_enabled\na,b,true\n").expect_err("unknown column");
        assert_eq!(err.position, "line 1, column 3");
        assert!(err.cause.contains("`mfa_enabled`"), "{}", err.cause);
        assert!(err.cause.contains("user, arn"), "{}", err.cause);
        assert_eq!(err.snippet.as_deref(), Some("user,arn,mfa_enabled"));
    }

    #[test]
    fn header_without_user_or_arn_is_an_error() {
        let err = parse(b"user,mfa_active\na,true\n").expect_err("no arn");
        assert_eq!(err.position, "line 1");
        assert!(err.cause.contains("`arn`"), "{}", err.cause);

        let err = parse(b"arn\narn:aws:iam::1:root\n").expect_err("no user");
        assert!(err.cause.contains("`user`"), "{}", err.cause);
    }

    #[test]
    fn duplicate_header_column_is_an_error() {
        let err = parse(b"user,arn,user\n").expect_err("duplicate");
        assert_eq!(err.position, "line 1, column 3");
        assert!(err.cause.contains("duplicate"), "{}", err.cause);
    }

    #[test]
    fn empty_input_is_an_error() {
        let err = parse(b"").expect_err("empty");
        assert_eq!(err.position, "line 1");
        assert!(parse(b"\xEF\xBB\xBF").is_err());
    }

    #[test]
    fn wrong_field_count_names_the_line() {
        let csv = "user,arn,mfa_active\r\n\
            a,arn:aws:iam::1:user/a,true\r\n\
            b,arn:aws:iam::1:user/b\r\n";
        let err = parse(csv.as_bytes()).expect_err("short row");
        assert_eq!(err.position, "line 3");
        assert!(err.cause.contains("expected 3"), "{}", err.cause);
        assert!(err.cause.contains("found 2"), "{}", err.cause);
        assert_eq!(err.snippet.as_deref(), Some("b,arn:aws:iam::1:user/b"));
    }

    #[test]
    fn line_numbers_count_blank_lines_and_quoted_newlines() {
        let csv = "user,arn,mfa_active\r\n\r\n\
            \"a\r\nb\",arn:aws:iam::1:user/a,true\r\n\
            \r\n\
            c,arn:aws:iam::1:user/c,true,extra\r\n";
        let err = parse(csv.as_bytes()).expect_err("long row");
        assert_eq!(err.position, "line 6");
        assert_eq!(
            err.snippet.as_deref(),
            Some("c,arn:aws:iam::1:user/c,true,extra")
        );
    }

    #[test]
    fn non_utf8_names_the_line() {
        let err = parse(b"user,arn\na,arn:aws:iam::1:user/a\nb\xff,arn:aws:iam::1:user/b\n")
            .expect_err("invalid UTF-8");
        assert_eq!(err.position, "line 3, column 1");
        assert!(err.cause.contains("UTF-8"), "{}", err.cause);
        assert_eq!(
            err.snippet.as_deref(),
            Some("b\u{FFFD},arn:aws:iam::1:user/b")
        );

        let err = parse(b"user,\xfearn\n").expect_err("invalid UTF-8 header");
        assert_eq!(err.position, "line 1, column 2");
    }

    #[test]
    fn quoted_fields() {
        let csv = "\"user\",\"arn\"\n\"a, b\",\"arn:aws:iam::1:user/a\"\n";
        let row = &parse(csv.as_bytes()).expect("parses").rows[0];
        assert_eq!(row.user(), "a, b");
    }

    #[test]
    fn file_name_times() {
        let cases = [
            (
                "111122223333_credential-report_2024-05-01T08-00-00Z.csv",
                "2024-05-01 08:00:00",
            ),
            (
                "credential-report-444455556666-20240603T080000Z.csv",
                "2024-06-03 08:00:00",
            ),
            ("cred_2024-06-03 08:00:00.csv", "2024-06-03 08:00:00"),
            ("report-2024-06-03.csv", "2024-06-03 00:00:00"),
            (
                "reports/2023/report-2024-06-03T17:45:10Z.csv",
                "2024-06-03 17:45:10",
            ),
            ("20240603_report.csv", "2024-06-03 00:00:00"),
        ];
        for (name, expected) in cases {
            assert_eq!(
                report_time_from_file_name(name),
                Some(at(expected)),
                "{name}"
            );
        }
    }

    #[test]
    fn file_names_without_time() {
        for name in [
            "credential-report.csv",
            "111122223333_credential-report.csv",
            "report-2024-13-40.csv",
            "202406031.csv",
            "",
        ] {
            assert_eq!(report_time_from_file_name(name), None, "{name}");
        }
    }

    #[test]
    fn sniffs_credential_reports() {
        assert!(looks_like_credential_report(FULL.as_bytes()));
        assert!(looks_like_credential_report(
            b"\xEF\xBB\xBFuser,arn,mfa_active\r\n"
        ));
        assert!(looks_like_credential_report(b"\"user\",\"arn\"\r\n"));
        assert!(looks_like_credential_report(b"user,arn"));
    }

    #[test]
    fn sniff_rejects_other_files() {
        assert!(!looks_like_credential_report(
            b"{\"Records\":[{\"eventVersion\":\"1.08\"}]}"
        ));
        assert!(!looks_like_credential_report(b"name,age\nalice,30\n"));
        assert!(!looks_like_credential_report(b"arn,user\n"));
        assert!(!looks_like_credential_report(b"user,arnold\n"));
        assert!(!looks_like_credential_report(b""));
    }
}
