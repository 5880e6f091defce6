//! The case for other engines: `export parquet` (every table, events partitioned, idempotent,
//! crafted partition values made harmless), `queries export` (the library and the case's SQL
//! as files), the portability check of `queries lint`, and `report --findings` without a case.

mod common;

use std::path::Path;

use common::*;
use serde_json::json;

/// A case holding a few events of two accounts, one of them with a crafted account id.
fn case(dir: &Path) -> std::path::PathBuf {
    let mut crafted = event("e-3", "../../etc", "ListUsers", "2024-05-02T08:00:00Z");
    crafted["awsRegion"] = json!("eu/west");
    let input = dir.join("AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/x.json.gz");
    std::fs::create_dir_all(input.parent().unwrap()).unwrap();
    std::fs::write(
        &input,
        gzip(&records(&[
            event("e-1", PROD, "ListUsers", "2024-05-01T10:00:00Z"),
            event("e-2", DEV, "GetUser", "2024-05-02T23:59:59Z"),
            crafted,
        ])),
    )
    .unwrap();
    ingest_cleanly(&dir.join("case.duckdb"), &[&dir.join("AWSLogs")])
}

/// `rootlens export parquet` of `db` into `lake` with `options`; its summary (stderr).
fn export_parquet(db: &Path, lake: &Path, options: &[&str]) -> String {
    let out = rootlens()
        .args(["export", "parquet"])
        .args(options)
        .arg("--db")
        .arg(db)
        .arg("--out")
        .arg(lake)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut found: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(dir).unwrap().display().to_string())
        .collect();
    found.sort();
    found
}

#[test]
fn export_parquet_writes_every_table_partitions_events_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let db = case(dir.path());
    let lake = dir.path().join("lake");
    let export = || export_parquet(&db, &lake, &[]);
    let summary = export();
    assert!(
        summary.contains("partitioned by account, region, dt"),
        "{summary}"
    );
    let first = files_under(&lake);
    for wanted in [
        "events/account=111122223333/region=us-east-1/dt=2024-05-01/data_0.parquet",
        "events/account=444455556666/region=us-east-1/dt=2024-05-02/data_0.parquet",
        // `../../etc` and `eu/west` from a crafted record make no folder outside events/.
        "events/account=.._.._etc/region=eu_west/dt=2024-05-02/data_0.parquet",
        "credential_report/data_0.parquet",
        "sources/data_0.parquet",
        "ip_enrichment/data_0.parquet",
        "_rootlens_export.json",
    ] {
        assert!(
            first.contains(&wanted.to_string()),
            "{wanted} missing: {first:#?}"
        );
    }
    // Again: the same files, nothing twice, no scratch folder left.
    export();
    assert_eq!(files_under(&lake), first);

    // DuckDB reads it back with the case's columns and values; the JSON parts are text.
    let glob = lake.join("events/**/*.parquet").display().to_string();
    let out = rootlens()
        .args(["query", "--format", "csv", "--db"])
        .arg(&db)
        .arg(format!(
            "SELECT count(*), count(DISTINCT event_id), min(event_time), max(typeof(request_parameters)), \
             max(typeof(event_time)), max(recipient_account_id) FROM read_parquet('{glob}', hive_partitioning = true)"
        ))
        .output()
        .unwrap();
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(
        csv.contains("3,3,2024-05-01 10:00:00,VARCHAR,TIMESTAMP,444455556666"),
        "{csv}"
    );
}

