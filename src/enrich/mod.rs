//! Enrichment: facts about the evidence from outside it, added to the case after loading.

pub mod geo;

use anyhow::{Context, Result};
use duckdb::{params, Connection};

use geo::{classify, GeoDatabases};

/// What an enrichment did.
pub struct EnrichSummary {
    pub addresses: usize,
    pub public: usize,
    pub located: usize,
    /// A database that located none of many public addresses (see [`coverage_warning`]).
    pub warnings: Vec<String>,
}

/// Fewest public addresses for which a database that locates none of them is suspect.
pub const MIN_PUBLIC_FOR_WARNING: i64 = 10;

/// A warning when the `role` database ("city" or "asn") located none of `public` (at least
/// [`MIN_PUBLIC_FOR_WARNING`]) public addresses: its records are likely in a layout rootlens
/// does not read, or it covers none of these networks. Geo findings are then unreliable.
pub fn coverage_warning(role: &str, path: &str, public: i64, located: i64) -> Option<String> {
    (public >= MIN_PUBLIC_FOR_WARNING && located == 0).then(|| {
        format!(
            "the {role} geo database {path} located none of {public} public source addresses \
             (a record layout rootlens does not read, or a database for other networks): \
             geo findings are unreliable"
        )
    })
}

/// Classifies every distinct source IP of the case once and looks up the public ones; the
/// previous enrichment (and its record of databases) is replaced, in one transaction.
pub fn enrich_case(conn: &Connection, databases: &GeoDatabases) -> Result<EnrichSummary> {
    let mut values = Vec::new();
    {
        let mut stmt = conn.prepare(
            "SELECT DISTINCT source_ip FROM event_records WHERE source_ip IS NOT NULL ORDER BY 1",
        )?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        for value in rows {
            values.push(value?);
        }
    }
    let mut summary = EnrichSummary {
        addresses: values.len(),
        public: 0,
        located: 0,
        warnings: Vec::new(),
    };
    let (mut located_city, mut located_asn) = (0i64, 0i64);
    conn.execute_batch("BEGIN TRANSACTION; DELETE FROM ip_enrichment; DELETE FROM geo_databases;")?;
    {
        let mut appender = conn.appender("ip_enrichment")?;
        for value in &values {
            let (class, ip) = classify(value, false);
            let info = match ip.filter(|_| class.is_public()) {
                Some(ip) => {
                    summary.public += 1;
                    databases.lookup(ip)
                }
                None => geo::GeoInfo::default(),
            };
            if !info.is_empty() {
                summary.located += 1;
            }
            located_city += i64::from(info.has_location());
            located_asn += i64::from(info.asn.is_some());
            appender.append_row(params![
                value,
                class.as_str(),
                info.country_code,
                info.country,
                info.region,
                info.city,
                info.latitude,
                info.longitude,
                info.accuracy_radius_km.map(i32::from),
                info.network,
                info.asn.map(i64::from),
                info.as_org,
            ])?;
        }
        appender.flush()?;
    }
    for (role, info, located) in [
        ("city", databases.city_info(), located_city),
        ("asn", databases.asn_info(), located_asn),
    ] {
        if let Some(info) = info {
            let path = info.path.display().to_string();
            let public = summary.public as i64;
            summary
                .warnings
                .extend(coverage_warning(role, &path, public, located));
            conn.execute(
                "INSERT INTO geo_databases VALUES (?, ?, ?, ?, now()::TIMESTAMP)",
                params![
                    role,
                    info.path.display().to_string(),
                    info.database_type,
                    info.build_time
                ],
            )?;
        }
    }
    conn.execute_batch("COMMIT")
        .context("cannot save the enrichment")?;
    Ok(summary)
}

/// One line for users and reports: which databases, or that there were none.
/// `system_dirs`: whether the system folders were searched.
pub fn describe(databases: &GeoDatabases, system_dirs: bool) -> String {
    let mut parts = Vec::new();
    for (role, info) in [
        ("city/country", databases.city_info()),
        ("ASN", databases.asn_info()),
    ] {
        if let Some(info) = info {
            parts.push(format!(
                "{role}: {} ({}, built {})",
                info.path.display(),
                info.database_type,
                info.build_time
            ));
        }
    }
    if parts.is_empty() {
        let system = if system_dirs {
            geo::SYSTEM_DIRS.join(", ") + ", "
        } else {
            String::new()
        };
        format!("none: no geo database was given or found (--geoip-city, --geoip-asn, $ROOTLENS_GEOIP_CITY, $ROOTLENS_GEOIP_ASN, {system}GeoIP/ beside the case)")
    } else {
        parts.join("; ")
    }
}
