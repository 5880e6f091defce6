use std::io::Write;

use anyhow::Result;

use crate::cli::RunArgs;
use crate::exit::Outcome;
use crate::runner::{FindingStatus, RunResult};
use crate::terminal::sanitize;
use crate::{config, pipeline};

pub fn run(args: RunArgs) -> Result<Outcome> {
    let (library, unsupported) =
        super::load_library(args.library.queries.as_deref(), &args.selection)?;
    let mut options = config::run_options(&args.selection)?;
    options.sigma_unsupported = unsupported;
    let result = pipeline::run(&args.case.db, &library, &options)?;
    print_summary(&result, &mut std::io::stdout().lock())?;
    super::print_unsupported_sigma(&result.sigma_unsupported, &mut std::io::stdout().lock())?;
    if let Some(path) = &args.findings {
        result.write_json(path)?;
        eprintln!("findings: {}", path.display());
    }
    super::print_failed_investigations(&result);
    Ok(result.outcome(config::fail_on(args.fail_on)))
}

/// Severity, rows, id and title, most severe first; investigations without rows last.
fn print_summary(result: &RunResult, out: &mut impl Write) -> Result<()> {
    let mut order: Vec<_> = result.investigations.iter().collect();
    order.sort_by_key(|f| {
        (
            f.row_count == 0,
            std::cmp::Reverse(f.severity),
            f.id.clone(),
        )
    });
    let id_width = order.iter().map(|f| f.id.len()).max().unwrap_or(2).max(2);
    writeln!(
        out,
        "{:<8}  {:>6}  {:<id_width$}  title",
        "severity", "rows", "id"
    )?;
    for finding in order {
        let rows = if finding.status != FindingStatus::Ok {
            finding.status.as_str().to_string()
        } else {
            finding.row_count.to_string()
        };
        writeln!(
            out,
            "{:<8}  {:>6}  {:<id_width$}  {}",
            finding.severity.as_str(),
            rows,
            finding.id,
            sanitize(&finding.title)
        )?;
    }
    writeln!(
        out,
        "{} investigations, {} with findings",
        result.investigations.len(),
        result.with_rows().count()
    )?;
    Ok(())
}
