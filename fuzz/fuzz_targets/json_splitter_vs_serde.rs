//! Differential: the streaming splitter against serde_json. For a document that serde_json
//! reads as an array, or as an object whose one `Records` member is an array, the splitter must
//! accept it with the same kind and hand out exactly serde_json's elements, in order, each as
//! JSON text of its own. And a document the splitter accepts as such, every record of which
//! serde_json reads, must be valid JSON as a whole. (The splitter checks the document's
//! structure only: a record that is not valid JSON inside is handed out and rejected, with its
//! place, when it is parsed, as ingest does.)
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use rootlens::decode::cloudtrail::{split_document, DocumentKind};
use rootlens::decode::json_stream::JsonStream;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let mut stream = JsonStream::new(Cursor::new(data));
    let mut records: Vec<Vec<u8>> = Vec::new();
    let split = split_document(&mut stream, |bytes, _| {
        records.push(
            bytes
                .expect("small inputs have no oversized record")
                .to_vec(),
        )
    });
    let oracle: Result<Value, _> = serde_json::from_slice(data);

    let records_valid = records
        .iter()
        .all(|bytes| serde_json::from_slice::<Value>(bytes).is_ok());
    if let (Ok(kind @ (DocumentKind::Array | DocumentKind::Records)), true) =
        (&split, records_valid)
    {
        let Ok(document) = &oracle else {
            panic!(
                "the splitter accepted as {kind:?} a document serde_json rejects: {:?}",
                oracle.err()
            );
        };
        let elements = match (kind, document) {
            (DocumentKind::Array, Value::Array(items)) => Some(items),
            (DocumentKind::Records, Value::Object(map)) if names_once(data, "Records") => {
                map.get("Records").and_then(Value::as_array)
            }
            _ => None,
        };
        if let Some(elements) = elements {
            check_same(&records, elements);
        }
    }
    match &oracle {
        Ok(Value::Array(items)) => {
            assert_eq!(
                split.as_ref().ok(),
                Some(&DocumentKind::Array),
                "a valid array"
            );
            check_same(&records, items);
        }
        Ok(Value::Object(map)) if names_once(data, "Records") && !names_once(data, "Events") => {
            if let Some(items) = map.get("Records").and_then(Value::as_array) {
                assert_eq!(
                    split.as_ref().ok(),
                    Some(&DocumentKind::Records),
                    "a valid Records document"
                );
                check_same(&records, items);
            }
        }
        _ => {}
    }
});

/// Whether `"name"` occurs exactly once in the text (so serde_json's map, which keeps the last
/// of repeated keys, and the splitter, which reads each, see the same member).
fn names_once(data: &[u8], name: &str) -> bool {
    let needle = format!("\"{name}\"");
    data.windows(needle.len())
        .filter(|w| *w == needle.as_bytes())
        .count()
        == 1
}

fn check_same(records: &[Vec<u8>], elements: &[Value]) {
    assert_eq!(records.len(), elements.len(), "record count");
    for (bytes, element) in records.iter().zip(elements) {
        let parsed: Value =
            serde_json::from_slice(bytes).expect("each record is JSON text of its own");
        assert_eq!(&parsed, element);
    }
}
