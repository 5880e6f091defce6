//! Running investigations over a case: scope the case to a time window, set parameters, run
//! each query, and collect its rows as findings.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use chrono::NaiveDateTime;
use duckdb::Connection;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::library::{Investigation, Library, Severity};

/// What to run and how.
pub struct RunOptions {
    /// Ids, categories or id prefixes to run (all when empty).
    pub only: Vec<String>,
    pub since: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
    /// `--param name=value`, applied to every selected investigation that declares `name`.
    pub params: Vec<(String, String)>,
    /// Sigma rules that could not be compiled, listed in the result with their reasons.
    pub sigma_unsupported: Vec<crate::sigma::Unsupported>,
    /// `--org-domain`: the organisation's mail domains, the `org_domains` parameter (comma
    /// separated) of the investigations that declare it (posture); unlike `--param` it is no
    /// error when none of the selected does.
    pub org_domains: Vec<String>,
}

impl RunOptions {
    /// Every investigation over the whole case with default parameters.
    pub fn everything() -> Self {
        RunOptions {
            only: Vec::new(),
            since: None,
            until: None,
            params: Vec::new(),
            sigma_unsupported: Vec::new(),
            org_domains: Vec::new(),
        }
    }
}

/// The case as a whole, as findings.json and the report describe it.
#[derive(Debug, Serialize)]
pub struct CaseScope {
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub first_event: Option<String>,
    pub last_event: Option<String>,
    pub events: i64,
    pub input_files: i64,
    pub credential_reports: i64,
    /// The geo databases of the case's enrichment (empty: none was used).
    pub geo_databases: Vec<GeoDatabase>,
}

#[derive(Debug, Serialize)]
pub struct GeoDatabase {
    pub role: String,
    pub path: String,
    pub database_type: String,
    pub build_time: String,
    /// Public source addresses in the case, and how many this database located (a country
    /// or position for the city role, an AS number for the asn role).
    pub public_addresses: i64,
    pub located: i64,
    /// Set when it located none of many public addresses: geo findings are then unreliable
    /// and the `requires: geo` investigations are skipped with this reason.
    pub warning: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Window {
    pub since: Option<String>,
    pub until: Option<String>,
}

/// Whether an investigation ran, as written to findings.json and shown in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingStatus {
    /// It ran; its rows (possibly none) are the findings.
    Ok,
    /// Its SQL failed.
    Error,
    /// It could not apply to this case (e.g. no geo database), said why.
    Skipped,
}

impl FindingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingStatus::Ok => "ok",
            FindingStatus::Error => "error",
            FindingStatus::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Finding {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub category: String,
    pub source: &'static str,
    pub mitre: Vec<String>,
    pub cis: Option<String>,
    pub description: String,
    pub next: String,
    pub references: Vec<String>,
    pub origin: String,
    pub sql: String,
    pub sql_sha256: String,
    pub parameters: BTreeMap<String, String>,
    /// Whether it ran; the reason it did not is in `error`.
    pub status: FindingStatus,
    pub error: Option<String>,
    pub elapsed_ms: u128,
    pub row_count: usize,
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
    /// A Sigma rule's author, link and licence (absent for rootlens's own investigations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sigma: Option<crate::library::SigmaMeta>,
}

/// One result row, kept as the JSON text DuckDB wrote for it: a finding can hold millions of
/// rows, and a parsed map costs several times its text (12 GiB of a 10M-event run went there).
/// Readers parse the rows they look at.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Row(Box<serde_json::value::RawValue>);

impl Row {
    /// A row from the JSON object text of it.
    pub fn from_json(text: String) -> Result<Row> {
        let raw = serde_json::value::RawValue::from_string(text)?;
        if !raw.get().starts_with('{') {
            bail!("a row is not an object: {}", raw.get());
        }
        Ok(Row(raw))
    }

    /// The row's columns by name (parsed on each call).
    pub fn fields(&self) -> Map<String, Value> {
        serde_json::from_str(self.0.get()).unwrap_or_default()
    }
}

