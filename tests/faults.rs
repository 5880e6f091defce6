//! Faults around the evidence and the case. Case files that cannot be used as they are (not a
//! DuckDB file, damaged, another tool's database, a newer rootlens's case, one another process
//! holds) get a clear error (or, for reading a newer case, a warning) naming the case, exit
//! status 2, and the file unchanged. Input trees with loops and hostile file names lose nothing.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use sha2::{Digest, Sha256};

fn sha256(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

/// A small real case: one CloudTrail file ingested.
fn small_case(dir: &Path) -> PathBuf {
    let events: Vec<_> = (0..50)
        .map(|i| {
            event(
                &format!("00000000-0000-4000-8000-{i:012}"),
                PROD,
                "ListUsers",
                "2024-05-01T10:00:00Z",
            )
        })
        .collect();
    let export = dir.join("export");
    write(
        &export,
        &s3_key(PROD, "us-east-1", "20240501", "1000"),
        &gzip(&records(&events)),
    );
    let db = dir.join("case.duckdb");
    let out = ingest(&db, &export);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    db
}

/// `rootlens ingest --db case input`.
fn ingest(case: &Path, input: &Path) -> std::process::Output {
    rootlens()
        .args(["ingest", "--db"])
        .arg(case)
        .arg(input)
        .output()
        .unwrap()
}

/// Runs rootlens with `args` followed by `--db case`, returning (exit code, stderr).
fn on_case(args: &[&str], case: &Path) -> (Option<i32>, String) {
    let out = rootlens()
        .args(args)
        .arg("--db")
        .arg(case)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn an_input(dir: &Path) -> PathBuf {
    let export = dir.join("more");
    write(
        &export,
        "more.json",
        &records(&[event(
            "11111111-0000-4000-8000-000000000001",
            PROD,
            "GetUser",
            "2024-05-02T10:00:00Z",
        )]),
    );
    export
}

#[test]
fn a_file_that_is_not_duckdb_is_refused_and_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("notes.duckdb");
    std::fs::write(&case, "meeting notes, not a database\n").unwrap();
    let before = sha256(&case);
    let input = an_input(dir.path());
    for args in [
        vec!["run"],
        vec!["report", "--out", "r.html"],
        vec!["query", "SELECT 1"],
    ] {
        let (code, stderr) = on_case(&args, &case);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("notes.duckdb is not a case file"),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let out = ingest(&case, &input);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a case file"));
    assert_eq!(sha256(&case), before, "the file was changed");
}

#[test]
fn a_truncated_case_is_reported_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let case = small_case(dir.path());
    let bytes = std::fs::read(&case).unwrap();
    let truncated = dir.path().join("truncated.duckdb");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let before = sha256(&truncated);
    // Every read of a missing block fails (a count from metadata alone may still answer).
    for args in [
        vec!["run"],
        vec!["query", "SELECT max(raw) FROM event_records"],
    ] {
        let (code, stderr) = on_case(&args, &truncated);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("is damaged or truncated") && stderr.contains("truncated.duckdb"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    assert_eq!(sha256(&truncated), before);
}

#[test]
fn another_tools_duckdb_database_is_not_written_into() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("analytics.duckdb");
    {
        let conn = duckdb::Connection::open(&case).unwrap();
        conn.execute_batch("CREATE TABLE sales (region VARCHAR, amount INTEGER); INSERT INTO sales VALUES ('emea', 3);")
            .unwrap();
    }
    let before = sha256(&case);
    let input = an_input(dir.path());
    let out = ingest(&case, &input);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("analytics.duckdb is a DuckDB database but not a rootlens case"),
        "{stderr}"
    );
    let (code, stderr) = on_case(&["run"], &case);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("not a rootlens case"), "{stderr}");
    assert_eq!(sha256(&case), before, "another tool's database was changed");
}

#[test]
fn a_newer_rootlens_case_is_read_with_a_warning_and_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let case = small_case(dir.path());
    {
        let conn = duckdb::Connection::open(&case).unwrap();
        conn.execute_batch(
            "UPDATE case_meta SET value = '99' WHERE key = 'schema_version';
             UPDATE case_meta SET value = 'rootlens 9.0.0' WHERE key = 'last_written_by';",
        )
        .unwrap();
    }
    let before = sha256(&case);
    let input = an_input(dir.path());
    let out = ingest(&case, &input);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "was written by a newer rootlens (schema 99, last written by rootlens 9.0.0)"
        ),
        "{stderr}"
    );
    assert_eq!(sha256(&case), before, "a newer case was written");

    let out = rootlens()
        .args(["query", "--db"])
        .arg(&case)
        .args(["--format", "csv", "SELECT count(*) AS n FROM events"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("warning: the case"), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "n\n50");
}

