//! The report of a findings.json alone (`rootlens report --findings F` without a case): what
//! `rootlens run`, `investigate` or the Spark driver (spark/) found, the scope they recorded,
//! and which sections of the full report need the case itself. Kept apart from the case report
//! (templates/report.html): it reads no database, only the file.

use std::path::Path;

use anyhow::{bail, Context, Result};
use base64::Engine as _;
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::assets::{FONT_BOLD, FONT_MONO, FONT_REGULAR};
use crate::library::Severity;
use crate::runner::FINDINGS_SCHEMA;

use super::ROWS_PER_FINDING;

/// The template, among the built-in ones (`--templates DIR` may replace it).
pub const TEMPLATE: &str = "findings.html";

/// The sections of the case report that read the case, not the findings: named in the report
/// with what they would show.
const NEEDS_THE_CASE: &[(&str, &str)] = &[
    ("Root user timeline", "every call root made, from the events"),
    ("Activity charts", "events per day and account, sign-ins by result and MFA, top source IPs, the weekday x hour heatmap"),
    ("Credential posture", "every user of the latest credential reports"),
    ("Identities", "the most active principals and the sessions whose lineage starts at root"),
    ("Coverage and gaps", "the volume per account and region drawn over time"),
    ("Original events", "each evidence row's original CloudTrail record"),
    ("Evidence appendix", "every input file with its SHA-256, load errors, the case file's SHA-256"),
];

#[derive(Serialize)]
struct FindingRow {
    id: String,
    title: String,
    severity: String,
    category: String,
    status: String,
    error: Option<String>,
    mitre: String,
    cis: String,
    description: String,
    next: String,
    references: Vec<String>,
    parameters: Vec<(String, String)>,
    row_count: u64,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
    rows_omitted: u64,
    sql: String,
    sql_sha256: String,
}

#[derive(Serialize)]
struct Section {
    name: &'static str,
    shows: &'static str,
}

/// A cell as text: strings as they are, anything else as JSON (escaped by the template).
fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn text(value: &Value) -> String {
    cell(Some(value))
}

fn finding(value: &Value, index: usize, path: &Path) -> Result<FindingRow> {
    let Some(object) = value.as_object() else {
        bail!(
            "{}: investigations[{index}] is not an object",
            path.display()
        );
    };
    let field = |name: &str| object.get(name).map(text).unwrap_or_default();
    let id = field("id");
    if id.is_empty() {
        bail!("{}: investigations[{index}] has no `id`", path.display());
    }
    let severity = field("severity");
    if Severity::parse(&severity).is_none() {
        bail!(
            "{}: investigation {id}: severity `{severity}` is not one of critical, high, medium, low, info",
            path.display()
        );
    }
    let columns: Vec<String> = object
        .get("columns")
        .and_then(Value::as_array)
        .map(|c| c.iter().map(text).collect())
        .unwrap_or_default();
    let all_rows: &[Value] = object
        .get("rows")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    let empty = Map::new();
    let rows = all_rows
        .iter()
        .take(ROWS_PER_FINDING)
        .map(|row| {
            let row = row.as_object().unwrap_or(&empty);
            columns.iter().map(|c| cell(row.get(c))).collect()
        })
        .collect();
    let list = |name: &str| -> Vec<String> {
        object
            .get(name)
            .and_then(Value::as_array)
            .map(|v| v.iter().map(text).collect())
            .unwrap_or_default()
    };
    Ok(FindingRow {
        title: field("title"),
        category: field("category"),
        status: field("status"),
        error: object.get("error").filter(|e| !e.is_null()).map(text),
        mitre: list("mitre").join(", "),
        cis: field("cis"),
        description: field("description"),
        next: field("next"),
        references: list("references"),
        parameters: object
            .get("parameters")
            .and_then(Value::as_object)
            .map(|p| p.iter().map(|(k, v)| (k.clone(), text(v))).collect())
            .unwrap_or_default(),
        row_count: all_rows.len() as u64,
        rows_omitted: all_rows.len().saturating_sub(ROWS_PER_FINDING) as u64,
        columns,
        rows,
        sql: field("sql"),
        sql_sha256: field("sql_sha256"),
        id,
        severity,
    })
}

