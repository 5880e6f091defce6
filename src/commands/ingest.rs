//! `rootlens ingest`: load inputs into a case, then enrich it.

use anyhow::Result;

use crate::cli::IngestArgs;
use crate::exit::Outcome;
use crate::{config, pipeline};

pub fn run(args: IngestArgs) -> Result<Outcome> {
    let db = &args.case.db;
    let options = config::ingest_options(args.inputs, &args.tuning, db, args.quiet);
    let (summary, enriched) =
        pipeline::ingest_and_enrich(db, &options, &config::geo_options(&args.geo))?;
    if !args.quiet {
        super::print_enriched(&enriched);
        eprint!("{}", summary.render());
        eprintln!("case: {}", db.display());
    }
    Ok(Outcome {
        inputs_failed: summary.any_failed(),
        ..Outcome::default()
    })
}
