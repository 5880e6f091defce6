//! The case: one DuckDB file holding every table rootlens writes and investigations read.

pub mod event_batch;
pub mod writer;

use std::path::Path;

use anyhow::{Context, Result};
use duckdb::{AccessMode, Config, Connection};

use crate::assets::{EVENTS_VIEW_SELECT, REPORT_VIEWS_SQL, SCHEMA_SQL, VIEWS_SQL};

/// Every view of the case: `events` first, then the views built on it, then the report's.
pub fn views_sql() -> String {
    format!(
        "CREATE OR REPLACE VIEW events AS\n{EVENTS_VIEW_SELECT};\n\n{VIEWS_SQL}\n{REPORT_VIEWS_SQL}"
    )
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
        .with_context(|| format!("cannot open the case file {}", path.display()))?;
    conn.execute_batch(SCHEMA_SQL)
        .context("cannot create the case schema")?;
    conn.execute_batch(&views_sql())
        .context("cannot create the case views")?;
    conn.execute(
        "INSERT OR REPLACE INTO case_meta VALUES ('schema_version', ?), ('last_written_by', ?)",
        duckdb::params![SCHEMA_VERSION, crate::tool_version()],
    )?;
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
    let conn = Connection::open_with_flags(path, config)
        .with_context(|| format!("cannot open the case file {} read-only", path.display()))?;
    // A case written by an older version may lack newer tables and holds older views: empty
    // temporary tables stand in for missing ones and this version's views apply, for this
    // connection only (the file is not changed).
    for statement in SCHEMA_SQL.split(';') {
        let Some(name) = statement
            .split("CREATE TABLE IF NOT EXISTS ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
        else {
            continue;
        };
        let present: bool = conn.query_row(
            "SELECT count(*) > 0 FROM duckdb_tables() WHERE table_name = ? AND NOT temporary",
            [name],
            |r| r.get(0),
        )?;
        if !present {
            conn.execute_batch(
                &statement.replace("CREATE TABLE IF NOT EXISTS", "CREATE TEMP TABLE"),
            )
            .with_context(|| format!("cannot stand in for the missing table {name}"))?;
        }
    }
    conn.execute_batch(&temporary_views())
        .context("cannot define the case views")?;
    Ok(conn)
}

/// views.sql as temporary views, which take precedence over the stored ones in this connection.
pub fn temporary_views() -> String {
    views_sql().replace("CREATE OR REPLACE VIEW", "CREATE OR REPLACE TEMP VIEW")
}
