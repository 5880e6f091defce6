use std::io::Write;

use anyhow::{Context, Result};

use crate::cli::RunArgs;
use crate::runner::{self, FindingStatus, RunOptions, RunResult};
use crate::library::Severity;
use crate::terminal::sanitize;
use crate::{store, ExitStatus};

pub fn run(args: RunArgs) -> Result<ExitStatus> {
    let library = super::library(args.library.queries.as_deref())?;
    let selected = runner::select(&library, &args.only)?;
    let conn = store::open_read_only(&args.case.db)?;
    let options = RunOptions {
        since: args.since,
        until: args.until,
        params: args.params,
    };
    let result = runner::run(&conn, &selected, &options)?;
    print_summary(&result, &mut std::io::stdout().lock())?;
    if let Some(path) = &args.findings {
        write_findings(&result, path)?;
        eprintln!("findings: {}", path.display());
    }
    Ok(exit_status(&result, args.fail_on.map(|l| l.severity())))
}

/// Reports investigations that failed; the status a script sees: 2 if any failed, 1 if any at
/// or above `fail_on` has rows, else 0.
pub fn exit_status(result: &RunResult, fail_on: Option<Severity>) -> ExitStatus {
    let mut failed = false;
    for finding in result.investigations.iter().filter(|f| f.status == FindingStatus::Error) {
        failed = true;
        eprintln!(
            "rootlens: investigation {} failed: {}",
            finding.id,
            sanitize(finding.error.as_deref().unwrap_or(""))
        );
    }
    if failed {
        ExitStatus::Error
    } else if fail_on.is_some_and(|level| result.at_or_above(level).count() > 0) {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    }
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
    let with_rows = result
        .investigations
        .iter()
        .filter(|f| f.row_count > 0)
        .count();
    writeln!(
        out,
        "{} investigations, {} with findings",
        result.investigations.len(),
        with_rows
    )?;
    Ok(())
}

pub fn write_findings(result: &RunResult, path: &std::path::Path) -> Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut writer = std::io::BufWriter::new(file);
    serde_json::to_writer_pretty(&mut writer, result)?;
    writer.flush()?;
    Ok(())
}
