//! Reading the case for the report. What each chart and table holds is decided by a
//! `report_*` view (src/store/report_views.sql); here rows are only selected and mapped.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Context as _, Result};
use chrono::{NaiveDate, NaiveDateTime};
use duckdb::types::ValueRef;
use duckdb::{Connection, Row};
use serde_json::Value;

use super::context::Integrity;

use super::charts::{MapOrigin, RootEvent, SigninCount};
use super::context::{cells, Posture, PostureAccount, PostureCell, Table};

/// Longest original record shown inline (bytes of pretty JSON).
const RAW_LIMIT: usize = 16 << 10;

/// A view's rows as text cells, at most `limit` of them (all are counted).
pub fn table(conn: &Connection, view: &str, limit: usize) -> Result<Table> {
    let read = || -> Result<Table> {
        let mut total = 0;
        let mut objects = Vec::new();
        let columns = crate::store::json_rows::for_each(conn, &format!("SELECT * FROM {view}"), |json| {
            total += 1;
            if objects.len() < limit {
                objects.push(serde_json::from_str::<serde_json::Map<String, Value>>(&json)?);
            }
            Ok(())
        })?;
        let rows = objects.iter().map(|object| cells(&columns, object)).collect();
        Ok(Table {
            columns,
            rows,
            total,
        })
    };
    read().with_context(|| format!("cannot read the view {view}"))
}

/// Every row of a view (`SELECT *`), each mapped by `map`.
fn rows<T>(conn: &Connection, view: &str, map: impl FnMut(&Row) -> Result<T>) -> Result<Vec<T>> {
    rows_of(conn, &format!("SELECT * FROM {view}"), view, map)
}

/// Every row of `sql`, which reads `view`, each mapped by `map`.
fn rows_of<T>(
    conn: &Connection,
    sql: &str,
    view: &str,
    mut map: impl FnMut(&Row) -> Result<T>,
) -> Result<Vec<T>> {
    let mut read = || -> Result<Vec<T>> {
        let mut stmt = conn.prepare(sql)?;
        let mut result = stmt.query([])?;
        let mut mapped = Vec::new();
        while let Some(row) = result.next()? {
            mapped.push(map(row)?);
        }
        Ok(mapped)
    };
    read().with_context(|| format!("cannot read the view {view}"))
}

fn count(row: &Row, column: &str) -> Result<u64> {
    Ok(row.get::<_, i64>(column)?.max(0) as u64)
}

/// A TIMESTAMP column; None when NULL or outside chrono's range.
fn timestamp(row: &Row, column: &str) -> Result<Option<NaiveDateTime>> {
    match row.get_ref(column)? {
        ValueRef::Null => Ok(None),
        ValueRef::Timestamp(unit, value) => Ok(crate::time::from_micros(unit.to_micros(value))),
        _ => bail!("{column} is not a timestamp"),
    }
}

/// A DATE column; None when NULL or outside chrono's range.
fn date(row: &Row, column: &str) -> Result<Option<NaiveDate>> {
    match row.get_ref(column)? {
        ValueRef::Null => Ok(None),
        ValueRef::Date32(days) => Ok(NaiveDate::from_ymd_opt(1970, 1, 1)
            .and_then(|epoch| epoch.checked_add_signed(chrono::Duration::days(days.into())))),
        _ => bail!("{column} is not a date"),
    }
}

/// `integrity_summary`: what CloudTrail's signed digest chain says about the case, in a sentence.
pub fn integrity(conn: &Connection) -> Result<Integrity> {
    let mut verdicts = rows(conn, "integrity_summary", |row| {
        let n = |column: &str| count(row, column);
        let verdict: String = row.get("verdict")?;
        let headline = match verdict.as_str() {
            "not_verified" => "not checked: the case holds no log-file validation (rootlens verify)".to_string(),
            "no_digests" => "no CloudTrail digest files in the case: completeness and integrity of the logs cannot be proven".to_string(),
            "problems" => format!(
                "{} problems: {} log files modified, {} missing, {} unlisted; {} digest signatures invalid, {} digests missing, {} moved, {} broken chain links",
                n("problems")?, n("log_files_modified")?, n("log_files_missing")?, n("log_files_unlisted")?,
                n("digests_invalid")?, n("digests_missing")?, n("digests_moved")?, n("chain_broken_links")?
            ),
            _ => format!(
                "{} log files match their digests; {} of {} digest signatures valid, {} not checkable (no key or signature known)",
                n("log_files_verified")?, n("digests_valid")?, n("digests")?, n("digests_uncheckable")?
            ),
        };
        let level = match verdict.as_str() {
            "intact" => "info",
            "problems" => "critical",
            _ => "medium",
        };
        Ok(Integrity {
            verdict,
            level,
            headline,
            null_links: n("chain_null_links")?,
            not_covered: n("log_files_not_covered")?,
        })
    })?;
    verdicts.pop().context("integrity_summary has no row")
}

