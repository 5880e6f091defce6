//! Root-user posture from saved AWS CLI outputs, through the real binary: recognition by
//! shape, snapshots kept apart, bad input named, `collect-commands`, `--org-domain`.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn fixture(world: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/posture")
        .join(world)
}

fn ingest(db: &Path, inputs: &[&Path]) -> std::process::Output {
    rootlens()
        .args(["ingest", "--quiet", "--db"])
        .arg(db)
        .args(inputs)
        .output()
        .unwrap()
}

#[test]
fn every_saved_output_is_recognised_with_its_account_and_time_and_loaded_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("case.duckdb");
    let world = fixture("compliant");
    let files = std::fs::read_dir(&world).unwrap().count();
    assert_eq!(ingest(&db, &[&world]).status.code(), Some(0));
    // Identical outputs of two accounts or two weeks are separate snapshots.
    assert_eq!(
        scalar(&db, "SELECT count(*) FROM posture_outputs"),
        files.to_string()
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT count(*) FROM sources WHERE kind LIKE 'posture_%' AND status = 'loaded'"
        ),
        files.to_string()
    );
    assert_eq!(
        scalar(&db, "SELECT count(DISTINCT kind) FROM sources"),
        "18",
        "every command but describe-account (not in the fixture) has its kind"
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT count(*) FROM posture_outputs WHERE account_id IS NULL OR snapshot_time_source <> 'file_name'"
        ),
        "0"
    );
    assert_eq!(
        scalar(&db, "SELECT string_agg(DISTINCT strftime(snapshot_time, '%Y-%m-%d'), ',' ORDER BY 1) FROM posture_outputs"),
        "2024-05-27,2024-06-03"
    );
    // Again: nothing is added twice.
    assert_eq!(ingest(&db, &[&world]).status.code(), Some(0));
    assert_eq!(
        scalar(&db, "SELECT count(*) FROM posture_outputs"),
        files.to_string()
    );
}

#[test]
fn truncated_and_wrong_shape_outputs_are_named_with_their_cause() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    let truncated = write(
        &inputs,
        "111122223333__global__20240603T080000Z__iam-get-account-summary.json",
        br#"{"SummaryMap": {"AccountMFAEnabled": 1, "AccountAcc"#,
    );
    write(
        &inputs,
        "111122223333__us-east-1__20240603T080000Z__logs-describe-metric-filters.json",
        br#"{"metricFilters": [{"filterName": "root", "logGroupName": "trail", "metricTransformations": "x"}]}"#,
    );
    write(
        &inputs,
        "111122223333__global__20240603T080000Z__iam-list-virtual-mfa-devices.json",
        br#"{"VirtualMFADevices": []}"#,
    );
    let db = dir.path().join("case.duckdb");
    let output = ingest(&db, &[&inputs]);
    assert_eq!(
        output.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let errors = sql(
        &db,
        "SELECT regexp_extract(sources.path, '[^/]*$'), kind, position, cause FROM load_errors JOIN sources USING (source_id) ORDER BY 1",
    );
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0][0].ends_with("iam-get-account-summary.json"),
        "{errors:?}"
    );
    assert_eq!(errors[0][1], "posture_iam_get_account_summary");
    assert!(
        errors[0][3].contains("truncated") || errors[0][3].contains("ends"),
        "{errors:?}"
    );
    assert_eq!(errors[1][1], "posture_logs_describe_metric_filters");
    assert_eq!(errors[1][2], "metricFilters[0].metricTransformations");
    assert!(errors[1][3].contains("not a list"), "{errors:?}");
    assert!(truncated.exists());
    // The good file is in.
    assert_eq!(scalar(&db, "SELECT count(*) FROM posture_outputs"), "1");
}

