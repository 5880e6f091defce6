//! Ingest: discover inputs, decode them on all cores, write them through one writer.
//!
//! Workers claim files in discovery order and stream each file's batches through a small
//! bounded channel of its own; the writer drains the files in that same order. Memory stays
//! bounded by (threads x channel depth x batch size) whatever the size of the inputs.

pub mod discover;
pub mod security_lake;
pub mod worker;

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::NaiveDateTime;
use crossbeam_channel::{bounded, Receiver, Sender};
use duckdb::Connection;
use indicatif::{ProgressBar, ProgressStyle};

use crate::decode::DecodeError;
use crate::store::outcome::{FileOutcome, FileStatus, SourceKind};
use crate::store::writer::{load_existing, CaseWriter};
use crate::terminal::sanitize;
use worker::{decode_file, FileMessage, HashRegistry, WorkerSettings};

/// New events per transaction unless told otherwise.
pub const DEFAULT_COMMIT_EVERY: u64 = 500_000;
/// Largest decompressed size of one input (MiB) unless told otherwise: a gzip-bomb guard far
/// above any real CloudTrail file.
pub const DEFAULT_MAX_DECOMPRESSED_MB: u64 = 4096;

/// Batches that may wait per file between a worker and the writer.
const BATCHES_IN_FLIGHT: usize = 4;

pub struct IngestOptions {
    pub inputs: Vec<PathBuf>,
    pub threads: usize,
    pub max_decompressed: u64,
    pub as_of: Option<NaiveDateTime>,
    pub progress: bool,
    /// New events per transaction.
    pub commit_every: u64,
    /// Keys of stored events held in memory for de-duplication.
    pub keys_in_memory: usize,
    /// Files never to read as input (the case file itself when it sits among the inputs).
    pub exclude: Vec<PathBuf>,
}

/// What one run did, for the summary and the exit code.
#[derive(Debug, Default)]
pub struct IngestSummary {
    pub files_loaded: u64,
    pub files_partial: u64,
    pub files_failed: u64,
    pub files_skipped: u64,
    pub files_already_ingested: u64,
    pub events_added: u64,
    pub events_duplicate: u64,
    pub credential_rows_added: u64,
    pub bytes_read: u64,
    pub elapsed: Duration,
    /// (path, what went wrong) for every failed or partial file, in input order.
    pub problems: Vec<(PathBuf, String)>,
    pub skipped: Vec<(PathBuf, String)>,
}

impl IngestSummary {
    pub fn any_failed(&self) -> bool {
        self.files_failed > 0 || self.files_partial > 0
    }

    fn record(&mut self, outcome: &FileOutcome, added: u64, duplicates: u64) {
        self.bytes_read += outcome.size;
        let reason = || outcome.reason.clone().unwrap_or_default();
        match outcome.status {
            FileStatus::Loaded => self.files_loaded += 1,
            FileStatus::Partial => {
                self.files_partial += 1;
                self.problems.push((outcome.path.clone(), reason()));
            }
            FileStatus::Failed => {
                self.files_failed += 1;
                self.problems.push((outcome.path.clone(), reason()));
            }
            FileStatus::Skipped => {
                self.files_skipped += 1;
                self.skipped.push((outcome.path.clone(), reason()));
            }
            FileStatus::AlreadyIngested => self.files_already_ingested += 1,
        }
        if outcome.kind == SourceKind::CredentialReport {
            self.credential_rows_added += added;
        } else {
            self.events_added += added;
        }
        self.events_duplicate += duplicates;
    }

