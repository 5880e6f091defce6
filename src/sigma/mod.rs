//! Sigma rules as investigations: parsed with `rsigma-parser`, compiled to SQL over `events`
//! (compile.rs, with the field mapping of fields.rs; correlations in correlation.rs). The
//! bundled pack is SigmaHQ's CloudTrail rules (`rules/sigma/`, DRL 1.1); users add files or
//! folders with `--sigma`. A rule that cannot be compiled is kept with its reason, never
//! dropped silently.

pub mod compile;
pub mod correlation;
pub mod fields;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use rsigma_parser::{CorrelationRule, Level, SigmaRule};
use serde::Serialize;
use sha2::{Digest, Sha256};
use walkdir::WalkDir;

use crate::library::{DataSource, Header, Investigation, Library, Severity, SigmaMeta};
use compile::Pred;

/// The commit of SigmaHQ/sigma the bundled rules come from (rules/sigma/SOURCE).
pub const BUNDLED_COMMIT: &str = "8eaafff1f2845a696050e05e72ba1140ee190698";
const BUNDLED_LINK: &str = "https://github.com/SigmaHQ/sigma/blob";
const BUNDLED_PATH: &str = "rules/cloud/aws/cloudtrail";

/// A rule file as read: where from, and its text.
pub struct RuleFile {
    /// `built-in:cloudtrail/….yml` or the path given.
    pub origin: String,
    pub text: String,
    bundled: bool,
}

/// A rule (or file) that was not compiled, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Unsupported {
    pub origin: String,
    pub title: Option<String>,
    pub sigma_id: Option<String>,
    pub reason: String,
}

impl Unsupported {
    /// A rule of `file` with this title and Sigma id that was not compiled.
    fn rule(file: &RuleFile, title: &str, sigma_id: &Option<String>, reason: String) -> Self {
        Unsupported {
            origin: file.origin.clone(),
            title: Some(title.to_string()),
            sigma_id: sigma_id.clone(),
            reason,
        }
    }
}

/// Every rule of a set, compiled or not.
pub struct RuleSet {
    /// Compiled rules, as investigations (category `sigma`), by id.
    pub compiled: Library,
    pub unsupported: Vec<Unsupported>,
    /// Rules only used by a correlation (`generate: false`): compiled, not run on their own.
    pub referenced_only: Vec<String>,
}

/// The bundled rules.
pub fn bundled_files() -> Result<Vec<RuleFile>> {
    let mut files = Vec::new();
    collect_embedded(&crate::assets::SIGMA_RULES, &mut files)?;
    files.sort_by(|a, b| a.origin.cmp(&b.origin));
    Ok(files)
}

fn collect_embedded(dir: &include_dir::Dir<'_>, out: &mut Vec<RuleFile>) -> Result<()> {
    for file in dir.files() {
        if is_rule_file(file.path()) {
            let origin = format!("built-in:{}", file.path().display());
            let text = file
                .contents_utf8()
                .with_context(|| format!("{origin} is not UTF-8"))?;
            out.push(RuleFile {
                origin,
                text: text.to_string(),
                bundled: true,
            });
        }
    }
    for sub in dir.dirs() {
        collect_embedded(sub, out)?;
    }
    Ok(())
}

fn is_rule_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "yml" || e == "yaml")
}

/// The `.yml`/`.yaml` files of the paths given (files, or folders searched recursively).
pub fn user_files(paths: &[std::path::PathBuf]) -> Result<Vec<RuleFile>> {
    let mut files = Vec::new();
    for path in paths {
        if !path.exists() {
            bail!("--sigma {}: no such file or folder", path.display());
        }
        for entry in WalkDir::new(path).sort_by_file_name() {
            let entry = entry.with_context(|| format!("cannot read {}", path.display()))?;
            if !entry.file_type().is_file() || (path.is_dir() && !is_rule_file(entry.path())) {
                continue;
            }
            let origin = entry.path().display().to_string();
            let bytes =
                std::fs::read(entry.path()).with_context(|| format!("cannot read {origin}"))?;
            let text = String::from_utf8(bytes)
                .map_err(|_| anyhow::anyhow!("{origin}: not UTF-8 text"))?;
            files.push(RuleFile::user(&origin, &text));
        }
    }
    Ok(files)
}

