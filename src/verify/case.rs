//! What verification reads from the case: files, digests with their listed log files, keys and
//! saved signatures. Read once, into plain structs; only the log files, which may number
//! millions, are read again a page at a time when the checks need them.

use anyhow::{Context, Result};
use duckdb::Connection;

use super::layout::{self, KeyParts};

/// An input file of the case that verification looks at.
#[derive(Debug, Clone)]
pub struct CaseFile {
    pub source_id: i32,
    pub path: String,
    pub kind: String,
    pub status: String,
    pub reason: Option<String>,
    pub content_sha256: Option<String>,
    /// UTC microseconds of the file's last event.
    pub last_event: Option<i64>,
    /// From `AWSLogs/` on; None when the path has no such part.
    pub key: Option<String>,
    pub parts: Option<KeyParts>,
}

impl CaseFile {
    /// What the file is called in results: its key, or its path.
    pub fn subject(&self) -> String {
        self.key.clone().unwrap_or_else(|| self.path.clone())
    }

    pub fn folder(&self) -> Option<&str> {
        self.parts.as_ref().map(|p| p.folder.as_str())
    }

    pub fn is_digest(&self) -> bool {
        self.kind == "cloudtrail_digest" || self.folder() == Some("CloudTrail-Digest")
    }

    /// A CloudTrail input whose events a digest could vouch for (or an export of them).
    pub fn is_log_file(&self) -> bool {
        if self.is_digest() {
            return false;
        }
        matches!(self.folder(), Some("CloudTrail" | "CloudTrail-Insight"))
            || matches!(
                self.kind.as_str(),
                "cloudtrail_records"
                    | "cloudtrail_insight"
                    | "cloudtrail_array"
                    | "cloudtrail_ndjson"
                    | "cloudtrail_lookup"
                    | "cloudtrail"
            )
    }
}

/// A decoded digest (a `digests` row) and its file.
#[derive(Debug, Clone)]
pub struct DigestRecord {
    pub file: usize,
    pub account_id: String,
    pub start: i64,
    pub end: i64,
    pub end_text: Option<String>,
    pub s3_bucket: Option<String>,
    pub s3_object: Option<String>,
    pub fingerprint: Option<String>,
    pub algorithm: Option<String>,
    pub previous_bucket: Option<String>,
    pub previous_object: Option<String>,
    pub previous_signature: Option<String>,
    pub previous_hash: Option<String>,
    pub previous_hash_algorithm: Option<String>,
    pub missing_fields: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ListedFile {
    pub digest_source_id: i32,
    pub s3_object: String,
    pub hash_value: Option<String>,
    pub hash_algorithm: Option<String>,
    pub newest: Option<i64>,
    pub oldest: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct SavedSignature {
    pub s3_object: String,
    pub signature: String,
    pub backfill_generated: Option<i64>,
    pub origin: String,
}

/// Everything verification reads.
pub struct CaseEvidence {
    /// The digest files of the case (log files are read a page at a time: `for_each_log_file`).
    pub files: Vec<CaseFile>,
    pub digests: Vec<DigestRecord>,
    pub listed: Vec<ListedFile>,
    pub signatures: Vec<SavedSignature>,
}

const EPOCH_MICROS: &str = "epoch_us";

pub fn load(conn: &Connection) -> Result<CaseEvidence> {
    let files = load_files(conn, CaseFile::is_digest).context("cannot read sources")?;
    let index: std::collections::HashMap<i32, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.source_id, i))
        .collect();
    let digests = load_digests(conn, &index).context("cannot read digests")?;
    let listed = load_listed(conn).context("cannot read digest_log_files")?;
    let signatures = load_signatures(conn).context("cannot read digest_signatures")?;
    Ok(CaseEvidence {
        files,
        digests,
        listed,
        signatures,
    })
}

/// Files of the case, read from `sources` a page at a time.
const PAGE: i64 = 4096;

fn load_files(conn: &Connection, wanted: impl Fn(&CaseFile) -> bool) -> Result<Vec<CaseFile>> {
    let mut files = Vec::new();
    for_each_file(conn, |file| {
        if wanted(&file) {
            files.push(file);
        }
        Ok(())
    })?;
    Ok(files)
}

