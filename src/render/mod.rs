//! The incident report: one self-contained HTML file (CSS, fonts, charts and script inline)
//! rendered with tera from the case and a run's findings.
//!
//! Templates are embedded; `--templates DIR` layers a team's own on top (same name replaces).
//! Every template name ends in `.html`, so tera escapes every value: attacker-controlled text
//! (user agents, user names, request parameters) can never become markup.

pub mod charts;
pub mod pdf;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context as _, Result};
use base64::Engine as _;
use duckdb::Connection;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::runner::{Finding, FindingStatus, RunResult};
use crate::library::Severity;

/// Evidence rows shown per finding; findings.json has them all.
pub const ROWS_PER_FINDING: usize = 25;
/// Root events listed in the timeline table.
const ROOT_TIMELINE_ROWS: usize = 200;
/// Longest original record shown inline (bytes of pretty JSON).
const RAW_LIMIT: usize = 16 << 10;

use crate::assets::{FONT_MONO, TEMPLATES};

/// Built-in templates with a user's folder on top.
pub fn templates(user_dir: Option<&Path>) -> Result<tera::Tera> {
    let mut tera = tera::Tera::default();
    let mut names = Vec::new();
    for file in TEMPLATES.files() {
        let name = file.path().to_string_lossy().into_owned();
        if name.ends_with(".html") {
            let text = file
                .contents_utf8()
                .context("a built-in template is not UTF-8")?;
            names.push((name, text.to_string()));
        }
    }
    if let Some(dir) = user_dir {
        for entry in std::fs::read_dir(dir)
            .with_context(|| format!("cannot read templates folder {}", dir.display()))?
        {
            let path = entry?.path();
            let Some(name) = path
                .file_name()
                .and_then(|n| n.to_str())
                .map(str::to_string)
            else {
                continue;
            };
            if !name.ends_with(".html") {
                continue;
            }
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read template {}", path.display()))?;
            names.retain(|(existing, _)| existing != &name);
            names.push((name, text));
        }
    }
    tera.add_raw_templates(names)
        .context("a report template does not parse")?;
    tera.autoescape_on(vec![".html"]);
    Ok(tera)
}

#[derive(Serialize)]
struct Verdict {
    level: &'static str,
    headline: String,
    counts: Vec<(String, usize)>,
}

#[derive(Serialize)]
struct Evidence {
    cells: Vec<String>,
    /// The original CloudTrail record of the row, pretty-printed, when the row names one event.
    raw: Option<String>,
}

/// An investigation without its rows (those are in `shown` or findings.json).
#[derive(Serialize)]
struct Meta<'a> {
    id: &'a str,
    title: &'a str,
    severity: &'static str,
    category: &'a str,
    mitre: &'a [String],
    cis: Option<&'a str>,
    description: &'a str,
    next: &'a str,
    references: &'a [String],
    origin: &'a str,
    sql: &'a str,
    sql_sha256: &'a str,
    row_count: usize,
    status: &'static str,
    error: Option<&'a str>,
    elapsed_ms: u128,
    columns: &'a [String],
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
        }
    }
}

#[derive(Serialize)]
struct FindingView<'a> {
    finding: Meta<'a>,
    shown: Vec<Evidence>,
    hidden_rows: usize,
    parameters: String,
}

#[derive(Serialize)]
struct Table {
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
    total: usize,
}

#[derive(Serialize)]
struct Charts {
    events_over_time: String,
    signins: String,
    root_timeline: String,
    top_source_ips: String,
    heatmap: String,
}

#[derive(Serialize)]
struct Fonts {
    regular: String,
    bold: String,
    mono: String,
}

/// Everything the template sees.
#[derive(Serialize)]
struct ReportContext<'a> {
    case_name: String,
    generated_at: &'a str,
    tool_version: &'a str,
    case: &'a crate::runner::CaseScope,
    window: &'a crate::runner::Window,
    verdict: Verdict,
    findings: Vec<FindingView<'a>>,
    quiet: Vec<Meta<'a>>,
    failed: Vec<Meta<'a>>,
    skipped: Vec<Meta<'a>>,
    investigations: Vec<Meta<'a>>,
    root_timeline: Table,
    credentials: Table,
    coverage: Table,
    gaps: Table,
    sources: Table,
    load_errors: Table,
    case_sha256: String,
    case_size: u64,
    geo: String,
    charts: Charts,
    fonts: Fonts,
}

