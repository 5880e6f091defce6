//! The metadata header of an investigation file: `-- key: value` lines before the SQL.
//!
//! ```sql
//! -- id: root-signin-without-mfa
//! -- title: Root console sign-in without MFA
//! -- severity: critical
//! -- category: root
//! -- source: cloudtrail
//! -- mitre: T1078.004
//! -- cis: 4.2
//! -- description: A successful root sign-in whose MFAUsed is not "yes" ...
//! --   (indented comment lines continue the previous value)
//! -- next: Confirm with the account owner ...
//! -- references: https://docs.aws.amazon.com/...
//! -- param: window = 15 minutes (interval): how close the failures must be
//! SELECT ...
//! ```
//!
//! `severity` is the investigation's; a query whose rows differ in weight (a failed attempt
//! beside a success) adds a `severity` column, and the header's severity is then the most a row
//! may have (see `runner::row_severity`). `requires: geo` skips the query without a geo
//! database; `requires: findings` runs it in a second pass, after every other investigation,
//! reading the events their high and critical rows cite from the `cited_events` view.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn parse(text: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|s| s.as_str() == text.trim().to_ascii_lowercase())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which evidence an investigation reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataSource {
    CloudTrail,
    CredentialReport,
    Both,
    /// Saved AWS CLI outputs (`posture_outputs`).
    Posture,
}

impl DataSource {
    pub fn as_str(self) -> &'static str {
        match self {
            DataSource::CloudTrail => "cloudtrail",
            DataSource::CredentialReport => "credential_report",
            DataSource::Both => "both",
            DataSource::Posture => "posture",
        }
    }
}

/// The SQL type a parameter is cast to before the query sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    Integer,
    Double,
    Interval,
    Timestamp,
    Text,
}

impl ParamType {
    fn parse(text: &str) -> Option<ParamType> {
        Some(match text.trim() {
            "integer" => ParamType::Integer,
            "number" | "double" => ParamType::Double,
            "interval" => ParamType::Interval,
            "timestamp" => ParamType::Timestamp,
            "text" => ParamType::Text,
            _ => return None,
        })
    }

    pub fn as_sql(self) -> &'static str {
        match self {
            ParamType::Integer => "BIGINT",
            ParamType::Double => "DOUBLE",
            ParamType::Interval => "INTERVAL",
            ParamType::Timestamp => "TIMESTAMP",
            ParamType::Text => "VARCHAR",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::Integer => "integer",
            ParamType::Double => "number",
            ParamType::Interval => "interval",
            ParamType::Timestamp => "timestamp",
            ParamType::Text => "text",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub default: String,
    pub kind: ParamType,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub category: String,
    pub source: DataSource,
    pub mitre: Vec<String>,
    pub cis: Option<String>,
    pub description: String,
    pub next: String,
    pub references: Vec<String>,
    pub params: Vec<Param>,
    /// Enrichment the query cannot do without (`requires: geo`): without it, it is skipped.
    pub requires_geo: bool,
    /// `requires: findings`: it reads `cited_events`, the events cited by the high and critical
    /// rows of every other investigation, so it runs after them (a second pass).
    pub requires_findings: bool,
}

/// Header keys an investigation may use.
const KNOWN_KEYS: [&str; 12] = [
    "id",
    "title",
    "severity",
    "category",
    "source",
    "mitre",
    "cis",
    "description",
    "next",
    "references",
    "param",
    "requires",
];

/// An investigation file split into its header and its SQL.
pub fn parse(text: &str) -> Result<(Header, String), String> {
    let (fields, sql) = split(text)?;
    if let Some((key, _)) = fields
        .0
        .iter()
        .find(|(k, _)| !KNOWN_KEYS.contains(&k.as_str()))
    {
        return Err(format!(
            "unknown header key `{key}` (known: {})",
            KNOWN_KEYS.join(", ")
        ));
    }
    let severity_text = fields.required("severity")?;
    let severity = Severity::parse(&severity_text).ok_or_else(|| {
        format!("severity `{severity_text}` is not one of critical, high, medium, low, info")
    })?;
    let (requires_geo, requires_findings) = match fields.single("requires")?.as_deref() {
        None => (false, false),
        Some("geo") => (true, false),
        Some("findings") => (false, true),
        Some(other) => {
            return Err(format!(
                "requires `{other}` is not known (only `geo` or `findings`)"
            ))
        }
    };
    let header = Header {
        id: parse_id(fields.required("id")?)?,
        title: fields.required("title")?,
        severity,
        category: fields.required("category")?,
        source: parse_source(&fields.required("source")?)?,
        mitre: fields.list("mitre")?,
        cis: fields.single("cis")?,
        description: fields.required("description")?,
        next: fields.required("next")?,
        references: fields.list("references")?,
        params: parse_params(&fields)?,
        requires_geo,
        requires_findings,
    };
    Ok((header, sql))
}

/// The `-- key: value` lines of a header, continuation lines joined, in file order.
struct Fields(Vec<(String, String)>);

impl Fields {
    /// A key that may appear once; empty counts as absent.
    fn single(&self, key: &str) -> Result<Option<String>, String> {
        let mut values = self.0.iter().filter(|(k, _)| k == key);
        let first = values.next().map(|(_, v)| v.clone());
        if values.next().is_some() {
            return Err(format!("header key `{key}` appears twice"));
        }
        Ok(first.filter(|v| !v.is_empty()))
    }

