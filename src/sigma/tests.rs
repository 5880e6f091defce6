//! The compiler, construct by construct: rule in, SQL out, and the events it matches in a small
//! in-memory case.

use duckdb::Connection;
use serde_json::{json, Value};

use super::*;

fn rule(detection: &str) -> SigmaRule {
    let yaml = format!(
        "title: t\nid: 00000000-0000-4000-8000-000000000000\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n{detection}\nlevel: high\n"
    );
    let mut collection = rsigma_parser::parse_sigma_yaml(&yaml).expect("parses");
    assert!(collection.errors.is_empty(), "{:?}", collection.errors);
    collection.rules.remove(0)
}

fn sql(detection: &str) -> String {
    detection_sql(&compile_rule(&rule(detection)).expect("compiles"))
}

fn reason(detection: &str) -> String {
    compile_rule(&rule(detection)).expect_err("does not compile")
}

fn record(id: &str, extra: Value) -> Value {
    let mut base = json!({
        "eventVersion": "1.09",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice",
                         "accountId": "111122223333", "userName": "alice"},
        "eventTime": "2024-05-01T10:00:00Z",
        "eventSource": "iam.amazonaws.com",
        "eventName": "ListUsers",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.10",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": null,
        "responseElements": null,
        "eventID": id,
        "readOnly": true,
        "eventType": "AwsApiCall",
        "recipientAccountId": "111122223333"
    });
    for (key, value) in extra.as_object().unwrap() {
        base[key] = value.clone();
    }
    base
}

/// An in-memory case holding `records` (the typed columns the compiler reads, and raw).
fn case(records: &[Value]) -> Connection {
    let conn = crate::store::open_in_memory().unwrap();
    for r in records {
        conn.execute(
            "INSERT INTO event_records (event_id, event_time, event_source, event_name, event_type,
                 recipient_account_id, source_ip, user_agent, error_code, error_message, user_type,
                 user_arn, user_name, access_key_id, read_only, raw)
             SELECT j->>'eventID', CAST(j->>'eventTime' AS TIMESTAMP), j->>'eventSource',
                 j->>'eventName', j->>'eventType', j->>'recipientAccountId', j->>'sourceIPAddress',
                 j->>'userAgent', j->>'errorCode', j->>'errorMessage', j->>'$.userIdentity.type',
                 j->>'$.userIdentity.arn', j->>'$.userIdentity.userName',
                 j->>'$.userIdentity.accessKeyId', CAST(j->>'readOnly' AS BOOLEAN), j
             FROM (SELECT CAST(? AS JSON) AS j)",
            [r.to_string()],
        )
        .unwrap();
    }
    conn
}

