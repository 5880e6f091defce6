//! `rootlens ingest` driven as a user would, on fixture trees covering every input shape and
//! every kind of bad input.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use serde_json::{json, Value};

/// One tree with every accepted shape, plus an unrelated file.
fn every_shape(root: &Path) {
    // S3 archive of an organisation trail, gzip.
    write(
        root,
        &format!(
            "AWSLogs/o-a1b2c3d4e5/{}",
            s3_key(PROD, "us-east-1", "20240501", "1200")
        ),
        &gzip(&records(&[
            event("e-1", PROD, "ListUsers", "2024-05-01T12:00:00Z"),
            event("e-2", PROD, "GetUser", "2024-05-01T12:01:00.250Z"),
        ])),
    );
    // Multi-member gzip: the document split across two members.
    let document = records(&[event("e-3", PROD, "ListRoles", "2024-05-01 12:02:00")]);
    let (a, b) = document.split_at(20);
    let mut multi = gzip(a);
    multi.extend(gzip(b));
    write(root, &s3_key(PROD, "eu-west-1", "20240501", "1205"), &multi);
    // Plain .json archive object.
    write(
        root,
        "plain/records.json",
        &records(&[event("e-4", DEV, "ListBuckets", "2024-05-02T08:00:00Z")]),
    );
    // Bare array.
    write(
        root,
        "exports/array.json",
        &serde_json::to_vec(&json!([event(
            "e-5",
            DEV,
            "DescribeInstances",
            "2024-05-02T09:00:00Z"
        )]))
        .unwrap(),
    );
    // NDJSON, gzip (CloudWatch Logs export).
    let lines = [
        event("e-6", DEV, "GetCallerIdentity", "2024-05-02T10:00:00Z"),
        event("e-7", DEV, "ListUsers", "2024-05-02T10:00:01Z"),
    ]
    .iter()
    .map(|e| e.to_string())
    .collect::<Vec<_>>()
    .join("\n");
    write(
        root,
        "exports/cloudwatch.ndjson.gz",
        &gzip(lines.as_bytes()),
    );
    // Console Event history: the record is a string inside CloudTrailEvent.
    let inner = event("e-8", PROD, "ConsoleLogin", "2024-05-03T07:00:00Z").to_string();
    write(
        root,
        "exports/event-history.json",
        &serde_json::to_vec(&json!({"Events": [{
            "EventId": "e-8", "EventName": "ConsoleLogin", "EventTime": "2024-05-03T07:00:00+00:00",
            "CloudTrailEvent": inner
        }]}))
        .unwrap(),
    );
    // Digest: evidence, not events.
    write(
        root,
        &format!("AWSLogs/{PROD}/CloudTrail-Digest/us-east-1/2024/05/01/{PROD}_CloudTrail-Digest_us-east-1_trail_us-east-1_20240501T130000Z.json.gz"),
        &gzip(br#"{"awsAccountId":"111122223333","digestStartTime":"2024-05-01T12:00:00Z","digestEndTime":"2024-05-01T13:00:00Z","previousDigestHashValue":"abc","logFiles":[{"s3Object":"x","hashValue":"00"}]}"#),
    );
    // Insight events.
    let mut insight = event("e-9", PROD, "AttachUserPolicy", "2024-05-01T12:30:00Z");
    insight["eventType"] = json!("AwsCloudTrailInsight");
    insight["eventCategory"] = json!("Insight");
    write(
        root,
        &format!("AWSLogs/{PROD}/CloudTrail-Insight/us-east-1/2024/05/01/{PROD}_CloudTrail-Insight_us-east-1_20240501T1230Z_x.json.gz"),
        &gzip(&records(&[insight])),
    );
    // Credential report with the time in its name.
    write(
        root,
        &format!("reports/{PROD}_credential-report_2024-05-01T08-00-00Z.csv"),
        credential_report(PROD).as_bytes(),
    );
    // Something else entirely.
    write(
        root,
        "notes.txt",
        b"analyst notes: check the root account\n",
    );
}

#[test]
fn ingests_every_input_shape() {
    let dir = tempfile::tempdir().unwrap();
    every_shape(&dir.path().join("export"));
    let db = dir.path().join("case.duckdb");

    let output = rootlens()
        .args(["ingest", "--db"])
        .arg(&db)
        .arg(dir.path().join("export"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("events: 9 added, 0 duplicate"), "{stderr}");
    assert!(stderr.contains("skipped"), "{stderr}");
    assert!(stderr.contains("notes.txt"), "{stderr}");

    let kinds = sql(
        &db,
        "SELECT kind, status, count(*), sum(events) FROM sources GROUP BY ALL ORDER BY kind",
    );
    let expect = |kind: &str, status: &str, files: &str, events: &str| {
        assert!(
            kinds.contains(&vec![
                kind.into(),
                status.into(),
                files.into(),
                events.into()
            ]),
            "{kind} {status} {files} {events} missing from {kinds:?}"
        );
    };
    expect("cloudtrail_records", "loaded", "3", "4");
    expect("cloudtrail_array", "loaded", "1", "1");
    expect("cloudtrail_ndjson", "loaded", "1", "2");
    expect("cloudtrail_lookup", "loaded", "1", "1");
    expect("cloudtrail_insight", "loaded", "1", "1");
    expect("cloudtrail_digest", "loaded", "1", "0");
    expect("credential_report", "loaded", "1", "2");
    expect("unknown", "skipped", "1", "0");

    // Typed columns and provenance.
    let row = &sql(
        &db,
        "SELECT event_time, user_type, user_name, read_only, is_insight, record_index, \
         raw->>'$.eventID', sha256 IS NOT NULL FROM events JOIN sources USING (source_id) \
         WHERE event_id = 'e-2'",
    )[0];
    assert_eq!(
        row,
        &[
            "2024-05-01 12:01:00.250",
            "IAMUser",
            "alice",
            "true",
            "false",
            "1",
            "e-2",
            "true"
        ]
    );
    assert_eq!(
        scalar(&db, "SELECT event_time FROM events WHERE event_id = 'e-3'"),
        "2024-05-01 12:02:00"
    );
    assert_eq!(
        scalar(&db, "SELECT is_insight FROM events WHERE event_id = 'e-9'"),
        "true"
    );
    // The console export keeps the inner record, not the wrapper.
    assert_eq!(
        scalar(&db, "SELECT raw->>'$.eventName' || '/' || (raw->>'$.CloudTrailEvent' IS NULL) FROM events WHERE event_id = 'e-8'"),
        "ConsoleLogin/true"
    );
    assert_eq!(
        sql(
            &db,
            "SELECT account_id, log_file_count, region FROM digests"
        )[0],
        ["111122223333", "1", "us-east-1"]
    );
    assert_eq!(
        scalar(&db, "SELECT reason FROM sources WHERE status = 'skipped'"),
        "neither JSON nor an IAM credential report"
    );
}

#[test]
fn credential_reports_have_typed_values_and_say_where_their_time_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let named = write(
        dir.path(),
        &format!("a/{PROD}_credential-report_2024-05-01T08-00-00Z.csv"),
        credential_report(PROD).as_bytes(),
    );
    let unnamed = write(
        dir.path(),
        "b/report.csv",
        credential_report(DEV).as_bytes(),
    );
    let db = dir.path().join("case.duckdb");
    rootlens()
        .args(["ingest", "--db"])
        .arg(&db)
        .arg(&named)
        .assert()
        .code(0);
    rootlens()
        .args(["ingest", "--as-of", "2024-06-03T08:00:00Z", "--db"])
        .arg(&db)
        .arg(&unnamed)
        .assert()
        .code(0);

    assert_eq!(
        sql(&db, "SELECT account_id, report_time, report_time_source FROM credential_report WHERE \"user\" = 'alice' ORDER BY 1"),
        [
            ["111122223333", "2024-05-01 08:00:00", "file_name"],
            ["444455556666", "2024-06-03 08:00:00", "as_of"]
        ]
    );
    let alice = &sql(
        &db,
        "SELECT password_enabled, password_last_used IS NULL, special_values->>'$.password_last_used', \
         mfa_active, access_key_1_last_used_date IS NULL FROM credential_report \
         WHERE \"user\" = 'alice' AND account_id = '111122223333'",
    )[0];
    assert_eq!(alice, &["true", "true", "no_information", "true", "true"]);
    let root = &sql(
        &db,
        "SELECT password_enabled IS NULL, special_values->>'$.password_enabled', access_key_1_active, \
         access_key_1_last_used_date FROM credential_report WHERE \"user\" = '<root_account>' AND account_id = '111122223333'",
    )[0];
    assert_eq!(
        root,
        &["true", "not_supported", "true", "2024-05-03 00:00:00"]
    );
}

#[test]
fn the_same_event_is_stored_once_and_reingest_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    let shared = event("dup-1", PROD, "ConsoleLogin", "2024-05-01T12:00:00Z");
    write(
        &export,
        &s3_key(PROD, "us-east-1", "20240501", "1200"),
        &gzip(&records(&[shared.clone(), shared.clone()])),
    );
    // Global event delivered again by another trail; same id in another account is distinct.
    write(
        &export,
        &s3_key(PROD, "eu-west-1", "20240501", "1200"),
        &gzip(&records(&[shared])),
    );
    write(
        &export,
        &s3_key(DEV, "us-east-1", "20240501", "1200"),
        &gzip(&records(&[event(
            "dup-1",
            DEV,
            "ConsoleLogin",
            "2024-05-01T12:00:00Z",
        )])),
    );
    let db = dir.path().join("case.duckdb");

    let first = rootlens()
        .args(["ingest", "--db"])
        .arg(&db)
        .arg(&export)
        .output()
        .unwrap();
    assert_eq!(first.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&first.stderr).contains("events: 2 added, 2 duplicate"));
    assert_eq!(scalar(&db, "SELECT count(*) FROM events"), "2");

    let again = rootlens()
        .args(["ingest", "--db"])
        .arg(&db)
        .arg(&export)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("0 loaded, 0 partial, 0 failed, 0 skipped, 3 already in the case"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing new"), "{stderr}");
    assert_eq!(scalar(&db, "SELECT count(*) FROM events"), "2");
    assert_eq!(scalar(&db, "SELECT count(*) FROM sources"), "3");

    // A copy of a file under another name is recognised by its SHA-256 too.
    std::fs::copy(
        export.join(s3_key(DEV, "us-east-1", "20240501", "1200")),
        dir.path().join("copy.json.gz"),
    )
    .unwrap();
    let copy = rootlens()
        .args(["ingest", "--db"])
        .arg(&db)
        .arg(dir.path().join("copy.json.gz"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&copy.stderr).contains("1 already in the case"));
}

