//! The case's events as a Timesketch timeline (JSONL or CSV), streamed from DuckDB in Arrow
//! batches so memory stays bounded whatever the size of the case.
//!
//! Timesketch requires `message`, `datetime` (ISO 8601) and `timestamp_desc` on every event;
//! `timestamp` (microseconds since the epoch) spares it the parsing, and `tag` (a list) holds
//! the ids of the findings that cite the event. In CSV the tags are a JSON list, which
//! Timesketch's CSV reader turns back into a list, and cells are neutralised against formula
//! injection as `rootlens query` does.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::NaiveDateTime;
use duckdb::arrow::array::{Array, StringArray};
use duckdb::Connection;
use indicatif::{ProgressBar, ProgressStyle};

use crate::findings::{self, Citations, Registered};
use crate::output::CsvOut;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimelineFormat {
    Jsonl,
    Csv,
}

pub struct TimelineOptions {
    /// Where to write; `-` is standard output.
    pub out: PathBuf,
    pub format: TimelineFormat,
    /// Only events that a finding cites.
    pub only_findings: bool,
    pub since: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
    /// The findings whose citations become tags.
    pub findings: Option<Citations>,
    /// In time order (DuckDB then sorts every selected event, spilling to disk past its memory
    /// limit); otherwise in the case's storage order, which streams in constant memory.
    pub sorted: bool,
    /// A progress bar on stderr, when it is a terminal.
    pub progress: bool,
}

/// What an export wrote.
pub struct Exported {
    pub rows: u64,
    /// Events left out because their eventTime could not be parsed (Timesketch needs a time).
    pub without_time: u64,
    pub registered: Option<Registered>,
}

/// The columns of one timeline event, from `events` (e), its citations (c) and its key's
/// lineage (l).
const COLUMNS: &str = "
    coalesce(replace(e.event_source, '.amazonaws.com', '') || ':', '')
        || coalesce(e.event_name, e.event_type, 'event')
        || coalesce(' by ' || coalesce(e.user_arn, e.principal_id, e.invoked_by, e.user_type), '')
        || coalesce(' from ' || e.source_ip, '')
        || coalesce(' failed: ' || e.error_code, '')              AS message,
    strftime(e.event_time, '%Y-%m-%dT%H:%M:%S.%f') || '+00:00'   AS datetime,
    epoch_us(e.event_time)                                        AS timestamp,
    'Event Time'                                                  AS timestamp_desc,
    'aws:cloudtrail:event'                                        AS data_type,
    e.recipient_account_id                                        AS account_id,
    e.aws_region                                                  AS region,
    e.event_source,
    e.event_name,
    e.event_type,
    coalesce(e.user_arn, e.principal_id, e.invoked_by)            AS principal,
    e.user_type,
    e.user_name,
    e.access_key_id,
    l.origin_kind                                                 AS session_origin_kind,
    l.origin_arn                                                  AS session_origin,
    e.source_ip,
    e.user_agent,
    e.error_code,
    e.error_message,
    e.read_only,
    e.event_id";

