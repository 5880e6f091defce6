//! Enrichment written into the case.

use anyhow::{Context, Result};
use duckdb::{params, Connection};

use super::geo::{self, classify, GeoDatabases};
use super::{coverage_warning, EnrichSummary};

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
