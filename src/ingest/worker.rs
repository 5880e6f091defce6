//! Decoding one input file on a worker thread: hash it, classify it, split and parse its
//! records into column batches, and describe the outcome for the writer.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::time::SystemTime;

use chrono::{DateTime, NaiveDateTime};
use crossbeam_channel::Sender;
use sha2::{Digest, Sha256};

use crate::decode::cloudtrail::{split_document, visit_record, DocumentKind};
use crate::decode::json_stream::JsonStream;
use crate::decode::sniff::{self, Content, PathHint};
use crate::decode::DecodeError;
use crate::decode::{credreport, digest, posture, pubkeys, signatures};
use crate::store::event_batch::{EventBatch, EventBatchBuilder};
use crate::store::outcome::{
    DigestFile, FileOutcome, FileStatus, ReportTime, ReportTimeSource, SourceKind,
};

/// What a worker tells the writer about one file, in order: batches, then one `Finished`.
pub enum FileMessage {
    Events(EventBatch),
    Finished(Box<FileOutcome>),
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
    if !registry.claim(&posture::ingest_identity(&sha256, path)) {
        outcome.status = FileStatus::AlreadyIngested;
        return outcome;
    }

    let outcome = decode_content(outcome, path, source_id, settings, &metadata, tx);
    unless_changed_while_read(outcome, path, &metadata)
}

/// Decodes a file whose hash was claimed: classifies its content and reads it accordingly.
fn decode_content(
    mut outcome: FileOutcome,
    path: &Path,
    source_id: i32,
    settings: &WorkerSettings,
    metadata: &std::fs::Metadata,
    tx: &Sender<FileMessage>,
) -> FileOutcome {
    let (compression, mut input, hash) = match sniff::open_hashed(path, settings.max_decompressed) {
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
            outcome.kind = SourceKind::CloudTrail;
            let mut head = Vec::new();
            let _ = (&mut input).take(64).read_to_end(&mut head);
            // A log file replaced by garbage still has content a digest can disagree with.
            outcome.content_sha256 = hash.finish(&mut input).ok();
            outcome.fail(
                DecodeError::new("byte 0", format!("invalid JSON: {reason}")).with_snippet(&head),
            )
        }
        Content::Other(reason) => outcome.skip(reason),
        Content::CredentialReport => {
            outcome.kind = SourceKind::CredentialReport;
            decode_credential_report(outcome, input, path, metadata, settings)
        }
        Content::Json => {
            let mut outcome =
                decode_cloudtrail(outcome, &mut input, path, source_id, metadata, settings, tx);
            // Also for files that failed half-way: the digest's hash covers all the content.
            outcome.content_sha256 = hash.finish(&mut input).ok();
            outcome
        }
        Content::Parquet if compression == sniff::Compression::Gzip => {
            outcome.kind = SourceKind::Parquet;
            outcome.fail(DecodeError::new(
                "the file",
                "gzip-compressed Parquet is not read; decompress it first",
            ))
        }
        Content::Parquet => super::security_lake::decode_parquet(outcome, path, source_id, tx),
    }
}

/// The file is read twice (hashed, then decoded): if it changed in between or meanwhile (its
/// size or modification time differ from before the first read), what was decoded may not be
/// what was hashed, so the file fails (its events are taken out again) and a later run retries it.
fn unless_changed_while_read(
    outcome: FileOutcome,
    path: &Path,
    before: &std::fs::Metadata,
) -> FileOutcome {
    if outcome.status == FileStatus::AlreadyIngested {
        return outcome;
    }
    let Ok(after) = std::fs::metadata(path) else {
        return FileOutcome::failed(
            path,
            DecodeError::new("the file", "disappeared while it was read; not loaded"),
        );
    };
    let stamp = |m: &std::fs::Metadata| m.modified().ok();
    if after.len() != before.len() || stamp(&after) != stamp(before) {
        // Nothing decoded from it is kept: not its events, nor a report, digest or keys.
        let mut failed = FileOutcome::new(path);
        failed.size = outcome.size;
        failed.sha256 = outcome.sha256;
        failed.kind = outcome.kind;
        failed.compression = outcome.compression;
        return failed.fail(DecodeError::new(
            "the file",
            format!(
                "changed while it was read ({} bytes when first read, {} bytes after, or a new \
                 modification time): not loaded, since what was decoded may not be what was \
                 hashed; ingest it again once nothing writes to it",
                before.len(),
                after.len()
            ),
        ));
    }
    outcome
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
    let limit = credreport::MAX_REPORT_BYTES;
    if let Err(e) = (&mut input).take(limit + 1).read_to_end(&mut bytes) {
        return outcome.fail(DecodeError::new(
            format!("byte {} of the decompressed data", bytes.len()),
            format!("cannot read: {e}"),
        ));
    }
    if bytes.len() as u64 > limit {
        return outcome.fail(DecodeError::new(
            format!("byte {limit} of the decompressed data"),
            format!(
                "a credential report larger than {} MiB: IAM allows 5,000 users per account, \
                 so no real report comes near this size; not loaded",
                limit >> 20
            ),
        ));
    }
    let report = match credreport::parse(&bytes) {
        Ok(report) => report,
        Err(e) => return outcome.fail(e),
    };
    let time = time_taken(path, metadata, settings);
    outcome.records_seen = report.rows.len() as u64;
    if report.account_id.is_none() {
        outcome.reason = Some("no ARN in the report names an account".into());
    }
    outcome.credential_report = Some((report, time));
    outcome
}

