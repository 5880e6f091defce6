//! The incident report: one self-contained HTML file (CSS, fonts, charts and script inline)
//! rendered with tera from the case and a run's findings.
//!
//! The steps: [`report_context`] gathers everything the template sees ([`context::ReportContext`]):
//! the run's findings, and tables and chart data from the case's `report_*` views
//! (src/store/report_views.sql, read by [`data`]); [`charts`] draws the charts; tera renders
//! `report.html`.
//!
//! Templates are embedded; `--templates DIR` layers a team's own on top (see [`templates`]).
//! Every template name ends in `.html`, so tera escapes every value: attacker-controlled text
//! (user agents, user names, request parameters) can never become markup.

pub mod charts;
mod context;
mod data;
pub mod findings_only;
mod map;
pub mod pdf;
mod story;

use std::path::Path;

use anyhow::{Context as _, Result};
use base64::Engine as _;
use duckdb::Connection;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::assets::{FONT_BOLD, FONT_MONO, FONT_REGULAR, TEMPLATES};
use crate::library::Severity;
use crate::runner::{Finding, FindingStatus, RunResult};
use context::{Charts, Evidence, FindingView, Fonts, Meta, ReportContext, Table, Verdict};

/// Evidence rows shown (and printed) per finding, each with its original record.
pub const ROWS_PER_FINDING: usize = 25;
/// Evidence rows per finding the HTML pages through in all; findings.json has every row.
pub const ROWS_IN_HTML: usize = 500;
/// Root events listed in the timeline table.
const ROOT_TIMELINE_ROWS: usize = 200;
/// Users listed in the credential posture table.
const CREDENTIAL_ROWS: usize = 500;
/// Principals listed in the identities section (all of them: `rootlens summary`).
const PRINCIPAL_ROWS: usize = 25;
/// Root-derived sessions listed in the identities section.
const ROOT_SESSION_ROWS: usize = 200;
/// Load errors listed in the appendix.
const LOAD_ERROR_ROWS: usize = 500;
/// Rows of the coverage investigations shown in the coverage section.
const COVERAGE_ROWS: usize = ROWS_PER_FINDING * 4;

/// The investigations of the posture section, kept out of the incident verdict.
const POSTURE_CATEGORY: &str = "posture";

/// Where the built-in templates are registered a second time, so that a user's template of the
/// same name can extend the one it replaces.
const BUILTIN_PREFIX: &str = "builtin/";

/// The built-in templates with a user's folder on top.
///
/// Each built-in is registered twice: as `NAME` and as `builtin/NAME`. A user's `.html` file
/// replaces `NAME` (the report renders `report.html`), either whole or by extending the
/// built-in and replacing only some of its blocks, zola-style:
/// `{% extends "builtin/report.html" %}{% block findings %}…{% endblock %}`.
/// The block names are listed at the top of templates/report.html.
pub fn templates(user_dir: Option<&Path>) -> Result<tera::Tera> {
    let mut named = builtin_templates()?;
    if let Some(dir) = user_dir {
        for (name, text) in user_templates(dir)? {
            named.retain(|(existing, _)| existing != &name);
            named.push((name, text));
        }
    }
    let mut tera = tera::Tera::default();
    tera.add_raw_templates(named)
        .context("a report template does not parse")?;
    tera.autoescape_on(vec![".html"]);
    Ok(tera)
}

/// The embedded `.html` templates, each as `NAME` and `builtin/NAME`.
fn builtin_templates() -> Result<Vec<(String, String)>> {
    let mut named = Vec::new();
    for file in TEMPLATES.files() {
        let name = file.path().to_string_lossy().into_owned();
        if name.ends_with(".html") {
            let text = file
                .contents_utf8()
                .context("a built-in template is not UTF-8")?;
            named.push((format!("{BUILTIN_PREFIX}{name}"), text.to_string()));
            named.push((name, text.to_string()));
        }
    }
    Ok(named)
}

/// The `.html` files directly in a user's folder, by file name.
fn user_templates(dir: &Path) -> Result<Vec<(String, String)>> {
    let mut named = Vec::new();
    for entry in std::fs::read_dir(dir)
        .with_context(|| format!("cannot read templates folder {}", dir.display()))?
    {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !name.ends_with(".html") {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read template {}", path.display()))?;
        named.push((name.to_string(), text));
    }
    Ok(named)
}

/// Which layout a report is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Every section (`report.html`).
    Full,
    /// Verdict, story, key findings, integrity, scope and the appendix as hashes
    /// (`brief.html`), a few printed pages.
    Brief,
}

impl Layout {
    pub fn template(self) -> &'static str {
        match self {
            Layout::Full => "report.html",
            Layout::Brief => "brief.html",
        }
    }
}

/// The template context of a run over the case at `db` (whose SHA-256 is `case_sha256`, see
/// [`sha256_file`]), gathered once for every layout.
pub fn context(
    conn: &Connection,
    db: &Path,
    case_sha256: String,
    run: &RunResult,
) -> Result<tera::Context> {
    let context = report_context(conn, db, case_sha256, run)?;
    Ok(tera::Context::from_serialize(&context)?)
}

