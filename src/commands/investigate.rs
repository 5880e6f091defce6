//! `rootlens investigate`: the main job. Ingest, enrich, run and report, into one case folder.

use anyhow::{Context, Result};

use crate::cli::InvestigateArgs;
use crate::exit::Outcome;
use crate::pipeline::Document;
use crate::render::Layout;
use crate::{config, pipeline};

pub fn run(args: InvestigateArgs) -> Result<Outcome> {
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create the case folder {}", args.out.display()))?;
    let db = args.out.join("case.duckdb");
    let findings = args.out.join("findings.json");
    // The full report and the brief one an incident lead forwards, side by side.
    let documents = [(Layout::Full, "report"), (Layout::Brief, "brief")]
        .into_iter()
        .map(|(layout, name)| Document {
            layout,
            html: args.out.join(format!("{name}.html")),
            pdf: args.pdf.then(|| args.out.join(format!("{name}.pdf"))),
        })
        .collect();
    // Check the library and the options before spending time on the ingest.
    let (library, unsupported) =
        super::load_library(args.library.queries.as_deref(), &args.selection)?;
    let mut run_options = config::run_options(&args.selection)?;
    run_options.sigma_unsupported = unsupported;
    crate::runner::select(&library, &run_options.only)?;
    let report = config::report_options(documents, Some(findings), &args.templates);
    let ingest_options = config::ingest_options(args.inputs, &args.tuning, &db, args.quiet);
    let integrity = config::verify_options(&args.integrity).read()?;

    let (summary, verified, enriched) = pipeline::ingest_and_enrich(
        &db,
        &ingest_options,
        &integrity,
        &config::geo_options(&args.geo),
    )?;
    if !args.quiet {
        super::print_enriched(&enriched);
        eprint!("{}", summary.render());
        eprintln!("{}", verified.one_line());
    }
    let result = pipeline::run_and_report(&db, &library, &run_options, &report)?;
    super::print_failed_investigations(&result);
    super::print_unsupported_sigma(&result.sigma_unsupported, &mut std::io::stderr().lock())?;
    println!(
        "{} investigations, {} with findings; worst: {}",
        result.investigations.len(),
        result.with_rows().count(),
        result.worst_finding().map_or("none", |s| s.as_str())
    );
    println!("case:     {}", db.display());
    if let Some(path) = &report.findings {
        println!("findings: {}", path.display());
    }
    for document in &report.documents {
        let label = match document.layout {
            Layout::Full => "report:",
            Layout::Brief => "brief:",
        };
        println!("{label:<9} {}", document.html.display());
    }
    for pdf in report.documents.iter().filter_map(|d| d.pdf.as_ref()) {
        println!("pdf:      {}", pdf.display());
    }
    Ok(Outcome {
        inputs_failed: summary.any_failed(),
        ..result.outcome(config::fail_on(args.fail_on))
    })
}
