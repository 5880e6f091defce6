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
}

impl DataSource {
    pub fn as_str(self) -> &'static str {
        match self {
            DataSource::CloudTrail => "cloudtrail",
            DataSource::CredentialReport => "credential_report",
            DataSource::Both => "both",
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
}

/// An investigation file split into its header and its SQL.
pub fn parse(text: &str) -> Result<(Header, String), String> {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut sql_start = text.len();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if let Some(comment) = trimmed.strip_prefix("--") {
            let continuation = comment.starts_with("   ") || comment.starts_with('\t');
            if continuation && !fields.is_empty() {
                let value = &mut fields.last_mut().expect("not empty").1;
                value.push(' ');
                value.push_str(comment.trim());
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

    let known = [
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
    if let Some((key, _)) = fields.iter().find(|(k, _)| !known.contains(&k.as_str())) {
        return Err(format!(
            "unknown header key `{key}` (known: {})",
            known.join(", ")
        ));
    }
    let single = |key: &str| -> Result<Option<String>, String> {
        let mut values = fields.iter().filter(|(k, _)| k == key);
        let first = values.next().map(|(_, v)| v.clone());
        if values.next().is_some() {
            return Err(format!("header key `{key}` appears twice"));
        }
        Ok(first.filter(|v| !v.is_empty()))
    };
    let required = |key: &str| -> Result<String, String> {
        single(key)?.ok_or_else(|| format!("header lacks `{key}:`"))
    };
    let list = |value: Option<String>| -> Vec<String> {
        value
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };

    let id = required("id")?;
    if !id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    {
        return Err(format!("id `{id}` may only hold a-z, 0-9, '-' and '.'"));
    }
    let severity_text = required("severity")?;
    let severity = Severity::parse(&severity_text).ok_or_else(|| {
        format!("severity `{severity_text}` is not one of critical, high, medium, low, info")
    })?;
    let source_text = required("source")?;
    let source = match source_text.as_str() {
        "cloudtrail" => DataSource::CloudTrail,
        "credential_report" => DataSource::CredentialReport,
        "both" => DataSource::Both,
        other => {
            return Err(format!(
                "source `{other}` is not one of cloudtrail, credential_report, both"
            ))
        }
    };
    let mut params = Vec::new();
    for (_, value) in fields.iter().filter(|(k, _)| k == "param") {
        let param = parse_param(value)?;
        if params.iter().any(|p: &Param| p.name == param.name) {
            return Err(format!("parameter `{}` is declared twice", param.name));
        }
        params.push(param);
    }
    let requires_geo = match single("requires")?.as_deref() {
        None => false,
        Some("geo") => true,
        Some(other) => return Err(format!("requires `{other}` is not known (only `geo`)")),
    };
    let header = Header {
        id,
        title: required("title")?,
        severity,
        category: required("category")?,
        source,
        mitre: list(single("mitre")?),
        cis: single("cis")?,
        description: required("description")?,
        next: required("next")?,
        references: list(single("references")?),
        params,
        requires_geo,
    };
    Ok((header, sql))
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
}
