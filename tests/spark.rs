//! The same investigations on two engines: every investigation's fixtures (fires/ and quiet/)
//! and sample-data/ through DuckDB (`rootlens run`) and through Apache Spark (`local[2]`, the
//! driver in spark/ over `rootlens export parquet`) must give the same rows. Row order and
//! float formatting are normalised; any other difference, or an investigation failing on one
//! engine only, fails the test.
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

/// One case on both engines: DuckDB's findings, and the Parquet the Spark job reads.
struct Case {
    name: String,
    duckdb: PathBuf,
    spark: PathBuf,
    lake: PathBuf,
    only: Option<String>,
}

/// Ingests `inputs` (paths and ingest options), runs `only` (or everything) and exports the
/// case to Parquet, under `dir`.
fn prepare(name: &str, dir: &Path, inputs: &[std::ffi::OsString], only: Option<&str>) -> Case {
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
        lake,
        only: only.map(str::to_string),
    }
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

    let jobs: Vec<Value> = cases
        .iter()
        .map(|c| {
            json!({
                "events": c.lake.join("events"),
                "credential_reports": c.lake.join("credential_report"),
                "tables": c.lake,
                "out": c.spark,
                "only": c.only.iter().collect::<Vec<_>>(),
            })
        })
        .collect();
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
