//! The `credential_events` facts of one record, taken while it is decoded.
//!
//! Reading them back out of `raw` after the load decompressed nearly the whole case (3 s of a
//! 19 s ingest of a million events). The decoder already holds the record's text, so the few
//! records that issue or reveal credentials are parsed once more here, on the worker threads.
//! The rules are those of `store::credential_events` (FACTS) (which still serves cases written by older
//! versions): the same candidates, the same JSON paths read from `raw`, the same
//! `json_extract_string` semantics (strings as such, `null` as NULL, anything else as JSON text).

use serde_json::Value;

use super::cloudtrail::Record;

/// One row of `credential_events`, in table order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CredentialFact {
    pub event_id: Option<String>,
    pub recipient_account_id: Option<String>,
    pub kind: &'static str,
    pub new_key: Option<String>,
    pub issued_arn: Option<String>,
    pub role_arn: Option<String>,
    pub session_name: Option<String>,
    pub source_identity: Option<String>,
    pub external_provider: Option<String>,
    pub external_subject: Option<String>,
    pub expiration_text: Option<String>,
    pub target_principal: Option<String>,
    pub assumed_root: Option<bool>,
}

const ISSUING_CALLS: [&str; 6] = [
    "AssumeRole",
    "AssumeRoleWithSAML",
    "AssumeRoleWithWebIdentity",
    "GetSessionToken",
    "GetFederationToken",
    "AssumeRoot",
];

/// The facts of `record` (whose exact text is `raw`); empty for almost every record.
pub fn facts_of(record: &Record<'_>, raw: &str) -> Vec<CredentialFact> {
    let source = record.event_source.as_deref();
    let name = record.event_name.as_deref().unwrap_or("");
    let succeeded = record.error_code.is_none();
    let identity = record.user_identity.as_ref();
    let is_issuance =
        succeeded && source == Some("sts.amazonaws.com") && ISSUING_CALLS.contains(&name);
    let is_key_created =
        succeeded && source == Some("iam.amazonaws.com") && name == "CreateAccessKey";
    let is_root_session = identity.and_then(|i| i.kind.as_deref()) == Some("Root")
        && identity
            .and_then(|i| i.access_key_id.as_deref())
            .is_some_and(|key| key.starts_with("ASIA"));
    if !(is_issuance || is_key_created || is_root_session) {
        return Vec::new();
    }
    // A record that does not parse as a whole yields NULL for every path, as in SQL.
    let document: Value = serde_json::from_str(raw).unwrap_or(Value::Null);
    let at = |path: &[&str]| extract_string(&document, path);
    let event = CredentialFact {
        event_id: record.event_id.as_deref().map(str::to_owned),
        recipient_account_id: record.recipient_account_id.as_deref().map(str::to_owned),
        ..CredentialFact::default()
    };
    let mut facts = Vec::new();
    if is_issuance {
        facts.push(CredentialFact {
            kind: "issuance",
            new_key: at(&["responseElements", "credentials", "accessKeyId"]),
            issued_arn: at(&["responseElements", "assumedRoleUser", "arn"])
                .or_else(|| at(&["responseElements", "federatedUser", "arn"])),
            role_arn: at(&["requestParameters", "roleArn"]),
            session_name: at(&["requestParameters", "roleSessionName"])
                .or_else(|| at(&["requestParameters", "name"])),
            source_identity: at(&["requestParameters", "sourceIdentity"])
                .or_else(|| at(&["responseElements", "sourceIdentity"])),
            external_provider: at(&["requestParameters", "principalArn"])
                .or_else(|| at(&["responseElements", "provider"]))
                .or_else(|| at(&["requestParameters", "providerId"])),
            external_subject: at(&["responseElements", "subject"])
                .or_else(|| at(&["responseElements", "subjectFromWebIdentityToken"])),
            expiration_text: at(&["responseElements", "credentials", "expiration"]),
            target_principal: at(&["requestParameters", "targetPrincipal"]),
            ..event.clone()
        });
    }
    if is_key_created {
        facts.push(CredentialFact {
            kind: "key-created",
            new_key: at(&["responseElements", "accessKey", "accessKeyId"]),
            ..event.clone()
        });
    }
    if is_root_session {
        let assumed = at(&["userIdentity", "sessionContext", "assumedRoot"]);
        facts.push(CredentialFact {
            kind: "root-session",
            assumed_root: Some(assumed.as_deref() == Some("true")),
            ..event
        });
    }
    facts
}

