//! Evidence integrity: CloudTrail log-file validation, offline, over the case.
//!
//! AWS's algorithm (aws-cli's `validate-logs` is the reference): every log file a digest lists
//! must be in the case with the SHA-256 (of its decompressed content) the digest recorded; every
//! digest must carry a valid SHA256withRSA signature by a CloudTrail key and link to the digest
//! before it by that digest's SHA-256. rootlens also reports what no digest vouches for. The
//! results replace the `integrity` table; `integrity_summary` and `event_integrity` read it.

pub mod case;
pub mod digests;
pub mod files;
pub mod layout;
pub mod record;
pub mod signature;
mod summary;

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use duckdb::Connection;

use crate::decode::pubkeys::{self, PublicKey};
use crate::decode::signatures::{self, DigestSignature};
use crate::store::evidence;
pub use summary::VerifySummary;

/// What `verify` is given besides the case (both may be empty).
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// `aws cloudtrail list-public-keys` output: files, or folders of `*.json` files.
    pub public_keys: Vec<PathBuf>,
    /// Saved digest signatures: files, or folders of `*.json` files.
    pub digest_signatures: Vec<PathBuf>,
}

/// The argument files, read and checked before the case is touched.
#[derive(Debug, Default)]
pub struct Arguments {
    pub public_keys: Vec<(String, Vec<PublicKey>)>,
    pub signatures: Vec<(String, Vec<DigestSignature>)>,
}

impl VerifyOptions {
    /// Reads every file given; a malformed one is an error naming the file and the place.
    pub fn read(&self) -> Result<Arguments> {
        let mut arguments = Arguments::default();
        for path in files_of(&self.public_keys, "--public-keys")? {
            let bytes = std::fs::read(&path)
                .with_context(|| format!("cannot read the key file {}", path.display()))?;
            let keys = pubkeys::parse(&bytes)
                .with_context(|| format!("the key file {} is malformed", path.display()))?;
            arguments
                .public_keys
                .push((path.to_string_lossy().into_owned(), keys));
        }
        for path in files_of(&self.digest_signatures, "--digest-signatures")? {
            let bytes = std::fs::read(&path)
                .with_context(|| format!("cannot read the signature file {}", path.display()))?;
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let list = signatures::parse(&bytes, name.as_deref().unwrap_or(""))
                .with_context(|| format!("the signature file {} is malformed", path.display()))?;
            arguments
                .signatures
                .push((path.to_string_lossy().into_owned(), list));
        }
        Ok(arguments)
    }
}

/// The files given, with folders replaced by the `*.json` files in them (sorted).
fn files_of(paths: &[PathBuf], option: &str) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = walkdir::WalkDir::new(path)
                .into_iter()
                .filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_file())
                .map(|e| e.into_path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect();
            found.sort();
            if found.is_empty() {
                bail!(
                    "{option} {}: the folder holds no .json file",
                    path.display()
                );
            }
            files.extend(found);
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            bail!("{option} {}: no such file or folder", path.display());
        }
    }
    Ok(files)
}

/// Records the argument files in the case, runs every check and replaces `integrity`.
pub fn run(conn: &Connection, arguments: &Arguments) -> Result<VerifySummary> {
    conn.execute_batch("BEGIN TRANSACTION")?;
    let result = run_in_transaction(conn, arguments);
    match result {
        Ok(summary) => {
            conn.execute_batch("COMMIT")?;
            Ok(summary)
        }
        Err(error) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(error)
        }
    }
}

fn run_in_transaction(conn: &Connection, arguments: &Arguments) -> Result<VerifySummary> {
    for (path, keys) in &arguments.public_keys {
        evidence::insert_public_keys(conn, None, path, keys)?;
    }
    for (path, list) in &arguments.signatures {
        evidence::insert_signatures(conn, None, path, list)?;
    }
    let ring = signature::KeyRing::from_case(conn)?;
    let ev = case::load(conn)?;
    let index = digests::DigestIndex::new(&ev);
    let (digest_rows, runs) = digests::check(&ev, &index, &ring);
    let mut recorder = record::Recorder::start(conn, ring.len())?;
    files::check(conn, &ev, &runs, &mut |row| recorder.push(row))?;
    for row in digest_rows {
        recorder.push(row)?;
    }
    let summary = recorder.finish()?;
    conn.execute(
        "INSERT OR REPLACE INTO case_meta VALUES ('integrity_verified_at', ?), \
         ('integrity_public_keys', ?)",
        duckdb::params![
            chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            ring.len().to_string()
        ],
    )?;
    Ok(summary)
}