/// Renders one layout of the report from its context.
pub fn render(tera: &tera::Tera, context: &tera::Context, layout: Layout) -> Result<String> {
    tera.render(layout.template(), context).map_err(|e| {
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

/// Everything the template sees.
fn report_context<'a>(
    conn: &Connection,
    db: &Path,
    case_sha256: String,
    run: &'a RunResult,
) -> Result<ReportContext<'a>> {
    let metas = |keep: fn(&Finding) -> bool| -> Vec<Meta<'a>> {
        run.investigations
            .iter()
            .filter(|f| keep(f))
            .map(Meta::from)
            .collect()
    };
    // The evidence rows each finding shows; one query reads the original records of them all
    // and one lineage query the origins of every event the report cites (rows and story).
    let shown: Vec<Vec<serde_json::Map<String, Value>>> =
        run.investigations.iter().map(shown_rows).collect();
    let shown_events = || {
        shown
            .iter()
            .flatten()
            .filter_map(|row| row.get("event_id").and_then(Value::as_str))
    };
    let originals = data::originals(conn, shown_events())?;
    let story_events = story::cited_events(run);
    let origins = data::session_origins(
        conn,
        shown_events().chain(story_events.iter().map(String::as_str)),
    )?;
    let base64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let world_map = map::world_map(conn, run)?;
    Ok(ReportContext {
        case_name: case_name(db),
        generated_at: &run.generated_at,
        tool_version: &run.tool_version,
        case: &run.case,
        window: &run.window,
        verdict: verdict(run),
        story: story::story(conn, run, &origins)?,
        integrity: data::integrity(conn)?,
        public_keys: data::table(conn, "report_public_keys", usize::MAX)?,
        findings: run
            .investigations
            .iter()
            .zip(&shown)
            .filter(|(f, _)| f.row_count > 0)
            .map(|(f, rows)| finding_view(f, rows, &originals, &origins))
            .collect(),
        quiet: metas(|f| f.row_count == 0 && f.status == FindingStatus::Ok),
        failed: metas(|f| f.status == FindingStatus::Error),
        skipped: metas(|f| f.status == FindingStatus::Skipped),
        investigations: metas(|_| true),
        root_timeline: data::table(conn, "report_root_events", ROOT_TIMELINE_ROWS)?,
        credentials: data::table(conn, "report_credential_posture", CREDENTIAL_ROWS)?,
        posture: data::posture(conn, run)?,
        principals: data::table(conn, "report_top_principals", PRINCIPAL_ROWS)?,
        root_sessions: data::table(conn, "report_root_derived_sessions", ROOT_SESSION_ROWS)?,
        coverage: finding_table(run, "coverage-volume"),
        gaps: finding_table(run, "coverage-gaps"),
        sources: data::table(conn, "report_sources", usize::MAX)?,
        load_errors: data::table(conn, "report_load_errors", LOAD_ERROR_ROWS)?,
        case_sha256,
        case_size: std::fs::metadata(db).map(|m| m.len()).unwrap_or(0),
        inputs_sha256: data::inputs_sha256(conn)?,
        investigations_sha256: investigations_sha256(run),
        geo: geo_description(&run.case.geo_databases),
        charts: chart_set(conn)?,
        map_svg: world_map.svg,
        map_absent_reason: world_map.absent_reason,
        fonts: Fonts {
            regular: base64(FONT_REGULAR),
            bold: base64(FONT_BOLD),
            mono: base64(FONT_MONO),
        },
    })
}

