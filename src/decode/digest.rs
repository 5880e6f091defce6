//! CloudTrail digest files (`CloudTrail-Digest/`): the hourly, signed list of the log files a
//! trail delivered. Not events; kept as evidence. A digest that does not decode is a load error
//! like any other, never a row of empty fields.
//!
//! Everything log-file validation needs is typed here (and stored in `digests` and
//! `digest_log_files`), so `verify` never parses the JSON again. Fields that AWS's validator
//! requires but a digest lacks are not a decode error: they are recorded in `missing_fields`
//! and make the digest's signature check fail, as they do in aws-cli.

use serde::{Deserialize, Deserializer};

use super::DecodeError;

/// The fields aws-cli requires before validating a digest (`DigestTraverser.required_digest_keys`).
pub const REQUIRED_FIELDS: [&str; 6] = [
    "digestPublicKeyFingerprint",
    "digestS3Bucket",
    "digestS3Object",
    "previousDigestSignature",
    "digestEndTime",
    "digestStartTime",
];

/// The fields of a digest the case keeps in columns (the whole text is kept too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub account_id: String,
    /// UTC microseconds.
    pub start_micros: i64,
    pub end_micros: i64,
    pub log_file_count: usize,
    /// None for the first digest of a chain.
    pub previous_hash: Option<String>,
    /// `digestEndTime` exactly as written: it is part of the signed string.
    pub end_time_text: String,
    pub s3_bucket: Option<String>,
    pub s3_object: Option<String>,
    pub public_key_fingerprint: Option<String>,
    pub signature_algorithm: Option<String>,
    pub previous_s3_bucket: Option<String>,
    pub previous_s3_object: Option<String>,
    pub previous_signature: Option<String>,
    pub previous_hash_algorithm: Option<String>,
    pub newest_event_micros: Option<i64>,
    pub oldest_event_micros: Option<i64>,
    /// Required fields (see [`REQUIRED_FIELDS`]) absent from the document (null is present).
    pub missing_fields: Vec<&'static str>,
    pub log_files: Vec<ListedLogFile>,
}

/// One entry of a digest's `logFiles`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedLogFile {
    pub s3_bucket: Option<String>,
    pub s3_object: String,
    /// Hex SHA-256 of the log file's uncompressed content (None: the digest gives none, and the
    /// file cannot be checked).
    pub hash_value: Option<String>,
    pub hash_algorithm: Option<String>,
    pub newest_event_micros: Option<i64>,
    pub oldest_event_micros: Option<i64>,
}

/// `Some(value)` when the key is present (the value may be null), `None` when it is absent.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    aws_account_id: String,
    digest_start_time: String,
    digest_end_time: String,
    log_files: Vec<WireLogFile>,
    #[serde(default)]
    previous_digest_hash_value: Option<String>,
    #[serde(default)]
    previous_digest_hash_algorithm: Option<String>,
    #[serde(default, deserialize_with = "present")]
    digest_s3_bucket: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    digest_s3_object: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    digest_public_key_fingerprint: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    previous_digest_signature: Option<Option<String>>,
    #[serde(default)]
    digest_signature_algorithm: Option<String>,
    #[serde(default)]
    previous_digest_s3_bucket: Option<String>,
    #[serde(default)]
    previous_digest_s3_object: Option<String>,
    #[serde(default)]
    newest_event_time: Option<String>,
    #[serde(default)]
    oldest_event_time: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireLogFile {
    #[serde(default)]
    s3_bucket: Option<String>,
    s3_object: String,
    #[serde(default)]
    hash_value: Option<String>,
    #[serde(default)]
    hash_algorithm: Option<String>,
    #[serde(default)]
    newest_event_time: Option<String>,
    #[serde(default)]
    oldest_event_time: Option<String>,
}

fn optional_time(text: &Option<String>) -> Option<i64> {
    text.as_deref().and_then(crate::time::parse_utc_micros)
}