    fn required(&self, key: &str) -> Result<String, String> {
        self.single(key)?
            .ok_or_else(|| format!("header lacks `{key}:`"))
    }

    /// A comma-separated key.
    fn list(&self, key: &str) -> Result<Vec<String>, String> {
        Ok(self
            .single(key)?
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default())
    }
}

/// Splits the leading comment block (the header) from the SQL after it.
fn split(text: &str) -> Result<(Fields, String), String> {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut sql_start = text.len();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if let Some(comment) = trimmed.strip_prefix("--") {
            let continuation = comment.starts_with("   ") || comment.starts_with('\t');
            if let (true, Some(last)) = (continuation, fields.last_mut()) {
                last.1.push(' ');
                last.1.push_str(comment.trim());
            } else if let Some((key, value)) = comment.split_once(':') {
                let key = key.trim();
                if key.is_empty() || key.contains(' ') {
                    return Err(format!("header line without a `key:`: {trimmed}"));
                }
                fields.push((key.to_string(), value.trim().to_string()));
            } else if !comment.trim().is_empty() {
                return Err(format!("header line without a `key:`: {trimmed}"));
            }
        } else if !trimmed.is_empty() {
            sql_start = offset;
            break;
        }
        offset += line.len();
    }
    let sql = text[sql_start..]
        .trim()
        .trim_end_matches(';')
        .trim_end()
        .to_string();
    if sql.is_empty() {
        return Err("no SQL after the header".into());
    }
    Ok((Fields(fields), sql))
}

fn parse_id(id: String) -> Result<String, String> {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.';
    if id.chars().all(allowed) {
        Ok(id)
    } else {
        Err(format!("id `{id}` may only hold a-z, 0-9, '-' and '.'"))
    }
}

fn parse_source(text: &str) -> Result<DataSource, String> {
    match text {
        "cloudtrail" => Ok(DataSource::CloudTrail),
        "credential_report" => Ok(DataSource::CredentialReport),
        "both" => Ok(DataSource::Both),
        "posture" => Ok(DataSource::Posture),
        other => Err(format!(
            "source `{other}` is not one of cloudtrail, credential_report, both, posture"
        )),
    }
}

/// Every `param:` line, each name once.
fn parse_params(fields: &Fields) -> Result<Vec<Param>, String> {
    let mut params: Vec<Param> = Vec::new();
    for (_, value) in fields.0.iter().filter(|(k, _)| k == "param") {
        let param = parse_param(value)?;
        if params.iter().any(|p| p.name == param.name) {
            return Err(format!("parameter `{}` is declared twice", param.name));
        }
        params.push(param);
    }
    Ok(params)
}