/// `report_events_per_day`: (day, account, events).
pub fn events_per_day(conn: &Connection) -> Result<Vec<(NaiveDate, String, u64)>> {
    let days = rows(conn, "report_events_per_day", |row| {
        let Some(day) = date(row, "day")? else {
            return Ok(None);
        };
        Ok(Some((day, row.get("account_id")?, count(row, "events")?)))
    })?;
    Ok(days.into_iter().flatten().collect())
}

/// `report_signins_by_type`.
pub fn signins_by_type(conn: &Connection) -> Result<Vec<SigninCount>> {
    rows(conn, "report_signins_by_type", |row| {
        Ok(SigninCount {
            user_type: row.get("user_type")?,
            success_mfa: count(row, "success_mfa")?,
            success_no_mfa: count(row, "success_no_mfa")?,
            failure: count(row, "failure")?,
        })
    })
}

/// `report_root_categories` in rank order (the chart's rows, top first) and
/// `report_root_timeline`, each event placed in the row of its category.
pub fn root_timeline(conn: &Connection) -> Result<(Vec<String>, Vec<RootEvent>)> {
    let mut ranked = rows(conn, "report_root_categories", |row| {
        Ok((row.get::<_, i64>("rank")?, row.get::<_, String>("label")?))
    })?;
    ranked.sort();
    let row_of: BTreeMap<i64, usize> = ranked
        .iter()
        .enumerate()
        .map(|(i, (rank, _))| (*rank, i))
        .collect();
    let events = rows(conn, "report_root_timeline", |row| {
        let rank: Option<i64> = row.get("rank")?;
        let Some(&category) = rank.and_then(|rank| row_of.get(&rank)) else {
            let label: String = row.get("category")?;
            bail!("the root event category {label:?} is not in report_root_categories");
        };
        let Some(time) = timestamp(row, "event_time")? else {
            return Ok(None);
        };
        Ok(Some(RootEvent {
            time,
            row: category,
            long_term_key: row.get("long_term_key")?,
        }))
    })?;
    let categories = ranked.into_iter().map(|(_, label)| label).collect();
    Ok((categories, events.into_iter().flatten().collect()))
}

/// `report_top_source_ips`: (source IP, events).
pub fn top_source_ips(conn: &Connection) -> Result<Vec<(String, u64)>> {
    rows(conn, "report_top_source_ips", |row| {
        Ok((row.get("source_ip")?, count(row, "events")?))
    })
}

/// `report_geo_origins`: the busiest `limit` located source IPs and any of `also` beyond them,
/// none marked first-seen yet, and how many located source IPs there are in all.
pub fn geo_origins(
    conn: &Connection,
    limit: usize,
    also: &BTreeSet<&str>,
) -> Result<(Vec<MapOrigin>, usize)> {
    let also: Vec<String> = also
        .iter()
        .map(|ip| format!("'{}'", ip.replace('\'', "''")))
        .collect();
    let also = if also.is_empty() {
        String::new()
    } else {
        format!(" OR source_ip IN ({})", also.join(", "))
    };
    let sql = format!(
        "SELECT * FROM (SELECT *, row_number() OVER (ORDER BY signins + api_calls DESC, source_ip) \
         AS rank, count(*) OVER () AS located FROM report_geo_origins) \
         WHERE rank <= {limit}{also} ORDER BY rank"
    );
    let mut located = 0;
    let origins = rows_of(conn, &sql, "report_geo_origins", |row| {
        located = count(row, "located")? as usize;
        geo_origin(row)
    })?;
    Ok((origins, located))
}

