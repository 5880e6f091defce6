//! What the report template sees: plain serialisable types, filled by `render` from the run
//! and the case's `report_*` views. A field renamed here is a variable renamed in every
//! template, a team's own included.

use serde::Serialize;
use serde_json::Value;

use super::story::Story;
use crate::runner::{CaseScope, Finding, Window};

/// Everything the template sees.
#[derive(Serialize)]
pub struct ReportContext<'a> {
    pub case_name: String,
    pub generated_at: &'a str,
    pub tool_version: &'a str,
    pub case: &'a CaseScope,
    pub window: &'a Window,
    pub verdict: Verdict,
    /// The storyline of the high and critical findings (src/render/story.rs).
    pub story: Story,
    pub integrity: Integrity,
    pub public_keys: Table,
    /// Investigations with rows, with the rows shown.
    pub findings: Vec<FindingView<'a>>,
    /// Investigations that ran and found nothing.
    pub quiet: Vec<Meta<'a>>,
    pub failed: Vec<Meta<'a>>,
    pub skipped: Vec<Meta<'a>>,
    /// Every investigation, for the appendix.
    pub investigations: Vec<Meta<'a>>,
    pub root_timeline: Table,
    pub credentials: Table,
    /// Root-user posture from saved AWS CLI outputs, per account and check.
    pub posture: Posture,
    /// The most active principals (`principal_summary`).
    pub principals: Table,
    /// Sessions whose lineage starts at the root user.
    pub root_sessions: Table,
    pub coverage: Table,
    pub gaps: Table,
    pub sources: Table,
    pub load_errors: Table,
    pub case_sha256: String,
    pub case_size: u64,
    /// SHA-256 of the input list, one `<sha256>  <path>` line per file in path order.
    pub inputs_sha256: String,
    /// SHA-256 of the investigations run, one `<sql sha256>  <id>` line each in id order.
    pub investigations_sha256: String,
    pub geo: String,
    pub charts: Charts,
    /// The world map of sign-in and API origins (SVG), when there is one.
    pub map_svg: Option<String>,
    /// Why there is no map (no geo database, nothing located), when there is none.
    pub map_absent_reason: Option<String>,
    pub fonts: Fonts,
}

/// The evidence-integrity verdict beside the incident verdict.
#[derive(Serialize)]
pub struct Integrity {
    /// not_verified | no_digests | problems | partly_verified | intact (`integrity_summary`).
    pub verdict: String,
    /// The severity badge it wears.
    pub level: &'static str,
    pub headline: String,
    /// Chain links that are null: logging or validation was off for a while.
    pub null_links: u64,
    /// Log files no digest period covers (exports, Insights, files outside the chain).
    pub not_covered: u64,
}

#[derive(Serialize)]
pub struct Verdict {
    /// The worst severity with findings, or "none".
    pub level: &'static str,
    pub headline: String,
    /// (severity, investigations with findings at it), most severe first.
    pub counts: Vec<(String, usize)>,
}

#[derive(Serialize)]
pub struct Evidence {
    pub cells: Vec<String>,
    /// The original CloudTrail record of the row, pretty-printed, when the row names one event.
    pub raw: Option<String>,
    /// Where the session that signed the row's event came from (`session_lineage`).
    pub origin: Option<String>,
}

/// An investigation without its rows (those are in `shown` or findings.json).
#[derive(Serialize)]
pub struct Meta<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub severity: &'static str,
    pub category: &'a str,
    pub mitre: &'a [String],
    pub cis: Option<&'a str>,
    pub description: &'a str,
    pub next: &'a str,
    pub references: &'a [String],
    pub origin: &'a str,
    pub sql: &'a str,
    pub sql_sha256: &'a str,
    pub row_count: usize,
    pub status: &'static str,
    pub error: Option<&'a str>,
    pub elapsed_ms: u128,
    pub columns: &'a [String],
    /// A Sigma rule's author, link and licence, shown with its finding (DRL 1.1).
    pub sigma: Option<&'a crate::library::SigmaMeta>,
}

