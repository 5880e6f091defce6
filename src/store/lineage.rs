//! The session lineage views (`lineage.sql`) computed once per connection when several
//! queries read them: an investigation run reads them in several queries.

use anyhow::{Context, Result};
use duckdb::Connection;

/// Replaces `credential_issuance` and `session_lineage`, for this connection only, by
/// temporary tables of their rows as of now (the time window included), so the chains are
/// resolved once. Call it after the connection's `events` is final: later changes to `events`
/// are not seen.
pub fn materialize(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE OR REPLACE TEMP TABLE credential_issuance_resolved AS
             SELECT * FROM credential_issuance;
         CREATE OR REPLACE TEMP VIEW credential_issuance AS
             SELECT * FROM credential_issuance_resolved;
         CREATE OR REPLACE TEMP TABLE session_lineage_resolved AS SELECT * FROM session_lineage;
         CREATE OR REPLACE TEMP VIEW session_lineage AS SELECT * FROM session_lineage_resolved;",
    )
    .context("cannot resolve the session lineage")?;
    Ok(())
}

/// Whether the SQL of several queries reads the lineage views: then [`materialize`] pays.
pub fn read_by_several<'a>(sql: impl IntoIterator<Item = &'a str>) -> bool {
    sql.into_iter()
        .filter(|sql| sql.contains("session_lineage") || sql.contains("credential_issuance"))
        .nth(1)
        .is_some()
}