/// Renders the report of a run over the case at `db`.
pub fn render(conn: &Connection, db: &Path, run: &RunResult, tera: &tera::Tera) -> Result<String> {
    let findings: Vec<FindingView> = run
        .investigations
        .iter()
        .filter(|f| f.row_count > 0)
        .map(|f| finding_view(conn, f))
        .collect::<Result<_>>()?;
    let base64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let context = ReportContext {
        case_name: case_name(db),
        generated_at: &run.generated_at,
        tool_version: &run.tool_version,
        case: &run.case,
        window: &run.window,
        verdict: verdict(run),
        findings,
        quiet: run.investigations.iter().filter(|f| f.row_count == 0 && f.status == FindingStatus::Ok).map(Meta::from).collect(),
        failed: run.investigations.iter().filter(|f| f.status == FindingStatus::Error).map(Meta::from).collect(),
        skipped: run.investigations.iter().filter(|f| f.status == FindingStatus::Skipped).map(Meta::from).collect(),
        investigations: run.investigations.iter().map(Meta::from).collect(),
        root_timeline: table(
            conn,
            "SELECT strftime(event_time, '%Y-%m-%d %H:%M:%S') AS time, account_id, aws_region AS region,
                    event_name, coalesce(console_login_result, error_code, 'ok') AS result,
                    source_ip, access_key_id, user_agent, event_id
             FROM root_activity ORDER BY event_time, event_id",
            ROOT_TIMELINE_ROWS,
        )?,
        credentials: table(
            conn,
            "SELECT account_id, strftime(report_time, '%Y-%m-%d %H:%M') AS report_time, \"user\",
                    password_enabled AS password, mfa_active AS mfa,
                    strftime(password_last_used, '%Y-%m-%d') AS password_last_used,
                    access_key_1_active AS key_1, strftime(access_key_1_last_used_date, '%Y-%m-%d') AS key_1_last_used,
                    access_key_2_active AS key_2, strftime(access_key_2_last_used_date, '%Y-%m-%d') AS key_2_last_used
             FROM latest_credential_report ORDER BY account_id, \"user\" = '<root_account>' DESC, \"user\"",
            500,
        )?,
        coverage: finding_table(run, "coverage-volume"),
        gaps: finding_table(run, "coverage-gaps"),
        sources: table(
            conn,
            "SELECT path, size, kind, status, events, sha256, reason FROM sources ORDER BY source_id",
            usize::MAX,
        )?,
        load_errors: table(
            conn,
            "SELECT path, position, cause, snippet FROM load_errors ORDER BY source_id, position",
            500,
        )?,
        case_sha256: sha256_file(db)?,
        case_size: std::fs::metadata(db).map(|m| m.len()).unwrap_or(0),
        geo: geo_description(&run.case.geo_databases),
        charts: chart_set(conn)?,
        fonts: Fonts {
            regular: base64(crate::assets::FONT_REGULAR),
            bold: base64(crate::assets::FONT_BOLD),
            mono: base64(FONT_MONO),
        },
    };
    let context = tera::Context::from_serialize(&context)?;
    tera.render("report.html", &context).map_err(|e| {
        // tera hides the cause behind its source chain.
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        anyhow::anyhow!("cannot render the report: {message}")
    })
}

