//! CloudTrail records whose field names are all lowercase, as Athena / Glue exports and some
//! log pipelines write them (`eventname`, `eventtime`, `useridentity.accesskeyid`, …).
//!
//! The camelCase [`Record`] is always tried first (the hot path is unchanged); only a record
//! that has none of `eventTime`, `eventName` and `eventID` is read again through these
//! lowercase-named mirrors. The mapping is the camelCase name lowercased, field for field:
//!
//! | lowercase                                   | CloudTrail                                   |
//! |---------------------------------------------|----------------------------------------------|
//! | `eventversion`, `eventid`, `eventtime`      | `eventVersion`, `eventID`, `eventTime`       |
//! | `eventsource`, `eventname`, `eventtype`     | `eventSource`, `eventName`, `eventType`      |
//! | `eventcategory`, `awsregion`                | `eventCategory`, `awsRegion`                 |
//! | `recipientaccountid`, `sourceipaddress`     | `recipientAccountId`, `sourceIPAddress`      |
//! | `useragent`, `errorcode`, `errormessage`    | `userAgent`, `errorCode`, `errorMessage`     |
//! | `readonly`, `managementevent`               | `readOnly`, `managementEvent`                |
//! | `requestid`, `sharedeventid`                | `requestID`, `sharedEventID`                 |
//! | `responseelements`, `additionaleventdata`   | `responseElements`, `additionalEventData`    |
//! | `requestparameters`, `resources`, `tlsdetails` | read by the `events` view from `raw`      |
//! | `useridentity.{type,principalid,arn,accountid,accesskeyid,username,invokedby}` | `userIdentity.*` |
//! | `useridentity.onbehalfof.userid`            | `userIdentity.onBehalfOf.userId`             |
//! | `…sessioncontext.sessionissuer.{type,arn,username}` | `…sessionContext.sessionIssuer.*`    |
//! | `…sessioncontext.attributes.{mfaauthenticated,creationdate}` | `…attributes.*`             |
//!
//! Athena writes the free-form parts (`requestparameters`, `responseelements`,
//! `additionaleventdata`) as strings holding JSON; they are decoded where read. The raw record
//! is kept exactly as read.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::cloudtrail::{
    flexible_bool, OnBehalfOf, Record, SessionAttributes, SessionContext, SessionIssuer, Text,
    UserIdentity,
};

#[derive(Deserialize, Default)]
pub struct LowerRecord<'a> {
    #[serde(borrow)]
    eventversion: Option<Text<'a>>,
    #[serde(borrow)]
    eventid: Option<Text<'a>>,
    #[serde(borrow)]
    eventtime: Option<Text<'a>>,
    #[serde(borrow)]
    eventsource: Option<Text<'a>>,
    #[serde(borrow)]
    eventname: Option<Text<'a>>,
    #[serde(borrow)]
    eventtype: Option<Text<'a>>,
    #[serde(borrow)]
    eventcategory: Option<Text<'a>>,
    #[serde(borrow)]
    awsregion: Option<Text<'a>>,
    #[serde(borrow)]
    recipientaccountid: Option<Text<'a>>,
    #[serde(borrow)]
    sourceipaddress: Option<Text<'a>>,
    #[serde(borrow)]
    useragent: Option<Text<'a>>,
    #[serde(borrow)]
    errorcode: Option<Text<'a>>,
    #[serde(borrow)]
    errormessage: Option<Text<'a>>,
    #[serde(default, deserialize_with = "flexible_bool")]
    readonly: Option<bool>,
    #[serde(default, deserialize_with = "flexible_bool")]
    managementevent: Option<bool>,
    #[serde(borrow)]
    requestid: Option<Text<'a>>,
    #[serde(borrow)]
    sharedeventid: Option<Text<'a>>,
    #[serde(borrow)]
    useridentity: Option<LowerIdentity<'a>>,
    #[serde(borrow)]
    responseelements: Option<&'a RawValue>,
    #[serde(borrow)]
    additionaleventdata: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct LowerIdentity<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Text<'a>>,
    #[serde(borrow)]
    principalid: Option<Text<'a>>,
    #[serde(borrow)]
    arn: Option<Text<'a>>,
    #[serde(borrow)]
    accountid: Option<Text<'a>>,
    #[serde(borrow)]
    accesskeyid: Option<Text<'a>>,
    #[serde(borrow)]
    username: Option<Text<'a>>,
    #[serde(borrow)]
    invokedby: Option<Text<'a>>,
    #[serde(borrow)]
    onbehalfof: Option<LowerOnBehalfOf<'a>>,
    #[serde(borrow)]
    sessioncontext: Option<LowerSession<'a>>,
}

#[derive(Deserialize, Default)]
struct LowerOnBehalfOf<'a> {
    #[serde(borrow)]
    userid: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
struct LowerSession<'a> {
    #[serde(borrow)]
    sessionissuer: Option<LowerIssuer<'a>>,
    #[serde(borrow)]
    attributes: Option<LowerAttributes<'a>>,
}

