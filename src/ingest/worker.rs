//! Decoding one input file on a worker thread: hash it, classify it, split and parse its
//! records into column batches, and describe the outcome for the writer.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use chrono::{DateTime, NaiveDateTime};
use crossbeam_channel::Sender;
use sha2::{Digest, Sha256};

use crate::decode::cloudtrail::{split_document, visit_record, DocumentKind};
use crate::decode::credreport::{self, CredentialReport};
use crate::decode::json_stream::JsonStream;
use crate::decode::sniff::{self, Compression, Content, PathHint};
use crate::decode::DecodeError;
use crate::store::event_batch::{EventBatch, EventBatchBuilder};

/// Per-file errors kept in `load_errors`; beyond this only a count is kept.
pub const MAX_ERRORS_PER_FILE: usize = 100;

/// What a worker tells the writer about one file, in order: batches, then one `Finished`.
pub enum FileMessage {
    Events(EventBatch),
    Finished(Box<FileOutcome>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Loaded,
    /// Some records loaded, some rejected (listed in load_errors).
    Partial,
    /// Nothing from the file is in the case.
    Failed,
    Skipped,
    /// Same SHA-256 as a file already in the case (or earlier in this run): not recorded again.
    AlreadyIngested,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Loaded => "loaded",
            Status::Partial => "partial",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
            Status::AlreadyIngested => "already ingested",
        }
    }
}

/// Where a credential report's time came from.
#[derive(Debug, Clone)]
pub struct ReportTime {
    pub time: NaiveDateTime,
    pub source: &'static str,
}

pub struct DigestFile {
    pub text: String,
    pub region: Option<String>,
}

pub struct FileOutcome {
    pub path: PathBuf,
    pub size: u64,
    pub sha256: Option<String>,
    pub kind: &'static str,
    pub compression: Option<Compression>,
    pub status: Status,
    pub reason: Option<String>,
    pub errors: Vec<DecodeError>,
    /// Errors beyond `MAX_ERRORS_PER_FILE`, counted only.
    pub errors_dropped: u64,
    pub records_seen: u64,
    pub credential_report: Option<(CredentialReport, ReportTime)>,
    pub digest: Option<DigestFile>,
}

impl FileOutcome {
    fn new(path: &Path) -> Self {
        FileOutcome {
            path: path.to_path_buf(),
            size: 0,
            sha256: None,
            kind: "unknown",
            compression: None,
            status: Status::Loaded,
            reason: None,
            errors: Vec::new(),
            errors_dropped: 0,
            records_seen: 0,
            credential_report: None,
            digest: None,
        }
    }

    /// The outcome of a file that could not be examined at all.
    pub fn failed(path: &Path, error: DecodeError) -> Self {
        FileOutcome::new(path).fail(error)
    }

    fn fail(mut self, error: DecodeError) -> Self {
        self.status = Status::Failed;
        self.reason = Some(error.to_string());
        self.push_error(error);
        self
    }

    fn skip(mut self, reason: impl Into<String>) -> Self {
        self.status = Status::Skipped;
        self.reason = Some(reason.into());
        self
    }

    fn push_error(&mut self, error: DecodeError) {
        if self.errors.len() < MAX_ERRORS_PER_FILE {
            self.errors.push(error);
        } else {
            self.errors_dropped += 1;
        }
    }
}

/// What every worker shares.
pub struct WorkerSettings {
    pub max_decompressed: u64,
    pub as_of: Option<NaiveDateTime>,
}

/// Decides whether a file with this SHA-256 still needs loading (the case may have it, or
/// another worker may have claimed it earlier in this run).
pub trait HashRegistry: Sync {
    fn claim(&self, sha256: &str) -> bool;
}

/// Decodes one file, sending its event batches to `tx`. Returns the outcome; the caller sends it.
pub fn decode_file(
    path: &Path,
    source_id: i32,
    settings: &WorkerSettings,
    registry: &dyn HashRegistry,
    tx: &Sender<FileMessage>,
) -> FileOutcome {
    let mut outcome = FileOutcome::new(path);
    let metadata = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return outcome.fail(DecodeError::new("the file", format!("cannot read: {e}"))),
    };
    outcome.size = metadata.len();
    let sha256 = match sha256_of(path) {
        Ok(hash) => hash,
        Err(e) => return outcome.fail(DecodeError::new("the file", format!("cannot read: {e}"))),
    };
    outcome.sha256 = Some(sha256.clone());
    if !registry.claim(&sha256) {
        outcome.status = Status::AlreadyIngested;
        return outcome;
    }

    let (compression, mut input) = match sniff::open(path, settings.max_decompressed) {
        Ok(opened) => opened,
        Err(e) => return outcome.fail(DecodeError::new("the file", format!("cannot open: {e}"))),
    };
    outcome.compression = Some(compression);
    let content = match sniff::classify(&mut input) {
        Ok(content) => content,
        Err(e) => {
            return outcome.fail(DecodeError::new(
                "byte 0 of the decompressed data",
                format!("cannot decompress: {e}"),
            ))
        }
    };
    match content {
        Content::Empty => outcome.skip("empty file"),
        Content::Other(reason) if sniff::name_promises_json(path) => {
            outcome.kind = "cloudtrail";
            let mut head = Vec::new();
            let _ = input.take(64).read_to_end(&mut head);
            outcome.fail(
                DecodeError::new("byte 0", format!("invalid JSON: {reason}")).with_snippet(&head),
            )
        }
        Content::Other(reason) => outcome.skip(reason),
        Content::CredentialReport => {
            outcome.kind = "credential_report";
            decode_credential_report(outcome, input, path, &metadata, settings)
        }
        Content::Json => decode_cloudtrail(outcome, input, path, source_id, tx),
    }
}

