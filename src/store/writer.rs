//! The one writer of a case during ingest. It receives each file's batches in order, drops
//! events already stored, and commits whole files only: a file's rows and its `sources` row are
//! in the same transaction, so a killed ingest leaves no half-loaded file behind.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use duckdb::appender_params_from_iter;
use duckdb::arrow::array::BooleanArray;
use duckdb::arrow::compute::filter_record_batch;
use duckdb::types::{TimeUnit, Value};
use duckdb::{params, Appender, Connection};

use super::dedupe::{EventKeys, Partition};
use super::event_batch::{self, EventBatch, EventKey};
use super::outcome::{DigestFile, FileOutcome, FileStatus, ReportTime};
use crate::decode::credential_facts::CredentialFact;
use crate::decode::credreport::{Cell, CredentialReport, CredentialRow};
use crate::decode::posture::{ingest_identity, PostureOutput};

/// Commit at least this often (besides every `commit_every` events). Larger transactions
/// load faster; smaller ones lose less work to an interruption.
const COMMIT_INTERVAL: Duration = Duration::from_secs(10);

/// What one file added to the case.
#[derive(Debug, Default, Clone, Copy)]
pub struct FileCounts {
    pub added: u64,
    pub duplicates: u64,
}

/// Everything already in a case that an ingest run must not add again.
pub struct Existing {
    pub event_keys: EventKeys,
    /// Identities (`posture::ingest_identity`: the SHA-256, with the name for posture outputs)
    /// of files recorded with any status but `failed` (failed files are retried).
    pub file_hashes: HashSet<String>,
    /// SHA-256 of files whose last attempt failed: a new attempt replaces that record.
    pub failed_hashes: HashSet<String>,
    /// Paths an earlier run could not read at all (no SHA-256): a new attempt replaces them.
    pub unreadable_paths: HashSet<String>,
    pub next_source_id: i32,
}

/// `keys_in_memory`: how many keys of stored events de-duplication may hold (`dedupe`).
pub fn load_existing(conn: &Connection, keys_in_memory: usize) -> Result<Existing> {
    let event_keys = EventKeys::of_case(conn, keys_in_memory)?;
    let (mut file_hashes, mut failed_hashes) = (HashSet::new(), HashSet::new());
    let mut stmt = conn
        .prepare("SELECT sha256, status = 'failed', path FROM sources WHERE sha256 IS NOT NULL")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let (sha256, failed, path): (String, bool, String) =
            (row.get(0)?, row.get(1)?, row.get(2)?);
        if failed {
            failed_hashes.insert(sha256);
        } else {
            file_hashes.insert(ingest_identity(&sha256, std::path::Path::new(&path)));
        }
    }
    let mut stmt = conn
        .prepare("SELECT DISTINCT path FROM sources WHERE sha256 IS NULL AND status = 'failed'")?;
    let unreadable_paths = stmt
        .query_map([], |row| row.get(0))?
        .collect::<Result<HashSet<String>, _>>()?;
    let next_source_id: i32 = conn.query_row(
        "SELECT coalesce(max(source_id), 0) + 1 FROM sources",
        [],
        |r| r.get(0),
    )?;
    Ok(Existing {
        event_keys,
        file_hashes,
        failed_hashes,
        unreadable_paths,
        next_source_id,
    })
}

pub struct CaseWriter<'conn> {
    conn: &'conn Connection,
    events: Appender<'conn>,
    duplicates: Appender<'conn>,
    sources: Appender<'conn>,
    errors: Appender<'conn>,
    credential_events: Appender<'conn>,
    /// `digests` and `digest_log_files`.
    digests: super::evidence::DigestAppenders<'conn>,
    /// Columns of an event batch that `duplicate_events` keeps, in its order.
    duplicate_columns: Vec<usize>,
    seen: EventKeys,
    failed_before: HashSet<String>,
    unreadable_before: HashSet<String>,
    /// Keys added by the file being written, to forget them if the file fails.
    file_keys: Vec<(Partition, EventKey)>,
    /// `credential_events` rows of the events the file being written adds.
    file_facts: Vec<CredentialFact>,
    file_counts: FileCounts,
    file_min: Option<i64>,
    file_max: Option<i64>,
    uncommitted_events: u64,
    /// Files finished since the last commit, and files committed in this run.
    uncommitted_files: u64,
    committed_files: u64,
    commit_every: u64,
    last_commit: Instant,
    tool_version: String,
}

