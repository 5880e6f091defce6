//! What a collected file's name (and folders) say: the account, the region and what a
//! per-item command ran for. The collection script names files
//! `<account>__<region>__<YYYYMMDDTHHMMSSZ>__<command>[__<subject>].json`; files saved by hand
//! are read as far as they go (any 12-digit account id and region in the name or its folders).

use std::path::Path;

use super::Command;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct NameFacts {
    pub account: Option<String>,
    pub account_source: Option<&'static str>,
    pub region: Option<String>,
    pub subject: Option<String>,
}

impl NameFacts {
    pub fn of(path: &Path, command: Command) -> NameFacts {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let stem = strip_extensions(name);
        let mut facts = NameFacts::default();
        if let Some(account) = account_in(stem) {
            facts.account = Some(account);
            facts.account_source = Some("file_name");
        } else if let Some(account) = path
            .ancestors()
            .skip(1)
            .filter_map(|p| p.file_name()?.to_str())
            .find_map(account_in)
        {
            facts.account = Some(account);
            facts.account_source = Some("folder");
        }
        facts.region = stem.split("__").find_map(region_in).or_else(|| {
            stem.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .find_map(region_within)
        });
        if command.per_subject() {
            let fields: Vec<&str> = stem.split("__").collect();
            let token = command.file_token();
            if let Some(at) = fields.iter().position(|f| f.eq_ignore_ascii_case(&token)) {
                facts.subject = fields
                    .get(at + 1..)
                    .filter(|rest| !rest.is_empty())
                    .map(|rest| rest.join("__"));
            }
        }
        facts
    }
}

fn strip_extensions(name: &str) -> &str {
    let name = name.strip_suffix(".gz").unwrap_or(name);
    name.strip_suffix(".json").unwrap_or(name)
}

/// The first run of exactly 12 digits.
fn account_in(text: &str) -> Option<String> {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 12)
        .map(str::to_string)
}

/// A region anywhere in a hyphenated word: `summary-us-gov-west-1` holds `us-gov-west-1`.
fn region_within(word: &str) -> Option<String> {
    let parts: Vec<&str> = word.split('-').collect();
    (0..parts.len()).find_map(|start| {
        (3..=4)
            .rev()
            .filter(|len| start + len <= parts.len())
            .find_map(|len| region_in(&parts[start..start + len].join("-")))
    })
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `ap-southeast-4`…, or `global`.
fn region_in(token: &str) -> Option<String> {
    if token == "global" {
        return Some(token.to_string());
    }
    let parts: Vec<&str> = token.split('-').collect();
    let ok = (3..=4).contains(&parts.len())
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok();
    ok.then(|| token.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_collection_scripts_names() {
        let facts = NameFacts::of(
            Path::new("out/111122223333__us-east-1__20240603T080000Z__events-list-targets-by-rule__root__sign-in.json"),
            Command::EventsListTargetsByRule,
        );
        assert_eq!(facts.account.as_deref(), Some("111122223333"));
        assert_eq!(facts.account_source, Some("file_name"));
        assert_eq!(facts.region.as_deref(), Some("us-east-1"));
        assert_eq!(facts.subject.as_deref(), Some("root__sign-in"));
    }

    #[test]
    fn hand_saved_files_give_what_they_have() {
        let facts = NameFacts::of(
            Path::new("posture/444455556666/summary-us-gov-west-1.json"),
            Command::IamGetAccountSummary,
        );
        assert_eq!(facts.account.as_deref(), Some("444455556666"));
        assert_eq!(facts.account_source, Some("folder"));
        assert_eq!(facts.region.as_deref(), Some("us-gov-west-1"));
        assert_eq!(facts.subject, None);
        let none = NameFacts::of(
            Path::new("summary-20240603.json"),
            Command::IamGetAccountSummary,
        );
        assert_eq!(none, NameFacts::default());
    }
}