/// When a credential report or a saved CLI output was taken: the time in its file name, else
/// `--as-of`, else the file's modification time.
fn time_taken(path: &Path, metadata: &std::fs::Metadata, settings: &WorkerSettings) -> ReportTime {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if let Some(time) = credreport::report_time_from_file_name(name) {
        ReportTime {
            time,
            source: ReportTimeSource::FileName,
        }
    } else if let Some(time) = settings.as_of {
        ReportTime {
            time,
            source: ReportTimeSource::AsOf,
        }
    } else {
        let modified = metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        ReportTime {
            time: DateTime::<chrono::Utc>::from(modified).naive_utc(),
            source: ReportTimeSource::FileMtime,
        }
    }
}

/// A saved AWS CLI output for the posture checks, kept whole with its account and time.
fn decode_posture(
    mut outcome: FileOutcome,
    text: &[u8],
    path: &Path,
    metadata: &std::fs::Metadata,
    settings: &WorkerSettings,
) -> FileOutcome {
    match posture::decode(text, path) {
        Ok(posture::Decoded::NotPosture(reason)) => outcome.skip(reason),
        Ok(posture::Decoded::Broken(command, error)) => {
            outcome.kind = SourceKind::Posture(command);
            outcome.fail(error)
        }
        Ok(posture::Decoded::Output(output)) => {
            outcome.kind = SourceKind::Posture(output.command);
            outcome.records_seen = output.items;
            if output.account_id.is_none() {
                outcome.reason = Some(
                    "no account: the file name, its folders and the output name none \
                     (name it as `rootlens collect-commands` does)"
                        .into(),
                );
            }
            let time = time_taken(path, metadata, settings);
            outcome.posture = Some((*output, time));
            outcome
        }
        Err(error) => {
            if let Some(command) = posture_command_of(path) {
                outcome.kind = SourceKind::Posture(command);
            }
            outcome.fail(error)
        }
    }
}

/// The command a file's name says it holds, so a wrong-shape output is recorded as that kind.
fn posture_command_of(path: &Path) -> Option<posture::Command> {
    posture::Command::from_file_name(path.file_name()?.to_str()?)
}

