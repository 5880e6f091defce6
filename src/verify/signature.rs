//! Digest signatures: SHA256withRSA (RSA PKCS#1 v1.5 over SHA-256) with CloudTrail's public
//! keys, over the string aws-cli's `Sha256RSADigestValidator` builds:
//!
//! ```text
//! <digestEndTime as written>\n<digestS3Bucket>/<digestS3Object>\n<hex SHA-256 of the
//! decompressed digest>\n<previousDigestSignature, or the literal null>
//! ```

use std::collections::HashMap;

use anyhow::{Context, Result};
use duckdb::Connection;
use ring::signature::{RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};
use rsa::traits::PublicKeyParts;

use crate::decode::pubkeys::PublicKey;

/// How long after a digest's end CloudTrail may sign it: a key is accepted when its validity
/// overlaps [digestEndTime, digestEndTime + 2 h] (aws-cli asks for keys up to two hours past
/// the range it validates).
pub const SIGNING_WINDOW_MICROS: i64 = 2 * 3600 * 1_000_000;

pub fn string_to_sign(
    end_time_text: &str,
    bucket: &str,
    object: &str,
    digest_sha256: &str,
    previous_signature: Option<&str>,
) -> String {
    format!(
        "{end_time_text}\n{bucket}/{object}\n{digest_sha256}\n{}",
        previous_signature.unwrap_or("null")
    )
}

/// Whether `signature_hex` is a valid RSA PKCS#1 v1.5 SHA-256 signature of `message`; Err
/// when it is not hex.
pub fn verifies(key: &RingKey, message: &[u8], signature_hex: &str) -> Result<bool, String> {
    let signature =
        hex::decode(signature_hex.trim()).map_err(|e| format!("the signature is not hex ({e})"))?;
    let components = RsaPublicKeyComponents {
        n: &key.modulus,
        e: &key.exponent,
    };
    Ok(components
        .verify(&RSA_PKCS1_2048_8192_SHA256, message, &signature)
        .is_ok())
}

/// A usable key and where it came from.
pub struct RingKey {
    pub key: PublicKey,
    /// Big-endian modulus and exponent.
    pub modulus: Vec<u8>,
    pub exponent: Vec<u8>,
    pub origin: String,
}

/// Every public key verification may use, by fingerprint.
#[derive(Default)]
pub struct KeyRing {
    by_fingerprint: HashMap<String, Vec<RingKey>>,
}

impl KeyRing {
    /// The keys the case holds (found among the inputs or given to an earlier verify).
    pub fn from_case(conn: &Connection) -> Result<KeyRing> {
        let mut stmt = conn.prepare(
            "SELECT fingerprint, epoch_us(validity_start), epoch_us(validity_end), value,
                    coalesce(path, '')
             FROM public_keys ORDER BY fingerprint, path",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                PublicKey {
                    fingerprint: r.get(0)?,
                    validity_start: r.get(1)?,
                    validity_end: r.get(2)?,
                    value: r.get(3)?,
                },
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut ring = KeyRing::default();
        for row in rows {
            let (key, origin) = row.context("cannot read public_keys")?;
            ring.add(key, &origin);
        }
        Ok(ring)
    }

    /// Adds a key unless the same one is there; a key whose value does not parse is left out.
    pub fn add(&mut self, key: PublicKey, origin: &str) {
        let Ok(rsa) = key.rsa() else { return };
        let (modulus, exponent) = (rsa.n().to_bytes_be(), rsa.e().to_bytes_be());
        let same = self
            .by_fingerprint
            .entry(key.fingerprint.clone())
            .or_default();
        if same.iter().any(|k| k.key.value == key.value) {
            return;
        }
        same.push(RingKey {
            key,
            modulus,
            exponent,
            origin: origin.to_string(),
        });
    }

    pub fn len(&self) -> usize {
        self.by_fingerprint.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The keys with this fingerprint valid around `at` (any of them when `at` is None), or why
    /// there is none.
    pub fn select(
        &self,
        fingerprint: &str,
        at: Option<(i64, i64)>,
    ) -> Result<Vec<&RingKey>, String> {
        let Some(keys) = self.by_fingerprint.get(fingerprint) else {
            return Err(if self.is_empty() {
                "no public keys given (save `aws cloudtrail list-public-keys` output and pass it \
                 with --public-keys, or put it among the inputs)"
                    .to_string()
            } else {
                format!("no public key with fingerprint {fingerprint}")
            });
        };
        let valid: Vec<&RingKey> = keys
            .iter()
            .filter(|k| match at {
                None => true,
                Some((from, to)) => {
                    k.key.validity_start.is_none_or(|s| s <= to)
                        && k.key.validity_end.is_none_or(|e| e >= from)
                }
            })
            .collect();
        if valid.is_empty() {
            let k = &keys[0].key;
            return Err(format!(
                "the key with fingerprint {fingerprint} is valid {} to {}, not when this digest \
                 was signed",
                show(k.validity_start),
                show(k.validity_end)
            ));
        }
        Ok(valid)
    }
}

pub fn show(micros: Option<i64>) -> String {
    micros
        .and_then(crate::time::from_micros)
        .map_or("(open)".to_string(), |t| {
            t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_string_to_sign_has_four_lines_and_null_for_no_previous_signature() {
        let text = string_to_sign("2024-05-27T20:05:12Z", "b", "AWSLogs/x.json.gz", "ab", None);
        assert_eq!(text, "2024-05-27T20:05:12Z\nb/AWSLogs/x.json.gz\nab\nnull");
    }
}
