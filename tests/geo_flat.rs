//! Geo databases in the flat layout (ip-location-db, DB-IP Lite conversions) locate the same
//! addresses as MaxMind's nested layout; a database that locates none of many public
//! addresses is reported loudly and the geo investigations are skipped as unreliable.

mod common;

use std::path::{Path, PathBuf};

use common::mmdb::{asn, city, flat_city, write_mmdb};
use common::*;
use serde_json::{json, Value};

/// (network, country, region, city, latitude, longitude, ASN, AS organisation)
type Place = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    f64,
    f64,
    u32,
    &'static str,
);

const PLACES: [Place; 3] = [
    (
        "81.2.69.0/24",
        "GB",
        "England",
        "London",
        51.5142,
        -0.0931,
        20712,
        "Andrews & Arnold Ltd",
    ),
    (
        "175.16.199.0/24",
        "CN",
        "Jilin",
        "Changchun",
        43.88,
        125.32,
        4837,
        "CHINA UNICOM",
    ),
    (
        "2a02:cf40::/32",
        "NO",
        "Oslo",
        "Oslo",
        59.91,
        10.75,
        64500,
        "Example Nordic",
    ),
];

/// City and ASN databases with the same places in the nested or the flat layout.
fn databases(dir: &Path, flat: bool) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let city_db = dir.join("city.mmdb");
    let asn_db = dir.join("asn.mmdb");
    if flat {
        let records: Vec<_> = PLACES
            .iter()
            .map(|p| (p.0, flat_city(p.1, Some(p.2), Some(p.3), p.4, p.5)))
            .collect();
        write_mmdb(&city_db, "ip-location-db-city", &records);
    } else {
        let records: Vec<_> = PLACES
            .iter()
            .map(|p| {
                (
                    p.0,
                    city(p.1, p.1, Some((p.1, p.2)), Some(p.3), p.4, p.5, 10),
                )
            })
            .collect();
        write_mmdb(&city_db, "GeoLite2-City", &records);
    }
    let records: Vec<_> = PLACES.iter().map(|p| (p.0, asn(p.6, p.7))).collect();
    write_mmdb(
        &asn_db,
        if flat {
            "ip-location-db-asn"
        } else {
            "GeoLite2-ASN"
        },
        &records,
    );
    (city_db, asn_db)
}

/// Sign-ins from `ips`, one event each.
fn export(dir: &Path, ips: &[String]) -> PathBuf {
    let events: Vec<Value> = ips
        .iter()
        .enumerate()
        .map(|(i, ip)| {
            let mut e = event(
                &format!("g-{i}"),
                PROD,
                "ConsoleLogin",
                "2024-05-01T12:00:00Z",
            );
            e["sourceIPAddress"] = json!(ip);
            e["eventSource"] = json!("signin.amazonaws.com");
            e["responseElements"] = json!({"ConsoleLogin": "Success"});
            e
        })
        .collect();
    write(dir, "export/events.json", &records(&events))
}

fn ingest(db: &Path, city_db: &Path, asn_db: &Path, export: &Path) -> String {
    let output = rootlens()
        .args(["ingest", "--db"])
        .arg(db)
        .arg("--geoip-city")
        .arg(city_db)
        .arg("--geoip-asn")
        .arg(asn_db)
        .arg(export)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    stderr
}

fn findings(dir: &Path, db: &Path) -> Value {
    let path = dir.join("findings.json");
    rootlens()
        .args(["run", "--db"])
        .arg(db)
        .arg("--findings")
        .arg(&path)
        .assert()
        .code(0);
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

#[test]
fn flat_and_nested_databases_locate_the_same_places() {
    let ips: Vec<String> = ["81.2.69.10", "175.16.199.8", "2a02:cf40::1", "10.0.0.1"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut located = Vec::new();
    for flat in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let (city_db, asn_db) = databases(&dir.path().join("geo"), flat);
        let db = dir.path().join("case.duckdb");
        let stderr = ingest(&db, &city_db, &asn_db, &export(dir.path(), &ips));
        assert!(
            stderr.contains("4 distinct, 3 public, 3 located"),
            "{stderr}"
        );
        assert!(!stderr.contains("warning"), "{stderr}");
        located.push(sql(
            &db,
            "SELECT source_ip, country_code, region, city, latitude, longitude, asn, as_org
             FROM ip_enrichment ORDER BY source_ip",
        ));
        let all = findings(dir.path(), &db);
        for database in all["case"]["geo_databases"].as_array().unwrap() {
            assert_eq!(database["public_addresses"], 3, "{database}");
            assert_eq!(database["located"], 3, "{database}");
            assert_eq!(database["warning"], Value::Null, "{database}");
        }
    }
    assert_eq!(located[0], located[1]);
    assert_eq!(
        located[1][0],
        ["10.0.0.1", "", "", "", "", "", "", ""].map(String::from)
    );
    assert_eq!(
        located[1][3],
        [
            "81.2.69.10",
            "GB",
            "England",
            "London",
            "51.5142",
            "-0.0931",
            "20712",
            "Andrews & Arnold Ltd"
        ]
        .map(String::from)
    );
}

#[test]
fn a_database_that_locates_none_of_many_public_addresses_is_reported_and_geo_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let city_db = dir.path().join("odd-city.mmdb");
    // A layout rootlens does not read: every key unknown.
    let odd = json!({"geo": {"cc": "GB", "town": "London"}});
    write_mmdb(
        &city_db,
        "Odd-City",
        &[("81.2.69.0/24", odd.clone()), ("198.51.100.0/24", odd)],
    );
    let (_, asn_db) = databases(&dir.path().join("geo"), true);
    let ips: Vec<String> = (1..=12).map(|i| format!("81.2.69.{i}")).collect();
    let db = dir.path().join("case.duckdb");
    let stderr = ingest(&db, &city_db, &asn_db, &export(dir.path(), &ips));
    assert!(
        stderr.contains("warning: the city geo database")
            && stderr.contains("located none of 12 public source addresses"),
        "{stderr}"
    );

    let all = findings(dir.path(), &db);
    let databases = all["case"]["geo_databases"].as_array().unwrap();
    let by_role = |role: &str| {
        databases
            .iter()
            .find(|d| d["role"] == role)
            .unwrap()
            .clone()
    };
    assert_eq!(by_role("city")["located"], 0);
    assert_eq!(by_role("city")["public_addresses"], 12);
    assert!(by_role("city")["warning"]
        .as_str()
        .unwrap()
        .contains("unreliable"));
    assert_eq!(by_role("asn")["located"], 12);
    assert_eq!(by_role("asn")["warning"], Value::Null);
    for id in ["impossible-travel", "first-seen-country-or-asn"] {
        let f = all["investigations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .unwrap();
        assert_eq!(f["status"], "skipped", "{id}");
        let reason = f["error"].as_str().unwrap();
        assert!(reason.contains("located none of 12"), "{id}: {reason}");
    }
}

#[test]
fn few_public_addresses_located_by_nothing_are_no_warning() {
    let dir = tempfile::tempdir().unwrap();
    let (city_db, asn_db) = databases(&dir.path().join("geo"), true);
    let ips = vec!["8.8.8.8".to_string(), "1.1.1.1".to_string()];
    let db = dir.path().join("case.duckdb");
    let stderr = ingest(&db, &city_db, &asn_db, &export(dir.path(), &ips));
    assert!(stderr.contains("2 public, 0 located"), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
}
