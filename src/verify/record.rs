//! One result of verification, as it goes into the `integrity` table.

use anyhow::Result;
use duckdb::types::{TimeUnit, Value};
use duckdb::{appender_params_from_iter, Appender, Connection};

use super::case::CaseFile;
use super::summary::VerifySummary;

/// One `integrity` row.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub check: &'static str,
    pub subject: String,
    pub status: &'static str,
    pub problem: bool,
    pub source_id: Option<i32>,
    pub path: Option<String>,
    pub account_id: Option<String>,
    pub region: Option<String>,
    pub expected: Option<String>,
    pub actual: Option<String>,
    pub vouching_digest: Option<String>,
    pub vouching_source_id: Option<i32>,
    pub unproven: Option<(i64, i64)>,
    pub detail: String,
}

impl Row {
    /// A row about a file of the case.
    pub fn about(check: &'static str, file: &CaseFile) -> Row {
        Row {
            check,
            subject: file.subject(),
            source_id: Some(file.source_id),
            path: Some(file.path.clone()),
            account_id: file.parts.as_ref().map(|p| p.account.clone()),
            region: file.parts.as_ref().map(|p| p.region.clone()),
            ..Row::default()
        }
    }

    pub fn status(mut self, status: &'static str, problem: bool) -> Row {
        self.status = status;
        self.problem = problem;
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Row {
        self.detail = detail.into();
        self
    }
}

/// Writes rows into the `integrity` table as they are found, counting them for the summary, so
/// verification never holds a row per file (the caller holds the transaction).
pub struct Recorder<'conn> {
    appender: Appender<'conn>,
    summary: VerifySummary,
}

impl<'conn> Recorder<'conn> {
    /// Empties `integrity` for the new results.
    pub fn start(conn: &'conn Connection, public_keys: usize) -> Result<Recorder<'conn>> {
        conn.execute("DELETE FROM integrity", [])?;
        Ok(Recorder {
            appender: conn.appender("integrity")?,
            summary: VerifySummary::new(public_keys),
        })
    }

    pub fn push(&mut self, row: Row) -> Result<()> {
        self.summary.count(&row);
        let time =
            |v: Option<i64>| v.map_or(Value::Null, |m| Value::Timestamp(TimeUnit::Microsecond, m));
        let text = |v: Option<String>| v.map_or(Value::Null, Value::Text);
        self.appender.append_row(appender_params_from_iter([
            Value::Text(row.check.to_string()),
            Value::Text(row.subject),
            Value::Text(row.status.to_string()),
            Value::Boolean(row.problem),
            row.source_id.map_or(Value::Null, Value::Int),
            text(row.path),
            text(row.account_id),
            text(row.region),
            text(row.expected),
            text(row.actual),
            text(row.vouching_digest),
            row.vouching_source_id.map_or(Value::Null, Value::Int),
            time(row.unproven.map(|u| u.0)),
            time(row.unproven.map(|u| u.1)),
            Value::Text(row.detail),
        ]))?;
        Ok(())
    }

    pub fn finish(mut self) -> Result<VerifySummary> {
        self.appender.flush()?;
        Ok(self.summary)
    }
}
