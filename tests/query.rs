//! `rootlens query` and `rootlens schema` on a real case.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::json;

/// A case holding events whose text fields carry hostile strings.
fn hostile_case(dir: &Path) -> PathBuf {
    let mut formula = event("x-1", DEV, "ListUsers", "2024-05-01T12:00:00Z");
    formula["userAgent"] = json!("=cmd|' /C calc'!A0");
    let mut escape = event("x-2", DEV, "ListUsers", "2024-05-01T12:00:01Z");
    escape["userAgent"] = json!("evil\u{1b}]0;owned\u{7}\u{1b}[2J agent");
    let path = write(dir, "hostile.json", &records(&[formula, escape]));
    let db = dir.join("case.duckdb");
    rootlens()
        .args(["ingest", "--db"])
        .arg(&db)
        .arg(&path)
        .assert()
        .code(0);
    db
}

#[test]
fn query_is_read_only_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let db = hostile_case(dir.path());
    let output = rootlens()
        .args(["query", "--db"])
        .arg(&db)
        .arg("DELETE FROM event_records")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("read-only"));
    assert_eq!(scalar(&db, "SELECT count(*) FROM events"), "2");

    rootlens()
        .args(["query", "--write", "--db"])
        .arg(&db)
        .arg("CREATE TABLE notes AS SELECT 'seen' AS note")
        .assert()
        .code(0);
    assert_eq!(scalar(&db, "SELECT note FROM notes"), "seen");
}

#[test]
fn sql_errors_are_plain_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = hostile_case(dir.path());
    let output = rootlens()
        .args(["query", "--db"])
        .arg(&db)
        .arg("SELECT no_such_column FROM events")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("rootlens: SQL error"), "{stderr}");
    assert!(stderr.contains("no_such_column"), "{stderr}");

    let missing = rootlens()
        .args(["query", "--db"])
        .arg(dir.path().join("nope.duckdb"))
        .arg("SELECT 1")
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        !dir.path().join("nope.duckdb").exists(),
        "a read-only query must not create a case"
    );
}

#[test]
fn csv_output_neutralises_formulas_but_not_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let db = hostile_case(dir.path());
    let output = rootlens()
        .args(["query", "--format", "csv", "--db"])
        .arg(&db)
        .arg("SELECT user_agent, -1 AS n FROM events WHERE event_id = 'x-1'")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "user_agent,n\n'=cmd|' /C calc'!A0,-1\n"
    );
}

#[test]
fn sql_from_a_file_and_json_formats() {
    let dir = tempfile::tempdir().unwrap();
    let db = hostile_case(dir.path());
    let file = write(dir.path(), "q.sql", b"SELECT event_id, read_only, raw->'$.userIdentity' AS who\nFROM events ORDER BY event_id;\n");
    let output = rootlens()
        .args(["query", "--format", "ndjson", "-f"])
        .arg(&file)
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap();
    assert!(output.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["event_id"], "x-1");
    assert_eq!(lines[0]["read_only"], true);
    assert_eq!(lines[0]["who"]["userName"], "alice");

    let output = rootlens()
        .args(["query", "--format", "json", "--db"])
        .arg(&db)
        .arg("SELECT event_id FROM events WHERE false")
        .output()
        .unwrap();
    let parsed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(parsed, json!([]));
}

#[test]
fn table_output_escapes_terminal_control_sequences() {
    let dir = tempfile::tempdir().unwrap();
    let db = hostile_case(dir.path());
    let output = rootlens()
        .args(["query", "--db"])
        .arg(&db)
        .arg("SELECT user_agent FROM events WHERE event_id = 'x-2'")
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\u{7}'),
        "{stdout:?}"
    );
    assert!(
        stdout.contains("evil\\u{1b}]0;owned\\u{7}\\u{1b}[2J agent"),
        "{stdout}"
    );
    assert!(stdout.contains("(1 row)"));
}

