//! `rootlens summary`: one row per principal and per access key.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

fn summary(db: &Path, extra: &[&str]) -> (String, String) {
    let output = rootlens()
        .args(["summary", "--db"])
        .arg(db)
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    (String::from_utf8(output.stdout).unwrap(), stderr)
}

fn json_rows(text: &str) -> Vec<Value> {
    serde_json::from_str::<Value>(text)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn one_row_per_principal_and_per_key_with_their_activity() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_case(dir.path());
    let (text, _) = summary(&db, &["--format", "json", "--keys"]);
    let rows = json_rows(&text);
    let principals = scalar(&db, "SELECT count(*) FROM principal_summary");
    let keys = scalar(
        &db,
        "SELECT count(DISTINCT (coalesce(user_account_id, recipient_account_id), access_key_id))
         FROM events WHERE access_key_id <> ''",
    );
    let count = |kind: &str| {
        rows.iter()
            .filter(|r| r["kind"] == kind)
            .count()
            .to_string()
    };
    assert_eq!(count("principal"), principals);
    assert_eq!(count("access_key"), keys);
    // Principals first, most active first.
    assert_eq!(rows[0]["kind"], "principal");
    let root = rows
        .iter()
        .find(|r| r["kind"] == "principal" && r["principal"] == "arn:aws:iam::111122223333:root")
        .unwrap();
    assert_eq!(
        root["events"].as_i64().unwrap().to_string(),
        scalar(
            &db,
            "SELECT count(*) FROM events WHERE user_arn = 'arn:aws:iam::111122223333:root'"
        )
    );
    assert_eq!(root["keys_used"], 3);
    assert_eq!(
        root["sessions_issued"], 2,
        "two console sign-ins opened sessions"
    );
    assert!(root["top_source_ips"]
        .as_array()
        .unwrap()
        .contains(&Value::from("103.251.167.23")));
    // qa-tester's AccessDenied (X1) is counted.
    let qa = rows
        .iter()
        .find(|r| {
            r["kind"] == "principal" && r["principal"] == "arn:aws:iam::444455556666:user/qa-tester"
        })
        .unwrap();
    assert!(qa["access_denied"].as_i64().unwrap() >= 1, "{qa}");
    assert!(
        rows[0].get("findings").is_none(),
        "findings only with --findings"
    );
}

#[test]
fn principal_narrows_to_one_identity_and_findings_add_where_it_appears() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_case(dir.path());
    let findings = dir.path().join("findings.json");
    let run = rootlens()
        .args(["run", "--db"])
        .arg(&db)
        .arg("--findings")
        .arg(&findings)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0));
    let f = findings.to_str().unwrap();

    // A key: its row only, with its lineage.
    let (text, _) = summary(
        &db,
        &[
            "--principal",
            "AKIAEXAMPLEROOTKEY01",
            "--format",
            "json",
            "--findings",
            f,
        ],
    );
    let rows = json_rows(&text);
    assert_eq!(rows.len(), 1);
    let key = &rows[0];
    assert_eq!(key["kind"], "access_key");
    assert_eq!(key["events"], 10);
    assert_eq!(key["origin_kind"], "long-term-key");
    let found: Vec<&str> = key["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for id in [
        "root-long-term-key-used",
        "cloudtrail-tampering",
        "guardduty-tampering",
    ] {
        assert!(found.contains(&id), "{id} not in {found:?}");
    }

    // A principal: its row and its keys' rows, in CSV.
    let (text, stderr) = summary(
        &db,
        &[
            "--principal",
            "arn:aws:iam::111122223333:root",
            "--format",
            "csv",
            "--findings",
            f,
        ],
    );
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let kinds: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[0].to_string())
        .collect();
    assert_eq!(
        kinds,
        ["principal", "access_key", "access_key", "access_key"]
    );
    assert!(!stderr.contains("not in this case"), "{stderr}");

    // Nobody: no rows, a notice, success.
    let (text, stderr) = summary(&db, &["--principal", "arn:aws:iam::1:user/nobody"]);
    assert!(text.contains("(0 rows)"), "{text}");
    assert!(stderr.contains("no principal or access key"), "{stderr}");
}
