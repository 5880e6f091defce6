//! The case as a Parquet data lake (`rootlens export parquet`), for engines past one machine
//! (Spark, Athena) and for DuckDB itself.
//!
//! Every table of the case becomes `<out>/<table>/data_0.parquet`; the events become
//! `<out>/events/account=…/region=…/dt=YYYY-MM-DD/data_N.parquet` (Hive partitioning, the layout
//! Athena users already query), with the columns of the `events` view: typed as in the case,
//! the free-form JSON parts and `raw` as strings. DuckDB's own `COPY … (FORMAT parquet,
//! PARTITION_BY …)` streams the rows out. DuckDB holds a buffer for every partition one such
//! statement writes, so the events go out in passes of a bounded number of partitions
//! (consecutive days and accounts): memory stays bounded whatever the case's size.
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
    /// The most event partitions one `COPY` writes.
    pub partitions_per_pass: u64,
}

/// The default for `LakeOptions::partitions_per_pass`. The 10M-event benchmark case (2,159
/// partitions) ran out of DuckDB's memory in one statement at any thread count; in passes of
/// about 240 it exports within the 1 GB limit.
pub const DEFAULT_PARTITIONS_PER_PASS: u64 = 256;

/// The events folder's partition columns, outermost first.
const EVENT_PARTITIONS: [&str; 3] = ["account", "region", "dt"];
/// `dt` of events whose time could not be parsed.
const UNKNOWN_DAY: &str = "unknown";

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
                coalesce(strftime(event_time, '%Y-%m-%d'), '{UNKNOWN_DAY}') AS dt
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

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn quote_path(path: &Path) -> String {
    quote(&path.display().to_string())
}

/// The events of one day and account: the unit passes are made of (an account's regions are
/// few, so a unit is never much larger than a pass).
#[derive(Debug, Clone, PartialEq)]
struct DayAccount {
    dt: String,
    account: String,
    partitions: u64,
    rows: u64,
}

/// Consecutive day-accounts (in `(dt, account)` order) exported by one `COPY`.
#[derive(Debug, PartialEq)]
struct Pass {
    first: (String, String),
    last: (String, String),
    rows: u64,
}

impl Pass {
    /// The condition on the rows of `events_select` that picks this pass's events. The time
    /// range is what DuckDB pushes into the scan (zone maps skip the rest of the case); the
    /// `(dt, account)` bounds cut a day shared with the neighbouring passes.
    fn filter(&self) -> String {
        let ((first_day, first_account), (last_day, last_account)) = (&self.first, &self.last);
        let accounts = format!(
            "(dt > {fd} OR account >= {fa}) AND (dt < {ld} OR account <= {la})",
            fd = quote(first_day),
            fa = quote(first_account),
            ld = quote(last_day),
            la = quote(last_account),
        );
        if first_day == UNKNOWN_DAY {
            format!("event_time IS NULL AND {accounts}")
        } else {
            format!(
                "event_time >= CAST({} AS TIMESTAMP) \
                 AND event_time < CAST({} AS TIMESTAMP) + INTERVAL 1 DAY AND {accounts}",
                quote(first_day),
                quote(last_day)
            )
        }
    }
}

/// The partitions of the case's events, per day and account, in `(dt, account)` order.
fn day_accounts(conn: &Connection, events: &str) -> Result<Vec<DayAccount>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT dt, account, count(DISTINCT region), count(*)
         FROM ({events}) GROUP BY dt, account ORDER BY dt, account"
    ))?;
    let units = stmt.query_map([], |r| {
        Ok(DayAccount {
            dt: r.get(0)?,
            account: r.get(1)?,
            partitions: r.get::<_, i64>(2)? as u64,
            rows: r.get::<_, i64>(3)? as u64,
        })
    })?;
    Ok(units.collect::<Result<Vec<_>, _>>()?)
}

