//! The same investigations on two engines: every investigation's fixtures (fires/ and quiet/)
//! and sample-data/ through DuckDB (`rootlens run`) and through Apache Spark (`local[2]`, the
//! driver in spark/ over `rootlens export parquet`) must give the same rows. Row order and
//! float formatting are normalised; any other difference, or an investigation failing on one
//! engine only, fails the test.
//!
//! The raw-archive route too (`--cloudtrail DIR`: the `{"Records":[…]}` objects read by Spark
//! itself): sample-data/AWSLogs and the fixtures' CloudTrail archive files give the same rows
//! as `rootlens run` over a case ingested from the same files, except for the investigations
//! that need inputs other than the records (credential reports, geo databases, digest checks,
//! posture outputs), which must be exactly those listed below and reported as skipped.
//!
//! Spark comes from the virtual environment `.ci/run` prepares ($ROOTLENS_SPARK_PYTHON, else
//! ~/.cache/rootlens-spark-venv/bin/python) and needs Java 17+. Without them the test says it
//! was skipped (and is listed in $ROOTLENS_SKIP_LOG); under CI it fails instead.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::{json, Value};

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn spark_python() -> PathBuf {
    std::env::var_os("ROOTLENS_SPARK_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/rootlens-spark-venv/bin/python")
        })
}

/// Why Spark cannot run here, if it cannot.
fn spark_unavailable() -> Option<String> {
    let python = spark_python();
    let check = Command::new(&python)
        .args(["-c", "import pyspark, sqlglot"])
        .output();
    match check {
        Err(e) => return Some(format!("{}: {e}", python.display())),
        Ok(out) if !out.status.success() => {
            return Some(format!(
                "{} cannot import pyspark and sqlglot: {}",
                python.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
        Ok(_) => {}
    }
    match Command::new("java").arg("-version").output() {
        Ok(out) if out.status.success() => None,
        _ => Some("no java on PATH (Spark needs Java 17+)".into()),
    }
}

/// A test that cannot run here: a failure under CI, otherwise a line on the terminal and in
/// the skip log (as the browser tests do).
fn skip(test: &str, reason: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: {reason}; CI must install it (.ci/run)"
    );
    let line = format!("{test}: {reason}");
    let _ = writeln!(std::io::stderr(), "SKIPPED {line}");
    let log = std::env::var_os("ROOTLENS_SKIP_LOG")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("skipped-tests.txt"));
    if let Some(parent) = log.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .unwrap();
    writeln!(file, "{line}").unwrap();
}

fn ok(output: &std::process::Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} exited {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// What the Spark job reads of a case.
enum Route {
    /// `rootlens export parquet` of the case.
    Parquet(PathBuf),
    /// The CloudTrail archive files the case was ingested from (`--cloudtrail`).
    Raw(Vec<PathBuf>),
}

/// One case on both engines: DuckDB's findings, and what the Spark job reads.
struct Case {
    name: String,
    duckdb: PathBuf,
    spark: PathBuf,
    route: Route,
    only: Option<String>,
}

impl Case {
    /// The Spark driver's job for this case (an entry of `--batch`).
    fn job(&self) -> Value {
        let mut job = match &self.route {
            Route::Parquet(lake) => json!({
                "events": lake.join("events"),
                "credential_reports": lake.join("credential_report"),
                "tables": lake,
            }),
            Route::Raw(archive) => json!({ "cloudtrail": archive }),
        };
        job["out"] = json!(self.spark);
        job["only"] = json!(self.only.iter().collect::<Vec<_>>());
        job
    }
}

/// The investigations a raw-archive run cannot have, each with what it needs and the words
/// its skip reason must contain. Everything else needs only the records and must run.
const CREDENTIAL_REPORTS: &[&str] = &[
    "cis-1.10-console-user-without-mfa",
    "cis-1.11-key-unused-since-setup",
    "cis-1.12-credentials-unused",
    "cis-1.13-two-active-keys",
    "cis-1.14-key-not-rotated",
    "cis-1.4-root-access-key",
    "cis-1.5-root-mfa-off",
    "cis-1.7-root-used-recently",
    "credential-use-without-cloudtrail",
    "identities-missing-from-report",
];
/// Digest files and CloudTrail's public keys (`rootlens verify`).
const DIGEST_CHECKS: &[&str] = &[
    "digest-chain-broken",
    "digest-chain-null-link",
    "digest-coverage",
    "digest-signature-invalid",
    "digest-signatures-unchecked",
    "log-file-missing",
    "log-file-modified",
    "log-file-unlisted",
];
/// A geo database (`requires: geo`).
const GEO: &[&str] = &["first-seen-country-or-asn", "impossible-travel"];

/// What a raw-archive run must say when it skips `id`, if it must skip it.
fn raw_skip_reason(id: &str) -> Option<&'static str> {
    if CREDENTIAL_REPORTS.contains(&id) {
        Some("credential reports")
    } else if DIGEST_CHECKS.contains(&id) {
        Some("digest checks")
    } else if GEO.contains(&id) {
        Some("no geo database")
    } else {
        None
    }
}

/// Ingests `inputs` (paths and ingest options) into a new case under `dir` and runs `only` (or
/// everything) with DuckDB; returns the case and its findings.
fn ingest_and_run(
    name: &str,
    dir: &Path,
    inputs: &[std::ffi::OsString],
    only: Option<&str>,
) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let db = dir.join("case.duckdb");
    let ingest = rootlens()
        .args(["ingest", "--quiet", "--db"])
        .arg(&db)
        .args(inputs)
        .output()
        .unwrap();
    assert!(
        matches!(ingest.status.code(), Some(0) | Some(3)),
        "{name}: ingest exited {:?}: {}",
        ingest.status.code(),
        String::from_utf8_lossy(&ingest.stderr)
    );
    let duckdb = dir.join("duckdb.json");
    let mut run = rootlens();
    run.args(["run", "--db"])
        .arg(&db)
        .arg("--findings")
        .arg(&duckdb);
    if let Some(id) = only {
        run.args(["--only", id]);
    }
    ok(&run.output().unwrap(), &format!("{name}: rootlens run"));
    (db, duckdb)
}

