//! The investigation header parser and the Sigma rule parser and compiler: any text gives a
//! header (or rule set) or an error naming the problem, never a panic. Compiled Sigma rules
//! render to SQL.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rootlens::library::header;
use rootlens::sigma::{self, RuleFile};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = header::parse(text);
    let set = sigma::compile_all(&[RuleFile::user("fuzz.yml", text)]);
    for investigation in set.compiled.values() {
        assert!(!investigation.sql.is_empty(), "a compiled rule has SQL");
    }
});