/// Groups consecutive day-accounts into passes of at most `per_pass` partitions (a larger
/// day-account is a pass of its own). Events without a time never share a pass with dated
/// ones: they are picked by `event_time IS NULL`, not by a time range.
fn plan_passes(units: &[DayAccount], per_pass: u64) -> Vec<Pass> {
    let mut passes: Vec<Pass> = Vec::new();
    let mut partitions = 0;
    for unit in units {
        let key = (unit.dt.clone(), unit.account.clone());
        match passes.last_mut() {
            Some(pass)
                if partitions + unit.partitions <= per_pass
                    && (pass.first.0 == UNKNOWN_DAY) == (unit.dt == UNKNOWN_DAY) =>
            {
                pass.last = key;
                pass.rows += unit.rows;
                partitions += unit.partitions;
            }
            _ => {
                passes.push(Pass {
                    first: key.clone(),
                    last: key,
                    rows: unit.rows,
                });
                partitions = unit.partitions;
            }
        }
    }
    passes
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

    let mut tables = vec![export_events(conn, options, &scratch)?];
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
        let staged = scratch.join(&table);
        std::fs::create_dir_all(&staged)?;
        let copy = format!(
            "COPY ({select}) TO {} (FORMAT parquet, COMPRESSION zstd)",
            quote_path(&staged.join("data_0.parquet"))
        );
        let bar = progress_bar(options.progress && rows > 0, &table, rows as u64);
        run_copy(conn, &bar, &copy, 0, rows as u64)
            .with_context(|| format!("cannot export {table} to Parquet"))?;
        bar.finish_and_clear();
        tables.push(publish(options, &staged, &table, rows as u64, &[])?);
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

/// The events, Hive-partitioned, written pass by pass into one staged folder.
fn export_events(conn: &Connection, options: &LakeOptions, scratch: &Path) -> Result<ExportedTable> {
    let select = events_select(conn)?;
    let units = day_accounts(conn, &select).context("cannot list the events' partitions")?;
    let rows: u64 = units.iter().map(|u| u.rows).sum();
    let staged = scratch.join("events");
    if units.is_empty() {
        // No partition to write: one empty file keeps the columns.
        std::fs::create_dir_all(&staged)?;
        let copy = format!(
            "COPY ({select}) TO {} (FORMAT parquet, COMPRESSION zstd)",
            quote_path(&staged.join("data_0.parquet"))
        );
        conn.execute_batch(&copy)
            .context("cannot export events to Parquet")?;
        return publish(options, &staged, "events", 0, &[]);
    }
    let bar = progress_bar(options.progress, "events", rows);
    let mut done = 0;
    for pass in plan_passes(&units, options.partitions_per_pass) {
        // Passes write disjoint partitions into the same folder.
        let copy = format!(
            "COPY (SELECT * FROM ({select}) WHERE {}) TO {} (FORMAT parquet, COMPRESSION zstd, \
             PARTITION_BY ({}), FILENAME_PATTERN 'data_{{i}}', OVERWRITE_OR_IGNORE)",
            pass.filter(),
            quote_path(&staged),
            EVENT_PARTITIONS.join(", ")
        );
        run_copy(conn, &bar, &copy, done, pass.rows).with_context(|| {
            format!(
                "cannot export the events of {} {} to {} {} to Parquet",
                pass.first.0, pass.first.1, pass.last.0, pass.last.1
            )
        })?;
        done += pass.rows;
    }
    bar.finish_and_clear();
    publish(options, &staged, "events", rows, &EVENT_PARTITIONS)
}

/// Runs one `COPY` of `rows` rows, moving the bar on from `done` as DuckDB reports progress.
fn run_copy(conn: &Connection, bar: &ProgressBar, copy: &str, done: u64, rows: u64) -> Result<()> {
    let running = Arc::new(AtomicBool::new(true));
    let poller = (!bar.is_hidden()).then(|| {
        let handle = conn.progress_handle();
        let bar = bar.clone();
        let running = running.clone();
        std::thread::spawn(move || {
            while running.load(Ordering::Relaxed) {
                if let Some(pct) = handle.query_progress().percentage() {
                    bar.set_position(done + ((pct / 100.0) * rows as f64) as u64);
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        })
    });
    let result = conn.execute_batch(copy);
    running.store(false, Ordering::Relaxed);
    if let Some(poller) = poller {
        poller.join().ok();
    }
    Ok(result?)
}

/// Moves a staged table over the previous export of it and describes what it holds.
fn publish(
    options: &LakeOptions,
    staged: &Path,
    table: &str,
    rows: u64,
    partition_by: &[&str],
) -> Result<ExportedTable> {
    let target = options.out.join(table);
    if target.exists() {
        std::fs::remove_dir_all(&target)
            .with_context(|| format!("cannot replace the previous export {}", target.display()))?;
    }
    std::fs::rename(staged, &target)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(dt: &str, account: &str, partitions: u64) -> DayAccount {
        DayAccount {
            dt: dt.into(),
            account: account.into(),
            partitions,
            rows: partitions * 10,
        }
    }

    fn key(dt: &str, account: &str) -> (String, String) {
        (dt.into(), account.into())
    }

    #[test]
    fn passes_hold_consecutive_day_accounts_up_to_the_limit() {
        let units = [
            unit("2024-05-01", "a", 2),
            unit("2024-05-01", "b", 1),
            unit("2024-05-02", "a", 1),
            unit("2024-05-02", "b", 5),
            unit("2024-05-03", "a", 1),
            unit(UNKNOWN_DAY, "a", 1),
            unit(UNKNOWN_DAY, "b", 1),
        ];
        let passes = plan_passes(&units, 4);
        let bounds: Vec<_> = passes.iter().map(|p| (&p.first, &p.last, p.rows)).collect();
        assert_eq!(
            bounds,
            [
                // A day split between passes; a day-account over the limit alone; the events
                // without a time apart from the dated ones although they would fit.
                (&key("2024-05-01", "a"), &key("2024-05-02", "a"), 40),
                (&key("2024-05-02", "b"), &key("2024-05-02", "b"), 50),
                (&key("2024-05-03", "a"), &key("2024-05-03", "a"), 10),
                (&key(UNKNOWN_DAY, "a"), &key(UNKNOWN_DAY, "b"), 20),
            ]
        );
        assert_eq!(plan_passes(&units, 100).len(), 2);
    }

    #[test]
    fn a_pass_filter_bounds_the_time_for_the_scan_and_cuts_shared_days() {
        let pass = Pass {
            first: key("2024-05-01", "b"),
            last: key("2024-05-02", "a'x"),
            rows: 1,
        };
        assert_eq!(
            pass.filter(),
            "event_time >= CAST('2024-05-01' AS TIMESTAMP) AND event_time < \
             CAST('2024-05-02' AS TIMESTAMP) + INTERVAL 1 DAY AND (dt > '2024-05-01' OR \
             account >= 'b') AND (dt < '2024-05-02' OR account <= 'a''x')"
        );
        let undated = Pass {
            first: key(UNKNOWN_DAY, "a"),
            last: key(UNKNOWN_DAY, "a"),
            rows: 1,
        };
        assert!(undated.filter().starts_with("event_time IS NULL AND "));
    }
}