#[test]
fn bad_inputs_are_named_recorded_and_do_not_take_good_data_down() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    let good = records(&[event("good-1", PROD, "ListUsers", "2024-05-01T12:00:00Z")]);
    write(&export, "good.json.gz", &gzip(&good));

    let truncated = gzip(&records(&[
        event("t-1", PROD, "ListUsers", "2024-05-01T12:00:00Z"),
        event("t-2", PROD, "ListUsers", "2024-05-01T12:00:00Z"),
    ]));
    write(
        &export,
        "truncated.json.gz",
        &truncated[..truncated.len() / 2],
    );
    write(
        &export,
        "invalid.json",
        br#"{"Records":[{"eventID":"i-1","eventTime":"2024-05-01T12:00:00Z"} {"eventID":"i-2"}]}"#,
    );
    let mut non_utf8 = br#"{"Records":[{"eventID":"u-1","eventName":"ok","eventTime":"2024-05-01T12:00:00Z"},{"eventID":"u-2","userAgent":"bad"#.to_vec();
    non_utf8.extend_from_slice(b"\xff\xfe\"}]}");
    write(&export, "non-utf8.json", &non_utf8);
    write(
        &export,
        "records-object.json",
        br#"{"Records":{"eventID":"r-1"}}"#,
    );
    write(
        &export,
        "unknown-header.csv",
        b"user,arn,mfa_enabled\nalice,arn:aws:iam::1:user/alice,true\n",
    );
    // A gzip bomb: 3 MiB of spaces inflated from a few KB, against a 1 MiB cap.
    write(&export, "bomb.json.gz", &gzip(&vec![b' '; 3 << 20]));

    let db = dir.path().join("case.duckdb");
    let output = rootlens()
        .args(["ingest", "--max-decompressed-mb", "1", "--db"])
        .arg(&db)
        .arg(&export)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("files: 1 loaded, 1 partial, 5 failed"),
        "{stderr}"
    );
    for name in [
        "truncated.json.gz",
        "invalid.json",
        "non-utf8.json",
        "records-object.json",
        "unknown-header.csv",
        "bomb.json.gz",
    ] {
        assert!(stderr.contains(name), "{name} not named in:\n{stderr}");
    }

    // The good file and the good record of the partly bad file are in; nothing of failed files.
    assert_eq!(
        sql(&db, "SELECT event_id FROM events ORDER BY 1"),
        [["good-1"], ["u-1"]]
    );
    let errors = sql(
        &db,
        "SELECT regexp_extract(path, '[^/]+$'), position, cause FROM load_errors ORDER BY 1",
    );
    let find = |name: &str| {
        errors
            .iter()
            .find(|row| row[0] == name)
            .unwrap_or_else(|| panic!("no load error for {name}: {errors:?}"))
    };
    assert!(
        find("truncated.json.gz")[2].contains("truncated"),
        "{errors:?}"
    );
    let invalid = find("invalid.json");
    assert!(invalid[1].contains("byte 65"), "{invalid:?}");
    assert!(invalid[2].contains("expected ',' or ']'"), "{invalid:?}");
    let utf8 = find("non-utf8.json");
    assert!(utf8[1].starts_with("record 1 "), "{utf8:?}");
    assert!(utf8[2].contains("invalid UTF-8"), "{utf8:?}");
    assert!(find("records-object.json")[2].contains("\"Records\" is not an array"));
    let csv = find("unknown-header.csv");
    assert_eq!(csv[1], "line 1, column 3");
    assert!(csv[2].contains("mfa_enabled"), "{csv:?}");
    assert!(find("bomb.json.gz")[2].contains("exceeds the limit of 1 MiB"));
    assert_eq!(
        scalar(
            &db,
            "SELECT status FROM sources WHERE path LIKE '%non-utf8.json'"
        ),
        "partial"
    );
}

