//! Sigma rules through the real binary: every bundled SigmaHQ rule fires on its hand-made
//! events and not on their look-alikes; each correlation type finds its window and nothing one
//! second outside it; `sigma lint` and `sigma show`; unsupported and broken rules are listed,
//! never dropped; `--sigma` on `run` and `investigate`.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sigma")
}

fn bundled_rules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/sigma/cloudtrail")
}

fn ingest(dir: &Path, input: &Path) -> PathBuf {
    let db = dir.join("case.duckdb");
    rootlens()
        .args(["ingest", "--quiet", "--db"])
        .arg(&db)
        .arg(input)
        .assert()
        .code(0);
    db
}

/// `run --only sigma` with extra arguments: (exit code, findings.json, stdout).
fn run_sigma(dir: &Path, db: &Path, extra: &[&str]) -> (Option<i32>, Value, String) {
    let path = dir.join("findings.json");
    let output = rootlens()
        .args(["run", "--only", "sigma", "--sigma-level", "info", "--db"])
        .arg(db)
        .args(extra)
        .arg("--findings")
        .arg(&path)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    (
        output.status.code(),
        json,
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

fn finding<'a>(all: &'a Value, id: &str) -> &'a Value {
    all["investigations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no finding {id}"))
}

/// Every event id a finding's rows cite (`event_id` or `event_ids`).
fn cited(finding: &Value) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for row in finding["rows"].as_array().unwrap() {
        if let Some(id) = row["event_id"].as_str() {
            ids.insert(id.to_string());
        }
        for id in row["event_ids"].as_array().into_iter().flatten() {
            ids.insert(id.as_str().unwrap().to_string());
        }
    }
    ids
}

/// The committed list of bundled rules that do not compile: file name -> reason.
fn committed_unsupported() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/sigma/UNSUPPORTED.tsv"),
    )
    .unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (file, reason) = l.split_once('\t').expect("file<TAB>reason");
            (file.to_string(), reason.to_string())
        })
        .collect()
}

#[test]
fn every_bundled_rule_fires_on_its_events_and_not_on_their_look_alikes() {
    let dir = tempfile::tempdir().unwrap();
    let db = ingest(dir.path(), &fixtures().join("bundled"));
    let (code, all, _) = run_sigma(dir.path(), &db, &[]);
    assert_eq!(code, Some(0), "no --fail-on: findings do not fail the run");
    let unsupported: BTreeSet<String> = committed_unsupported()
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    let mut checked = 0;
    for entry in std::fs::read_dir(bundled_rules()).unwrap() {
        let file = entry.unwrap().file_name().to_string_lossy().to_string();
        let stem = file.trim_end_matches(".yml");
        if unsupported.contains(&file) {
            assert!(
                !fixtures().join(format!("bundled/{stem}.json")).exists(),
                "{file} is listed as unsupported but has fixtures"
            );
            continue;
        }
        let events = std::fs::read_to_string(fixtures().join(format!("bundled/{stem}.json")))
            .unwrap_or_else(|_| panic!("{file} compiles but has no fixture bundled/{stem}.json"));
        let f = finding(&all, &format!("sigma.{stem}"));
        assert_eq!(f["status"], "ok", "{stem}: {}", f["error"]);
        assert_eq!(f["category"], "sigma");
        let ids = cited(f);
        let fires: BTreeSet<String> = events
            .split('"')
            .filter(|s| s.starts_with(&format!("{stem}:fires:")))
            .map(str::to_string)
            .collect();
        assert!(!fires.is_empty(), "{stem}: no firing event");
        assert!(
            events.contains(&format!("{stem}:quiet:")),
            "{stem}: no look-alike"
        );
        for id in &fires {
            assert!(ids.contains(id), "{stem} did not fire on {id}");
        }
        for id in &ids {
            assert!(
                !id.starts_with(&format!("{stem}:quiet:")),
                "{stem} fired on its look-alike {id}"
            );
        }
        // The licence asks for the author and a link to the rule with every match.
        let sigma = &f["sigma"];
        assert!(
            sigma["author"].as_str().is_some_and(|a| !a.is_empty()),
            "{stem}: author"
        );
        assert!(
            sigma["rule"].as_str().unwrap().starts_with(
                "https://github.com/SigmaHQ/sigma/blob/8eaafff1f2845a696050e05e72ba1140ee190698/rules/cloud/aws/cloudtrail/"
            ),
            "{stem}: link"
        );
        assert_eq!(sigma["license"], "DRL-1.1");
        assert_eq!(f["sql_sha256"].as_str().unwrap().len(), 64);
        checked += 1;
    }
    assert_eq!(
        checked + unsupported.len(),
        57,
        "SigmaHQ ships 57 CloudTrail rules"
    );
}

