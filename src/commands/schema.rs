use anyhow::Result;

use crate::{store, ExitStatus};

/// The documented DDL is the schema's reference: tables first, then views.
pub fn run() -> Result<ExitStatus> {
    println!("{}", crate::assets::SCHEMA_SQL.trim_end());
    println!();
    println!("{}", store::views_sql().trim_end());
    Ok(ExitStatus::Success)
}
