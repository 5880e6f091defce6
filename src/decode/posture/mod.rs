//! Saved AWS CLI outputs for the root-user posture checks (`rootlens collect-commands` prints
//! the commands). Each command's JSON is recognised by its shape, checked for the fields the
//! checks read, and kept whole; the account, region and time come from the file name that the
//! collection script writes (`<account>__<region>__<YYYYMMDDTHHMMSSZ>__<command>[__<subject>].json`),
//! else from ARNs in the document and the file's time.

mod catalogue;
mod file_name;

pub use catalogue::{Command, COMMANDS};
pub use file_name::NameFacts;

use serde_json::Value;

use super::DecodeError;

/// One saved output, checked.
#[derive(Debug, Clone)]
pub struct PostureOutput {
    pub command: Command,
    pub account_id: Option<String>,
    /// Where the account came from: `file_name`, `folder` or `document`.
    pub account_source: Option<&'static str>,
    pub region: Option<String>,
    /// What a per-item command was run for (a rule, policy, trail, topic or child id).
    pub subject: Option<String>,
    /// The error code when the command answered with an error (see [`Command::from_error`]).
    pub error_code: Option<String>,
    /// Entries in the output's list (or 1 for a single object).
    pub items: u64,
    /// The document, as read.
    pub document: String,
}

/// What makes a file "already ingested": its SHA-256, and for a file named after a posture
/// command also its name. Two accounts' password policies, or one account's summary a week
/// apart, are often byte for byte the same output; the name says whose and when.
pub fn ingest_identity(sha256: &str, path: &std::path::Path) -> String {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    match Command::from_file_name(name) {
        Some(_) => format!("{sha256} {name}"),
        None => sha256.to_string(),
    }
}

/// Whether a JSON object with these top-level keys may be one of the posture outputs (the
/// document then goes to [`decode`]).
pub fn is_posture_document(keys: &[String]) -> bool {
    let has = |name: &str| keys.iter().any(|k| k == name);
    (has("Error") && has("Operation"))
        || has("Targets")
        || COMMANDS.iter().any(|command| {
            let signature = command.signature();
            !signature.is_empty() && signature.iter().all(|key| has(key))
        })
}

/// Which command printed this document; `file_name` settles an empty `Targets` list.
fn recognise(value: &Value, file_name: &str) -> Result<Command, String> {
    let has = |name: &str| value.get(name).is_some();
    if has("Error") && has("Operation") {
        let operation = value["Operation"].as_str().unwrap_or("");
        return Command::from_error(operation).ok_or_else(|| {
            format!("a saved CLI error of operation `{operation}`, not a posture command")
        });
    }
    if let Some(targets) = value.get("Targets") {
        // `organizations list-targets-for-policy` entries have TargetId and Type;
        // `events list-targets-by-rule` entries have Id and Arn.
        let first = targets.as_array().and_then(|list| list.first());
        let hint = Command::from_file_name(file_name).filter(|c| {
            matches!(
                c,
                Command::OrganizationsListTargetsForPolicy | Command::EventsListTargetsByRule
            )
        });
        return match first {
            Some(entry) if entry.get("TargetId").is_some() => {
                Ok(Command::OrganizationsListTargetsForPolicy)
            }
            Some(entry) if entry.get("Id").is_some() => Ok(Command::EventsListTargetsByRule),
            _ => hint.ok_or_else(|| {
                "a `Targets` list that does not say whose (name the file after its command, \
                 e.g. …__events-list-targets-by-rule__RULE.json)"
                    .to_string()
            }),
        };
    }
    COMMANDS
        .into_iter()
        .filter(|command| !command.signature().is_empty())
        .find(|command| {
            command.signature().iter().all(|key| has(key)) && command.container_fits(value)
        })
        .ok_or_else(|| "JSON that is no posture command's output".to_string())
}

/// What a document turned out to be.
pub enum Decoded {
    Output(Box<PostureOutput>),
    /// This command's output, but without a field the checks need: the file fails.
    Broken(Command, DecodeError),
    /// Not a posture output after all: skipped, with the reason.
    NotPosture(String),
}

/// Recognises and checks a document, and gathers what the case records about it.
pub fn decode(document: &[u8], path: &std::path::Path) -> Result<Decoded, DecodeError> {
    let text = std::str::from_utf8(document)
        .map_err(|e| DecodeError::new(format!("byte {}", e.valid_up_to()), "invalid UTF-8"))?;
    let value: Value = serde_json::from_str(text).map_err(|e| {
        DecodeError::new(
            format!("line {}, column {}", e.line(), e.column()),
            format!("invalid JSON: {e}"),
        )
        .with_snippet(document)
    })?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let command = match recognise(&value, name) {
        Ok(command) => command,
        Err(reason) => return Ok(Decoded::NotPosture(reason)),
    };
    let checked = if value.get("Error").is_some() {
        catalogue::check_error(&value).map(|code| (0, Some(code)))
    } else {
        catalogue::check_shape(command, &value).map(|items| (items, None))
    };
    let (items, error_code) = match checked {
        Ok(checked) => checked,
        Err(error) => return Ok(Decoded::Broken(command, error)),
    };
    let facts = NameFacts::of(path, command);
    let (account_id, account_source) = match facts.account {
        Some(account) => (Some(account), facts.account_source),
        None => match catalogue::account_in_document(command, &value) {
            Some(account) => (Some(account), Some("document")),
            None => (None, None),
        },
    };
    Ok(Decoded::Output(Box::new(PostureOutput {
        command,
        account_id,
        account_source,
        region: facts.region,
        subject: facts
            .subject
            .or_else(|| catalogue::subject_in_document(command, &value)),
        error_code,
        items,
        document: text.to_string(),
    })))
}

#[cfg(test)]
mod tests;
