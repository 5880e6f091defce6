//! The report's world map through the real binary: one point per located origin, one arc per
//! impossible-travel row, hostile labels inert, and a sentence instead of the map when there is
//! nothing to draw. On the sample data (with its synthetic database, found automatically in
//! sample-data/GeoIP) and on small fixtures with databases written here.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::mmdb::{asn, city, write_mmdb};
use common::*;
use serde_json::{json, Value};

const EVIL_SCRIPT: &str = "<script>alert(1)</script>";
const EVIL_IMG: &str = "\"><img src=x onerror=alert(1)>";

/// The addresses the sample's synthetic database places (sample-data/generate.py, GEO).
const SAMPLE_LOCATED: [&str; 11] = [
    "103.251.167.23",
    "109.150.77.4",
    "18.134.77.201",
    "2601:646:8d80:1a40:9c1e:3bff:fe21:5c10",
    "2a00:23c7:e28c:d01:1d6f:44e2:8a3b:c9f0",
    "2a02:c7c:5a1e:f400:4d1:8b2e:91aa:17c3",
    "45.133.172.19",
    "73.162.85.211",
    "81.171.22.140",
    "81.171.22.141",
    "86.12.201.33",
];

fn sample_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

/// `rootlens investigate INPUT --out OUT …`, which must succeed (exit 0 or 1: findings).
fn investigate(input: &Path, out: &Path, extra: &[&str]) -> String {
    let output = rootlens()
        .arg("investigate")
        .arg(input)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .args(extra)
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read_to_string(out.join("report.html")).unwrap()
}

