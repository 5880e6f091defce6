//! MaxMind DB files: any bytes as a City and as an ASN database either fail to open with a
//! message or answer lookups (through the bounded record walk) without panicking or overflowing
//! the stack.
#![no_main]

use std::net::IpAddr;

use libfuzzer_sys::fuzz_target;
use rootlens::enrich::geo::GeoDatabases;

const ADDRESSES: [&str; 6] = [
    "1.2.3.4",
    "45.133.172.19",
    "203.0.113.7",
    "255.255.255.255",
    "::1",
    "2001:db8::1",
];

fuzz_target!(|data: &[u8]| {
    for (city, asn) in [(Some(data.to_vec()), None), (None, Some(data.to_vec()))] {
        if let Ok(databases) = GeoDatabases::from_bytes(city, asn) {
            for address in ADDRESSES {
                let ip: IpAddr = address.parse().expect("a literal address");
                let _ = databases.lookup(ip);
            }
        }
    }
});
