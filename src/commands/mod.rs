//! One thin module per subcommand, named after it: arguments in (through `config`), library
//! calls, what the user reads, and the outcome that decides the exit status.

pub mod collect_commands;
pub mod enrich;
pub mod export;
pub mod ingest;
pub mod investigate;
pub mod library;
pub mod query;
pub mod report;
pub mod run;
pub mod schema;
pub mod sigma;
pub mod summary;
pub mod verify;

use std::path::Path;

use crate::library::Library;
use crate::pipeline::Enriched;
use crate::runner::RunResult;
use crate::terminal::sanitize;

/// The investigation library for a command, telling the user which built-ins their folder
/// replaces, with the bundled Sigma rules and those of `--sigma` compiled into it. The rules
/// that could not be compiled come back with their reasons.
fn load_library(
    user_dir: Option<&Path>,
    selection: &crate::cli::RunSelection,
) -> anyhow::Result<(Library, Vec<crate::sigma::Unsupported>)> {
    let (mut library, notices) = crate::library::load(user_dir)?;
    for notice in notices {
        eprintln!("notice: {}", sanitize(&notice));
    }
    let (_, rules) = crate::sigma::load(&selection.sigma)?;
    let level = selection.sigma_level.severity();
    let mut below = Vec::new();
    for (id, investigation) in rules.compiled {
        if rules.referenced_only.contains(&id) {
            continue;
        }
        if investigation.header.severity < level {
            below.push(id);
        } else {
            library.insert(id, investigation);
        }
    }
    if !below.is_empty() {
        eprintln!(
            "notice: {} Sigma rules below --sigma-level {} not run: {}",
            below.len(),
            level.as_str(),
            sanitize(&below.join(", "))
        );
    }
    Ok((library, rules.unsupported))
}

/// The Sigma rules that were not compiled, one line each.
fn print_unsupported_sigma(
    unsupported: &[crate::sigma::Unsupported],
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    if unsupported.is_empty() {
        return Ok(());
    }
    writeln!(out, "{} Sigma rules not compiled:", unsupported.len())?;
    for rule in unsupported {
        writeln!(
            out,
            "  {} ({}): {}",
            sanitize(&rule.origin),
            sanitize(rule.title.as_deref().unwrap_or("-")),
            sanitize(&rule.reason)
        )?;
    }
    Ok(())
}

/// The enrichment's one-line summary, on stderr.
fn print_enriched(enriched: &Enriched) {
    let summary = &enriched.summary;
    eprintln!(
        "source IPs: {} distinct, {} public, {} located; geo database {}",
        summary.addresses,
        summary.public,
        summary.located,
        sanitize(&enriched.databases)
    );
    for warning in &summary.warnings {
        eprintln!("warning: {}", sanitize(warning));
    }
}

/// Names every investigation that failed, on stderr.
fn print_failed_investigations(result: &RunResult) {
    for finding in result.failed() {
        eprintln!(
            "rootlens: investigation {} failed: {}",
            finding.id,
            sanitize(finding.error.as_deref().unwrap_or(""))
        );
    }
}

/// How the findings' citations matched the case, on stderr (a findings file from another case
/// matches nothing).
fn print_citations(registered: &crate::findings::Registered) {
    eprintln!("findings: {} cited events in the case", registered.events);
    if registered.missing > 0 {
        eprintln!(
            "notice: {} event ids cited by the findings are not in this case (findings of another case?)",
            registered.missing
        );
    }
}
