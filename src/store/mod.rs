//! The case: one DuckDB file holding every table rootlens writes and investigations read.

pub mod credential_events;
pub mod dedupe;
pub mod event_batch;
pub mod evidence;
pub mod guard;
pub mod json_rows;
pub mod lineage;
pub mod outcome;
pub mod record_text;
pub mod writer;

use std::path::Path;

use anyhow::{Context, Result};
use duckdb::{AccessMode, Config, Connection};

use crate::assets::{
    EVENTS_VIEW_SELECT, LINEAGE_SQL, POSTURE_SQL, REPORT_VIEWS_SQL, SCHEMA_SQL, SUMMARY_SQL,
    VIEWS_SQL,
};

/// Every view of the case: `events` first, then the views built on it, then the report's.
pub fn views_sql() -> String {
    views_sql_over(EVENTS_VIEW_SELECT)
}

fn views_sql_over(events_select: &str) -> String {
    format!(
        "CREATE OR REPLACE VIEW events AS\n{events_select};\n\n{VIEWS_SQL}\n{LINEAGE_SQL}\n{SUMMARY_SQL}\n{POSTURE_SQL}\n{REPORT_VIEWS_SQL}"
    )
}

/// What the `events` view reads for a case written before records were stored in parts, whose
/// `event_records` lacks their columns (a read-only connection cannot add them).
const WHOLE_RECORDS: &str = "SELECT *, raw AS stored_raw, NULL::JSON AS stored_request_parameters,
           NULL::JSON AS stored_response_elements, rowid AS event_row
    FROM event_records";

/// The `events` view's SELECT for the case open on `conn`.
pub fn events_view_select(conn: &Connection) -> Result<String> {
    let in_parts: bool = conn.query_row(
        "SELECT count(*) > 0 FROM duckdb_columns()
         WHERE table_name = 'event_records' AND column_name = 'raw_rest'",
        [],
        |r| r.get(0),
    )?;
    if in_parts {
        return Ok(EVENTS_VIEW_SELECT.to_string());
    }
    let (begin, end) = ("-- stored records: begin", "-- stored records: end");
    let start = EVENTS_VIEW_SELECT.find(begin).context("events view: no begin marker")?;
    let stop = EVENTS_VIEW_SELECT.find(end).context("events view: no end marker")?;
    Ok(format!(
        "{}{WHOLE_RECORDS}\n    {}",
        &EVENTS_VIEW_SELECT[..start],
        &EVENTS_VIEW_SELECT[stop..]
    ))
}

/// Bumped when a table changes shape; recorded in `case_meta`.
pub const SCHEMA_VERSION: &str = "1";

/// Settings every connection gets: nothing is downloaded or loaded from outside the binary.
fn offline_config() -> Result<Config> {
    Ok(Config::default()
        .enable_autoload_extension(false)?
        .with("autoinstall_known_extensions", "false")?)
}

/// Opens (creating when needed) a case for writing and brings its schema up to date.
pub fn open_for_writing(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(path, offline_config()?)
        .map_err(|e| guard::explain(path, e.into()))?;
    guard::check_writable(path, &conn)?;
    conn.execute_batch(SCHEMA_SQL)
        .context("cannot create the case schema")?;
    conn.execute_batch(&views_sql())
        .context("cannot create the case views")?;
    conn.execute(
        "INSERT OR REPLACE INTO case_meta VALUES ('schema_version', ?), ('last_written_by', ?)",
        duckdb::params![SCHEMA_VERSION, crate::tool_version()],
    )?;
    credential_events::bring_up_to_date(&conn)?;
    Ok(conn)
}

/// An empty case in memory (for checking investigations).
pub fn open_in_memory() -> Result<Connection> {
    let conn = Connection::open_in_memory_with_flags(offline_config()?)?;
    conn.execute_batch(SCHEMA_SQL)?;
    conn.execute_batch(&views_sql())?;
    Ok(conn)
}