#[test]
fn a_partial_collection_says_not_collected_and_names_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("case.duckdb");
    assert_eq!(ingest(&db, &[&fixture("partial")]).status.code(), Some(0));
    let findings = dir.path().join("findings.json");
    let run = rootlens()
        .args(["run", "--only", "posture", "--db"])
        .arg(&db)
        .arg("--findings")
        .arg(&findings)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0));
    let all: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&findings).unwrap()).unwrap();
    let rows = |id: &str| -> Vec<serde_json::Value> {
        all["investigations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .unwrap()["rows"]
            .as_array()
            .unwrap()
            .clone()
    };
    // Summary saved: root MFA is judged (and passes); the password policy is not collected.
    assert!(rows("posture-root-mfa").is_empty());
    let policy = rows("posture-password-policy");
    assert_eq!(policy[0]["status"], "not collected");
    assert_eq!(policy[0]["command"], "aws iam get-account-password-policy");
    let trail = rows("posture-cloudtrail");
    assert_eq!(trail[0]["status"], "not collected");
    assert!(trail[0]["command"]
        .as_str()
        .unwrap()
        .contains("get-trail-status"));
    for f in all["investigations"].as_array().unwrap() {
        for row in f["rows"].as_array().unwrap() {
            assert_eq!(row["status"], "not collected", "{}: {row}", f["id"]);
        }
    }
}

