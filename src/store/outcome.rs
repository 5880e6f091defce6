//! What the case records about one input file: the vocabulary the ingest pipeline hands to the
//! case writer. It lives here, below the pipeline, so the writer depends on nothing above it.

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;

use crate::decode::credreport::CredentialReport;
use crate::decode::digest::Digest;
use crate::decode::posture::{Command, PostureOutput};
use crate::decode::pubkeys::PublicKey;
use crate::decode::signatures::DigestSignature;
use crate::decode::sniff::Compression;
use crate::decode::DecodeError;

/// Per-file errors kept in `load_errors`; beyond this only a count is kept.
pub const MAX_ERRORS_PER_FILE: usize = 100;

/// `sources.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileStatus {
    Loaded,
    /// Some records loaded, some rejected (listed in load_errors).
    Partial,
    /// Nothing from the file is in the case.
    Failed,
    Skipped,
    /// Same SHA-256 as a file already in the case (or earlier in this run): not recorded again.
    AlreadyIngested,
}

impl FileStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Loaded => "loaded",
            FileStatus::Partial => "partial",
            FileStatus::Failed => "failed",
            FileStatus::Skipped => "skipped",
            FileStatus::AlreadyIngested => "already ingested",
        }
    }
}

/// `sources.kind`: what the file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// Not examined or not recognised.
    Unknown,
    /// JSON that is not CloudTrail.
    Json,
    /// Meant to be CloudTrail JSON, but broken before its shape was known.
    CloudTrail,
    CloudTrailRecords,
    CloudTrailInsight,
    CloudTrailArray,
    CloudTrailNdjson,
    CloudTrailLookup,
    CloudTrailDigest,
    CredentialReport,
    /// Amazon Security Lake: CloudTrail as OCSF (classes 6003, 3002) in Parquet.
    SecurityLakeOcsf,
    /// Parquet that is not CloudTrail OCSF.
    Parquet,
    /// `aws cloudtrail list-public-keys` output: keys for verifying digest signatures.
    CloudTrailPublicKeys,
    /// Digest signatures saved from S3 object metadata.
    DigestSignatures,
    /// A saved AWS CLI output read by the posture checks.
    Posture(Command),
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Unknown => "unknown",
            SourceKind::Json => "json",
            SourceKind::CloudTrail => "cloudtrail",
            SourceKind::CloudTrailRecords => "cloudtrail_records",
            SourceKind::CloudTrailInsight => "cloudtrail_insight",
            SourceKind::CloudTrailArray => "cloudtrail_array",
            SourceKind::CloudTrailNdjson => "cloudtrail_ndjson",
            SourceKind::CloudTrailLookup => "cloudtrail_lookup",
            SourceKind::CloudTrailDigest => "cloudtrail_digest",
            SourceKind::CredentialReport => "credential_report",
            SourceKind::SecurityLakeOcsf => "security_lake_ocsf",
            SourceKind::Parquet => "parquet",
            SourceKind::CloudTrailPublicKeys => "cloudtrail_public_keys",
            SourceKind::DigestSignatures => "digest_signatures",
            SourceKind::Posture(command) => command.source_kind(),
        }
    }
}

/// Where a credential report's time came from (`credential_report.report_time_source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportTimeSource {
    FileName,
    AsOf,
    FileMtime,
}

impl ReportTimeSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportTimeSource::FileName => "file_name",
            ReportTimeSource::AsOf => "as_of",
            ReportTimeSource::FileMtime => "file_mtime",
        }
    }
}

/// A credential report's time and where it came from.
#[derive(Debug, Clone)]
pub struct ReportTime {
    pub time: NaiveDateTime,
    pub source: ReportTimeSource,
}

/// A CloudTrail digest file: evidence, not events.
pub struct DigestFile {
    pub digest: Digest,
    /// The whole document, as read.
    pub text: String,
    pub region: Option<String>,
}

/// Everything the case records about one input file, besides its events.
pub struct FileOutcome {
    pub path: PathBuf,
    pub size: u64,
    pub sha256: Option<String>,
    pub kind: SourceKind,
    pub compression: Option<Compression>,
    pub status: FileStatus,
    pub reason: Option<String>,
    pub errors: Vec<DecodeError>,
    /// Errors beyond `MAX_ERRORS_PER_FILE`, counted only.
    pub errors_dropped: u64,
    pub records_seen: u64,
    pub credential_report: Option<(CredentialReport, ReportTime)>,
    pub digest: Option<DigestFile>,
    /// SHA-256 (hex) of the decompressed content, as CloudTrail's digests hash log files.
    pub content_sha256: Option<String>,
    pub public_keys: Vec<PublicKey>,
    pub digest_signatures: Vec<DigestSignature>,
    /// A saved AWS CLI output and when it was taken.
    pub posture: Option<(PostureOutput, ReportTime)>,
}

impl FileOutcome {
    pub fn new(path: &Path) -> Self {
        FileOutcome {
            path: path.to_path_buf(),
            size: 0,
            sha256: None,
            kind: SourceKind::Unknown,
            compression: None,
            status: FileStatus::Loaded,
            reason: None,
            errors: Vec::new(),
            errors_dropped: 0,
            records_seen: 0,
            credential_report: None,
            digest: None,
            content_sha256: None,
            public_keys: Vec::new(),
            digest_signatures: Vec::new(),
            posture: None,
        }
    }

    /// The outcome of a file that could not be examined at all.
    pub fn failed(path: &Path, error: DecodeError) -> Self {
        FileOutcome::new(path).fail(error)
    }

    pub fn fail(mut self, error: DecodeError) -> Self {
        self.status = FileStatus::Failed;
        self.reason = Some(error.to_string());
        self.push_error(error);
        self
    }

    pub fn skip(mut self, reason: impl Into<String>) -> Self {
        self.status = FileStatus::Skipped;
        self.reason = Some(reason.into());
        self
    }

    pub fn push_error(&mut self, error: DecodeError) {
        if self.errors.len() < MAX_ERRORS_PER_FILE {
            self.errors.push(error);
        } else {
            self.errors_dropped += 1;
        }
    }
}