fn geo_origin(row: &Row) -> Result<MapOrigin> {
    let text = |column: &str| -> Result<Option<String>> {
        Ok(row
            .get::<_, Option<String>>(column)?
            .filter(|s| !s.is_empty()))
    };
    let place = match (text("city")?, text("country_code")?, text("country")?) {
        (Some(city), Some(code), _) => format!("{city}, {code}"),
        (None, Some(code), Some(name)) => format!("{name} ({code})"),
        (city, code, name) => city.or(code).or(name).unwrap_or_default(),
    };
    let network = match (row.get::<_, Option<i64>>("asn")?, text("as_org")?) {
        (Some(asn), Some(org)) => format!("AS{asn} {org}"),
        (Some(asn), None) => format!("AS{asn}"),
        (None, org) => org.unwrap_or_default(),
    };
    Ok(MapOrigin {
        ip: row.get("source_ip")?,
        place,
        network,
        latitude: row.get("latitude")?,
        longitude: row.get("longitude")?,
        signins: count(row, "signins")?,
        api_calls: count(row, "api_calls")?,
        first_seen: false,
    })
}

/// `report_activity_heatmap` as events per [weekday from Monday][hour].
pub fn activity_heatmap(conn: &Connection) -> Result<[[u64; 24]; 7]> {
    let mut heat = [[0u64; 24]; 7];
    let cells = rows(conn, "report_activity_heatmap", |row| {
        Ok((
            row.get::<_, i64>("weekday")?,
            row.get::<_, i64>("hour")?,
            count(row, "events")?,
        ))
    })?;
    for (day, hour, events) in cells {
        let slot = usize::try_from(day)
            .ok()
            .zip(usize::try_from(hour).ok())
            .and_then(|(d, h)| heat.get_mut(d).and_then(|d| d.get_mut(h)));
        if let Some(slot) = slot {
            *slot = events;
        }
    }
    Ok(heat)
}

/// SHA-256 over one `<sha256>  <path>` line per input file (as `sha256sum` prints them), in
/// path order: every input of the case in one value, checkable with standard tools.
pub fn inputs_sha256(conn: &Connection) -> Result<String> {
    use sha2::{Digest, Sha256};
    let read = || -> Result<String> {
        let mut stmt = conn
            .prepare("SELECT coalesce(sha256, ''), path FROM sources ORDER BY path, source_id")?;
        let mut rows = stmt.query([])?;
        let mut hasher = Sha256::new();
        while let Some(row) = rows.next()? {
            let (sha, path): (String, String) = (row.get(0)?, row.get(1)?);
            hasher.update(format!("{sha}  {path}\n").as_bytes());
        }
        Ok(format!("{:x}", hasher.finalize()))
    };
    read().context("cannot read the input files of the case")
}

/// The original records of these events, pretty-printed, keyed by (event id, account): one
/// query, since each scattered record costs a decompressed block of its columns.
pub fn originals<'r>(
    conn: &Connection,
    event_ids: impl Iterator<Item = &'r str>,
) -> Result<BTreeMap<(String, String), String>> {
    let ids = quoted_event_ids(event_ids);
    let mut found = BTreeMap::new();
    if ids.is_empty() {
        return Ok(found);
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT event_id, coalesce(recipient_account_id, ''), raw::VARCHAR FROM events
         WHERE event_row IN (SELECT event_row FROM events WHERE event_id IN ({}))",
        ids.join(", ")
    ))?;
    let mut result = stmt.query([])?;
    while let Some(row) = result.next()? {
        let (id, account, raw): (String, String, String) = (row.get(0)?, row.get(1)?, row.get(2)?);
        found.insert((id, account), pretty_record(raw));
    }
    Ok(found)
}

/// Distinct event ids as SQL string literals.
fn quoted_event_ids<'r>(event_ids: impl Iterator<Item = &'r str>) -> Vec<String> {
    event_ids
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|id| format!("'{}'", id.replace('\'', "''")))
        .collect()
}

/// Where the session that signed an event came from (`session_lineage`).
pub struct Origin {
    /// console-sign-in, long-term-key, external identity, …
    pub kind: String,
    /// The identity at the start of the chain (ARN, name, or the key it could not resolve).
    pub who: String,
    /// Issuing steps between the event's key and the origin.
    pub depth: i32,
}

impl Origin {
    /// `console-sign-in arn:aws:iam::111122223333:root (1 hop)`.
    pub fn describe(&self) -> String {
        let hops = if self.depth == 1 { "hop" } else { "hops" };
        format!("{} {} ({} {hops})", self.kind, self.who, self.depth)
    }
}