/// Calls `visit` with every CloudTrail log file of the case, in source order, holding one page
/// of them at a time (the case may have millions of files).
pub fn for_each_log_file(
    conn: &Connection,
    mut visit: impl FnMut(CaseFile) -> Result<()>,
) -> Result<()> {
    for_each_file(conn, |file| {
        if file.is_log_file() {
            visit(file)?;
        }
        Ok(())
    })
}

/// Each page is read to its end before `visit` sees it, so `visit` may use the connection.
fn for_each_file(conn: &Connection, mut visit: impl FnMut(CaseFile) -> Result<()>) -> Result<()> {
    let mut stmt = conn.prepare(&format!(
        "SELECT source_id, path, coalesce(kind, 'unknown'), status, reason, content_sha256,
                {EPOCH_MICROS}(last_event_time)
         FROM sources WHERE status <> 'already ingested' AND source_id > ?
         ORDER BY source_id LIMIT {PAGE}"
    ))?;
    let mut after = i32::MIN;
    loop {
        let page = stmt
            .query_map([after], |r| {
                let path: String = r.get(1)?;
                let key = layout::awslogs_key(&path);
                let parts = key.as_deref().and_then(layout::parse_key);
                Ok(CaseFile {
                    source_id: r.get(0)?,
                    path,
                    kind: r.get(2)?,
                    status: r.get(3)?,
                    reason: r.get(4)?,
                    content_sha256: r.get(5)?,
                    last_event: r.get(6)?,
                    key,
                    parts,
                })
            })?
            .collect::<Result<Vec<_>, _>>()
            .context("cannot read sources")?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = last.source_id;
        for file in page {
            visit(file)?;
        }
    }
}

fn load_digests(
    conn: &Connection,
    index: &std::collections::HashMap<i32, usize>,
) -> Result<Vec<DigestRecord>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT source_id, account_id, {EPOCH_MICROS}(digest_start_time),
                {EPOCH_MICROS}(digest_end_time), digest_end_time_text, digest_s3_bucket,
                digest_s3_object, public_key_fingerprint, signature_algorithm,
                previous_digest_s3_bucket, previous_digest_s3_object, previous_digest_signature,
                previous_digest_hash, previous_digest_hash_algorithm, missing_fields
         FROM digests ORDER BY source_id"
    ))?;
    let rows = stmt.query_map([], |r| {
        let source_id: i32 = r.get(0)?;
        Ok((
            source_id,
            DigestRecord {
                file: 0,
                account_id: r.get(1)?,
                start: r.get(2)?,
                end: r.get(3)?,
                end_text: r.get(4)?,
                s3_bucket: r.get(5)?,
                s3_object: r.get(6)?,
                fingerprint: r.get(7)?,
                algorithm: r.get(8)?,
                previous_bucket: r.get(9)?,
                previous_object: r.get(10)?,
                previous_signature: r.get(11)?,
                previous_hash: r.get(12)?,
                previous_hash_algorithm: r.get(13)?,
                missing_fields: r.get(14)?,
            },
        ))
    })?;
    let mut digests = Vec::new();
    for row in rows {
        let (source_id, mut digest) = row?;
        if let Some(&file) = index.get(&source_id) {
            digest.file = file;
            digests.push(digest);
        }
    }
    Ok(digests)
}

fn load_listed(conn: &Connection) -> Result<Vec<ListedFile>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT digest_source_id, s3_object, hash_value, hash_algorithm,
                {EPOCH_MICROS}(newest_event_time), {EPOCH_MICROS}(oldest_event_time)
         FROM digest_log_files ORDER BY digest_source_id, position"
    ))?;
    let rows = stmt.query_map([], |r| {
        Ok(ListedFile {
            digest_source_id: r.get(0)?,
            s3_object: r.get(1)?,
            hash_value: r.get(2)?,
            hash_algorithm: r.get(3)?,
            newest: r.get(4)?,
            oldest: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn load_signatures(conn: &Connection) -> Result<Vec<SavedSignature>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT digest_s3_object, signature, {EPOCH_MICROS}(backfill_generation_time), path
         FROM digest_signatures"
    ))?;
    let rows = stmt.query_map([], |r| {
        Ok(SavedSignature {
            s3_object: r.get(0)?,
            signature: r.get(1)?,
            backfill_generated: r.get(2)?,
            origin: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