#[test]
fn a_case_another_process_holds_names_that_process() {
    let dir = tempfile::tempdir().unwrap();
    let case = small_case(dir.path());
    let input = an_input(dir.path());
    // This test process holds the case open for writing, as a running ingest would.
    let holder = duckdb::Connection::open(&case).unwrap();
    let pid = format!("PID {}", std::process::id());
    let out = ingest(&case, &input);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is in use by another process"), "{stderr}");
    assert!(stderr.contains(&pid), "{stderr}");
    for args in [vec!["run"], vec!["query", "SELECT 1"]] {
        let (code, stderr) = on_case(&args, &case);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(&pid), "{args:?}: {stderr}");
    }
    drop(holder);
    // Once the holder is gone, the same ingest completes and nothing was lost.
    let out = ingest(&case, &input);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(scalar(&case, "SELECT count(*) FROM events"), "51");
}

#[test]
fn hostile_file_names_and_a_symlink_loop_lose_nothing() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    let event_file = |id: &str| records(&[event(id, PROD, "ListUsers", "2024-05-01T10:00:00Z")]);
    write(
        &tree,
        "evil\x1b[31mred\x07.json",
        &event_file("aaaaaaaa-0000-4000-8000-000000000001"),
    );
    let invalid = std::ffi::OsStr::from_bytes(b"bad\xffname.json");
    std::fs::write(
        tree.join(invalid),
        event_file("aaaaaaaa-0000-4000-8000-000000000002"),
    )
    .unwrap();
    std::os::unix::fs::symlink(".", tree.join("loop")).unwrap();
    let db = dir.path().join("case.duckdb");
    let out = ingest(&db, &tree);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The loop is an input that could not be read: exit status 3, and the rest is loaded.
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        !stdout.contains('\x1b') && !stderr.contains('\x1b'),
        "raw escape printed"
    );
    assert!(stderr.contains("File system loop found"), "{stderr}");
    assert_eq!(scalar(&db, "SELECT count(*) FROM events"), "2");
    assert_eq!(
        scalar(&db, "SELECT count(*) FROM sources WHERE status = 'loaded'"),
        "2"
    );
    let names = sql(
        &db,
        "SELECT path FROM sources WHERE status = 'loaded' ORDER BY path",
    );
    assert!(names[0][0].ends_with("bad\u{fffd}name.json"), "{names:?}");
    assert!(
        names[1][0].ends_with("evil\x1b[31mred\x07.json"),
        "{names:?}"
    );
    let loop_errors = scalar(
        &db,
        "SELECT count(*) FROM load_errors WHERE cause LIKE '%File system loop found%'",
    );
    assert_eq!(loop_errors, "1");
}

#[test]
fn a_full_disk_stops_ingest_cleanly_and_a_second_run_completes_the_case() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    const FILES: usize = 40;
    const PER_FILE: usize = 400;
    for f in 0..FILES {
        let events: Vec<_> = (0..PER_FILE)
            .map(|i| {
                let mut e = event(
                    &format!("cccccccc-0000-4000-8000-{f:04}{i:08}"),
                    PROD,
                    "PutObject",
                    "2024-05-01T10:00:00Z",
                );
                // Content that does not compress away, so the case outgrows the limit.
                let noise: String = (0..8)
                    .map(|k| hex::encode(Sha256::digest(format!("{f}-{i}-{k}"))))
                    .collect();
                e["requestParameters"] = serde_json::json!({ "key": noise });
                e
            })
            .collect();
        write(
            &export,
            &s3_key(
                PROD,
                "us-east-1",
                "2024/05/01",
                &format!("20240501T10{f:02}Z"),
            ),
            &gzip(&records(&events)),
        );
    }
    let db = dir.path().join("case.duckdb");
    let binary = assert_cmd::cargo::cargo_bin("rootlens");
    // A 4 MB file size limit stands in for a full disk: writes past it fail with EFBIG (SIGXFSZ
    // ignored, as a shell's trap passes on to the program it runs).
    let limited = std::process::Command::new("bash")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 4096; exec \"$0\" ingest --commit-every 800 --db \"$1\" \"$2\"")
        .arg(&binary)
        .arg(&db)
        .arg(&export)
        .env_clear()
        .env("ROOTLENS_NO_SYSTEM_GEOIP", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&limited.stderr);
    assert_eq!(limited.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("ingest into the case"), "{stderr}");
    assert!(
        stderr.contains("the disk is full or a file size limit was reached"),
        "{stderr}"
    );
    assert!(stderr.contains("were not loaded"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    // The case opens and holds whole files only.
    let loaded: usize = scalar(&db, "SELECT count(*) FROM sources WHERE status = 'loaded'")
        .parse()
        .unwrap();
    assert!(loaded < FILES, "the limit was never hit");
    assert!(
        loaded > 0,
        "nothing was committed before the limit: {stderr}"
    );
    assert_eq!(
        scalar(&db, "SELECT count(*) FROM events"),
        (loaded * PER_FILE).to_string()
    );

    // With room again, the same ingest completes the case without adding anything twice.
    let out = ingest(&db, &export);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        scalar(&db, "SELECT count(*) FROM events"),
        (FILES * PER_FILE).to_string()
    );
    assert_eq!(
        scalar(&db, "SELECT count(*) FROM sources WHERE status = 'loaded'"),
        FILES.to_string()
    );
    assert_eq!(scalar(&db, "SELECT count(*) FROM duplicate_events"), "0");
}

