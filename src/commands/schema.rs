use anyhow::Result;

use crate::exit::Outcome;
use crate::store;

/// The documented DDL is the schema's reference: tables first, then views.
pub fn run() -> Result<Outcome> {
    println!("{}", crate::assets::SCHEMA_SQL.trim_end());
    println!();
    println!("{}", store::views_sql().trim_end());
    Ok(Outcome::default())
}
