//! Per-identity summaries: the `principal_summary` view, narrowed to one principal or key and
//! joined with the findings that cite each identity's events (when a findings file is given).
//! The summary runs no investigation itself: findings come from `rootlens run --findings`.

use std::io::Write;

use anyhow::{Context, Result};
use duckdb::Connection;

use crate::findings::{self, Citations};
use crate::output::{self, ResultFormat};

/// The principal of an event, as `principal_summary` defines it.
const PRINCIPAL: &str = "CASE WHEN user_type = 'AWSService' THEN invoked_by \
     ELSE coalesce(session_issuer_arn, user_arn, principal_id) END";

/// Columns of csv and json, in order.
const ALL_COLUMNS: &str = "kind, account_id, principal, access_key_id, user_type, first_seen, \
     last_seen, events, errors, access_denied, regions, services, source_ips, top_source_ips, \
     countries, top_asns, user_agents, top_user_agents, keys_used, top_keys, sessions_issued, \
     origin_kind, origin_user_type, origin_arn, depth";

/// Columns of the table format.
const TABLE_COLUMNS: &str = "kind, account_id, principal, access_key_id, user_type, first_seen, \
     last_seen, events, errors, access_denied, source_ips, countries, keys_used, \
     sessions_issued, origin_kind";

pub struct SummaryOptions {
    /// Only this principal (ARN, or service name) and its keys, or only this access key.
    pub principal: Option<String>,
    /// A row per access key too (always with `principal`).
    pub keys: bool,
    pub format: ResultFormat,
    /// The findings whose citations fill the `findings` column.
    pub findings: Option<Citations>,
}

/// What the summary found, for the command's notices.
pub struct SummaryNotes {
    /// Rows written, counted only for one identity (`--principal`).
    pub rows: Option<u64>,
    pub registered: Option<findings::Registered>,
}

/// Writes one row per principal, then one per access key, most active first.
pub fn write(
    conn: &Connection,
    options: &SummaryOptions,
    to_terminal: bool,
    out: &mut impl Write,
) -> Result<SummaryNotes> {
    // Citations are matched against the whole case, before it is narrowed to one identity.
    let registered = findings::register(conn, options.findings.as_ref())?;
    let registered = options.findings.as_ref().map(|_| registered);
    if let Some(wanted) = &options.principal {
        narrow_to(conn, wanted)?;
    }
    let sql = summary_sql(options);
    // Counting means computing the summary twice: only for one identity, which is cheap.
    let rows: Option<i64> = match options.principal {
        Some(_) => Some(
            conn.query_row(&format!("SELECT count(*) FROM ({sql})"), [], |r| r.get(0))
                .context("cannot summarise the case")?,
        ),
        None => None,
    };
    output::write_result(conn, &sql, &[], options.format, to_terminal, out)
        .context("cannot summarise the case")?;
    Ok(SummaryNotes {
        rows: rows.map(|n| n as u64),
        registered,
    })
}

/// Limits `events` (and every view over it) to the events of one principal or key, for this
/// connection only: the summary of one identity then reads only its events.
fn narrow_to(conn: &Connection, wanted: &str) -> Result<()> {
    let literal = format!("'{}'", wanted.replace('\'', "''"));
    let events_select = crate::store::events_view_select(conn)?;
    conn.execute_batch(&format!(
        "CREATE OR REPLACE TEMP VIEW events AS
         SELECT * FROM ({events_select}) AS e
         WHERE {PRINCIPAL} = {literal} OR access_key_id = {literal};
         CREATE OR REPLACE TEMP VIEW wanted_identity AS SELECT {literal} AS id;"
    ))
    .context("cannot limit the case to one identity")?;
    Ok(())
}

fn summary_sql(options: &SummaryOptions) -> String {
    let columns = match options.format {
        ResultFormat::Table => TABLE_COLUMNS,
        _ => ALL_COLUMNS,
    }
    .split(", ")
    .map(|c| format!("s.{c}"))
    .collect::<Vec<_>>()
    .join(", ");
    let (findings_column, findings_join) = if options.findings.is_some() {
        (
            ", coalesce(f.findings, []) AS findings",
            "LEFT JOIN per_identity f USING (kind, account_id, unit)",
        )
    } else {
        ("", "")
    };
    // A key's principal row would count only that key's events: show the key rows then.
    let filter = if options.principal.is_some() {
        "WHERE s.access_key_id = (SELECT id FROM wanted_identity)
            OR s.principal = (SELECT id FROM wanted_identity)"
    } else {
        ""
    };
    let keys = if options.keys || options.principal.is_some() {
        "UNION ALL BY NAME
         SELECT 'access_key' AS kind, *, access_key_id AS unit FROM access_key_summary"
    } else {
        ""
    };
    format!(
        "WITH s AS (
             SELECT 'principal' AS kind, *, CAST(NULL AS VARCHAR) AS access_key_id,
                    CAST(NULL AS VARCHAR) AS origin_kind, CAST(NULL AS VARCHAR) AS origin_user_type,
                    CAST(NULL AS VARCHAR) AS origin_arn, CAST(NULL AS INTEGER) AS depth,
                    principal AS unit
             FROM principal_summary
             {keys}
         ),
         cited AS (
             SELECT coalesce(user_account_id, recipient_account_id) AS account_id,
                    {PRINCIPAL} AS principal, nullif(access_key_id, '') AS access_key_id,
                    findings
             FROM events JOIN event_citations USING (event_row)
         ),
         per_identity AS (
             SELECT kind, account_id, unit, list_sort(list(DISTINCT finding)) AS findings
             FROM (SELECT 'principal' AS kind, account_id, principal AS unit,
                          unnest(findings) AS finding FROM cited
                   UNION ALL
                   SELECT 'access_key', account_id, access_key_id, unnest(findings) FROM cited
                   WHERE access_key_id IS NOT NULL) AS u
             WHERE unit IS NOT NULL
             GROUP BY ALL
         )
         SELECT {columns}{findings_column}
         FROM s {findings_join}
         {filter}
         ORDER BY s.kind = 'access_key', s.events DESC, s.account_id, s.principal,
                  s.access_key_id"
    )
}
