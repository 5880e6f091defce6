//! Digest signatures kept outside the digests. CloudTrail stores a digest's signature only in
//! its S3 object metadata (`x-amz-meta-signature`); the next digest repeats it as
//! `previousDigestSignature`, so only the newest digest of a chain needs this. Two shapes:
//!
//! - rootlens's own list (a file or a `--digest-signatures` argument):
//!   `{"DigestSignatures": [{"DigestS3Object": "AWSLogs/…/…_20240530T120512Z.json.gz",
//!   "Signature": "<hex>", "DigestS3Bucket": "…" (optional), "SignatureAlgorithm":
//!   "SHA256withRSA" (optional), "BackfillGenerationTimestamp": "…" (optional)}]}`;
//!   `DigestS3Object` may be the whole key or only the digest's file name.
//! - the saved output of `aws s3api head-object --bucket B --key K` (or `get-object`), whose
//!   `Metadata` holds `signature` and `signature-algorithm`. That output does not name the
//!   object, so the file must be named after the digest: its name starts with the digest's
//!   file name, e.g. `…_20240530T120512Z.json.gz.head.json`.

use serde::Deserialize;

use super::DecodeError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestSignature {
    pub s3_bucket: Option<String>,
    /// The digest's key, or only its file name.
    pub s3_object: String,
    /// Lower-case hex.
    pub signature: String,
    pub algorithm: Option<String>,
    /// For backfill digests: when CloudTrail generated them (UTC microseconds).
    pub backfill_generated: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Entry {
    #[serde(default)]
    digest_s3_bucket: Option<String>,
    digest_s3_object: String,
    signature: String,
    #[serde(default)]
    signature_algorithm: Option<String>,
    #[serde(default)]
    backfill_generation_timestamp: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct List {
    digest_signatures: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HeadObject {
    metadata: std::collections::BTreeMap<String, String>,
}

/// Whether a JSON object with these top-level keys is a signature document.
pub fn is_signature_document(keys: &[String]) -> bool {
    let has = |name: &str| keys.iter().any(|k| k == name);
    has("DigestSignatures") || (has("Metadata") && (has("ETag") || has("ContentLength")))
}

/// Decodes either shape; `file_name` names the digest of a head-object output.
pub fn parse(bytes: &[u8], file_name: &str) -> Result<Vec<DigestSignature>, DecodeError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        DecodeError::new(
            format!("line {}, column {}", e.line(), e.column()),
            format!("not JSON: {e}"),
        )
        .with_snippet(bytes)
    })?;
    if value.get("DigestSignatures").is_some() {
        let list: List = serde_json::from_value(value)
            .map_err(|e| DecodeError::new("\"DigestSignatures\"", e.to_string()))?;
        return list
            .digest_signatures
            .into_iter()
            .enumerate()
            .map(|(index, entry)| list_entry(index, entry))
            .collect();
    }
    head_object(value, file_name).map(|s| vec![s])
}

fn list_entry(index: usize, entry: serde_json::Value) -> Result<DigestSignature, DecodeError> {
    let place = format!("DigestSignatures[{index}]");
    let entry: Entry =
        serde_json::from_value(entry).map_err(|e| DecodeError::new(&place, e.to_string()))?;
    Ok(DigestSignature {
        signature: checked_hex(&entry.signature).map_err(|c| DecodeError::new(&place, c))?,
        s3_bucket: entry.digest_s3_bucket,
        s3_object: entry.digest_s3_object,
        algorithm: entry.signature_algorithm,
        backfill_generated: time_of(entry.backfill_generation_timestamp.as_deref(), &place)?,
    })
}

fn head_object(value: serde_json::Value, file_name: &str) -> Result<DigestSignature, DecodeError> {
    let head: HeadObject = serde_json::from_value(value)
        .map_err(|e| DecodeError::new("\"Metadata\"", format!("not S3 object metadata: {e}")))?;
    let place = "\"Metadata\"";
    let signature = head.metadata.get("signature").ok_or_else(|| {
        DecodeError::new(
            place,
            "no `signature` (x-amz-meta-signature) in the metadata",
        )
    })?;
    let digest_name = digest_file_name(file_name).ok_or_else(|| {
        DecodeError::new(
            "the file name",
            format!(
                "`{file_name}` does not start with a digest's file name \
                 (<account>_CloudTrail-Digest_…json.gz): name head-object output after the digest"
            ),
        )
    })?;
    Ok(DigestSignature {
        s3_bucket: None,
        s3_object: digest_name,
        signature: checked_hex(signature).map_err(|c| DecodeError::new(place, c))?,
        algorithm: head.metadata.get("signature-algorithm").cloned(),
        backfill_generated: time_of(
            head.metadata
                .get("backfill-generation-timestamp")
                .map(String::as_str),
            place,
        )?,
    })
}

/// The digest file name a saved head-object output is named after.
fn digest_file_name(file_name: &str) -> Option<String> {
    let end = file_name.find(".json.gz")? + ".json.gz".len();
    let name = &file_name[..end];
    name.contains("_CloudTrail-Digest_")
        .then(|| name.to_string())
}

fn time_of(text: Option<&str>, place: &str) -> Result<Option<i64>, DecodeError> {
    match text {
        None => Ok(None),
        Some(t) => crate::time::parse_utc_micros(t)
            .map(Some)
            .ok_or_else(|| DecodeError::new(place, format!("`{t}` is not a time"))),
    }
}

/// A signature must be hex (upper or lower case); returned in lower case.
pub fn checked_hex(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty()
        || !text.len().is_multiple_of(2)
        || !text.bytes().all(|b| b.is_ascii_hexdigit())
    {
        let shown: String = text.chars().take(40).collect();
        return Err(format!("the signature is not hex: `{shown}`"));
    }
    Ok(text.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAME: &str =
        "111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20240530T120512Z.json.gz";

    #[test]
    fn reads_the_documented_list() {
        let text = format!(
            "{{\"DigestSignatures\":[{{\"DigestS3Object\":\"AWSLogs/1/{NAME}\",\"Signature\":\"AB01\"}}]}}"
        );
        let list = parse(text.as_bytes(), "sigs.json").unwrap();
        assert_eq!(list[0].signature, "ab01");
        assert_eq!(list[0].s3_object, format!("AWSLogs/1/{NAME}"));
    }

    #[test]
    fn reads_head_object_output_named_after_the_digest() {
        let text = br#"{"AcceptRanges":"bytes","ETag":"\"x\"","Metadata":
            {"signature":"0a0b","signature-algorithm":"SHA256withRSA"}}"#;
        let list = parse(text, &format!("{NAME}.head.json")).unwrap();
        assert_eq!(list[0].s3_object, NAME);
        assert_eq!(list[0].algorithm.as_deref(), Some("SHA256withRSA"));
        let error = parse(text, "head.json").unwrap_err();
        assert!(error.cause.contains("after the digest"), "{error}");
    }

    #[test]
    fn a_signature_that_is_not_hex_is_an_error_naming_the_entry() {
        let text = r#"{"DigestSignatures":[{"DigestS3Object":"a","Signature":"00"},
                      {"DigestS3Object":"b","Signature":"zz-not-hex"}]}"#;
        let error = parse(text.as_bytes(), "s.json").unwrap_err();
        assert_eq!(error.position, "DigestSignatures[1]");
        assert!(error.cause.contains("not hex"), "{error}");
    }
}
