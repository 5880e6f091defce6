//! What can be wrong with a case file before rootlens reads or writes it, said in words a user can
//! act on: another process holds it, it is not a DuckDB file, it is damaged, or it belongs to
//! another tool or a newer rootlens.

use std::path::Path;

use duckdb::Connection;

use super::SCHEMA_VERSION;

/// Turns an error DuckDB raised while opening or first reading `path` into one that names the
/// case and says what to do. Errors DuckDB words in ways not recognised here keep its text.
pub fn explain(path: &Path, error: anyhow::Error) -> anyhow::Error {
    let detail = format!("{error:#}");
    let case = path.display();
    if let Some(holder) = lock_holder(&detail) {
        return anyhow::anyhow!(
            "the case {case} is in use by another process ({holder}): an ingest or a write holds \
             it until it ends; wait for that process, or work on a copy of the case"
        );
    }
    if detail.contains("not a valid DuckDB database file") {
        return anyhow::anyhow!(
            "{case} is not a case file: it is not a DuckDB database (give --db a new or existing \
             .duckdb case; rootlens left the file unchanged)"
        );
    }
    if detail.contains("newer version of DuckDB") || detail.contains("storage version") {
        return anyhow::anyhow!(
            "the case {case} was written by a newer rootlens (its DuckDB storage format is newer \
             than this build's): open it with that version ({detail})"
        );
    }
    if is_damage(&detail) {
        return anyhow::anyhow!(
            "the case {case} is damaged or truncated and cannot be read ({detail}); ingest the \
             evidence again into a new case"
        );
    }
    error.context(format!("cannot open the case file {case}"))
}

/// How DuckDB words a case file whose blocks are missing or altered.
fn is_damage(detail: &str) -> bool {
    const DAMAGE: [&str; 3] = [
        "Could not read enough bytes",
        "Corrupt database file",
        "checksum",
    ];
    DAMAGE.iter().any(|sign| detail.contains(sign))
}

/// A truncated case opens (DuckDB reads blocks when a scan reaches them, and its header cannot
/// tell a truncated file from one whose free blocks were trimmed): an error met later says so.
pub fn explain_damage(error: anyhow::Error) -> anyhow::Error {
    let detail = format!("{error:#}");
    if is_damage(&detail) {
        anyhow::anyhow!(
            "the case is damaged or truncated and cannot be read ({detail}); ingest the \
             evidence again into a new case"
        )
    } else {
        error
    }
}

/// "rootlens (PID 123)" from DuckDB's "Conflicting lock is held in /path/rootlens (PID 123)".
fn lock_holder(detail: &str) -> Option<String> {
    if !detail.contains("Could not set lock") {
        return None;
    }
    let held = detail.split("Conflicting lock is held in ").nth(1)?;
    let end = held.find(')').map_or(held.len(), |i| i + 1);
    Some(held[..end].to_string())
}

/// Who wrote a case, as its `case_meta` table records it.
pub struct Provenance {
    pub schema_version: Option<String>,
    pub last_written_by: Option<String>,
}

/// Reads the case's provenance; `None` when the database has tables but no `case_meta` (another
/// tool's database), `Some` with empty fields for a new, empty database.
pub fn provenance(conn: &Connection) -> duckdb::Result<Option<Provenance>> {
    let tables: i64 = conn.query_row(
        "SELECT count(*) FROM duckdb_tables() WHERE NOT temporary",
        [],
        |r| r.get(0),
    )?;
    let has_meta: bool = conn.query_row(
        "SELECT count(*) > 0 FROM duckdb_tables() WHERE table_name = 'case_meta' AND NOT temporary",
        [],
        |r| r.get(0),
    )?;
    if !has_meta {
        return Ok((tables == 0).then_some(Provenance {
            schema_version: None,
            last_written_by: None,
        }));
    }
    let value = |key: &str| -> duckdb::Result<Option<String>> {
        let mut stmt = conn.prepare("SELECT value FROM case_meta WHERE key = ?")?;
        let mut rows = stmt.query([key])?;
        match rows.next()? {
            Some(row) => row.get(0),
            None => Ok(None),
        }
    };
    Ok(Some(Provenance {
        schema_version: value("schema_version")?,
        last_written_by: value("last_written_by")?,
    }))
}

impl Provenance {
    /// Whether a newer rootlens wrote the case (a schema version above this build's).
    pub fn is_newer(&self) -> bool {
        let ours: u32 = SCHEMA_VERSION.parse().unwrap_or(0);
        self.schema_version
            .as_deref()
            .and_then(|v| v.trim().parse::<u32>().ok())
            .is_some_and(|theirs| theirs > ours)
    }

    pub fn describe(&self) -> String {
        format!(
            "schema {}, last written by {}",
            self.schema_version.as_deref().unwrap_or("unknown"),
            self.last_written_by.as_deref().unwrap_or("unknown")
        )
    }
}

/// Refuses to write into another tool's database or a case a newer rootlens wrote.
pub fn check_writable(path: &Path, conn: &Connection) -> anyhow::Result<()> {
    match provenance(conn).map_err(|e| explain(path, e.into()))? {
        None => anyhow::bail!(
            "{} is a DuckDB database but not a rootlens case (it has no case_meta table); \
             rootlens will not add its tables to it: give --db a new file",
            path.display()
        ),
        Some(found) if found.is_newer() => anyhow::bail!(
            "the case {} was written by a newer rootlens ({}); this build writes schema {}: \
             ingest with that version, or read the case (query, run, report) with this one",
            path.display(),
            found.describe(),
            SCHEMA_VERSION
        ),
        Some(_) => Ok(()),
    }
}

/// Refuses another tool's database; reads a newer rootlens's case with a warning on stderr
/// (this build's views and investigations apply; tables it does not know are not read).
pub fn check_readable(path: &Path, conn: &Connection) -> anyhow::Result<()> {
    match provenance(conn).map_err(|e| explain(path, e.into()))? {
        None => anyhow::bail!(
            "{} is a DuckDB database but not a rootlens case (it has no case_meta table)",
            path.display()
        ),
        Some(found) if found.is_newer() => {
            eprintln!(
                "rootlens: warning: the case {} was written by a newer rootlens ({}); reading it \
                 with this build's schema {} (what this build does not know is not read)",
                crate::terminal::sanitize(&path.display().to_string()),
                crate::terminal::sanitize(&found.describe()),
                SCHEMA_VERSION
            );
            Ok(())
        }
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_process_holding_the_lock() {
        let duckdb = "IO Error: Could not set lock on file \"/c/case.duckdb\": Conflicting lock \
                      is held in /usr/bin/rootlens (PID 4242). See also https://duckdb.org";
        assert_eq!(
            lock_holder(duckdb).as_deref(),
            Some("/usr/bin/rootlens (PID 4242)")
        );
        let message = explain(Path::new("case.duckdb"), anyhow::anyhow!(duckdb)).to_string();
        assert!(message.contains("in use by another process (/usr/bin/rootlens (PID 4242))"));
        assert!(lock_holder("IO Error: something else").is_none());
    }

    #[test]
    fn newer_means_a_higher_schema_number() {
        let p = |v: &str| Provenance {
            schema_version: Some(v.to_string()),
            last_written_by: None,
        };
        assert!(p("99").is_newer());
        assert!(!p(SCHEMA_VERSION).is_newer());
        assert!(!p("0").is_newer());
        assert!(!p("not a number").is_newer());
    }
}
