//! CloudTrail digest files (`CloudTrail-Digest/`): the hourly, signed list of the log files a
//! trail delivered. Not events; kept as evidence. A digest that does not decode is a load error
//! like any other, never a row of empty fields.

use serde::Deserialize;

use super::DecodeError;

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
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire<'a> {
    aws_account_id: &'a str,
    digest_start_time: &'a str,
    digest_end_time: &'a str,
    log_files: Vec<serde::de::IgnoredAny>,
    #[serde(default)]
    previous_digest_hash_value: Option<&'a str>,
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
    Ok(Digest {
        account_id: wire.aws_account_id.to_string(),
        start_micros: time("digestStartTime", wire.digest_start_time)?,
        end_micros: time("digestEndTime", wire.digest_end_time)?,
        log_file_count: wire.log_files.len(),
        previous_hash: wire.previous_digest_hash_value.map(str::to_string),
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
    }

    #[test]
    fn a_digest_without_its_fields_is_an_error() {
        let error = parse(br#"{"logFiles":[]}"#).expect_err("no account, no times");
        assert!(error.cause.contains("awsAccountId"), "{error}");
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
