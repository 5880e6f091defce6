//! Geo-IP enrichment with small MaxMind databases generated here, so every result is exact.

mod common;

use std::path::{Path, PathBuf};

use common::mmdb::{asn, city, write_mmdb};
use common::*;
use serde_json::json;

/// City and ASN databases holding a few known networks, plus a private network that must never
/// be used (private addresses are not looked up).
fn databases(dir: &Path, london_label: &str) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let city_db = dir.join("GeoLite2-City.mmdb");
    write_mmdb(
        &city_db,
        "GeoLite2-City",
        &[
            (
                "81.2.69.0/24",
                city(
                    "GB",
                    "United Kingdom",
                    None,
                    Some(london_label),
                    51.5142,
                    -0.0931,
                    20,
                ),
            ),
            (
                "175.16.199.0/24",
                city("CN", "China", None, Some("Changchun"), 43.88, 125.32, 50),
            ),
            (
                "2a02:cf40::/32",
                city("NO", "Norway", None, Some("Oslo"), 59.91, 10.75, 100),
            ),
            (
                "10.0.0.0/8",
                city("US", "United States", None, Some("Nowhere"), 0.0, 0.0, 1),
            ),
        ],
    );
    let asn_db = dir.join("GeoLite2-ASN.mmdb");
    write_mmdb(
        &asn_db,
        "GeoLite2-ASN",
        &[
            ("81.2.69.0/24", asn(20712, "Andrews & Arnold Ltd")),
            ("175.16.199.0/24", asn(4837, "CHINA UNICOM")),
        ],
    );
    (city_db, asn_db)
}

fn export(dir: &Path) -> PathBuf {
    let sources = [
        ("g-1", "81.2.69.10"),
        ("g-2", "10.0.0.1"),
        ("g-3", "cloudtrail.amazonaws.com"),
        ("g-4", "225.01.00.16"),
        ("g-5", "2a02:cf40::1"),
        ("g-6", "127.0.0.1"),
        ("g-7", "175.16.199.8"),
    ];
    let events: Vec<_> = sources
        .iter()
        .map(|(id, ip)| {
            let mut e = event(id, PROD, "ConsoleLogin", "2024-05-01T12:00:00Z");
            e["sourceIPAddress"] = json!(ip);
            e["eventSource"] = json!("signin.amazonaws.com");
            e["responseElements"] = json!({"ConsoleLogin": "Success"});
            e
        })
        .collect();
    write(dir, "export/events.json", &records(&events))
}

#[test]
fn source_ips_are_classified_and_only_public_ones_located() {
    let dir = tempfile::tempdir().unwrap();
    let (city_db, asn_db) = databases(dir.path(), "London");
    let db = dir.path().join("case.duckdb");
    let output = rootlens()
        .args(["ingest", "--db"])
        .arg(&db)
        .arg("--geoip-city")
        .arg(&city_db)
        .arg("--geoip-asn")
        .arg(&asn_db)
        .arg(export(dir.path()))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("7 distinct, 3 public, 3 located"),
        "{stderr}"
    );
    assert!(
        stderr.contains("GeoLite2-City.mmdb (GeoLite2-City, built 2024-01-02T03:04:05Z)"),
        "{stderr}"
    );

    assert_eq!(
        sql(&db, "SELECT source_ip, ip_class, country_code, city, asn, accuracy_radius_km FROM ip_enrichment ORDER BY source_ip"),
        [
            vec!["10.0.0.1", "private", "", "", "", ""],
            vec!["127.0.0.1", "loopback", "", "", "", ""],
            vec!["175.16.199.8", "public", "CN", "Changchun", "4837", "50"],
            vec!["225.01.00.16", "not-an-ip", "", "", "", ""],
            vec!["2a02:cf40::1", "public", "NO", "Oslo", "", "100"],
            vec!["81.2.69.10", "public", "GB", "London", "20712", "20"],
            vec!["cloudtrail.amazonaws.com", "aws-service", "", "", "", ""],
        ]
    );
    // The sign-in views carry the country and network.
    assert_eq!(
        sql(
            &db,
            "SELECT country, asn FROM console_logins WHERE event_id = 'g-1'"
        ),
        [["GB", "20712"]]
    );
    assert_eq!(
        sql(
            &db,
            "SELECT role, database_type, build_time FROM geo_databases ORDER BY role"
        ),
        [
            ["asn", "GeoLite2-ASN", "2024-01-02T03:04:05Z"],
            ["city", "GeoLite2-City", "2024-01-02T03:04:05Z"]
        ]
    );
}

