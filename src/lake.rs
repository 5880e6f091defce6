//! The case as a Parquet data lake (`rootlens export parquet`), for engines past one machine
//! (Spark, Athena) and for DuckDB itself.
//!
//! Every table of the case becomes `<out>/<table>/data_0.parquet`; the events become
//! `<out>/events/account=…/region=…/dt=YYYY-MM-DD/data_N.parquet` (Hive partitioning, the layout
//! Athena users already query), with the columns of the `events` view: typed as in the case,
//! the free-form JSON parts and `raw` as strings. DuckDB's own `COPY … (FORMAT parquet,
//! PARTITION_BY …)` streams the rows out, so memory stays bounded whatever the case's size.
//!
//! A table is written into a scratch folder first and then renamed over the previous export,
//! so running the export again replaces it (nothing twice) and an interrupted run leaves the
//! previous export whole.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use duckdb::Connection;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

/// The scratch folder inside `--out` a table is written to before it replaces the old one.
const SCRATCH: &str = ".rootlens-partial";
/// Written last: what the export holds (a reader can tell a finished export by it).
pub const MANIFEST: &str = "_rootlens_export.json";

pub struct LakeOptions {
    pub out: PathBuf,
    /// A progress bar on stderr, when it is a terminal.
    pub progress: bool,
}

/// What one table became.
#[derive(Debug, Serialize)]
pub struct ExportedTable {
    pub table: String,
    pub rows: u64,
    pub files: u64,
    pub bytes: u64,
    /// The Hive partition columns (events only).
    pub partitioned_by: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Manifest {
    pub schema: &'static str,
    pub tool_version: String,
    pub exported_at: String,
    pub case: String,
    pub tables: Vec<ExportedTable>,
}

/// A partition value as a folder name: letters, digits, `_`, `.` and `-` only (an attacker
/// writes `recipientAccountId`; a `/` or `..` must not make a folder), `unknown` when absent.
fn partition_value(expr: &str) -> String {
    format!("regexp_replace(coalesce({expr}, 'unknown'), '[^A-Za-z0-9_.-]', '_', 'g')")
}

/// The rows of `events` as written: JSON columns as text, plus the partition columns.
fn events_select(conn: &Connection) -> Result<String> {
    let json_columns = json_columns(conn, "events")?;
    let replace = json_columns
        .iter()
        .map(|c| format!("CAST({c} AS VARCHAR) AS {c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let replace = if replace.is_empty() {
        String::new()
    } else {
        format!(" REPLACE ({replace})")
    };
    Ok(format!(
        "SELECT *{replace},
                {} AS account,
                {} AS region,
                coalesce(strftime(event_time, '%Y-%m-%d'), 'unknown') AS dt
         FROM events",
        partition_value("recipient_account_id"),
        partition_value("aws_region"),
    ))
}

/// The JSON-typed columns of a table or view (Parquet readers other than DuckDB know no JSON
/// type: they get the text).
fn json_columns(conn: &Connection, relation: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT column_name FROM information_schema.columns
         WHERE table_name = ? AND data_type = 'JSON' ORDER BY column_name",
    )?;
    let names = stmt.query_map([relation], |r| r.get::<_, String>(0))?;
    Ok(names.collect::<Result<Vec<_>, _>>()?)
}

/// The case's stored tables, except `event_records` (exported as `events`).
fn case_tables(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT table_name FROM duckdb_tables()
         WHERE table_name <> 'event_records' ORDER BY table_name",
    )?;
    let names = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(names.collect::<Result<Vec<_>, _>>()?)
}

fn quote_path(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "''"))
}

