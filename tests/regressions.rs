//! Regression tests, each named after the bug it pins.

mod common;

use std::path::{Path, PathBuf};

use common::{event, gzip, records, rootlens, s3_key, scalar, write, PROD};

/// A temporary folder holding `export/` with one CloudTrail file of one event.
fn export_with_one_event() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    one_good_file(&export);
    (dir, export)
}

fn one_good_file(export: &Path) -> PathBuf {
    write(
        export,
        &s3_key(PROD, "us-east-1", "20240501", "1200"),
        &gzip(&records(&[event(
            "e-1",
            PROD,
            "ListUsers",
            "2024-05-01T12:00:00Z",
        )])),
    )
}

/// Runs rootlens; its exit code and stderr.
fn run(args: &[&std::ffi::OsStr]) -> (Option<i32>, String) {
    let output = rootlens().args(args).output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn ingest(db: &Path, inputs: &[&Path]) -> (Option<i32>, String) {
    let mut args = vec!["ingest".as_ref(), "--db".as_ref(), db.as_os_str()];
    args.extend(inputs.iter().map(|p| p.as_os_str()));
    run(&args)
}

/// `investigate EXPORT --out OUT EXTRA…`.
fn investigate(export: &Path, out: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let mut args = vec![
        "investigate".as_ref(),
        export.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ];
    args.extend(extra.iter().map(|a| std::ffi::OsStr::new(*a)));
    run(&args)
}

#[test]
fn files_discovery_cannot_read_are_recorded_in_sources_and_load_errors() {
    let (dir, export) = export_with_one_event();
    // A dangling link: discovery cannot read what it points to (root reads every mode, so a
    // permission bit would not do).
    let link = export.join("gone.json");
    std::os::unix::fs::symlink(dir.path().join("nowhere.json"), &link).unwrap();
    let db = dir.path().join("case.duckdb");

    for attempt in 0..2 {
        let (code, stderr) = ingest(&db, &[&export]);
        assert_eq!(code, Some(3), "attempt {attempt}: {stderr}");
        assert!(stderr.contains("gone.json"), "{stderr}");
        // The record of the earlier attempt is replaced, never repeated.
        assert_eq!(
            scalar(
                &db,
                "SELECT count(*) || ' ' || min(status) || ' ' || min(kind) FROM sources WHERE path LIKE '%gone.json'"
            ),
            "1 failed unknown"
        );
        let cause = scalar(
            &db,
            "SELECT cause FROM load_errors WHERE path LIKE '%gone.json'",
        );
        assert!(cause.starts_with("cannot list"), "{cause}");
        assert_eq!(scalar(&db, "SELECT count(*) FROM events"), "1");
    }

    // Once the link points at a readable file, its failed record gives way to the loaded one.
    std::fs::remove_file(&link).unwrap();
    std::fs::write(
        &link,
        records(&[event("e-2", PROD, "ListRoles", "2024-05-01T12:05:00Z")]),
    )
    .unwrap();
    let (code, stderr) = ingest(&db, &[&export]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        scalar(
            &db,
            "SELECT string_agg(status, ',') FROM sources WHERE path LIKE '%gone.json'"
        ),
        "loaded"
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT count(*) FROM load_errors WHERE path LIKE '%gone.json'"
        ),
        "0"
    );
}