/// Ingests `inputs`, runs `only` (or everything) and exports the case to Parquet, under `dir`.
fn prepare(name: &str, dir: &Path, inputs: &[std::ffi::OsString], only: Option<&str>) -> Case {
    let (db, duckdb) = ingest_and_run(name, dir, inputs, only);
    let lake = dir.join("lake");
    ok(
        &rootlens()
            .args(["export", "parquet", "--quiet", "--db"])
            .arg(&db)
            .arg("--out")
            .arg(&lake)
            .output()
            .unwrap(),
        &format!("{name}: export parquet"),
    );
    Case {
        name: name.to_string(),
        duckdb,
        spark: dir.join("spark.json"),
        route: Route::Parquet(lake),
        only: only.map(str::to_string),
    }
}

/// Ingests the CloudTrail archive at `archive` (no geo databases, as a raw-archive run has
/// none) and runs every investigation, under `dir`; Spark reads the same files.
fn prepare_raw(name: &str, dir: &Path, archive: &Path) -> Case {
    let (_, duckdb) = ingest_and_run(name, dir, &[archive.as_os_str().to_owned()], None);
    Case {
        name: name.to_string(),
        duckdb,
        spark: dir.join("spark.json"),
        route: Route::Raw(vec![archive.to_path_buf()]),
        only: None,
    }
}

/// Whether `path` is a CloudTrail archive object: `{"Records": [...]}`, gzipped or not.
fn is_archive_object(path: &Path) -> bool {
    let name = path.file_name().unwrap().to_string_lossy();
    let bytes = std::fs::read(path).unwrap();
    let text = if name.ends_with(".json.gz") {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut out)
            .unwrap();
        out
    } else if name.ends_with(".json") {
        bytes
    } else {
        return false;
    };
    serde_json::from_slice::<Value>(&text).is_ok_and(|v| v["Records"].is_array())
}

/// The CloudTrail archive files of every fixture's `side` (fires or quiet), copied under
/// `into/<fixture>/` with their paths; returns how many.
fn copy_archive_files(fixtures: &[PathBuf], side: &str, into: &Path) -> usize {
    let mut copied = 0;
    for fixture in fixtures {
        let root = fixture.join(side);
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if is_archive_object(&path) {
                    let target = into
                        .join(fixture.file_name().unwrap())
                        .join(path.strip_prefix(&root).unwrap());
                    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                    std::fs::copy(&path, &target).unwrap();
                    copied += 1;
                }
            }
        }
    }
    copied
}

