//! Small MaxMind databases written for the unit tests, so every lookup result is exact.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use maxminddb_writer::metadata::IpVersion;
use maxminddb_writer::paths::IpAddrWithMask;
use maxminddb_writer::Database;
use serde::Serialize;

pub(super) const EPOCH: u64 = 1_704_164_645; // 2024-01-02T03:04:05Z

/// Writes `records` (CIDR, value) as an IPv6 MaxMind DB (IPv4 networks under ::/96), or
/// an IPv4-only one when `v4_only`.
pub(super) fn write_db<T: Serialize>(
    path: &Path,
    kind: &str,
    v4_only: bool,
    records: &[(&str, T)],
) {
    let mut db = Database::default();
    db.metadata.ip_version = if v4_only {
        IpVersion::V4
    } else {
        IpVersion::V6
    };
    db.metadata.database_type = kind.to_string();
    db.metadata.languages = vec!["en".into()];
    db.metadata.binary_format_major_version = 2;
    db.metadata.build_epoch = EPOCH;
    let mut nets: Vec<(IpAddrWithMask, &T)> = records
        .iter()
        .map(|(cidr, v)| {
            let (addr, len) = cidr.split_once('/').unwrap();
            let len: u8 = len.parse().unwrap();
            let net = match addr.parse::<IpAddr>().unwrap() {
                IpAddr::V4(a) if v4_only => IpAddrWithMask::new(IpAddr::V4(a), len),
                IpAddr::V4(a) => IpAddrWithMask::new(IpAddr::V6(a.to_ipv6_compatible()), 96 + len),
                IpAddr::V6(a) => IpAddrWithMask::new(IpAddr::V6(a), len),
            };
            (net, v)
        })
        .collect();
    nets.sort_by_key(|(net, _)| net.mask);
    for (net, v) in nets {
        let data = db.insert_value(v).unwrap();
        db.insert_node(net, data);
    }
    let mut out = Vec::new();
    db.write_to(&mut out).unwrap();
    std::fs::write(path, out).unwrap();
}

#[derive(Serialize)]
pub(super) struct TPlace {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) iso_code: Option<&'static str>,
    pub(super) names: HashMap<&'static str, &'static str>,
}

#[derive(Serialize)]
pub(super) struct TLocation {
    pub(super) latitude: f64,
    pub(super) longitude: f64,
    pub(super) accuracy_radius: u16,
}

#[derive(Serialize)]
pub(super) struct TCity {
    pub(super) country: TPlace,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) subdivisions: Vec<TPlace>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) city: Option<TPlace>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) location: Option<TLocation>,
}

#[derive(Serialize)]
pub(super) struct TAsn {
    pub(super) autonomous_system_number: u32,
    pub(super) autonomous_system_organization: &'static str,
}

pub(super) fn place(code: Option<&'static str>, en: &'static str) -> TPlace {
    TPlace {
        iso_code: code,
        names: HashMap::from([("en", en), ("de", "x")]),
    }
}

pub(super) fn city(
    cc: &'static str,
    country: &'static str,
    region: Option<(&'static str, &'static str)>,
    name: Option<&'static str>,
    loc: (f64, f64, u16),
) -> TCity {
    TCity {
        country: place(Some(cc), country),
        subdivisions: region.map(|(c, n)| place(Some(c), n)).into_iter().collect(),
        city: name.map(|n| place(None, n)),
        location: Some(TLocation {
            latitude: loc.0,
            longitude: loc.1,
            accuracy_radius: loc.2,
        }),
    }
}

pub(super) fn asn(n: u32, org: &'static str) -> TAsn {
    TAsn {
        autonomous_system_number: n,
        autonomous_system_organization: org,
    }
}

pub(super) fn write_city(path: &Path, kind: &str) {
    write_db(
        path,
        kind,
        false,
        &[
            (
                "81.2.69.0/24",
                city(
                    "GB",
                    "United Kingdom",
                    Some(("ENG", "England")),
                    Some("London"),
                    (51.5, -0.1, 20),
                ),
            ),
            (
                "203.0.113.0/24",
                city(
                    "RU",
                    "Russia",
                    Some(("MOW", "Moscow")),
                    Some("Moscow"),
                    (55.75, 37.62, 50),
                ),
            ),
            (
                "198.51.100.0/24",
                city("US", "United States", None, None, (37.751, -97.822, 1000)),
            ),
            (
                "2001:db8:1::/48",
                city(
                    "DE",
                    "Germany",
                    Some(("BE", "Land Berlin")),
                    Some("Berlin"),
                    (52.52, 13.4, 100),
                ),
            ),
            // A wide network with a more specific one inside it.
            (
                "5.0.0.0/8",
                city("FR", "France", None, None, (48.86, 2.35, 500)),
            ),
            (
                "5.5.5.0/24",
                city(
                    "FR",
                    "France",
                    Some(("IDF", "Île-de-France")),
                    Some("Paris"),
                    (48.86, 2.35, 5),
                ),
            ),
        ],
    );
}

pub(super) fn write_asn(path: &Path, kind: &str) {
    write_db(
        path,
        kind,
        false,
        &[
            ("81.2.69.0/24", asn(64500, "Example Transit")),
            ("203.0.113.0/25", asn(64501, "Example Hosting")),
            ("2001:db8::/32", asn(64502, "Example IPv6 Net")),
            ("192.0.2.0/24", asn(64503, "Only In ASN")),
        ],
    );
}

pub(super) struct Fixture {
    pub(super) dir: tempfile::TempDir,
    pub(super) city: PathBuf,
    pub(super) asn: PathBuf,
}

pub(super) fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let city = dir.path().join("GeoLite2-City.mmdb");
    let asn = dir.path().join("GeoLite2-ASN.mmdb");
    write_city(&city, "GeoLite2-City");
    write_asn(&asn, "GeoLite2-ASN");
    Fixture { dir, city, asn }
}

pub(super) fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// `depth` single-entry maps {"a": {"a": ... true}}.
pub(super) fn nested_maps(depth: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..depth {
        out.extend_from_slice(&[0xE1, 0x41, b'a']);
    }
    out.extend_from_slice(&[0x01, 0x07]); // true
    out
}
