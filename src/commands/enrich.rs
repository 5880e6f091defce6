//! `rootlens enrich`: classify and locate the case's source IPs again.

use anyhow::Result;

use crate::cli::EnrichArgs;
use crate::exit::Outcome;
use crate::{config, pipeline, store};

pub fn run(args: EnrichArgs) -> Result<Outcome> {
    let db = &args.case.db;
    if !db.exists() {
        anyhow::bail!("the case file {} does not exist", db.display());
    }
    let conn = store::open_for_writing(db)?;
    let enriched = pipeline::enrich_case(&conn, db, &config::geo_options(&args.geo))?;
    super::print_enriched(&enriched);
    Ok(Outcome::default())
}