impl Serialize for Severity {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Everything one run produced: the body of findings.json.
#[derive(Debug, Serialize)]
pub struct RunResult {
    pub schema: &'static str,
    pub tool_version: String,
    pub generated_at: String,
    pub case: CaseScope,
    pub window: Window,
    pub investigations: Vec<Finding>,
    /// Sigma rules given or bundled that were not compiled, with the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sigma_unsupported: Vec<crate::sigma::Unsupported>,
}

pub const FINDINGS_SCHEMA: &str = "rootlens.findings/1";

/// The parameter `--org-domain` sets.
pub const ORG_DOMAINS_PARAM: &str = "org_domains";

impl RunResult {
    /// The most severe investigation that has rows.
    pub fn worst_finding(&self) -> Option<Severity> {
        self.with_rows().map(|f| f.severity).max()
    }

    /// Investigations with rows at or above `level`.
    pub fn at_or_above(&self, level: Severity) -> impl Iterator<Item = &Finding> {
        self.with_rows().filter(move |f| f.severity >= level)
    }

    /// Investigations that have rows.
    pub fn with_rows(&self) -> impl Iterator<Item = &Finding> {
        self.investigations.iter().filter(|f| f.row_count > 0)
    }

    /// Investigations whose SQL failed.
    pub fn failed(&self) -> impl Iterator<Item = &Finding> {
        self.investigations
            .iter()
            .filter(|f| f.status == FindingStatus::Error)
    }

    /// What decides the exit status, given `--fail-on`.
    pub fn outcome(&self, fail_on: Option<Severity>) -> crate::exit::Outcome {
        crate::exit::Outcome {
            investigations_failed: self.failed().next().is_some(),
            worst_finding: self.worst_finding(),
            fail_on,
            ..Default::default()
        }
    }

    /// Writes findings.json.
    pub fn write_json(&self, path: &std::path::Path) -> Result<()> {
        use std::io::Write;
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let mut writer = std::io::BufWriter::new(file);
        serde_json::to_writer_pretty(&mut writer, self)?;
        writer
            .flush()
            .with_context(|| format!("cannot write {}", path.display()))
    }
}

/// Picks the investigations named by `only` (all when empty). An entry that matches nothing
/// is an error, so a typo does not silently run nothing.
pub fn select<'a>(library: &'a Library, only: &[String]) -> Result<Vec<&'a Investigation>> {
    if only.is_empty() {
        return Ok(library.values().collect());
    }
    let matches =
        |inv: &Investigation, want: &str| selects(&inv.header.id, &inv.header.category, want);
    for want in only {
        if !library.values().any(|inv| matches(inv, want)) {
            bail!("--only {want}: no investigation has this id, category or id prefix (see `rootlens queries list`)");
        }
    }
    Ok(library
        .values()
        .filter(|inv| only.iter().any(|want| matches(inv, want)))
        .collect())
}

/// Whether `--only want` names the investigation with this id and category: its id, its
/// category, or an id prefix ending before `-` or `.`.
pub fn selects(id: &str, category: &str, want: &str) -> bool {
    id == want
        || category == want
        || id.starts_with(&format!("{want}-"))
        || id.starts_with(&format!("{want}."))
}

