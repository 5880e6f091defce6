use std::io::{self, IsTerminal, Write};

use anyhow::{Context, Result};

use crate::cli::QueryArgs;
use crate::exit::Outcome;
use crate::output::write_result;
use crate::store;

pub fn run(args: QueryArgs) -> Result<Outcome> {
    let sql = match (&args.sql, &args.file) {
        (Some(sql), _) => sql.clone(),
        (None, Some(file)) => std::fs::read_to_string(file)
            .with_context(|| format!("cannot read the SQL file {}", file.display()))?,
        (None, None) => unreachable!("clap requires SQL or --file"),
    };
    let sql = sql.trim().trim_end_matches(';').trim_end();
    let conn = if args.write {
        store::open_for_writing(&args.case.db)?
    } else {
        store::open_read_only(&args.case.db)?
    };
    // Prepare the statement as written first, so an error is reported against the user's SQL.
    conn.prepare(sql)
        .map_err(|e| anyhow::anyhow!("SQL error: {e}"))?;

    let stdout = io::stdout();
    let to_terminal = stdout.is_terminal();
    let mut out = io::BufWriter::new(stdout.lock());
    let format = crate::config::result_format(args.format);
    write_result(&conn, sql, &[], format, to_terminal, &mut out)?;
    out.flush()?;
    Ok(Outcome::default())
}