fn ids(conn: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn
        .prepare(&format!("SELECT event_id FROM ({sql}) ORDER BY event_id"))
        .unwrap_or_else(|e| panic!("{e}\n{sql}"));
    let rows = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

fn matched(detection: &str, records: &[Value]) -> Vec<String> {
    ids(&case(records), &sql(detection))
}

#[test]
fn a_map_ands_its_fields_and_a_list_ors_its_values_case_insensitively() {
    let text = sql("  selection:\n    eventSource: iam.amazonaws.com\n    eventName:\n      - CreateUser\n      - DeleteUser\n  condition: selection");
    assert!(text.contains("coalesce(lower(event_source) = 'iam.amazonaws.com', false) AND (coalesce(lower(event_name) = 'createuser', false) OR coalesce(lower(event_name) = 'deleteuser', false))"), "{text}");
    let events = [
        record("a", json!({"eventName": "CREATEUSER"})),
        record("b", json!({"eventName": "DeleteUser"})),
        record(
            "c",
            json!({"eventName": "CreateUser", "eventSource": "sts.amazonaws.com"}),
        ),
    ];
    assert_eq!(
        matched("  selection:\n    eventSource: iam.amazonaws.com\n    eventName:\n      - CreateUser\n      - DeleteUser\n  condition: selection", &events),
        ["a", "b"]
    );
}

#[test]
fn contains_startswith_endswith_and_cased() {
    let events = [
        record("a", json!({"userAgent": "S3 Browser 9.5"})),
        record("b", json!({"userAgent": "my s3 browser"})),
        record("c", json!({"userAgent": "Boto3/1.34 S3 BROWSER"})),
    ];
    assert_eq!(
        matched(
            "  s:\n    userAgent|contains: s3 browser\n  condition: s",
            &events
        ),
        ["a", "b", "c"]
    );
    assert_eq!(
        matched(
            "  s:\n    userAgent|startswith: S3 Browser\n  condition: s",
            &events
        ),
        ["a"]
    );
    assert_eq!(
        matched(
            "  s:\n    userAgent|endswith: 's3 browser'\n  condition: s",
            &events
        ),
        ["b", "c"]
    );
    assert_eq!(
        matched(
            "  s:\n    userAgent|contains|cased: S3 Browser\n  condition: s",
            &events
        ),
        ["a"]
    );
    assert!(
        sql("  s:\n    userAgent|contains|cased: S3 Browser\n  condition: s")
            .contains("contains(user_agent, 'S3 Browser')")
    );
}

#[test]
fn all_requires_every_value() {
    let events = [
        record(
            "a",
            json!({"requestParameters": {"policy": "s3:GetObject Allow"}}),
        ),
        record(
            "b",
            json!({"requestParameters": {"policy": "s3:GetObject Deny"}}),
        ),
    ];
    assert_eq!(
        matched("  s:\n    requestParameters.policy|contains|all:\n      - GetObject\n      - allow\n  condition: s", &events),
        ["a"]
    );
}

#[test]
fn wildcards_and_their_escapes() {
    let events = [
        record("a", json!({"userAgent": "tool*1"})),
        record("b", json!({"userAgent": "tool-1"})),
        record("c", json!({"userAgent": "toolXX1"})),
        record("d", json!({"userAgent": "100%_done"})),
    ];
    assert_eq!(
        matched("  s:\n    userAgent: 'tool?1'\n  condition: s", &events),
        ["a", "b"]
    );
    assert_eq!(
        matched("  s:\n    userAgent: 'tool*1'\n  condition: s", &events),
        ["a", "b", "c"]
    );
    assert_eq!(
        matched("  s:\n    userAgent: 'tool\\*1'\n  condition: s", &events),
        ["a"]
    );
    // SQL's own wildcards in a value are literal.
    assert_eq!(
        matched("  s:\n    userAgent: '100%_*'\n  condition: s", &events),
        ["d"]
    );
    assert_eq!(
        matched("  s:\n    userAgent|contains: '*'\n  condition: s", &events),
        ["a", "b", "c", "d"]
    );
}

#[test]
fn regular_expressions_are_case_sensitive_unless_flagged() {
    let events = [
        record(
            "a",
            json!({"userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/aws:ec2-instance/i-1"}}),
        ),
        record(
            "b",
            json!({"userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/AWS:ec2-instance/i-1"}}),
        ),
    ];
    assert_eq!(
        matched(
            "  s:\n    userIdentity.arn|re: '.+:assumed-role/aws:.+'\n  condition: s",
            &events
        ),
        ["a"]
    );
    assert_eq!(
        matched(
            "  s:\n    userIdentity.arn|re|i: '.+:assumed-role/aws:.+'\n  condition: s",
            &events
        ),
        ["a", "b"]
    );
    assert!(reason("  s:\n    userAgent|re: '(?<=x)y'\n  condition: s").contains("RE2 syntax"));
}

#[test]
fn cidr_matches_ipv4_networks_and_nothing_else() {
    let events = [
        record("a", json!({"sourceIPAddress": "10.1.2.3"})),
        record("b", json!({"sourceIPAddress": "10.2.0.1"})),
        record("c", json!({"sourceIPAddress": "cloudtrail.amazonaws.com"})),
        record("d", json!({"sourceIPAddress": "2001:db8::1"})),
    ];
    assert_eq!(
        matched(
            "  s:\n    sourceIPAddress|cidr: 10.1.0.0/16\n  condition: s",
            &events
        ),
        ["a"]
    );
    assert_eq!(
        matched("  s:\n    sourceIPAddress|cidr:\n      - 10.1.0.0/16\n      - 10.2.0.0/24\n  condition: s", &events),
        ["a", "b"]
    );
    assert_eq!(
        matched(
            "  s:\n    sourceIPAddress|cidr: 10.0.0.0/8\n  condition: not s",
            &events
        ),
        ["c", "d"]
    );
    assert!(
        reason("  s:\n    sourceIPAddress|cidr: 2001:db8::/32\n  condition: s")
            .contains("only IPv4")
    );
}

