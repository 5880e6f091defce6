//! The checks on log files: every file a digest lists is in the case with the content the
//! digest hashed (verified), with other content (modified) or not at all (missing); every
//! CloudTrail file of the case that no digest lists is unlisted (inside a period its account
//! and region's digests cover without a break: suspicious) or not covered.

use std::collections::{HashMap, HashSet};

use anyhow::Result;
use duckdb::Connection;

use super::case::{self, CaseEvidence, CaseFile, ListedFile};
use super::digests::{key_of, Runs};
use super::layout;
use super::record::Row;

const MINUTE: i64 = 60 * 1_000_000;

/// Every log-file row, each handed to `emit` as soon as it is known. Memory follows the
/// digests' entries and the files they find, not the number of files in the case: the log
/// files are read from the case a page at a time, up to three times.
pub fn check(
    conn: &Connection,
    ev: &CaseEvidence,
    runs: &Runs,
    emit: &mut impl FnMut(Row) -> Result<()>,
) -> Result<()> {
    let digest_file: HashMap<i32, &CaseFile> = ev
        .files
        .iter()
        .map(|f| (f.source_id, f))
        .collect();
    let entries: Vec<&ListedFile> = ev
        .listed
        .iter()
        .filter(|e| digest_file.contains_key(&e.digest_source_id))
        .collect();
    let mut found: Vec<Vec<CaseFile>> = vec![Vec::new(); entries.len()];

    // A listed object is matched on its `AWSLogs/` key; for the entries no file matched that
    // way, by name among the files whose path has no such key.
    let by_key = index_by(
        (entries.iter().enumerate()).map(|(e, entry)| (key_of(&entry.s3_object), e)),
    );
    if !by_key.is_empty() {
        case::for_each_log_file(conn, |file| {
            let matched = (file.key.as_deref()).and_then(|k| by_key.get(layout::match_key(k)));
            for &e in matched.into_iter().flatten() {
                found[e].push(file.clone());
            }
            Ok(())
        })?;
    }
    let by_name = index_by(
        (entries.iter().enumerate())
            .filter(|(e, _)| found[*e].is_empty())
            .map(|(e, entry)| (name_key(&entry.s3_object), e)),
    );
    if !by_name.is_empty() {
        case::for_each_log_file(conn, |file| {
            let name = name_key(&file.path);
            let matched = by_name.get(&name).filter(|_| file.key.is_none());
            for &e in matched.into_iter().flatten() {
                found[e].push(file.clone());
            }
            Ok(())
        })?;
    }

    let mut listed: HashSet<i32> = HashSet::new();
    for (entry, files) in entries.iter().zip(&found) {
        let digest = digest_file[&entry.digest_source_id];
        listed.extend(files.iter().map(|f| f.source_id));
        for row in listed_rows(entry, digest, files) {
            emit(row)?;
        }
    }
    drop(found);
    case::for_each_log_file(conn, |file| {
        if listed.contains(&file.source_id) {
            return Ok(());
        }
        emit(unlisted_row(&file, runs))
    })
}

fn index_by(pairs: impl Iterator<Item = (String, usize)>) -> HashMap<String, Vec<usize>> {
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    for (key, e) in pairs {
        index.entry(key).or_default().push(e);
    }
    index
}

/// What a file is matched on when its path has no `AWSLogs/` part: its name, without `.gz`.
fn name_key(path: &str) -> String {
    layout::match_key(layout::file_name(path)).to_string()
}

/// The rows for one entry of a digest's logFiles.
fn listed_rows(entry: &ListedFile, digest: &CaseFile, found: &[CaseFile]) -> Vec<Row> {
    let key = layout::awslogs_key(&entry.s3_object).unwrap_or_else(|| entry.s3_object.clone());
    let parts = layout::parse_key(&key);
    let base = Row {
        check: "log_file",
        subject: key.clone(),
        account_id: parts.as_ref().map(|p| p.account.clone()),
        region: parts.as_ref().map(|p| p.region.clone()),
        expected: entry.hash_value.clone(),
        vouching_digest: Some(digest.subject()),
        vouching_source_id: Some(digest.source_id),
        ..Row::default()
    };
    let Some(hash_value) = entry.hash_value.as_deref() else {
        let row = base.status("uncheckable", false);
        return vec![row.detail("the digest gives no hashValue for this file")];
    };
    if let Some(algorithm) = entry.hash_algorithm.as_deref().filter(|a| *a != "SHA-256") {
        let row = base.status("uncheckable", false);
        return vec![row.detail(format!("hash algorithm {algorithm} is not supported"))];
    }
    if found.is_empty() {
        let mut row = base.status("missing", true);
        row.unproven = match (entry.oldest, entry.newest) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        };
        return vec![
            row.detail("listed by the digest but not in the case: deleted or not exported")
        ];
    }
    let same = |f: &CaseFile| {
        f.content_sha256
            .as_deref()
            .is_some_and(|h| h.eq_ignore_ascii_case(hash_value))
    };
    let any_same = found.iter().any(same);
    found
        .iter()
        .map(|file| {
            let row = Row {
                source_id: Some(file.source_id),
                path: Some(file.path.clone()),
                actual: file.content_sha256.clone(),
                ..base.clone()
            };
            if same(file) {
                row.status("verified", false)
            } else if file.content_sha256.is_none() {
                row.status("modified", true).detail(
                    "the content could not be read to its end, so it is not what the digest hashed",
                )
            } else if any_same {
                row.status("modified", true)
                    .detail("another copy in the case matches the digest; this one differs")
            } else {
                row.status("modified", true).detail(
                    "the SHA-256 of the decompressed content differs from the digest's hashValue",
                )
            }
        })
        .collect()
}

/// A CloudTrail file of the case that no digest lists.
fn unlisted_row(file: &CaseFile, runs: &Runs) -> Row {
    let row = Row::about("log_file", file);
    let Some(parts) = file.parts.as_ref().filter(|p| p.folder == "CloudTrail") else {
        let what = if file.folder() == Some("CloudTrail-Insight") {
            "an Insights file: rootlens does not check Insights files against digests".to_string()
        } else {
            format!(
                "{} is not a file CloudTrail delivered to S3: no digest can list it",
                file.kind
            )
        };
        return row.status("not_covered", false).detail(what);
    };
    let stamp = layout::log_file_stamp(layout::file_name(&file.path)).or(file.last_event);
    let Some(stamp) = stamp else {
        return row.status("not_covered", false).detail(
            "no delivery time in its name and no events: cannot place it in a digest period",
        );
    };
    let periods = runs.get(&(parts.account.clone(), parts.region.clone()));
    // The name gives the minute: the whole minute must lie inside the period.
    let inside = periods
        .into_iter()
        .flatten()
        .find(|(start, end)| stamp >= *start && stamp + MINUTE <= *end);
    match inside {
        Some(_) => row.status("unlisted", true).detail(
            "delivered while this account and region's digests ran without a break, but no \
             digest lists it: added after delivery, or its digest is missing",
        ),
        None => row
            .status("not_covered", false)
            .detail("delivered outside every period the case's digests cover"),
    }
}
