//! The investigation library: `.sql` files with a metadata header, built in (embedded from
//! `queries/`) and optionally extended or overridden by a user's folder.

pub mod export;
pub mod header;
pub mod portability;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use walkdir::WalkDir;

pub use header::{DataSource, Header, Param, ParamType, Severity};

/// Investigations by id.
pub type Library = BTreeMap<String, Investigation>;

/// One investigation, ready to run.
#[derive(Debug, Clone)]
pub struct Investigation {
    pub header: Header,
    pub sql: String,
    /// SHA-256 of the whole file as read (header and SQL), for the evidence appendix.
    pub sha256: String,
    /// Where it came from: `built-in:root/….sql` or a path.
    pub origin: String,
    /// Set for a compiled Sigma rule: its provenance, carried into every finding (DRL 1.1
    /// requires the author and a link to the rule with every match).
    pub sigma: Option<SigmaMeta>,
}

/// Where a Sigma rule came from and who wrote it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SigmaMeta {
    /// The rule's own `id` (a UUID).
    pub sigma_id: Option<String>,
    pub author: Option<String>,
    /// A link to the rule in its rule set (bundled) or the file it was read from.
    pub rule: String,
    /// SHA-256 of the rule file as read.
    pub rule_sha256: String,
    pub license: String,
    pub status: Option<String>,
    pub date: Option<String>,
    pub modified: Option<String>,
    /// `detection` or `correlation: <type>`.
    pub kind: String,
}

impl Investigation {
    pub fn parse(text: &str, origin: String) -> Result<Investigation, String> {
        let (header, sql) = header::parse(text)?;
        Ok(Investigation {
            header,
            sql,
            sha256: format!("{:x}", Sha256::digest(text.as_bytes())),
            origin,
            sigma: None,
        })
    }
}

/// Every built-in investigation, by id.
pub fn built_in() -> Result<Library> {
    let mut found = BTreeMap::new();
    let mut files: Vec<&include_dir::File> = Vec::new();
    collect(&crate::assets::QUERIES, &mut files);
    for file in files {
        let origin = format!("built-in:{}", file.path().display());
        let text = file
            .contents_utf8()
            .with_context(|| format!("{origin} is not UTF-8"))?;
        let investigation = Investigation::parse(text, origin.clone())
            .map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
        if let Some(other) = found.insert(investigation.header.id.clone(), investigation) {
            bail!(
                "{origin}: id `{}` is also used by {}",
                other.header.id,
                other.origin
            );
        }
    }
    Ok(found)
}

pub(crate) fn collect<'a>(dir: &'a include_dir::Dir<'a>, out: &mut Vec<&'a include_dir::File<'a>>) {
    for file in dir.files() {
        if file.path().extension().is_some_and(|e| e == "sql") {
            out.push(file);
        }
    }
    for sub in dir.dirs() {
        collect(sub, out);
    }
}

/// Investigations from a user's folder (recursively, `*.sql`). Errors name the file.
pub fn from_dir(dir: &Path) -> Result<Vec<Investigation>> {
    if !dir.is_dir() {
        bail!("the queries folder {} does not exist", dir.display());
    }
    let mut found = Vec::new();
    for entry in WalkDir::new(dir).sort_by_file_name() {
        let entry = entry?;
        if !entry.file_type().is_file() || entry.path().extension().is_none_or(|e| e != "sql") {
            continue;
        }
        let origin = entry.path().display().to_string();
        let text = std::fs::read_to_string(entry.path())
            .with_context(|| format!("cannot read {origin}"))?;
        found.push(
            Investigation::parse(&text, origin.clone())
                .map_err(|e| anyhow::anyhow!("{origin}: {e}"))?,
        );
    }
    Ok(found)
}

/// The library for a run: built-ins, with a user's folder layered on top (same id replaces
/// the built-in; each replacement is returned as a notice for the user).
pub fn load(user_dir: Option<&Path>) -> Result<(Library, Vec<String>)> {
    let mut all = built_in()?;
    let mut notices = Vec::new();
    if let Some(dir) = user_dir {
        for investigation in from_dir(dir)? {
            if let Some(replaced) = all.get(&investigation.header.id) {
                if replaced.origin.starts_with("built-in:") {
                    notices.push(format!(
                        "{} replaces the built-in investigation `{}`",
                        investigation.origin, investigation.header.id
                    ));
                } else {
                    bail!(
                        "id `{}` is used by both {} and {}",
                        investigation.header.id,
                        replaced.origin,
                        investigation.origin
                    );
                }
            }
            all.insert(investigation.header.id.clone(), investigation);
        }
    }
    Ok((all, notices))
}
