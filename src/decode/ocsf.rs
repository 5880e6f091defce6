//! Amazon Security Lake's CloudTrail records: OCSF 1.x API Activity (class 6003) and
//! Authentication (class 3002), one record as JSON text (see `ingest::security_lake` for how
//! the Parquet rows become that text). Each is mapped onto the CloudTrail [`Record`] so it
//! lands in the same `events` columns; the OCSF text itself is what is kept as `raw`.
//!
//! | `events` column        | OCSF field (first present)                                  |
//! |------------------------|-------------------------------------------------------------|
//! | `event_id`             | `metadata.uid`                                              |
//! | `event_time`           | `time` (epoch milliseconds), else `time_dt`                 |
//! | `event_source`         | `api.service.name`                                          |
//! | `event_name`           | `api.operation`                                             |
//! | `event_type`           | `metadata.event_code`                                       |
//! | `event_version`        | `metadata.product.version`                                  |
//! | `event_category`       | `metadata.product.feature.name`                             |
//! | `aws_region`           | `cloud.region`, else `region`                               |
//! | `recipient_account_id` | `cloud.account.uid`, else `accountid`                       |
//! | `source_ip`            | `src_endpoint.ip`, else `src_endpoint.domain`               |
//! | `user_agent`           | `http_request.user_agent`                                   |
//! | `error_code`           | `api.response.error`                                        |
//! | `error_message`        | `api.response.message`, else `status_detail` (3002)         |
//! | `request_id`           | `api.request.uid`                                           |
//! | `user_type`            | `actor.user.type`                                           |
//! | `user_arn`             | `actor.user.uid`                                            |
//! | `user_account_id`      | `actor.user.account.uid`, else `actor.user.account_uid`     |
//! | `principal_id`         | `actor.user.uid_alt`                                        |
//! | `user_name`            | `actor.user.name`                                           |
//! | `access_key_id`        | `actor.user.credential_uid`                                 |
//! | `invoked_by`           | `actor.invoked_by`                                          |
//! | `session_mfa`          | `actor.session.is_mfa`, else `actor.session.mfa`            |
//! | `session_created`      | `actor.session.created_time_dt`                             |
//! | `session_issuer_arn`   | `actor.session.issuer`                                      |
//! | `console_login_result` | 3002 only: `status` (`Success` / `Failure`)                 |
//! | `mfa_used`             | 3002 only: `is_mfa`, else `mfa` (`Yes` / `No`)              |
//!
//! `read_only`, `management_event`, `shared_event_id`, the session issuer's type and name and
//! `identity_store_user` have no OCSF field and stay NULL. The `events` view reads
//! `request_parameters` from `api.request.data`, `response_elements` from `api.response.data`
//! and `resources` from `resources` (OCSF's shape).

use std::borrow::Cow;

use chrono::DateTime;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::cloudtrail::{
    Record, SessionAttributes, SessionContext, SessionIssuer, Text, UserIdentity,
};