/// The map's SVG in a report, or None.
fn map_svg(report: &str) -> Option<&str> {
    let start = report.find(r#"<svg width="100%" viewBox="0 0 900 431""#)?;
    let end = start + report[start..].find("</svg>")? + "</svg>".len();
    Some(&report[start..end])
}

/// The `data-ip` of every point with `class`.
fn points(svg: &str, class: &str) -> BTreeSet<String> {
    let marker = format!(r#"<circle class="{class}" data-ip=""#);
    svg.split(&marker)
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .collect()
}

fn rows(findings: &Value, id: &str) -> Vec<Value> {
    findings["investigations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .map(|f| f["rows"].as_array().unwrap().clone())
        .unwrap_or_default()
}

/// Located source IPs of the case, from the case itself.
fn located_in_case(db: &Path) -> BTreeSet<String> {
    let output = rootlens()
        .args(["query", "--format", "json", "--db"])
        .arg(db)
        .arg(
            "SELECT DISTINCT e.source_ip FROM events e JOIN ip_enrichment g USING (source_ip) \
             WHERE g.latitude IS NOT NULL ORDER BY 1",
        )
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let rows: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    rows.iter()
        .map(|r| r["source_ip"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_sample_map_has_every_located_origin_and_its_one_impossible_travel_pair() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("case-sample");
    let report = investigate(&sample_data(), &out, &[]);
    let svg = map_svg(&report).expect("the sample report has a map");

    // A point per located origin: exactly the addresses of the sample's database.
    let all: BTreeSet<String> = points(svg, "origin baseline")
        .union(&points(svg, "origin first-seen"))
        .cloned()
        .collect();
    let expected: BTreeSet<String> = SAMPLE_LOCATED.iter().map(|s| s.to_string()).collect();
    assert_eq!(all, expected);
    assert_eq!(located_in_case(&out.join("case.duckdb")), expected);
    assert_eq!(svg.matches("<circle class=\"origin ").count(), 11);

    // The attacker's two addresses are new; the office is baseline.
    let first_seen = points(svg, "origin first-seen");
    assert!(first_seen.contains("45.133.172.19") && first_seen.contains("103.251.167.23"));
    assert!(points(svg, "origin baseline").contains("81.171.22.140"));

    // An arc per impossible-travel row: the sample has exactly one, root Bucharest -> Singapore.
    let findings: Value =
        serde_json::from_slice(&std::fs::read(out.join("findings.json")).unwrap()).unwrap();
    let travel = rows(&findings, "impossible-travel");
    assert_eq!(travel.len(), 1, "{travel:#?}");
    assert_eq!(travel[0]["from_ip"], "45.133.172.19");
    assert_eq!(travel[0]["to_ip"], "103.251.167.23");
    assert_eq!(svg.matches("<path class=\"travel\"").count(), travel.len());
    assert!(svg.contains(
        "impossible travel, arn:aws:iam::111122223333:root: 45.133.172.19 (Bucharest, RO)"
    ));

    // And the first-seen countries: root from Romania and from Singapore.
    let countries: BTreeSet<String> = rows(&findings, "first-seen-country-or-asn")
        .iter()
        .filter(|r| r["principal"] == "arn:aws:iam::111122223333:root")
        .map(|r| r["country_code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(countries, BTreeSet::from(["RO".into(), "SG".into()]));

    // The same in what a real browser parsed, with nothing on its console.
    if let Some((dom, log)) = browser_dom(&out.join("report.html")) {
        let map = map_svg(&dom).expect("the map survives parsing");
        assert_eq!(map.matches("<circle class=\"origin ").count(), 11);
        assert_eq!(map.matches("<path class=\"travel\"").count(), 1);
        let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
        assert!(console.is_empty(), "{console:#?}");
    }
}

/// The DOM headless Chromium built from `page`, and its log; None (said on stderr, and a
/// failure under CI, which installs Chromium) when there is no browser.
fn browser_dom(page: &Path) -> Option<(String, String)> {
    let Some(browser) = rootlens::render::pdf::find_browser() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "no Chromium on CI: .ci/run must install it"
        );
        eprintln!("SKIPPED the browser half of the world map test: no Chromium or Chrome");
        return None;
    };
    let profile = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    Some((
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ))
}

/// Two sign-ins of one principal with a hostile name, London then Changchun half an hour
/// later (impossible travel), plus an address no database knows.
fn hostile_evidence(dir: &Path) -> PathBuf {
    let sources = [
        ("m-1", "81.2.69.10", "2024-05-01T12:00:00Z"),
        ("m-2", "175.16.199.8", "2024-05-01T12:30:00Z"),
        ("m-3", "8.8.4.4", "2024-05-01T13:00:00Z"),
    ];
    let events: Vec<Value> = sources
        .iter()
        .map(|(id, ip, time)| {
            let mut e = event(id, PROD, "ConsoleLogin", time);
            e["sourceIPAddress"] = json!(ip);
            e["eventSource"] = json!("signin.amazonaws.com");
            e["responseElements"] = json!({"ConsoleLogin": "Success"});
            e["userAgent"] = json!(EVIL_SCRIPT);
            e["userIdentity"]["arn"] = json!(format!("arn:aws:iam::{PROD}:user/{EVIL_IMG}"));
            e
        })
        .collect();
    write(dir, "evidence/events.json", &records(&events));
    dir.join("evidence")
}

/// A City database with hostile place names for the two first addresses, and an ASN one.
fn hostile_databases(dir: &Path) -> (PathBuf, PathBuf) {
    let city_db = dir.join("db/GeoLite2-City.mmdb");
    std::fs::create_dir_all(city_db.parent().unwrap()).unwrap();
    write_mmdb(
        &city_db,
        "GeoLite2-City",
        &[
            (
                "81.2.69.0/24",
                city("GB", "United Kingdom", None, Some(EVIL_IMG), 51.5, -0.1, 20),
            ),
            (
                "175.16.199.0/24",
                city("CN", "China", None, Some(EVIL_SCRIPT), 43.88, 125.32, 50),
            ),
        ],
    );
    let asn_db = dir.join("db/GeoLite2-ASN.mmdb");
    write_mmdb(
        &asn_db,
        "GeoLite2-ASN",
        &[("81.2.69.0/24", asn(64500, EVIL_SCRIPT))],
    );
    (city_db, asn_db)
}

#[test]
fn hostile_labels_stay_inert_and_each_pair_is_one_arc() {
    let dir = tempfile::tempdir().unwrap();
    let evidence = hostile_evidence(dir.path());
    let (city_db, asn_db) = hostile_databases(dir.path());
    let report = investigate(
        &evidence,
        &dir.path().join("case"),
        &[
            "--geoip-city",
            city_db.to_str().unwrap(),
            "--geoip-asn",
            asn_db.to_str().unwrap(),
        ],
    );
    let svg = map_svg(&report).expect("a map");
    assert_eq!(
        points(svg, "origin baseline")
            .union(&points(svg, "origin first-seen"))
            .count(),
        2,
        "8.8.4.4 is not located, so not drawn"
    );
    assert_eq!(svg.matches("<path class=\"travel\"").count(), 1);
    // The hostile text is there, as text.
    assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(svg.contains("user/&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!svg.contains("<script") && !svg.contains("<img"));
    // One title per point and arc: nothing broke out of an element.
    assert_eq!(svg.matches("<title>").count(), 3);
    assert!(!report.contains("<img src=x") && !report.contains("<script>alert"));
}

#[test]
fn without_a_map_the_report_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let evidence = hostile_evidence(dir.path());
    let (_, asn_db) = hostile_databases(dir.path());

    let report = investigate(&evidence, &dir.path().join("none"), &[]);
    assert!(map_svg(&report).is_none());
    assert!(report.contains("No map: no geo database was used for this case"));

    let report = investigate(
        &evidence,
        &dir.path().join("asn-only"),
        &["--geoip-asn", asn_db.to_str().unwrap()],
    );
    assert!(map_svg(&report).is_none());
    assert!(report.contains("has networks (ASNs) but no locations"));

    let elsewhere = dir.path().join("db/elsewhere-City.mmdb");
    write_mmdb(
        &elsewhere,
        "Elsewhere-City",
        &[(
            "5.5.5.0/24",
            city("FR", "France", None, Some("Paris"), 48.86, 2.35, 5),
        )],
    );
    let report = investigate(
        &evidence,
        &dir.path().join("nothing-located"),
        &["--geoip-city", elsewhere.to_str().unwrap()],
    );
    assert!(map_svg(&report).is_none());
    assert!(
        report.contains("located none of the case&#x27;s 3 public source addresses"),
        "{}",
        &report[report.find("No map").unwrap_or(0)..][..300]
    );
}

#[test]
fn an_evidence_folder_brings_its_own_database() {
    let dir = tempfile::tempdir().unwrap();
    let evidence = hostile_evidence(dir.path());
    let (city_db, _) = hostile_databases(dir.path());
    std::fs::create_dir_all(evidence.join("GeoIP")).unwrap();
    std::fs::copy(&city_db, evidence.join("GeoIP/team-City.mmdb")).unwrap();
    let report = investigate(&evidence, &dir.path().join("case"), &[]);
    assert!(map_svg(&report).is_some(), "GeoIP/ in the input is used");
    assert!(report.contains("team-City.mmdb"));
}