/// Writes every table of the case under `options.out`.
pub fn export(conn: &Connection, case: &Path, options: &LakeOptions) -> Result<Manifest> {
    std::fs::create_dir_all(&options.out)
        .with_context(|| format!("cannot create {}", options.out.display()))?;
    let scratch = options.out.join(SCRATCH);
    if scratch.exists() {
        // What an interrupted export left behind.
        std::fs::remove_dir_all(&scratch)
            .with_context(|| format!("cannot remove {}", scratch.display()))?;
    }
    std::fs::create_dir_all(&scratch)
        .with_context(|| format!("cannot create {}", scratch.display()))?;
    // Partitioned writes keep one open file per partition and thread: without the insertion
    // order DuckDB need not buffer rows to restore it.
    // A bounded buffer per open partition file, and a memory limit below the read-only case's
    // 4 GB: what does not fit spills to disk instead of growing.
    conn.execute_batch(
        "SET preserve_insertion_order = false;
         SET memory_limit = '1GB';
         SET partitioned_write_max_open_files = 64;",
    )?;
    conn.set_query_progress_tracking(options.progress)?;

    let mut tables = Vec::new();
    let events = conn
        .query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0))
        .context("cannot count the case's events")?;
    tables.push(copy_table(
        conn,
        options,
        &scratch,
        "events",
        &events_select(conn)?,
        events as u64,
        &["account", "region", "dt"],
    )?);
    for table in case_tables(conn)? {
        let json = json_columns(conn, &table)?;
        let select = if json.is_empty() {
            format!("SELECT * FROM \"{table}\"")
        } else {
            let replace: Vec<String> = json
                .iter()
                .map(|c| format!("CAST(\"{c}\" AS VARCHAR) AS \"{c}\""))
                .collect();
            format!("SELECT * REPLACE ({}) FROM \"{table}\"", replace.join(", "))
        };
        let rows: i64 = conn.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
            r.get(0)
        })?;
        tables.push(copy_table(
            conn,
            options,
            &scratch,
            &table,
            &select,
            rows as u64,
            &[],
        )?);
    }
    std::fs::remove_dir_all(&scratch).ok();
    let manifest = Manifest {
        schema: "rootlens.lake/1",
        tool_version: crate::tool_version(),
        exported_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        case: case.display().to_string(),
        tables,
    };
    let path = options.out.join(MANIFEST);
    std::fs::write(&path, serde_json::to_string_pretty(&manifest)? + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(manifest)
}

fn copy_table(
    conn: &Connection,
    options: &LakeOptions,
    scratch: &Path,
    table: &str,
    select: &str,
    rows: u64,
    partition_by: &[&str],
) -> Result<ExportedTable> {
    // A case without events has no partition to write: one empty file keeps the columns.
    let partition_by: &[&str] = if rows == 0 { &[] } else { partition_by };
    let staged = scratch.join(table);
    let copy = if partition_by.is_empty() {
        std::fs::create_dir_all(&staged)?;
        format!(
            "COPY ({select}) TO {} (FORMAT parquet, COMPRESSION zstd)",
            quote_path(&staged.join("data_0.parquet"))
        )
    } else {
        format!(
            "COPY ({select}) TO {} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY ({}), \
             FILENAME_PATTERN 'data_{{i}}')",
            quote_path(&staged),
            partition_by.join(", ")
        )
    };
    let bar = progress_bar(options.progress && rows > 0, table, rows);
    let running = Arc::new(AtomicBool::new(true));
    let poller = (!bar.is_hidden()).then(|| {
        let handle = conn.progress_handle();
        let bar = bar.clone();
        let running = running.clone();
        std::thread::spawn(move || {
            while running.load(Ordering::Relaxed) {
                if let Some(pct) = handle.query_progress().percentage() {
                    bar.set_position(((pct / 100.0) * rows as f64) as u64);
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        })
    });
    let result = conn.execute_batch(&copy);
    running.store(false, Ordering::Relaxed);
    if let Some(poller) = poller {
        poller.join().ok();
    }
    bar.finish_and_clear();
    result.with_context(|| format!("cannot export {table} to Parquet"))?;

    let target = options.out.join(table);
    if target.exists() {
        std::fs::remove_dir_all(&target)
            .with_context(|| format!("cannot replace the previous export {}", target.display()))?;
    }
    std::fs::rename(&staged, &target)
        .with_context(|| format!("cannot move {} to {}", staged.display(), target.display()))?;
    let (files, bytes) = parquet_files(&target)?;
    Ok(ExportedTable {
        table: table.to_string(),
        rows,
        files,
        bytes,
        partitioned_by: partition_by.iter().map(|s| s.to_string()).collect(),
    })
}

/// The number and total size of the Parquet files under `dir`.
fn parquet_files(dir: &Path) -> Result<(u64, u64)> {
    let (mut files, mut bytes) = (0, 0);
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry?;
        if entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "parquet") {
            files += 1;
            bytes += entry.metadata()?.len();
        }
    }
    if files == 0 {
        bail!("the export of {} wrote no Parquet file", dir.display());
    }
    Ok((files, bytes))
}

fn progress_bar(enabled: bool, table: &str, total: u64) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{table:<20} {{bar:30}} {{human_pos}}/{{human_len}} rows  ETA {{eta}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}
