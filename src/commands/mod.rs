//! One thin module per subcommand: options in, library call, exit status out.

pub mod ingest;
pub mod investigate;
pub mod library;
pub mod query;
pub mod report;
pub mod run;
pub mod schema;

use std::collections::BTreeMap;
use std::path::Path;

use crate::library::Investigation;

/// The investigation library for a command, telling the user which built-ins their folder replaces.
fn library(user_dir: Option<&Path>) -> anyhow::Result<BTreeMap<String, Investigation>> {
    let (library, notices) = crate::library::library(user_dir)?;
    for notice in notices {
        eprintln!("notice: {}", crate::terminal::sanitize(&notice));
    }
    Ok(library)
}

/// Classifies and locates the case's source IPs with the databases given or found, and says
/// which were used.
fn enrich(
    conn: &duckdb::Connection,
    db: &Path,
    geo: &crate::cli::GeoArgs,
    quiet: bool,
) -> anyhow::Result<()> {
    use crate::enrich::{self, geo::GeoDatabases};
    let search = enrich::geo::default_search_dirs(db.parent(), !geo.no_system_geoip);
    let databases =
        GeoDatabases::discover(geo.geoip_city.as_deref(), geo.geoip_asn.as_deref(), &search)
            .map_err(|e| anyhow::anyhow!("geo database: {e}"))?;
    let summary = enrich::enrich_case(conn, &databases)?;
    if !quiet {
        eprintln!(
            "source IPs: {} distinct, {} public, {} located; geo database {}",
            summary.addresses,
            summary.public,
            summary.located,
            crate::terminal::sanitize(&enrich::describe(&databases))
        );
    }
    Ok(())
}

/// `rootlens enrich`: redo the enrichment of an existing case.
pub fn enrich_command(db: &Path, geo: &crate::cli::GeoArgs) -> anyhow::Result<crate::ExitStatus> {
    if !db.exists() {
        anyhow::bail!("the case file {} does not exist", db.display());
    }
    let conn = crate::store::open_for_writing(db)?;
    enrich(&conn, db, geo, false)?;
    Ok(crate::ExitStatus::Success)
}