#[test]
fn a_failed_file_is_retried_on_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("case.duckdb");
    let bad = write(dir.path(), "later.json", b"{\"Records\":[");
    rootlens()
        .args(["ingest", "--db"])
        .arg(&db)
        .arg(&bad)
        .assert()
        .code(3);
    rootlens()
        .args(["ingest", "--db"])
        .arg(&db)
        .arg(&bad)
        .assert()
        .code(3);
    // Only the latest attempt of the same bytes is on record.
    assert_eq!(scalar(&db, "SELECT count(*) FROM sources"), "1");
    assert_eq!(scalar(&db, "SELECT count(*) FROM load_errors"), "1");
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("case.duckdb");
    let output = rootlens()
        .args(["ingest", "--db"])
        .arg(&db)
        .arg(dir.path().join("no-such-folder"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no-such-folder"));
    rootlens().args(["ingest"]).assert().code(2);
}

/// Many files, so an ingest takes long enough to be killed in the middle.
/// Events of two accounts, two regions and three days, each delivered twice: in its own file
/// and again in a later file that mixes every partition, after other partitions came between.
fn copies_across_partitions(export: &Path) {
    let mut all = Vec::new();
    for (f, day) in ["01", "02", "03"].iter().enumerate() {
        for (account, region) in [(PROD, "us-east-1"), (PROD, "eu-west-1"), (DEV, "us-east-1")] {
            let events: Vec<Value> = (0..3)
                .map(|i| {
                    let mut e = event(
                        &format!("e-{day}-{i}"),
                        account,
                        "GetObject",
                        &format!("2024-05-{day}T0{i}:00:00Z"),
                    );
                    e["awsRegion"] = json!(region);
                    e
                })
                .collect();
            all.extend(events.iter().cloned());
            let key = s3_key(account, region, &format!("202405{day}"), &format!("{f}000"));
            write(export, &key, &gzip(&records(&events)));
        }
    }
    all.reverse();
    write(export, "zz-every-copy.json", &records(&all));
}

#[test]
fn copies_are_found_when_only_one_key_is_held_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    copies_across_partitions(&export);
    let ingest = |db: &Path, extra: &[&str]| {
        let out = rootlens()
            .args(["ingest", "--db"])
            .arg(db)
            .args(extra)
            .arg(&export)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        stderr
    };
    let roomy = dir.path().join("roomy.duckdb");
    let tight = dir.path().join("tight.duckdb");
    assert!(ingest(&roomy, &[]).contains("events: 27 added, 27 duplicate"));
    let stderr = ingest(&tight, &["--keys-in-memory", "1"]);
    assert!(
        stderr.contains("events: 27 added, 27 duplicate"),
        "{stderr}"
    );
    assert_eq!(case_contents(&roomy), case_contents(&tight));
    assert_eq!(
        scalar(&tight, "SELECT count(*) FROM duplicate_events"),
        "27"
    );

    // New files with copies of stored events add nothing, whatever the partitions in memory.
    let more = dir.path().join("more");
    let copies = sql(&tight, "SELECT raw FROM events ORDER BY event_id DESC");
    let copies: Vec<Value> = copies
        .iter()
        .map(|row| serde_json::from_str(&row[0]).unwrap())
        .collect();
    write(&more, "again.json", &records(&copies));
    let again = rootlens()
        .args(["ingest", "--keys-in-memory", "1", "--db"])
        .arg(&tight)
        .arg(&more)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("events: 0 added, 27 duplicate"), "{stderr}");
    assert_eq!(scalar(&tight, "SELECT count(*) FROM events"), "27");
}