/// A cell as compared: floats to 9 significant digits (the engines sum in different orders).
fn normalise(value: &Value) -> Value {
    match value {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap();
            json!(format!("{f:.8e}").parse::<f64>().unwrap())
        }
        Value::Array(items) => Value::Array(items.iter().map(normalise).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), normalise(v))).collect())
        }
        other => other.clone(),
    }
}

/// The geo databases of every fixture that has a geo.json, as one pair of databases (a network
/// listed twice keeps its first record).
fn combined_geo(fixtures: &[PathBuf], dir: &Path) -> Vec<std::ffi::OsString> {
    let mut seen = std::collections::BTreeSet::new();
    let mut entries = Vec::new();
    for fixture in fixtures {
        let Ok(text) = std::fs::read_to_string(fixture.join("geo.json")) else {
            continue;
        };
        let list: Vec<Value> = serde_json::from_str(&text).unwrap();
        for entry in list {
            let key = (entry["network"].to_string(), entry.get("city").is_some());
            if seen.insert(key) {
                entries.push(entry);
            }
        }
    }
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("geo.json"), serde_json::to_vec(&entries).unwrap()).unwrap();
    fixture_geo_args(dir, dir)
}

/// Every difference between the two findings files of one case.
fn differences(case: &Case) -> Vec<String> {
    let read = |path: &Path| -> Value {
        serde_json::from_slice(
            &std::fs::read(path)
                .unwrap_or_else(|e| panic!("{}: cannot read {}: {e}", case.name, path.display())),
        )
        .unwrap()
    };
    let (duckdb, spark) = (read(&case.duckdb), read(&case.spark));
    let mut problems = Vec::new();
    if spark["origin"] != "spark" || spark["schema"] != "rootlens.findings/1" {
        problems.push(format!(
            "{}: the Spark findings say schema {} origin {}",
            case.name, spark["schema"], spark["origin"]
        ));
    }
    for key in ["accounts", "regions", "first_event", "last_event", "events"] {
        if duckdb["case"][key] != spark["case"][key] {
            problems.push(format!(
                "{}: case.{key}: DuckDB {} Spark {}",
                case.name, duckdb["case"][key], spark["case"][key]
            ));
        }
    }
    let by_id = |all: &Value| -> std::collections::BTreeMap<String, Value> {
        all["investigations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["id"].as_str().unwrap().to_string(), f.clone()))
            .collect()
    };
    let (mut ours, mut theirs) = (by_id(&duckdb), by_id(&spark));
    // Compared: the investigation library both engines run. Sigma rules are compiled in the
    // binary and run on DuckDB only; the posture checks are skipped on Spark, saying why (their
    // views over the saved CLI outputs are DuckDB's); both are checked by their own tests.
    for (id, finding) in &theirs {
        if finding["source"] == "posture" {
            assert_eq!(
                finding["status"], "skipped",
                "{}: Spark ran {id}",
                case.name
            );
        }
    }
    ours.retain(|id, f| !id.starts_with("sigma.") && f["source"] != "posture");
    theirs.retain(|id, f| !id.starts_with("sigma.") && f["source"] != "posture");
    if let Route::Raw(_) = case.route {
        problems.extend(raw_skips(&case.name, &ours, &theirs));
        ours.retain(|id, _| raw_skip_reason(id).is_none());
        theirs.retain(|id, _| raw_skip_reason(id).is_none());
    }
    if ours.keys().ne(theirs.keys()) {
        problems.push(format!(
            "{}: different investigations: DuckDB {:?} Spark {:?}",
            case.name,
            ours.keys().collect::<Vec<_>>(),
            theirs.keys().collect::<Vec<_>>()
        ));
    }
    for (id, a) in &ours {
        let Some(b) = theirs.get(id) else { continue };
        let place = format!("{} {id}", case.name);
        if a["status"] != b["status"] {
            problems.push(format!(
                "{place}: status DuckDB {} ({}) Spark {} ({})",
                a["status"], a["error"], b["status"], b["error"]
            ));
            continue;
        }
        if a["columns"] != b["columns"] {
            problems.push(format!(
                "{place}: columns DuckDB {} Spark {}",
                a["columns"], b["columns"]
            ));
        }
        if a["severity"] != b["severity"] {
            problems.push(format!(
                "{place}: severity DuckDB {} Spark {}",
                a["severity"], b["severity"]
            ));
        }
        let rows = |f: &Value| -> Vec<String> {
            let mut rows: Vec<String> = f["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| normalise(r).to_string())
                .collect();
            rows.sort();
            rows
        };
        let (ra, rb) = (rows(a), rows(b));
        if ra != rb {
            let only_a: Vec<&String> = ra.iter().filter(|r| !rb.contains(r)).take(2).collect();
            let only_b: Vec<&String> = rb.iter().filter(|r| !ra.contains(r)).take(2).collect();
            problems.push(format!(
                "{place}: {} rows on DuckDB, {} on Spark; only on DuckDB: {only_a:?}; only on Spark: {only_b:?}",
                ra.len(),
                rb.len()
            ));
        }
    }
    problems
}

/// A raw-archive run skips exactly the investigations that need more than the records, each
/// saying what it lacks; the list above covers every investigation whose header declares
/// another source.
fn raw_skips(
    name: &str,
    duckdb: &std::collections::BTreeMap<String, Value>,
    spark: &std::collections::BTreeMap<String, Value>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for id in CREDENTIAL_REPORTS.iter().chain(DIGEST_CHECKS).chain(GEO) {
        if !spark.contains_key(*id) {
            problems.push(format!(
                "{name}: {id} (listed as needing more than the records) is not an investigation"
            ));
        }
    }
    for (id, finding) in duckdb {
        if matches!(
            finding["source"].as_str(),
            Some("credential_report" | "both")
        ) && !CREDENTIAL_REPORTS.contains(&id.as_str())
        {
            problems.push(format!(
                "{name}: {id} reads credential reports but is not in CREDENTIAL_REPORTS"
            ));
        }
    }
    for (id, finding) in spark {
        let skipped = finding["status"] == "skipped";
        let reason = finding["error"].as_str().unwrap_or("");
        match raw_skip_reason(id) {
            Some(words) if !skipped => problems.push(format!(
                "{name} {id}: needs {words} but a raw-archive run gave status {}",
                finding["status"]
            )),
            Some(words) if !reason.contains(words) => problems.push(format!(
                "{name} {id}: skipped without saying it lacks {words}: {reason}"
            )),
            None if skipped => problems.push(format!(
                "{name} {id}: needs only CloudTrail records but a raw-archive run skipped it: {reason}"
            )),
            _ => {}
        }
    }
    problems
}

#[test]
fn duckdb_and_spark_give_the_same_rows_for_every_investigation() {
    if let Some(reason) = spark_unavailable() {
        skip(
            "duckdb_and_spark_give_the_same_rows_for_every_investigation",
            &reason,
        );
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let mut cases = vec![prepare(
        "sample-data",
        &work.path().join("sample"),
        &[repository().join("sample-data").into_os_string()],
        None,
    )];
    // Every investigation's fixtures, all fires/ folders in one case and all quiet/ folders in
    // another (one Spark run each: a run per fixture would take hours on a small machine).
    // Each engine sees the same data, which is what is compared.
    let fixtures = repository().join("tests/fixtures/investigations");
    let mut ids: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    ids.sort();
    for side in ["fires", "quiet"] {
        let dir = work.path().join(side);
        let mut inputs = combined_geo(&ids, &dir);
        inputs.extend(ids.iter().map(|id| id.join(side).into_os_string()));
        cases.push(prepare(&format!("fixtures/*/{side}"), &dir, &inputs, None));
    }
    // The raw-archive route, in the same Spark session: the sample archive as it is (digests
    // and an Insight file among the logs), and the fixtures' CloudTrail archive files.
    cases.push(prepare_raw(
        "raw sample-data/AWSLogs",
        &work.path().join("raw-sample"),
        &repository().join("sample-data/AWSLogs"),
    ));
    for side in ["fires", "quiet"] {
        let archive = work.path().join(format!("archive-{side}"));
        let copied = copy_archive_files(&ids, side, &archive);
        assert!(
            copied > 50,
            "only {copied} CloudTrail archive files among the fixtures' {side}/"
        );
        cases.push(prepare_raw(
            &format!("raw fixtures/*/{side}"),
            &work.path().join(format!("raw-{side}")),
            &archive,
        ));
    }

    let jobs: Vec<Value> = cases.iter().map(Case::job).collect();
    let batch = work.path().join("jobs.json");
    std::fs::write(&batch, serde_json::to_vec(&jobs).unwrap()).unwrap();
    let spark = Command::new(spark_python())
        .arg(repository().join("spark/rootlens_spark.py"))
        .args(["--master", "local[2]", "--quiet", "--batch"])
        .arg(&batch)
        .env_remove("PYSPARK_SUBMIT_ARGS")
        .output()
        .unwrap();
    // Exit 2 means an investigation failed on Spark: the comparison below names it.
    assert!(
        matches!(spark.status.code(), Some(0) | Some(2)),
        "the Spark driver exited {:?}: {}",
        spark.status.code(),
        String::from_utf8_lossy(&spark.stderr)
    );

    let mut problems: Vec<String> = cases.iter().flat_map(differences).collect();
    problems.sort();
    assert!(
        problems.is_empty(),
        "{} difference(s) between DuckDB and Spark over {} cases:\n{}",
        problems.len(),
        cases.len(),
        problems.join("\n")
    );
}

/// The raw-archive route classifies source addresses itself (a raw archive has no `rootlens
/// ingest`): every value gets the class ingest gives it, over the edge cases of
/// src/enrich/geo/classify.rs. Runs the driver's Python function, no Spark session.
#[test]
fn raw_archive_route_classifies_addresses_as_ingest_does() {
    if let Some(reason) = spark_unavailable() {
        skip(
            "raw_archive_route_classifies_addresses_as_ingest_does",
            &reason,
        );
        return;
    }
    let values = [
        "81.2.69.160",
        "2a00:1450:4009::1",
        " 8.8.8.8 ",
        "10.1.2.3",
        "172.31.255.255",
        "192.168.1.1",
        "100.64.0.1",
        "fd12:3456::1",
        "::ffff:10.0.0.1",
        "127.8.8.8",
        "::1",
        "::ffff:127.0.0.1",
        "169.254.169.254",
        "fe80::1",
        "0.0.0.0",
        "::",
        "224.0.0.1",
        "ff02::1",
        "255.255.255.255",
        "198.18.0.1",
        "192.0.0.8",
        "192.0.2.1",
        "198.51.100.1",
        "203.0.113.1",
        "192.0.3.1",
        "2001:db8::1",
        "3fff::1",
        "3fff:1000::1",
        "2001:2::1",
        "2001:10::1",
        "64:ff9b::808:808",
        "100::1",
        "cloudtrail.amazonaws.com",
        "AWS Internal",
        "s3.cn-north-1.amazonaws.com.cn",
        "*.amazonaws.com",
        "amazonaws.com",
        "evil.amazonaws.com.example.net",
        "bad host.amazonaws.com",
        "225.01.00.16",
        "256.1.1.1",
        "1.2.3",
        "1.2.3.4:443",
        "[::1]",
        "fe80::1%eth0",
        "example.com",
        "",
    ];
    let work = tempfile::tempdir().unwrap();
    let events: Vec<Value> = values
        .iter()
        .enumerate()
        .map(|(i, ip)| {
            let mut e = event(
                &format!("ip-{i}"),
                PROD,
                "ListUsers",
                "2024-05-01T10:00:00Z",
            );
            e["sourceIPAddress"] = json!(ip);
            e
        })
        .collect();
    let archive = write(
        work.path(),
        &s3_key(PROD, "us-east-1", "20240501", "1000"),
        &gzip(&records(&events)),
    );
    let db = ingest_cleanly(&work.path().join("case.duckdb"), &[&archive]);
    let ingest: std::collections::BTreeMap<String, String> = sql(
        &db,
        "SELECT source_ip, ip_class FROM ip_enrichment ORDER BY 1",
    )
    .into_iter()
    .map(|row| (row[0].clone(), row[1].clone()))
    .collect();
    assert_eq!(ingest.len(), values.len(), "ingest classified {ingest:?}");
    let script = "import json, sys\n\
                  from rlspark.raw import ip_class\n\
                  print(json.dumps({v: ip_class(v) for v in json.load(sys.stdin)}))";
    let mut python = Command::new(spark_python())
        .args(["-c", script])
        .current_dir(repository().join("spark"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    python
        .stdin
        .take()
        .unwrap()
        .write_all(&serde_json::to_vec(&values[..]).unwrap())
        .unwrap();
    let output = python.wait_with_output().unwrap();
    ok(&output, "rlspark.raw.ip_class");
    let spark: std::collections::BTreeMap<String, String> =
        serde_json::from_slice(&output.stdout).unwrap();
    let differ: Vec<String> = ingest
        .iter()
        .filter(|(value, class)| spark.get(*value) != Some(class))
        .map(|(value, class)| {
            format!(
                "{value:?}: ingest {class}, raw route {:?}",
                spark.get(value)
            )
        })
        .collect();
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
