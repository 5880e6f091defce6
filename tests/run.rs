//! `rootlens run` and `rootlens queries` options, on the sample case.

mod common;

use std::path::Path;

use common::*;

fn findings(dir: &Path, db: &Path, extra: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let path = dir.join("f.json");
    let output = rootlens()
        .args(["run", "--db"])
        .arg(db)
        .args(extra)
        .arg("--findings")
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let json = std::fs::read(&path)
        .map(|bytes| serde_json::from_slice(&bytes).unwrap())
        .unwrap_or_default();
    (output.status.code(), json, stderr)
}

fn rows(all: &serde_json::Value, id: &str) -> u64 {
    all["investigations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no {id}"))["row_count"]
        .as_u64()
        .unwrap()
}

#[test]
fn fail_on_only_and_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_case(dir.path());

    let (code, all, _) = findings(dir.path(), &db, &["--fail-on", "high"]);
    assert_eq!(code, Some(1), "high findings exist in the sample");
    assert_eq!(all["schema"], "rootlens.findings/1");
    assert_eq!(
        all["case"]["accounts"],
        serde_json::json!(["111122223333", "444455556666"])
    );

    let (code, quiet, _) = findings(
        dir.path(),
        &db,
        &["--fail-on", "critical", "--until", "2024-05-27"],
    );
    // The quiet weeks have no critical incident finding; the 2024-05-01 posture snapshot
    // already shows dev's root user without MFA, and --fail-on counts posture like any check.
    let critical: Vec<&str> = quiet["investigations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "critical" && f["row_count"].as_u64() > Some(0))
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        critical,
        ["posture-root-mfa"],
        "the quiet weeks' critical findings"
    );
    assert_eq!(code, Some(1));

    let (code, all, _) = findings(dir.path(), &db, &["--only", "root"]);
    assert_eq!(code, Some(0));
    assert!(all["investigations"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["category"] == "root"));
    assert_eq!(rows(&all, "root-failed-signin-burst"), 1);

    // Six failures: a threshold of seven finds no burst, and the value used is on record.
    let (_, all, _) = findings(
        dir.path(),
        &db,
        &[
            "--only",
            "root-failed-signin-burst",
            "--param",
            "burst_failures=7",
        ],
    );
    assert_eq!(rows(&all, "root-failed-signin-burst"), 0);
    assert_eq!(
        all["investigations"][0]["parameters"]["burst_failures"],
        "7"
    );

    let (code, _, stderr) = findings(dir.path(), &db, &["--only", "no-such-thing"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--only no-such-thing"), "{stderr}");
    let (code, _, stderr) = findings(dir.path(), &db, &["--only", "root", "--param", "nope=1"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--param nope"), "{stderr}");
    let (code, _, stderr) = findings(
        dir.path(),
        &db,
        &[
            "--only",
            "root-failed-signin-burst",
            "--param",
            "burst_window=soon",
        ],
    );
    assert_eq!(code, Some(2));
    assert!(stderr.contains("not a valid interval"), "{stderr}");
}

#[test]
fn a_users_folder_adds_and_overrides_investigations() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_case(dir.path());
    let ours = dir.path().join("ours");
    write(
        &ours,
        "root-signin-without-mfa.sql",
        b"-- id: root-signin-without-mfa\n-- title: Our own root check\n-- severity: low\n-- category: root\n\
-- source: cloudtrail\n-- description: d\n-- next: n\n\
SELECT recipient_account_id AS account_id, event_id FROM events WHERE event_id = 'none' ORDER BY 1\n",
    );
    write(
        &ours,
        "team/stoplogging-by-root.sql",
        b"-- id: team-stoplogging\n-- title: StopLogging anywhere\n-- severity: high\n-- category: team\n\
-- source: cloudtrail\n-- description: d\n-- next: n\n\
SELECT recipient_account_id AS account_id, event_id FROM events WHERE event_name = 'StopLogging' ORDER BY 2\n",
    );
    let (code, all, stderr) = findings(
        dir.path(),
        &db,
        &[
            "--queries",
            ours.to_str().unwrap(),
            "--only",
            "root-signin-without-mfa,team",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("replaces the built-in investigation `root-signin-without-mfa`"),
        "{stderr}"
    );
    assert_eq!(
        rows(&all, "root-signin-without-mfa"),
        0,
        "the user's version ran"
    );
    assert_eq!(rows(&all, "team-stoplogging"), 1);

    let show = rootlens()
        .args(["queries", "show", "root-failed-signin-burst"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(
        text.contains("param burst_failures = 5 (integer)"),
        "{text}"
    );
    assert!(text.contains("getvariable('burst_window')"), "{text}");
    let list = rootlens()
        .args(["queries", "list", "--queries"])
        .arg(&ours)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&list.stdout).contains("team-stoplogging"));
}