fn sha256_of(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        match file.read(&mut buffer)? {
            0 => break,
            n => hasher.update(&buffer[..n]),
        }
    }
    Ok(format!("{:x}", hasher.finalize()))
}

fn decode_credential_report(
    mut outcome: FileOutcome,
    mut input: sniff::Input,
    path: &Path,
    metadata: &std::fs::Metadata,
    settings: &WorkerSettings,
) -> FileOutcome {
    let mut bytes = Vec::new();
    if let Err(e) = input.read_to_end(&mut bytes) {
        return outcome.fail(DecodeError::new(
            format!("byte {} of the decompressed data", bytes.len()),
            format!("cannot read: {e}"),
        ));
    }
    let report = match credreport::parse(&bytes) {
        Ok(report) => report,
        Err(e) => return outcome.fail(e),
    };
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let time = if let Some(time) = credreport::report_time_from_file_name(name) {
        ReportTime {
            time,
            source: "file_name",
        }
    } else if let Some(time) = settings.as_of {
        ReportTime {
            time,
            source: "as_of",
        }
    } else {
        let modified = metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        ReportTime {
            time: DateTime::<chrono::Utc>::from(modified).naive_utc(),
            source: "file_mtime",
        }
    };
    outcome.records_seen = report.rows.len() as u64;
    if report.account_id.is_none() {
        outcome.reason = Some("no ARN in the report names an account".into());
    }
    outcome.credential_report = Some((report, time));
    outcome
}

fn decode_cloudtrail(
    mut outcome: FileOutcome,
    input: sniff::Input,
    path: &Path,
    source_id: i32,
    tx: &Sender<FileMessage>,
) -> FileOutcome {
    let hint = sniff::path_hint(path);
    let insight = hint == PathHint::Insight;
    let mut stream = JsonStream::new(input);
    let mut builder = EventBatchBuilder::default();
    let mut loaded = 0u64;
    let mut writer_gone = false;

    let result = split_document(&mut stream, |bytes, place| {
        outcome.records_seen += 1;
        let parsed = visit_record(bytes, |record, raw| {
            builder.push(record, raw, source_id, place.index, insight)
        });
        match parsed {
            Ok(()) => loaded += 1,
            Err(cause) => {
                outcome.push_error(DecodeError::new(place.describe(), cause).with_snippet(bytes))
            }
        }
        if builder.is_full() && tx.send(FileMessage::Events(builder.finish())).is_err() {
            writer_gone = true;
        }
    });
    let kind = match result {
        Ok(kind) => kind,
        Err(error) => {
            outcome.kind = "cloudtrail";
            return outcome.fail(error);
        }
    };
    if writer_gone {
        return outcome.fail(DecodeError::new("the file", "the case writer stopped"));
    }
    outcome.kind = match (&kind, insight) {
        (DocumentKind::Records, true) => "cloudtrail_insight",
        (DocumentKind::Records, false) => "cloudtrail_records",
        (DocumentKind::Array, _) => "cloudtrail_array",
        (DocumentKind::Lines, _) => "cloudtrail_ndjson",
        (DocumentKind::Lookup, _) => "cloudtrail_lookup",
        (DocumentKind::Digest(_), _) => "cloudtrail_digest",
        (DocumentKind::NotCloudTrail(_), _) => "json",
    };
    match kind {
        DocumentKind::Digest(text) => {
            outcome.digest = Some(DigestFile {
                text: String::from_utf8_lossy(&text).into_owned(),
                region: region_after(path, "CloudTrail-Digest"),
            });
            outcome
        }
        DocumentKind::NotCloudTrail(reason) => outcome.skip(reason),
        _ => {
            if !builder.is_empty() && tx.send(FileMessage::Events(builder.finish())).is_err() {
                return outcome.fail(DecodeError::new("the file", "the case writer stopped"));
            }
            if !outcome.errors.is_empty() {
                outcome.status = if loaded == 0 {
                    Status::Failed
                } else {
                    Status::Partial
                };
                outcome.reason = Some(format!(
                    "{} of {} records rejected; first: {}",
                    outcome.errors.len() as u64 + outcome.errors_dropped,
                    outcome.records_seen,
                    outcome.errors[0]
                ));
            }
            outcome
        }
    }
}

/// The region folder in CloudTrail's layout: `…/CloudTrail-Digest/<region>/YYYY/…`.
fn region_after(path: &Path, marker: &str) -> Option<String> {
    let mut parts = path.components().map(|c| c.as_os_str().to_string_lossy());
    parts.find(|p| p == marker)?;
    parts.next().map(|p| p.into_owned())
}