    /// The end-of-run report, printed to stderr; attacker-controlled text is sanitised.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let rate = self.events_added as f64 / self.elapsed.as_secs_f64().max(1e-6);
        out.push_str(&format!(
            "files: {} loaded, {} partial, {} failed, {} skipped, {} already in the case\n",
            self.files_loaded,
            self.files_partial,
            self.files_failed,
            self.files_skipped,
            self.files_already_ingested
        ));
        out.push_str(&format!(
            "events: {} added, {} duplicate; credential-report rows: {} added\n",
            self.events_added, self.events_duplicate, self.credential_rows_added
        ));
        out.push_str(&format!(
            "{:.1} MB read in {:.2} s ({:.0} events/s)\n",
            self.bytes_read as f64 / 1e6,
            self.elapsed.as_secs_f64(),
            rate
        ));
        if self.files_already_ingested > 0 && self.events_added == 0 && self.problems.is_empty() {
            out.push_str("nothing new: every input is already in the case\n");
        }
        for (path, reason) in &self.skipped {
            out.push_str(&format!(
                "skipped {}: {}\n",
                sanitize(&path.to_string_lossy()),
                sanitize(reason)
            ));
        }
        for (path, reason) in &self.problems {
            out.push_str(&format!(
                "error in {}: {}\n",
                sanitize(&path.to_string_lossy()),
                sanitize(reason)
            ));
        }
        if !self.problems.is_empty() {
            out.push_str("all errors: rootlens query \"SELECT * FROM load_errors\"\n");
        }
        out
    }
}

/// The files claimed so far in this run plus those the case already holds.
struct Claims {
    in_case: HashSet<String>,
    this_run: Mutex<HashSet<String>>,
}

impl HashRegistry for Claims {
    fn claim(&self, sha256: &str) -> bool {
        if self.in_case.contains(sha256) {
            return false;
        }
        self.this_run
            .lock()
            .map(|mut claimed| claimed.insert(sha256.to_string()))
            .unwrap_or(false)
    }
}

/// One file on its way from a worker to the writer.
struct Job {
    path: PathBuf,
    source_id: i32,
    messages: Receiver<FileMessage>,
}

/// Hands out files in discovery order and queues their jobs for the writer in the same order.
struct Dispatcher<'a> {
    next: Mutex<(usize, i32)>,
    files: &'a [discover::DiscoveredFile],
    jobs: Sender<Job>,
}

impl Dispatcher<'_> {
    /// The first source id not handed out.
    fn next_source_id(&self) -> i32 {
        self.next.lock().map_or(i32::MAX, |next| next.1)
    }

    fn claim(&self) -> Option<(PathBuf, i32, Sender<FileMessage>)> {
        let mut next = self.next.lock().ok()?;
        let (index, source_id) = *next;
        let path = self.files.get(index)?.path.clone();
        let (tx, rx) = bounded(BATCHES_IN_FLIGHT);
        self.jobs
            .send(Job {
                path: path.clone(),
                source_id,
                messages: rx,
            })
            .ok()?;
        *next = (index + 1, source_id + 1);
        Some((path, source_id, tx))
    }
}

