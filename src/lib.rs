//! rootlens: offline forensics and reporting for AWS accounts.
//!
//! discover -> decode -> load (ingest) -> enrich -> investigate (runner) -> render.

// Input and the file system are hostile: nothing derived from them may panic. Errors are
// returned and reported per file instead (clippy.toml lets tests unwrap).
#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod assets;
#[cfg(feature = "case")]
pub mod cli;
#[cfg(feature = "case")]
pub mod commands;
#[cfg(feature = "case")]
pub mod config;
pub mod decode;
pub mod enrich;
#[cfg(feature = "case")]
pub mod exit;
#[cfg(feature = "case")]
pub mod findings;
#[cfg(feature = "case")]
pub mod ingest;
#[cfg(feature = "case")]
pub mod lake;
pub mod library;
#[cfg(feature = "case")]
pub mod output;
#[cfg(feature = "case")]
pub mod pipeline;
#[cfg(feature = "case")]
pub mod render;
#[cfg(feature = "case")]
pub mod runner;
pub mod sigma;
#[cfg(feature = "case")]
pub mod store;
#[cfg(feature = "case")]
pub mod summary;
pub mod terminal;
pub mod time;
#[cfg(feature = "case")]
pub mod timeline;
#[cfg(feature = "case")]
pub mod verify;

#[cfg(feature = "case")]
pub use exit::ExitStatus;

/// The version recorded in every case and report.
pub fn tool_version() -> String {
    format!("rootlens {}", env!("CARGO_PKG_VERSION"))
}
