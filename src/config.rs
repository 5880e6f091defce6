//! The one place where command-line arguments become the plain, checked settings the library
//! takes. Commands build their settings here, so two commands that share an option can never
//! read it differently.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use crate::cli::{GeoArgs, IngestTuning, IntegrityArgs, RunSelection, SeverityArg, TemplatesArg};
use crate::ingest::{self, IngestOptions};
use crate::library::Severity;
use crate::pipeline::{Document, GeoOptions, ReportOptions};
use crate::runner::RunOptions;

/// How to ingest `inputs` into the case at `db`.
pub fn ingest_options(
    inputs: Vec<PathBuf>,
    tuning: &IngestTuning,
    db: &Path,
    quiet: bool,
) -> IngestOptions {
    let cores = || std::thread::available_parallelism().map_or(2, |n| n.get());
    IngestOptions {
        inputs,
        threads: tuning.threads.map_or_else(cores, usize::from),
        max_decompressed: tuning.max_decompressed_mb << 20,
        as_of: tuning.as_of,
        progress: !quiet,
        commit_every: tuning.commit_every,
        keys_in_memory: tuning.keys_in_memory as usize,
        exclude: ingest::case_files(db),
    }
}

/// Which investigations run, and over which time window.
pub fn run_options(selection: &RunSelection) -> Result<RunOptions> {
    if let (Some(since), Some(until)) = (selection.since, selection.until) {
        if since >= until {
            bail!("--since {since} is not before --until {until}: the window is empty");
        }
    }
    Ok(RunOptions {
        only: selection.only.clone(),
        since: selection.since,
        until: selection.until,
        params: selection.params.clone(),
        sigma_unsupported: Vec::new(),
        org_domains: selection
            .org_domains
            .iter()
            .map(|domain| org_domain(domain))
            .collect::<Result<_>>()?,
    })
}

/// A mail domain as `--org-domain` takes it: `acme.com` (a leading `@` is dropped), compared
/// in lower case; the posture checks also count its subdomains.
fn org_domain(text: &str) -> Result<String> {
    let domain = text.trim().trim_start_matches('@').to_ascii_lowercase();
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if domain.split('.').count() < 2 || !domain.split('.').all(label_ok) {
        bail!("--org-domain {text:?} is not a mail domain such as acme.com");
    }
    Ok(domain)
}

pub fn geo_options(geo: &GeoArgs) -> GeoOptions {
    GeoOptions {
        city: geo.geoip_city.clone(),
        asn: geo.geoip_asn.clone(),
        system_dirs: !geo.no_system_geoip,
    }
}

/// Where a report and its companions go.
pub fn report_options(
    documents: Vec<Document>,
    findings: Option<PathBuf>,
    templates: &TemplatesArg,
) -> ReportOptions {
    ReportOptions {
        documents,
        findings,
        templates: templates.templates.clone(),
    }
}

pub fn fail_on(level: Option<SeverityArg>) -> Option<Severity> {
    level.map(SeverityArg::severity)
}

/// The keys and signatures verification uses, besides those in the case.
pub fn verify_options(integrity: &IntegrityArgs) -> crate::verify::VerifyOptions {
    crate::verify::VerifyOptions {
        public_keys: integrity.public_keys.clone(),
        digest_signatures: integrity.digest_signatures.clone(),
    }
}

/// How to write a timeline (the findings file is read by the command).
pub fn timeline_options(
    args: &crate::cli::TimelineArgs,
) -> Result<crate::timeline::TimelineOptions> {
    use crate::cli::TimelineFormatArg;
    use crate::timeline::TimelineFormat;
    if let (Some(since), Some(until)) = (args.since, args.until) {
        if since >= until {
            bail!("--since {since} is not before --until {until}: the window is empty");
        }
    }
    Ok(crate::timeline::TimelineOptions {
        out: args.out.clone(),
        format: match args.format {
            TimelineFormatArg::Jsonl => TimelineFormat::Jsonl,
            TimelineFormatArg::Csv => TimelineFormat::Csv,
        },
        only_findings: args.only_findings,
        since: args.since,
        until: args.until,
        findings: None,
        sorted: args.sorted,
        progress: !args.quiet,
    })
}

/// How to print a summary (the findings file is read by the command).
pub fn summary_options(args: &crate::cli::SummaryArgs) -> crate::summary::SummaryOptions {
    crate::summary::SummaryOptions {
        principal: args.principal.clone(),
        keys: args.keys,
        format: result_format(args.format),
        findings: None,
    }
}

/// The writer's name for a `--format`.
pub fn result_format(format: crate::cli::OutputFormat) -> crate::output::ResultFormat {
    use crate::cli::OutputFormat;
    use crate::output::ResultFormat;
    match format {
        OutputFormat::Table => ResultFormat::Table,
        OutputFormat::Csv => ResultFormat::Csv,
        OutputFormat::Json => ResultFormat::Json,
        OutputFormat::Ndjson => ResultFormat::Ndjson,
    }
}