impl RuleFile {
    /// A rule file given by a user, from its text; `origin` names it in messages.
    pub fn user(origin: &str, text: &str) -> RuleFile {
        RuleFile {
            origin: origin.to_string(),
            text: text.to_string(),
            bundled: false,
        }
    }
}

/// One parsed document of a file, before compiling.
enum Parsed {
    Rule(Box<SigmaRule>),
    Correlation(Box<CorrelationRule>),
}

struct Entry {
    file: usize,
    parsed: Parsed,
}

/// Parses and compiles every rule of `files`. A later file's rule with the same Sigma id as an
/// earlier one (a team's copy of a bundled rule) replaces it.
pub fn compile_all(files: &[RuleFile]) -> RuleSet {
    let mut unsupported = Vec::new();
    let mut entries: Vec<Entry> = Vec::new();
    for (index, file) in files.iter().enumerate() {
        let collection = match rsigma_parser::parse_sigma_yaml(&file.text) {
            Ok(collection) => collection,
            Err(e) => {
                unsupported.push(broken(file, &e.to_string()));
                continue;
            }
        };
        for error in &collection.errors {
            unsupported.push(broken(file, error));
        }
        for filter in &collection.filters {
            unsupported.push(Unsupported::rule(
                file,
                &filter.title,
                &filter.id,
                "filter rules (Sigma meta-filters) are not supported".into(),
            ));
        }
        let mut add = |parsed: Parsed| {
            let id = match &parsed {
                Parsed::Rule(r) => r.id.clone(),
                Parsed::Correlation(c) => c.id.clone(),
            };
            if let Some(id) = id {
                entries.retain(|e| {
                    let other = match &e.parsed {
                        Parsed::Rule(r) => r.id.as_deref(),
                        Parsed::Correlation(c) => c.id.as_deref(),
                    };
                    other != Some(id.as_str())
                });
            }
            entries.push(Entry {
                file: index,
                parsed,
            });
        };
        for rule in collection.rules {
            add(Parsed::Rule(Box::new(rule)));
        }
        for rule in collection.correlations {
            add(Parsed::Correlation(Box::new(rule)));
        }
    }

    // Detection rules first: correlations refer to them by id or name.
    let mut predicates: BTreeMap<String, Pred> = BTreeMap::new();
    let mut compiled = Library::new();
    let mut used_ids = std::collections::BTreeSet::new();
    let mut rule_ids: BTreeMap<usize, String> = BTreeMap::new();
    for (position, entry) in entries.iter().enumerate() {
        let Parsed::Rule(rule) = &entry.parsed else {
            continue;
        };
        let file = &files[entry.file];
        match compile_rule(rule) {
            Ok(pred) => {
                for key in rule.id.iter().chain(rule.name.iter()) {
                    predicates.insert(key.clone(), pred.clone());
                }
                let id = finding_id(file, &mut used_ids);
                rule_ids.insert(position, id.clone());
                let sql = detection_sql(&pred);
                compiled.insert(
                    id.clone(),
                    investigation(id, file, Meta::of_rule(rule), sql),
                );
            }
            Err(reason) => unsupported.push(Unsupported::rule(file, &rule.title, &rule.id, reason)),
        }
    }
    let mut referenced_only = Vec::new();
    for entry in &entries {
        let Parsed::Correlation(rule) = &entry.parsed else {
            continue;
        };
        let file = &files[entry.file];
        let mut referenced = Vec::new();
        let mut missing = Vec::new();
        for reference in &rule.rules {
            match predicates.get(reference) {
                Some(predicate) => referenced.push(correlation::Referenced {
                    reference,
                    predicate,
                }),
                None => missing.push(reference.as_str()),
            }
        }
        let result = if !missing.is_empty() {
            Err(format!(
                "refers to rules that are not loaded or not compiled: {}",
                missing.join(", ")
            ))
        } else {
            correlation::compile(rule, &referenced)
        };
        match result {
            Ok(sql) => {
                if !rule.generate {
                    for (position, other) in entries.iter().enumerate() {
                        if let Parsed::Rule(r) = &other.parsed {
                            let named =
                                r.id.iter()
                                    .chain(r.name.iter())
                                    .any(|k| rule.rules.contains(k));
                            if let (true, Some(id)) = (named, rule_ids.get(&position)) {
                                referenced_only.push(id.clone());
                            }
                        }
                    }
                }
                let id = finding_id(file, &mut used_ids);
                compiled.insert(
                    id.clone(),
                    investigation(id, file, Meta::of_correlation(rule), sql),
                );
            }
            Err(reason) => unsupported.push(Unsupported::rule(file, &rule.title, &rule.id, reason)),
        }
    }
    referenced_only.sort();
    referenced_only.dedup();
    RuleSet {
        compiled,
        unsupported,
        referenced_only,
    }
}

