use anyhow::{bail, Result};

use crate::cli::QueriesAction;
use crate::exit::Outcome;
use crate::library::{self, DataSource, Investigation};
use crate::runner::set_variable;
use crate::store;
use crate::terminal::sanitize;

pub fn run(action: QueriesAction) -> Result<Outcome> {
    match action {
        QueriesAction::List(args) => {
            let (all, _) = library::load(args.queries.as_deref())?;
            let mut list: Vec<_> = all.values().collect();
            list.sort_by(|a, b| {
                (
                    a.header.category.as_str(),
                    std::cmp::Reverse(a.header.severity),
                    a.header.id.as_str(),
                )
                    .cmp(&(
                        b.header.category.as_str(),
                        std::cmp::Reverse(b.header.severity),
                        b.header.id.as_str(),
                    ))
            });
            for inv in list {
                println!(
                    "{:<16} {:<8} {:<44} {}",
                    inv.header.category,
                    inv.header.severity.as_str(),
                    inv.header.id,
                    sanitize(&inv.header.title)
                );
            }
            Ok(Outcome::default())
        }
        QueriesAction::Show { id, library: args } => {
            let (all, _) = library::load(args.queries.as_deref())?;
            let Some(inv) = all.get(&id) else {
                bail!("no investigation `{id}` (see `rootlens queries list`)");
            };
            print!("{}", describe(inv));
            Ok(Outcome::default())
        }
        QueriesAction::Lint { dir } => lint(dir.as_deref()),
        QueriesAction::Export { dir } => {
            let written = library::export::write(&dir)?;
            println!(
                "{} investigations and the case's SQL written to {} (spark/rootlens_spark.py --library {})",
                written.investigations,
                dir.display(),
                dir.display()
            );
            Ok(Outcome::default())
        }
    }
}

fn describe(inv: &Investigation) -> String {
    let h = &inv.header;
    let mut out = format!(
        "id:          {}\ntitle:       {}\nseverity:    {}\ncategory:    {}\nsource:      {}\nmitre:       {}\ncis:         {}\norigin:      {}\nsha256:      {}\n\n{}\n\nNext: {}\n",
        h.id,
        h.title,
        h.severity,
        h.category,
        h.source.as_str(),
        h.mitre.join(", "),
        h.cis.as_deref().unwrap_or("-"),
        inv.origin,
        inv.sha256,
        h.description,
        h.next
    );
    for reference in &h.references {
        out.push_str(&format!("see: {reference}\n"));
    }
    for p in &h.params {
        out.push_str(&format!(
            "param {} = {} ({}): {}\n",
            p.name,
            p.default,
            p.kind.as_str(),
            p.description
        ));
    }
    out.push_str(&format!("\n{}\n", inv.sql));
    sanitize_lines(&out)
}

fn sanitize_lines(text: &str) -> String {
    text.split('\n')
        .map(sanitize)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Columns every row of an investigation must carry so an analyst can follow it up: the
/// account, and the event ids (CloudTrail) or report time and user (credential report).
fn required_columns(source: DataSource) -> &'static [&'static [&'static str]] {
    match source {
        DataSource::CloudTrail => &[&["account_id"], &["event_id", "event_ids"]],
        DataSource::Both => &[&["account_id"], &["event_id", "event_ids", "report_time"]],
        DataSource::CredentialReport => &[&["account_id"], &["report_time"], &["user"]],
        DataSource::Posture => &[&["account_id"], &["status"], &["command"], &["evidence"]],
    }
}

/// Checks every header and runs every query (with its default parameters) against an empty
/// in-memory case. Prints one line per problem; exit 2 if there is any.
/// Lint problems count as failed investigations: exit status 2.
fn lint(dir: Option<&std::path::Path>) -> Result<Outcome> {
    let investigations: Vec<Investigation> = match dir {
        Some(dir) => library::from_dir(dir)?,
        None => library::built_in()?.into_values().collect(),
    };
    let conn = store::open_in_memory()?;
    let mut problems = Vec::new();
    for inv in &investigations {
        let mut complain = |what: String| problems.push(format!("{}: {}", inv.origin, what));
        for problem in library::portability::check(&inv.sql) {
            complain(format!(
                "line {} of the query: {}",
                problem.line, problem.message
            ));
        }
        if !inv.sql.to_ascii_uppercase().contains("ORDER BY") {
            complain(
                "the query has no ORDER BY: findings must come in a deterministic order".into(),
            );
        }
        for param in &inv.header.params {
            if let Err(e) = conn.execute_batch(&set_variable(
                &param.name,
                &param.default,
                param.kind.as_sql(),
            )) {
                complain(format!(
                    "default of parameter {} is not a valid {}: {e}",
                    param.name,
                    param.kind.as_str()
                ));
            }
        }
        match conn
            .prepare(&format!("DESCRIBE ({})", inv.sql))
            .and_then(|mut stmt| {
                stmt.query_map([], |r| r.get::<_, String>(0))?
                    .collect::<Result<Vec<_>, _>>()
            }) {
            Ok(columns) => {
                for alternatives in required_columns(inv.header.source) {
                    if !alternatives
                        .iter()
                        .any(|c| columns.iter().any(|have| have == c))
                    {
                        complain(format!(
                            "rows lack a `{}` column",
                            alternatives.join("` or `")
                        ));
                    }
                }
                if let Err(e) = conn.execute_batch(&inv.sql) {
                    complain(format!("fails on an empty case: {e}"));
                }
            }
            Err(e) => complain(format!("SQL error: {e}")),
        }
    }
    for problem in &problems {
        println!("{}", sanitize(problem));
    }
    println!(
        "{} investigations checked, {} problems",
        investigations.len(),
        problems.len()
    );
    Ok(Outcome {
        investigations_failed: !problems.is_empty(),
        ..Outcome::default()
    })
}