fn geo_description(databases: &[crate::runner::GeoDatabase]) -> String {
    if databases.is_empty() {
        return "none: no geo database was used; countries and networks are not shown".into();
    }
    databases
        .iter()
        .map(|d| {
            format!(
                "{}: {} ({}, built {})",
                d.role, d.path, d.database_type, d.build_time
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn case_name(db: &Path) -> String {
    let stem = db.file_stem().and_then(|s| s.to_str()).unwrap_or("case");
    match db
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
    {
        Some(folder) if stem == "case" => folder.to_string(),
        _ => stem.to_string(),
    }
}

fn verdict(run: &RunResult) -> Verdict {
    let counts: Vec<(String, usize)> = Severity::ALL
        .iter()
        .map(|s| {
            (
                s.as_str().to_string(),
                run.at_or_above(*s).filter(|f| f.severity == *s).count(),
            )
        })
        .collect();
    let worst = run
        .investigations
        .iter()
        .filter(|f| f.row_count > 0)
        .map(|f| f.severity)
        .max();
    let (level, headline) = match worst {
        Some(Severity::Critical) => (
            "critical",
            "Critical findings: signs of account compromise that need action now.",
        ),
        Some(Severity::High) => ("high", "High-severity findings that need investigation."),
        Some(Severity::Medium) => (
            "medium",
            "No critical or high findings; medium-severity issues to review.",
        ),
        Some(_) => ("low", "Only low-severity and informational findings."),
        None => ("none", "No investigation reported anything."),
    };
    Verdict {
        level,
        headline: headline.to_string(),
        counts,
    }
}

/// A JSON cell as text: strings as they are, lists joined, anything else as compact JSON.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

fn finding_view<'a>(conn: &Connection, finding: &'a Finding) -> Result<FindingView<'a>> {
    let shown_rows = &finding.rows[..finding.rows.len().min(ROWS_PER_FINDING)];
    let raws = originals(conn, shown_rows)?;
    let shown = shown_rows
        .iter()
        .map(|row| Evidence {
            cells: finding
                .columns
                .iter()
                .map(|c| cell(row.get(c).unwrap_or(&Value::Null)))
                .collect(),
            raw: row
                .get("event_id")
                .and_then(Value::as_str)
                .and_then(|id| {
                    raws.get(&(
                        id.to_string(),
                        row.get("account_id").map(cell).unwrap_or_default(),
                    ))
                })
                .cloned(),
        })
        .collect();
    Ok(FindingView {
        finding: Meta::from(finding),
        shown,
        hidden_rows: finding.rows.len().saturating_sub(ROWS_PER_FINDING),
        parameters: finding
            .parameters
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// The original records of the rows that name an event, keyed by (event id, account).
fn originals(
    conn: &Connection,
    rows: &[serde_json::Map<String, Value>],
) -> Result<BTreeMap<(String, String), String>> {
    let ids: Vec<String> = rows
        .iter()
        .filter_map(|r| {
            r.get("event_id")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect();
    let mut found = BTreeMap::new();
    if ids.is_empty() {
        return Ok(found);
    }
    let list = ids
        .iter()
        .map(|id| format!("'{}'", id.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stmt = conn.prepare(&format!(
        "SELECT event_id, coalesce(recipient_account_id, ''), raw::VARCHAR FROM events
         WHERE event_row IN (SELECT event_row FROM events WHERE event_id IN ({list}))"
    ))?;
    let mut result = stmt.query([])?;
    while let Some(row) = result.next()? {
        let (id, account, raw): (String, String, String) = (row.get(0)?, row.get(1)?, row.get(2)?);
        let pretty = serde_json::from_str::<Value>(&raw)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or(raw);
        let pretty = if pretty.len() > RAW_LIMIT {
            let mut cut = RAW_LIMIT;
            while !pretty.is_char_boundary(cut) {
                cut -= 1;
            }
            format!(
                "{}\n… (record cut at {} KB; the whole record is in the case)",
                &pretty[..cut],
                RAW_LIMIT >> 10
            )
        } else {
            pretty
        };
        found.insert((id, account), pretty);
    }
    Ok(found)
}

/// Any query as a table of text cells, at most `limit` rows (the total is counted).
fn table(conn: &Connection, sql: &str, limit: usize) -> Result<Table> {
    let mut stmt = conn.prepare(&format!("SELECT to_json(q)::VARCHAR FROM ({sql}) AS q"))?;
    let columns = {
        let mut describe = conn.prepare(&format!("DESCRIBE ({sql})"))?;
        let names = describe.query_map([], |r| r.get::<_, String>(0))?;
        names.collect::<Result<Vec<_>, _>>()?
    };
    let mut rows = Vec::new();
    let mut total = 0;
    let mut result = stmt.query([])?;
    while let Some(row) = result.next()? {
        total += 1;
        if rows.len() < limit {
            let json: String = row.get(0)?;
            let object: serde_json::Map<String, Value> = serde_json::from_str(&json)?;
            rows.push(
                columns
                    .iter()
                    .map(|c| cell(object.get(c).unwrap_or(&Value::Null)))
                    .collect(),
            );
        }
    }
    Ok(Table {
        columns,
        rows,
        total,
    })
}

/// An investigation's rows as a table (for the coverage section).
fn finding_table(run: &RunResult, id: &str) -> Table {
    match run.investigations.iter().find(|f| f.id == id) {
        Some(f) => Table {
            columns: f.columns.clone(),
            rows: f
                .rows
                .iter()
                .take(ROWS_PER_FINDING * 4)
                .map(|row| {
                    f.columns
                        .iter()
                        .map(|c| cell(row.get(c).unwrap_or(&Value::Null)))
                        .collect()
                })
                .collect(),
            total: f.row_count,
        },
        None => Table {
            columns: Vec::new(),
            rows: Vec::new(),
            total: 0,
        },
    }
}

fn chart_set(conn: &Connection) -> Result<Charts> {
    let chart = |result: Result<String, String>| {
        result.map_err(|e| anyhow::anyhow!("cannot draw a chart: {e}"))
    };

    let mut per_day = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT strftime(event_time, '%Y-%m-%d') AS day, coalesce(recipient_account_id, '?'), count(*)
         FROM events WHERE event_time IS NOT NULL GROUP BY ALL ORDER BY 1, 2",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let day: String = row.get(0)?;
        let day = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d")?;
        per_day.push((day, row.get::<_, String>(1)?, row.get::<_, i64>(2)? as u64));
    }

    let mut signins = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT coalesce(user_type, 'unknown'),
                count(*) FILTER (WHERE result = 'Success' AND mfa_used_bool),
                count(*) FILTER (WHERE result = 'Success' AND NOT coalesce(mfa_used_bool, false)),
                count(*) FILTER (WHERE result IS DISTINCT FROM 'Success')
         FROM console_logins GROUP BY 1 ORDER BY 1",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        signins.push(charts::SigninCount {
            user_type: row.get(0)?,
            success_mfa: row.get::<_, i64>(1)? as u64,
            success_no_mfa: row.get::<_, i64>(2)? as u64,
            failure: row.get::<_, i64>(3)? as u64,
        });
    }

    let mut root = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT epoch_us(event_time),
                CASE WHEN event_name = 'ConsoleLogin' AND console_login_result = 'Success' THEN 'sign-in ok'
                     WHEN event_name = 'ConsoleLogin' THEN 'sign-in failed'
                     WHEN event_source IN ('iam.amazonaws.com', 'sts.amazonaws.com', 'signin.amazonaws.com') AND NOT coalesce(read_only, false)
                          THEN 'IAM/credential change'
                     WHEN event_source IN ('cloudtrail.amazonaws.com', 'guardduty.amazonaws.com', 'config.amazonaws.com') AND NOT coalesce(read_only, false)
                          THEN 'logging change'
                     ELSE 'other API call' END,
                coalesce(long_term_key, false)
         FROM root_activity WHERE event_time IS NOT NULL ORDER BY event_time",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let micros: i64 = row.get(0)?;
        let Some(time) = crate::time::from_micros(micros) else {
            continue;
        };
        root.push(charts::RootEvent {
            time,
            category: row.get(1)?,
            long_term_key: row.get(2)?,
        });
    }

    let mut ips = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT source_ip, count(*) FROM events WHERE source_ip IS NOT NULL
         GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 15",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        ips.push((row.get::<_, String>(0)?, row.get::<_, i64>(1)? as u64));
    }

    let mut heat = [[0u64; 24]; 7];
    let mut stmt = conn.prepare(
        "SELECT isodow(event_time) - 1, hour(event_time), count(*) FROM events
         WHERE event_time IS NOT NULL GROUP BY ALL",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let (day, hour, n): (i64, i64, i64) = (row.get(0)?, row.get(1)?, row.get(2)?);
        if let Some(slot) = heat
            .get_mut(day as usize)
            .and_then(|d| d.get_mut(hour as usize))
        {
            *slot = n as u64;
        }
    }

    Ok(Charts {
        events_over_time: chart(charts::events_over_time(&per_day))?,
        signins: chart(charts::signins(&signins))?,
        root_timeline: chart(charts::root_timeline(&root))?,
        top_source_ips: chart(charts::top_bars("Top source IPs (events)", &ips))?,
        heatmap: chart(charts::heatmap(&heat))?,
    })
}

fn sha256_file(path: &Path) -> Result<String> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)?;
    Ok(format!("{:x}", hasher.finalize()))
}