impl<'a> From<&'a Finding> for Meta<'a> {
    fn from(f: &'a Finding) -> Self {
        Meta {
            id: &f.id,
            title: &f.title,
            severity: f.severity.as_str(),
            category: &f.category,
            mitre: &f.mitre,
            cis: f.cis.as_deref(),
            description: &f.description,
            next: &f.next,
            references: &f.references,
            origin: &f.origin,
            sql: &f.sql,
            sql_sha256: &f.sql_sha256,
            row_count: f.row_count,
            status: f.status.as_str(),
            error: f.error.as_deref(),
            elapsed_ms: f.elapsed_ms,
            columns: &f.columns,
            sigma: f.sigma.as_ref(),
        }
    }
}

/// An investigation with findings and the rows the report shows.
#[derive(Serialize)]
pub struct FindingView<'a> {
    pub finding: Meta<'a>,
    pub shown: Vec<Evidence>,
    /// The rows after `shown` that the HTML pages through (without their records).
    pub more: Vec<Vec<String>>,
    /// Rows not in `shown` (in `more` or only in findings.json).
    pub hidden_rows: usize,
    /// `name = value, …`
    pub parameters: String,
}

/// Rows as text cells: the first ones of a view or an investigation, and how many there are.
#[derive(Serialize)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub total: usize,
}

impl Table {
    /// The first `limit` rows of an investigation (all of them are counted).
    pub fn of_finding(finding: &Finding, limit: usize) -> Table {
        Table {
            columns: finding.columns.clone(),
            rows: finding
                .rows
                .iter()
                .take(limit)
                .map(|row| cells(&finding.columns, &row.fields()))
                .collect(),
            total: finding.row_count,
        }
    }

    pub fn empty() -> Table {
        Table {
            columns: Vec::new(),
            rows: Vec::new(),
            total: 0,
        }
    }
}

/// Inline SVG charts.
#[derive(Serialize)]
pub struct Charts {
    pub events_over_time: String,
    pub signins: String,
    pub root_timeline: String,
    pub top_source_ips: String,
    pub heatmap: String,
}

/// The embedded fonts, base64, for `@font-face`.
#[derive(Serialize)]
pub struct Fonts {
    pub regular: String,
    pub bold: String,
    pub mono: String,
}

/// A row's cells in the order of `columns` (missing ones empty).
pub fn cells(columns: &[String], row: &serde_json::Map<String, Value>) -> Vec<String> {
    columns
        .iter()
        .map(|c| cell(row.get(c).unwrap_or(&Value::Null)))
        .collect()
}

/// A JSON cell as text: strings as they are, lists joined, anything else as compact JSON.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_are_text() {
        assert_eq!(cell(&Value::Null), "");
        assert_eq!(cell(&json!("a")), "a");
        assert_eq!(cell(&json!(["a", 1])), "a, 1");
        assert_eq!(cell(&json!({"k": true})), "{\"k\":true}");
        let row = json!({"b": 2, "a": "x"});
        assert_eq!(
            cells(
                &["a".into(), "missing".into(), "b".into()],
                row.as_object().unwrap()
            ),
            ["x", "", "2"]
        );
    }
}

/// The root-user posture section: one row per account, one column per posture check.
#[derive(Serialize)]
pub struct Posture {
    /// (id, title, CIS) of each posture check that ran.
    pub checks: Vec<(String, String, String)>,
    pub accounts: Vec<PostureAccount>,
    /// Cells that fail, and accounts with at least one: counted apart from incident findings.
    pub failures: usize,
    pub failing_accounts: usize,
    pub not_collected: usize,
    /// The saved CLI outputs behind the section (`report_posture_inputs`).
    pub inputs: Table,
    /// The root-denying SCPs covering each member account (`report_posture_scp_coverage`).
    pub scp_coverage: Table,
}

#[derive(Serialize)]
pub struct PostureAccount {
    pub account_id: String,
    pub cells: Vec<PostureCell>,
}

#[derive(Serialize)]
pub struct PostureCell {
    /// pass | fail | not collected | not applicable
    pub status: &'static str,
    /// Where the evidence is: the check's finding, or the account's saved outputs.
    pub link: String,
    /// What failed or which command would answer it.
    pub detail: String,
}
