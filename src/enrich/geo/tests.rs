//! Tests of the public API: opening files, and what lookups return.

use serde::Serialize;

use super::test_support::*;
use super::*;

#[test]
fn ipv4_lookup_in_city_and_asn() {
    let f = fixture();
    let dbs = GeoDatabases::open(Some(&f.city), Some(&f.asn)).unwrap();
    let info = dbs.lookup(ip("81.2.69.160"));
    assert_eq!(
        info,
        GeoInfo {
            country_code: Some("GB".into()),
            country: Some("United Kingdom".into()),
            region: Some("England".into()),
            city: Some("London".into()),
            latitude: Some(51.5),
            longitude: Some(-0.1),
            accuracy_radius_km: Some(20),
            network: Some("81.2.69.0/24".into()),
            asn: Some(64500),
            as_org: Some("Example Transit".into()),
        }
    );
    let ru = dbs.lookup(ip("203.0.113.200"));
    assert_eq!(ru.country_code.as_deref(), Some("RU"));
    assert_eq!(ru.city.as_deref(), Some("Moscow"));
    assert_eq!(ru.asn, None, "ASN network is only the lower /25");
    assert_eq!(dbs.lookup(ip("203.0.113.5")).asn, Some(64501));
    let us = dbs.lookup(ip("198.51.100.7"));
    assert_eq!(us.country_code.as_deref(), Some("US"));
    assert_eq!(us.accuracy_radius_km, Some(1000));
    assert_eq!((us.city, us.region), (None, None));
}

#[test]
fn nested_networks_pick_most_specific() {
    let f = fixture();
    let dbs = GeoDatabases::open(Some(&f.city), None).unwrap();
    let paris = dbs.lookup(ip("5.5.5.5"));
    assert_eq!(paris.city.as_deref(), Some("Paris"));
    assert_eq!(paris.network.as_deref(), Some("5.5.5.0/24"));
    let france = dbs.lookup(ip("5.6.7.8"));
    assert_eq!(france.city, None);
    assert_eq!(france.accuracy_radius_km, Some(500));
    assert_eq!(
        france.network.as_deref(),
        Some("5.6.0.0/15"),
        "tree splits around 5.5.5.0/24"
    );
}

#[test]
fn ipv6_and_ipv4_mapped_lookups() {
    let f = fixture();
    let dbs = GeoDatabases::open(Some(&f.city), Some(&f.asn)).unwrap();
    let berlin = dbs.lookup(ip("2001:db8:1::42"));
    assert_eq!(berlin.country_code.as_deref(), Some("DE"));
    assert_eq!(berlin.region.as_deref(), Some("Land Berlin"));
    assert_eq!(berlin.city.as_deref(), Some("Berlin"));
    assert_eq!(berlin.network.as_deref(), Some("2001:db8:1::/48"));
    assert_eq!(berlin.asn, Some(64502));

    let mapped = dbs.lookup(ip("::ffff:81.2.69.160"));
    assert_eq!(mapped, dbs.lookup(ip("81.2.69.160")));
    assert_eq!(mapped.network.as_deref(), Some("81.2.69.0/24"));

    // Via classify, as the enrich step will do it.
    let (class, addr) = classify("::ffff:81.2.69.160", false);
    assert_eq!(class, IpClass::Public);
    assert_eq!(addr, Some(ip("81.2.69.160")));
    assert_eq!(dbs.lookup(addr.unwrap()).city.as_deref(), Some("London"));
}

#[test]
fn misses_and_partial_hits() {
    let f = fixture();
    let dbs = GeoDatabases::open(Some(&f.city), Some(&f.asn)).unwrap();
    assert!(dbs.lookup(ip("8.8.8.8")).is_empty());
    assert!(dbs.lookup(ip("2a00:1450::1")).is_empty());
    // Only the ASN database knows 192.0.2.0/24: network comes from it.
    let only_asn = dbs.lookup(ip("192.0.2.10"));
    assert_eq!(only_asn.country_code, None);
    assert_eq!(only_asn.asn, Some(64503));
    assert_eq!(only_asn.network.as_deref(), Some("192.0.2.0/24"));
    // No ASN database: ASN fields stay empty.
    let city_only = GeoDatabases::open(Some(&f.city), None).unwrap();
    let info = city_only.lookup(ip("81.2.69.1"));
    assert_eq!(info.city.as_deref(), Some("London"));
    assert_eq!((info.asn, info.as_org), (None, None));
    // Nothing open at all.
    let none = GeoDatabases::open(None, None).unwrap();
    assert!(none.is_empty());
    assert!(none.lookup(ip("81.2.69.1")).is_empty());
    assert!(!dbs.is_empty());
}

