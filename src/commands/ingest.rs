//! `rootlens ingest`: load inputs into a case, then enrich it.

use anyhow::Result;

use crate::cli::IngestArgs;
use crate::exit::Outcome;
use crate::{config, pipeline};

pub fn run(args: IngestArgs) -> Result<Outcome> {
    let db = &args.case.db;
    let integrity = config::verify_options(&args.integrity).read()?;
    let options = config::ingest_options(args.inputs, &args.tuning, db, args.quiet);
    let (summary, verified, enriched) =
        pipeline::ingest_and_enrich(db, &options, &integrity, &config::geo_options(&args.geo))?;
    if !args.quiet {
        super::print_enriched(&enriched);
        eprint!("{}", summary.render());
        eprintln!("{}", verified.one_line());
        eprintln!("case: {}", db.display());
    }
    Ok(Outcome {
        inputs_failed: summary.any_failed(),
        ..Outcome::default()
    })
}
