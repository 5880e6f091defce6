use std::path::Path;

use super::*;

fn decoded(text: &str, name: &str) -> Decoded {
    decode(text.as_bytes(), Path::new(name)).expect("decodes")
}

#[test]
fn recognises_each_shape_and_reads_the_file_name() {
    let Decoded::Output(output) = decoded(
        r#"{"SummaryMap": {"AccountMFAEnabled": 1, "AccountAccessKeysPresent": 0}}"#,
        "111122223333__global__20240603T080000Z__iam-get-account-summary.json",
    ) else {
        panic!("not an output")
    };
    assert_eq!(output.command, Command::IamGetAccountSummary);
    assert_eq!(output.account_id.as_deref(), Some("111122223333"));
    assert_eq!(output.region.as_deref(), Some("global"));

    let targets = |first: &str| match decoded(&format!(r#"{{"Targets": [{first}]}}"#), "t.json") {
        Decoded::Output(output) => Some(output.command),
        _ => None,
    };
    assert_eq!(
        targets(
            r#"{"TargetId": "r-ab12", "Arn": "arn:aws:organizations::111122223333:root/o-x/r-ab12", "Name": "Root", "Type": "ROOT"}"#
        ),
        Some(Command::OrganizationsListTargetsForPolicy)
    );
    assert_eq!(
        targets(r#"{"Id": "1", "Arn": "arn:aws:sns:us-east-1:111122223333:alerts"}"#),
        Some(Command::EventsListTargetsByRule)
    );
    assert_eq!(
        targets(""),
        None,
        "an empty list says nothing without a name"
    );
}

#[test]
fn a_saved_error_is_an_answer() {
    let Decoded::Output(output) = decoded(
        r#"{"Operation": "GetAccountPasswordPolicy", "Error": {"Code": "NoSuchEntity", "Message": "The Password Policy with domain name 111122223333 cannot be found."}}"#,
        "111122223333__global__20240603T080000Z__iam-get-account-password-policy.json",
    ) else {
        panic!("not an output")
    };
    assert_eq!(output.command, Command::IamGetAccountPasswordPolicy);
    assert_eq!(output.error_code.as_deref(), Some("NoSuchEntity"));
}

#[test]
fn a_wrong_shape_names_the_field() {
    let Decoded::Broken(command, error) = decoded(
        r#"{"metricFilters": [{"filterName": "root", "logGroupName": "trail"}]}"#,
        "x.json",
    ) else {
        panic!("accepted")
    };
    assert_eq!(command, Command::LogsDescribeMetricFilters);
    assert_eq!(error.position, "metricFilters[0]");
    assert!(error.cause.contains("metricTransformations"), "{error}");
    // Another tool's `Account` is not describe-account output.
    assert!(matches!(
        decoded(
            r#"{"UserId": "AIDA", "Account": "111122223333", "Arn": "arn:aws:iam::111122223333:user/a"}"#,
            "id.json"
        ),
        Decoded::NotPosture(_)
    ));
}
