//! The events a findings.json cites (`rootlens run --findings`, `investigate`), for the views
//! that show which findings an event or an identity appears in: the timeline's tags and the
//! summary's `findings` column. Investigations cite events in their rows: `event_id`,
//! `event_ids` and any `…_event_id` / `…_event_ids` column, with the row's `account_id`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use duckdb::Connection;
use serde_json::Value;

use crate::runner::{selects, FINDINGS_SCHEMA};

/// One event cited by one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    pub finding: String,
    /// The row's `account_id`, when it has one: an event id repeated in two accounts then
    /// matches only the event of that account (recipient or identity account).
    pub account_id: Option<String>,
    pub event_id: String,
}

/// Every citation of a findings file, limited to the investigations `--only` names.
#[derive(Debug)]
pub struct Citations {
    pub path: PathBuf,
    pub citations: Vec<Citation>,
}

/// Reads `path`; `only` keeps the investigations it names (as `run --only` does).
pub fn load(path: &Path, only: &[String]) -> Result<Citations> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the findings file {}", path.display()))?;
    let json: Value = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not JSON (expected the findings.json of `rootlens run --findings`)",
            path.display()
        )
    })?;
    if json["schema"] != FINDINGS_SCHEMA {
        bail!(
            "{}: `schema` is {}, not \"{FINDINGS_SCHEMA}\" (expected the findings.json of `rootlens run --findings`)",
            path.display(),
            json["schema"]
        );
    }
    let Some(investigations) = json["investigations"].as_array() else {
        bail!("{}: `investigations` is not a list", path.display());
    };
    for want in only {
        let named = investigations.iter().any(|inv| {
            selects(
                inv["id"].as_str().unwrap_or(""),
                inv["category"].as_str().unwrap_or(""),
                want,
            )
        });
        if !named {
            bail!(
                "--only {want}: no investigation in {} has this id, category or id prefix",
                path.display()
            );
        }
    }
    let mut citations = Vec::new();
    for (index, inv) in investigations.iter().enumerate() {
        let (Some(id), Some(rows)) = (inv["id"].as_str(), inv["rows"].as_array()) else {
            bail!(
                "{}: investigations[{index}] lacks an `id` or its `rows`",
                path.display()
            );
        };
        let category = inv["category"].as_str().unwrap_or("");
        if !only.is_empty() && !only.iter().any(|want| selects(id, category, want)) {
            continue;
        }
        for row in rows {
            cite_row(id, row, &mut citations);
        }
    }
    Ok(Citations {
        path: path.to_path_buf(),
        citations,
    })
}

/// The event ids one finding row cites.
fn cite_row(finding: &str, row: &Value, out: &mut Vec<Citation>) {
    let Some(columns) = row.as_object() else {
        return;
    };
    let account_id = columns
        .get("account_id")
        .and_then(Value::as_str)
        .map(str::to_string);
    let mut cite = |event_id: &str| {
        out.push(Citation {
            finding: finding.to_string(),
            account_id: account_id.clone(),
            event_id: event_id.to_string(),
        })
    };
    for (name, value) in columns {
        let single = name == "event_id" || name.ends_with("_event_id");
        let list = name == "event_ids" || name.ends_with("_event_ids");
        match value {
            Value::String(id) if single => cite(id),
            Value::Array(ids) if list => ids.iter().filter_map(Value::as_str).for_each(&mut cite),
            _ => {}
        }
    }
}

/// What registering citations in a case found.
#[derive(Debug, Default)]
pub struct Registered {
    /// Cited events found in the case.
    pub events: u64,
    /// Cited event ids the case does not hold (findings of another case, or a changed case).
    pub missing: u64,
}

/// Creates the temporary table `event_citations(event_row, findings)`, one row per event of the
/// case that a citation names, with the ids of the findings citing it (sorted). Without
/// citations the table is empty.
pub fn register(conn: &Connection, citations: Option<&Citations>) -> Result<Registered> {
    conn.execute_batch(
        "CREATE OR REPLACE TEMP TABLE cited_raw (finding VARCHAR, account_id VARCHAR, event_id VARCHAR);",
    )?;
    if let Some(citations) = citations {
        let mut appender = conn
            .appender_to_catalog_and_db("cited_raw", "temp", "main")
            .context("cannot prepare the findings' citations")?;
        for c in &citations.citations {
            appender.append_row(duckdb::params![c.finding, c.account_id, c.event_id])?;
        }
        appender.flush()?;
    }
    conn.execute_batch(
        "CREATE OR REPLACE TEMP TABLE event_citations AS
         SELECT e.event_row, list_sort(list(DISTINCT c.finding)) AS findings
         FROM cited_raw c
         JOIN (SELECT event_row, event_id, recipient_account_id, user_account_id FROM events) e
           ON e.event_id = c.event_id
          AND (c.account_id IS NULL OR c.account_id = e.recipient_account_id
               OR c.account_id = e.user_account_id)
         GROUP BY e.event_row",
    )
    .context("cannot match the findings' citations to the case's events")?;
    let (events, missing) = conn.query_row(
        "SELECT (SELECT count(*) FROM event_citations),
                (SELECT count(DISTINCT event_id) FROM cited_raw c
                 WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.event_id = c.event_id))",
        [],
        |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
    )?;
    Ok(Registered {
        events: events as u64,
        missing: missing as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_cite_every_event_id_column_with_their_account() {
        let row = serde_json::json!({
            "account_id": "111122223333",
            "event_id": "a",
            "prev_event_id": "b",
            "event_ids": ["c", "d"],
            "hop_event_ids": ["e"],
            "event_name": "not-an-id",
            "next_event_id": null
        });
        let mut out = Vec::new();
        cite_row("x", &row, &mut out);
        let mut ids: Vec<&str> = out.iter().map(|c| c.event_id.as_str()).collect();
        ids.sort();
        assert_eq!(ids, ["a", "b", "c", "d", "e"]);
        assert!(out
            .iter()
            .all(|c| c.finding == "x" && c.account_id.as_deref() == Some("111122223333")));
    }
}
