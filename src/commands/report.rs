use std::path::Path;

use anyhow::{Context, Result};

use crate::cli::ReportArgs;
use crate::runner::{self, RunOptions, RunResult};
use crate::{render, store, ExitStatus};

pub fn run(args: ReportArgs) -> Result<ExitStatus> {
    let library = super::library(args.library.queries.as_deref())?;
    let conn = store::open_read_only(&args.case.db)?;
    let selected = runner::select(&library, &[])?;
    let result = runner::run(&conn, &selected, &RunOptions::everything())?;
    if let Some(path) = &args.findings {
        super::run::write_findings(&result, path)?;
    }
    write_report(
        &conn,
        &args.case.db,
        &result,
        args.templates.templates.as_deref(),
        &args.out,
    )?;
    println!("report: {}", args.out.display());
    if let Some(pdf) = &args.pdf {
        render::pdf::print(&args.out, pdf)?;
        println!("pdf: {}", pdf.display());
    }
    Ok(ExitStatus::Success)
}

/// Renders and writes the HTML report of a run.
pub fn write_report(
    conn: &duckdb::Connection,
    db: &Path,
    result: &RunResult,
    templates: Option<&Path>,
    out: &Path,
) -> Result<()> {
    let tera = render::templates(templates)?;
    let html = render::render(conn, db, result, &tera)?;
    std::fs::write(out, html).with_context(|| format!("cannot write {}", out.display()))
}