/// OCSF classes that carry CloudTrail management events.
pub const API_ACTIVITY: i64 = 6003;
pub const AUTHENTICATION: i64 = 3002;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Ocsf<'a> {
    class_uid: Option<i64>,
    time: Option<i64>,
    #[serde(borrow)]
    time_dt: Option<Text<'a>>,
    #[serde(borrow)]
    metadata: Metadata<'a>,
    #[serde(borrow)]
    api: Api<'a>,
    #[serde(borrow)]
    cloud: Cloud<'a>,
    #[serde(borrow)]
    region: Option<Text<'a>>,
    #[serde(borrow, deserialize_with = "text_or_number")]
    accountid: Option<Text<'a>>,
    #[serde(borrow)]
    src_endpoint: Endpoint<'a>,
    #[serde(borrow)]
    http_request: HttpRequest<'a>,
    #[serde(borrow)]
    actor: Actor<'a>,
    #[serde(borrow)]
    status: Option<Text<'a>>,
    #[serde(borrow)]
    status_detail: Option<Text<'a>>,
    is_mfa: Option<bool>,
    mfa: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Metadata<'a> {
    #[serde(borrow)]
    uid: Option<Text<'a>>,
    #[serde(borrow)]
    event_code: Option<Text<'a>>,
    #[serde(borrow)]
    product: Product<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Product<'a> {
    #[serde(borrow)]
    version: Option<Text<'a>>,
    #[serde(borrow)]
    feature: Named<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Named<'a> {
    #[serde(borrow)]
    name: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Api<'a> {
    #[serde(borrow)]
    operation: Option<Text<'a>>,
    #[serde(borrow)]
    service: Named<'a>,
    #[serde(borrow)]
    request: ApiRequest<'a>,
    #[serde(borrow)]
    response: ApiResponse<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ApiRequest<'a> {
    #[serde(borrow)]
    uid: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ApiResponse<'a> {
    #[serde(borrow)]
    error: Option<Text<'a>>,
    #[serde(borrow)]
    message: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Cloud<'a> {
    #[serde(borrow)]
    region: Option<Text<'a>>,
    #[serde(borrow)]
    account: Uid<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Uid<'a> {
    #[serde(borrow, deserialize_with = "text_or_number")]
    uid: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Endpoint<'a> {
    #[serde(borrow)]
    ip: Option<Text<'a>>,
    #[serde(borrow)]
    domain: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct HttpRequest<'a> {
    #[serde(borrow)]
    user_agent: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Actor<'a> {
    #[serde(borrow)]
    user: User<'a>,
    #[serde(borrow)]
    session: Session<'a>,
    #[serde(borrow)]
    invoked_by: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct User<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Text<'a>>,
    #[serde(borrow)]
    uid: Option<Text<'a>>,
    #[serde(borrow, deserialize_with = "text_or_number")]
    uid_alt: Option<Text<'a>>,
    #[serde(borrow)]
    name: Option<Text<'a>>,
    #[serde(borrow)]
    credential_uid: Option<Text<'a>>,
    #[serde(borrow)]
    account: Uid<'a>,
    #[serde(borrow, deserialize_with = "text_or_number")]
    account_uid: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Session<'a> {
    is_mfa: Option<bool>,
    mfa: Option<bool>,
    #[serde(borrow)]
    created_time_dt: Option<Text<'a>>,
    #[serde(borrow)]
    issuer: Option<Text<'a>>,
}

/// The OCSF class of a record, for deciding whether a file is CloudTrail at all.
pub fn class_of(text: &str) -> Option<i64> {
    #[derive(Deserialize)]
    struct Class {
        class_uid: Option<i64>,
    }
    serde_json::from_str::<Class>(text).ok()?.class_uid
}

