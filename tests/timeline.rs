//! `rootlens export timeline`: Timesketch's import format (JSONL and CSV), the events selected,
//! and the findings that cite them as tags.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

/// The sample data ingested, and its findings.json.
fn sample_case_and_findings(dir: &Path) -> (PathBuf, PathBuf) {
    let db = sample_case(dir);
    let findings = dir.join("findings.json");
    let run = rootlens()
        .args(["run", "--db"])
        .arg(&db)
        .arg("--findings")
        .arg(&findings)
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    (db, findings)
}

fn export(db: &Path, out: &Path, extra: &[&str]) -> String {
    let output = rootlens()
        .args(["export", "timeline", "--db"])
        .arg(db)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    stderr
}

/// Every line is what Timesketch's JSONL importer requires: an object with `message`,
/// `datetime` (ISO 8601) and `timestamp_desc`; `timestamp` agrees with `datetime`; `tag` is a
/// list of strings.
fn timesketch_lines(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(|line| {
            let event: Value = serde_json::from_str(line).expect("each line is one JSON object");
            for field in ["message", "datetime", "timestamp_desc"] {
                let value = event[field].as_str().unwrap_or_default();
                assert!(!value.is_empty(), "{field} missing or empty: {line}");
            }
            let time = chrono::DateTime::parse_from_rfc3339(event["datetime"].as_str().unwrap())
                .unwrap_or_else(|e| panic!("datetime is not ISO 8601 ({e}): {line}"));
            assert_eq!(time.offset().local_minus_utc(), 0, "not UTC: {line}");
            assert_eq!(
                event["timestamp"].as_i64(),
                Some(time.timestamp_micros()),
                "{line}"
            );
            assert!(
                event["tag"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(Value::is_string),
                "{line}"
            );
            event
        })
        .collect()
}

/// The event ids a findings.json cites, optionally of one investigation only.
fn cited(findings: &Path, only: Option<&str>) -> BTreeSet<String> {
    let all: Value = serde_json::from_slice(&std::fs::read(findings).unwrap()).unwrap();
    let mut ids = BTreeSet::new();
    for inv in all["investigations"].as_array().unwrap() {
        if only.is_some_and(|id| inv["id"] != id) {
            continue;
        }
        for row in inv["rows"].as_array().unwrap() {
            for (name, value) in row.as_object().unwrap() {
                if name.ends_with("event_id") {
                    ids.extend(value.as_str().map(String::from));
                } else if name.ends_with("event_ids") {
                    let list = value.as_array().unwrap();
                    ids.extend(list.iter().filter_map(|v| v.as_str().map(String::from)));
                }
            }
        }
    }
    ids
}

#[test]
fn jsonl_has_timesketch_fields_and_one_line_per_event() {
    let dir = tempfile::tempdir().unwrap();
    let (db, findings) = sample_case_and_findings(dir.path());
    let out = dir.path().join("timeline.jsonl");
    let stderr = export(&db, &out, &["--findings", findings.to_str().unwrap()]);
    let events = timesketch_lines(&out);
    let expected = scalar(
        &db,
        "SELECT count(*) FROM events WHERE event_time IS NOT NULL",
    );
    assert_eq!(events.len().to_string(), expected);
    assert!(
        stderr.contains(&format!("timeline: {expected} events written")),
        "{stderr}"
    );
    assert!(
        !stderr.contains("ETA"),
        "no progress bar when stderr is not a terminal"
    );

    // The intruder's StopLogging (e2): its fields, the root key's lineage and its findings.
    let stop = events
        .iter()
        .find(|e| e["event_id"] == "00fcec26-2714-474b-a085-2202a94728c9")
        .unwrap();
    assert_eq!(stop["datetime"], "2024-05-27T22:52:03.000000+00:00");
    assert_eq!(stop["timestamp_desc"], "Event Time");
    assert_eq!(stop["account_id"], PROD);
    assert_eq!(stop["event_name"], "StopLogging");
    assert_eq!(stop["access_key_id"], "AKIAEXAMPLEROOTKEY01");
    assert_eq!(stop["source_ip"], "103.251.167.23");
    assert_eq!(stop["session_origin"], "arn:aws:iam::111122223333:root");
    assert_eq!(
        stop["message"],
        "cloudtrail:StopLogging by arn:aws:iam::111122223333:root from 103.251.167.23"
    );
    let tags: Vec<&str> = stop["tag"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    for id in [
        "cloudtrail-tampering",
        "cis-4.5-cloudtrail-changes",
        "root-long-term-key-used",
    ] {
        assert!(tags.contains(&id), "{id} not among {tags:?}");
    }
    // Every cited event carries tags; the others none.
    let cited = cited(&findings, None);
    for event in &events {
        let tagged = !event["tag"].as_array().unwrap().is_empty();
        let id = event["event_id"].as_str().unwrap();
        assert_eq!(tagged, cited.contains(id), "{id}");
    }
}

#[test]
fn only_findings_keeps_the_cited_events_of_the_selected_investigations() {
    let dir = tempfile::tempdir().unwrap();
    let (db, findings) = sample_case_and_findings(dir.path());
    let f = findings.to_str().unwrap();
    let out = dir.path().join("cited.jsonl");
    export(&db, &out, &["--findings", f, "--only-findings"]);
    let ids: BTreeSet<String> = timesketch_lines(&out)
        .iter()
        .map(|e| e["event_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, cited(&findings, None));

    export(
        &db,
        &out,
        &[
            "--findings",
            f,
            "--only-findings",
            "--only",
            "cloudtrail-tampering",
        ],
    );
    let events = timesketch_lines(&out);
    let ids: BTreeSet<String> = events
        .iter()
        .map(|e| e["event_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, cited(&findings, Some("cloudtrail-tampering")));
    assert!(events
        .iter()
        .all(|e| e["tag"] == serde_json::json!(["cloudtrail-tampering"])));
}

#[test]
fn since_and_until_select_the_window_and_sorted_orders_it() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = sample_case_and_findings(dir.path());
    let out = dir.path().join("window.jsonl");
    export(
        &db,
        &out,
        &[
            "--since",
            "2024-05-27T21:00:00Z",
            "--until",
            "2024-05-28",
            "--sorted",
        ],
    );
    let events = timesketch_lines(&out);
    let expected = scalar(
        &db,
        "SELECT count(*) FROM events
         WHERE event_time >= '2024-05-27 21:00:00' AND event_time < '2024-05-28'",
    );
    assert_eq!(events.len().to_string(), expected);
    let times: Vec<i64> = events
        .iter()
        .map(|e| e["timestamp"].as_i64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "not in time order");
}

#[test]
fn csv_has_the_header_timesketch_needs_and_neutralised_cells() {
    let dir = tempfile::tempdir().unwrap();
    let (db, findings) = sample_case_and_findings(dir.path());
    let out = dir.path().join("timeline.csv");
    export(
        &db,
        &out,
        &["--format", "csv", "--findings", findings.to_str().unwrap()],
    );
    let mut reader = csv::Reader::from_path(&out).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    for field in ["message", "datetime", "timestamp_desc", "timestamp", "tag"] {
        assert!(
            header.iter().any(|h| h == field),
            "{field} missing from {header:?}"
        );
    }
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let expected = scalar(
        &db,
        "SELECT count(*) FROM events WHERE event_time IS NOT NULL",
    );
    assert_eq!(rows.len().to_string(), expected);
    // X3's user agent is a spreadsheet formula: neutralised.
    let x3 = rows
        .iter()
        .find(|r| &r[column("event_id")] == "83429313-bd75-4e91-ba85-94bea9f7c0aa")
        .unwrap();
    assert_eq!(&x3[column("user_agent")], "'=cmd|' /C calc'!A0");
    // Tags are a JSON list, as Timesketch's CSV reader parses them.
    for row in &rows {
        let tags: Vec<String> = serde_json::from_str(&row[column("tag")]).unwrap();
        assert!(tags.iter().all(|t| !t.is_empty()));
        chrono::DateTime::parse_from_rfc3339(&row[column("datetime")]).unwrap();
    }
}

#[test]
fn findings_options_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let (db, findings) = sample_case_and_findings(dir.path());
    let out = dir.path().join("t.jsonl");
    // --only-findings needs the findings file: a usage error.
    let output = rootlens()
        .args(["export", "timeline", "--only-findings", "--db"])
        .arg(&db)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--findings"));
    // Not a findings file: the error names it.
    let bogus = write(dir.path(), "bogus.json", b"{\"Records\": []}");
    let output = rootlens()
        .args(["export", "timeline", "--db"])
        .arg(&db)
        .arg("--out")
        .arg(&out)
        .arg("--findings")
        .arg(&bogus)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bogus.json") && stderr.contains("schema"),
        "{stderr}"
    );
    // An --only that names nothing in the file.
    let output = rootlens()
        .args(["export", "timeline", "--only", "no-such-thing", "--db"])
        .arg(&db)
        .arg("--out")
        .arg(&out)
        .arg("--findings")
        .arg(&findings)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--only no-such-thing"));
}

#[test]
fn findings_of_another_case_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (_, findings) = sample_case_and_findings(dir.path());
    let other = dir.path().join("other");
    write(
        &other,
        "events.json",
        &records(&[event("e1", PROD, "ListUsers", "2024-06-01T00:00:00Z")]),
    );
    let db = dir.path().join("other.duckdb");
    let ingest = rootlens()
        .args(["ingest", "--quiet", "--db"])
        .arg(&db)
        .arg(&other)
        .output()
        .unwrap();
    assert_eq!(ingest.status.code(), Some(0));
    let out = dir.path().join("t.jsonl");
    let stderr = export(&db, &out, &["--findings", findings.to_str().unwrap()]);
    assert!(stderr.contains("not in this case"), "{stderr}");
    assert_eq!(timesketch_lines(&out).len(), 1);
}

#[test]
fn progress_is_drawn_on_a_terminal_only_and_never_with_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = sample_case_and_findings(dir.path());
    let bin = assert_cmd::cargo::cargo_bin("rootlens");
    // A pseudo-terminal (util-linux `script`).
    let on_tty = |quiet: &str| {
        let command = format!(
            "{} export timeline {quiet} --db {} --out {}",
            bin.display(),
            db.display(),
            dir.path().join("t.jsonl").display()
        );
        let output = std::process::Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .output();
        String::from_utf8_lossy(&output.expect("util-linux script is installed").stdout)
            .into_owned()
    };
    let shown = on_tty("");
    assert!(shown.contains("events") && shown.contains("ETA"), "{shown}");
    let quiet = on_tty("--quiet");
    assert!(
        !quiet.contains("ETA") && !quiet.contains("timeline:"),
        "{quiet}"
    );
}
