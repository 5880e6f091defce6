//! `rootlens report`: run the investigations over an existing case and write the report; or,
//! without a case, render an existing findings.json (`--findings F`), e.g. Spark's.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::cli::ReportArgs;
use crate::exit::Outcome;
use crate::pipeline::Document;
use crate::render::Layout;
use crate::{config, pipeline, render};

pub fn run(args: ReportArgs) -> Result<Outcome> {
    // Without --db, a findings file that exists is the input: never overwritten by a run over
    // a case file that happens to sit in the current folder.
    if let (None, Some(findings)) = (&args.db, &args.findings) {
        if findings.exists() {
            return from_findings(findings, &args);
        }
    }
    let db = args
        .db
        .clone()
        .unwrap_or_else(|| PathBuf::from("rootlens.duckdb"));
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
        html: args.out.clone(),
        pdf: args.pdf.clone(),
    };
    let report = config::report_options(vec![document], args.findings.clone(), &args.templates);
    let result = pipeline::run_and_report(&db, &library, &options, &report)?;
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

/// The report of a findings file alone. Options that need a case (a selection, a library)
/// are refused rather than ignored.
fn from_findings(findings: &std::path::Path, args: &ReportArgs) -> Result<Outcome> {
    let selection = &args.selection;
    if !selection.only.is_empty()
        || selection.since.is_some()
        || selection.until.is_some()
        || !selection.params.is_empty()
        || args.library.queries.is_some()
    {
        anyhow::bail!(
            "--only, --since, --until, --param and --queries choose what runs over a case; {} \
             holds findings already (give --db CASE to run them again)",
            findings.display()
        );
    }
    let tera = render::templates(args.templates.templates.as_deref())?;
    let rendered = render::findings_only::render(findings, &tera)?;
    std::fs::write(&args.out, &rendered.html)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    if let Some(pdf) = &args.pdf {
        render::pdf::print(&args.out, pdf)?;
    }
    println!(
        "report: {} (from {}, without a case)",
        args.out.display(),
        findings.display()
    );
    if let Some(pdf) = &args.pdf {
        println!("pdf: {}", pdf.display());
    }
    Ok(Outcome {
        investigations_failed: rendered.investigations_failed,
        worst_finding: rendered.worst_finding,
        fail_on: config::fail_on(args.fail_on),
        ..Outcome::default()
    })
}
