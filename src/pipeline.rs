//! The steps several commands share, as library calls: a command never calls another command.
//!
//! ingest -> verify -> enrich (`ingest_and_enrich`), then investigate -> render (`run_and_report`).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use duckdb::Connection;

use crate::enrich::{self, geo::GeoDatabases, EnrichSummary};
use crate::ingest::{self, IngestOptions, IngestSummary};
use crate::library::Library;
use crate::render::Layout;
use crate::runner::{self, RunOptions, RunResult};
use crate::verify::{self, VerifySummary};
use crate::{render, store};

/// Which geo databases to use.
pub struct GeoOptions {
    pub city: Option<PathBuf>,
    pub asn: Option<PathBuf>,
    /// Also search the system folders (`/usr/share/GeoIP`, `/var/lib/GeoIP`).
    pub system_dirs: bool,
}

/// Where a report and its companions go.
pub struct ReportOptions {
    /// The HTML files to write, each in its layout (and printed to PDF when asked).
    pub documents: Vec<Document>,
    pub findings: Option<PathBuf>,
    /// A folder of templates layered over the built-in ones.
    pub templates: Option<PathBuf>,
}

/// One layout of the report, written to `html` and printed to `pdf` when set.
pub struct Document {
    pub layout: Layout,
    pub html: PathBuf,
    pub pdf: Option<PathBuf>,
}

/// What enriching a case did, and with which databases (one line, for people).
pub struct Enriched {
    pub summary: EnrichSummary,
    pub databases: String,
}

/// Loads the inputs into the case at `db` (created when needed), checks its evidence
/// integrity (with the keys and signatures given and those among the inputs), then enriches it.
pub fn ingest_and_enrich(
    db: &Path,
    options: &IngestOptions,
    integrity: &verify::Arguments,
    geo: &GeoOptions,
) -> Result<(IngestSummary, VerifySummary, Enriched)> {
    let conn = store::open_for_writing(db)?;
    let summary = ingest::run(&conn, options)
        .with_context(|| format!("ingest into the case {} stopped", db.display()))?;
    let verified = verify::run(&conn, integrity)?;
    store::credential_events::mark_current(&conn)?;
    let search =
        enrich::geo::search_dirs_with_inputs(db.parent(), &options.inputs, geo.system_dirs);
    let enriched = enrich_with(&conn, geo, &search)?;
    Ok((summary, verified, enriched))
}

/// Checks the evidence integrity of the existing case at `db`.
pub fn verify_case(db: &Path, integrity: &verify::Arguments) -> Result<VerifySummary> {
    if !db.exists() {
        anyhow::bail!("the case file {} does not exist", db.display());
    }
    let conn = store::open_for_writing(db)?;
    verify::run(&conn, integrity)
}

/// Classifies and locates the case's source IPs with the databases given or found.
pub fn enrich_case(conn: &Connection, db: &Path, geo: &GeoOptions) -> Result<Enriched> {
    let search = enrich::geo::default_search_dirs(db.parent(), geo.system_dirs);
    enrich_with(conn, geo, &search)
}

/// Classifies and locates the case's source IPs with the databases given or found in `search`.
fn enrich_with(conn: &Connection, geo: &GeoOptions, search: &[PathBuf]) -> Result<Enriched> {
    let databases = GeoDatabases::discover(geo.city.as_deref(), geo.asn.as_deref(), search)
        .map_err(|e| anyhow!("geo database: {e}"))?;
    let summary = enrich::enrich_case(conn, &databases)?;
    Ok(Enriched {
        summary,
        databases: enrich::describe(&databases, geo.system_dirs),
    })
}

/// Runs the selected investigations over the case at `db`.
pub fn run(db: &Path, library: &Library, options: &RunOptions) -> Result<RunResult> {
    let conn = store::open_read_only(db)?;
    runner::run(&conn, library, options)
}

/// Runs the selected investigations, writes findings.json (when asked) and the report, and
/// prints the report to PDF (when asked).
pub fn run_and_report(
    db: &Path,
    library: &Library,
    options: &RunOptions,
    report: &ReportOptions,
) -> Result<RunResult> {
    let conn = store::open_read_only(db)?;
    // The report's appendix holds the case file's hash: it is read while the investigations
    // run (the file is open read-only, so it cannot change), on a core their queries leave idle
    // part of the time.
    let case_sha256 = std::thread::spawn({
        let db = db.to_path_buf();
        move || render::sha256_file(&db)
    });
    let result = runner::run(&conn, library, options)?;
    if let Some(path) = &report.findings {
        result.write_json(path)?;
    }
    let tera = render::templates(report.templates.as_deref())?;
    let case_sha256 = case_sha256
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
    let context = render::context(&conn, db, case_sha256, &result)?;
    // Every HTML file first: a missing browser then leaves all of them written.
    for document in &report.documents {
        let html = render::render(&tera, &context, document.layout)?;
        std::fs::write(&document.html, html)
            .with_context(|| format!("cannot write {}", document.html.display()))?;
    }
    for document in &report.documents {
        if let Some(pdf) = &document.pdf {
            render::pdf::print(&document.html, pdf)?;
        }
    }
    Ok(result)
}