fn large_tree(root: &Path, files: usize, per_file: usize) {
    for f in 0..files {
        let events: Vec<_> = (0..per_file)
            .map(|i| {
                event(
                    &format!("k-{f}-{i}"),
                    PROD,
                    "GetObject",
                    "2024-05-01T12:00:00Z",
                )
            })
            .collect();
        write(root, &format!("f{f:04}.json.gz"), &gzip(&records(&events)));
    }
}

const KILL_FILES: usize = 150;
const KILL_EVENTS_PER_FILE: usize = 400;
/// Kill attempts before the test gives up on landing a kill in the middle of a run.
const KILL_ATTEMPTS: usize = 8;

/// `rootlens ingest` committing after every file, as a child process.
fn ingest_committing_every_file(db: &Path, export: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("rootlens"));
    cmd.env_clear()
        .args(["ingest", "--quiet", "--commit-every", "1", "--db"])
        .arg(db)
        .arg(export)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    cmd
}

/// What a case holds, for comparing two cases of the same inputs: every file with its status
/// and counts, and every stored event.
fn case_contents(db: &Path) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
    (
        sql(
            db,
            "SELECT path, sha256, kind, status, events, duplicates FROM sources ORDER BY path",
        ),
        sql(
            db,
            "SELECT recipient_account_id, event_id, source_id IS NOT NULL, record_index \
             FROM events ORDER BY event_id",
        ),
    )
}

