//! `rootlens verify`: CloudTrail log-file validation, offline, on real archives signed by the
//! test keys in tests/fixtures/integrity/keys/ (written by tests/fixtures/integrity/generate.py),
//! and the differential check against aws-cli's own validator.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;

fn integrity_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/integrity")
}

fn case_dir(name: &str) -> PathBuf {
    integrity_dir().join("cases").join(name)
}

fn keys() -> PathBuf {
    integrity_dir().join("keys/public-keys.json")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Ingests `inputs` into a new case in `dir`; returns the case file.
fn ingest(dir: &Path, inputs: &Path) -> PathBuf {
    let db = dir.join("case.duckdb");
    let output = rootlens()
        .args(["ingest", "--quiet", "--db"])
        .arg(&db)
        .arg(inputs)
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 3)),
        "{}",
        text(&output)
    );
    db
}

fn verify(db: &Path, extra: &[&std::ffi::OsStr]) -> Output {
    rootlens()
        .args(["verify", "--db"])
        .arg(db)
        .args(extra)
        .output()
        .unwrap()
}

fn with_keys(db: &Path) -> Output {
    verify(db, &["--public-keys".as_ref(), keys().as_os_str()])
}

/// (check, status) -> rows, from the case's integrity table.
fn counts(db: &Path) -> BTreeMap<(String, String), u64> {
    let rows = query_json(
        db,
        "SELECT check_name, status, count(*) AS n FROM integrity GROUP BY ALL",
    );
    rows.iter()
        .map(|r| {
            (
                (
                    r["check_name"].as_str().unwrap().to_string(),
                    r["status"].as_str().unwrap().to_string(),
                ),
                r["n"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn query_json(db: &Path, sql: &str) -> Vec<serde_json::Value> {
    let output = rootlens()
        .args(["query", "--format", "json", "--db"])
        .arg(db)
        .arg(sql)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn count(counts: &BTreeMap<(String, String), u64>, check: &str, status: &str) -> u64 {
    counts
        .get(&(check.to_string(), status.to_string()))
        .copied()
        .unwrap_or(0)
}

/// What each fixture case must give, with the keys: exit status and the counts that matter.
/// (check, status, rows)
type Counts = &'static [(&'static str, &'static str, u64)];

const EXPECTED: &[(&str, i32, Counts)] = &[
    (
        "clean",
        0,
        &[
            ("log_file", "verified", 9),
            ("digest_signature", "valid", 5),
            ("digest_chain", "linked", 3),
            ("digest_location", "in_place", 5),
        ],
    ),
    (
        "modified-log",
        1,
        &[
            ("log_file", "modified", 1),
            ("log_file", "verified", 8),
            ("digest_signature", "valid", 5),
        ],
    ),
    (
        "deleted-log",
        1,
        &[("log_file", "missing", 1), ("log_file", "verified", 8)],
    ),
    (
        "deleted-digest",
        1,
        &[
            ("digest_chain", "missing_previous", 1),
            ("log_file", "unlisted", 2),
            ("digest_signature", "uncheckable", 1),
        ],
    ),
    (
        "forged-digest",
        1,
        &[
            ("digest_signature", "invalid", 1),
            ("digest_signature", "valid", 4),
            ("log_file", "unlisted", 1),
        ],
    ),
    (
        "unknown-fingerprint",
        0,
        &[
            ("digest_signature", "uncheckable", 5),
            ("log_file", "verified", 9),
        ],
    ),
    (
        "null-link",
        0,
        &[
            ("digest_chain", "null_link", 1),
            ("log_file", "verified", 7),
        ],
    ),
    (
        "unlisted-log",
        1,
        &[("log_file", "unlisted", 1), ("log_file", "verified", 9)],
    ),
    ("expired-key", 0, &[("digest_signature", "uncheckable", 5)]),
    (
        "moved-digest",
        1,
        &[
            ("digest_location", "moved", 1),
            ("digest_signature", "valid", 5),
            ("digest_chain", "linked", 3),
        ],
    ),
];

#[test]
fn every_fixture_case_gets_its_verdict_and_exit_status() {
    for (case, exit, expected) in EXPECTED {
        let dir = tempfile::tempdir().unwrap();
        let db = ingest(dir.path(), &case_dir(case));
        let output = with_keys(&db);
        assert_eq!(
            output.status.code(),
            Some(*exit),
            "{case}: {}",
            text(&output)
        );
        let found = counts(&db);
        for (check, status, n) in *expected {
            assert_eq!(
                count(&found, check, status),
                *n,
                "{case}: {check} {status}: {found:?}"
            );
        }
        let problems: u64 = query_json(&db, "SELECT count(*) AS n FROM integrity WHERE problem")[0]
            ["n"]
            .as_u64()
            .unwrap();
        assert_eq!(problems > 0, *exit == 1, "{case}: {found:?}");
    }
}

#[test]
fn unchecked_signatures_are_said_plainly_and_fail_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = ingest(dir.path(), &case_dir("clean"));
    let output = verify(&db, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("signatures were NOT verified"), "{stdout}");
    assert!(stdout.contains("9 verified"), "{stdout}");
    let summary = &query_json(
        &db,
        "SELECT verdict, digests_uncheckable FROM integrity_summary",
    )[0];
    assert_eq!(summary["verdict"], "partly_verified");
    assert_eq!(summary["digests_uncheckable"], 5);
    // The keys given once stay in the case.
    assert_eq!(with_keys(&db).status.code(), Some(0));
    let output = verify(&db, &[]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("5 valid"));
}

#[test]
fn a_copy_re_rooted_elsewhere_still_matches() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("evidence/export-2024/bucket-copy");
    copy_dir(&case_dir("clean"), &copy);
    let db = ingest(dir.path(), &dir.path().join("evidence"));
    assert_eq!(with_keys(&db).status.code(), Some(0));
    let intact = query_json(
        &db,
        "SELECT count(*) FILTER (WHERE integrity = 'intact') AS intact, count(*) AS n FROM event_integrity",
    );
    assert_eq!(intact[0]["intact"], intact[0]["n"]);
}

/// Log files saved without their `AWSLogs/` folders are matched to the digests by name, and
/// every file is checked however many the case holds (they are read a page at a time).
#[test]
fn flattened_log_files_are_matched_by_name_among_thousands_of_files() {
    const EXTRA: usize = 4200;
    let dir = tempfile::tempdir().unwrap();
    let evidence = dir.path().join("evidence");
    for file in walk(&case_dir("clean")) {
        let relative = file.strip_prefix(case_dir("clean")).unwrap();
        let digest = relative.to_string_lossy().contains("CloudTrail-Digest");
        let target = if digest {
            evidence.join("digests").join(relative)
        } else {
            evidence.join("z-flat").join(file.file_name().unwrap())
        };
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&file, &target).unwrap();
    }
    // Files read before the flattened ones, so these land on a later page of sources.
    let many = evidence.join("a-many");
    std::fs::create_dir_all(&many).unwrap();
    for i in 0..EXTRA {
        let record = event(
            &format!("many-{i}"),
            "111122223333",
            "GetObject",
            "2024-05-01T12:00:00Z",
        );
        std::fs::write(many.join(format!("e{i:05}.json")), records(&[record])).unwrap();
    }
    let db = ingest(dir.path(), &evidence);
    let output = with_keys(&db);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let counts = counts(&db);
    assert_eq!(count(&counts, "log_file", "verified"), 9, "{counts:?}");
    assert_eq!(count(&counts, "log_file", "not_covered"), EXTRA as u64);
    assert_eq!(count(&counts, "digest_signature", "valid"), 5);
}

#[test]
fn events_carry_the_integrity_of_their_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = ingest(dir.path(), &case_dir("modified-log"));
    with_keys(&db);
    let rows = query_json(
        &db,
        "SELECT integrity, count(*) AS n FROM event_integrity GROUP BY ALL ORDER BY 1",
    );
    assert_eq!(rows[0]["integrity"], "intact");
    assert_eq!(rows[1]["integrity"], "modified");
    assert_eq!(rows[1]["n"], 3);
}

#[test]
fn head_object_output_named_after_the_digest_supplies_the_newest_signature() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    copy_dir(&case_dir("clean"), &inputs);
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(inputs.join("signatures.json")).unwrap()).unwrap();
    std::fs::remove_file(inputs.join("signatures.json")).unwrap();
    let newest = &saved["DigestSignatures"][0];
    let name = newest["DigestS3Object"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap();
    let head = dir.path().join(format!("{name}.head.json"));
    let output = serde_json::json!({"AcceptRanges": "bytes", "ContentLength": 900, "ETag": "\"x\"",
        "ContentType": "application/json", "Metadata": {"signature": newest["Signature"],
        "signature-algorithm": "SHA256withRSA"}});
    std::fs::write(&head, output.to_string()).unwrap();
    let db = ingest(dir.path(), &inputs);
    let output = verify(
        &db,
        &[
            "--public-keys".as_ref(),
            keys().as_os_str(),
            "--digest-signatures".as_ref(),
            head.as_os_str(),
        ],
    );
    let found = counts(&db);
    // The backfill digest's signature was only in signatures.json: now unknown.
    assert_eq!(
        count(&found, "digest_signature", "valid"),
        4,
        "{}",
        text(&output)
    );
    assert_eq!(count(&found, "digest_signature", "uncheckable"), 1);
}

#[test]
fn investigate_with_public_keys_verifies_as_part_of_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("case");
    let output = rootlens()
        .args(["investigate", "--quiet", "--out"])
        .arg(&out)
        .arg("--public-keys")
        .arg(keys())
        .arg(case_dir("forged-digest"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let db = out.join("case.duckdb");
    assert_eq!(
        query_json(&db, "SELECT verdict FROM integrity_summary")[0]["verdict"],
        "problems"
    );
    let findings: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("findings.json")).unwrap()).unwrap();
    let invalid = findings["investigations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "digest-signature-invalid")
        .unwrap();
    assert_eq!(invalid["row_count"], 1);
}

#[test]
fn a_malformed_key_file_is_an_error_naming_it_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = ingest(dir.path(), &case_dir("modified-log"));
    let bad = dir.path().join("keys.json");
    std::fs::write(
        &bad,
        r#"{"PublicKeyList":[{"Fingerprint":"ab","Value":"bm90IGEga2V5"}]}"#,
    )
    .unwrap();
    let before = counts(&db);
    let output = verify(&db, &["--public-keys".as_ref(), bad.as_os_str()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("keys.json") && stderr.contains("PublicKeyList[0] (Fingerprint ab)"),
        "{stderr}"
    );
    assert_eq!(counts(&db), before);
    let missing = verify(
        &db,
        &[
            "--public-keys".as_ref(),
            dir.path().join("nope").as_os_str(),
        ],
    );
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn a_signature_that_is_not_hex_is_an_error_naming_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let db = ingest(dir.path(), &case_dir("clean"));
    let bad = dir.path().join("sigs.json");
    std::fs::write(
        &bad,
        r#"{"DigestSignatures":[{"DigestS3Object":"x","Signature":"not-hex!"}]}"#,
    )
    .unwrap();
    let output = verify(&db, &["--digest-signatures".as_ref(), bad.as_os_str()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("sigs.json")
            && stderr.contains("DigestSignatures[0]")
            && stderr.contains("not hex"),
        "{stderr}"
    );
}

#[test]
fn a_digest_that_is_not_json_is_invalid_and_the_rest_is_still_verified() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    copy_dir(&case_dir("clean"), &inputs);
    let digest = walk(&inputs)
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with("T200512Z.json.gz"))
        .unwrap();
    std::fs::write(&digest, gzip(b"this is not a digest")).unwrap();
    let db = ingest(dir.path(), &inputs);
    let output = with_keys(&db);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let found = counts(&db);
    assert_eq!(count(&found, "digest_signature", "invalid"), 1, "{found:?}");
    assert_eq!(count(&found, "digest_chain", "broken_link"), 1, "{found:?}");
    assert_eq!(count(&found, "log_file", "verified"), 7, "{found:?}");
    let detail =
        &query_json(&db, "SELECT detail FROM integrity WHERE status = 'invalid'")[0]["detail"];
    assert!(
        detail
            .as_str()
            .unwrap()
            .contains("not a readable CloudTrail digest"),
        "{detail}"
    );
}