/// DuckDB's `json_extract_string(doc, '$.a.b')`: a string's value, NULL for `null` or a missing
/// path, the compact JSON text of any other value.
fn extract_string(document: &Value, path: &[&str]) -> Option<String> {
    let value = path
        .iter()
        .try_fold(document, |node, key| node.as_object()?.get(*key))?;
    match value {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::cloudtrail::visit_record;

    fn facts(text: &str) -> Vec<CredentialFact> {
        visit_record(text.as_bytes(), facts_of).unwrap()
    }

    #[test]
    fn an_assume_role_by_a_root_session_is_an_issuance_and_a_root_session() {
        let found = facts(
            r#"{"eventSource":"sts.amazonaws.com","eventName":"AssumeRole",
                "userIdentity":{"type":"Root","accessKeyId":"ASIAROOT",
                  "sessionContext":{"assumedRoot":"true"}},
                "requestParameters":{"roleArn":"arn:aws:iam::1:role/r","roleSessionName":"s",
                  "durationSeconds":3600},
                "responseElements":{"credentials":{"accessKeyId":"ASIANEW",
                  "expiration":"Jun 3, 2024, 9:00:00 AM"},
                  "assumedRoleUser":{"arn":"arn:aws:sts::1:assumed-role/r/s"}}}"#,
        );
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].kind, "issuance");
        assert_eq!(found[0].new_key.as_deref(), Some("ASIANEW"));
        assert_eq!(found[0].role_arn.as_deref(), Some("arn:aws:iam::1:role/r"));
        assert_eq!(found[0].session_name.as_deref(), Some("s"));
        assert_eq!(
            found[0].issued_arn.as_deref(),
            Some("arn:aws:sts::1:assumed-role/r/s")
        );
        assert_eq!(found[1].kind, "root-session");
        assert_eq!(found[1].assumed_root, Some(true));
    }

    #[test]
    fn failed_calls_and_ordinary_records_have_no_facts() {
        assert!(facts(
            r#"{"eventSource":"sts.amazonaws.com","eventName":"AssumeRole","errorCode":"AccessDenied"}"#
        )
        .is_empty());
        assert!(facts(r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject"}"#).is_empty());
        // Long-term root keys (AKIA) are not root sessions.
        assert!(facts(
            r#"{"eventName":"ListUsers","userIdentity":{"type":"Root","accessKeyId":"AKIA1"}}"#
        )
        .is_empty());
    }

    #[test]
    fn values_read_as_json_extract_string_reads_them() {
        let found = facts(
            r#"{"eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey",
                "responseElements":{"accessKey":{"accessKeyId":12}}}"#,
        );
        assert_eq!(found[0].new_key.as_deref(), Some("12"));
        let found = facts(
            r#"{"eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey",
                "responseElements":"HIDDEN_DUE_TO_SECURITY_REASONS"}"#,
        );
        assert_eq!(found[0].new_key, None);
        let found = facts(
            r#"{"eventSource":"sts.amazonaws.com","eventName":"GetFederationToken",
                "requestParameters":{"name":"fed"},
                "responseElements":{"federatedUser":{"arn":"arn:aws:sts::1:federated-user/fed"},
                  "credentials":{"accessKeyId":null}}}"#,
        );
        assert_eq!(found[0].session_name.as_deref(), Some("fed"));
        assert_eq!(found[0].new_key, None);
        assert_eq!(
            found[0].issued_arn.as_deref(),
            Some("arn:aws:sts::1:federated-user/fed")
        );
    }
}