/// Decodes a digest document.
pub fn parse(bytes: &[u8]) -> Result<Digest, DecodeError> {
    let wire: Wire = serde_json::from_slice(bytes).map_err(|e| {
        DecodeError::new(
            format!("line {}, column {} of the digest", e.line(), e.column()),
            format!("not a CloudTrail digest: {e}"),
        )
        .with_snippet(bytes)
    })?;
    let time = |name: &str, text: &str| {
        crate::time::parse_utc_micros(text).ok_or_else(|| {
            DecodeError::new(
                format!("\"{name}\" of the digest"),
                format!("`{text}` is not a time"),
            )
            .with_snippet(bytes)
        })
    };
    let required = [
        wire.digest_public_key_fingerprint.is_some(),
        wire.digest_s3_bucket.is_some(),
        wire.digest_s3_object.is_some(),
        wire.previous_digest_signature.is_some(),
        true,
        true,
    ];
    let missing_fields = REQUIRED_FIELDS
        .iter()
        .zip(required)
        .filter(|(_, present)| !present)
        .map(|(name, _)| *name)
        .collect();
    let log_files: Vec<ListedLogFile> = wire
        .log_files
        .into_iter()
        .map(|f| ListedLogFile {
            newest_event_micros: optional_time(&f.newest_event_time),
            oldest_event_micros: optional_time(&f.oldest_event_time),
            s3_bucket: f.s3_bucket,
            s3_object: f.s3_object,
            hash_value: f.hash_value,
            hash_algorithm: f.hash_algorithm,
        })
        .collect();
    Ok(Digest {
        account_id: wire.aws_account_id,
        start_micros: time("digestStartTime", &wire.digest_start_time)?,
        end_micros: time("digestEndTime", &wire.digest_end_time)?,
        log_file_count: log_files.len(),
        previous_hash: wire.previous_digest_hash_value,
        end_time_text: wire.digest_end_time,
        s3_bucket: wire.digest_s3_bucket.flatten(),
        s3_object: wire.digest_s3_object.flatten(),
        public_key_fingerprint: wire.digest_public_key_fingerprint.flatten(),
        signature_algorithm: wire.digest_signature_algorithm,
        previous_s3_bucket: wire.previous_digest_s3_bucket,
        previous_s3_object: wire.previous_digest_s3_object,
        previous_signature: wire.previous_digest_signature.flatten(),
        previous_hash_algorithm: wire.previous_digest_hash_algorithm,
        newest_event_micros: optional_time(&wire.newest_event_time),
        oldest_event_micros: optional_time(&wire.oldest_event_time),
        missing_fields,
        log_files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = r#"{"awsAccountId":"111122223333","digestStartTime":"2024-05-27T19:05:12Z",
        "digestEndTime":"2024-05-27T20:05:12Z","previousDigestHashValue":null,
        "logFiles":[{"s3Object":"a","hashValue":"00"},{"s3Object":"b","hashValue":"11"}]}"#;

    #[test]
    fn decodes_the_fields_kept_in_columns() {
        let digest = parse(DIGEST.as_bytes()).expect("a valid digest");
        assert_eq!(digest.account_id, "111122223333");
        assert_eq!(digest.log_file_count, 2);
        assert_eq!(digest.previous_hash, None);
        assert_eq!(digest.end_micros - digest.start_micros, 3_600_000_000);
        assert_eq!(digest.end_time_text, "2024-05-27T20:05:12Z");
        assert_eq!(digest.log_files[1].s3_object, "b");
        assert_eq!(digest.log_files[1].hash_value.as_deref(), Some("11"));
    }

    #[test]
    fn absent_required_fields_are_recorded_and_null_ones_are_not() {
        let digest = parse(DIGEST.as_bytes()).unwrap();
        assert_eq!(
            digest.missing_fields,
            [
                "digestPublicKeyFingerprint",
                "digestS3Bucket",
                "digestS3Object",
                "previousDigestSignature"
            ]
        );
        let text = DIGEST.replace(
            "\"logFiles\"",
            "\"digestPublicKeyFingerprint\":\"ab\",\"digestS3Bucket\":\"b\",\
             \"digestS3Object\":\"AWSLogs/x\",\"previousDigestSignature\":null,\"logFiles\"",
        );
        let digest = parse(text.as_bytes()).unwrap();
        assert!(
            digest.missing_fields.is_empty(),
            "{:?}",
            digest.missing_fields
        );
        assert_eq!(digest.previous_signature, None);
        assert_eq!(digest.s3_object.as_deref(), Some("AWSLogs/x"));
    }

    #[test]
    fn a_digest_without_its_fields_is_an_error() {
        let error = parse(br#"{"logFiles":[]}"#).expect_err("no account, no times");
        assert!(error.cause.contains("awsAccountId"), "{error}");
    }

    #[test]
    fn a_listed_log_file_needs_its_place_but_not_its_hash() {
        let text = DIGEST.replace(",\"hashValue\":\"11\"", "");
        assert_eq!(
            parse(text.as_bytes()).unwrap().log_files[1].hash_value,
            None
        );
        let text = DIGEST.replace("\"s3Object\":\"b\",", "");
        let error = parse(text.as_bytes()).expect_err("no s3Object");
        assert!(error.cause.contains("s3Object"), "{error}");
    }

    #[test]
    fn a_bad_time_is_an_error_naming_the_field() {
        let text = DIGEST.replace("2024-05-27T20:05:12Z", "yesterday");
        let error = parse(text.as_bytes()).expect_err("bad time");
        assert_eq!(error.position, "\"digestEndTime\" of the digest");
    }

    #[test]
    fn log_files_must_be_a_list() {
        let text = DIGEST
            .replace("\"logFiles\":[", "\"logFiles\":{\"x\":[")
            .replace("]}", "]}}");
        assert!(parse(text.as_bytes()).is_err());
    }
}