#[test]
fn views_answer_the_common_questions() {
    let dir = tempfile::tempdir().unwrap();
    let mut root_login = event("r-1", PROD, "ConsoleLogin", "2024-05-27T10:00:00Z");
    root_login["userIdentity"] = json!({"type": "Root", "principalId": PROD, "arn": format!("arn:aws:iam::{PROD}:root"), "accountId": PROD});
    root_login["eventType"] = json!("AwsConsoleSignIn");
    root_login["responseElements"] = json!({"ConsoleLogin": "Success"});
    root_login["additionalEventData"] =
        json!({"MFAUsed": "No", "LoginTo": "https://console.aws.amazon.com/"});
    // Look-alikes CIS 4.3 excludes: a service acting for root, and a service event.
    let mut on_behalf = event(
        "r-2",
        PROD,
        "DescribeTrustedAdvisorChecks",
        "2024-05-27T10:05:00Z",
    );
    on_behalf["userIdentity"] =
        json!({"type": "Root", "accountId": PROD, "invokedBy": "support.amazonaws.com"});
    let mut service_event = event(
        "r-3",
        PROD,
        "SharedSnapshotCopyInitiated",
        "2024-05-27T10:06:00Z",
    );
    service_event["userIdentity"] = json!({"type": "Root", "accountId": PROD});
    service_event["eventType"] = json!("AwsServiceEvent");
    let path = write(
        dir.path(),
        "root.json",
        &records(&[root_login, on_behalf, service_event]),
    );
    let db = dir.path().join("case.duckdb");
    rootlens()
        .args(["ingest", "--db"])
        .arg(&db)
        .arg(&path)
        .assert()
        .code(0);

    assert_eq!(sql(&db, "SELECT event_id FROM root_activity"), [["r-1"]]);
    assert_eq!(
        sql(
            &db,
            "SELECT user_name, result, mfa_used, mfa_used_bool, federated FROM console_logins"
        ),
        [["root", "Success", "No", "false", "false"]]
    );
}

/// Every table and view of a database with its columns, in order: (kind, table, position,
/// column, type).
const CATALOG: &str =
    "SELECT t.table_type, c.table_name, c.ordinal_position, c.column_name, c.data_type \
     FROM information_schema.columns c JOIN information_schema.tables t \
       ON t.table_catalog = c.table_catalog AND t.table_schema = c.table_schema \
      AND t.table_name = c.table_name \
     WHERE c.table_catalog = current_database() AND c.table_schema = 'main' \
     ORDER BY c.table_name, c.ordinal_position";

/// `rootlens schema` prints DDL that builds, in a fresh DuckDB, exactly the tables and views
/// (names, columns, types) of a case made by `rootlens ingest`.
#[test]
fn schema_prints_the_ddl_of_a_real_case() {
    let output = rootlens().arg("schema").output().unwrap();
    assert!(output.status.success());
    let ddl = String::from_utf8(output.stdout).unwrap();

    // The printed DDL runs on its own in an empty database.
    let fresh = duckdb::Connection::open_in_memory_with_flags(
        duckdb::Config::default()
            .enable_autoload_extension(false)
            .unwrap(),
    )
    .unwrap();
    fresh
        .execute_batch(&ddl)
        .unwrap_or_else(|e| panic!("the DDL of `rootlens schema` does not run: {e}"));
    let mut stmt = fresh.prepare(CATALOG).unwrap();
    let documented: Vec<Vec<String>> = stmt
        .query_map([], |row| {
            Ok(vec![
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, i64>(2)?.to_string(),
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
            ])
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let has = |kind: &str, table: &str, column: &str| {
        documented
            .iter()
            .any(|row| row[0] == kind && row[1] == table && row[3] == column)
    };
    // The tables and views investigations and users query, with columns they rely on.
    for line in [
        "table case_meta: key value",
        "table sources: source_id path sha256 kind status events duplicates",
        "table load_errors: source_id path position cause",
        "table event_records: event_id event_time user_arn session_mfa raw source_id record_index",
        "table duplicate_events: event_id recipient_account_id source_id record_index",
        "table credential_report: account_id report_time user mfa_active special_values",
        "table digests: account_id region log_file_count",
        "table ip_enrichment: source_ip ip_class country_code asn",
        "table geo_databases: role path",
        "view events: event_id event_time user_arn source_ip is_insight raw",
        "view console_logins: account_id user_name result mfa_used mfa_used_bool federated",
        "view call_evidence: account_id principal",
        "view root_activity: account_id event_id long_term_key",
        "view principals: account_id principal_arn first_seen last_seen",
        "view latest_credential_report: account_id report_time",
    ] {
        let (head, columns) = line.split_once(": ").unwrap();
        let (kind, table) = head.split_once(' ').unwrap();
        let kind = if kind == "view" { "VIEW" } else { "BASE TABLE" };
        for column in columns.split(' ') {
            assert!(
                has(kind, table, column),
                "`rootlens schema` lacks {kind} {table} with column {column}"
            );
        }
        // Usable, not just declared.
        fresh
            .execute_batch(&format!("SELECT * FROM {table} LIMIT 0"))
            .unwrap_or_else(|e| panic!("{table} built from the DDL cannot be read: {e}"));
    }

    // A case made by ingest has the same tables, views, columns and types.
    let dir = tempfile::tempdir().unwrap();
    let db = hostile_case(dir.path());
    let real = sql(&db, CATALOG);
    assert_eq!(
        real, documented,
        "the schema of an ingested case differs from `rootlens schema`"
    );
}
