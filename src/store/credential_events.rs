//! The `credential_events` table: what session lineage needs from the free-form JSON of the few
//! records that issue or reveal credentials.
//!
//! Reading `raw` for rows spread over the whole case means decompressing nearly all of it
//! (about 3 s per million events), so the lineage views never do: the ingest writer adds the
//! facts of its new records as it stores them (`credential_facts`, taken while decoding), and
//! a case that is not up to date (written by an older version, or changed with `query
//! --write`) gets them computed here, from `raw`, when it is opened.

use anyhow::{Context, Result};
use duckdb::Connection;

/// `case_meta` key: how many rows `event_records` had when the table was last brought up to
/// date. Any other count means the table may lack facts.
const COVERED_ROWS: &str = "credential_events_rows";

/// The records whose facts the table holds, by cheap columns only.
const CANDIDATES: &str = "
    SELECT event_row, event_id, recipient_account_id, source_id,
           event_source = 'sts.amazonaws.com' AND error_code IS NULL
             AND event_name IN ('AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity',
                                'GetSessionToken', 'GetFederationToken', 'AssumeRoot')
               AS is_issuance,
           event_source = 'iam.amazonaws.com' AND event_name = 'CreateAccessKey'
             AND error_code IS NULL AS is_key_created,
           user_type = 'Root' AND access_key_id LIKE 'ASIA%' AS is_root_session
    FROM events";

/// The facts of the candidate records in `fresh` (a relation with the CANDIDATES columns).
/// `raw` is parsed once per record, for those records only, and only in their row groups
/// (`source_id` prunes the rest): `json_extract_string` with a list of paths.
const FACTS: &str = "
    raw_facts AS (
        SELECT event_row, json_extract_string(raw, [
            '$.responseElements.credentials.accessKeyId',       -- 1
            '$.responseElements.assumedRoleUser.arn',           -- 2
            '$.responseElements.federatedUser.arn',             -- 3
            '$.requestParameters.roleArn',                      -- 4
            '$.requestParameters.roleSessionName',              -- 5
            '$.requestParameters.name',                         -- 6
            '$.requestParameters.sourceIdentity',               -- 7
            '$.responseElements.sourceIdentity',                -- 8
            '$.requestParameters.principalArn',                 -- 9
            '$.responseElements.provider',                      -- 10
            '$.requestParameters.providerId',                   -- 11
            '$.responseElements.subject',                       -- 12
            '$.responseElements.subjectFromWebIdentityToken',   -- 13
            '$.responseElements.credentials.expiration',        -- 14
            '$.requestParameters.targetPrincipal',              -- 15
            '$.responseElements.accessKey.accessKeyId',         -- 16
            '$.userIdentity.sessionContext.assumedRoot'         -- 17
        ]) AS v
        FROM events
        WHERE event_row IN (SELECT event_row FROM fresh)
          AND source_id >= (SELECT min(source_id) FROM fresh)
    ),
    facts AS MATERIALIZED (
        SELECT f.*, x.v FROM fresh f JOIN raw_facts x USING (event_row)
    )
    SELECT event_id, recipient_account_id, 'issuance' AS kind, v[1] AS new_key,
           coalesce(v[2], v[3]) AS issued_arn, v[4] AS role_arn,
           coalesce(v[5], v[6]) AS session_name, coalesce(v[7], v[8]) AS source_identity,
           coalesce(v[9], v[10], v[11]) AS external_provider,
           coalesce(v[12], v[13]) AS external_subject, v[14] AS expiration_text,
           v[15] AS target_principal, CAST(NULL AS BOOLEAN) AS assumed_root
    FROM facts WHERE is_issuance
    UNION ALL
    SELECT event_id, recipient_account_id, 'key-created', v[16],
           NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
    FROM facts WHERE is_key_created
    UNION ALL
    SELECT event_id, recipient_account_id, 'root-session', NULL, NULL, NULL, NULL, NULL, NULL,
           NULL, NULL, NULL, coalesce(v[17] = 'true', false)
    FROM facts WHERE is_root_session";

/// The most memory DuckDB may use while the facts are read: reading `raw` for a whole case
/// otherwise fills the default buffer pool (80% of RAM) with decompressed blocks.
const REFRESH_MEMORY: u64 = 2 << 30;

