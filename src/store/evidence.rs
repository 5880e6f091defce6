//! Writing the evidence that log-file validation reads: digests with their listed log files,
//! CloudTrail public keys and saved digest signatures. Used by the ingest writer (with the
//! source file's id) and by `verify` for the files given to it (source id NULL).

use anyhow::{Context, Result};
use duckdb::types::{TimeUnit, Value};
use duckdb::{params, Appender, Connection};

use super::outcome::{DigestFile, FileOutcome};
use crate::decode::pubkeys::PublicKey;
use crate::decode::signatures::DigestSignature;

fn micros(value: Option<i64>) -> Value {
    value.map_or(Value::Null, |m| Value::Timestamp(TimeUnit::Microsecond, m))
}

/// The appenders of `digests` and `digest_log_files`, kept open by the ingest writer.
pub struct DigestAppenders<'conn> {
    digests: Appender<'conn>,
    log_files: Appender<'conn>,
}

impl<'conn> DigestAppenders<'conn> {
    pub fn new(conn: &'conn Connection) -> Result<Self> {
        Ok(DigestAppenders {
            digests: conn.appender("digests")?,
            log_files: conn.appender("digest_log_files")?,
        })
    }

    pub fn flush(&mut self) -> Result<()> {
        self.digests.flush()?;
        self.log_files.flush()?;
        Ok(())
    }

    /// One `digests` row (columns in table order: schema.sql, then its ALTERs) and its
    /// `digest_log_files` rows.
    pub fn append(&mut self, source_id: i32, file: &DigestFile) -> Result<()> {
        let d = &file.digest;
        let missing = (!d.missing_fields.is_empty()).then(|| d.missing_fields.join(","));
        self.digests
            .append_row(params![
                source_id,
                d.account_id,
                file.region,
                micros(Some(d.start_micros)),
                micros(Some(d.end_micros)),
                d.log_file_count as i64,
                d.previous_hash,
                file.text,
                d.s3_bucket,
                d.s3_object,
                d.public_key_fingerprint,
                d.signature_algorithm,
                d.end_time_text,
                d.previous_s3_bucket,
                d.previous_s3_object,
                d.previous_signature,
                d.previous_hash_algorithm,
                micros(d.newest_event_micros),
                micros(d.oldest_event_micros),
                missing,
            ])
            .context("cannot record a digest")?;
        for (position, f) in d.log_files.iter().enumerate() {
            self.log_files.append_row(params![
                source_id,
                position as i32,
                f.s3_bucket,
                f.s3_object,
                f.hash_value,
                f.hash_algorithm,
                micros(f.newest_event_micros),
                micros(f.oldest_event_micros),
            ])?;
        }
        Ok(())
    }
}

/// The public keys and digest signatures an input file holds.
pub fn insert_keys_and_signatures(
    conn: &Connection,
    source_id: Option<i32>,
    outcome: &FileOutcome,
) -> Result<()> {
    let path = outcome.path.to_string_lossy();
    insert_public_keys(conn, source_id, &path, &outcome.public_keys)?;
    insert_signatures(conn, source_id, &path, &outcome.digest_signatures)?;
    Ok(())
}

/// Keys not yet in the case (same fingerprint and value) are added.
pub fn insert_public_keys(
    conn: &Connection,
    source_id: Option<i32>,
    path: &str,
    keys: &[PublicKey],
) -> Result<usize> {
    let mut added = 0;
    for key in keys {
        added += conn
            .prepare_cached(
                "INSERT INTO public_keys SELECT ?, ?, ?, ?, ?, ?
                 WHERE NOT EXISTS (SELECT 1 FROM public_keys WHERE fingerprint = ? AND value = ?)",
            )?
            .execute(params![
                key.fingerprint,
                micros(key.validity_start),
                micros(key.validity_end),
                key.value,
                source_id,
                path,
                key.fingerprint,
                key.value,
            ])
            .context("cannot record a public key")?;
    }
    Ok(added)
}

/// Signatures not yet in the case (same digest and signature) are added.
pub fn insert_signatures(
    conn: &Connection,
    source_id: Option<i32>,
    path: &str,
    signatures: &[DigestSignature],
) -> Result<usize> {
    let mut added = 0;
    for s in signatures {
        added += conn
            .prepare_cached(
                "INSERT INTO digest_signatures SELECT ?, ?, ?, ?, ?, ?, ?
                 WHERE NOT EXISTS (SELECT 1 FROM digest_signatures
                                   WHERE digest_s3_object = ? AND signature = ?)",
            )?
            .execute(params![
                s.s3_bucket,
                s.s3_object,
                s.signature,
                s.algorithm,
                micros(s.backfill_generated),
                source_id,
                path,
                s.s3_object,
                s.signature,
            ])
            .context("cannot record a digest signature")?;
    }
    Ok(added)
}