#[test]
fn exists_and_null() {
    let events = [
        record("a", json!({"errorCode": "AccessDenied"})),
        record("b", json!({})),
        record("c", json!({"requestParameters": {"bucketName": null}})),
        record("d", json!({"requestParameters": {"bucketName": "x"}})),
    ];
    assert_eq!(
        matched("  s:\n    errorCode|exists: true\n  condition: s", &events),
        ["a"]
    );
    assert_eq!(
        matched("  s:\n    errorCode|exists: false\n  condition: s", &events),
        ["b", "c", "d"]
    );
    assert_eq!(
        matched("  s:\n    errorCode: null\n  condition: s", &events),
        ["b", "c", "d"]
    );
    assert_eq!(
        matched(
            "  s:\n    requestParameters.bucketName: null\n  condition: s",
            &events
        ),
        ["a", "b", "c"]
    );
    assert_eq!(
        matched(
            "  s:\n    requestParameters.bucketName|exists: true\n  condition: s",
            &events
        ),
        ["d"]
    );
}

#[test]
fn a_filter_on_a_missing_field_does_not_hide_the_event() {
    // SQL's NULL would make `NOT (error_code = 'x')` unknown; Sigma says the filter is false.
    let events = [
        record("a", json!({})),
        record("b", json!({"errorCode": "AccessDenied"})),
    ];
    assert_eq!(
        matched("  s:\n    eventName: ListUsers\n  f:\n    errorCode: AccessDenied\n  condition: s and not f", &events),
        ["a"]
    );
}

#[test]
fn numbers_booleans_and_comparisons() {
    let events = [
        record(
            "a",
            json!({"requestParameters": {"maxResults": 1000, "enable": false}}),
        ),
        record(
            "b",
            json!({"requestParameters": {"maxResults": 5, "enable": true}}),
        ),
        record("c", json!({"requestParameters": {"maxResults": "50"}})),
    ];
    assert_eq!(
        matched(
            "  s:\n    requestParameters.maxResults|gte: 50\n  condition: s",
            &events
        ),
        ["a", "c"]
    );
    assert_eq!(
        matched(
            "  s:\n    requestParameters.maxResults|lt: 50\n  condition: s",
            &events
        ),
        ["b"]
    );
    assert_eq!(
        matched(
            "  s:\n    requestParameters.maxResults: 5\n  condition: s",
            &events
        ),
        ["b"]
    );
    assert_eq!(
        matched(
            "  s:\n    requestParameters.enable: false\n  condition: s",
            &events
        ),
        ["a"]
    );
    assert_eq!(
        matched(
            "  s:\n    requestParameters.enable: 'false'\n  condition: s",
            &events
        ),
        ["a"]
    );
    assert_eq!(
        matched("  s:\n    readOnly: true\n  condition: s", &events),
        ["a", "b", "c"]
    );
    assert!(
        reason("  s:\n    requestParameters.maxResults|gt: many\n  condition: s")
            .contains("non-number")
    );
}

#[test]
fn keywords_search_the_whole_record() {
    let events = [
        record("a", json!({"requestParameters": {"note": "pacu was here"}})),
        record("b", json!({})),
    ];
    assert_eq!(
        matched(
            "  keywords:\n    - PACU\n    - kali\n  condition: keywords",
            &events
        ),
        ["a"]
    );
    assert_eq!(
        matched(
            "  keywords:\n    - 'pacu*here'\n  condition: keywords",
            &events
        ),
        ["a"]
    );
}

