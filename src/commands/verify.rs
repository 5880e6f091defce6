//! `rootlens verify`: check the case's CloudTrail log files and digests, offline.

use anyhow::Result;

use crate::cli::VerifyArgs;
use crate::exit::Outcome;
use crate::{config, pipeline};

pub fn run(args: VerifyArgs) -> Result<Outcome> {
    // The files given are read and checked before the case is touched.
    let integrity = config::verify_options(&args.integrity).read()?;
    let summary = pipeline::verify_case(&args.case.db, &integrity)?;
    print!("{}", summary.render());
    Ok(Outcome {
        integrity_failed: summary.failed(),
        ..Outcome::default()
    })
}
