//! Amazon Security Lake: CloudTrail as OCSF (API Activity 6003, Authentication 3002) in Parquet,
//! loaded into the same `events` as CloudTrail's own files. The fixture Parquet files are written
//! here with DuckDB from OCSF records as Security Lake lays them out.

mod common;

use std::path::Path;

use common::*;
use serde_json::{json, Value};

fn api_activity() -> Value {
    json!({
        "class_uid": 6003, "class_name": "API Activity", "category_uid": 6, "activity_id": 1,
        "time": 1714564800000i64, "status": "Success", "status_detail": null, "is_mfa": null,
        "metadata": {"uid": "ocsf-1", "event_code": "AwsApiCall", "version": "1.1.0",
                     "product": {"name": "CloudTrail", "vendor_name": "AWS", "version": "1.08",
                                 "feature": {"name": "Management"}}},
        "api": {"operation": "CreateUser", "service": {"name": "iam.amazonaws.com"},
                "request": {"uid": "req-ocsf-1", "data": "{\"userName\":\"backdoor\"}"},
                "response": {"error": null, "message": null,
                             "data": "{\"user\":{\"userName\":\"backdoor\"}}"}},
        "cloud": {"provider": "AWS", "region": "us-east-1", "account": {"uid": PROD}},
        "src_endpoint": {"ip": "81.2.69.10", "domain": null},
        "http_request": {"user_agent": "aws-cli/2.15.30"},
        "actor": {"user": {"type": "AssumedRole",
                           "uid": format!("arn:aws:sts::{PROD}:assumed-role/admin/bob"),
                           "uid_alt": "AROAEXAMPLE:bob", "name": null,
                           "credential_uid": "ASIAEXAMPLEBOB000001",
                           "account": {"uid": PROD}},
                  "session": {"is_mfa": true, "created_time_dt": "2024-05-01T11:00:00Z",
                              "issuer": format!("arn:aws:iam::{PROD}:role/admin")},
                  "invoked_by": null},
        "resources": [{"uid": format!("arn:aws:iam::{PROD}:user/backdoor"), "type": "AWS::IAM::User"}],
        "accountid": PROD, "region": "us-east-1"
    })
}

fn failed_root_sign_in() -> Value {
    let mut record = api_activity();
    record["class_uid"] = json!(3002);
    record["class_name"] = json!("Authentication");
    record["time"] = json!(1714568400000i64);
    record["status"] = json!("Failure");
    record["status_detail"] = json!("Failed authentication");
    record["is_mfa"] = json!(false);
    record["metadata"]["uid"] = json!("ocsf-2");
    record["metadata"]["event_code"] = json!("AwsConsoleSignIn");
    record["api"]["operation"] = json!("ConsoleLogin");
    record["api"]["service"]["name"] = json!("signin.amazonaws.com");
    record["api"]["request"] = json!({"uid": null, "data": null});
    record["api"]["response"] = json!({"error": null, "message": null, "data": null});
    record["actor"]["user"] = json!({"type": "Root", "uid": format!("arn:aws:iam::{PROD}:root"),
        "uid_alt": PROD, "name": null, "credential_uid": null, "account": {"uid": PROD}});
    record["actor"]["session"] = json!({"is_mfa": null, "created_time_dt": null, "issuer": null});
    record
}

/// Writes `records` as a Parquet file the way Security Lake stores them (nested structs).
fn parquet(path: &Path, records: &[Value]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let ndjson = path.with_extension("ndjson");
    let lines: Vec<String> = records.iter().map(Value::to_string).collect();
    std::fs::write(&ndjson, lines.join("\n")).unwrap();
    let conn = duckdb::Connection::open_in_memory().unwrap();
    conn.execute_batch(&format!(
        "COPY (SELECT * FROM read_json('{}', format = 'newline_delimited')) TO '{}' (FORMAT parquet)",
        ndjson.display(),
        path.display()
    ))
    .unwrap();
    std::fs::remove_file(ndjson).unwrap();
}

#[test]
fn security_lake_ocsf_parquet_lands_in_events() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    parquet(
        &lake.join("aws/CLOUD_TRAIL_MGMT/2.0/region=us-east-1/accountId=111122223333/eventDay=20240501/part-1.gz.parquet"),
        &[api_activity(), failed_root_sign_in()],
    );
    // Security Lake's other sources (here VPC flow logs, Network Activity 4001) are not CloudTrail.
    let mut flow = api_activity();
    flow["class_uid"] = json!(4001);
    parquet(&lake.join("aws/VPC_FLOW/2.0/part-1.parquet"), &[flow]);

    let db = dir.path().join("case.duckdb");
    let output = rootlens()
        .args(["ingest", "--db"])
        .arg(&db)
        .arg(&lake)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("events: 2 added"), "{stderr}");
    assert_eq!(
        sql(
            &db,
            "SELECT kind, status, events FROM sources ORDER BY kind"
        ),
        [
            ["parquet", "skipped", "0"],
            ["security_lake_ocsf", "loaded", "2"]
        ]
    );
    assert!(scalar(&db, "SELECT reason FROM sources WHERE kind = 'parquet'").contains("4001"));
    assert_eq!(
        sql(
            &db,
            "SELECT event_id, event_time, event_source, event_name, event_type, aws_region,
                    recipient_account_id, source_ip, user_type, user_arn, principal_id,
                    access_key_id, session_mfa, session_issuer_arn, request_id,
                    request_parameters, response_elements, console_login_result, mfa_used,
                    error_message
             FROM events ORDER BY event_time"
        ),
        [
            vec![
                "ocsf-1",
                "2024-05-01 12:00:00",
                "iam.amazonaws.com",
                "CreateUser",
                "AwsApiCall",
                "us-east-1",
                PROD,
                "81.2.69.10",
                "AssumedRole",
                "arn:aws:sts::111122223333:assumed-role/admin/bob",
                "AROAEXAMPLE:bob",
                "ASIAEXAMPLEBOB000001",
                "true",
                "arn:aws:iam::111122223333:role/admin",
                "req-ocsf-1",
                r#"{"userName":"backdoor"}"#,
                r#"{"user":{"userName":"backdoor"}}"#,
                "",
                "",
                ""
            ],
            vec![
                "ocsf-2",
                "2024-05-01 13:00:00",
                "signin.amazonaws.com",
                "ConsoleLogin",
                "AwsConsoleSignIn",
                "us-east-1",
                PROD,
                "81.2.69.10",
                "Root",
                "arn:aws:iam::111122223333:root",
                PROD,
                "",
                "",
                "",
                "",
                "",
                "",
                "Failure",
                "No",
                "Failed authentication"
            ],
        ]
    );
    // The OCSF record is kept as `raw`, and the sign-in views see the failed root sign-in.
    let raw = scalar(&db, "SELECT raw FROM events WHERE event_id = 'ocsf-1'");
    assert!(raw.contains("\"class_uid\":6003"), "{raw}");
    assert_eq!(
        scalar(
            &db,
            "SELECT count(*) FROM console_logins WHERE result = 'Failure'"
        ),
        "1"
    );
    // Ingesting again adds nothing.
    let again = rootlens()
        .args(["ingest", "--db"])
        .arg(&db)
        .arg(&lake)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stderr).contains("events: 0 added"));
}
