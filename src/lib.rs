//! rootlens: offline forensics and reporting for AWS accounts.
//!
//! discover -> decode -> load (ingest) -> enrich -> investigate (runner) -> render.

// Input and the file system are hostile: nothing derived from them may panic. Errors are
// returned and reported per file instead (clippy.toml lets tests unwrap).
#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod assets;
pub mod cli;
pub mod commands;
pub mod config;
pub mod decode;
pub mod enrich;
pub mod exit;
pub mod findings;
pub mod ingest;
pub mod lake;
pub mod library;
pub mod output;
pub mod pipeline;
pub mod render;
pub mod runner;
pub mod sigma;
pub mod store;
pub mod summary;
pub mod terminal;
pub mod time;
pub mod timeline;
pub mod verify;

pub use exit::ExitStatus;

/// The version recorded in every case and report.
pub fn tool_version() -> String {
    format!("rootlens {}", env!("CARGO_PKG_VERSION"))
}