#[derive(Deserialize, Default)]
struct LowerIssuer<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Text<'a>>,
    #[serde(borrow)]
    arn: Option<Text<'a>>,
    #[serde(borrow)]
    username: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
struct LowerAttributes<'a> {
    #[serde(default, deserialize_with = "flexible_bool")]
    mfaauthenticated: Option<bool>,
    #[serde(borrow)]
    creationdate: Option<Text<'a>>,
}

impl LowerRecord<'_> {
    pub fn looks_like_a_record(&self) -> bool {
        self.eventtime.is_some() || self.eventname.is_some() || self.eventid.is_some()
    }
}

impl<'a> From<LowerRecord<'a>> for Record<'a> {
    fn from(r: LowerRecord<'a>) -> Self {
        Record {
            event_version: r.eventversion,
            event_id: r.eventid,
            event_time: r.eventtime,
            event_source: r.eventsource,
            event_name: r.eventname,
            event_type: r.eventtype,
            event_category: r.eventcategory,
            aws_region: r.awsregion,
            recipient_account_id: r.recipientaccountid,
            source_ip: r.sourceipaddress,
            user_agent: r.useragent,
            error_code: r.errorcode,
            error_message: r.errormessage,
            read_only: r.readonly,
            management_event: r.managementevent,
            request_id: r.requestid,
            shared_event_id: r.sharedeventid,
            user_identity: r.useridentity.map(UserIdentity::from),
            // Kept for the view to decode from raw (the value may be JSON written as a string).
            request_parameters: None,
            response_elements: r.responseelements,
            additional_event_data: r.additionaleventdata,
            cloudtrail_event: None,
        }
    }
}

impl<'a> From<LowerIdentity<'a>> for UserIdentity<'a> {
    fn from(i: LowerIdentity<'a>) -> Self {
        UserIdentity {
            kind: i.kind,
            principal_id: i.principalid,
            arn: i.arn,
            account_id: i.accountid,
            access_key_id: i.accesskeyid,
            user_name: i.username,
            invoked_by: i.invokedby,
            on_behalf_of: i.onbehalfof.map(|o| OnBehalfOf { user_id: o.userid }),
            session_context: i.sessioncontext.map(|s| SessionContext {
                session_issuer: s.sessionissuer.map(|x| SessionIssuer {
                    kind: x.kind,
                    arn: x.arn,
                    user_name: x.username,
                }),
                attributes: s.attributes.map(|a| SessionAttributes {
                    mfa_authenticated: a.mfaauthenticated,
                    creation_date: a.creationdate,
                }),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::decode::cloudtrail::visit_record;

    #[test]
    fn reads_an_athena_style_record() {
        let text = r#"{"eventversion":"1.08","eventid":"e1","eventtime":"2024-05-01T12:00:00Z",
            "eventname":"ConsoleLogin","readonly":"false","recipientaccountid":"111",
            "useridentity":{"type":"Root","arn":"arn:aws:iam::111:root","accesskeyid":"ASIA1",
              "sessioncontext":{"attributes":{"mfaauthenticated":"true"},
                "sessionissuer":{"type":"Role","username":"admin"}}},
            "responseelements":"{\"ConsoleLogin\":\"Success\"}",
            "additionaleventdata":"{\"MFAUsed\":\"Yes\"}"}"#;
        let got = visit_record(text.as_bytes(), |r, raw| {
            assert_eq!(raw, text);
            let identity = r.user_identity.as_ref().unwrap();
            let session = identity.session_context.as_ref().unwrap();
            (
                r.event_name.as_deref().map(str::to_string),
                r.read_only,
                identity.access_key_id.as_deref().map(str::to_string),
                session.attributes.as_ref().unwrap().mfa_authenticated,
                session.session_issuer.as_ref().unwrap().user_name.is_some(),
                r.console_login_result(),
                r.mfa_used(),
            )
        })
        .unwrap();
        assert_eq!(got.0.as_deref(), Some("ConsoleLogin"));
        assert_eq!(got.1, Some(false));
        assert_eq!(got.2.as_deref(), Some("ASIA1"));
        assert_eq!(got.3, Some(true));
        assert!(got.4);
        assert_eq!(got.5.as_deref(), Some("Success"));
        assert_eq!(got.6.as_deref(), Some("Yes"));
    }

    #[test]
    fn camel_case_wins_and_other_json_is_still_rejected() {
        let mixed = r#"{"eventName":"A","eventname":"B"}"#;
        let name = visit_record(mixed.as_bytes(), |r, _| {
            r.event_name.as_deref().map(str::to_string)
        })
        .unwrap();
        assert_eq!(name.as_deref(), Some("A"));
        let err = visit_record(br#"{"name":"x","time":"y"}"#, |_, _| ()).unwrap_err();
        assert!(err.contains("not a CloudTrail record"), "{err}");
    }
}
