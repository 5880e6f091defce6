//! `rootlens export timeline`: the events as a Timesketch timeline.

use anyhow::Result;

use crate::cli::ExportWhat;
use crate::exit::Outcome;
use crate::{config, findings, store, timeline};

pub fn run(what: ExportWhat) -> Result<Outcome> {
    let ExportWhat::Timeline(args) = what;
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
