//! `rootlens queries export DIR`: the investigation library and the case's SQL as files, so
//! engines other than the embedded DuckDB run the very same SQL (spark/ reads this folder).
//!
//! ```text
//! DIR/queries/<category>/<id>.sql    every built-in investigation, byte for byte
//! DIR/case/schema.sql                the case's tables
//! DIR/case/events_view.sql           the SELECT behind `events`
//! DIR/case/views.sql, lineage.sql    the views investigations read
//! DIR/rootlens-library.json          the version that wrote it
//! ```
//!
//! Files are written whole (a second export over the first replaces them); nothing else in
//! DIR is touched.

use std::path::Path;

use anyhow::{Context, Result};

use crate::assets;

pub struct Written {
    pub investigations: usize,
}

pub fn write(dir: &Path) -> Result<Written> {
    let mut files: Vec<&include_dir::File> = Vec::new();
    super::collect(&assets::QUERIES, &mut files);
    for file in &files {
        put(&dir.join("queries").join(file.path()), file.contents())?;
    }
    let case = dir.join("case");
    for (name, text) in [
        ("schema.sql", assets::SCHEMA_SQL),
        ("events_view.sql", assets::EVENTS_VIEW_SELECT),
        ("views.sql", assets::VIEWS_SQL),
        ("lineage.sql", assets::LINEAGE_SQL),
    ] {
        put(&case.join(name), text.as_bytes())?;
    }
    let manifest = serde_json::json!({
        "schema": "rootlens.library/1",
        "tool_version": crate::tool_version(),
        "investigations": files.len(),
    });
    put(
        &dir.join("rootlens-library.json"),
        (serde_json::to_string_pretty(&manifest)? + "\n").as_bytes(),
    )?;
    Ok(Written {
        investigations: files.len(),
    })
}

fn put(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}