#[test]
fn a_digest_that_does_not_parse_is_a_load_error() {
    let (dir, export) = export_with_one_event();
    let digest_dir = format!("AWSLogs/{PROD}/CloudTrail-Digest/us-east-1/2024/05/01");
    // A digest whose start time is a number: it used to become a row of empty fields.
    write(
        &export,
        &format!("{digest_dir}/{PROD}_CloudTrail-Digest_us-east-1_trail_us-east-1_20240501T130000Z.json.gz"),
        &gzip(br#"{"awsAccountId":"111122223333","digestStartTime":5,"digestEndTime":"2024-05-01T13:00:00Z","logFiles":[]}"#),
    );
    write(
        &export,
        &format!("{digest_dir}/{PROD}_CloudTrail-Digest_us-east-1_trail_us-east-1_20240501T140000Z.json.gz"),
        &gzip(br#"{"awsAccountId":"111122223333","digestStartTime":"2024-05-01T13:00:00Z","digestEndTime":"2024-05-01T14:00:00Z","previousDigestHashValue":"ab","logFiles":[{"s3Object":"x"}]}"#),
    );
    let db = dir.path().join("case.duckdb");
    let (code, stderr) = ingest(&db, &[&export]);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("T130000Z.json.gz"), "{stderr}");
    let cause = scalar(
        &db,
        "SELECT cause FROM load_errors WHERE path LIKE '%T130000Z.json.gz'",
    );
    assert!(cause.contains("not a CloudTrail digest"), "{cause}");
    assert_eq!(
        scalar(
            &db,
            "SELECT account_id || ' ' || log_file_count || ' ' || previous_digest_hash || ' ' || digest_end_time FROM digests"
        ),
        "111122223333 1 ab 2024-05-01 14:00:00"
    );
}

/// A case with one event, and a folder holding an investigation whose SQL fails when it runs.
fn case_and_failing_investigation(dir: &Path) -> (PathBuf, PathBuf) {
    let export = dir.join("export");
    one_good_file(&export);
    let db = dir.join("case.duckdb");
    let (code, stderr) = ingest(&db, &[&export]);
    assert_eq!(code, Some(0), "{stderr}");
    let ours = dir.join("ours");
    write(
        &ours,
        "broken.sql",
        b"-- id: team-broken\n-- title: Fails at run time\n-- severity: high\n-- category: team\n\
-- source: cloudtrail\n-- description: d\n-- next: n\n\
SELECT CAST(event_name AS INTEGER) AS n FROM events ORDER BY 1\n",
    );
    (db, ours)
}

#[test]
fn report_exits_2_when_an_investigation_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (db, ours) = case_and_failing_investigation(dir.path());
    let html = dir.path().join("report.html");
    let output = rootlens()
        .args(["report", "--db"])
        .arg(&db)
        .arg("--queries")
        .arg(&ours)
        .arg("--out")
        .arg(&html)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("investigation team-broken failed"),
        "{stderr}"
    );
    // The report is still written: one failed investigation does not hide the others.
    let report = std::fs::read_to_string(&html).unwrap();
    assert!(report.contains("team-broken"));
}

#[test]
fn help_lists_every_exit_code() {
    let output = rootlens().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    for code in [
        "0 success",
        "1 findings at or above --fail-on",
        "2 usage",
        "3 finished",
    ] {
        assert!(help.contains(code), "`{code}` missing from:\n{help}");
    }
}

#[test]
fn investigate_honours_the_ingest_settings() {
    // `investigate` used to build its own ingest options and drop --max-decompressed-mb.
    let (dir, export) = export_with_one_event();
    write(&export, "bomb.json.gz", &gzip(&vec![b' '; 3 << 20]));
    let out = dir.path().join("case");
    let (code, stderr) = investigate(
        &export,
        &out,
        &["--max-decompressed-mb", "1", "--threads", "1", "--quiet"],
    );
    assert_eq!(code, Some(3), "{stderr}");
    let db = out.join("case.duckdb");
    let cause = scalar(
        &db,
        "SELECT cause FROM load_errors WHERE path LIKE '%bomb.json.gz'",
    );
    assert!(
        cause.contains("1 MiB") || cause.contains("1048576"),
        "{cause}"
    );
}

#[test]
fn investigate_honours_the_run_selection() {
    let (dir, export) = export_with_one_event();
    let out = dir.path().join("case");
    let (code, stderr) = investigate(&export, &out, &["--only", "root", "--quiet"]);
    assert_eq!(code, Some(0), "{stderr}");
    let findings: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("findings.json")).unwrap()).unwrap();
    let categories: Vec<&str> = findings["investigations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["category"].as_str().unwrap())
        .collect();
    assert!(!categories.is_empty());
    assert!(categories.iter().all(|c| *c == "root"), "{categories:?}");
}

#[test]
fn an_empty_time_window_is_a_usage_error() {
    let (dir, export) = export_with_one_event();
    let db = dir.path().join("case.duckdb");
    ingest(&db, &[&export]);
    let output = rootlens()
        .args(["run", "--db"])
        .arg(&db)
        .args(["--since", "2024-06-01", "--until", "2024-05-01"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is not before --until"), "{stderr}");
}

/// Found by the `mmdb` fuzz target: a City database whose metadata claims a search tree longer
/// than the file made maxminddb 0.27.3 index past its buffer while opening it, a panic. The file
/// is now refused with a message naming it, before maxminddb reads it.
#[test]
fn a_geo_database_whose_search_tree_runs_past_the_file_end_is_refused_with_a_message() {
    let (dir, export) = export_with_one_event();
    let mmdb = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/regressions/mmdb-search-tree-past-the-end.mmdb");
    let db = dir.path().join("case.duckdb");
    let (code, stderr) = run(&[
        "ingest".as_ref(),
        "--db".as_ref(),
        db.as_os_str(),
        "--geoip-city".as_ref(),
        mmdb.as_os_str(),
        export.as_os_str(),
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("mmdb-search-tree-past-the-end.mmdb is not a usable MaxMind DB file"),
        "{stderr}"
    );
}
