//! rootlens: offline forensics and reporting for AWS accounts.
//!
//! discover -> decode -> load (ingest) -> enrich -> investigate (runner) -> render.

// Input and the file system are hostile: nothing derived from them may panic. Errors are
// returned and reported per file instead (clippy.toml lets tests unwrap).
#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod assets;
pub mod decode;
pub mod enrich;
pub mod library;
pub mod sigma;
pub mod terminal;
pub mod time;

/// Modules of the case (DuckDB) and everything built on it: the binary's. Without the `case`
/// feature the library is the decoders above, for the fuzz targets.
macro_rules! case_modules {
    ($($module:ident),* $(,)?) => {
        $( #[cfg(feature = "case")] pub mod $module; )*
    };
}
case_modules!(
    cli, commands, config, exit, findings, ingest, lake, output, pipeline, render, runner, store,
    summary, timeline, verify,
);

#[cfg(feature = "case")]
pub use exit::ExitStatus;

/// The version recorded in every case and report.
pub fn tool_version() -> String {
    format!("rootlens {}", env!("CARGO_PKG_VERSION"))
}
