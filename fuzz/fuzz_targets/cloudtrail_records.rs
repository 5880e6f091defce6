//! CloudTrail record decoding in every shape the splitter recognises (`Records`, bare arrays,
//! NDJSON and concatenated records, Event-history exports with the record as a string): each
//! record is decoded into typed fields, its sign-in fields and credential facts are read, and an
//! OCSF record is tried too. Nothing may panic.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use rootlens::decode::cloudtrail::{split_document, visit_record};
use rootlens::decode::credential_facts::facts_of;
use rootlens::decode::json_stream::JsonStream;
use rootlens::decode::ocsf;

fuzz_target!(|data: &[u8]| {
    let mut stream = JsonStream::new(Cursor::new(data));
    let _ = split_document(&mut stream, |bytes, place| {
        let _ = place.describe();
        let Ok(bytes) = bytes else {
            return;
        };
        let _ = visit_record(bytes, |record, raw| {
            let _ = (record.console_login_result(), record.mfa_used());
            facts_of(record, raw)
        });
        if let Ok(text) = std::str::from_utf8(bytes) {
            let _ = ocsf::class_of(text);
            let _ = ocsf::visit_ocsf(text, facts_of);
        }
    });
});
