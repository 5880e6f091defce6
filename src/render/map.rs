//! The world map section: which origins to draw, which are new, which pairs are impossible
//! travel (all three from the case and the run's findings), or the sentence saying why there
//! is no map.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use duckdb::Connection;
use serde_json::Value;

use super::charts::{self, MapOrigin, MapTotals, TravelArc};
use super::context::cell;
use super::data;
use crate::runner::{FindingStatus, RunResult};

/// The investigations whose `source_ip` rows mark an origin as first seen after the baseline.
const FIRST_SEEN: [&str; 2] = ["first-seen-source-ip", "first-seen-country-or-asn"];
/// The investigation whose rows are drawn as arcs (`from_ip` to `to_ip`).
const TRAVEL: &str = "impossible-travel";
/// Origins drawn, busiest first (the view has them all; the legend counts them); an arc's two
/// ends are always drawn.
const MAX_ORIGINS: usize = 2000;
/// Arcs drawn, in the finding's (time) order; findings.json has every pair.
const MAX_ARCS: usize = 500;

/// The map, or why there is none.
pub struct WorldMap {
    pub svg: Option<String>,
    pub absent_reason: Option<String>,
}

pub fn world_map(conn: &Connection, run: &RunResult) -> Result<WorldMap> {
    let absent = |reason: String| {
        Ok(WorldMap {
            svg: None,
            absent_reason: Some(reason),
        })
    };
    let databases = &run.case.geo_databases;
    if databases.is_empty() {
        return absent(
            "No map: no geo database was used for this case, so no source address has a \
             location (give --geoip-city, set ROOTLENS_GEOIP_CITY, or put a City database in \
             a GeoIP folder beside the case or in the evidence folder)."
                .into(),
        );
    }
    let Some(city) = databases.iter().find(|d| d.role == "city") else {
        return absent(format!(
            "No map: the geo database used ({}) has networks (ASNs) but no locations; a City \
             database places addresses on the map.",
            databases
                .iter()
                .map(|d| d.database_type.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    };
    let ends: BTreeSet<String> = travel_rows(run)
        .take(MAX_ARCS)
        .flat_map(|row| {
            [
                text(&row, "from_ip").to_string(),
                text(&row, "to_ip").to_string(),
            ]
        })
        .collect();
    let ends: BTreeSet<&str> = ends.iter().map(String::as_str).collect();
    let (mut origins, located) = data::geo_origins(conn, MAX_ORIGINS, &ends)?;
    if origins.is_empty() {
        return absent(format!(
            "No map: the geo database ({}) located none of the case's {} public source \
             addresses in this window (private addresses and AWS service names are never \
             located).",
            city.database_type, city.public_addresses
        ));
    }
    let first_seen = first_seen_ips(run);
    for origin in &mut origins {
        origin.first_seen = first_seen.contains(origin.ip.as_str());
    }
    let arcs = travel_arcs(run, &origins);
    let totals = MapTotals {
        located,
        travel_pairs: travel_rows(run).count(),
    };
    let svg = charts::world_map(&origins, &arcs, totals)
        .map_err(|e| anyhow::anyhow!("cannot draw the world map: {e}"))?;
    Ok(WorldMap {
        svg: Some(svg),
        absent_reason: None,
    })
}

/// Source IPs a first-seen investigation reported.
fn first_seen_ips(run: &RunResult) -> BTreeSet<String> {
    run.investigations
        .iter()
        .filter(|f| FIRST_SEEN.contains(&f.id.as_str()) && f.status == FindingStatus::Ok)
        .flat_map(|f| f.rows.iter())
        .map(|row| text(&row.fields(), "source_ip").to_string())
        .filter(|ip| !ip.is_empty())
        .collect()
}

fn travel_rows(run: &RunResult) -> impl Iterator<Item = serde_json::Map<String, Value>> + '_ {
    run.investigations
        .iter()
        .filter(|f| f.id == TRAVEL && f.status == FindingStatus::Ok)
        .flat_map(|f| f.rows.iter().map(crate::runner::Row::fields))
}

/// One arc per impossible-travel row whose two addresses are located.
fn travel_arcs(run: &RunResult, origins: &[MapOrigin]) -> Vec<TravelArc> {
    let at: BTreeMap<&str, &MapOrigin> = origins.iter().map(|o| (o.ip.as_str(), o)).collect();
    travel_rows(run)
        .take(MAX_ARCS)
        .filter_map(|row| {
            let row = &row;
            let from = at.get(text(row, "from_ip"))?;
            let to = at.get(text(row, "to_ip"))?;
            let label = format!(
                "impossible travel, {}: {} ({}) at {} to {} ({}) at {}, {} km at {} km/h",
                text(row, "principal"),
                from.ip,
                from.place,
                cell(row.get("from_time").unwrap_or(&Value::Null)),
                to.ip,
                to.place,
                cell(row.get("event_time").unwrap_or(&Value::Null)),
                cell(row.get("km").unwrap_or(&Value::Null)),
                cell(row.get("kmh").unwrap_or(&Value::Null)),
            );
            Some(TravelArc {
                from: (from.longitude, from.latitude),
                to: (to.longitude, to.latitude),
                label,
            })
        })
        .collect()
}

fn text<'r>(row: &'r serde_json::Map<String, Value>, column: &str) -> &'r str {
    row.get(column).and_then(Value::as_str).unwrap_or("")
}