#[test]
fn without_a_database_everything_runs_and_geo_investigations_say_why_they_were_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("case.duckdb");
    rootlens()
        .args(["ingest", "--db"])
        .arg(&db)
        .arg(export(dir.path()))
        .assert()
        .code(0);
    assert_eq!(scalar(&db, "SELECT count(*) FROM geo_databases"), "0");
    assert_eq!(
        scalar(
            &db,
            "SELECT count(*) FILTER (WHERE country_code IS NOT NULL) FROM ip_enrichment"
        ),
        "0"
    );
    let findings = dir.path().join("findings.json");
    rootlens()
        .args(["run", "--db"])
        .arg(&db)
        .arg("--findings")
        .arg(&findings)
        .assert()
        .code(0);
    let all: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&findings).unwrap()).unwrap();
    assert_eq!(all["case"]["geo_databases"], json!([]));
    for id in ["impossible-travel", "first-seen-country-or-asn"] {
        let f = all["investigations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .unwrap();
        assert_eq!(f["status"], "skipped", "{id}");
        assert!(
            f["error"].as_str().unwrap().contains("no geo database"),
            "{id}"
        );
    }
}

#[test]
fn enrich_again_replaces_the_enrichment_and_finds_databases_beside_the_case() {
    let dir = tempfile::tempdir().unwrap();
    let case_dir = dir.path().join("case");
    let db = case_dir.join("case.duckdb");
    std::fs::create_dir_all(&case_dir).unwrap();
    rootlens()
        .args(["ingest", "--db"])
        .arg(&db)
        .arg(export(dir.path()))
        .assert()
        .code(0);

    // A newer database in GeoIP/ beside the case is found without any option.
    let (city_db, _) = databases(&case_dir.join("GeoIP"), "City of London");
    assert!(city_db.is_file());
    rootlens()
        .args(["enrich", "--db"])
        .arg(&db)
        .assert()
        .code(0);
    assert_eq!(
        scalar(
            &db,
            "SELECT city FROM ip_enrichment WHERE source_ip = '81.2.69.10'"
        ),
        "City of London"
    );
    assert_eq!(scalar(&db, "SELECT count(*) FROM ip_enrichment"), "7");
    assert!(
        scalar(&db, "SELECT path FROM geo_databases WHERE role = 'city'")
            .ends_with("GeoIP/GeoLite2-City.mmdb")
    );

    // The environment variable names a database too; a file that is not one is an error.
    let (_, other_asn) = databases(&dir.path().join("elsewhere"), "London");
    rootlens()
        .args(["enrich", "--db"])
        .arg(&db)
        .env("ROOTLENS_GEOIP_ASN", &other_asn)
        .assert()
        .code(0);
    assert!(scalar(&db, "SELECT path FROM geo_databases WHERE role = 'asn'").contains("elsewhere"));
    let bogus = write(dir.path(), "bogus.mmdb", b"not a database");
    let output = rootlens()
        .args(["enrich", "--db"])
        .arg(&db)
        .arg("--geoip-city")
        .arg(&bogus)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("bogus.mmdb"));
}

#[test]
fn system_folders_can_be_switched_off_by_flag_or_environment() {
    let dir = tempfile::tempdir().unwrap();
    let case_dir = dir.path().join("case");
    let db = case_dir.join("case.duckdb");
    std::fs::create_dir_all(&case_dir).unwrap();
    // rootlens() sets ROOTLENS_NO_SYSTEM_GEOIP=1, so no test depends on what this machine has
    // in /usr/share/GeoIP or /var/lib/GeoIP.
    let output = rootlens()
        .args(["ingest", "--db"])
        .arg(&db)
        .arg(export(dir.path()))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("geo database none"), "{stderr}");

    // The flag is accepted on its own too (without the variable), and with no database given
    // none is reported.
    let output = rootlens()
        .env_remove("ROOTLENS_NO_SYSTEM_GEOIP")
        .args(["enrich", "--no-system-geoip", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("7 distinct, 3 public, 0 located"),
        "{stderr}"
    );
    assert!(stderr.contains("geo database none"), "{stderr}");
    assert_eq!(scalar(&db, "SELECT count(*) FROM geo_databases"), "0");

    // Switched off, the case's GeoIP/ folder and the environment variables still count.
    let (city_db, _) = databases(&case_dir.join("GeoIP"), "London");
    let (_, other_asn) = databases(&dir.path().join("elsewhere"), "London");
    let output = rootlens()
        .args(["enrich", "--no-system-geoip", "--db"])
        .arg(&db)
        .env("ROOTLENS_GEOIP_ASN", &other_asn)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("3 public, 3 located"), "{stderr}");
    assert_eq!(
        scalar(&db, "SELECT path FROM geo_databases WHERE role = 'city'"),
        city_db.display().to_string()
    );
    assert!(scalar(&db, "SELECT path FROM geo_databases WHERE role = 'asn'").contains("elsewhere"));

    // The option is documented, with its variable.
    let output = rootlens().args(["enrich", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(
        help.contains("--no-system-geoip") && help.contains("ROOTLENS_NO_SYSTEM_GEOIP"),
        "{help}"
    );
}
