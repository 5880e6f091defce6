use anyhow::Result;

use crate::cli::IngestArgs;
use crate::ingest::{self, IngestOptions};
use crate::{store, ExitStatus};

pub fn run(args: IngestArgs) -> Result<ExitStatus> {
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let conn = store::open_for_writing(&args.case.db)?;
    let options = IngestOptions {
        inputs: args.inputs,
        threads,
        max_decompressed: args.max_decompressed_mb << 20,
        as_of: args.as_of,
        progress: !args.quiet,
        commit_every: args.commit_every,
        exclude: ingest::case_files(&args.case.db),
    };
    let summary = ingest::run(&conn, &options)?;
    super::enrich(&conn, &args.case.db, &args.geo, args.quiet)?;
    drop(conn);
    if !args.quiet {
        eprint!("{}", summary.render());
        eprintln!("case: {}", args.case.db.display());
    }
    Ok(if summary.any_failed() {
        ExitStatus::InputsFailed
    } else {
        ExitStatus::Success
    })
}
