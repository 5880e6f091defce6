//! rootlens: offline forensics and reporting for AWS accounts.
//!
//! discover -> decode -> load (ingest) -> investigate -> enrich -> render.

pub mod assets;
pub mod cli;
pub mod commands;
pub mod decode;
pub mod enrich;
pub mod ingest;
pub mod runner;
pub mod output;
pub mod library;
pub mod render;
pub mod store;
pub mod terminal;
pub mod time;

/// The version recorded in every case and report.
pub fn tool_version() -> String {
    format!("rootlens {}", env!("CARGO_PKG_VERSION"))
}

/// What the process tells a calling script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success = 0,
    /// Findings at or above the requested severity.
    Findings = 1,
    /// Bad usage, or an error that stopped the command.
    Error = 2,
    /// The command finished but some inputs failed (see `load_errors`).
    InputsFailed = 3,
}