#[test]
fn the_condition_language() {
    let events = [
        record("a", json!({"eventName": "CreateUser"})),
        record("b", json!({"eventName": "DeleteUser"})),
        record(
            "c",
            json!({"eventName": "CreateUser", "errorCode": "AccessDenied"}),
        ),
        record(
            "d",
            json!({"eventName": "ListUsers", "userAgent": "S3 Browser"}),
        ),
    ];
    let sel = "  sel_create:\n    eventName: CreateUser\n  sel_delete:\n    eventName: DeleteUser\n  filter_error:\n    errorCode|exists: true\n  _private:\n    userAgent|contains: browser\n";
    let run = |condition: &str| matched(&format!("{sel}  condition: {condition}"), &events);
    assert_eq!(run("1 of sel_*"), ["a", "b", "c"]);
    assert_eq!(run("1 of sel_* and not 1 of filter_*"), ["a", "b"]);
    assert_eq!(run("all of sel_*"), Vec::<String>::new());
    assert_eq!(
        run("sel_create and not (filter_error or sel_delete)"),
        ["a"]
    );
    assert_eq!(
        run("(sel_create or sel_delete) and not filter_error"),
        ["a", "b"]
    );
    // `them` leaves out names starting with an underscore.
    assert_eq!(run("1 of them"), ["a", "b", "c"]);
    assert_eq!(run("_private"), ["d"]);
    assert_eq!(run("2 of them"), ["c"]);
    assert_eq!(run("all of filter_* or sel_delete"), ["b", "c"]);
    assert!(reason(&format!("{sel}  condition: 1 of nothing_*")).contains("matches no detection"));
    assert!(
        reason(&format!("{sel}  condition: sel_create and undefined"))
            .contains("`undefined`, which is not defined")
    );
}

#[test]
fn a_list_of_maps_ors_them() {
    let events = [
        record("a", json!({"eventSource": "ssm.amazonaws.com"})),
        record("b", json!({"sourceIPAddress": "AWS Internal"})),
        record("c", json!({})),
    ];
    assert_eq!(
        matched("  f:\n    - eventSource: ssm.amazonaws.com\n    - sourceIPAddress: 'AWS Internal'\n  condition: f", &events),
        ["a", "b"]
    );
}

#[test]
fn field_references_compare_two_fields() {
    let events = [
        record("a", json!({"requestParameters": {"userName": "ALICE"}})),
        record("b", json!({"requestParameters": {"userName": "bob"}})),
    ];
    assert_eq!(
        matched(
            "  s:\n    userIdentity.userName|fieldref: requestParameters.userName\n  condition: s",
            &events
        ),
        ["a"]
    );
    assert_eq!(matched("  s:\n    userIdentity.arn|fieldref|endswith: requestParameters.userName\n  condition: s", &events), ["a"]);
    assert_eq!(
        matched("  s:\n    userIdentity.userName|fieldref|cased: requestParameters.userName\n  condition: s", &events),
        Vec::<String>::new()
    );
}