/// The rendered report, and what it found (for the exit status).
pub struct Rendered {
    pub html: String,
    pub worst_finding: Option<Severity>,
    pub investigations_failed: bool,
}

/// Renders the findings file at `path` with the template `findings.html`.
pub fn render(path: &Path, tera: &tera::Tera) -> Result<Rendered> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read the findings file {}", path.display()))?;
    let json: Value = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "{} is not JSON (expected the findings.json of `rootlens run --findings` or spark/rootlens_spark.py)",
            path.display()
        )
    })?;
    if json["schema"] != FINDINGS_SCHEMA {
        bail!(
            "{}: `schema` is {}, not \"{FINDINGS_SCHEMA}\"",
            path.display(),
            json["schema"]
        );
    }
    let Some(investigations) = json["investigations"].as_array() else {
        bail!("{}: `investigations` is not a list", path.display());
    };
    let mut findings = investigations
        .iter()
        .enumerate()
        .map(|(i, v)| finding(v, i, path))
        .collect::<Result<Vec<_>>>()?;
    let rank = |f: &FindingRow| Severity::parse(&f.severity).unwrap_or(Severity::Info);
    findings.sort_by(|a, b| rank(b).cmp(&rank(a)).then_with(|| a.id.cmp(&b.id)));
    let with_rows: Vec<&FindingRow> = findings
        .iter()
        .filter(|f| f.status == "ok" && f.row_count > 0)
        .collect();
    let worst = with_rows.iter().map(|f| rank(f)).max();
    let mut counts = Vec::new();
    for severity in ["critical", "high", "medium", "low", "info"] {
        counts.push((
            severity,
            with_rows.iter().filter(|f| f.severity == severity).count(),
        ));
    }
    let case = &json["case"];
    let list = |v: &Value| -> String {
        v.as_array()
            .map(|a| a.iter().map(text).collect::<Vec<_>>().join(", "))
            .unwrap_or_default()
    };
    let base64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let mut context = tera::Context::new();
    context.insert("tool_version", &crate::tool_version());
    context.insert("source_path", &path.display().to_string());
    context.insert("source_sha256", &format!("{:x}", Sha256::digest(&bytes)));
    context.insert("written_by", &text(&json["tool_version"]));
    context.insert("generated_at", &text(&json["generated_at"]));
    context.insert(
        "origin",
        &json["origin"].as_str().unwrap_or("duckdb").to_string(),
    );
    context.insert("engine", &text(&json["engine"]));
    context.insert("accounts", &list(&case["accounts"]));
    context.insert("regions", &list(&case["regions"]));
    context.insert("first_event", &text(&case["first_event"]));
    context.insert("last_event", &text(&case["last_event"]));
    context.insert("events", &text(&case["events"]));
    context.insert("input_files", &text(&case["input_files"]));
    context.insert("credential_reports", &text(&case["credential_reports"]));
    let geo: Vec<String> = case["geo_databases"]
        .as_array()
        .map(|dbs| {
            dbs.iter()
                .map(|d| {
                    format!(
                        "{} {} ({})",
                        text(&d["role"]),
                        text(&d["path"]),
                        text(&d["database_type"])
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    context.insert("geo", &geo);
    context.insert("since", &text(&json["window"]["since"]));
    context.insert("until", &text(&json["window"]["until"]));
    context.insert("verdict", &worst.map(|s| s.as_str()).unwrap_or("none"));
    context.insert("counts", &counts);
    let failed = findings.iter().filter(|f| f.status == "error").count();
    context.insert("failed", &failed);
    context.insert("findings", &findings);
    context.insert(
        "needs_the_case",
        &NEEDS_THE_CASE
            .iter()
            .map(|(name, shows)| Section { name, shows })
            .collect::<Vec<_>>(),
    );
    context.insert("rows_per_finding", &ROWS_PER_FINDING);
    context.insert("font_regular", &base64(FONT_REGULAR));
    context.insert("font_bold", &base64(FONT_BOLD));
    context.insert("font_mono", &base64(FONT_MONO));
    let html = tera
        .render(TEMPLATE, &context)
        .context("cannot render the findings report")?;
    Ok(Rendered {
        html,
        worst_finding: worst,
        investigations_failed: failed > 0,
    })
}
