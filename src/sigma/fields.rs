//! Where a CloudTrail field named in a Sigma rule lives in the case: a typed column of the
//! `events` view, a JSON path inside one of its JSON columns, or a JSON path inside `raw` (the
//! whole record). Field names are case-sensitive, as in CloudTrail's JSON.

/// CloudTrail fields stored as typed columns of `events`. Each column holds the field as
/// written (booleans as `true`/`false`), so Sigma's string matching applies unchanged.
pub const COLUMNS: &[(&str, &str)] = &[
    ("eventID", "event_id"),
    ("eventSource", "event_source"),
    ("eventName", "event_name"),
    ("eventType", "event_type"),
    ("eventVersion", "event_version"),
    ("eventCategory", "event_category"),
    ("awsRegion", "aws_region"),
    ("recipientAccountId", "recipient_account_id"),
    ("sourceIPAddress", "source_ip"),
    ("userAgent", "user_agent"),
    ("errorCode", "error_code"),
    ("errorMessage", "error_message"),
    ("readOnly", "read_only"),
    ("managementEvent", "management_event"),
    ("requestID", "request_id"),
    ("sharedEventID", "shared_event_id"),
    ("userIdentity.type", "user_type"),
    ("userIdentity.arn", "user_arn"),
    ("userIdentity.accountId", "user_account_id"),
    ("userIdentity.principalId", "principal_id"),
    ("userIdentity.userName", "user_name"),
    ("userIdentity.accessKeyId", "access_key_id"),
    ("userIdentity.invokedBy", "invoked_by"),
    ("userIdentity.onBehalfOf.userId", "identity_store_user"),
    (
        "userIdentity.sessionContext.attributes.mfaAuthenticated",
        "session_mfa",
    ),
    (
        "userIdentity.sessionContext.sessionIssuer.type",
        "session_issuer_type",
    ),
    (
        "userIdentity.sessionContext.sessionIssuer.arn",
        "session_issuer_arn",
    ),
    (
        "userIdentity.sessionContext.sessionIssuer.userName",
        "session_issuer_name",
    ),
    ("responseElements.ConsoleLogin", "console_login_result"),
    ("additionalEventData.MFAUsed", "mfa_used"),
];

/// Free-form parts of the record that `events` exposes as JSON columns: a field below them is
/// a JSON path inside the column (which also reads Athena-style and Security Lake records).
pub const JSON_COLUMNS: &[(&str, &str)] = &[
    ("requestParameters", "request_parameters"),
    ("responseElements", "response_elements"),
    ("additionalEventData", "additional_event_data"),
    ("resources", "resources"),
    ("tlsDetails", "tls_details"),
];

/// Every top-level field of a CloudTrail record (record version 1.0-1.11). A rule naming a
/// field outside this list is written for another log source and is not compiled.
pub const RECORD_FIELDS: &[&str] = &[
    "eventVersion",
    "userIdentity",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "errorCode",
    "errorMessage",
    "requestParameters",
    "responseElements",
    "additionalEventData",
    "requestID",
    "eventID",
    "readOnly",
    "resources",
    "eventType",
    "apiVersion",
    "managementEvent",
    "recipientAccountId",
    "sharedEventID",
    "serviceEventDetails",
    "vpcEndpointId",
    "vpcEndpointAccountId",
    "eventCategory",
    "addendum",
    "sessionCredentialFromConsole",
    "edgeDeviceDetails",
    "tlsDetails",
    "insightDetails",
];

/// The fields of `userIdentity`.
pub const IDENTITY_FIELDS: &[&str] = &[
    "type",
    "principalId",
    "arn",
    "accountId",
    "accessKeyId",
    "userName",
    "sessionContext",
    "invokedBy",
    "identityProvider",
    "credentialId",
    "onBehalfOf",
    "inScopeOf",
];

/// Where a field's value is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A typed column (the SQL expression yields text).
    Column(String),
    /// A JSON path below a JSON expression (`request_parameters`, `raw`).
    Json { base: String, path: Vec<String> },
}

/// The location of a Sigma field name, or why it is not a CloudTrail field.
pub fn locate(field: &str) -> Result<Location, String> {
    if let Some((_, column)) = COLUMNS.iter().find(|(name, _)| *name == field) {
        return Ok(Location::Column(match *column {
            "read_only" | "management_event" | "session_mfa" => {
                format!("CAST({column} AS VARCHAR)")
            }
            _ => column.to_string(),
        }));
    }
    let segments: Vec<String> = field.split('.').map(str::to_string).collect();
    if segments.iter().any(String::is_empty) {
        return Err(format!("field `{field}` has an empty path segment"));
    }
    let top = segments[0].as_str();
    if !RECORD_FIELDS.contains(&top) {
        return Err(not_cloudtrail(field));
    }
    if top == "userIdentity" && segments.len() > 1 && !IDENTITY_FIELDS.contains(&&*segments[1]) {
        return Err(not_cloudtrail(field));
    }
    if let Some((_, column)) = JSON_COLUMNS.iter().find(|(name, _)| *name == top) {
        return Ok(Location::Json {
            base: column.to_string(),
            path: segments[1..].to_vec(),
        });
    }
    Ok(Location::Json {
        base: "raw".to_string(),
        path: segments,
    })
}

fn not_cloudtrail(field: &str) -> String {
    let hint = RECORD_FIELDS
        .iter()
        .find(|known| known.eq_ignore_ascii_case(field.split('.').next().unwrap_or("")))
        .map(|known| format!(" (field names are case-sensitive: did you mean `{known}`?)"))
        .unwrap_or_default();
    format!("field `{field}` is not a CloudTrail record field{hint}")
}

/// A JSON path literal for DuckDB: `'$."a"."b"'`, each key quoted, `[*]` before the keys in
/// `wildcards` (indexes into `path`: 0 is the value at the root being an array).
pub fn json_path(path: &[String], wildcards: &[usize]) -> String {
    let mut out = String::from("$");
    for (index, key) in path.iter().enumerate() {
        if wildcards.contains(&index) {
            out.push_str("[*]");
        }
        out.push_str(&format!(
            ".\"{}\"",
            key.replace('\\', "\\\\").replace('"', "\\\"")
        ));
    }
    super::compile::string_literal(&out)
}
