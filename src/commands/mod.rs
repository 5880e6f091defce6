//! One thin module per subcommand: options in, library call, exit status out.

pub mod ingest;
pub mod investigate;
pub mod queries;
pub mod query;
pub mod report;
pub mod run;
pub mod schema;

use std::collections::BTreeMap;
use std::path::Path;

use crate::queries::Investigation;

/// The investigation library for a command, telling the user which built-ins their folder replaces.
fn library(user_dir: Option<&Path>) -> anyhow::Result<BTreeMap<String, Investigation>> {
    let (library, notices) = crate::queries::library(user_dir)?;
    for notice in notices {
        eprintln!("notice: {}", crate::terminal::sanitize(&notice));
    }
    Ok(library)
}