/// `name = default (type): description`
fn parse_param(text: &str) -> Result<Param, String> {
    let bad = || format!("param `{text}` is not `name = default (type): description`");
    let (name, rest) = text.split_once('=').ok_or_else(bad)?;
    let (default, rest) = rest.split_once('(').ok_or_else(bad)?;
    let (kind, description) = rest.split_once("):").ok_or_else(bad)?;
    let name = name.trim();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(format!(
            "parameter name `{name}` may only hold a-z, 0-9 and '_'"
        ));
    }
    Ok(Param {
        name: name.to_string(),
        default: default.trim().to_string(),
        kind: ParamType::parse(kind).ok_or_else(|| {
            format!("parameter `{name}` has unknown type `{}` (integer, number, interval, timestamp, text)", kind.trim())
        })?,
        description: description.trim().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "-- id: root-signin-without-mfa\n\
-- title: Root sign-in without MFA\n\
-- severity: Critical\n\
-- category: root\n\
-- source: cloudtrail\n\
-- mitre: T1078.004, T1621\n\
-- cis: 4.2\n\
-- description: A root sign-in\n\
--   that did not use MFA.\n\
-- next: Ask the owner.\n\
-- references: https://a.example/x, https://b.example/y\n\
-- param: window = 15 minutes (interval): how close\n\
\n\
SELECT 1;\n";

    #[test]
    fn parses_a_complete_header() {
        let (header, sql) = parse(GOOD).unwrap();
        assert_eq!(header.id, "root-signin-without-mfa");
        assert_eq!(header.severity, Severity::Critical);
        assert_eq!(header.mitre, ["T1078.004", "T1621"]);
        assert_eq!(header.cis.as_deref(), Some("4.2"));
        assert_eq!(header.description, "A root sign-in that did not use MFA.");
        assert_eq!(header.references.len(), 2);
        assert_eq!(
            header.params,
            [Param {
                name: "window".into(),
                default: "15 minutes".into(),
                kind: ParamType::Interval,
                description: "how close".into()
            }]
        );
        assert_eq!(sql, "SELECT 1");
    }

    #[test]
    fn rejects_incomplete_or_wrong_headers() {
        let without = |key: &str| {
            GOOD.lines()
                .filter(|l| !l.starts_with(&format!("-- {key}:")))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert!(parse(&without("title")).unwrap_err().contains("`title:`"));
        assert!(parse(&without("next")).unwrap_err().contains("`next:`"));
        let bad_severity = GOOD.replace("Critical", "urgent");
        assert!(parse(&bad_severity)
            .unwrap_err()
            .contains("severity `urgent`"));
        let bad_key = GOOD.replace("-- cis:", "-- cys:");
        assert!(parse(&bad_key)
            .unwrap_err()
            .contains("unknown header key `cys`"));
        let bad_param = GOOD.replace("(interval)", "(duration)");
        assert!(parse(&bad_param)
            .unwrap_err()
            .contains("unknown type `duration`"));
        let no_sql = GOOD.replace("SELECT 1;", "");
        assert!(parse(&no_sql).unwrap_err().contains("no SQL"));
        let twice = GOOD.replace("-- cis: 4.2", "-- cis: 4.2\n-- cis: 4.3");
        assert!(parse(&twice).unwrap_err().contains("twice"));
    }

    #[test]
    fn requires_names_geo_or_findings() {
        let with = |value: &str| {
            GOOD.replace("-- cis: 4.2", &format!("-- cis: 4.2\n-- requires: {value}"))
        };
        let (header, _) = parse(&with("findings")).unwrap();
        assert!(header.requires_findings && !header.requires_geo);
        let (header, _) = parse(&with("geo")).unwrap();
        assert!(header.requires_geo && !header.requires_findings);
        let (header, _) = parse(GOOD).unwrap();
        assert!(!header.requires_geo && !header.requires_findings);
        assert!(parse(&with("magic"))
            .unwrap_err()
            .contains("requires `magic`"));
    }
}