/// Where the session behind each event came from, by (event id, account), for events signed
/// with a temporary key whose chain `session_lineage` follows back: one query for the whole
/// report (the evidence rows and the story), since the lineage is resolved over every key.
pub fn session_origins<'i>(
    conn: &Connection,
    event_ids: impl Iterator<Item = &'i str>,
) -> Result<BTreeMap<(String, String), Origin>> {
    let ids: BTreeSet<String> = event_ids
        .map(|id| format!("'{}'", id.replace('\'', "''")))
        .collect();
    let mut found = BTreeMap::new();
    if ids.is_empty() {
        return Ok(found);
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT e.event_id, coalesce(e.recipient_account_id, ''), l.origin_kind,
                coalesce(l.origin_arn, l.origin_name, l.unresolved_key, '?'), l.depth
         FROM events e
         JOIN session_lineage l
           ON l.access_key_id = e.access_key_id AND l.account_id = e.user_account_id
         WHERE e.event_id IN ({}) AND l.depth > 0",
        ids.into_iter().collect::<Vec<_>>().join(", ")
    ))?;
    let mut result = stmt.query([])?;
    while let Some(row) = result.next()? {
        let (id, account): (String, String) = (row.get(0)?, row.get(1)?);
        let origin = Origin {
            kind: row.get(2)?,
            who: row.get(3)?,
            depth: row.get(4)?,
        };
        found.insert((id, account), origin);
    }
    Ok(found)
}

/// A record as pretty JSON, cut at RAW_LIMIT.
pub(super) fn pretty_record(raw: String) -> String {
    let pretty = serde_json::from_str::<Value>(&raw)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or(raw);
    if pretty.len() <= RAW_LIMIT {
        return pretty;
    }
    let mut cut = RAW_LIMIT;
    while !pretty.is_char_boundary(cut) {
        cut -= 1;
    }
    format!(
        "{}\n… (record cut at {} KB; the whole record is in the case)",
        &pretty[..cut],
        RAW_LIMIT >> 10
    )
}

/// The posture matrix: every account of `posture_accounts` against every posture check that
/// ran. A check's rows are its failures and its "not collected"; an account without a row
/// passes, its evidence the saved outputs listed below the matrix.
pub fn posture(conn: &Connection, run: &crate::runner::RunResult) -> Result<Posture> {
    let checks: Vec<&crate::runner::Finding> = run
        .investigations
        .iter()
        .filter(|f| f.category == "posture" && f.status == crate::runner::FindingStatus::Ok)
        .collect();
    // SCPs and centralised root access govern member accounts, not the management account.
    let management: std::collections::BTreeSet<String> = {
        let mut stmt = conn.prepare(
            "SELECT DISTINCT management_account_id FROM posture_org_accounts WHERE is_latest",
        )?;
        let ids = stmt.query_map([], |r| r.get::<_, String>(0))?;
        ids.collect::<Result<_, _>>()?
    };
    let mut accounts = Vec::new();
    let mut stmt = conn.prepare("SELECT account_id FROM posture_accounts ORDER BY 1")?;
    let ids = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let (mut failures, mut failing_accounts, mut not_collected) = (0, 0, 0);
    for id in ids {
        let id = id?;
        let cells: Vec<PostureCell> = checks
            .iter()
            .map(|check| match check.id.starts_with("posture-org-") && management.contains(&id) {
                true => PostureCell {
                    status: "not applicable",
                    link: format!("#finding-{}", check.id),
                    detail: "the management account (SCPs and centralised root access govern members)".into(),
                },
                false => posture_cell(check, &id),
            })
            .collect();
        let failed = cells.iter().filter(|c| c.status == "fail").count();
        failures += failed;
        failing_accounts += usize::from(failed > 0);
        not_collected += cells.iter().filter(|c| c.status == "not collected").count();
        accounts.push(PostureAccount {
            account_id: id,
            cells,
        });
    }
    Ok(Posture {
        checks: checks
            .iter()
            .map(|c| {
                (
                    c.id.clone(),
                    c.title.clone(),
                    c.cis.clone().unwrap_or_default(),
                )
            })
            .collect(),
        accounts,
        failures,
        failing_accounts,
        not_collected,
        inputs: table(conn, "report_posture_inputs", usize::MAX)?,
        scp_coverage: table(conn, "report_posture_scp_coverage", usize::MAX)?,
    })
}

