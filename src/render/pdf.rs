//! Printing the report to PDF with a locally installed Chromium or Chrome (headless). Nothing is
//! downloaded: without a browser on the machine this fails with a message that says so.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

/// Browser executables tried in order (after `$ROOTLENS_CHROME`).
const CANDIDATES: [&str; 5] = [
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
];

/// The browser `--pdf` uses: the one `$ROOTLENS_CHROME` names (when set and not empty), else the
/// first of Chromium or Chrome found on PATH. Public so the browser tests find the same one.
pub fn find_browser() -> Option<PathBuf> {
    if let Some(explicit) = std::env::var_os("ROOTLENS_CHROME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(explicit));
    }
    let path = std::env::var_os("PATH")?;
    CANDIDATES.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

/// Prints `html` (a file) to `pdf`. The report's print stylesheet sets the page size, margins,
/// header and footer; the browser's own header and footer are turned off.
pub fn print(html: &Path, pdf: &Path) -> Result<()> {
    let Some(browser) = find_browser() else {
        bail!(
            "--pdf needs Chromium or Chrome installed locally (none of {} is on PATH; \
             set ROOTLENS_CHROME to its path); the HTML report was written",
            CANDIDATES.join(", ")
        );
    };
    let html = html
        .canonicalize()
        .with_context(|| format!("cannot find {}", html.display()))?;
    let profile = tempfile::tempdir().context("cannot create a browser profile folder")?;
    let output = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .with_context(|| format!("cannot run {}", browser.display()))?;
    if !output.status.success() || !pdf.is_file() {
        bail!(
            "{} could not print the report to PDF: {}",
            browser.display(),
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
    }
    Ok(())
}