/// Every chart, each from its `report_*` view.
fn chart_set(conn: &Connection) -> Result<Charts> {
    let drawn = |result: Result<String, String>| {
        result.map_err(|e| anyhow::anyhow!("cannot draw a chart: {e}"))
    };
    let (root_categories, root_events) = data::root_timeline(conn)?;
    Ok(Charts {
        events_over_time: drawn(charts::events_over_time(&data::events_per_day(conn)?))?,
        signins: drawn(charts::signins(&data::signins_by_type(conn)?))?,
        root_timeline: drawn(charts::root_timeline(&root_categories, &root_events))?,
        top_source_ips: drawn(charts::top_bars(
            "Top source IPs (events)",
            &data::top_source_ips(conn)?,
        ))?,
        heatmap: drawn(charts::heatmap(&data::activity_heatmap(conn)?))?,
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

/// SHA-256 over one `<sql sha256>  <id>` line per investigation run, in id order: the
/// investigations of the report in one value (each query's own hash is in the full report).
fn investigations_sha256(run: &RunResult) -> String {
    let mut lines: Vec<String> = run
        .investigations
        .iter()
        .map(|f| format!("{}  {}\n", f.sql_sha256, f.id))
        .collect();
    lines.sort();
    format!("{:x}", Sha256::digest(lines.concat().as_bytes()))
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

/// The incident verdict. Posture checks (category `posture`) are counted apart, in the
/// posture section: a weak configuration is not a sign of compromise.
fn verdict(run: &RunResult) -> Verdict {
    let incident = |f: &&Finding| f.category != POSTURE_CATEGORY;
    let counts: Vec<(String, usize)> = Severity::ALL
        .iter()
        .map(|s| {
            (
                s.as_str().to_string(),
                run.at_or_above(*s)
                    .filter(incident)
                    .filter(|f| f.severity == *s)
                    .count(),
            )
        })
        .collect();
    let worst = run
        .investigations
        .iter()
        .filter(incident)
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

/// The evidence rows a finding shows with their original records.
fn shown_rows(finding: &Finding) -> Vec<serde_json::Map<String, Value>> {
    let shown = &finding.rows[..finding.rows.len().min(ROWS_PER_FINDING)];
    shown.iter().map(crate::runner::Row::fields).collect()
}

fn finding_view<'a>(
    finding: &'a Finding,
    shown_rows: &[serde_json::Map<String, Value>],
    originals: &std::collections::BTreeMap<(String, String), String>,
    origins: &std::collections::BTreeMap<(String, String), data::Origin>,
) -> FindingView<'a> {
    let key = |row: &serde_json::Map<String, Value>| {
        let id = row.get("event_id").and_then(Value::as_str)?;
        let account = row.get("account_id").map(context::cell).unwrap_or_default();
        Some((id.to_string(), account))
    };
    let shown = shown_rows
        .iter()
        .map(|row| Evidence {
            cells: context::cells(&finding.columns, row),
            raw: key(row).and_then(|k| originals.get(&k)).cloned(),
            origin: key(row)
                .and_then(|k| origins.get(&k))
                .map(data::Origin::describe),
        })
        .collect();
    FindingView {
        finding: Meta::from(finding),
        shown,
        more: finding
            .rows
            .iter()
            .take(ROWS_IN_HTML)
            .skip(ROWS_PER_FINDING)
            .map(|row| context::cells(&finding.columns, &row.fields()))
            .collect(),
        hidden_rows: finding.rows.len().saturating_sub(ROWS_PER_FINDING),
        parameters: finding
            .parameters
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// An investigation's rows as a table (for the coverage section); empty when it did not run.
fn finding_table(run: &RunResult, id: &str) -> Table {
    run.investigations
        .iter()
        .find(|f| f.id == id)
        .map_or_else(Table::empty, |f| Table::of_finding(f, COVERAGE_ROWS))
}

/// The SHA-256 of a file, read in full (the case file, for the report's appendix).
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)?;
    Ok(format!("{:x}", hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The blocks a team can replace, as documented at the top of templates/report.html.
    const BLOCKS: [&str; 14] = [
        "style",
        "header",
        "verdict",
        "story",
        "root_timeline",
        "findings",
        "activity",
        "map",
        "credentials",
        "posture",
        "identities",
        "coverage",
        "appendix",
        "footer",
    ];

    fn builtin_report() -> String {
        builtin_templates()
            .unwrap()
            .into_iter()
            .find(|(name, _)| name == "builtin/report.html")
            .unwrap()
            .1
    }

    #[test]
    fn the_documented_blocks_exist() {
        let report = builtin_report();
        for block in BLOCKS {
            assert!(
                report.contains(&format!("{{% block {block} -%}}")),
                "no block {block}"
            );
            assert!(report.contains(&format!("{{%- endblock {block} %}}")));
            let documented = report.split("#}").next().unwrap();
            assert!(
                documented.contains(block),
                "block {block} is not documented"
            );
        }
    }

    #[test]
    fn a_user_template_extends_the_builtin_one_and_is_escaped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("report.html"),
            r#"{% extends "builtin/report.html" %}{% block findings %}<b>{{ case_name }}</b>{% endblock %}"#,
        )
        .unwrap();
        std::fs::write(dir.path().join("part.html"), "<i>{{ value }}</i>").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "{% broken").unwrap();
        let tera = templates(Some(dir.path())).unwrap();
        let mut names: Vec<&str> = tera.get_template_names().collect();
        names.sort();
        let builtin = [
            "_macros.html",
            "_story.html",
            "_style.html",
            "_verdict.html",
            "brief.html",
            "findings.html",
        ];
        let mut expected: Vec<String> = builtin
            .iter()
            .flat_map(|n| [n.to_string(), format!("builtin/{n}")])
            .chain(["builtin/report.html", "part.html", "report.html"].map(String::from))
            .collect();
        expected.sort();
        assert_eq!(names, expected);
        let mut context = tera::Context::new();
        context.insert("value", "<script>x</script>");
        assert_eq!(
            tera.render("part.html", &context).unwrap(),
            "<i>&lt;script&gt;x&lt;&#x2F;script&gt;</i>"
        );
    }

    #[test]
    fn a_user_template_that_extends_itself_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("report.html"),
            r#"{% extends "report.html" %}{% block findings %}{% endblock %}"#,
        )
        .unwrap();
        let error = format!("{:#}", templates(Some(dir.path())).unwrap_err());
        assert!(error.contains("report.html"), "{error}");
    }
}