/// Runs the investigations `options` select over the case.
pub fn run(conn: &Connection, library: &Library, options: &RunOptions) -> Result<RunResult> {
    let selected = select(library, &options.only)?;
    for (name, _) in &options.params {
        if !selected
            .iter()
            .any(|inv| inv.header.params.iter().any(|p| &p.name == name))
        {
            bail!("--param {name}: no selected investigation has this parameter");
        }
    }
    let mut params = options.params.clone();
    if !options.org_domains.is_empty() {
        params.push((ORG_DOMAINS_PARAM.into(), options.org_domains.join(",")));
    }
    let case = case_scope(conn)?;
    scope_to_window(conn, options.since, options.until)?;
    // Several investigations read the lineage: resolve its chains once.
    if crate::store::lineage::read_by_several(selected.iter().map(|inv| inv.sql.as_str())) {
        crate::store::lineage::materialize(conn)?;
    }
    let geo = if case.geo_databases.is_empty() {
        Err("skipped: no geo database was used for this case (rootlens enrich --geoip-city FILE --geoip-asn FILE)".to_string())
    } else if let Some(warning) = case.geo_databases.iter().find_map(|d| d.warning.as_ref()) {
        Err(format!("skipped: {warning}"))
    } else {
        Ok(())
    };
    let (second_pass, first_pass): (Vec<&Investigation>, Vec<&Investigation>) = selected
        .into_iter()
        .partition(|inv| inv.header.requires_findings);
    let mut findings = Vec::new();
    for investigation in first_pass {
        findings.push(run_one(conn, investigation, &params, &geo));
    }
    if !second_pass.is_empty() {
        // The second pass reads what every other investigation cited, selected or not, so
        // `--only` does not change what it finds. Those not selected run here unreported.
        let mut unreported = Vec::new();
        for investigation in library.values() {
            if !investigation.header.requires_findings
                && !findings.iter().any(|f| f.id == investigation.header.id)
            {
                unreported.push(run_one(conn, investigation, &params, &geo));
            }
        }
        cite_events(conn, findings.iter().chain(&unreported))?;
        for investigation in second_pass {
            findings.push(run_one(conn, investigation, &params, &geo));
        }
    }
    // Most severe first, then by id: the order a responder reads them in.
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
    let format = |t: Option<NaiveDateTime>| t.map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
    Ok(RunResult {
        schema: FINDINGS_SCHEMA,
        tool_version: crate::tool_version(),
        generated_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        case,
        window: Window {
            since: format(options.since),
            until: format(options.until),
        },
        investigations: findings,
        sigma_unsupported: options.sigma_unsupported.clone(),
    })
}

fn case_scope(conn: &Connection) -> Result<CaseScope> {
    let list = |sql: &str| -> Result<Vec<String>> {
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    };
    let (first_event, last_event, events): (Option<String>, Option<String>, i64) = conn.query_row(
        "SELECT strftime(min(event_time), '%Y-%m-%dT%H:%M:%SZ'), strftime(max(event_time), '%Y-%m-%dT%H:%M:%SZ'), count(*) FROM events",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    Ok(CaseScope {
        accounts: list(
            "SELECT DISTINCT account FROM (SELECT recipient_account_id AS account FROM events
             UNION SELECT account_id FROM credential_report) WHERE account IS NOT NULL ORDER BY 1",
        )?,
        regions: list(
            "SELECT DISTINCT aws_region FROM events WHERE aws_region IS NOT NULL ORDER BY 1",
        )?,
        first_event,
        last_event,
        events,
        input_files: conn.query_row("SELECT count(*) FROM sources", [], |r| r.get(0))?,
        credential_reports: conn.query_row(
            "SELECT count(DISTINCT source_id) FROM credential_report",
            [],
            |r| r.get(0),
        )?,
        geo_databases: geo_databases(conn)?,
    })
}

