//! `rootlens report`: run the investigations over an existing case and write the report.

use anyhow::Result;

use crate::cli::ReportArgs;
use crate::exit::Outcome;
use crate::pipeline::Document;
use crate::render::Layout;
use crate::{config, pipeline};

pub fn run(args: ReportArgs) -> Result<Outcome> {
    let (library, unsupported) =
        super::load_library(args.library.queries.as_deref(), &args.selection)?;
    let mut options = config::run_options(&args.selection)?;
    options.sigma_unsupported = unsupported;
    let layout = if args.brief {
        Layout::Brief
    } else {
        Layout::Full
    };
    let document = Document {
        layout,
        html: args.out,
        pdf: args.pdf,
    };
    let report = config::report_options(vec![document], args.findings, &args.templates);
    let result = pipeline::run_and_report(&args.case.db, &library, &options, &report)?;
    super::print_failed_investigations(&result);
    super::print_unsupported_sigma(&result.sigma_unsupported, &mut std::io::stderr().lock())?;
    for document in &report.documents {
        println!("report: {}", document.html.display());
    }
    if let Some(path) = &report.findings {
        println!("findings: {}", path.display());
    }
    for pdf in report.documents.iter().filter_map(|d| d.pdf.as_ref()) {
        println!("pdf: {}", pdf.display());
    }
    Ok(result.outcome(config::fail_on(args.fail_on)))
}
