//! `rootlens report`: run the investigations over an existing case and write the report.

use anyhow::Result;

use crate::cli::ReportArgs;
use crate::exit::Outcome;
use crate::{config, pipeline};

pub fn run(args: ReportArgs) -> Result<Outcome> {
    let library = super::load_library(args.library.queries.as_deref())?;
    let options = config::run_options(&args.selection)?;
    let report = config::report_options(args.out, args.pdf, args.findings, &args.templates);
    let result = pipeline::run_and_report(&args.case.db, &library, &options, &report)?;
    super::print_failed_investigations(&result);
    println!("report: {}", report.html.display());
    if let Some(path) = &report.findings {
        println!("findings: {}", path.display());
    }
    if let Some(pdf) = &report.pdf {
        println!("pdf: {}", pdf.display());
    }
    Ok(result.outcome(config::fail_on(args.fail_on)))
}