#[test]
fn country_database_and_ipv4_only_database() {
    let dir = tempfile::tempdir().unwrap();
    let country = dir.path().join("GeoLite2-Country.mmdb");
    let rec = TCity {
        country: place(Some("NL"), "Netherlands"),
        subdivisions: vec![],
        city: None,
        location: None,
    };
    write_db(&country, "GeoLite2-Country", true, &[("81.2.69.0/24", rec)]);
    let dbs = GeoDatabases::open(Some(&country), None).unwrap();
    let info = dbs.lookup(ip("81.2.69.9"));
    assert_eq!(info.country_code.as_deref(), Some("NL"));
    assert_eq!(info.country.as_deref(), Some("Netherlands"));
    assert_eq!(
        (info.city, info.latitude, info.accuracy_radius_km),
        (None, None, None)
    );
    assert_eq!(info.network.as_deref(), Some("81.2.69.0/24"));
    // The reader refuses IPv6 in an IPv4-only database; that is a miss, not a panic.
    assert!(dbs.lookup(ip("2001:db8:1::1")).is_empty());
    assert_eq!(
        dbs.lookup(ip("::ffff:81.2.69.9")).country_code.as_deref(),
        Some("NL")
    );
}

#[test]
fn database_info() {
    let f = fixture();
    let dbs = GeoDatabases::open(Some(&f.city), Some(&f.asn)).unwrap();
    let city = dbs.city_info().unwrap();
    assert_eq!(city.path, f.city);
    assert_eq!(city.database_type, "GeoLite2-City");
    assert_eq!(city.build_time, "2024-01-02T03:04:05Z");
    assert_eq!(dbs.asn_info().unwrap().database_type, "GeoLite2-ASN");
    assert!(format!("{dbs:?}").contains("GeoLite2-ASN"));
}

#[test]
fn geo_databases_can_be_shared_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<GeoDatabases>();
}

#[derive(Serialize)]
struct TPadded {
    country: TPlace,
    x: String,
}

#[test]
fn deeply_nested_record_is_a_miss_not_a_crash() {
    // A record whose unknown "x" value nests 30,000 maps deep: the string placeholder is
    // overwritten in place (4-byte header + 89,998 bytes == 3 * 30,000 + 2).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep.mmdb");
    let rec = TPadded {
        country: place(Some("GB"), "United Kingdom"),
        x: "Z".repeat(89_998),
    };
    write_db(&path, "GeoLite2-City", false, &[("81.2.69.0/24", rec)]);
    let mut bytes = std::fs::read(&path).unwrap();
    let start = bytes
        .windows(64)
        .position(|w| w.iter().all(|&b| b == b'Z'))
        .unwrap()
        - 4;
    let deep = nested_maps(30_000);
    assert_eq!(deep.len(), 4 + 89_998);
    bytes[start..start + deep.len()].copy_from_slice(&deep);
    std::fs::write(&path, bytes).unwrap();

    let dbs = GeoDatabases::open(Some(&path), None).unwrap();
    assert!(dbs.lookup(ip("81.2.69.1")).is_empty());
    assert!(dbs.lookup(ip("8.8.8.8")).is_empty());
}

#[test]
fn bad_files_give_errors_naming_them() {
    let f = fixture();
    let corrupt = f.dir.path().join("GeoLite2-City-corrupt.mmdb");
    std::fs::write(&corrupt, b"this is not a maxmind database at all").unwrap();
    let err = GeoDatabases::open(Some(&corrupt), None).unwrap_err();
    assert!(err.contains("GeoLite2-City-corrupt.mmdb"), "{err}");
    assert!(err.contains("not a MaxMind DB"), "{err}");

    // Truncated: metadata survives but the search tree does not fit.
    let full = std::fs::read(&f.city).unwrap();
    let marker = b"\xab\xcd\xefMaxMind.com";
    let at = full
        .windows(marker.len())
        .rposition(|w| w == marker)
        .unwrap();
    let truncated = f.dir.path().join("truncated.mmdb");
    std::fs::write(&truncated, &full[at..]).unwrap();
    let err = GeoDatabases::open(Some(&truncated), None).unwrap_err();
    assert!(err.contains("truncated.mmdb"), "{err}");

    let missing = f.dir.path().join("nope.mmdb");
    let err = GeoDatabases::open(None, Some(&missing)).unwrap_err();
    assert!(err.contains("nope.mmdb"), "{err}");

    // Swapped roles.
    let err = GeoDatabases::open(Some(&f.asn), None).unwrap_err();
    assert!(err.contains("ASN database"), "{err}");
    let err = GeoDatabases::open(None, Some(&f.city)).unwrap_err();
    assert!(err.contains("not an ASN one"), "{err}");
}