#[test]
fn json_paths_look_through_arrays_and_keys_are_case_sensitive() {
    let events = [
        record(
            "a",
            json!({"requestParameters": {"containerDefinitions": [{"command": ["sh", "-c", "curl $AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"]}]}}),
        ),
        record(
            "b",
            json!({"requestParameters": {"containerDefinitions": [{"command": ["echo"]}, {"image": "x"}]}}),
        ),
        record(
            "c",
            json!({"requestParameters": {"ContainerDefinitions": [{"command": ["$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"]}]}}),
        ),
        record(
            "d",
            json!({"resources": [{"ARN": "arn:aws:s3:::evidence", "type": "AWS::S3::Bucket"}]}),
        ),
    ];
    assert_eq!(
        matched("  s:\n    requestParameters.containerDefinitions.command|contains: '$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'\n  condition: s", &events),
        ["a"]
    );
    assert_eq!(
        matched(
            "  s:\n    requestParameters.containerDefinitions.command: echo\n  condition: s",
            &events
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        matched(
            "  s:\n    resources.ARN|endswith: ':evidence'\n  condition: s",
            &events
        ),
        ["d"]
    );
    assert_eq!(
        matched(
            "  s:\n    requestParameters|contains: containerdefinitions\n  condition: s",
            &events
        ),
        ["a", "b", "c"]
    );
}

#[test]
fn neq_and_base64() {
    let events = [
        record("a", json!({"userAgent": "aws-cli"})),
        record("b", json!({"userAgent": "Boto3"})),
        record(
            "c",
            json!({"requestParameters": {"userData": "IyEvYmluL2Jhc2gKY3VybCBldmlsLmV4YW1wbGU="}}),
        ),
    ];
    assert_eq!(
        matched("  s:\n    userAgent|neq: AWS-CLI\n  condition: s", &events),
        ["b", "c"]
    );
    // "#!/bin/bash\ncurl evil.example" encoded; 15 bytes encode without padding.
    assert_eq!(matched("  s:\n    requestParameters.userData|base64|startswith: \"#!/bin/bash\\ncur\"\n  condition: s", &events), ["c"]);
}

#[test]
fn values_are_quoted_so_a_rule_cannot_inject_sql() {
    let text = sql("  s:\n    userAgent: \"x' OR 1=1 --\"\n  condition: s");
    assert!(
        text.contains("lower(user_agent) = 'x'' or 1=1 --'"),
        "{text}"
    );
    let events = [
        record("a", json!({"userAgent": "x' OR 1=1 --"})),
        record("b", json!({})),
    ];
    assert_eq!(
        matched(
            "  s:\n    userAgent: \"x' OR 1=1 --\"\n  condition: s",
            &events
        ),
        ["a"]
    );
}

#[test]
fn a_column_prefilter_spares_json_reads_and_keeps_the_whole_predicate() {
    let text = sql("  s:\n    eventSource: ec2.amazonaws.com\n    requestParameters.attribute: userData\n  condition: s");
    assert!(text.contains("event_row IN (SELECT event_row FROM events WHERE coalesce(lower(event_source) = 'ec2.amazonaws.com', false))"), "{text}");
    assert!(
        text.contains("request_parameters ->> '$.\"attribute\"'"),
        "{text}"
    );
    // A negated JSON test cannot narrow the prefilter (it would drop events lacking the field).
    let negated = sql("  s:\n    eventSource: ec2.amazonaws.com\n  f:\n    requestParameters.attribute: userData\n  condition: s and not f");
    assert!(
        negated.contains("WHERE coalesce(lower(event_source) = 'ec2.amazonaws.com', false))"),
        "{negated}"
    );
    // Columns only: no prefilter.
    assert!(!sql("  s:\n    eventName: X\n  condition: s").contains("event_row IN"));
}

#[test]
fn what_is_not_supported_says_why() {
    assert!(reason("  s:\n    EventName: X\n  condition: s").contains("did you mean `eventName`"));
    assert!(reason("  s:\n    Image: cmd.exe\n  condition: s")
        .contains("not a CloudTrail record field"));
    assert!(reason("  s:\n    userIdentity.badField: x\n  condition: s")
        .contains("not a CloudTrail record field"));
    assert!(reason("  s:\n    userAgent|windash: x\n  condition: s")
        .contains("`|windash` is not supported"));
    assert!(
        reason("  s:\n    userAgent|base64offset: x\n  condition: s")
            .contains("`|base64offset` is not supported")
    );
    assert!(
        reason("  s:\n    eventName: X\n  timeframe: 5m\n  condition: s").contains("timeframe")
    );
    let mut windows = rule("  s:\n    eventName: X\n  condition: s");
    windows.logsource.product = Some("windows".into());
    assert!(compile_rule(&windows)
        .unwrap_err()
        .contains("only AWS CloudTrail"));
}

#[test]
fn level_and_tags_become_severity_and_mitre() {
    assert_eq!(severity(Some(Level::Informational)), Severity::Info);
    assert_eq!(severity(Some(Level::Critical)), Severity::Critical);
    assert_eq!(severity(None), Severity::Medium);
    let tags = [
        "attack.defense-evasion",
        "attack.t1562.008",
        "attack.t1078",
        "cve.2024-1",
    ]
    .map(String::from);
    assert_eq!(mitre(&tags), ["T1562.008", "T1078"]);
}

#[test]
fn a_later_rule_with_the_same_sigma_id_replaces_the_earlier_one() {
    let file = |origin: &str, level: &str| {
        RuleFile {
        origin: origin.into(),
        text: format!("title: t {level}\nid: 11111111-1111-4111-8111-111111111111\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  s:\n    eventName: X\n  condition: s\nlevel: {level}\n"),
        bundled: false,
    }
    };
    let set = compile_all(&[file("a/first.yml", "low"), file("b/second.yml", "high")]);
    assert_eq!(set.compiled.len(), 1);
    let only = set.compiled.values().next().unwrap();
    assert_eq!(only.header.id, "sigma.second");
    assert_eq!(only.header.severity, Severity::High);
}