/// Every event of an export as `account|region|dt|event_id|md5 of raw`, sorted.
fn exported_events(db: &Path, lake: &Path) -> Vec<String> {
    let glob = lake.join("events/**/*.parquet").display().to_string();
    let out = rootlens()
        .args(["query", "--format", "csv", "--db"])
        .arg(db)
        .arg(format!(
            "SELECT concat_ws('|', account, region, dt, event_id, md5(raw)) AS line \
             FROM read_parquet('{glob}', hive_partitioning = true) ORDER BY line"
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect()
}

#[test]
fn events_exported_in_small_passes_are_the_events_exported_at_once() {
    // Three days, two accounts, two regions, and an event whose time does not parse: passes
    // of one or two partitions cut days between accounts and regions.
    let dir = tempfile::tempdir().unwrap();
    let mut events = Vec::new();
    for (day, account, region) in [
        ("01", PROD, "us-east-1"),
        ("01", PROD, "eu-west-1"),
        ("01", DEV, "us-east-1"),
        ("02", DEV, "eu-west-1"),
        ("02", PROD, "us-east-1"),
        ("03", PROD, "us-east-1"),
        ("03", DEV, "eu-west-1"),
        ("03", DEV, "us-east-1"),
    ] {
        for hour in ["00:00:00", "23:59:59"] {
            let mut e = event(
                &format!("e-{day}-{account}-{region}-{hour}"),
                account,
                "GetUser",
                &format!("2024-05-{day}T{hour}Z"),
            );
            e["awsRegion"] = json!(region);
            events.push(e);
        }
    }
    events.push(event("e-undated", DEV, "GetUser", "yesterday"));
    let input = write(
        dir.path(),
        "AWSLogs/events.json.gz",
        &gzip(&records(&events)),
    );
    let db = ingest_cleanly(&dir.path().join("case.duckdb"), &[&input]);

    let at_once = dir.path().join("at-once");
    export_parquet(&db, &at_once, &["--quiet", "--partitions-per-pass", "1000"]);
    let expected = exported_events(&db, &at_once);
    assert_eq!(expected.len(), events.len(), "{expected:#?}");
    assert!(
        expected
            .iter()
            .any(|l| l.starts_with("444455556666|us-east-1|unknown|e-undated|")),
        "{expected:#?}"
    );
    for per_pass in ["1", "2", "3"] {
        let lake = dir.path().join(format!("passes-{per_pass}"));
        export_parquet(&db, &lake, &["--quiet", "--partitions-per-pass", per_pass]);
        assert_eq!(
            exported_events(&db, &lake),
            expected,
            "passes of {per_pass}"
        );
        assert_eq!(
            files_under(&lake.join("events")),
            files_under(&at_once.join("events"))
        );
    }
}

#[test]
fn queries_export_writes_the_library_and_the_case_sql() {
    let dir = tempfile::tempdir().unwrap();
    let out = rootlens()
        .args(["queries", "export"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let files = files_under(dir.path());
    for wanted in [
        "queries/root/root-console-signins.sql",
        "case/schema.sql",
        "case/views.sql",
        "case/lineage.sql",
        "rootlens-library.json",
    ] {
        assert!(files.contains(&wanted.to_string()), "{wanted}: {files:#?}");
    }
    let shipped = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("queries/root/root-console-signins.sql"),
    )
    .unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("queries/root/root-console-signins.sql")).unwrap(),
        shipped
    );
    // The exported library is the built-in one: it passes lint as it is.
    let lint = rootlens()
        .args(["queries", "lint"])
        .arg(dir.path().join("queries"))
        .output()
        .unwrap();
    assert_eq!(
        lint.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&lint.stdout)
    );
}

#[test]
fn lint_rejects_sql_that_duckdb_and_spark_read_differently() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "mine/arrow.sql",
        b"-- id: arrow\n-- title: t\n-- severity: low\n-- category: c\n-- source: cloudtrail\n\
-- description: d\n-- next: n\nSELECT recipient_account_id AS account_id, event_id,\n\
    request_parameters->'$.userName' AS user_name,\n\
    regexp_replace(user_agent, '[0-9]+', '') AS agent\n\
FROM events ORDER BY event_id\n",
    );
    let out = rootlens()
        .args(["queries", "lint"])
        .arg(dir.path().join("mine"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("arrow.sql: line 2 of the query: `->` returns JSON in DuckDB"),
        "{stdout}"
    );
    assert!(
        stdout.contains("arrow.sql: line 3 of the query: regexp_replace without the 'g' option"),
        "{stdout}"
    );
}

#[test]
fn report_from_a_findings_file_alone_renders_it_and_names_what_needs_the_case() {
    let dir = tempfile::tempdir().unwrap();
    let db = case(dir.path());
    let findings = dir.path().join("findings.json");
    let run = rootlens()
        .args(["run", "--db"])
        .arg(&db)
        .arg("--findings")
        .arg(&findings)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0));
    // A hostile string in a finding's row stays text.
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&findings).unwrap()).unwrap();
    let first = json["investigations"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|f| f["row_count"].as_u64() > Some(0))
        .expect("some investigation has rows");
    first["rows"][0]["account_id"] = json!("<script>alert(1)</script>");
    std::fs::write(&findings, serde_json::to_vec(&json).unwrap()).unwrap();
    let before = std::fs::read(&findings).unwrap();

    let html = dir.path().join("report.html");
    let out = rootlens()
        .current_dir(dir.path())
        .args(["report", "--findings"])
        .arg(&findings)
        .arg("--out")
        .arg(&html)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("without a case"));
    assert_eq!(
        std::fs::read(&findings).unwrap(),
        before,
        "the findings file was changed"
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("Sections that need the case"));
    assert!(page.contains("Credential posture"));
    assert!(page.contains("111122223333, 444455556666"), "scope missing");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;"));
    assert!(!page.contains("<script>alert(1)"));

    // A selection means running over a case: refused rather than ignored.
    let out = rootlens()
        .args(["report", "--only", "root", "--findings"])
        .arg(&findings)
        .arg("--out")
        .arg(&html)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds findings already"));

    // Not a findings file: the error names it.
    let out = rootlens()
        .args(["report", "--findings"])
        .arg(&db)
        .arg("--out")
        .arg(&html)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not JSON"));
}