/// The databases of the case's enrichment with what each located (from `ip_enrichment`).
fn geo_databases(conn: &Connection) -> Result<Vec<GeoDatabase>> {
    let mut stmt = conn.prepare(
        "SELECT d.role, d.path, d.database_type, d.build_time,
                count(e.source_ip),
                count(e.source_ip) FILTER (WHERE CASE d.role WHEN 'asn' THEN e.asn IS NOT NULL
                    ELSE coalesce(e.country_code, e.city) IS NOT NULL OR e.latitude IS NOT NULL END)
         FROM geo_databases d LEFT JOIN ip_enrichment e ON e.ip_class = 'public'
         GROUP BY ALL ORDER BY d.role",
    )?;
    let rows = stmt.query_map([], |r| {
        let (role, path): (String, String) = (r.get(0)?, r.get(1)?);
        let (public, located): (i64, i64) = (r.get(4)?, r.get(5)?);
        Ok(GeoDatabase {
            warning: crate::enrich::coverage_warning(&role, &path, public, located),
            role,
            path,
            database_type: r.get(2)?,
            build_time: r.get(3)?,
            public_addresses: public,
            located,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Limits `events`, `credential_report` (and the views over them) to the window for this
/// connection only, by
/// shadowing them with temporary views. Nothing in the case file changes.
fn scope_to_window(
    conn: &Connection,
    since: Option<NaiveDateTime>,
    until: Option<NaiveDateTime>,
) -> Result<()> {
    if since.is_none() && until.is_none() {
        return Ok(());
    }
    let literal = |t: Option<NaiveDateTime>| {
        t.map_or("NULL".to_string(), |t| {
            format!("TIMESTAMP '{}'", t.format("%Y-%m-%d %H:%M:%S%.f"))
        })
    };
    let database: String = conn.query_row("SELECT current_database()", [], |r| r.get(0))?;
    let quoted = database.replace('"', "\"\"");
    let in_window = |column: &str| {
        format!(
            "({since} IS NULL OR {column} >= {since}) AND ({until} IS NULL OR {column} < {until})",
            since = literal(since),
            until = literal(until),
        )
    };
    // The views (temporary copies, see store::open_read_only) read `events`,
    // `credential_report` and `posture_outputs` by name, so they see the window too. Credential
    // reports and saved CLI outputs count when they were taken within the window: the posture
    // as of then.
    let events_select = crate::store::events_view_select(conn)?;
    conn.execute_batch(&format!(
        "CREATE OR REPLACE TEMP VIEW events AS SELECT * FROM ({events_select}) WHERE {};
         CREATE OR REPLACE TEMP VIEW credential_report AS
             SELECT * FROM \"{quoted}\".main.credential_report WHERE {};
         CREATE OR REPLACE TEMP VIEW posture_outputs AS
             SELECT * FROM \"{quoted}\".main.posture_outputs WHERE {};",
        in_window("event_time"),
        in_window("report_time"),
        in_window("snapshot_time"),
    ))
    .context("cannot limit the case to the time window")?;
    Ok(())
}

fn run_one(
    conn: &Connection,
    investigation: &Investigation,
    overrides: &[(String, String)],
    geo: &Result<(), String>,
) -> Finding {
    let header = &investigation.header;
    let mut parameters = BTreeMap::new();
    for param in &header.params {
        let value = overrides
            .iter()
            .rev()
            .find(|(name, _)| name == &param.name)
            .map_or(param.default.clone(), |(_, v)| v.clone());
        parameters.insert(param.name.clone(), value);
    }
    let mut finding = Finding {
        id: header.id.clone(),
        title: header.title.clone(),
        severity: header.severity,
        category: header.category.clone(),
        source: header.source.as_str(),
        mitre: header.mitre.clone(),
        cis: header.cis.clone(),
        description: header.description.clone(),
        next: header.next.clone(),
        references: header.references.clone(),
        origin: investigation.origin.clone(),
        sql: investigation.sql.clone(),
        sql_sha256: investigation.sha256.clone(),
        parameters,
        status: FindingStatus::Ok,
        error: None,
        elapsed_ms: 0,
        row_count: 0,
        columns: Vec::new(),
        rows: Vec::new(),
        sigma: investigation.sigma.clone(),
    };
    if let (true, Err(reason)) = (header.requires_geo, geo) {
        finding.status = FindingStatus::Skipped;
        finding.error = Some(reason.clone());
        return finding;
    }
    let started = Instant::now();
    match execute(conn, investigation, &finding.parameters) {
        Ok((columns, rows)) => match row_severity(header.severity, &columns, &rows) {
            Ok(effective) => {
                finding.severity = effective;
                finding.row_count = rows.len();
                finding.columns = columns;
                finding.rows = rows;
            }
            Err(error) => {
                finding.status = FindingStatus::Error;
                finding.error = Some(error);
            }
        },
        Err(error) => {
            finding.status = FindingStatus::Error;
            finding.error = Some(format!("{error:#}"));
        }
    }
    finding.elapsed_ms = started.elapsed().as_millis();
    finding
}

/// Shadows the empty `cited_events` view (views.sql) with the events that the high and
/// critical rows of `findings` cite: every string in a column named `event_id` or `event_ids`.
/// A row's severity is its `severity` column where it has one, else its finding's.
fn cite_events<'a>(conn: &Connection, findings: impl Iterator<Item = &'a Finding>) -> Result<()> {
    let mut cited = std::collections::BTreeSet::new();
    // SigmaHQ's generic rules match routine automation at high level (SSM commands, launch
    // user data): their rows are findings of their own, not evidence that marks an actor.
    for finding in findings.filter(|f| f.status == FindingStatus::Ok && f.category != "sigma") {
        for row in &finding.rows {
            let row = row.fields();
            let severity = row
                .get("severity")
                .and_then(Value::as_str)
                .and_then(Severity::parse)
                .unwrap_or(finding.severity);
            if severity < Severity::High {
                continue;
            }
            for key in ["event_id", "event_ids"] {
                let ids: Vec<&str> = match row.get(key) {
                    Some(Value::String(id)) => vec![id.as_str()],
                    Some(Value::Array(ids)) => ids.iter().filter_map(Value::as_str).collect(),
                    _ => Vec::new(),
                };
                for id in ids {
                    cited.insert((finding.id.clone(), severity.as_str(), id.to_string()));
                }
            }
        }
    }
    let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let values = if cited.is_empty() {
        "SELECT CAST(NULL AS VARCHAR) AS investigation_id, CAST(NULL AS VARCHAR) AS severity, \
         CAST(NULL AS VARCHAR) AS event_id WHERE false"
            .to_string()
    } else {
        let rows: Vec<String> = cited
            .iter()
            .map(|(id, severity, event)| {
                format!("({}, {}, {})", quote(id), quote(severity), quote(event))
            })
            .collect();
        format!(
            "SELECT * FROM (VALUES {}) AS t(investigation_id, severity, event_id)",
            rows.join(", ")
        )
    };
    conn.execute_batch(&format!(
        "CREATE OR REPLACE TEMP VIEW cited_events AS {values};"
    ))
    .context("cannot record the events the first pass cited")?;
    // Every second-pass investigation reads the suspects: resolve them once, not once each.
    conn.execute_batch(
        "CREATE OR REPLACE TEMP TABLE suspect_actors_resolved AS SELECT * FROM suspect_actors;
         CREATE OR REPLACE TEMP VIEW suspect_actors AS SELECT * FROM suspect_actors_resolved;
         CREATE OR REPLACE TEMP TABLE suspect_events_resolved AS SELECT * FROM suspect_events;
         CREATE OR REPLACE TEMP VIEW suspect_events AS SELECT * FROM suspect_events_resolved;",
    )
    .context("cannot resolve the actors behind the first pass's findings")?;
    Ok(())
}

/// The severity of an investigation's finding. Most investigations have one severity, their
/// header's. One whose rows differ in weight (a failed attempt next to a success, restoring
/// logging next to stopping it) gives each row a `severity` column; the header's severity is
/// then the most any row may have, and the finding takes the most severe of its rows, so a case
/// holding only blocked attempts is not reported (nor fails `--fail-on`) like one where they
/// worked.
fn row_severity(
    declared: Severity,
    columns: &[String],
    rows: &[Row],
) -> std::result::Result<Severity, String> {
    if !columns.iter().any(|c| c == "severity") {
        return Ok(declared);
    }
    let mut worst = None;
    for row in rows {
        let row = row.fields();
        let text = row.get("severity").and_then(Value::as_str).unwrap_or("");
        let severity = Severity::parse(text).ok_or_else(|| {
            format!("a row's severity `{text}` is not one of critical, high, medium, low, info")
        })?;
        if severity > declared {
            return Err(format!(
                "a row's severity `{severity}` is above the header's `{declared}`, the most a row may have"
            ));
        }
        worst = worst.max(Some(severity));
    }
    Ok(worst.unwrap_or(declared))
}

/// The SQL that gives a parameter its typed value: `SET VARIABLE name = CAST('…' AS type)`.
pub fn set_variable(name: &str, value: &str, sql_type: &str) -> String {
    format!(
        "SET VARIABLE {name} = CAST('{}' AS {sql_type})",
        value.replace('\'', "''")
    )
}

type Rows = (Vec<String>, Vec<Row>);

fn execute(
    conn: &Connection,
    investigation: &Investigation,
    parameters: &BTreeMap<String, String>,
) -> Result<Rows> {
    for param in &investigation.header.params {
        let value = &parameters[&param.name];
        conn.execute_batch(&set_variable(&param.name, value, param.kind.as_sql()))
            .with_context(|| {
                format!(
                    "parameter {} = {value:?} is not a valid {}",
                    param.name,
                    param.kind.as_str()
                )
            })?;
    }
    let mut found = Vec::new();
    let columns = crate::store::json_rows::for_each(conn, &investigation.sql, |json| {
        found.push(Row::from_json(json)?);
        Ok(())
    })?;
    Ok((columns, found))
}

#[cfg(test)]
#[path = "runner_tests.rs"]
mod tests;
