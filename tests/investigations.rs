//! Every built-in investigation against its own fixtures: `fires/` must make it report rows,
//! `quiet/` (look-alikes) must not. Fixtures live in tests/fixtures/investigations/<id>/; an
//! optional `expect.txt` beside them lists strings (event ids, user names) the findings must contain.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/investigations")
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

/// Geo databases for a fixture: `geo.json` beside fires/ and quiet/ lists
/// `{"network": CIDR, "city": [cc, country, city, lat, lon, radius_km]}` and/or
/// `{"network": CIDR, "asn": [number, organisation]}`; they are written as .mmdb files.
fn geo_args(fixture: &Path, dir: &Path) -> Vec<std::ffi::OsString> {
    let Ok(text) = std::fs::read_to_string(fixture.join("geo.json")) else {
        return Vec::new();
    };
    let entries: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let (mut cities, mut asns) = (Vec::new(), Vec::new());
    for entry in &entries {
        let network = entry["network"].as_str().unwrap().to_string();
        if let Some(c) = entry["city"].as_array() {
            let text = |i: usize| c[i].as_str().unwrap().to_string();
            let record = common::mmdb::city(
                &text(0),
                &text(1),
                None,
                Some(&text(2)),
                c[3].as_f64().unwrap(),
                c[4].as_f64().unwrap(),
                c[5].as_u64().unwrap() as u16,
            );
            cities.push((network.clone(), record));
        }
        if let Some(a) = entry["asn"].as_array() {
            asns.push((
                network,
                common::mmdb::asn(a[0].as_u64().unwrap() as u32, a[1].as_str().unwrap()),
            ));
        }
    }
    let city = dir.join("GeoLite2-City.mmdb");
    let asn = dir.join("GeoLite2-ASN.mmdb");
    let cities: Vec<(&str, _)> = cities.iter().map(|(n, r)| (n.as_str(), r)).collect();
    let asns: Vec<(&str, _)> = asns.iter().map(|(n, r)| (n.as_str(), r)).collect();
    common::mmdb::write_mmdb(&city, "GeoLite2-City", &cities);
    common::mmdb::write_mmdb(&asn, "GeoLite2-ASN", &asns);
    vec![
        "--geoip-city".into(),
        city.into(),
        "--geoip-asn".into(),
        asn.into(),
    ]
}

/// Ingests `inputs` into a new case and runs one investigation; returns its finding.
fn run_on(inputs: &Path, id: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("case.duckdb");
    let geo = geo_args(inputs.parent().unwrap(), dir.path());
    let ingest = rootlens()
        .args(["ingest", "--quiet", "--db"])
        .arg(&db)
        .args(&geo)
        .arg(inputs)
        .output()
        .unwrap();
    assert_eq!(
        ingest.status.code(),
        Some(0),
        "{id}: fixtures in {} did not ingest cleanly: {}",
        inputs.display(),
        String::from_utf8_lossy(&ingest.stderr)
    );
    let findings = dir.path().join("findings.json");
    let run = rootlens()
        .args(["run", "--only", id, "--db"])
        .arg(&db)
        .arg("--findings")
        .arg(&findings)
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{id}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let all: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&findings).unwrap()).unwrap();
    let finding = all["investigations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("{id} missing from findings"))
        .clone();
    assert_eq!(finding["status"], "ok", "{id}: {}", finding["error"]);
    finding
}

#[test]
fn every_investigation_fires_on_its_fixtures_and_stays_quiet_on_look_alikes() {
    let ids = built_in_ids();
    assert!(ids.len() >= 30, "only {} investigations", ids.len());
    let mut missing = Vec::new();
    for id in &ids {
        let root = fixtures().join(id);
        if !root.join("fires").is_dir() || !root.join("quiet").is_dir() {
            missing.push(id.clone());
            continue;
        }
        let fired = run_on(&root.join("fires"), id);
        assert!(
            fired["row_count"].as_u64().unwrap() > 0,
            "{id} did not fire on its fixtures"
        );
        if let Ok(expect) = std::fs::read_to_string(root.join("expect.txt")) {
            let rows = fired["rows"].to_string();
            for needle in expect.lines().map(str::trim).filter(|l| !l.is_empty()) {
                assert!(
                    rows.contains(needle),
                    "{id}: findings lack {needle:?}: {rows}"
                );
            }
        }
        let quiet = run_on(&root.join("quiet"), id);
        assert_eq!(
            quiet["row_count"], 0,
            "{id} fired on its look-alikes: {}",
            quiet["rows"]
        );
    }
    assert!(
        missing.is_empty(),
        "investigations without fires/ and quiet/ fixtures: {missing:?}"
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