#[test]
fn verify_needs_an_existing_case() {
    let dir = tempfile::tempdir().unwrap();
    let output = verify(&dir.path().join("none.duckdb"), &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(!dir.path().join("none.duckdb").exists());
}

// ---- differential check against aws-cli ----------------------------------------------------

/// The venv's python with aws-cli installed: $ROOTLENS_AWSCLI_PYTHON, or the venv .ci/run
/// creates. Under CI a missing one fails the test.
fn awscli_python() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("ROOTLENS_AWSCLI_PYTHON").map(PathBuf::from),
        std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join(".cache/rootlens-awscli-venv/bin/python")),
        Some(PathBuf::from(
            "/root/.cache/rootlens-awscli-venv/bin/python",
        )),
    ];
    let found = candidates.into_iter().flatten().find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI: no aws-cli venv (set ROOTLENS_AWSCLI_PYTHON or run .ci/run)"
        );
        eprintln!(
            "skipped: no aws-cli venv (python3 -m venv ~/.cache/rootlens-awscli-venv && \
                   ~/.cache/rootlens-awscli-venv/bin/pip install awscli)"
        );
    }
    found
}

#[test]
fn aws_cli_agrees_on_every_fixture_digest_and_log_file() {
    let Some(python) = awscli_python() else {
        return;
    };
    let script = integrity_dir().join("awscli_check.py");
    let mut compared = 0;
    for (case, _, _) in EXPECTED {
        let dir = tempfile::tempdir().unwrap();
        let db = ingest(dir.path(), &case_dir(case));
        with_keys(&db);
        let output = std::process::Command::new(&python)
            .arg(&script)
            .arg(case_dir(case))
            .arg(keys())
            .arg(case_dir(case).join("signatures.json"))
            .output()
            .unwrap();
        assert!(output.status.success(), "{case}: {}", text(&output));
        let theirs: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let ours = |check: &str, extra: &str| -> serde_json::Value {
            let rows = query_json(&db, &format!(
                "SELECT subject, status FROM integrity WHERE check_name = '{check}' {extra} ORDER BY subject"
            ));
            rows.iter()
                .map(|r| {
                    (
                        r["subject"].as_str().unwrap().to_string(),
                        r["status"].clone(),
                    )
                })
                .collect::<serde_json::Map<_, _>>()
                .into()
        };
        assert_eq!(
            ours("digest_signature", ""),
            theirs["digests"],
            "{case}: signatures"
        );
        assert_eq!(
            ours("digest_location", ""),
            theirs["locations"],
            "{case}: locations"
        );
        assert_eq!(
            ours("log_file", "AND vouching_digest IS NOT NULL"),
            theirs["log_files"],
            "{case}: listed log files"
        );
        compared += theirs["digests"].as_object().unwrap().len();
    }
    assert!(compared >= 45, "only {compared} digests compared");
}

// ---- helpers ---------------------------------------------------------------------------------

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn copy_dir(from: &Path, to: &Path) {
    for file in walk(from) {
        let target = to.join(file.strip_prefix(from).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&file, &target).unwrap();
    }
}
