//! `rootlens sigma lint|show`: what a set of Sigma rules compiles to, and what it cannot.

use std::path::PathBuf;

use anyhow::{bail, Result};

use crate::cli::SigmaAction;
use crate::exit::Outcome;
use crate::sigma::{self, RuleSet};
use crate::store;
use crate::terminal::sanitize;

pub fn run(action: SigmaAction) -> Result<Outcome> {
    match action {
        SigmaAction::Lint { paths } => lint(&paths),
        SigmaAction::Show { rule, sigma } => show(&rule, &sigma),
    }
}

/// One line per rule: `ok` with its investigation id, or `unsupported` with the reason. Every
/// compiled query is also prepared against an empty case, so DuckDB accepts what it runs.
fn lint(paths: &[PathBuf]) -> Result<Outcome> {
    let files = if paths.is_empty() {
        sigma::bundled_files()?
    } else {
        sigma::user_files(paths)?
    };
    if files.is_empty() {
        bail!("no Sigma rule files (*.yml, *.yaml) in the paths given");
    }
    let RuleSet {
        compiled,
        unsupported,
        ..
    } = sigma::compile_all(&files);
    let conn = store::open_in_memory()?;
    let mut failed = 0;
    for (id, inv) in &compiled {
        match conn.prepare(&format!("DESCRIBE ({})", inv.sql)) {
            Ok(_) => println!(
                "ok           {id}  {}  ({})",
                sanitize(&inv.header.title),
                sanitize(&inv.origin)
            ),
            Err(e) => {
                failed += 1;
                println!(
                    "sql-error    {id}  {}: {}",
                    sanitize(&inv.origin),
                    sanitize(&e.to_string())
                );
            }
        }
    }
    for rule in &unsupported {
        println!(
            "unsupported  {} ({}): {}",
            sanitize(&rule.origin),
            sanitize(rule.title.as_deref().unwrap_or("-")),
            sanitize(&rule.reason)
        );
    }
    println!(
        "{} files, {} rules compiled, {} not supported, {} SQL errors",
        files.len(),
        compiled.len() - failed,
        unsupported.len(),
        failed
    );
    Ok(Outcome {
        investigations_failed: failed > 0 || !unsupported.is_empty(),
        ..Outcome::default()
    })
}

/// The rule's YAML as written, its provenance and the SQL it compiles to.
fn show(wanted: &str, extra: &[PathBuf]) -> Result<Outcome> {
    let as_file = PathBuf::from(wanted);
    let mut extra = extra.to_vec();
    if as_file.is_file() {
        extra.push(as_file.clone());
    }
    let (files, set) = sigma::load(&extra)?;
    let from_file = |origin: &str| as_file.is_file() && as_file == std::path::Path::new(origin);
    let found = set.compiled.values().find(|inv| {
        inv.header.id == wanted
            || inv.sigma.as_ref().and_then(|s| s.sigma_id.as_deref()) == Some(wanted)
            || from_file(&inv.origin)
    });
    if let Some((inv, meta)) = found.and_then(|inv| Some((inv, inv.sigma.as_ref()?))) {
        let text = files
            .iter()
            .find(|f| f.origin == inv.origin)
            .map_or("", |f| f.text.as_str());
        let out = format!(
            "id:          {}\ntitle:       {}\nsigma id:    {}\nkind:        {}\nseverity:    {}\nmitre:       {}\nauthor:      {}\nlicence:     {}\nrule:        {}\norigin:      {}\nrule sha256: {}\nsql sha256:  {}\n\n{}\n-- SQL --\n{}\n",
            inv.header.id,
            inv.header.title,
            meta.sigma_id.as_deref().unwrap_or("-"),
            meta.kind,
            inv.header.severity,
            inv.header.mitre.join(", "),
            meta.author.as_deref().unwrap_or("-"),
            meta.license,
            meta.rule,
            inv.origin,
            meta.rule_sha256,
            inv.sha256,
            text.trim_end(),
            inv.sql
        );
        print!(
            "{}",
            out.split('\n').map(sanitize).collect::<Vec<_>>().join("\n")
        );
        return Ok(Outcome::default());
    }
    if let Some(rule) = set
        .unsupported
        .iter()
        .find(|u| u.sigma_id.as_deref() == Some(wanted) || from_file(&u.origin))
    {
        bail!(
            "{} ({}) is not supported: {}",
            rule.origin,
            rule.title.as_deref().unwrap_or("-"),
            rule.reason
        );
    }
    bail!("no Sigma rule `{wanted}` (a Sigma id, an id from `rootlens sigma lint`, or a rule file)")
}
