//! The evidence decoders: CloudTrail digest files, saved `list-public-keys` output (the keys are
//! decoded as RSA too) and saved digest signatures.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rootlens::decode::{digest, pubkeys, signatures};

fuzz_target!(|data: &[u8]| {
    let _ = digest::parse(data);
    if let Ok(keys) = pubkeys::parse(data) {
        for key in &keys {
            let _ = key.rsa();
        }
    }
    let _ = signatures::parse(
        data,
        "111122223333_CloudTrail-Digest_us-east-1_t_20240501T000000Z.json.gz",
    );
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = signatures::checked_hex(text);
    }
});
