//! `rootlens export timeline`: the events as a Timesketch timeline; `rootlens export parquet`:
//! the case as partitioned Parquet.

use anyhow::Result;

use crate::cli::{ExportWhat, ParquetArgs, TimelineArgs};
use crate::exit::Outcome;
use crate::{config, findings, lake, store, timeline};

pub fn run(what: ExportWhat) -> Result<Outcome> {
    match what {
        ExportWhat::Timeline(args) => export_timeline(args),
        ExportWhat::Parquet(args) => export_parquet(args),
    }
}

fn export_parquet(args: ParquetArgs) -> Result<Outcome> {
    let conn = store::open_read_only(&args.case.db)?;
    let options = lake::LakeOptions {
        out: args.out,
        progress: !args.quiet,
        partitions_per_pass: args.partitions_per_pass,
    };
    let manifest = lake::export(&conn, &args.case.db, &options)?;
    if !args.quiet {
        for table in &manifest.tables {
            eprintln!(
                "{:<20} {:>12} rows {:>6} files {:>12} bytes{}",
                table.table,
                table.rows,
                table.files,
                table.bytes,
                if table.partitioned_by.is_empty() {
                    String::new()
                } else {
                    format!("  partitioned by {}", table.partitioned_by.join(", "))
                }
            );
        }
        eprintln!("parquet: {}", options.out.display());
    }
    Ok(Outcome::default())
}

fn export_timeline(args: TimelineArgs) -> Result<Outcome> {
    let mut options = config::timeline_options(&args)?;
    if let Some(path) = &args.findings {
        options.findings = Some(findings::load(path, &args.only)?);
    }
    let conn = store::open_read_only(&args.case.db)?;
    let exported = timeline::export(&conn, &options)?;
    if !args.quiet {
        eprintln!(
            "timeline: {} events written to {}",
            exported.rows,
            options.out.display()
        );
        if exported.without_time > 0 {
            eprintln!(
                "notice: {} events left out: their eventTime could not be parsed (see event_time_text)",
                exported.without_time
            );
        }
    }
    if let Some(registered) = &exported.registered {
        super::print_citations(registered);
    }
    Ok(Outcome::default())
}
