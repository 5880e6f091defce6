//! Content sniffing and gzip with the decompression cap: any bytes, plain or gzip (every member),
//! read to the end never yield more than the cap and never panic; classification of what is read
//! never panics either.
#![no_main]

use std::io::{Cursor, Read};

use libfuzzer_sys::fuzz_target;
use rootlens::decode::sniff::{self, ContentHash, GZIP_MAGIC};

const CAP: u64 = 1 << 20;

fuzz_target!(|data: &[u8]| {
    let gzip = data.starts_with(&GZIP_MAGIC);
    let hash = ContentHash::default();
    let (_, mut input) =
        sniff::open_reader(Cursor::new(data.to_vec()), gzip, CAP, Some(hash.clone()));
    let _ = sniff::classify(&mut input);
    let mut rest = Vec::new();
    let read = input.read_to_end(&mut rest);
    if gzip {
        assert!(
            rest.len() as u64 <= CAP,
            "the cap let {} bytes through",
            rest.len()
        );
    } else {
        assert!(read.is_ok(), "plain bytes in memory cannot fail to read");
    }
    let (_, mut again) = sniff::open_reader(Cursor::new(data.to_vec()), gzip, CAP, None);
    let _ = hash.finish(&mut again);
});
