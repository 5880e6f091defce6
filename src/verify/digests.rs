//! The checks on digest files: where each sits (against its own `digestS3Object`), its
//! signature, and its link to the previous digest of its chain. Also the periods the chains
//! cover without a break, which decide whether an unlisted log file is suspicious.

use std::collections::{BTreeMap, HashMap};

use super::case::{CaseEvidence, CaseFile, DigestRecord};
use super::layout::{self, ChainId};
use super::record::Row;
use super::signature::{self, KeyRing, SIGNING_WINDOW_MICROS};

/// Periods covered by an unbroken run of digests, per (account, region).
pub type Runs = HashMap<(String, String), Vec<(i64, i64)>>;

const ALGORITHM: &str = "SHA256withRSA";
const HOUR: i64 = 3600 * 1_000_000;

/// Finds digest files by the key a digest names.
pub struct DigestIndex {
    by_key: HashMap<String, usize>,
    by_name: HashMap<String, usize>,
    /// Digest files by the key they were signed for (digestS3Object), wherever they sit.
    by_signed_key: HashMap<String, usize>,
    /// file index -> index in `CaseEvidence::digests`
    pub record_of: HashMap<usize, usize>,
    /// Successors: match key of a previousDigestS3Object -> digests naming it.
    successors: HashMap<String, Vec<usize>>,
    /// Saved signatures by match key and by file name.
    saved_by_key: HashMap<String, Vec<usize>>,
    saved_by_name: HashMap<String, Vec<usize>>,
}

/// The match key of an S3 object or path: from `AWSLogs/` on, without `.gz`.
pub fn key_of(object: &str) -> String {
    let key = layout::awslogs_key(object).unwrap_or_else(|| object.to_string());
    layout::match_key(&key).to_string()
}

fn name_key(object: &str) -> String {
    layout::match_key(layout::file_name(object)).to_string()
}

impl DigestIndex {
    pub fn new(ev: &CaseEvidence) -> DigestIndex {
        let mut index = DigestIndex {
            by_key: HashMap::new(),
            by_name: HashMap::new(),
            by_signed_key: HashMap::new(),
            record_of: HashMap::new(),
            successors: HashMap::new(),
            saved_by_key: HashMap::new(),
            saved_by_name: HashMap::new(),
        };
        for (i, file) in ev.files.iter().enumerate() {
            match &file.key {
                Some(key) => index.by_key.insert(layout::match_key(key).to_string(), i),
                None => index.by_name.insert(name_key(&file.path), i),
            };
        }
        for (r, record) in ev.digests.iter().enumerate() {
            index.record_of.insert(record.file, r);
            if let Some(object) = &record.s3_object {
                index.by_signed_key.insert(key_of(object), record.file);
            }
            if let Some(previous) = &record.previous_object {
                index
                    .successors
                    .entry(key_of(previous))
                    .or_default()
                    .push(r);
            }
        }
        for (s, saved) in ev.signatures.iter().enumerate() {
            if saved.s3_object.contains('/') {
                index
                    .saved_by_key
                    .entry(key_of(&saved.s3_object))
                    .or_default()
                    .push(s);
            } else {
                index
                    .saved_by_name
                    .entry(name_key(&saved.s3_object))
                    .or_default()
                    .push(s);
            }
        }
        index
    }

    /// The digest file of the case that an S3 object key names.
    pub fn find(&self, object: &str) -> Option<usize> {
        self.by_key
            .get(&key_of(object))
            .or_else(|| self.by_name.get(&name_key(object)))
            .copied()
    }

    /// A digest of the case signed for `object` but sitting elsewhere (moved or copied).
    pub fn find_moved(&self, object: &str) -> Option<usize> {
        self.by_signed_key.get(&key_of(object)).copied()
    }
}

/// The chain a digest belongs to, from the name it was signed under (else its file name).
fn chain_of(record: &DigestRecord, file: &CaseFile) -> ChainId {
    let name = record.s3_object.as_deref().unwrap_or(&file.path);
    layout::digest_chain(layout::file_name(name)).unwrap_or_else(|| ChainId {
        account: record.account_id.clone(),
        region: file
            .parts
            .as_ref()
            .map_or(String::new(), |p| p.region.clone()),
        trail: "?".into(),
        home_region: "?".into(),
        backfill: false,
    })
}

/// Every digest check, in the order of the digest files; and the covered periods.
pub fn check(ev: &CaseEvidence, index: &DigestIndex, ring: &KeyRing) -> (Vec<Row>, Runs) {
    let mut rows = Vec::new();
    let chains = chains(ev);
    let mut chain_rows: HashMap<usize, Row> = HashMap::new();
    let mut runs = Runs::new();
    for (id, members) in &chains {
        for (position, &r) in members.iter().enumerate() {
            chain_rows.insert(r, chain_row(ev, index, id, members, position));
        }
        let periods = runs
            .entry((id.account.clone(), id.region.clone()))
            .or_default();
        periods.extend(unbroken_periods(ev, members));
    }
    let mut signature_rows = signature_rows(ev, index, ring);
    for (f, file) in ev.files.iter().enumerate() {
        let Some(&r) = index.record_of.get(&f) else {
            let why = file
                .reason
                .clone()
                .unwrap_or_else(|| format!("read as {}", file.kind));
            rows.push(
                Row::about("digest_signature", file)
                    .status("invalid", true)
                    .detail(format!("not a readable CloudTrail digest: {why}")),
            );
            continue;
        };
        let record = &ev.digests[r];
        if let Some(row) = location_row(record, file) {
            rows.push(row);
        }
        rows.extend(signature_rows.remove(&r));
        rows.extend(chain_rows.remove(&r));
    }
    (rows, runs)
}