/// Maps one OCSF record (JSON text) onto a CloudTrail [`Record`] and calls `visit` with it and
/// the text to keep as `raw` (the OCSF text itself).
pub fn visit_ocsf<T>(text: &str, visit: impl FnOnce(&Record<'_>, &str) -> T) -> Result<T, String> {
    let o: Ocsf = serde_json::from_str(text).map_err(|e| format!("invalid OCSF record: {e}"))?;
    let class = o.class_uid.unwrap_or(0);
    if class != API_ACTIVITY && class != AUTHENTICATION {
        return Err(format!(
            "OCSF class_uid {class} is not CloudTrail API Activity ({API_ACTIVITY}) or Authentication ({AUTHENTICATION})"
        ));
    }
    if o.metadata.uid.is_none() && o.api.operation.is_none() && o.time.is_none() {
        return Err("not a CloudTrail OCSF record (no metadata.uid, api.operation or time)".into());
    }
    let auth = class == AUTHENTICATION;
    // Authentication records carry the sign-in result and MFA use in OCSF fields; they are put
    // where CloudTrail has them so the same accessors read them.
    let login = auth
        .then(|| {
            o.status
                .as_deref()
                .map(|s| format!(r#"{{"ConsoleLogin":{}}}"#, json_string(s)))
        })
        .flatten()
        .and_then(|t| RawValue::from_string(t).ok());
    let mfa = auth
        .then(|| o.is_mfa.or(o.mfa))
        .flatten()
        .map(|m| format!(r#"{{"MFAUsed":"{}"}}"#, if m { "Yes" } else { "No" }))
        .and_then(|t| RawValue::from_string(t).ok());
    let time = o
        .time
        .and_then(millis_to_text)
        .map(Cow::Owned)
        .or(o.time_dt);
    let user = o.actor.user;
    let session = o.actor.session;
    let record = Record {
        event_version: o.metadata.product.version,
        event_id: o.metadata.uid,
        event_time: time,
        event_source: o.api.service.name,
        event_name: o.api.operation,
        event_type: o.metadata.event_code,
        event_category: o.metadata.product.feature.name,
        aws_region: o.cloud.region.or(o.region),
        recipient_account_id: o.cloud.account.uid.or(o.accountid),
        source_ip: o.src_endpoint.ip.or(o.src_endpoint.domain),
        user_agent: o.http_request.user_agent,
        error_code: o.api.response.error,
        error_message: o
            .api
            .response
            .message
            .or(if auth { o.status_detail } else { None }),
        request_id: o.api.request.uid,
        user_identity: Some(UserIdentity {
            kind: user.kind,
            principal_id: user.uid_alt,
            arn: user.uid,
            account_id: user.account.uid.or(user.account_uid),
            access_key_id: user.credential_uid,
            user_name: user.name,
            invoked_by: o.actor.invoked_by,
            on_behalf_of: None,
            session_context: Some(SessionContext {
                session_issuer: session.issuer.map(|arn| SessionIssuer {
                    arn: Some(arn),
                    ..Default::default()
                }),
                attributes: Some(SessionAttributes {
                    mfa_authenticated: session.is_mfa.or(session.mfa),
                    creation_date: session.created_time_dt,
                }),
            }),
        }),
        response_elements: login.as_deref(),
        additional_event_data: mfa.as_deref(),
        ..Default::default()
    };
    Ok(visit(&record, text))
}

/// Account ids and principal ids as text, also where an export wrote them as numbers.
fn text_or_number<'de: 'a, 'a, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Text<'a>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Value<'a> {
        Text(#[serde(borrow)] Cow<'a, str>),
        Number(serde_json::Number),
    }
    Ok(match Option::<Value>::deserialize(deserializer)? {
        Some(Value::Text(text)) => Some(text),
        Some(Value::Number(n)) => Some(Cow::Owned(n.to_string())),
        None => None,
    })
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "null".into())
}

/// Epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
fn millis_to_text(ms: i64) -> Option<String> {
    DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_an_authentication_record() {
        let text = r#"{"class_uid":3002,"time":1714564800000,"metadata":{"uid":"e1",
            "event_code":"AwsConsoleSignIn","product":{"version":"1.08"}},
            "api":{"operation":"ConsoleLogin","service":{"name":"signin.amazonaws.com"}},
            "cloud":{"region":"us-east-1","account":{"uid":"111"}},
            "src_endpoint":{"ip":"81.2.69.10"},"status":"Failure","status_detail":"Failed authentication",
            "is_mfa":false,"actor":{"user":{"type":"Root","uid":"arn:aws:iam::111:root"}}}"#;
        let got = visit_ocsf(text, |r, raw| {
            assert_eq!(raw, text);
            (
                r.event_time.as_deref().map(str::to_string),
                r.console_login_result(),
                r.mfa_used(),
                r.error_message.as_deref().map(str::to_string),
                r.user_identity
                    .as_ref()
                    .unwrap()
                    .kind
                    .as_deref()
                    .map(str::to_string),
            )
        })
        .unwrap();
        assert_eq!(got.0.as_deref(), Some("2024-05-01T12:00:00.000Z"));
        assert_eq!(got.1.as_deref(), Some("Failure"));
        assert_eq!(got.2.as_deref(), Some("No"));
        assert_eq!(got.3.as_deref(), Some("Failed authentication"));
        assert_eq!(got.4.as_deref(), Some("Root"));
    }

    #[test]
    fn other_classes_are_rejected() {
        let err = visit_ocsf(r#"{"class_uid":4001,"time":1}"#, |_, _| ()).unwrap_err();
        assert!(err.contains("class_uid 4001"), "{err}");
        assert_eq!(class_of(r#"{"class_uid":6003}"#), Some(6003));
    }
}
