//! Tests of `cloudtrail.rs`.

use super::*;

fn split(text: &str) -> (Result<DocumentKind, DecodeError>, Vec<String>) {
    let mut stream = JsonStream::new(text.as_bytes());
    let mut records = Vec::new();
    let result = split_document(&mut stream, |bytes, _| {
        records.push(match bytes {
            Ok(bytes) => String::from_utf8(bytes.to_vec()).unwrap(),
            Err(skipped) => format!("skipped: {skipped}"),
        })
    });
    (result, records)
}

#[test]
fn splits_every_shape() {
    let (kind, got) = split(r#"{"Records":[{"eventID":"a"},{"eventID":"b"}]}"#);
    assert_eq!(kind.unwrap(), DocumentKind::Records);
    assert_eq!(got, [r#"{"eventID":"a"}"#, r#"{"eventID":"b"}"#]);

    let (kind, got) = split(r#"[{"eventID":"a"}]"#);
    assert_eq!(kind.unwrap(), DocumentKind::Array);
    assert_eq!(got.len(), 1);

    let (kind, got) = split("{\"eventID\":\"a\"}\n{\"eventID\":\"b\"}\n\n{\"eventID\":\"c\"}\n");
    assert_eq!(kind.unwrap(), DocumentKind::Lines);
    assert_eq!(
        got,
        [
            r#"{"eventID":"a"}"#,
            r#"{"eventID":"b"}"#,
            r#"{"eventID":"c"}"#
        ]
    );

    let (kind, got) = split(r#"{"NextToken":"x","Events":[{"CloudTrailEvent":"{}"}]}"#);
    assert_eq!(kind.unwrap(), DocumentKind::Lookup);
    assert_eq!(got.len(), 1);

    let (kind, got) = split(r#"{"awsAccountId":"1","digestStartTime":"t","logFiles":[]}"#);
    assert!(matches!(kind.unwrap(), DocumentKind::Digest(text) if text.starts_with(b"{\"aws")));
    assert!(got.is_empty());

    let (kind, _) = split(r#"{"name":"not cloudtrail"}"#);
    assert!(matches!(kind.unwrap(), DocumentKind::NotCloudTrail(_)));
}

#[test]
fn a_broken_ndjson_line_is_one_bad_record() {
    let (kind, got) = split("{\"eventID\":\"a\"}\n{\"eventID\":\"b\n{\"eventID\":\"c\"}\r\n");
    assert_eq!(kind.unwrap(), DocumentKind::Lines);
    assert_eq!(
        got,
        [
            r#"{"eventID":"a"}"#,
            r#"{"eventID":"b"#,
            r#"{"eventID":"c"}"#
        ]
    );
}

#[test]
fn records_that_is_not_an_array_is_an_error() {
    let (kind, _) = split(r#"{"Records":{"eventID":"a"}}"#);
    let err = kind.unwrap_err();
    assert!(
        err.cause
            .contains("\"Records\" is not an array (found an object)"),
        "{err}"
    );
    assert!(err.position.contains("byte 11"), "{err}");
}

#[test]
fn truncated_document_is_an_error_after_the_good_records() {
    let (kind, got) = split(r#"{"Records":[{"eventID":"a"},{"eventID":"#);
    assert!(kind.unwrap_err().cause.contains("truncated"));
    assert_eq!(got.len(), 1);
}

#[test]
fn parses_typed_fields_and_keeps_free_form_parts_raw() {
    let text = r#"{"eventVersion":"1.08","eventID":"e1","eventTime":"2024-05-01T12:00:00Z",
        "readOnly":"true","userIdentity":{"type":"Root","arn":"arn:aws:iam::1:root",
        "sessionContext":{"attributes":{"mfaAuthenticated":"false"}}},
        "requestParameters":null,"responseElements":{"ConsoleLogin":"Success"},
        "additionalEventData":{"MFAUsed":"YES"},"userAgent":"a \"quoted\" agent"}"#;
    let (read_only, mfa, login, ua) = visit_record(text.as_bytes(), |r, raw| {
        assert_eq!(raw, text);
        let identity = r.user_identity.as_ref().unwrap();
        assert_eq!(identity.kind.as_deref(), Some("Root"));
        (
            r.read_only,
            identity
                .session_context
                .as_ref()
                .unwrap()
                .attributes
                .as_ref()
                .unwrap()
                .mfa_authenticated,
            (r.console_login_result(), r.mfa_used()),
            r.user_agent.as_deref().map(str::to_string),
        )
    })
    .unwrap();
    assert_eq!(read_only, Some(true));
    assert_eq!(mfa, Some(false));
    assert_eq!(login, (Some("Success".into()), Some("YES".into())));
    assert_eq!(ua.as_deref(), Some("a \"quoted\" agent"));
}

#[test]
fn unwraps_console_event_history_items() {
    let item = r#"{"EventId":"e1","CloudTrailEvent":"{\"eventID\":\"e1\",\"eventName\":\"ConsoleLogin\"}"}"#;
    let (name, raw) = visit_record(item.as_bytes(), |r, raw| {
        (r.event_name.as_deref().map(str::to_string), raw.to_string())
    })
    .unwrap();
    assert_eq!(name.as_deref(), Some("ConsoleLogin"));
    assert_eq!(raw, r#"{"eventID":"e1","eventName":"ConsoleLogin"}"#);
}

#[test]
fn rejects_non_records_and_bad_bytes() {
    assert!(visit_record(b"42", |_, _| ())
        .unwrap_err()
        .contains("invalid record"));
    assert!(visit_record(b"{}", |_, _| ())
        .unwrap_err()
        .contains("not a CloudTrail record"));
    let err = visit_record(b"{\"eventID\":\"a\xff\"}", |_, _| ()).unwrap_err();
    assert!(err.contains("invalid UTF-8 (byte 0xff at byte 13"), "{err}");
}

/// Found by the `json_splitter_vs_serde` fuzz target: a `Records` document with a raw control
/// character in a string beside the records was accepted, though it is not JSON.
#[test]
fn a_container_with_invalid_json_beside_the_records_is_an_error() {
    let (kind, records) = split("{\"Records\":[{\"eventID\":\"a\"}],\"eventType\":\"Aws\u{1b}\"}");
    let error = kind.unwrap_err();
    assert!(
        error
            .cause
            .contains("the document's `eventType` member is not valid JSON"),
        "{}",
        error.cause
    );
    assert_eq!(records.len(), 1);
    // The fuzzer's second find: invalid UTF-8 inside such a member, which skipping let through.
    let mut stream = JsonStream::new(&b"{\"Records\":[],\"Record{\":[{\"a\":\"x\xff\"}]}"[..]);
    assert!(split_document(&mut stream, |_, _| ()).is_err());
    // The same member in a bare record is that record's problem, not the document's.
    let (kind, records) =
        split("{\"eventID\":\"a\",\"eventType\":\"Aws\u{1b}\"}\n{\"eventID\":\"b\"}\n");
    assert_eq!(kind.unwrap(), DocumentKind::Lines);
    assert_eq!(records.len(), 2);
}