#[cfg(unix)]
#[test]
fn killing_ingest_leaves_a_usable_case_without_half_files_and_a_rerun_completes_it() {
    use std::os::unix::process::ExitStatusExt;
    use std::time::Instant;

    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    large_tree(&export, KILL_FILES, KILL_EVENTS_PER_FILE);
    let (files, total) = (
        KILL_FILES as u64,
        (KILL_FILES * KILL_EVENTS_PER_FILE) as u64,
    );

    // A clean ingest, uninterrupted: the reference, and how long a whole run takes.
    let clean = dir.path().join("clean.duckdb");
    let started = Instant::now();
    let status = ingest_committing_every_file(&clean, &export)
        .status()
        .unwrap();
    let whole_run = started.elapsed();
    assert!(status.success(), "the clean ingest failed: {status}");
    assert_eq!(
        scalar(&clean, "SELECT count(*) FROM events"),
        total.to_string()
    );
    assert_eq!(
        scalar(&clean, "SELECT count(*) FROM sources"),
        files.to_string()
    );
    assert_eq!(scalar(&clean, "SELECT count(*) FROM duplicate_events"), "0");

    // Kill (SIGKILL) a run at a delay within the clean run's duration, bisecting until the kill
    // lands after the first commit and before the last: some files committed, not all.
    let (mut early, mut late) = (Duration::ZERO, whole_run);
    let mut tries = Vec::new();
    let mut landed = None;
    for attempt in 1..=KILL_ATTEMPTS {
        let delay = (early + late) / 2;
        let db = dir.path().join(format!("killed-{attempt}.duckdb"));
        let mut child = ingest_committing_every_file(&db, &export).spawn().unwrap();
        std::thread::sleep(delay);
        child.kill().unwrap();
        let status = child.wait().unwrap();
        let killed = status.signal() == Some(9);
        let committed: u64 = if db.exists() {
            scalar(&db, "SELECT count(*) FROM sources").parse().unwrap()
        } else {
            0
        };
        tries.push(format!(
            "attempt {attempt}: kill after {delay:?} ({}), {committed} of {files} files committed",
            if killed { "killed" } else { "had exited" }
        ));
        if killed && committed > 0 && committed < files {
            landed = Some((db, committed));
            break;
        }
        if committed == 0 {
            early = delay;
        } else {
            late = delay;
        }
    }
    eprintln!(
        "kill timing (clean run {whole_run:?}):\n{}",
        tries.join("\n")
    );
    let Some((db, committed)) = landed else {
        panic!(
            "no kill landed between the first and the last commit in {KILL_ATTEMPTS} attempts \
             (clean run {whole_run:?}):\n{}",
            tries.join("\n")
        );
    };

    // The case opens, and every file on record is complete: all of its events, no more.
    assert_eq!(
        scalar(
            &db,
            "SELECT (SELECT count(*) FROM events) = (SELECT coalesce(sum(events), 0) FROM sources)"
        ),
        "true"
    );
    assert_eq!(
        sql(&db, "SELECT DISTINCT status, events FROM sources"),
        [["loaded".to_string(), KILL_EVENTS_PER_FILE.to_string()]]
    );
    assert_eq!(
        scalar(
            &db,
            &format!(
                "SELECT count(*) FROM (SELECT source_id FROM events GROUP BY source_id \
                 HAVING count(*) <> {KILL_EVENTS_PER_FILE})"
            )
        ),
        "0"
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT count(*) FROM events WHERE source_id NOT IN (SELECT source_id FROM sources)"
        ),
        "0"
    );

    // Running again loads exactly the files the kill lost, and the case equals the clean one.
    let rerun = rootlens()
        .args(["ingest", "--db"])
        .arg(&db)
        .arg(&export)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&rerun.stderr);
    assert_eq!(rerun.status.code(), Some(0), "{stderr}");
    let rest = files - committed;
    assert!(
        stderr.contains(&format!(
            "files: {rest} loaded, 0 partial, 0 failed, 0 skipped, {committed} already in the case"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "events: {} added, 0 duplicate",
            rest * KILL_EVENTS_PER_FILE as u64
        )),
        "{stderr}"
    );
    assert_eq!(
        scalar(&db, "SELECT count(*) FROM events"),
        total.to_string()
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT count(DISTINCT (recipient_account_id, event_id)) FROM events"
        ),
        total.to_string()
    );
    assert_eq!(scalar(&db, "SELECT count(*) FROM duplicate_events"), "0");
    assert_eq!(scalar(&db, "SELECT count(*) FROM load_errors"), "0");
    let (want_sources, want_events) = case_contents(&clean);
    let (got_sources, got_events) = case_contents(&db);
    assert_eq!(
        got_sources, want_sources,
        "files differ from a clean ingest"
    );
    assert!(
        got_events == want_events,
        "events differ from a clean ingest ({} against {})",
        got_events.len(),
        want_events.len()
    );
}