/// The signature check of every decoded digest, by record index: RSA verification is most of
/// the work, so it is spread over the cores.
fn signature_rows(ev: &CaseEvidence, index: &DigestIndex, ring: &KeyRing) -> HashMap<usize, Row> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = ev.digests.len().div_ceil(threads).max(1);
    let records: Vec<usize> = (0..ev.digests.len()).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = records
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|&r| {
                            let record = &ev.digests[r];
                            let file = &ev.files[record.file];
                            (r, signature_row(ev, index, ring, record, file))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// Decoded digests by chain, each chain in time order.
fn chains(ev: &CaseEvidence) -> BTreeMap<ChainId, Vec<usize>> {
    let mut chains: BTreeMap<ChainId, Vec<usize>> = BTreeMap::new();
    for (r, record) in ev.digests.iter().enumerate() {
        chains
            .entry(chain_of(record, &ev.files[record.file]))
            .or_default()
            .push(r);
    }
    for members in chains.values_mut() {
        members.sort_by_key(|&r| (ev.digests[r].end, ev.digests[r].start, r));
    }
    chains
}

/// The periods of a chain between null links (where logging or validation was off).
fn unbroken_periods(ev: &CaseEvidence, members: &[usize]) -> Vec<(i64, i64)> {
    let mut periods: Vec<(i64, i64)> = Vec::new();
    for (position, &r) in members.iter().enumerate() {
        let d = &ev.digests[r];
        match periods.last_mut() {
            Some(last) if position > 0 && d.previous_object.is_some() => last.1 = last.1.max(d.end),
            _ => periods.push((d.start, d.end)),
        }
    }
    periods
}

fn location_row(record: &DigestRecord, file: &CaseFile) -> Option<Row> {
    let object = record.s3_object.as_deref()?;
    let expected = key_of(object);
    let row = Row::about("digest_location", file);
    let mut row = Row {
        expected: Some(object.to_string()),
        actual: Some(file.key.clone().unwrap_or_else(|| file.path.clone())),
        ..row
    };
    let same = match &file.key {
        Some(key) => layout::match_key(key) == expected,
        None => {
            row.detail = "the path has no AWSLogs/ part: only the file name was compared".into();
            name_key(&file.path) == name_key(object)
        }
    };
    Some(if same {
        row.status("in_place", false)
    } else {
        let detail = "the digest was signed for another place (digestS3Object): it has been \
                      moved or copied from there";
        row.status("moved", true).detail(detail)
    })
}

/// The signatures known for a digest: (signature, where it came from, its source id).
fn signatures_for(
    ev: &CaseEvidence,
    index: &DigestIndex,
    record: &DigestRecord,
    key: &str,
) -> Vec<(String, String, Option<i32>)> {
    let mut found = Vec::new();
    for &s in index.successors.get(key).into_iter().flatten() {
        let next = &ev.digests[s];
        let same_bucket = match (&next.previous_bucket, &record.s3_bucket) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        if let (Some(sig), true) = (&next.previous_signature, same_bucket) {
            let file = &ev.files[next.file];
            found.push((sig.clone(), file.subject(), Some(file.source_id)));
        }
    }
    let name = name_key(key);
    let saved = index.saved_by_key.get(key).into_iter().flatten();
    for &s in saved.chain(index.saved_by_name.get(&name).into_iter().flatten()) {
        let saved = &ev.signatures[s];
        found.push((saved.signature.clone(), saved.origin.clone(), None));
    }
    found
}

/// When CloudTrail may have signed the digest: a key valid then is accepted. None: unknown
/// (a backfill digest whose generation time no saved signature gives).
fn signing_window(ev: &CaseEvidence, record: &DigestRecord, object: &str) -> Option<(i64, i64)> {
    if !layout::is_backfill(layout::file_name(object)) {
        return Some((record.end, record.end + SIGNING_WINDOW_MICROS));
    }
    let generated = ev.signatures.iter().find_map(|s| {
        (name_key(&s.s3_object) == name_key(object)).then_some(s.backfill_generated)?
    });
    generated.map(|g| (g - HOUR, g + HOUR))
}

fn signature_row(
    ev: &CaseEvidence,
    index: &DigestIndex,
    ring: &KeyRing,
    record: &DigestRecord,
    file: &CaseFile,
) -> Row {
    let mut row = Row::about("digest_signature", file);
    row.expected = record.fingerprint.clone();
    if let Some(missing) = &record.missing_fields {
        return row
            .status("invalid", true)
            .detail(format!("invalid format: the digest lacks {missing}"));
    }
    if let Some(algorithm) = record.algorithm.as_deref().filter(|a| *a != ALGORITHM) {
        return row
            .status("uncheckable", false)
            .detail(format!("signature algorithm {algorithm} is not supported"));
    }
    let (Some(content), Some(end_text), Some(bucket), Some(object)) = (
        &file.content_sha256,
        &record.end_text,
        &record.s3_bucket,
        &record.s3_object,
    ) else {
        return row
            .status("uncheckable", false)
            .detail("the digest's content could not be read to its end");
    };
    let key = key_of(object);
    let known = signatures_for(ev, index, record, &key);
    if known.is_empty() {
        let detail = "no signature known: the next digest is not in the case and no saved \
                      signature (--digest-signatures) names this digest";
        return row.status("uncheckable", false).detail(detail);
    }
    let window = signing_window(ev, record, object);
    let fingerprint = record.fingerprint.as_deref().unwrap_or("");
    let keys = match ring.select(fingerprint, window) {
        Ok(keys) => keys,
        Err(reason) => return row.status("uncheckable", false).detail(reason),
    };
    let message = signature::string_to_sign(
        end_text,
        bucket,
        object,
        content,
        record.previous_signature.as_deref(),
    );
    let mut reasons = Vec::new();
    for (sig, origin, origin_id) in &known {
        row.actual = Some(sig.clone());
        for key in &keys {
            match signature::verifies(key, message.as_bytes(), sig) {
                Ok(true) => {
                    row.vouching_digest = Some(origin.clone());
                    row.vouching_source_id = *origin_id;
                    return row.status("valid", false).detail(format!(
                        "signature from {origin} verifies with key {fingerprint} ({})",
                        key.origin
                    ));
                }
                Ok(false) => reasons.push(format!("the signature from {origin} does not verify")),
                Err(e) => reasons.push(format!("{e} (from {origin})")),
            }
        }
        row.vouching_digest = Some(origin.clone());
        row.vouching_source_id = *origin_id;
    }
    reasons.dedup();
    row.status("invalid", true).detail(format!(
        "{}: the digest, or the signature's source, was altered or signed with another key",
        reasons.join("; ")
    ))
}

fn chain_row(
    ev: &CaseEvidence,
    index: &DigestIndex,
    id: &ChainId,
    members: &[usize],
    position: usize,
) -> Row {
    let d = &ev.digests[members[position]];
    let file = &ev.files[d.file];
    let earlier = position.checked_sub(1).map(|p| &ev.digests[members[p]]);
    let mut row = Row::about("digest_chain", file);
    let chain = id.describe();
    let Some(previous) = &d.previous_object else {
        return match earlier {
            None => row.status("start", false).detail(format!(
                "the first digest of {chain} in the case; it names no previous digest"
            )),
            Some(e) => {
                row.unproven = Some((e.end, d.start));
                row.status("null_link", false).detail(format!(
                    "{chain}: no link to the previous digest (previousDigestSignature null): \
                     logging or log-file validation was off, or the trail was recreated, \
                     between the two digests"
                ))
            }
        };
    };
    row.expected = d.previous_hash.clone();
    row.vouching_digest = Some(previous.clone());
    let moved = index
        .find(previous)
        .is_none()
        .then(|| index.find_moved(previous))
        .flatten();
    if let Some(p) = moved {
        row.detail = format!(
            "the previous digest sits at {}, not where it was signed",
            ev.files[p].subject()
        );
    }
    let Some(p) = index.find(previous).or(moved) else {
        return match earlier {
            None => row.status("outside_case", false).detail(format!(
                "the previous digest {previous} is not in the case (the export starts here)"
            )),
            Some(e) => {
                row.unproven = Some((e.end, d.start));
                row.status("missing_previous", true).detail(format!(
                    "{chain}: the previous digest {previous} is missing from the case"
                ))
            }
        };
    };
    let prev_file = &ev.files[p];
    row.vouching_source_id = Some(prev_file.source_id);
    row.actual = prev_file.content_sha256.clone();
    if let Some(algorithm) = d
        .previous_hash_algorithm
        .as_deref()
        .filter(|a| *a != "SHA-256")
    {
        return row
            .status("uncheckable", false)
            .detail(format!("hash algorithm {algorithm} is not supported"));
    }
    let matches = match (&d.previous_hash, &prev_file.content_sha256) {
        (Some(expected), Some(actual)) => expected.eq_ignore_ascii_case(actual),
        _ => false,
    };
    if matches {
        return row.status("linked", false);
    }
    row.unproven = match index.record_of.get(&p).map(|&r| &ev.digests[r]) {
        Some(prev) => Some((prev.start, prev.end)),
        None => earlier.map(|e| (e.end, d.start)),
    };
    row.status("broken_link", true).detail(format!(
        "{chain}: previousDigestHashValue differs from the SHA-256 of {previous}: one of the two \
         digests was altered"
    ))
}