fn broken(file: &RuleFile, error: &str) -> Unsupported {
    Unsupported {
        origin: file.origin.clone(),
        title: None,
        sigma_id: None,
        reason: format!("not a valid Sigma document: {error}"),
    }
}

/// A detection rule's predicate, after checking it is written for CloudTrail.
pub fn compile_rule(rule: &SigmaRule) -> Result<Pred, String> {
    let source = &rule.logsource;
    let product = source.product.as_deref().unwrap_or("");
    let service = source.service.as_deref().unwrap_or("cloudtrail");
    if !product.eq_ignore_ascii_case("aws") || !service.eq_ignore_ascii_case("cloudtrail") {
        return Err(format!(
            "logsource is product `{}`, service `{}`: only AWS CloudTrail (product: aws, service: cloudtrail) is in a case",
            source.product.as_deref().unwrap_or("-"),
            source.service.as_deref().unwrap_or("-")
        ));
    }
    compile::detection(&rule.detection)
}

/// The finding query of a detection rule: one row per matching event. A cheap prefilter on
/// typed columns (when the rule has one) keeps JSON from being read for other events.
pub fn detection_sql(pred: &Pred) -> String {
    let condition = match pred.column_prefilter() {
        Some(prefilter) if prefilter != *pred => format!(
            "event_row IN (SELECT event_row FROM events WHERE {})\n  AND {}",
            prefilter.to_sql(),
            pred.to_sql()
        ),
        _ => pred.to_sql(),
    };
    format!(
        "SELECT recipient_account_id AS account_id, event_id,
       strftime(event_time, '%Y-%m-%dT%H:%M:%SZ') AS event_time, event_source, event_name,
       aws_region, source_ip, user_type, user_arn, user_agent, error_code
FROM events
WHERE {condition}
ORDER BY event_time, account_id, event_id"
    )
}

/// An investigation id from the file name: `sigma.<file stem>`, numbered when a file holds
/// several documents or two files share a name.
fn finding_id(file: &RuleFile, used: &mut std::collections::BTreeSet<String>) -> String {
    let stem = Path::new(file.origin.trim_start_matches("built-in:"))
        .file_stem()
        .map_or("rule".into(), |s| s.to_string_lossy().to_string());
    let stem: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut id = format!("sigma.{stem}");
    let mut n = 2;
    while used.contains(&id) {
        id = format!("sigma.{stem}.{n}");
        n += 1;
    }
    used.insert(id.clone());
    id
}

/// The metadata every kind of rule has.
struct Meta {
    title: String,
    sigma_id: Option<String>,
    level: Option<Level>,
    tags: Vec<String>,
    author: Option<String>,
    description: Option<String>,
    references: Vec<String>,
    falsepositives: Vec<String>,
    status: Option<String>,
    date: Option<String>,
    modified: Option<String>,
    license: Option<String>,
    kind: String,
}

impl Meta {
    fn of_rule(rule: &SigmaRule) -> Meta {
        Meta {
            title: rule.title.clone(),
            sigma_id: rule.id.clone(),
            level: rule.level,
            tags: rule.tags.clone(),
            author: rule.author.clone(),
            description: rule.description.clone(),
            references: rule.references.clone(),
            falsepositives: rule.falsepositives.clone(),
            status: rule.status.map(|s| format!("{s:?}").to_lowercase()),
            date: rule.date.clone(),
            modified: rule.modified.clone(),
            license: rule.license.clone(),
            kind: "detection".into(),
        }
    }