/// Writes the selected events; returns what was written.
pub fn export(conn: &Connection, options: &TimelineOptions) -> Result<Exported> {
    let registered = findings::register(conn, options.findings.as_ref())?;
    let (rows, without_time): (i64, i64) = conn
        .query_row(
            &format!(
                "SELECT count(*) FILTER (WHERE e.event_time IS NOT NULL),
                        count(*) FILTER (WHERE e.event_time IS NULL) {}",
                from_clause(options, false)
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .context("cannot select the events to export")?;
    let bar = progress_bar(options.progress, rows as u64);
    let mut out: Box<dyn Write> = if options.out.as_os_str() == "-" {
        Box::new(std::io::BufWriter::new(std::io::stdout().lock()))
    } else {
        let file = std::fs::File::create(&options.out)
            .with_context(|| format!("cannot write {}", options.out.display()))?;
        Box::new(std::io::BufWriter::with_capacity(1 << 20, file))
    };
    let select = format!(
        "SELECT {COLUMNS}, {tag} AS tag {from} AND e.event_time IS NOT NULL
         {order}",
        order = if options.sorted {
            "ORDER BY e.event_time, e.event_id"
        } else {
            ""
        },
        from = from_clause(options, true),
        tag = match options.format {
            TimelineFormat::Jsonl => "coalesce(c.findings, [])",
            TimelineFormat::Csv => "to_json(coalesce(c.findings, []))::VARCHAR",
        }
    );
    let written = match options.format {
        TimelineFormat::Jsonl => write_jsonl(conn, &select, &mut out, &bar)?,
        TimelineFormat::Csv => write_csv(conn, &select, &mut out, &bar)?,
    };
    out.flush()
        .with_context(|| format!("cannot write {}", options.out.display()))?;
    bar.finish_and_clear();
    Ok(Exported {
        rows: written,
        without_time: without_time as u64,
        registered: options.findings.as_ref().map(|_| registered),
    })
}

/// FROM and WHERE of the selection (the WHERE always present, so callers can add `AND …`);
/// `lineage` joins each event's key lineage as `l`.
fn from_clause(options: &TimelineOptions, lineage: bool) -> String {
    let literal = |t: NaiveDateTime| format!("TIMESTAMP '{}'", t.format("%Y-%m-%d %H:%M:%S%.f"));
    let mut conditions = vec!["true".to_string()];
    if let Some(since) = options.since {
        conditions.push(format!("e.event_time >= {}", literal(since)));
    }
    if let Some(until) = options.until {
        conditions.push(format!("e.event_time < {}", literal(until)));
    }
    let cited_join = if options.only_findings {
        "JOIN"
    } else {
        "LEFT JOIN"
    };
    let lineage_join = if lineage {
        "LEFT JOIN session_lineage l
           ON l.account_id = coalesce(e.user_account_id, e.recipient_account_id)
          AND l.access_key_id = e.access_key_id"
    } else {
        ""
    };
    format!(
        "FROM events e
         {cited_join} event_citations c ON c.event_row = e.event_row
         {lineage_join}
         WHERE {}",
        conditions.join(" AND ")
    )
}

/// One JSON object per line, rendered by DuckDB.
fn write_jsonl(
    conn: &Connection,
    select: &str,
    out: &mut impl Write,
    bar: &ProgressBar,
) -> Result<u64> {
    let mut stmt = conn.prepare(&format!(
        "SELECT to_json(t)::VARCHAR AS line FROM ({select}) t"
    ))?;
    let mut written = 0;
    for batch in stmt.stream_arrow([])? {
        let batch = batch?;
        let lines = batch
            .column(0)
            .as_any()
            .downcast_ref::<StringArray>()
            .context("the timeline query did not return text")?;
        for i in 0..lines.len() {
            out.write_all(lines.value(i).as_bytes())?;
            out.write_all(b"\n")?;
        }
        written += lines.len() as u64;
        bar.inc(lines.len() as u64);
    }
    Ok(written)
}

/// CSV with a header, cells neutralised.
fn write_csv(
    conn: &Connection,
    select: &str,
    out: &mut impl Write,
    bar: &ProgressBar,
) -> Result<u64> {
    let mut stmt = conn.prepare(select)?;
    let batches = stmt.stream_arrow([])?;
    let header: Vec<String> = batches
        .get_schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let mut csv = CsvOut::new(out, &header, false)?;
    let mut written = 0;
    for batch in batches {
        let batch = batch?;
        csv.write_batch(&batch)?;
        written += batch.num_rows() as u64;
        bar.inc(batch.num_rows() as u64);
    }
    csv.finish()?;
    Ok(written)
}

fn progress_bar(enabled: bool, total: u64) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30} {human_pos}/{human_len} events  {per_sec}  ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}
