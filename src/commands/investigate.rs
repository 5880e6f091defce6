use anyhow::{Context, Result};

use crate::cli::InvestigateArgs;
use crate::ingest::{self, IngestOptions};
use crate::runner::{self, RunOptions};
use crate::{render, store, ExitStatus};

/// ingest -> run -> report, into one case folder.
pub fn run(args: InvestigateArgs) -> Result<ExitStatus> {
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create the case folder {}", args.out.display()))?;
    let db = args.out.join("case.duckdb");
    let findings = args.out.join("findings.json");
    let report = args.out.join("report.html");
    // Check the library before spending time on the ingest.
    let library = super::library(args.library.queries.as_deref())?;

    let summary = {
        let conn = store::open_for_writing(&db)?;
        let options = IngestOptions {
            inputs: args.inputs,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            max_decompressed: ingest::DEFAULT_MAX_DECOMPRESSED_MB << 20,
            as_of: args.as_of,
            progress: !args.quiet,
            commit_every: ingest::DEFAULT_COMMIT_EVERY,
            exclude: ingest::case_files(&db),
        };
        let summary = ingest::run(&conn, &options)?;
        super::enrich(&conn, &db, &args.geo, args.quiet)?;
        summary
    };
    if !args.quiet {
        eprint!("{}", summary.render());
    }

    let conn = store::open_read_only(&db)?;
    let selected = runner::select(&library, &[])?;
    let result = runner::run(&conn, &selected, &RunOptions::everything())?;
    super::run::write_findings(&result, &findings)?;
    super::report::write_report(
        &conn,
        &db,
        &result,
        args.templates.templates.as_deref(),
        &report,
    )?;
    let with_rows = result
        .investigations
        .iter()
        .filter(|f| f.row_count > 0)
        .count();
    println!(
        "{} investigations, {} with findings; worst: {}",
        result.investigations.len(),
        with_rows,
        result
            .investigations
            .iter()
            .filter(|f| f.row_count > 0)
            .map(|f| f.severity)
            .max()
            .map_or("none", |s| s.as_str())
    );
    println!("case:     {}", db.display());
    println!("findings: {}", findings.display());
    println!("report:   {}", report.display());
    if args.pdf {
        let pdf = args.out.join("report.pdf");
        render::pdf::print(&report, &pdf)?;
        println!("pdf:      {}", pdf.display());
    }
    Ok(
        match super::run::exit_status(&result, args.fail_on.map(|l| l.severity())) {
            ExitStatus::Success if summary.any_failed() => ExitStatus::InputsFailed,
            status => status,
        },
    )
}