#[test]
fn the_unsupported_list_is_what_lint_reports() {
    let output = rootlens().args(["sigma", "lint"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let reported: Vec<(String, String)> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("unsupported  built-in:cloudtrail/"))
        .map(|l| {
            let (file, rest) = l.split_once(' ').unwrap();
            let reason = rest.split_once("): ").unwrap().1;
            (file.to_string(), reason.to_string())
        })
        .collect();
    assert_eq!(reported, committed_unsupported());
    assert!(stdout.contains("57 files, 56 rules compiled, 1 not supported, 0 SQL errors"));
    assert_eq!(
        output.status.code(),
        Some(2),
        "an unsupported rule is a lint problem"
    );
}

#[test]
fn correlations_list_every_event_of_their_window_and_nothing_outside_it() {
    let dir = tempfile::tempdir().unwrap();
    let correlation = fixtures().join("correlation");
    let db = ingest(dir.path(), &correlation.join("events.json"));
    let rules = correlation.join("rules");
    let (_, all, _) = run_sigma(dir.path(), &db, &["--sigma", rules.to_str().unwrap()]);
    for kind in ["event_count", "value_count", "temporal", "temporal_ordered"] {
        let f = finding(&all, &format!("sigma.{kind}"));
        assert_eq!(f["status"], "ok", "{kind}: {}", f["error"]);
        assert_eq!(f["row_count"], 1, "{kind}: one window");
        let row = &f["rows"][0];
        let ids: Vec<&str> = row["event_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let expected: Vec<String> = (1..=ids.len())
            .map(|n| format!("{kind}:fires:{n}"))
            .collect();
        assert_eq!(ids, expected, "{kind}");
        assert_eq!(row["account_id"], PROD);
        assert!(f["sigma"]["kind"].as_str().unwrap().ends_with(kind));
    }
    let count = finding(&all, "sigma.event_count");
    assert_eq!(count["rows"][0]["sourceIPAddress"], "203.0.113.50");
    assert_eq!(count["rows"][0]["events"], 3);
    assert_eq!(count["severity"], "high");
    assert_eq!(count["mitre"], serde_json::json!(["T1110.001"]));
    assert_eq!(
        finding(&all, "sigma.value_count")["rows"][0]["distinct_values"],
        3
    );
    // The rules the correlations refer to do not report on their own (generate: false).
    for referenced in ["sigma.base_rules", "sigma.base_rules.2"] {
        assert!(all["investigations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["id"] != referenced));
    }
    // No look-alike is cited by any correlation.
    for f in all["investigations"].as_array().unwrap() {
        let id = f["id"].as_str().unwrap();
        if ["event_count", "value_count", "temporal", "temporal_ordered"]
            .iter()
            .any(|k| id == format!("sigma.{k}"))
        {
            assert!(cited(f).iter().all(|e| !e.contains(":quiet:")), "{id}");
        }
    }
}

#[test]
fn broken_and_foreign_rules_are_listed_with_their_reason_and_the_others_still_run() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    write(
        &rules,
        "good.yml",
        b"title: Trail stopped\nid: 9e0c3b1e-0000-4000-8000-000000000001\nauthor: Team\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  selection:\n    eventName: StopLogging\n  condition: selection\nlevel: critical\n",
    );
    write(
        &rules,
        "broken.yml",
        b"title: Broken\nlogsource:\n  product: aws\ndetection:\n  selection:\n    eventName: [unclosed\n  condition: selection\n",
    );
    write(
        &rules,
        "windows.yml",
        b"title: Not CloudTrail\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  selection:\n    Image|endswith: '\\\\cmd.exe'\n  condition: selection\n",
    );
    write(
        &rules,
        "wrong_case.yml",
        b"title: Wrong case\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  selection:\n    EventName: StopLogging\n  condition: selection\n",
    );
    write(
        &rules,
        "utf16.yml",
        b"title: Wide\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  selection:\n    userAgent|wide|base64: x\n  condition: selection\n",
    );
    let output = rootlens()
        .args(["sigma", "lint"])
        .arg(&rules)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("ok           sigma.good  Trail stopped"),
        "{stdout}"
    );
    let broken = stdout.lines().find(|l| l.contains("broken.yml")).unwrap();
    assert!(
        broken.contains("at line 7 column 12") && broken.contains("line 6 column 16"),
        "the YAML error names the line: {broken}"
    );
    assert!(
        stdout.contains("logsource is product `windows`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("field `EventName` is not a CloudTrail record field (field names are case-sensitive: did you mean `eventName`?)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("modifier `|wide/utf16le` is not supported"),
        "{stdout}"
    );
    assert!(
        stdout.contains("5 files, 1 rules compiled, 4 not supported"),
        "{stdout}"
    );

    // In a run: the good rule runs, the others are listed in the summary and findings.json.
    let mut event = event("stop-1", PROD, "StopLogging", "2024-05-01T10:00:00Z");
    event["eventSource"] = "cloudtrail.amazonaws.com".into();
    write(dir.path(), "in/trail.json", &records(&[event]));
    let db = ingest(dir.path(), &dir.path().join("in"));
    let (code, all, stdout) = run_sigma(
        dir.path(),
        &db,
        &["--sigma", rules.to_str().unwrap(), "--fail-on", "critical"],
    );
    assert_eq!(code, Some(1), "the team's critical rule fired");
    assert_eq!(
        cited(finding(&all, "sigma.good")),
        BTreeSet::from(["stop-1".to_string()])
    );
    assert_eq!(finding(&all, "sigma.good")["sigma"]["author"], "Team");
    assert!(stdout.contains("5 Sigma rules not compiled:"), "{stdout}");
    assert!(
        stdout.contains("wrong_case.yml (Wrong case): detection `selection`: field `EventName`")
    );
    let listed: Vec<&str> = all["sigma_unsupported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["origin"].as_str().unwrap())
        .collect();
    assert_eq!(listed.len(), 5, "4 of the team's and 1 bundled: {listed:?}");
    // The bundled rule for the same event fires too.
    assert_eq!(
        cited(finding(&all, "sigma.aws_cloudtrail_disable_logging")),
        BTreeSet::from(["stop-1".to_string()])
    );
}

#[test]
fn show_prints_the_rule_and_its_sql_by_id_file_or_sigma_id() {
    let by_id = rootlens()
        .args(["sigma", "show", "sigma.aws_root_account_usage"])
        .output()
        .unwrap();
    assert_eq!(by_id.status.code(), Some(0));
    let text = String::from_utf8_lossy(&by_id.stdout);
    assert!(text.contains("author:      vitaliy0x1"), "{text}");
    assert!(
        text.contains("selection_usertype:"),
        "the rule as written: {text}"
    );
    assert!(text.contains("lower(user_type) = 'root'"), "{text}");
    assert!(
        text.contains("NOT coalesce(lower(event_type) = 'awsserviceevent', false)"),
        "{text}"
    );
    let by_sigma_id = rootlens()
        .args(["sigma", "show", "8ad1600d-e9dc-4251-b0ee-a65268f29add"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&by_sigma_id.stdout),
        text,
        "the Sigma id names the same rule"
    );
    let file = fixtures().join("correlation/rules/event_count.yml");
    let by_file = rootlens()
        .args(["sigma", "show"])
        .arg(&file)
        .arg("--sigma")
        .arg(fixtures().join("correlation/rules/base_rules.yml"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&by_file.stdout);
    assert_eq!(by_file.status.code(), Some(0), "{text}");
    assert!(text.contains("correlation: event_count"), "{text}");
    assert!(text.contains("INTERVAL 600 SECOND FOLLOWING"), "{text}");
    let unsupported = rootlens()
        .args(["sigma", "show", "sigma.nothing-like-this"])
        .output()
        .unwrap();
    assert_eq!(unsupported.status.code(), Some(2));
    let missing = rootlens()
        .args(["sigma", "show", "7f2d7b0c-3b3e-4b7a-9b1c-d7f0c5e0a1b2"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no Sigma rule"));
}

#[test]
fn investigate_takes_sigma_rules_and_the_report_credits_their_authors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("case");
    let correlation = fixtures().join("correlation");
    rootlens()
        .args(["investigate", "--quiet", "--only", "sigma"])
        .arg(correlation.join("events.json"))
        .arg("--out")
        .arg(&out)
        .arg("--sigma")
        .arg(correlation.join("rules"))
        .assert()
        .code(0);
    let all: Value =
        serde_json::from_slice(&std::fs::read(out.join("findings.json")).unwrap()).unwrap();
    assert_eq!(finding(&all, "sigma.temporal")["row_count"], 1);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("Sigma rule by rootlens tests"),
        "author shown with the finding"
    );
    assert!(
        html.contains("Sigma rule by Ivan Saakov, Nasreddine Bencherchali"),
        "a bundled rule's author: console login failures fire on these events"
    );
    // Tera escapes `/` in text.
    let link = "https://github.com/SigmaHQ/sigma/blob/8eaafff1f2845a696050e05e72ba1140ee190698/rules/cloud/aws/cloudtrail/aws_cloudtrail_console_login_failed_authentication.yml";
    assert!(
        html.contains(&link.replace('/', "&#x2F;")),
        "the rule's link"
    );
}

#[test]
fn rules_below_the_sigma_level_are_listed_not_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = ingest(dir.path(), &fixtures().join("bundled"));
    let path = dir.path().join("findings.json");
    let output = rootlens()
        .args(["run", "--only", "sigma", "--db"])
        .arg(&db)
        .arg("--findings")
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("Sigma rules below --sigma-level medium not run")
            && stderr.contains("sigma.aws_sts_assumerole_misuse"),
        "{stderr}"
    );
    let all: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let ids: Vec<&str> = all["investigations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert!(!ids.contains(&"sigma.aws_sts_assumerole_misuse"), "{ids:?}");
    assert!(ids.contains(&"sigma.aws_root_account_usage"), "{ids:?}");
}
