//! Turning the paths a user gave into the list of files to examine, in a stable order.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use walkdir::WalkDir;

pub struct DiscoveredFile {
    pub path: PathBuf,
    pub size: u64,
}

pub struct Discovered {
    pub files: Vec<DiscoveredFile>,
    /// Entries that could not be listed or read while walking (permissions, broken links).
    pub unreadable: Vec<(PathBuf, String)>,
}

/// Walks every input (files as they are, folders recursively, sorted by name so runs are
/// repeatable). A path that does not exist is a usage error: nothing is ingested.
pub fn discover(inputs: &[PathBuf], exclude: &[PathBuf]) -> Result<Discovered> {
    for input in inputs {
        if !input.exists() {
            bail!("input {} does not exist", input.display());
        }
    }
    let excluded: Vec<PathBuf> = exclude
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    let is_excluded = |path: &Path| {
        path.canonicalize()
            .map(|p| excluded.contains(&p))
            .unwrap_or(false)
    };
    let mut found = Discovered {
        files: Vec::new(),
        unreadable: Vec::new(),
    };
    for input in inputs {
        for entry in WalkDir::new(input).follow_links(true).sort_by_file_name() {
            match entry {
                Ok(entry) if entry.file_type().is_file() => {
                    if is_excluded(entry.path()) {
                        continue;
                    }
                    match entry.metadata() {
                        Ok(meta) => found.files.push(DiscoveredFile {
                            path: entry.into_path(),
                            size: meta.len(),
                        }),
                        Err(e) => found
                            .unreadable
                            .push((entry.into_path(), format!("cannot read: {e}"))),
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    let path = e
                        .path()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| input.clone());
                    found.unreadable.push((path, format!("cannot list: {e}")));
                }
            }
        }
    }
    Ok(found)
}