pub fn run(conn: &Connection, options: &IngestOptions) -> Result<IngestSummary> {
    let started = Instant::now();
    let discovered = discover::discover(&options.inputs, &options.exclude)?;
    let existing = load_existing(conn, options.keys_in_memory)?;
    // One thread appends: DuckDB's own workers would only contend with it. A bounded buffer pool
    // (DuckDB spills to the case file) keeps a million-event ingest under 1 GiB.
    conn.execute_batch("SET threads = 1; SET memory_limit = '512MB'")?;
    let total_bytes: u64 = discovered.files.iter().map(|f| f.size).sum();
    let progress = progress_bar(options.progress, total_bytes);

    let claims = Claims {
        in_case: existing.file_hashes,
        this_run: Mutex::new(HashSet::new()),
    };
    let settings = WorkerSettings {
        max_decompressed: options.max_decompressed,
        as_of: options.as_of,
    };
    let (jobs_tx, jobs_rx) = bounded::<Job>(options.threads * 2);
    let dispatcher = Dispatcher {
        next: Mutex::new((0, existing.next_source_id)),
        files: &discovered.files,
        jobs: jobs_tx,
    };

    let mut summary = IngestSummary::default();
    let mut writer = CaseWriter::new(
        conn,
        existing.event_keys,
        existing.failed_hashes,
        existing.unreadable_paths,
        options.commit_every,
    )?;
    let write_result = std::thread::scope(|scope| -> Result<()> {
        for _ in 0..options.threads.max(1) {
            scope.spawn(|| {
                while let Some((path, source_id, tx)) = dispatcher.claim() {
                    let outcome = decode_file(&path, source_id, &settings, &claims, &tx);
                    if tx.send(FileMessage::Finished(Box::new(outcome))).is_err() {
                        break;
                    }
                }
            });
        }
        // Exactly one job per discovered file arrives, in discovery order.
        let mut files_done = 0u64;
        // Taking the receiver by value drops it (and unblocks every worker) if writing fails.
        for job in jobs_rx.into_iter().take(discovered.files.len()) {
            let outcome = drain_job(&mut writer, &job)?;
            let counts = writer.finish_file(job.source_id, &outcome)?;
            summary.record(&outcome, counts.added, counts.duplicates);
            files_done += 1;
            progress.inc(outcome.size);
            progress.set_message(format!(
                "{files_done}/{} files, {} events",
                discovered.files.len(),
                summary.events_added
            ));
        }
        Ok(())
    });
    progress.finish_and_clear();
    let total_files = discovered.files.len() + discovered.unreadable.len();
    let stopped = |cause: anyhow::Error, committed: u64| {
        writing_stopped(cause, committed, total_files, &discovered.files)
    };
    if let Err(cause) = write_result {
        return Err(stopped(cause, writer.committed_files()));
    }
    // What discovery could not read is recorded like any other failed file, so `sources` and
    // `load_errors` hold it too.
    let ids = dispatcher.next_source_id()..;
    for (source_id, (path, reason)) in ids.zip(discovered.unreadable) {
        let outcome = FileOutcome::failed(&path, DecodeError::new("the path", reason));
        if let Err(cause) = writer.finish_file(source_id, &outcome) {
            return Err(stopped(cause, writer.committed_files()));
        }
        summary.record(&outcome, 0, 0);
    }
    let committed = writer.committed_files();
    writer.close().map_err(|cause| stopped(cause, committed))?;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// The case could not be written (a full disk, a file size limit, an I/O error): says which
/// files are safely in the case and which were not loaded, and how to finish.
fn writing_stopped(
    cause: anyhow::Error,
    committed: u64,
    total: usize,
    files: &[discover::DiscoveredFile],
) -> anyhow::Error {
    let detail = format!("{cause:#}");
    let why = if detail.contains("No space left") || detail.contains("File too large") {
        "the disk is full or a file size limit was reached"
    } else {
        "writing failed"
    };
    let first_lost = files
        .get(committed as usize)
        .map(|f| {
            format!(
                ", from {} on",
                crate::terminal::sanitize(&f.path.display().to_string())
            )
        })
        .unwrap_or_default();
    anyhow::anyhow!(
        "the case could not be written: {why} ({detail}). {committed} of {total} files of this \
         run are in the case; the other {} were not loaded{first_lost}. The case is usable as it \
         is: make room and run the same ingest again, and it adds only what is missing",
        total as u64 - committed.min(total as u64)
    )
}

/// Applies a job's batches; returns the file's outcome (a failed one if its worker vanished).
fn drain_job(writer: &mut CaseWriter, job: &Job) -> Result<FileOutcome> {
    for message in job.messages.iter() {
        match message {
            FileMessage::Events(batch) => writer.append(batch)?,
            FileMessage::Finished(outcome) => return Ok(*outcome),
        }
    }
    Ok(FileOutcome::failed(
        &job.path,
        DecodeError::new(
            "the file",
            "the decoder stopped without finishing this file (internal error)",
        ),
    ))
}

fn progress_bar(enabled: bool, total_bytes: u64) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total_bytes);
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30} {msg}  {binary_bytes}/{binary_total_bytes}  {binary_bytes_per_sec}  ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// The case file and its write-ahead log, which must never be read as inputs.
pub fn case_files(db: &Path) -> Vec<PathBuf> {
    let mut wal = db.as_os_str().to_owned();
    wal.push(".wal");
    vec![db.to_path_buf(), PathBuf::from(wal)]
}
