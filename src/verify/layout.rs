//! CloudTrail's S3 layout: where a file sits from `AWSLogs/` on, and what its name says.
//!
//! `[prefix/]AWSLogs/[o-org/]<account>/<CloudTrail|CloudTrail-Digest|CloudTrail-Insight>/
//!  <region>/YYYY/MM/DD/<name>`. Files are matched by the key from `AWSLogs/` on, so a copy
//! re-rooted anywhere on disk (or under another bucket prefix) still matches; a trailing `.gz`
//! is ignored when matching, so a gunzipped copy matches too (the digest hashes the
//! decompressed content anyway).

/// The key from the last `AWSLogs` component on, with `/` separators; None without one.
pub fn awslogs_key(path: &str) -> Option<String> {
    let path = path.replace('\\', "/");
    let parts: Vec<&str> = path.split('/').collect();
    let at = parts.iter().rposition(|p| *p == "AWSLogs")?;
    Some(parts[at..].join("/"))
}

/// What files are compared by: the key without a trailing `.gz`.
pub fn match_key(key: &str) -> &str {
    key.strip_suffix(".gz").unwrap_or(key)
}

/// The last component of a path or key.
pub fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// The parts of an `AWSLogs/…` key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyParts {
    pub account: String,
    /// CloudTrail | CloudTrail-Digest | CloudTrail-Insight
    pub folder: String,
    pub region: String,
}

pub fn parse_key(key: &str) -> Option<KeyParts> {
    let mut parts = key.split('/').skip(1).peekable();
    if parts.peek()?.starts_with("o-") {
        parts.next();
    }
    let account = parts.next()?.to_string();
    let folder = parts.next()?.to_string();
    let region = parts.next()?.to_string();
    parts.next()?;
    Some(KeyParts {
        account,
        folder,
        region,
    })
}

/// The delivery stamp of a log file's name, `<account>_CloudTrail_<region>_<YYYYMMDDTHHMMZ>_…`,
/// as UTC microseconds.
pub fn log_file_stamp(name: &str) -> Option<i64> {
    let stamp = name.split('_').nth(3)?;
    let b = stamp.as_bytes();
    if b.len() != 14 || b[8] != b'T' || b[13] != b'Z' {
        return None;
    }
    let text = format!(
        "{}-{}-{}T{}:{}:00Z",
        &stamp[0..4],
        &stamp[4..6],
        &stamp[6..8],
        &stamp[9..11],
        &stamp[11..13]
    );
    crate::time::parse_utc_micros(&text)
}

/// A digest chain: one trail's digests for one account and region (backfill digests apart).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChainId {
    pub account: String,
    pub region: String,
    pub trail: String,
    pub home_region: String,
    pub backfill: bool,
}

impl ChainId {
    pub fn describe(&self) -> String {
        format!(
            "trail {} (home {}), account {}, {}{}",
            self.trail,
            self.home_region,
            self.account,
            self.region,
            if self.backfill { ", backfill" } else { "" }
        )
    }
}

/// `<account>_CloudTrail-Digest_<region>_<trail>_<home region>_<YYYYMMDDTHHMMSSZ>[_backfill].json.gz`
pub fn digest_chain(name: &str) -> Option<ChainId> {
    let stem = name
        .strip_suffix(".gz")
        .unwrap_or(name)
        .strip_suffix(".json")?;
    let (stem, backfill) = match stem.strip_suffix("_backfill") {
        Some(stem) => (stem, true),
        None => (stem, false),
    };
    let (rest, _stamp) = stem.rsplit_once('_')?;
    let mut head = rest.splitn(4, '_');
    let account = head.next()?.to_string();
    if head.next()? != "CloudTrail-Digest" {
        return None;
    }
    let region = head.next()?.to_string();
    let (trail, home_region) = head.next()?.rsplit_once('_')?;
    Some(ChainId {
        account,
        region,
        trail: trail.to_string(),
        home_region: home_region.to_string(),
        backfill,
    })
}

pub fn is_backfill(name: &str) -> bool {
    name.ends_with("_backfill.json.gz") || name.ends_with("_backfill.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_start_at_the_last_awslogs_component() {
        let key =
            awslogs_key("/case/x/AWSLogs/o-ab12/4444/CloudTrail/us-east-1/2024/05/27/f.json.gz");
        assert_eq!(
            key.as_deref(),
            Some("AWSLogs/o-ab12/4444/CloudTrail/us-east-1/2024/05/27/f.json.gz")
        );
        assert_eq!(
            awslogs_key(r"C:\e\AWSLogs\1\CloudTrail\r\f").as_deref(),
            Some("AWSLogs/1/CloudTrail/r/f")
        );
        assert_eq!(awslogs_key("exports/a.json"), None);
        let parts = parse_key(key.as_deref().unwrap()).unwrap();
        assert_eq!(
            (
                parts.account.as_str(),
                parts.folder.as_str(),
                parts.region.as_str()
            ),
            ("4444", "CloudTrail", "us-east-1")
        );
        assert_eq!(match_key("a.json.gz"), "a.json");
    }

    #[test]
    fn names_give_stamps_and_chains() {
        let stamp = log_file_stamp("111122223333_CloudTrail_us-east-1_20240527T1815Z_abc.json.gz");
        assert_eq!(stamp, crate::time::parse_utc_micros("2024-05-27T18:15:00Z"));
        let chain = digest_chain(
            "111122223333_CloudTrail-Digest_eu-west-1_my_trail_us-east-1_20240527T190512Z_backfill.json.gz",
        )
        .unwrap();
        assert_eq!(chain.trail, "my_trail");
        assert_eq!(chain.home_region, "us-east-1");
        assert_eq!(chain.region, "eu-west-1");
        assert!(chain.backfill);
        assert_eq!(digest_chain("notes.json"), None);
    }
}