/// One account's verdict on one check: fail when any of its rows fails, else not collected
/// when a row says so, else pass.
fn posture_cell(check: &crate::runner::Finding, account: &str) -> PostureCell {
    let rows: Vec<serde_json::Map<String, Value>> = check
        .rows
        .iter()
        .map(crate::runner::Row::fields)
        .filter(|r| r.get("account_id").and_then(Value::as_str) == Some(account))
        .collect();
    let with = |status: &str| {
        rows.iter()
            .filter(|r| r.get("status").and_then(Value::as_str) == Some(status))
            .filter_map(|r| {
                let key = if status == "fail" {
                    "detail"
                } else {
                    "command"
                };
                let text = r.get(key).and_then(Value::as_str)?;
                // A check with a row per control (CIS 4.x, 3.x) or change says which.
                let what = r.get("cis_control").or_else(|| r.get("change"));
                Some(match what.and_then(Value::as_str) {
                    Some(control) if status == "fail" => format!("{control}: {text}"),
                    _ => text.to_string(),
                })
            })
            .fold(Vec::new(), |mut seen: Vec<String>, text| {
                if !seen.contains(&text) {
                    seen.push(text);
                }
                seen
            })
    };
    let (failed, missing) = (with("fail"), with("not collected"));
    let finding = format!("#finding-{}", check.id);
    if !failed.is_empty() {
        PostureCell {
            status: "fail",
            link: finding,
            detail: failed.join("; "),
        }
    } else if !missing.is_empty() {
        PostureCell {
            status: "not collected",
            link: finding,
            detail: format!("needs {}", missing.join("; ")),
        }
    } else {
        PostureCell {
            status: "pass",
            link: format!("#posture-inputs-{account}"),
            detail: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every branch of report_root_timeline's CASE lands in a category of
    /// report_root_categories, and the categories come in rank order.
    #[test]
    fn every_root_event_has_a_category() {
        let conn = crate::store::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TEMP VIEW root_actions AS SELECT * FROM (VALUES
               (TIMESTAMP '2024-01-01 00:00:01', 'ConsoleLogin', 'Success', 'signin.amazonaws.com', NULL, false, 'a'),
               (TIMESTAMP '2024-01-01 00:00:02', 'ConsoleLogin', 'Failure', 'signin.amazonaws.com', NULL, NULL, 'b'),
               (TIMESTAMP '2024-01-01 00:00:03', 'CreateAccessKey', NULL, 'iam.amazonaws.com', false, true, 'c'),
               (TIMESTAMP '2024-01-01 00:00:04', 'StopLogging', NULL, 'cloudtrail.amazonaws.com', NULL, false, 'd'),
               (TIMESTAMP '2024-01-01 00:00:05', 'ListBuckets', NULL, 's3.amazonaws.com', true, false, 'e'),
               (NULL, 'ListBuckets', NULL, 's3.amazonaws.com', true, false, 'f'))
             AS t(event_time, event_name, console_login_result, event_source, read_only,
                  long_term_key, event_id)",
        )
        .unwrap();
        let (categories, events) = root_timeline(&conn).unwrap();
        assert_eq!(
            categories,
            [
                "sign-in ok",
                "sign-in failed",
                "IAM/credential change",
                "logging change",
                "other API call"
            ]
        );
        let rows: Vec<usize> = events.iter().map(|e| e.row).collect();
        assert_eq!(
            rows,
            [0, 1, 2, 3, 4],
            "the event without a time is left out"
        );
        let keys: Vec<bool> = events.iter().map(|e| e.long_term_key).collect();
        assert_eq!(keys, [false, false, true, false, false]);
    }

    #[test]
    fn the_report_views_read_an_empty_case() {
        let conn = crate::store::open_in_memory().unwrap();
        assert!(events_per_day(&conn).unwrap().is_empty());
        assert!(signins_by_type(&conn).unwrap().is_empty());
        assert!(root_timeline(&conn).unwrap().1.is_empty());
        assert!(top_source_ips(&conn).unwrap().is_empty());
        assert_eq!(activity_heatmap(&conn).unwrap(), [[0; 24]; 7]);
        for view in [
            "report_root_events",
            "report_credential_posture",
            "report_sources",
            "report_load_errors",
        ] {
            let table = table(&conn, view, 10).unwrap();
            assert_eq!(table.total, 0);
            assert!(!table.columns.is_empty());
        }
    }

    #[test]
    fn long_records_are_cut() {
        let long = format!("{{\"a\": \"{}\"}}", "é".repeat(RAW_LIMIT));
        let shown = pretty_record(long);
        assert!(shown.ends_with("the whole record is in the case)"));
        assert!(shown.len() < RAW_LIMIT + 100);
        assert_eq!(pretty_record("not json".into()), "not json");
    }
}