#[test]
fn org_domain_decides_root_email_and_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("case.duckdb");
    assert_eq!(ingest(&db, &[&fixture("compliant")]).status.code(), Some(0));
    let run = |domains: &[&str]| {
        let mut command = rootlens();
        command
            .args(["run", "--only", "posture-root-email-domain", "--db"])
            .arg(&db);
        for d in domains {
            command.args(["--org-domain", d]);
        }
        command.output().unwrap()
    };
    let without = String::from_utf8_lossy(&run(&[]).stdout).into_owned();
    assert!(
        without.contains("info"),
        "not collected without domains: {without}"
    );
    let inside = run(&["example-corp.com"]);
    assert!(String::from_utf8_lossy(&inside.stdout).contains("0 with findings"));
    let elsewhere = String::from_utf8_lossy(&run(&["acme.co.uk", "@acme.com"]).stdout).into_owned();
    assert!(elsewhere.contains("high"), "{elsewhere}");
    let bad = run(&["not a domain"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--org-domain"));
}

#[test]
fn collect_commands_prints_a_read_only_script() {
    let output = rootlens()
        .args([
            "collect-commands",
            "--accounts",
            "111122223333,444455556666",
            "--regions",
            "eu-west-1,us-east-1",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let script = String::from_utf8(output.stdout).unwrap();
    assert!(script.starts_with("#!/usr/bin/env bash"));
    assert!(script.contains(r#"ACCOUNTS="111122223333 444455556666""#));
    assert!(script.contains(r#"REGIONS="eu-west-1 us-east-1""#));
    assert!(
        script.contains("iam:GetAccountSummary"),
        "documents the permissions"
    );
    for verb in [
        "create", "delete", "put-", "update", "attach", "enable", "disable",
    ] {
        assert!(
            !script
                .lines()
                .filter(|l| l.contains("save "))
                .any(|l| l.contains(&format!(" {verb}"))),
            "a command that changes something: {verb}"
        );
    }
    let checked = std::process::Command::new("bash")
        .arg("-n")
        .arg("-c")
        .arg(&script)
        .status();
    if let Ok(status) = checked {
        assert!(status.success(), "the script does not parse");
    }
    let bad = rootlens()
        .args(["collect-commands", "--accounts", "1234"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("12-digit"));
}

/// Copies a fixture world, letting `edit` change or drop (None) each file's JSON.
fn copy_world(
    world: &str,
    to: &Path,
    edit: impl Fn(&str, serde_json::Value) -> Option<serde_json::Value>,
) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(fixture(world)).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let value: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        if let Some(value) = edit(&name, value) {
            std::fs::write(to.join(&name), serde_json::to_vec_pretty(&value).unwrap()).unwrap();
        }
    }
}

fn rows_of(db: &Path, id: &str, extra: &[&str]) -> Vec<serde_json::Value> {
    let findings = db.with_extension("json");
    let run = rootlens()
        .args(["run", "--only", id, "--db"])
        .arg(db)
        .args(extra)
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
    let all: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&findings).unwrap()).unwrap();
    all["investigations"][0]["rows"].as_array().unwrap().clone()
}

#[test]
fn an_eventbridge_rule_with_a_target_is_enough_to_hear_of_root_and_its_targets_are_needed() {
    let dir = tempfile::tempdir().unwrap();
    // Management account 111122223333 without its CIS 4.3 metric filter: the rule remains.
    let without_filter = |name: &str, mut value: serde_json::Value| {
        if name.starts_with("111122223333") && name.contains("logs-describe-metric-filters") {
            value["metricFilters"]
                .as_array_mut()
                .unwrap()
                .retain(|f| f["filterName"] != "cis-4-3");
        }
        Some(value)
    };
    copy_world("compliant", &dir.path().join("a"), without_filter);
    let db = dir.path().join("a.duckdb");
    assert_eq!(ingest(&db, &[&dir.path().join("a")]).status.code(), Some(0));
    assert!(rows_of(&db, "posture-root-signin-alarm", &[]).is_empty());
    let monitoring = rows_of(&db, "posture-cis-monitoring", &[]);
    assert_eq!(
        monitoring.len(),
        1,
        "the CIS 4.3 filter itself is missing: {monitoring:?}"
    );
    assert_eq!(monitoring[0]["cis_control"], "4.3");

    // Without the saved targets of the rule: not collected, naming the command.
    copy_world("compliant", &dir.path().join("b"), |name, value| {
        if name.contains("events-list-targets-by-rule") {
            return None;
        }
        without_filter(name, value)
    });
    let db = dir.path().join("b.duckdb");
    assert_eq!(ingest(&db, &[&dir.path().join("b")]).status.code(), Some(0));
    let rows = rows_of(&db, "posture-root-signin-alarm", &[]);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["status"], "not collected");
    assert_eq!(
        rows[0]["command"],
        "aws events list-targets-by-rule --rule root-sign-in"
    );
}

#[test]
fn an_scp_on_an_ou_covers_the_accounts_below_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("case.duckdb");
    assert_eq!(ingest(&db, &[&fixture("compliant")]).status.code(), Some(0));
    assert_eq!(
        scalar(&db, "SELECT covered_by FROM posture_root_scp_coverage WHERE member_account_id = '222233334444'"),
        "p-4tqvkb3x (deny-root-user) via root r-a1b2"
    );
    // The failing organisation attaches its SCP to a production OU; the member sits in dev.
    copy_world("failing", &dir.path().join("moved"), |name, mut value| {
        if name.contains("organizations-list-parents__555566667777") {
            value["Parents"][0]["Id"] = "ou-a1b2-prod0001".into();
        }
        Some(value)
    });
    let db = dir.path().join("moved.duckdb");
    assert_eq!(
        ingest(&db, &[&dir.path().join("moved")]).status.code(),
        Some(0)
    );
    assert_eq!(
        scalar(&db, "SELECT covered_by FROM posture_root_scp_coverage"),
        "p-4tqvkb3x (deny-root-user) via organizational_unit ou-a1b2-prod0001"
    );
    assert!(rows_of(&db, "posture-org-root-scp", &[]).is_empty());
}

#[test]
fn the_report_shows_posture_per_account_apart_from_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("case");
    let output = rootlens()
        .args(["investigate", "--quiet"])
        .arg(fixture("failing"))
        .arg(fixture("partial"))
        .arg("--out")
        .arg(&out)
        .args(["--org-domain", "example-corp.com"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let section = html.split("<section id=\"posture\">").nth(1).unwrap();
    let section = section.split("</section>").next().unwrap();
    for account in ["444455556666", "555566667777", "777788889999"] {
        assert!(
            section.contains(&format!("<th>{account}</th>")),
            "{account} has no row"
        );
    }
    assert!(section.contains(">fail</a>") && section.contains(">not collected</a>"));
    assert!(section.contains("href=\"#finding-posture-root-mfa\""));
    // No incident evidence at all: the verdict says so although posture fails.
    assert!(
        html.contains("No investigation reported anything."),
        "posture counted in the verdict"
    );
    assert!(html.contains("not counted in the verdict above"));
}

/// Stands in for the AWS CLI: canned answers in the documented shapes, errors as the CLI
/// prints them (exit 254, "An error occurred (Code) when calling the Op operation: …").
const FAKE_AWS: &str = r#"#!/usr/bin/env bash
text=false; [[ " $* " == *" --output text "* ]] && text=true
fail() { echo "An error occurred ($1) when calling the $2 operation: $3" >&2; exit 254; }
case "$1 $2" in
"sts get-caller-identity") echo 111122223333 ;;
"iam get-account-summary") echo '{"SummaryMap": {"AccountMFAEnabled": 1, "AccountAccessKeysPresent": 0}}' ;;
"iam list-virtual-mfa-devices") echo '{"VirtualMFADevices": []}' ;;
"iam get-account-password-policy") fail NoSuchEntity GetAccountPasswordPolicy "The Password Policy with domain name 111122223333 cannot be found." ;;
"account get-alternate-contact") echo '{"AlternateContact": {"AlternateContactType": "SECURITY", "EmailAddress": "soc@acme.com", "Name": "SOC"}}' ;;
"organizations list-accounts") fail AWSOrganizationsNotInUseException ListAccounts "Your account is not a member of an organization." ;;
"cloudtrail describe-trails") if $text; then echo main; else echo '{"trailList": [{"Name": "main", "TrailARN": "arn:aws:cloudtrail:us-east-1:111122223333:trail/main", "HomeRegion": "us-east-1", "IsMultiRegionTrail": true}]}'; fi ;;
"cloudtrail get-trail-status") echo '{"IsLogging": true}' ;;
"cloudtrail get-event-selectors") echo '{"TrailARN": "arn:aws:cloudtrail:us-east-1:111122223333:trail/main", "EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": true}]}' ;;
"logs describe-metric-filters") echo '{"metricFilters": []}' ;;
"cloudwatch describe-alarms") if $text; then printf 'arn:aws:sns:us-east-1:111122223333:alerts\tarn:aws:swf:us-east-1:111122223333:x\n'; else echo '{"MetricAlarms": [], "CompositeAlarms": []}'; fi ;;
"sns list-subscriptions-by-topic") echo '{"Subscriptions": []}' ;;
"events list-rules") if $text; then echo root-sign-in; else echo '{"Rules": [{"Name": "root-sign-in", "State": "ENABLED"}]}'; fi ;;
"events list-targets-by-rule") echo '{"Targets": []}' ;;
*) fail AccessDenied Unknown "not allowed" ;;
esac
"#;

