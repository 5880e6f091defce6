//! Every built-in investigation against its own fixtures: `fires/` must make it report rows,
//! `quiet/` (look-alikes) must not. Fixtures live in tests/fixtures/investigations/<id>/; an
//! optional `expect.txt` beside them lists strings (event ids, user names) the findings must contain,
//! and an optional `args.txt` arguments for `run`, one a line (e.g. `--org-domain`, `acme.com`).

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/investigations")
}

/// A fixture path as the reader finds it: relative to the repository.
fn shown(path: &Path) -> String {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path)
        .display()
        .to_string()
}

fn built_in_ids() -> Vec<String> {
    let output = rootlens().args(["queries", "list"]).output().unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| line.split_whitespace().nth(2).unwrap().to_string())
        .collect()
}

/// Ingests `inputs` into a new case and runs one investigation; returns its finding, or what
/// went wrong.
fn run_on(inputs: &Path, id: &str) -> Result<serde_json::Value, String> {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("case.duckdb");
    let geo = fixture_geo_args(inputs.parent().unwrap(), dir.path());
    let ingest = rootlens()
        .args(["ingest", "--quiet", "--db"])
        .arg(&db)
        .args(&geo)
        .arg(inputs)
        .output()
        .unwrap();
    if ingest.status.code() != Some(0) {
        return Err(format!(
            "did not ingest cleanly (exit {:?}): {}",
            ingest.status.code(),
            String::from_utf8_lossy(&ingest.stderr).trim()
        ));
    }
    let findings = dir.path().join("findings.json");
    let extra =
        std::fs::read_to_string(inputs.parent().unwrap().join("args.txt")).unwrap_or_default();
    let run = rootlens()
        .args(["run", "--only", id, "--db"])
        .arg(&db)
        .args(extra.lines().map(str::trim).filter(|l| !l.is_empty()))
        .arg("--findings")
        .arg(&findings)
        .output()
        .unwrap();
    if run.status.code() != Some(0) {
        return Err(format!(
            "`run --only {id}` exited {:?}: {}",
            run.status.code(),
            String::from_utf8_lossy(&run.stderr).trim()
        ));
    }
    let all: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&findings).unwrap()).unwrap();
    let finding = all["investigations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .ok_or_else(|| format!("{id} missing from findings"))?
        .clone();
    if finding["status"] != "ok" {
        return Err(format!(
            "status {} (not ok): {}",
            finding["status"], finding["error"]
        ));
    }
    Ok(finding)
}

/// Checks one investigation against tests/fixtures/investigations/<id>/: every problem found,
/// each prefixed with the folder it concerns.
fn check_fixture(id: &str) -> Vec<String> {
    let root = fixtures().join(id);
    let mut problems = Vec::new();
    let fires = root.join("fires");
    let quiet = root.join("quiet");
    if !fires.is_dir() || !quiet.is_dir() {
        return vec![format!(
            "{}: has no fires/ and quiet/ fixtures",
            shown(&root)
        )];
    }
    match run_on(&fires, id) {
        Err(e) => problems.push(format!("{}: {e}", shown(&fires))),
        Ok(fired) => {
            if fired["row_count"].as_u64().unwrap() == 0 {
                problems.push(format!("{}: {id} did not fire", shown(&fires)));
            }
            if let Ok(expect) = std::fs::read_to_string(root.join("expect.txt")) {
                let rows = fired["rows"].to_string();
                for needle in expect.lines().map(str::trim).filter(|l| !l.is_empty()) {
                    if !rows.contains(needle) {
                        problems.push(format!(
                            "{}: findings lack {needle:?} (expect.txt): {rows}",
                            shown(&fires)
                        ));
                    }
                }
            }
        }
    }
    match run_on(&quiet, id) {
        Err(e) => problems.push(format!("{}: {e}", shown(&quiet))),
        Ok(calm) => {
            if calm["row_count"] != 0 {
                problems.push(format!(
                    "{}: {id} fired on its look-alikes: {}",
                    shown(&quiet),
                    calm["rows"]
                ));
            }
        }
    }
    problems
}

/// Every fixture folder is checked, a few at a time, and the test fails listing every folder that
/// failed (not just the first).
#[test]
fn every_investigation_fires_on_its_fixtures_and_stays_quiet_on_look_alikes() {
    let ids = built_in_ids();
    assert!(ids.len() >= 30, "only {} investigations", ids.len());

    let next = std::sync::atomic::AtomicUsize::new(0);
    let problems = std::sync::Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(id) = ids.get(i) else { break };
                let found = check_fixture(id);
                problems.lock().unwrap().extend(found);
            });
        }
    });
    let mut problems = problems.into_inner().unwrap();

    // A fixture folder no investigation owns (renamed or removed) tests nothing.
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !ids.contains(&name) {
            problems.push(format!(
                "{}: no built-in investigation has this id",
                shown(&fixtures().join(name))
            ));
        }
    }
    problems.sort();
    assert!(
        problems.is_empty(),
        "{} problem(s) in the fixtures of {} investigations:\n{}",
        problems.len(),
        ids.len(),
        problems.join("\n")
    );
}

#[test]
fn the_built_in_library_passes_lint() {
    let output = rootlens().args(["queries", "lint"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains(", 0 problems"), "{stdout}");
}

#[test]
fn lint_names_the_file_and_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "bad/no-order.sql",
        b"-- id: no-order\n-- title: t\n-- severity: low\n-- category: c\n-- source: cloudtrail\n\
-- description: d\n-- next: n\nSELECT recipient_account_id AS account_id, event_id FROM events\n",
    );
    write(
        dir.path(),
        "bad/no-columns.sql",
        b"-- id: no-columns\n-- title: t\n-- severity: low\n-- category: c\n-- source: cloudtrail\n\
-- description: d\n-- next: n\nSELECT event_name FROM events ORDER BY 1\n",
    );
    write(
        dir.path(),
        "bad/broken.sql",
        b"-- id: broken\n-- title: t\n-- severity: low\n-- category: c\n-- source: cloudtrail\n\
-- description: d\n-- next: n\nSELECT nope FROM events ORDER BY 1\n",
    );
    let output = rootlens()
        .args(["queries", "lint"])
        .arg(dir.path().join("bad"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("no-order.sql: the query has no ORDER BY"),
        "{stdout}"
    );
    assert!(
        stdout.contains("no-columns.sql: rows lack a `account_id` column"),
        "{stdout}"
    );
    assert!(stdout.contains("broken.sql: SQL error"), "{stdout}");

    write(
        dir.path(),
        "header/x.sql",
        b"-- id: x\n-- severity: urgent\nSELECT 1\n",
    );
    let output = rootlens()
        .args(["queries", "lint"])
        .arg(dir.path().join("header"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("x.sql"));
}
