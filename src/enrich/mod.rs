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
    };
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
    for (role, info) in [
        ("city", databases.city_info()),
        ("asn", databases.asn_info()),
    ] {
        if let Some(info) = info {
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
