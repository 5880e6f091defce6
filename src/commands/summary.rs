//! `rootlens summary`: one row per principal and per access key.

use std::io::{self, IsTerminal, Write};

use anyhow::Result;

use crate::cli::SummaryArgs;
use crate::exit::Outcome;
use crate::terminal::sanitize;
use crate::{config, findings, store, summary};

pub fn run(args: SummaryArgs) -> Result<Outcome> {
    let mut options = config::summary_options(&args);
    if let Some(path) = &args.findings {
        options.findings = Some(findings::load(path, &args.only)?);
    }
    let conn = store::open_read_only(&args.case.db)?;
    let stdout = io::stdout();
    let to_terminal = stdout.is_terminal();
    let mut out = io::BufWriter::new(stdout.lock());
    let notes = summary::write(&conn, &options, to_terminal, &mut out)?;
    out.flush()?;
    if let (Some(0), Some(wanted)) = (notes.rows, &args.principal) {
        eprintln!(
            "notice: no principal or access key `{}` in the case",
            sanitize(wanted)
        );
    }
    if let Some(registered) = &notes.registered {
        super::print_citations(registered);
    }
    Ok(Outcome::default())
}
