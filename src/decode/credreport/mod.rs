//! IAM credential report CSV: one row per user, AWS's 22 columns (or a subset, in any order).

use chrono::NaiveDateTime;

mod file_name;
mod records;
#[cfg(test)]
mod tests;

pub use file_name::report_time_from_file_name;
use records::Records;

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

/// Largest credential report read. IAM allows 5,000 users per account, so a real report is at
/// most a few MB; a file past this is not one, and reading it whole would only cost memory.
pub const MAX_REPORT_BYTES: u64 = 16 << 20;

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
            _ if index == USER || index == ARN => Some(Cell::Text(value.to_owned())),
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
                DecodeError::new(position, format!("duplicate column `{name}`")).with_snippet(raw),
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
