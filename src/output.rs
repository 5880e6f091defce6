//! Writing query results: aligned tables for people, CSV and JSON for programs. Cells are
//! evidence and may be attacker-controlled: CSV cells that a spreadsheet would run as a formula
//! are neutralised, and text shown on a terminal has its control characters escaped.

use std::io::Write;

use anyhow::Result;
use duckdb::arrow::array::Array;
use duckdb::arrow::datatypes::DataType;
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::arrow::util::display::{ArrayFormatter, FormatOptions};

use crate::terminal::sanitize;

/// Prefixes a quote to text a spreadsheet would evaluate (`=`, `+`, `-`, `@`, tab, CR), the
/// OWASP recommendation against CSV injection.
pub fn neutralize_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

fn is_textual(data_type: &DataType) -> bool {
    !(data_type.is_numeric() || matches!(data_type, DataType::Boolean | DataType::Null))
}

/// Cells of one batch as text, row by row.
fn cells(batch: &RecordBatch, null: &str) -> Result<Vec<Vec<String>>> {
    let options = FormatOptions::default()
        .with_null(null)
        .with_timestamp_format(Some("%Y-%m-%d %H:%M:%S%.f"));
    let formatters = batch
        .columns()
        .iter()
        .map(|column| ArrayFormatter::try_new(column.as_ref() as &dyn Array, &options))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((0..batch.num_rows())
        .map(|row| {
            formatters
                .iter()
                .map(|f| f.value(row).to_string())
                .collect()
        })
        .collect())
}

pub struct CsvOut<W: Write> {
    writer: csv::Writer<W>,
    to_terminal: bool,
}

impl<W: Write> CsvOut<W> {
    pub fn new(out: W, header: &[String], to_terminal: bool) -> Result<Self> {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(header.iter().map(|h| neutralize_formula(h).into_owned()))?;
        Ok(CsvOut {
            writer,
            to_terminal,
        })
    }

    pub fn write_batch(&mut self, batch: &RecordBatch) -> Result<()> {
        let textual: Vec<bool> = batch
            .schema()
            .fields()
            .iter()
            .map(|f| is_textual(f.data_type()))
            .collect();
        for row in cells(batch, "")? {
            let record = row.iter().zip(&textual).map(|(cell, textual)| {
                let cell = if *textual {
                    neutralize_formula(cell).into_owned()
                } else {
                    cell.clone()
                };
                if self.to_terminal {
                    sanitize(&cell)
                } else {
                    cell
                }
            });
            self.writer.write_record(record)?;
        }
        Ok(())
    }

    pub fn finish(mut self) -> Result<()> {
        self.writer.flush()?;
        Ok(())
    }
}

/// Collects rows to print an aligned table (widths need every row first).
pub struct TableOut {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// Cells longer than this are cut in table output; use csv or json for whole values.
const TABLE_CELL_LIMIT: usize = 120;

impl TableOut {
    pub fn new(header: &[String]) -> Self {
        TableOut {
            header: header.iter().map(|h| sanitize(h)).collect(),
            rows: Vec::new(),
        }
    }

    pub fn add_batch(&mut self, batch: &RecordBatch) -> Result<()> {
        for row in cells(batch, "NULL")? {
            self.rows
                .push(row.iter().map(|c| shorten(&sanitize(c))).collect());
        }
        Ok(())
    }

    pub fn write(self, out: &mut impl Write) -> Result<()> {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect::<Vec<_>>()
                .join(" | ")
                .trim_end()
                .to_string()
        };
        writeln!(out, "{}", line(&self.header))?;
        writeln!(
            out,
            "{}",
            widths
                .iter()
                .map(|w| "-".repeat(*w))
                .collect::<Vec<_>>()
                .join("-+-")
        )?;
        for row in &self.rows {
            writeln!(out, "{}", line(row))?;
        }
        writeln!(
            out,
            "({} row{})",
            self.rows.len(),
            if self.rows.len() == 1 { "" } else { "s" }
        )?;
        Ok(())
    }
}

/// How [`write_result`] prints rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultFormat {
    Table,
    Csv,
    /// One JSON array.
    Json,
    /// One JSON object per line.
    Ndjson,
}

/// Runs `sql` (with `params`) and writes its rows to `out`: JSON rendered by DuckDB (nested
/// and JSON columns stay structured), CSV and tables streamed from Arrow batches. CSV cells
/// are neutralised; `to_terminal` also escapes control characters.
pub fn write_result(
    conn: &duckdb::Connection,
    sql: &str,
    params: &[&dyn duckdb::ToSql],
    format: ResultFormat,
    to_terminal: bool,
    out: &mut impl Write,
) -> Result<()> {
    match format {
        ResultFormat::Json | ResultFormat::Ndjson => {
            // DuckDB renders each row as JSON itself: nested and JSON columns stay structured.
            let wrapped = format!("SELECT to_json(q)::VARCHAR FROM ({sql}) AS q");
            let mut stmt = conn.prepare(&wrapped).map_err(|e| {
                anyhow::anyhow!("--format json needs a query that returns rows: {e}")
            })?;
            let mut rows = stmt.query(params)?;
            let array = format == ResultFormat::Json;
            let mut first = true;
            if array {
                write!(out, "[")?;
            }
            while let Some(row) = rows.next()? {
                let json: String = row.get(0)?;
                match (array, first) {
                    (true, true) => write!(out, "\n{json}")?,
                    (true, false) => write!(out, ",\n{json}")?,
                    (false, _) => writeln!(out, "{json}")?,
                }
                first = false;
            }
            if array {
                writeln!(out, "{}]", if first { "" } else { "\n" })?;
            }
        }
        ResultFormat::Table | ResultFormat::Csv => {
            let mut stmt = conn.prepare(sql)?;
            let batches = stmt
                .stream_arrow(params)
                .map_err(|e| anyhow::anyhow!("SQL error: {e}"))?;
            let header: Vec<String> = batches
                .get_schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect();
            if format == ResultFormat::Csv {
                let mut csv = CsvOut::new(&mut *out, &header, to_terminal)?;
                for batch in batches {
                    csv.write_batch(&batch?)?;
                }
                csv.finish()?;
            } else {
                let mut table = TableOut::new(&header);
                for batch in batches {
                    table.add_batch(&batch?)?;
                }
                table.write(out)?;
            }
        }
    }
    Ok(())
}

fn shorten(cell: &str) -> String {
    if cell.chars().count() <= TABLE_CELL_LIMIT {
        return cell.to_string();
    }
    let mut cut: String = cell.chars().take(TABLE_CELL_LIMIT - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralises_formula_prefixes_only() {
        assert_eq!(
            neutralize_formula("=cmd|' /C calc'!A0"),
            "'=cmd|' /C calc'!A0"
        );
        assert_eq!(neutralize_formula("+1"), "'+1");
        assert_eq!(neutralize_formula("-1+2"), "'-1+2");
        assert_eq!(neutralize_formula("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralize_formula("alice"), "alice");
        assert_eq!(neutralize_formula(""), "");
    }
}