/// Opens an existing case without the right to change it.
pub fn open_read_only(path: &Path) -> Result<Connection> {
    if !path.exists() {
        anyhow::bail!(
            "the case file {} does not exist (create it with `rootlens ingest --db {} PATH…`)",
            path.display(),
            path.display()
        );
    }
    // Investigations over tens of millions of events stay within a laptop's memory: past this
    // DuckDB spills to a temporary folder beside the case.
    let config = offline_config()?
        .access_mode(AccessMode::ReadOnly)?
        .max_memory("4GB")?;
    let conn =
        Connection::open_with_flags(path, config).map_err(|e| guard::explain(path, e.into()))?;
    guard::check_readable(path, &conn)?;
    // A case written by an older version may lack newer tables and holds older views: empty
    // temporary tables stand in for missing ones and this version's views apply, for this
    // connection only (the file is not changed).
    for (name, create) in schema_tables()? {
        let present: bool = conn.query_row(
            "SELECT count(*) > 0 FROM duckdb_tables() WHERE table_name = ? AND NOT temporary",
            [&name],
            |r| r.get(0),
        )?;
        if !present {
            conn.execute_batch(&create.replacen("CREATE TABLE", "CREATE TEMP TABLE", 1))
                .with_context(|| format!("cannot stand in for the missing table {name}"))?;
        }
    }
    conn.execute_batch(&temporary_views(&conn)?)
        .context("cannot define the case views")?;
    credential_events::ensure_current(&conn)?;
    Ok(conn)
}

/// Each table of `schema.sql` with the statement that creates it, as DuckDB itself parsed them
/// (splitting the text would trip over comments and strings).
fn schema_tables() -> Result<Vec<(String, String)>> {
    let scratch = Connection::open_in_memory_with_flags(offline_config()?)?;
    scratch.execute_batch(SCHEMA_SQL)?;
    let mut stmt =
        scratch.prepare("SELECT table_name, sql FROM duckdb_tables() ORDER BY table_oid")?;
    let tables = stmt
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(tables)
}

/// views.sql as temporary views, which take precedence over the stored ones in this connection.
fn temporary_views(conn: &Connection) -> Result<String> {
    Ok(views_sql_over(&events_view_select(conn)?)
        .replace("CREATE OR REPLACE VIEW", "CREATE OR REPLACE TEMP VIEW"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::credreport::{CellType, COLUMNS};

    /// (name, DuckDB type) of each column of a table, in table order.
    fn columns(conn: &Connection, table: &str) -> Vec<(String, String)> {
        let mut stmt = conn
            .prepare(
                "SELECT column_name, data_type FROM duckdb_columns()
                 WHERE table_name = ? ORDER BY column_index",
            )
            .unwrap();
        stmt.query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn stand_in_tables_survive_semicolons_in_schema_comments() {
        // schema.sql's comments hold `;`: splitting its text truncated `sources` and
        // `event_records` when an older case lacked them.
        assert!(SCHEMA_SQL
            .lines()
            .any(|l| l.contains("--") && l.contains(';')));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.duckdb");
        Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE case_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
            .unwrap();
        let old = open_read_only(&path).unwrap();
        let full = open_in_memory().unwrap();
        for (table, _) in schema_tables().unwrap() {
            assert_eq!(columns(&old, &table), columns(&full, &table), "{table}");
        }
        let events: i64 = old
            .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
            .unwrap();
        assert_eq!(events, 0);
    }

    #[test]
    fn event_batches_match_the_event_records_table() {
        use duckdb::arrow::datatypes::DataType;
        let conn = open_in_memory().unwrap();
        let table = columns(&conn, "event_records");
        let batch = event_batch::schema();
        let from_batch: Vec<(String, String)> = batch
            .fields()
            .iter()
            .map(|f| {
                let sql_type = match f.data_type() {
                    DataType::Utf8 if f.name() == "raw" => "JSON",
                    DataType::Utf8 => "VARCHAR",
                    DataType::Boolean => "BOOLEAN",
                    DataType::Int32 => "INTEGER",
                    DataType::Int64 => "BIGINT",
                    DataType::Timestamp(_, None) => "TIMESTAMP",
                    other => panic!("no DuckDB type for {other:?}"),
                };
                (f.name().clone(), sql_type.to_string())
            })
            .collect();
        assert_eq!(from_batch, table);
    }

    #[test]
    fn credential_report_table_follows_the_decoder_columns() {
        let conn = open_in_memory().unwrap();
        let mut expected = vec![
            ("account_id", "VARCHAR"),
            ("report_time", "TIMESTAMP"),
            ("report_time_source", "VARCHAR"),
        ];
        expected.extend(COLUMNS.iter().map(|(name, cell_type)| {
            let sql_type = match cell_type {
                CellType::Text => "VARCHAR",
                CellType::Flag => "BOOLEAN",
                CellType::Time => "TIMESTAMP",
            };
            (*name, sql_type)
        }));
        expected.extend([
            ("special_values", "JSON"),
            ("source_id", "INTEGER"),
            ("row_index", "INTEGER"),
        ]);
        let expected: Vec<(String, String)> = expected
            .into_iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        assert_eq!(columns(&conn, "credential_report"), expected);
    }
}
