use std::io::{self, IsTerminal, Write};

use anyhow::{Context, Result};

use crate::cli::{OutputFormat, QueryArgs};
use crate::exit::Outcome;
use crate::output::{CsvOut, TableOut};
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
    match args.format {
        OutputFormat::Json | OutputFormat::Ndjson => {
            // DuckDB renders each row as JSON itself: nested and JSON columns stay structured.
            let wrapped = format!("SELECT to_json(q)::VARCHAR FROM ({sql}) AS q");
            let mut stmt = conn.prepare(&wrapped).map_err(|e| {
                anyhow::anyhow!("--format json needs a query that returns rows: {e}")
            })?;
            let mut rows = stmt.query([])?;
            let array = matches!(args.format, OutputFormat::Json);
            let mut first = true;
            if array {
                write!(out, "[")?;
            }
            while let Some(row) = rows.next()? {
                let json: String = row.get(0)?;
                match (array, first) {
                    (true, true) => write!(out, "\n{json}")?,
                    (true, false) => write!(out, ",\n{json}")?,
                    (false, _) => writeln!(out, "{json}")?,
                }
                first = false;
            }
            if array {
                writeln!(out, "{}]", if first { "" } else { "\n" })?;
            }
        }
        OutputFormat::Table | OutputFormat::Csv => {
            let mut stmt = conn.prepare(sql)?;
            let batches = stmt
                .stream_arrow([])
                .map_err(|e| anyhow::anyhow!("SQL error: {e}"))?;
            let header: Vec<String> = batches
                .get_schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect();
            if matches!(args.format, OutputFormat::Csv) {
                let mut csv = CsvOut::new(&mut out, &header, to_terminal)?;
                for batch in batches {
                    csv.write_batch(&batch?)?;
                }
                csv.finish()?;
            } else {
                let mut table = TableOut::new(&header);
                for batch in batches {
                    table.add_batch(&batch?)?;
                }
                table.write(&mut out)?;
            }
        }
    }
    out.flush()?;
    Ok(Outcome::default())
}
