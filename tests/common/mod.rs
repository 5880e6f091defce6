//! Helpers shared by the integration tests: fixture trees written to temporary folders, and
//! the real binary run with a cleared environment.

#![allow(dead_code)]

pub mod mmdb;

use std::io::Write;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::{json, Value};

pub const PROD: &str = "111122223333";
pub const DEV: &str = "444455556666";

/// The rootlens binary with no inherited configuration, blind to system geo databases.
pub fn rootlens() -> Command {
    let mut cmd = Command::cargo_bin("rootlens").expect("binary built");
    cmd.env_clear();
    cmd.env("ROOTLENS_NO_SYSTEM_GEOIP", "1");
    cmd
}

/// A minimal but well-formed CloudTrail record.
pub fn event(id: &str, account: &str, name: &str, time: &str) -> Value {
    json!({
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLE",
            "arn": format!("arn:aws:iam::{account}:user/alice"),
            "accountId": account,
            "accessKeyId": "AKIAEXAMPLEALICE0001",
            "userName": "alice"
        },
        "eventTime": time,
        "eventSource": "iam.amazonaws.com",
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.7",
        "userAgent": "aws-cli/2.15.30",
        "requestParameters": null,
        "responseElements": null,
        "requestID": format!("req-{id}"),
        "eventID": id,
        "readOnly": true,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": account,
        "eventCategory": "Management"
    })
}

pub fn records(events: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&json!({ "Records": events })).unwrap()
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

pub fn write(root: &Path, relative: &str, bytes: &[u8]) -> PathBuf {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path
}

/// The S3 key CloudTrail would use for a delivery.
pub fn s3_key(account: &str, region: &str, day: &str, stamp: &str) -> String {
    let (y, rest) = day.split_at(4);
    let (m, d) = rest.split_at(2);
    format!("AWSLogs/{account}/CloudTrail/{region}/{y}/{m}/{d}/{account}_CloudTrail_{region}_{day}T{stamp}Z_abcdefgh12345678.json.gz")
}

/// `rootlens ingest --quiet --db DB INPUTS…`, which must succeed (exit 0); returns DB.
pub fn ingest_cleanly(db: &Path, inputs: &[&Path]) -> PathBuf {
    let output = rootlens()
        .args(["ingest", "--quiet", "--db"])
        .arg(db)
        .args(inputs)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "ingest of {inputs:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    db.to_path_buf()
}

/// The sample data ingested into `dir/case.duckdb`.
pub fn sample_case(dir: &Path) -> PathBuf {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    ingest_cleanly(&dir.join("case.duckdb"), &[&sample])
}

/// Runs SQL against a case and returns the CSV output's data rows.
pub fn sql(db: &Path, query: &str) -> Vec<Vec<String>> {
    let output = rootlens()
        .args(["query", "--db"])
        .arg(db)
        .args(["--format", "csv", query])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "query failed: {}\n{}",
        query,
        String::from_utf8_lossy(&output.stderr)
    );
    let mut reader = csv::Reader::from_reader(&output.stdout[..]);
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// A single value from a query.
pub fn scalar(db: &Path, query: &str) -> String {
    let rows = sql(db, query);
    assert_eq!(rows.len(), 1, "expected one row from {query}: {rows:?}");
    rows[0][0].clone()
}

pub const CREDENTIAL_HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

pub fn credential_report(account: &str) -> String {
    format!(
        "{CREDENTIAL_HEADER}\n\
<root_account>,arn:aws:iam::{account}:root,2020-01-01T00:00:00+00:00,not_supported,2024-05-01T10:00:00+00:00,not_supported,not_supported,false,true,2024-05-02T00:00:00+00:00,2024-05-03T00:00:00+00:00,us-east-1,iam,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n\
alice,arn:aws:iam::{account}:user/alice,2021-03-04T05:06:07+00:00,TRUE,no_information,2021-03-04T05:06:07+00:00,N/A,true,true,2021-03-04T05:06:07+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
    )
}

/// Geo databases for a fixture: `geo.json` beside fires/ and quiet/ lists
/// `{"network": CIDR, "city": [cc, country, city, lat, lon, radius_km]}` and/or
/// `{"network": CIDR, "asn": [number, organisation]}`; they are written as .mmdb files.
pub fn fixture_geo_args(fixture: &Path, dir: &Path) -> Vec<std::ffi::OsString> {
    let Ok(text) = std::fs::read_to_string(fixture.join("geo.json")) else {
        return Vec::new();
    };
    let entries: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let (mut cities, mut asns) = (Vec::new(), Vec::new());
    for entry in &entries {
        let network = entry["network"].as_str().unwrap().to_string();
        if let Some(c) = entry["city"].as_array() {
            let text = |i: usize| c[i].as_str().unwrap().to_string();
            let record = mmdb::city(
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
                mmdb::asn(a[0].as_u64().unwrap() as u32, a[1].as_str().unwrap()),
            ));
        }
    }
    let city = dir.join("GeoLite2-City.mmdb");
    let asn = dir.join("GeoLite2-ASN.mmdb");
    let cities: Vec<(&str, _)> = cities.iter().map(|(n, r)| (n.as_str(), r)).collect();
    let asns: Vec<(&str, _)> = asns.iter().map(|(n, r)| (n.as_str(), r)).collect();
    mmdb::write_mmdb(&city, "GeoLite2-City", &cities);
    mmdb::write_mmdb(&asn, "GeoLite2-ASN", &asns);
    vec![
        "--geoip-city".into(),
        city.into(),
        "--geoip-asn".into(),
        asn.into(),
    ]
}
