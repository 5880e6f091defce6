//! CloudTrail's public keys, as `aws cloudtrail list-public-keys` prints them:
//! `{"PublicKeyList": [{"Value", "ValidityStartTime", "ValidityEndTime", "Fingerprint"}]}`.
//! `Value` is the base64 of a DER PKCS#1 RSAPublicKey; the times are ISO-8601 strings (aws-cli
//! v2) or seconds since the epoch (aws-cli v1 prints the wire value).

use base64::Engine;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::RsaPublicKey;
use serde::Deserialize;

use super::DecodeError;

/// One key, checked: its value is a PKCS#1 RSA public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    pub fingerprint: String,
    /// Base64 DER, as given.
    pub value: String,
    /// UTC microseconds; None when the list gives no time.
    pub validity_start: Option<i64>,
    pub validity_end: Option<i64>,
}

impl PublicKey {
    /// The RSA key; `parse` checked that this works.
    pub fn rsa(&self) -> Result<RsaPublicKey, String> {
        let der = base64::engine::general_purpose::STANDARD
            .decode(self.value.trim())
            .map_err(|e| format!("Value is not base64: {e}"))?;
        RsaPublicKey::from_pkcs1_der(&der)
            .map_err(|e| format!("Value is not a DER PKCS#1 RSA public key: {e}"))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Wire {
    public_key_list: Vec<serde_json::Value>,
}

/// Decodes a `list-public-keys` document; any malformed entry is an error naming it.
pub fn parse(bytes: &[u8]) -> Result<Vec<PublicKey>, DecodeError> {
    let wire: Wire = serde_json::from_slice(bytes).map_err(|e| {
        DecodeError::new(
            format!("line {}, column {}", e.line(), e.column()),
            format!("not `aws cloudtrail list-public-keys` output: {e}"),
        )
        .with_snippet(bytes)
    })?;
    wire.public_key_list
        .iter()
        .enumerate()
        .map(|(index, entry)| entry_of(index, entry))
        .collect()
}

fn entry_of(index: usize, entry: &serde_json::Value) -> Result<PublicKey, DecodeError> {
    let place = || {
        let fingerprint = entry.get("Fingerprint").and_then(|f| f.as_str());
        match fingerprint {
            Some(f) => format!("PublicKeyList[{index}] (Fingerprint {f})"),
            None => format!("PublicKeyList[{index}]"),
        }
    };
    let text = |name: &str| -> Result<String, DecodeError> {
        entry
            .get(name)
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .ok_or_else(|| DecodeError::new(place(), format!("{name} is missing or not text")))
    };
    let time = |name: &str| -> Result<Option<i64>, DecodeError> {
        match entry.get(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::Number(n)) => n
                .as_f64()
                .map(|seconds| Some((seconds * 1e6) as i64))
                .ok_or_else(|| DecodeError::new(place(), format!("{name} is not a time"))),
            Some(serde_json::Value::String(s)) => crate::time::parse_utc_micros(s)
                .map(Some)
                .ok_or_else(|| DecodeError::new(place(), format!("{name} `{s}` is not a time"))),
            Some(_) => Err(DecodeError::new(place(), format!("{name} is not a time"))),
        }
    };
    let key = PublicKey {
        fingerprint: text("Fingerprint")?,
        value: text("Value")?,
        validity_start: time("ValidityStartTime")?,
        validity_end: time("ValidityEndTime")?,
    };
    key.rsa()
        .map_err(|cause| DecodeError::new(place(), cause))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 512-bit RSA public key (e = 65537), PKCS#1 DER in base64: small, for decoding only.
    const KEY: &str = "MEgCQQC7+4RZ3OeJ2aBPr6eBj7t8z1oTqkZbqKO0Jc6W9PPUW7nbd0s0n0MoPmmyT/Xz+qV/qjAAqpBvwhYkzYtwF76BAgMBAAE=";

    fn list(entries: &str) -> Vec<u8> {
        format!("{{\"PublicKeyList\":[{entries}]}}").into_bytes()
    }

    #[test]
    fn reads_both_time_styles() {
        let text = list(&format!(
            "{{\"Value\":\"{KEY}\",\"ValidityStartTime\":\"2024-05-01T00:00:00+00:00\",\
              \"ValidityEndTime\":1719792000.0,\"Fingerprint\":\"abc\"}}"
        ));
        let keys = parse(&text).expect("valid");
        assert_eq!(keys[0].fingerprint, "abc");
        assert_eq!(keys[0].validity_start, Some(1_714_521_600_000_000));
        assert_eq!(keys[0].validity_end, Some(1_719_792_000_000_000));
    }

    #[test]
    fn a_malformed_key_names_its_entry() {
        let text = list(&format!(
            "{{\"Value\":\"{KEY}\",\"Fingerprint\":\"good\"}},\
             {{\"Value\":\"bm90IGEga2V5\",\"Fingerprint\":\"bad\"}}"
        ));
        let error = parse(&text).expect_err("not a key");
        assert_eq!(error.position, "PublicKeyList[1] (Fingerprint bad)");
        assert!(error.cause.contains("PKCS#1"), "{error}");
        let error = parse(&list("{\"Value\":\"%%%\",\"Fingerprint\":\"x\"}")).unwrap_err();
        assert!(error.cause.contains("base64"), "{error}");
        let error = parse(&list("{\"Value\":\"AA==\"}")).unwrap_err();
        assert!(error.cause.contains("Fingerprint"), "{error}");
        assert!(parse(b"{\"PublicKeyList\":{}}").is_err());
    }
}