impl<'conn> CaseWriter<'conn> {
    pub fn new(
        conn: &'conn Connection,
        seen: EventKeys,
        failed_before: HashSet<String>,
        unreadable_before: HashSet<String>,
        commit_every: u64,
    ) -> Result<Self> {
        conn.execute_batch("BEGIN TRANSACTION")?;
        Ok(CaseWriter {
            conn,
            events: conn.appender("event_records")?,
            duplicates: conn.appender("duplicate_events")?,
            sources: conn.appender("sources")?,
            errors: conn.appender("load_errors")?,
            credential_events: conn.appender("credential_events")?,
            digests: super::evidence::DigestAppenders::new(conn)?,
            duplicate_columns: [
                "event_id",
                "recipient_account_id",
                "source_id",
                "record_index",
            ]
            .iter()
            .map(|name| event_batch::schema().index_of(name))
            .collect::<Result<_, _>>()?,
            seen,
            failed_before,
            unreadable_before,
            file_keys: Vec::new(),
            file_facts: Vec::new(),
            file_counts: FileCounts::default(),
            file_min: None,
            file_max: None,
            uncommitted_events: 0,
            uncommitted_files: 0,
            committed_files: 0,
            commit_every,
            last_commit: Instant::now(),
            tool_version: crate::tool_version(),
        })
    }

    /// Appends the events of a batch that are not in the case yet.
    pub fn append(&mut self, batch: EventBatch) -> Result<()> {
        let partitions = self.seen.partitions_of(&batch)?;
        let to_read = self.seen.start_batch(&partitions);
        if !to_read.is_empty() {
            self.events.flush()?;
        }
        for partition in to_read {
            self.seen
                .read(self.conn, partition)
                .context("cannot read the keys of the events in the case")?;
        }
        let keep: Vec<bool> = batch
            .keys
            .iter()
            .zip(&partitions)
            .map(|(key, partition)| self.seen.insert(*partition, *key))
            .collect();
        let kept = keep.iter().filter(|k| **k).count();
        for ((key, partition), _) in batch
            .keys
            .iter()
            .zip(&partitions)
            .zip(&keep)
            .filter(|(_, k)| **k)
        {
            self.file_keys.push((*partition, *key));
        }
        let kept_facts = batch.facts.into_iter().filter(|(row, _)| keep[*row]);
        self.file_facts.extend(kept_facts.map(|(_, fact)| fact));
        self.file_counts.added += kept as u64;
        self.file_counts.duplicates += (keep.len() - kept) as u64;
        if let Some(t) = batch.min_time {
            self.file_min = Some(self.file_min.map_or(t, |m| m.min(t)));
        }
        if let Some(t) = batch.max_time {
            self.file_max = Some(self.file_max.map_or(t, |m| m.max(t)));
        }
        if kept < keep.len() {
            let dropped: BooleanArray = keep.iter().map(|k| Some(!k)).collect();
            let dropped =
                filter_record_batch(&batch.rows, &dropped)?.project(&self.duplicate_columns)?;
            self.duplicates.append_record_batch(dropped)?;
        }
        let rows = if kept == keep.len() {
            batch.rows
        } else if kept == 0 {
            return Ok(());
        } else {
            filter_record_batch(&batch.rows, &BooleanArray::from(keep))?
        };
        self.events
            .append_record_batch(rows)
            .context("cannot append events to the case")?;
        Ok(())
    }

    /// Records the end of a file: its `sources` row, errors and non-event content. A failed
    /// file's events are taken out again. Returns what the file added.
    pub fn finish_file(&mut self, source_id: i32, outcome: &FileOutcome) -> Result<FileCounts> {
        let mut counts = std::mem::take(&mut self.file_counts);
        let span = (self.file_min.take(), self.file_max.take());
        let keys = std::mem::take(&mut self.file_keys);
        let facts = std::mem::take(&mut self.file_facts);
        self.uncommitted_files += 1;
        if outcome.status == FileStatus::AlreadyIngested {
            return Ok(counts);
        }
        if outcome.status == FileStatus::Failed && (counts.added > 0 || counts.duplicates > 0) {
            self.discard_file_events(source_id, &keys)?;
            counts = FileCounts::default();
        } else {
            self.append_credential_facts(&facts)?;
        }
        self.replace_earlier_attempts(outcome)?;
        if let Some((report, time)) = &outcome.credential_report {
            counts.added = self.insert_credential_report(source_id, report, time)?;
        }
        if let Some(digest) = &outcome.digest {
            self.insert_digest(source_id, digest)?;
        }
        if let Some((output, time)) = &outcome.posture {
            counts.added = self.insert_posture_output(source_id, output, time)?;
        }
        super::evidence::insert_keys_and_signatures(self.conn, Some(source_id), outcome)?;
        self.append_errors(source_id, outcome)?;
        self.append_source(source_id, outcome, counts, span)?;
        self.uncommitted_events += counts.added;
        if self.uncommitted_events >= self.commit_every
            || self.last_commit.elapsed() >= COMMIT_INTERVAL
        {
            self.commit()?;
        }
        Ok(counts)
    }