    fn of_correlation(rule: &CorrelationRule) -> Meta {
        Meta {
            title: rule.title.clone(),
            sigma_id: rule.id.clone(),
            level: rule.level,
            tags: rule.tags.clone(),
            author: rule.author.clone(),
            description: rule.description.clone(),
            references: rule.references.clone(),
            falsepositives: rule.falsepositives.clone(),
            status: rule.status.map(|s| format!("{s:?}").to_lowercase()),
            date: rule.date.clone(),
            modified: rule.modified.clone(),
            license: rule.license.clone(),
            kind: format!("correlation: {}", rule.correlation_type.as_str()),
        }
    }
}

/// Sigma's `level` as a finding severity (a rule without one is `medium`).
pub fn severity(level: Option<Level>) -> Severity {
    match level {
        Some(Level::Informational) => Severity::Info,
        Some(Level::Low) => Severity::Low,
        None | Some(Level::Medium) => Severity::Medium,
        Some(Level::High) => Severity::High,
        Some(Level::Critical) => Severity::Critical,
    }
}

/// ATT&CK technique ids from Sigma tags: `attack.t1078.004` -> `T1078.004`.
pub fn mitre(tags: &[String]) -> Vec<String> {
    tags.iter()
        .filter_map(|tag| tag.strip_prefix("attack.t"))
        .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        .map(|rest| format!("T{}", rest.to_uppercase()))
        .collect()
}

fn investigation(id: String, file: &RuleFile, meta: Meta, sql: String) -> Investigation {
    let rule_file = file.origin.trim_start_matches("built-in:");
    let link = if file.bundled {
        let name = Path::new(rule_file)
            .file_name()
            .map_or(String::new(), |n| n.to_string_lossy().to_string());
        format!("{BUNDLED_LINK}/{BUNDLED_COMMIT}/{BUNDLED_PATH}/{name}")
    } else {
        file.origin.clone()
    };
    let license = meta.license.clone().unwrap_or_else(|| {
        if file.bundled {
            "DRL-1.1".into()
        } else {
            "as set by the rule's author".into()
        }
    });
    let mut references = meta.references.clone();
    references.push(link.clone());
    let mut next = format!(
        "Sigma rule `{}` ({}) by {}; rule {}.",
        meta.sigma_id.as_deref().unwrap_or("no id"),
        meta.kind,
        meta.author.as_deref().unwrap_or("an unnamed author"),
        link
    );
    if !meta.falsepositives.is_empty() {
        next.push_str(&format!(
            " Known false positives: {}.",
            meta.falsepositives.join("; ")
        ));
    }
    let header = Header {
        id,
        title: meta.title,
        severity: severity(meta.level),
        category: "sigma".into(),
        source: DataSource::CloudTrail,
        mitre: mitre(&meta.tags),
        cis: None,
        description: meta.description.unwrap_or_default().trim().to_string(),
        next,
        references,
        params: Vec::new(),
        requires_geo: false,
        requires_findings: false,
    };
    Investigation {
        sha256: format!("{:x}", Sha256::digest(sql.as_bytes())),
        header,
        sql,
        origin: file.origin.clone(),
        sigma: Some(SigmaMeta {
            sigma_id: meta.sigma_id,
            author: meta.author,
            rule: link,
            rule_sha256: format!("{:x}", Sha256::digest(file.text.as_bytes())),
            license,
            status: meta.status,
            date: meta.date,
            modified: meta.modified,
            kind: meta.kind,
        }),
    }
}

/// The bundled rules and those of `paths`, compiled.
pub fn load(paths: &[std::path::PathBuf]) -> Result<(Vec<RuleFile>, RuleSet)> {
    let mut files = bundled_files()?;
    files.extend(user_files(paths)?);
    let set = compile_all(&files);
    Ok((files, set))
}

#[cfg(test)]
mod tests;
