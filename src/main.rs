// Nothing derived from input may panic here either (see lib.rs).
#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::process::ExitCode;

use clap::Parser;
use rootlens::cli::{Cli, Command};
use rootlens::{commands, terminal, ExitStatus};

/// jemalloc serves every allocation, DuckDB's too (see Cargo.toml).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Investigate(args) => commands::investigate::run(args),
        Command::Ingest(args) => commands::ingest::run(args),
        Command::Query(args) => commands::query::run(args),
        Command::Run(args) => commands::run::run(args),
        Command::Report(args) => commands::report::run(args),
        Command::Queries { action } => commands::library::run(action),
        Command::Enrich(args) => commands::enrich::run(args),
        Command::Schema => commands::schema::run(),
        Command::CollectCommands(args) => commands::collect_commands::run(args),
        Command::Verify(args) => commands::verify::run(args),
        Command::Summary(args) => commands::summary::run(args),
        Command::Export { what } => commands::export::run(what),
        Command::Sigma { action } => commands::sigma::run(action),
    };
    let status = match result {
        Ok(outcome) => ExitStatus::of(&outcome),
        Err(error) => {
            let error = rootlens::store::guard::explain_damage(error);
            eprintln!("rootlens: {}", terminal::sanitize(&format!("{error:#}")));
            ExitStatus::Error
        }
    };
    ExitCode::from(status as u8)
}
