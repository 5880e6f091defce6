//! One thin module per subcommand: options in, library call, exit status out.

pub mod ingest;
pub mod investigate;
pub mod queries;
pub mod query;
pub mod report;
pub mod run;
pub mod schema;
