//! Writes small MaxMind DB (`.mmdb`) files for tests, so no real GeoLite2 / DB-IP file is needed.
//!
//! Needs the dev-dependency `maxminddb-writer = "0.1"` (and `serde`, already a dependency).
//!
//! Use it from an integration test with `mod common;` plus `pub mod mmdb;` in `tests/common/mod.rs`,
//! or directly with `#[path = "common/mmdb.rs"] mod mmdb;`.
//!
//! ```ignore
//! use common::mmdb::{asn, city, write_mmdb};
//! let dir = tempfile::tempdir().unwrap();
//! let city_db = dir.path().join("GeoLite2-City.mmdb");
//! write_mmdb(&city_db, "GeoLite2-City", &[
//!     ("81.2.69.0/24", city("GB", "United Kingdom", Some(("ENG", "England")), Some("London"), 51.5, -0.1, 20)),
//!     ("2001:db8:1::/48", city("DE", "Germany", None, Some("Berlin"), 52.5, 13.4, 50)),
//! ]);
//! let asn_db = dir.path().join("GeoLite2-ASN.mmdb");
//! write_mmdb(&asn_db, "GeoLite2-ASN", &[("81.2.69.0/24", asn(64500, "Example Transit"))]);
//! // Any serde value works too, e.g. serde_json::json!({"country": {"iso_code": "US"}}),
//! // but never a JSON null or an Option that is None (the writer stores those as booleans).
//! ```
//!
//! The database is IPv6 (like GeoLite2 and DB-IP): IPv4 networks are stored in the `::/96`
//! subtree, where readers look IPv4 addresses up. Networks are inserted least specific first,
//! so a /24 inside a /16 keeps its own record. Build time is fixed at 2024-01-02T03:04:05Z.

#![allow(dead_code)]

use std::net::IpAddr;
use std::path::Path;

use maxminddb_writer::metadata::IpVersion;
use maxminddb_writer::paths::IpAddrWithMask;
use maxminddb_writer::Database;
use serde::Serialize;

/// `build_epoch` written into every test database: 2024-01-02T03:04:05Z.
pub const TEST_BUILD_EPOCH: u64 = 1_704_164_645;

/// Writes `records` (CIDR string, value) as a MaxMind DB of type `database_type` at `path`.
/// Panics on a malformed CIDR or a write failure (it is a test helper).
pub fn write_mmdb<T: Serialize>(path: &Path, database_type: &str, records: &[(&str, T)]) {
    let mut db = Database::default();
    db.metadata.ip_version = IpVersion::V6;
    db.metadata.database_type = database_type.to_string();
    db.metadata.languages = vec!["en".to_string()];
    db.metadata.binary_format_major_version = 2;
    db.metadata.binary_format_minor_version = 0;
    db.metadata.build_epoch = TEST_BUILD_EPOCH;
    db.metadata
        .description
        .insert("en".to_string(), format!("rootlens test {database_type}"));

    let mut networks: Vec<(IpAddrWithMask, &T)> = records
        .iter()
        .map(|(cidr, value)| (ipv6_network(cidr), value))
        .collect();
    networks.sort_by_key(|(net, _)| net.mask);
    for (net, value) in networks {
        let data = db.insert_value(value).expect("serialize mmdb record");
        db.insert_node(net, data);
    }

    let file = std::fs::File::create(path).expect("create mmdb file");
    let mut out = std::io::BufWriter::new(file);
    db.write_to(&mut out).expect("write mmdb file");
    std::io::Write::flush(&mut out).expect("flush mmdb file");
}

/// "a.b.c.d/n" becomes ::a.b.c.d/(96+n); IPv6 networks are kept as they are.
fn ipv6_network(cidr: &str) -> IpAddrWithMask {
    let (addr, len) = match cidr.split_once('/') {
        Some((addr, len)) => (addr, Some(len.parse::<u8>().expect("prefix length"))),
        None => (cidr, None),
    };
    match addr.parse::<IpAddr>().expect("network address") {
        IpAddr::V4(v4) => IpAddrWithMask::new(
            IpAddr::V6(v4.to_ipv6_compatible()),
            96 + len.unwrap_or(32).min(32),
        ),
        IpAddr::V6(v6) => IpAddrWithMask::new(IpAddr::V6(v6), len.unwrap_or(128).min(128)),
    }
}

/// A GeoIP2/GeoLite2 City-style record (country, optional first subdivision, optional city, location).
#[derive(Debug, Clone, Serialize)]
pub struct CityRecord {
    pub country: Place,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subdivisions: Vec<Place>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<Place>,
    pub location: Location,
}

#[derive(Debug, Clone, Serialize)]
pub struct Place {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iso_code: Option<String>,
    pub names: Names,
}

#[derive(Debug, Clone, Serialize)]
pub struct Names {
    pub en: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
    pub accuracy_radius: u16,
}

/// A GeoLite2-ASN / DB-IP ASN record.
#[derive(Debug, Clone, Serialize)]
pub struct AsnRecord {
    pub autonomous_system_number: u32,
    pub autonomous_system_organization: String,
}

/// City record; `region` is (ISO code, English name) of the first subdivision.
pub fn city(
    country_code: &str,
    country: &str,
    region: Option<(&str, &str)>,
    city: Option<&str>,
    latitude: f64,
    longitude: f64,
    accuracy_radius_km: u16,
) -> CityRecord {
    CityRecord {
        country: Place {
            iso_code: Some(country_code.to_string()),
            names: Names {
                en: country.to_string(),
            },
        },
        subdivisions: region
            .map(|(code, name)| Place {
                iso_code: Some(code.to_string()),
                names: Names {
                    en: name.to_string(),
                },
            })
            .into_iter()
            .collect(),
        city: city.map(|name| Place {
            iso_code: None,
            names: Names {
                en: name.to_string(),
            },
        }),
        location: Location {
            latitude,
            longitude,
            accuracy_radius: accuracy_radius_km,
        },
    }
}

/// ASN record.
pub fn asn(number: u32, organization: &str) -> AsnRecord {
    AsnRecord {
        autonomous_system_number: number,
        autonomous_system_organization: organization.to_string(),
    }
}

/// A City record in the flat layout of ip-location-db / DB-IP Lite conversions: every field at
/// the top level, `city` a plain name. (Their ASN files use the same keys as [`AsnRecord`].)
#[derive(Debug, Clone, Serialize)]
pub struct FlatCityRecord {
    pub country_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    pub latitude: f64,
    pub longitude: f64,
}

/// Flat City record; `region` is the first subdivision's name (`state1`).
pub fn flat_city(
    country_code: &str,
    region: Option<&str>,
    city: Option<&str>,
    latitude: f64,
    longitude: f64,
) -> FlatCityRecord {
    FlatCityRecord {
        country_code: country_code.to_string(),
        state1: region.map(str::to_string),
        city: city.map(str::to_string),
        latitude,
        longitude,
    }
}
