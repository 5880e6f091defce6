//! Amazon Security Lake files: CloudTrail as OCSF (API Activity 6003, Authentication 3002) in
//! Parquet. The worker reads the file through a private in-memory DuckDB (its bundled Parquet
//! reader; the case connection stays with the one writer), turns every row into its JSON text
//! and maps it with [`crate::decode::ocsf`]; the rows then go to the writer like any other
//! file's records (same batches, de-duplication, `sources` row and `load_errors`).

use std::path::Path;

use crossbeam_channel::Sender;
use duckdb::{Config, Connection};

use super::worker::{finish_records, FileMessage};
use crate::decode::ocsf::{class_of, visit_ocsf, API_ACTIVITY, AUTHENTICATION};
use crate::decode::DecodeError;
use crate::store::event_batch::EventBatchBuilder;
use crate::store::outcome::{FileOutcome, SourceKind};

/// Decodes one Parquet file of OCSF records.
pub fn decode_parquet(
    mut outcome: FileOutcome,
    path: &Path,
    source_id: i32,
    tx: &Sender<FileMessage>,
) -> FileOutcome {
    outcome.kind = SourceKind::SecurityLakeOcsf;
    let mut builder = EventBatchBuilder::default();
    let mut loaded = 0u64;
    let mut writer_gone = false;
    let mut first = true;
    let mut other_class = None;
    let read = each_row_as_json(path, |index, text| {
        if first {
            first = false;
            let class = class_of(text).unwrap_or(0);
            if class != API_ACTIVITY && class != AUTHENTICATION {
                other_class = Some(class);
                return false;
            }
        }
        outcome.records_seen += 1;
        match visit_ocsf(text, |record, raw| {
            builder.push(record, raw, source_id, index, false)
        }) {
            Ok(()) => loaded += 1,
            Err(cause) => outcome.push_error(
                DecodeError::new(format!("row {index} of the Parquet file"), cause)
                    .with_snippet(text.as_bytes()),
            ),
        }
        if builder.is_full() && tx.send(FileMessage::Events(builder.finish())).is_err() {
            writer_gone = true;
        }
        !writer_gone
    });
    if let Err(cause) = read {
        return outcome.fail(DecodeError::new("the Parquet file", cause));
    }
    if let Some(class) = other_class {
        outcome.kind = SourceKind::Parquet;
        return outcome.skip(format!(
            "Parquet of OCSF class_uid {class}, not CloudTrail API Activity ({API_ACTIVITY}) or Authentication ({AUTHENTICATION})"
        ));
    }
    if writer_gone {
        return outcome.fail(DecodeError::new("the file", "the case writer stopped"));
    }
    finish_records(outcome, builder, loaded, tx)
}

/// Calls `on_row(index, json)` for every row of the Parquet file at `path`, until it returns
/// false. Errors say what DuckDB could not read.
fn each_row_as_json(path: &Path, mut on_row: impl FnMut(u64, &str) -> bool) -> Result<(), String> {
    let config = Config::default()
        .enable_autoload_extension(false)
        .and_then(|c| c.with("autoinstall_known_extensions", "false"))
        .and_then(|c| c.threads(1))
        .map_err(|e| format!("cannot configure the Parquet reader: {e}"))?;
    let conn = Connection::open_in_memory_with_flags(config)
        .map_err(|e| format!("cannot start the Parquet reader: {e}"))?;
    let mut stmt = conn
        .prepare("SELECT to_json(t)::VARCHAR FROM read_parquet(?) AS t")
        .map_err(|e| format!("cannot prepare the Parquet reader: {e}"))?;
    let path_text = path.to_string_lossy().into_owned();
    let mut rows = stmt
        .query([&path_text])
        .map_err(|e| format!("not a readable Parquet file: {e}"))?;
    let mut index = 0u64;
    while let Some(row) = rows.next().map_err(|e| format!("row {index}: {e}"))? {
        let text: String = row.get(0).map_err(|e| format!("row {index}: {e}"))?;
        if !on_row(index, &text) {
            break;
        }
        index += 1;
    }
    Ok(())
}