/// The load_errors and sources rows of a case, for assertions: (path, status, events, cause).
fn file_results(db: &Path) -> Vec<Vec<String>> {
    sql(
        db,
        "SELECT regexp_extract(s.path, '[^/]+$'), s.status, s.events, coalesce(e.cause, '')
         FROM sources s LEFT JOIN load_errors e USING (source_id) ORDER BY 1",
    )
}

#[test]
fn a_record_of_a_hundred_megabytes_is_skipped_and_the_rest_of_its_file_loads() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    let mut huge = event("e-huge", PROD, "PutObject", "2024-05-01T10:00:02Z");
    huge["requestParameters"] = serde_json::json!({ "blob": "a".repeat(100 << 20) });
    let events = [
        event("e-0", PROD, "ListUsers", "2024-05-01T10:00:00Z"),
        event("e-1", PROD, "ListUsers", "2024-05-01T10:00:01Z"),
        huge,
        event("e-3", PROD, "ListUsers", "2024-05-01T10:00:03Z"),
    ];
    write(
        &export,
        &s3_key(PROD, "us-east-1", "20240501", "1000"),
        &gzip(&records(&events)),
    );
    let db = dir.path().join("case.duckdb");
    let out = ingest(&db, &export);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let rows = file_results(&db);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][1..3], ["partial", "3"]);
    assert!(
        rows[0][3].contains("is larger than the 67108864 allowed; skipped"),
        "{rows:?}"
    );
    assert_eq!(
        sql(&db, "SELECT event_id FROM events ORDER BY 1"),
        [["e-0"], ["e-1"], ["e-3"]]
    );
}

#[test]
fn json_nested_two_hundred_thousand_levels_deep_loads_and_investigations_run() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    let depth = 200_000;
    let plain =
        serde_json::to_string(&event("e-0", PROD, "ListUsers", "2024-05-01T10:00:00Z")).unwrap();
    let nested = |id: &str, part: &str, open: &str, inner: &str, close: &str| {
        let mut base = event(id, PROD, "GetObject", "2024-05-01T10:00:01Z");
        // The deep value replaces the key (a key twice is a rejected record).
        base.as_object_mut().unwrap().remove(part);
        let base = serde_json::to_string(&base).unwrap();
        format!(
            "{},\"{part}\":{}{inner}{}}}",
            &base[..base.len() - 1],
            open.repeat(depth),
            close.repeat(depth)
        )
    };
    let arrays = nested("e-1", "requestParameters", "[", "", "]");
    let objects = nested("e-2", "serviceEventDetails", "{\"a\":", "1", "}");
    write(
        &export,
        "deep.json",
        format!("{{\"Records\":[{plain},{arrays},{objects}]}}").as_bytes(),
    );
    let db = dir.path().join("case.duckdb");
    let out = ingest(&db, &export);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(scalar(&db, "SELECT count(*) FROM events"), "3");
    let run = rootlens().args(["run", "--db"]).arg(&db).output().unwrap();
    assert!(matches!(run.status.code(), Some(0 | 1)), "{run:?}");
}

#[test]
fn a_credential_report_of_a_million_rows_is_refused_in_bounded_memory_and_nothing_else_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    let mut report = credential_report(PROD);
    let row = report.lines().nth(2).unwrap().to_string();
    for i in 0..1_000_000 {
        report.push_str(&row.replacen("alice", &format!("user{i}"), 2));
        report.push('\n');
    }
    write(
        &export,
        &format!("{PROD}_credential_report_2024-05-01T08-00-00Z.csv.gz"),
        &gzip(report.as_bytes()),
    );
    write(
        &export,
        &format!("{PROD}_credential_report_2024-05-02T08-00-00Z.csv"),
        credential_report(PROD).as_bytes(),
    );
    let db = dir.path().join("case.duckdb");
    let out = ingest(&db, &export);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let rows = file_results(&db);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0][1..3], ["failed", "0"], "{rows:?}");
    assert_eq!(rows[1][1..3], ["loaded", "2"], "{rows:?}");
    assert!(
        rows[0][3].contains("a credential report larger than 16 MiB"),
        "{rows:?}"
    );
    assert_eq!(scalar(&db, "SELECT count(*) FROM credential_report"), "2");
}