#[test]
fn progress_is_drawn_on_a_terminal_only_and_never_with_quiet() {
    let dir = tempfile::tempdir().unwrap();
    large_tree(&dir.path().join("export"), 40, 200);
    let bin = assert_cmd::cargo::cargo_bin("rootlens");
    let export = dir.path().join("export");

    // Not a terminal (as in these tests): a summary, but no bar.
    let piped = rootlens()
        .args(["ingest", "--db"])
        .arg(dir.path().join("a.duckdb"))
        .arg(&export)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&piped.stderr);
    assert!(stderr.contains("events: 8000 added"), "{stderr}");
    assert!(!stderr.contains("ETA"), "{stderr}");

    // A pseudo-terminal (util-linux `script`): the bar with files, events, rate and ETA.
    let on_tty = |quiet: &str, db: &str| {
        let command = format!(
            "{} ingest {quiet} --db {} {}",
            bin.display(),
            dir.path().join(db).display(),
            export.display()
        );
        let output = std::process::Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .output();
        String::from_utf8_lossy(&output.expect("util-linux script is installed").stdout)
            .into_owned()
    };
    let shown = on_tty("", "b.duckdb");
    assert!(shown.contains("files,") && shown.contains("ETA"), "{shown}");
    let quiet = on_tty("--quiet", "c.duckdb");
    assert!(
        !quiet.contains("ETA") && !quiet.contains("events:"),
        "{quiet}"
    );
}