#[cfg(unix)]
#[test]
fn the_collection_script_saves_what_ingest_recognises() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("aws"), FAKE_AWS).unwrap();
    std::fs::set_permissions(bin.join("aws"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let script = dir.path().join("collect.sh");
    let written = rootlens()
        .args(["collect-commands", "--out"])
        .arg(&script)
        .output()
        .unwrap();
    assert_eq!(written.status.code(), Some(0));
    let out = dir.path().join("posture");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let ran = std::process::Command::new("bash")
        .arg(&script)
        .arg(&out)
        .env("PATH", path)
        .output();
    let Ok(ran) = ran else {
        panic!("bash is needed to run the collection script");
    };
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let db = dir.path().join("case.duckdb");
    let ingested = ingest(&db, &[&out]);
    assert_eq!(
        ingested.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ingested.stderr)
    );
    let commands = sql(
        &db,
        "SELECT command, coalesce(subject, ''), coalesce(error_code, '') FROM posture_outputs ORDER BY 1, 2",
    );
    let commands: Vec<String> = commands.iter().map(|r| r.join(" ")).collect();
    assert_eq!(
        commands,
        [
            "account get-alternate-contact SECURITY ",
            "cloudtrail describe-trails  ",
            "cloudtrail get-event-selectors main ",
            "cloudtrail get-trail-status main ",
            "cloudwatch describe-alarms  ",
            "events list-rules  ",
            "events list-targets-by-rule root-sign-in ",
            "iam get-account-password-policy  NoSuchEntity",
            "iam get-account-summary  ",
            "iam list-virtual-mfa-devices  ",
            "logs describe-metric-filters  ",
            "organizations list-accounts  AWSOrganizationsNotInUseException",
            "sns list-subscriptions-by-topic arn:aws:sns:us-east-1:111122223333:alerts ",
        ]
    );
    assert_eq!(
        scalar(&db, "SELECT count(*) FROM posture_outputs WHERE account_id <> '111122223333' OR snapshot_time_source <> 'file_name'"),
        "0"
    );
}
