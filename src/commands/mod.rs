//! One thin module per subcommand: options in, library call, exit status out.

pub mod ingest;
pub mod query;
pub mod schema;