/// Adds the facts of every record not covered yet, and records that the table is current.
/// Returns the number of rows added. Runs on every core with at most REFRESH_MEMORY, then
/// restores the connection's settings (ingest runs single-threaded in 512 MB).
fn refresh(conn: &Connection) -> Result<usize> {
    let setting = |name: &str| -> Result<String> {
        Ok(conn.query_row("SELECT current_setting(?)::VARCHAR", [name], |r| r.get(0))?)
    };
    let (threads, memory) = (setting("threads")?, setting("memory_limit")?);
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let limit = parse_size(&memory).map_or(REFRESH_MEMORY, |m| m.min(REFRESH_MEMORY));
    conn.execute_batch(&format!(
        "SET threads = {cores}; SET memory_limit = '{limit}B'"
    ))?;
    let added = add_missing_facts(conn);
    conn.execute_batch(&format!(
        "SET threads = {threads}; SET memory_limit = '{}'",
        memory.replace('\'', "")
    ))?;
    added
}

/// A DuckDB size setting as written by `current_setting` (e.g. `3.7 GiB`), in bytes.
fn parse_size(text: &str) -> Option<u64> {
    let (number, unit) = text.trim().split_once(' ')?;
    let number: f64 = number.parse().ok()?;
    let scale: f64 = match unit {
        "bytes" | "B" => 1.0,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        "TiB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "TB" => 1e12,
        _ => return None,
    };
    Some((number * scale) as u64)
}

fn add_missing_facts(conn: &Connection) -> Result<usize> {
    let added = conn
        .execute(
            &format!(
                "INSERT INTO credential_events
                 WITH candidates AS ({CANDIDATES}),
                 fresh AS (
                     SELECT c.* FROM candidates c
                     WHERE (c.is_issuance OR c.is_key_created OR c.is_root_session)
                       AND NOT EXISTS (
                           SELECT 1 FROM credential_events x
                           WHERE x.event_id IS NOT DISTINCT FROM c.event_id
                             AND x.recipient_account_id IS NOT DISTINCT FROM c.recipient_account_id)
                 ),
                 {FACTS}"
            ),
            [],
        )
        .context("cannot bring the credential_events table up to date")?;
    mark_current(conn)?;
    Ok(added)
}

/// Records that the table covers every record: after an ingest whose writer added the facts of
/// each record it stored (the case was brought up to date when it was opened for writing).
pub fn mark_current(conn: &Connection) -> Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO case_meta
         SELECT ?, CAST(count(*) AS VARCHAR) FROM event_records",
        [COVERED_ROWS],
    )?;
    Ok(())
}

/// Refreshes the stored table only when it does not cover every record (cheap when it does).
pub fn bring_up_to_date(conn: &Connection) -> Result<()> {
    if !is_current(conn)? {
        refresh(conn)?;
    }
    Ok(())
}

/// Whether the stored table covers every record of the case.
fn is_current(conn: &Connection) -> Result<bool> {
    let current: bool = conn.query_row(
        "SELECT coalesce((SELECT value FROM case_meta WHERE key = ?), '')
                = CAST((SELECT count(*) FROM event_records) AS VARCHAR)",
        [COVERED_ROWS],
        |r| r.get(0),
    )?;
    Ok(current)
}

/// On a read-only connection: when the stored table is not current, a temporary table with
/// every record's facts takes its place, for this connection only.
pub fn ensure_current(conn: &Connection) -> Result<()> {
    if is_current(conn)? {
        return Ok(());
    }
    conn.execute_batch(&format!(
        "CREATE OR REPLACE TEMP TABLE credential_events AS
         WITH fresh AS (
             SELECT * FROM ({CANDIDATES}) AS c
             WHERE c.is_issuance OR c.is_key_created OR c.is_root_session
         ),
         {FACTS}"
    ))
    .context("cannot compute the credential facts of a case written by another version")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_duckdb_writes_them() {
        assert_eq!(parse_size("512.0 MiB"), Some(512 << 20));
        assert_eq!(parse_size("2.0 GiB"), Some(2 << 30));
        assert_eq!(parse_size("1.5 GB"), Some(1_500_000_000));
        assert_eq!(parse_size("unlimited"), None);
    }

    #[test]
    fn an_empty_case_is_current_after_a_refresh_and_stays_so() {
        let conn = crate::store::open_in_memory().unwrap();
        assert!(!is_current(&conn).unwrap());
        let before: String = conn
            .query_row("SELECT current_setting('memory_limit')", [], |r| r.get(0))
            .unwrap();
        assert_eq!(refresh(&conn).unwrap(), 0);
        assert!(is_current(&conn).unwrap());
        let after: String = conn
            .query_row("SELECT current_setting('memory_limit')", [], |r| r.get(0))
            .unwrap();
        // Restored as DuckDB prints it (rounded to 0.1 GiB).
        let (before, after) = (parse_size(&before).unwrap(), parse_size(&after).unwrap());
        assert!(before.abs_diff(after) <= before / 100, "{before} {after}");
        ensure_current(&conn).unwrap();
    }
}