fn decode_cloudtrail(
    mut outcome: FileOutcome,
    input: &mut sniff::Input,
    path: &Path,
    source_id: i32,
    metadata: &std::fs::Metadata,
    settings: &WorkerSettings,
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
        let bytes = match bytes {
            Ok(bytes) => bytes,
            Err(skipped) => return outcome.push_error(DecodeError::new(place.describe(), skipped)),
        };
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
            // A truncated saved CLI output is named as what its file name says it is.
            outcome.kind =
                posture_command_of(path).map_or(SourceKind::CloudTrail, SourceKind::Posture);
            return outcome.fail(error);
        }
    };
    if writer_gone {
        return outcome.fail(DecodeError::new("the file", "the case writer stopped"));
    }
    outcome.kind = match (&kind, insight) {
        (DocumentKind::Records, true) => SourceKind::CloudTrailInsight,
        (DocumentKind::Records, false) => SourceKind::CloudTrailRecords,
        (DocumentKind::Array, _) => SourceKind::CloudTrailArray,
        (DocumentKind::Lines, _) => SourceKind::CloudTrailNdjson,
        (DocumentKind::Lookup, _) => SourceKind::CloudTrailLookup,
        (DocumentKind::Digest(_), _) => SourceKind::CloudTrailDigest,
        (DocumentKind::PublicKeys(_), _) => SourceKind::CloudTrailPublicKeys,
        (DocumentKind::DigestSignatures(_), _) => SourceKind::DigestSignatures,
        (DocumentKind::Posture(_), _) | (DocumentKind::NotCloudTrail(_), _) => SourceKind::Json,
    };
    match kind {
        DocumentKind::Digest(text) => decode_digest(outcome, &text, path),
        DocumentKind::PublicKeys(text) => match pubkeys::parse(&text) {
            Ok(keys) => {
                outcome.records_seen = keys.len() as u64;
                outcome.public_keys = keys;
                outcome
            }
            Err(error) => outcome.fail(error),
        },
        DocumentKind::DigestSignatures(text) => decode_signatures(outcome, &text, path),
        DocumentKind::Posture(text) => decode_posture(outcome, &text, path, metadata, settings),
        DocumentKind::NotCloudTrail(reason) => outcome.skip(reason),
        _ => finish_records(outcome, builder, loaded, tx),
    }
}

/// Sends the last batch of a file's records and sets its status from the records rejected.
pub(super) fn finish_records(
    mut outcome: FileOutcome,
    mut builder: EventBatchBuilder,
    loaded: u64,
    tx: &Sender<FileMessage>,
) -> FileOutcome {
    if !builder.is_empty() && tx.send(FileMessage::Events(builder.finish())).is_err() {
        return outcome.fail(DecodeError::new("the file", "the case writer stopped"));
    }
    if !outcome.errors.is_empty() {
        outcome.status = if loaded == 0 {
            FileStatus::Failed
        } else {
            FileStatus::Partial
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

fn decode_digest(mut outcome: FileOutcome, text: &[u8], path: &Path) -> FileOutcome {
    match digest::parse(text) {
        Ok(digest) => {
            outcome.digest = Some(DigestFile {
                digest,
                text: String::from_utf8_lossy(text).into_owned(),
                region: region_after(path, "CloudTrail-Digest"),
            });
            outcome
        }
        Err(error) => outcome.fail(error),
    }
}

/// Saved digest signatures; a head-object output is named after its digest.
fn decode_signatures(mut outcome: FileOutcome, text: &[u8], path: &Path) -> FileOutcome {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    match signatures::parse(text, name.as_deref().unwrap_or("")) {
        Ok(list) => {
            outcome.records_seen = list.len() as u64;
            outcome.digest_signatures = list;
            outcome
        }
        Err(error) => outcome.fail(error),
    }
}

/// The region folder in CloudTrail's layout: `…/CloudTrail-Digest/<region>/YYYY/…`.
fn region_after(path: &Path, marker: &str) -> Option<String> {
    let mut parts = path.components().map(|c| c.as_os_str().to_string_lossy());
    parts.find(|p| p == marker)?;
    parts.next().map(|p| p.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_changed_after_its_first_read_fails_and_keeps_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("growing.json");
        std::fs::write(&path, b"{\"Records\":[]}").unwrap();
        let before = std::fs::metadata(&path).unwrap();
        let decoded = || {
            let mut outcome = FileOutcome::new(&path);
            outcome.records_seen = 3;
            outcome.sha256 = Some("ab".repeat(32));
            outcome
        };

        let unchanged = unless_changed_while_read(decoded(), &path, &before);
        assert_eq!(unchanged.status, FileStatus::Loaded);

        std::fs::write(&path, b"{\"Records\":[{}, {}]}").unwrap();
        let changed = unless_changed_while_read(decoded(), &path, &before);
        assert_eq!(changed.status, FileStatus::Failed);
        assert!(changed
            .reason
            .unwrap()
            .contains("changed while it was read"));
        assert_eq!(changed.sha256, Some("ab".repeat(32)));
        assert_eq!(changed.records_seen, 0);

        std::fs::remove_file(&path).unwrap();
        let gone = unless_changed_while_read(FileOutcome::new(&path), &path, &before);
        assert!(gone.reason.unwrap().contains("disappeared"));
    }
}