/// Records written by hand: key order, white space and text beyond ASCII as found in the wild.
const IN_PARTS: [&str; 3] = [
    // Request then response, white space around the colons.
    "{\"eventVersion\":\"1.08\",\"eventID\":\"p-1\",\"eventTime\":\"2024-05-01T10:00:00Z\",\
     \"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"RunInstances\",\"awsRegion\":\"us-east-1\",\
     \"recipientAccountId\":\"111122223333\",\"userAgent\":\"agent \u{2713} \u{e9}\",\
     \"requestParameters\" : {\"instanceType\":\"p4d.24xlarge\",\"tag\":\"\u{1F600}\"},\
     \"responseElements\":\t{\"ok\":  true},\"tail\":\"\u{fc}\"}",
    // The response before the request.
    "{\"eventID\":\"p-2\",\"eventTime\":\"2024-05-01T10:00:01Z\",\"eventName\":\"AssumeRole\",\
     \"recipientAccountId\":\"111122223333\",\"responseElements\":{\"credentials\":{\"accessKeyId\":\"ASIAEXAMPLE\"}},\
     \"note\":\"\u{e9}\u{e9}\",\"requestParameters\":{\"roleSessionName\":\"s\u{e9}\"}}",
    // A null request and no response: stored whole.
    "{\"eventID\":\"p-3\",\"eventTime\":\"2024-05-01T10:00:02Z\",\"eventName\":\"GetUser\",\
     \"recipientAccountId\":\"111122223333\",\"requestParameters\":null}",
];

fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

/// `raw` of each event of IN_PARTS as the case gives it back, hashed, and its two parts.
fn read_back(db: &Path) -> Vec<Vec<String>> {
    sql(
        db,
        "SELECT event_id, sha256(raw::VARCHAR), request_parameters::VARCHAR,
                response_elements::VARCHAR
         FROM events ORDER BY event_id",
    )
}

fn expected_read_back() -> Vec<Vec<String>> {
    let parts = |text: &str, key: &str| {
        let record: Value = serde_json::from_str(text).unwrap();
        match &record[key] {
            Value::Null => String::new(),
            value => serde_json::to_string(value).unwrap(),
        }
    };
    IN_PARTS
        .iter()
        .enumerate()
        .map(|(i, text)| {
            vec![
                format!("p-{}", i + 1),
                sha256_hex(text),
                parts(text, "requestParameters"),
                parts(text, "responseElements"),
            ]
        })
        .collect()
}

#[test]
fn request_and_response_parts_are_stored_apart_and_records_read_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{{\"Records\":[\n{}\n]}}", IN_PARTS.join(",\n"));
    let input = write(dir.path(), "in/parts.json", text.as_bytes());
    let db = ingest_cleanly(&dir.path().join("case.duckdb"), &[&input]);
    assert_eq!(read_back(&db), expected_read_back());
    // Stored apart: the record's text holds neither part, and nothing is stored twice.
    assert_eq!(
        sql(
            &db,
            "SELECT event_id, raw IS NULL, contains(raw_rest, 'p4d') OR contains(raw_rest, 'ASIA'),
                    request_parameters_text IS NOT NULL, response_elements_text IS NOT NULL
             FROM event_records ORDER BY event_id"
        ),
        [
            ["p-1", "true", "false", "true", "true"],
            ["p-2", "true", "false", "true", "true"],
            ["p-3", "false", "", "false", "false"],
        ]
    );
}

#[test]
fn a_case_written_before_records_were_stored_in_parts_reads_and_grows() {
    let dir = tempfile::tempdir().unwrap();
    let first = write(dir.path(), "in/first.json", IN_PARTS[2].as_bytes());
    let db = ingest_cleanly(&dir.path().join("case.duckdb"), &[&first]);
    // The shape of a case written before: no columns for the parts, a view without them (in
    // one command: opening a case for writing adds missing columns).
    let old_shape = rootlens()
        .args(["query", "--write", "--db"])
        .arg(&db)
        .arg(
            "ALTER TABLE event_records DROP COLUMN IF EXISTS raw_rest;
             ALTER TABLE event_records DROP COLUMN IF EXISTS request_parameters_text;
             ALTER TABLE event_records DROP COLUMN IF EXISTS request_parameters_at;
             ALTER TABLE event_records DROP COLUMN IF EXISTS response_elements_text;
             ALTER TABLE event_records DROP COLUMN IF EXISTS response_elements_at;
             CREATE OR REPLACE VIEW events AS SELECT *, rowid AS event_row FROM event_records",
        )
        .output()
        .unwrap();
    assert!(
        old_shape.status.success(),
        "{}",
        String::from_utf8_lossy(&old_shape.stderr)
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'event_records'
             AND column_name IN ('raw_rest', 'request_parameters_at')"
        ),
        "0"
    );
    // Read as it is (read-only: the file is not changed).
    assert_eq!(read_back(&db), expected_read_back()[2..]);
    // Ingesting into it adds the columns; old and new records read back alike.
    let second = write(
        dir.path(),
        "in/second.json",
        format!("[{},{}]", IN_PARTS[0], IN_PARTS[1]).as_bytes(),
    );
    ingest_cleanly(&db, &[&second]);
    assert_eq!(read_back(&db), expected_read_back());
}