    fn append_credential_facts(&mut self, facts: &[CredentialFact]) -> Result<()> {
        for fact in facts {
            self.credential_events.append_row(params![
                fact.event_id,
                fact.recipient_account_id,
                fact.kind,
                fact.new_key,
                fact.issued_arn,
                fact.role_arn,
                fact.session_name,
                fact.source_identity,
                fact.external_provider,
                fact.external_subject,
                fact.expiration_text,
                fact.target_principal,
                fact.assumed_root,
            ])?;
        }
        Ok(())
    }

    /// Takes a failed file's events out of the case again.
    fn discard_file_events(&mut self, source_id: i32, keys: &[(Partition, EventKey)]) -> Result<()> {
        self.events.flush()?;
        self.duplicates.flush()?;
        self.conn
            .execute("DELETE FROM event_records WHERE source_id = ?", [source_id])?;
        self.conn.execute(
            "DELETE FROM duplicate_events WHERE source_id = ?",
            [source_id],
        )?;
        for &(partition, key) in keys {
            self.seen.remove(partition, key);
        }
        Ok(())
    }

    /// The latest attempt at a file that failed before replaces the record of that attempt.
    fn replace_earlier_attempts(&mut self, outcome: &FileOutcome) -> Result<()> {
        let path = outcome.path.to_string_lossy();
        if self.unreadable_before.remove(path.as_ref()) {
            self.forget_unreadable(&path)?;
        }
        let Some(sha) = outcome
            .sha256
            .as_ref()
            .filter(|sha| self.failed_before.contains(*sha))
        else {
            return Ok(());
        };
        self.conn.execute(
            "DELETE FROM load_errors WHERE source_id IN
               (SELECT source_id FROM sources WHERE sha256 = ? AND status = 'failed')",
            [sha],
        )?;
        self.conn.execute(
            "DELETE FROM sources WHERE sha256 = ? AND status = 'failed'",
            [sha],
        )?;
        Ok(())
    }

    fn append_errors(&mut self, source_id: i32, outcome: &FileOutcome) -> Result<()> {
        let path = outcome.path.to_string_lossy();
        for error in &outcome.errors {
            self.errors.append_row(params![
                source_id,
                path,
                error.position,
                error.cause,
                error.snippet
            ])?;
        }
        if outcome.errors_dropped > 0 {
            let more = format!(
                "{} more errors of this file not listed",
                outcome.errors_dropped
            );
            self.errors.append_row(params![
                source_id,
                path,
                "after the errors above",
                more,
                None::<String>
            ])?;
        }
        Ok(())
    }

    /// The file's `sources` row; `span` is its first and last event time (microseconds).
    fn append_source(
        &mut self,
        source_id: i32,
        outcome: &FileOutcome,
        counts: FileCounts,
        span: (Option<i64>, Option<i64>),
    ) -> Result<()> {
        let time = |micros: Option<i64>| {
            micros.map_or(Value::Null, |m| Value::Timestamp(TimeUnit::Microsecond, m))
        };
        let ingested_at = chrono::Utc::now().timestamp_micros();
        self.sources.append_row(appender_params_from_iter([
            Value::Int(source_id),
            Value::Text(outcome.path.to_string_lossy().into_owned()),
            Value::BigInt(outcome.size as i64),
            text(outcome.sha256.as_deref()),
            text(Some(outcome.kind.as_str())),
            text(outcome.compression.map(|c| c.as_str())),
            text(Some(outcome.status.as_str())),
            text(outcome.reason.as_deref()),
            Value::BigInt(counts.added as i64),
            Value::BigInt(counts.duplicates as i64),
            time(span.0),
            time(span.1),
            Value::Timestamp(TimeUnit::Microsecond, ingested_at),
            Value::Text(self.tool_version.clone()),
            text(outcome.content_sha256.as_deref()),
        ]))?;
        Ok(())
    }

