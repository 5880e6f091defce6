//! Export shapes beyond CloudTrail's own: records with lowercase field names (Athena / Glue
//! exports), read into the same `events` as their camelCase twins.

mod common;

use common::*;
use serde_json::{json, Value};

/// Every key of a JSON value lowercased, as an Athena/Glue export writes CloudTrail; the
/// free-form parts become strings holding JSON, as Athena's table has them.
fn lowercased(value: &Value, depth: usize) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let key = k.to_lowercase();
                    let free_form = depth == 0
                        && matches!(
                            key.as_str(),
                            "requestparameters" | "responseelements" | "additionaleventdata"
                        );
                    let v = if free_form && !v.is_null() {
                        Value::String(v.to_string())
                    } else {
                        lowercased(v, depth + 1)
                    };
                    (key, v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

fn console_login(id: &str) -> Value {
    let mut e = event(id, PROD, "ConsoleLogin", "2024-05-01T12:00:00Z");
    e["eventSource"] = json!("signin.amazonaws.com");
    e["userIdentity"] = json!({
        "type": "AssumedRole", "principalId": "AROAEXAMPLE:bob",
        "arn": format!("arn:aws:sts::{PROD}:assumed-role/admin/bob"), "accountId": PROD,
        "accessKeyId": "ASIAEXAMPLEBOB000001",
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "arn": format!("arn:aws:iam::{PROD}:role/admin"),
                              "userName": "admin"},
            "attributes": {"mfaAuthenticated": "true", "creationDate": "2024-05-01T11:59:00Z"}
        }
    });
    e["readOnly"] = json!("false");
    e["requestParameters"] = json!({"durationSeconds": 3600});
    e["responseElements"] = json!({"ConsoleLogin": "Success"});
    e["additionalEventData"] = json!({"MFAUsed": "Yes"});
    e
}

/// The columns compared between a camelCase record and its lowercase twin.
const COLUMNS: &str = "event_time, event_source, event_name, event_type, aws_region, \
    recipient_account_id, source_ip, user_agent, read_only, management_event, \
    user_type, user_arn, user_account_id, principal_id, access_key_id, session_mfa, \
    session_created, session_issuer_type, session_issuer_arn, session_issuer_name, \
    console_login_result, mfa_used, request_parameters, response_elements, additional_event_data";

#[test]
fn lowercase_records_load_like_their_camel_case_twins() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    let camel = console_login("camel-1");
    let mut lower = lowercased(&console_login("lower-1"), 0);
    // A field that is null stays null in the export.
    lower["errorcode"] = Value::Null;
    write(&export, "camel.json", &records(&[camel]));
    // Athena/Glue write JSON lines.
    let ndjson = format!(
        "{}\n{}\n",
        lower,
        lowercased(
            &event("lower-2", DEV, "ListUsers", "2024-05-02T00:00:00Z"),
            0
        )
    );
    write(&export, "athena/part-0000.json", ndjson.as_bytes());
    // Lowercase keys that are not CloudTrail stay rejected.
    write(
        &export,
        "other/notes.json",
        b"{\"eventful\":\"no\",\"name\":\"x\"}\n",
    );
    let db = dir.path().join("case.duckdb");
    let output = rootlens()
        .args(["ingest", "--db"])
        .arg(&db)
        .arg(&export)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("events: 3 added"), "{stderr}");

    let row = |id: &str| {
        sql(
            &db,
            &format!("SELECT {COLUMNS} FROM events WHERE event_id = '{id}'"),
        )
    };
    let camel_row = row("camel-1");
    assert_eq!(camel_row.len(), 1);
    assert_eq!(camel_row, row("lower-1"));
    assert_eq!(camel_row[0][20], "Success");
    assert_eq!(camel_row[0][21], "Yes");
    assert_eq!(camel_row[0][22], r#"{"durationSeconds":3600}"#);
    // The raw record is kept as read.
    let raw = scalar(&db, "SELECT raw FROM events WHERE event_id = 'lower-1'");
    assert!(raw.contains("\"eventname\":\"ConsoleLogin\""), "{raw}");
    assert_eq!(
        scalar(
            &db,
            "SELECT user_name FROM events WHERE event_id = 'lower-2'"
        ),
        "alice"
    );
    assert_eq!(
        sql(
            &db,
            "SELECT kind, status FROM sources WHERE path LIKE '%notes.json'"
        ),
        vec![vec!["json".to_string(), "skipped".to_string()]]
    );
}

#[test]
fn a_lowercase_record_without_cloudtrail_fields_is_rejected_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    let lines = format!(
        "{}\n{{\"eventful\":1}}\n",
        lowercased(&event("l-1", PROD, "GetUser", "2024-05-01T00:00:00Z"), 0)
    );
    write(&export, "part.json", lines.as_bytes());
    let db = dir.path().join("case.duckdb");
    let output = rootlens()
        .args(["ingest", "--db"])
        .arg(&db)
        .arg(&export)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("events: 1 added"), "{stderr}");
    assert_eq!(scalar(&db, "SELECT status FROM sources"), "partial");
    let cause = scalar(&db, "SELECT cause FROM load_errors");
    assert!(cause.contains("not a CloudTrail record"), "{cause}");
}