    /// Moves every appender's rows into the open transaction.
    fn flush(&mut self) -> Result<()> {
        self.events.flush()?;
        self.duplicates.flush()?;
        self.sources.flush()?;
        self.errors.flush()?;
        self.credential_events.flush()?;
        self.digests.flush()?;
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        self.flush()?;
        self.conn.execute_batch("COMMIT; BEGIN TRANSACTION")?;
        self.committed_files += std::mem::take(&mut self.uncommitted_files);
        self.uncommitted_events = 0;
        self.last_commit = Instant::now();
        Ok(())
    }

    /// How many files of this run are committed: safely in the case even if a later write fails.
    pub fn committed_files(&self) -> u64 {
        self.committed_files
    }

    /// Commits everything written so far and ends the writer.
    pub fn close(mut self) -> Result<()> {
        self.flush()?;
        drop(self.events);
        drop(self.duplicates);
        drop(self.sources);
        drop(self.errors);
        drop(self.credential_events);
        drop(self.digests);
        self.conn.execute_batch("COMMIT")?;
        Ok(())
    }

    /// Drops the record of an earlier run that could not read `path` at all.
    fn forget_unreadable(&self, path: &str) -> Result<()> {
        const EARLIER: &str = "SELECT source_id FROM sources
                               WHERE path = ? AND sha256 IS NULL AND status = 'failed'";
        self.conn.execute(
            &format!("DELETE FROM load_errors WHERE source_id IN ({EARLIER})"),
            [path],
        )?;
        self.conn.execute(
            &format!("DELETE FROM sources WHERE source_id IN ({EARLIER})"),
            [path],
        )?;
        Ok(())
    }

    fn insert_credential_report(
        &self,
        source_id: i32,
        report: &CredentialReport,
        time: &ReportTime,
    ) -> Result<u64> {
        let mut appender = self.conn.appender("credential_report")?;
        let report_time = timestamp(Some(time.time));
        for row in &report.rows {
            appender.append_row(appender_params_from_iter(credential_values(
                report.account_id.as_deref(),
                report_time.clone(),
                time.source.as_str(),
                row,
                source_id,
            )))?;
        }
        appender.flush()?;
        Ok(report.rows.len() as u64)
    }

    fn insert_posture_output(
        &self,
        source_id: i32,
        output: &PostureOutput,
        time: &ReportTime,
    ) -> Result<u64> {
        self.conn
            .execute(
                "INSERT INTO posture_outputs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                params![
                    source_id,
                    output.command.cli(),
                    output.account_id,
                    output.account_source,
                    output.region,
                    output.subject,
                    timestamp(Some(time.time)),
                    time.source.as_str(),
                    output.error_code,
                    output.items as i64,
                    output.document,
                ],
            )
            .context("cannot record a saved CLI output")?;
        Ok(1)
    }

    fn insert_digest(&mut self, source_id: i32, file: &DigestFile) -> Result<()> {
        self.digests.append(source_id, file)
    }
}

fn timestamp(time: Option<chrono::NaiveDateTime>) -> Value {
    match time {
        Some(t) => Value::Timestamp(TimeUnit::Microsecond, t.and_utc().timestamp_micros()),
        None => Value::Null,
    }
}

fn text(value: Option<&str>) -> Value {
    value.map_or(Value::Null, |v| Value::Text(v.to_string()))
}

/// One `credential_report` row, in table order: the report's account and time, the cells in
/// [`COLUMNS`](crate::decode::credreport::COLUMNS) order, then provenance.
fn credential_values(
    account_id: Option<&str>,
    report_time: Value,
    time_source: &str,
    row: &CredentialRow,
    source_id: i32,
) -> Vec<Value> {
    let special = if row.special_values.is_empty() {
        Value::Null
    } else {
        let map: serde_json::Map<String, serde_json::Value> = row
            .special_values
            .iter()
            .map(|(column, original)| (column.to_string(), original.clone().into()))
            .collect();
        Value::Text(serde_json::Value::Object(map).to_string())
    };
    let mut values = vec![text(account_id), report_time, text(Some(time_source))];
    values.extend(row.cells.iter().map(|cell| match cell {
        Cell::Missing => Value::Null,
        Cell::Text(text) => Value::Text(text.clone()),
        Cell::Flag(flag) => Value::Boolean(*flag),
        Cell::Time(time) => timestamp(Some(*time)),
    }));
    values.extend([
        special,
        Value::Int(source_id),
        Value::Int(row.row_index as i32),
    ]);
    values
}
