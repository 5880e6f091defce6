use super::*;

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect("test timestamp")
}

const FULL: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated
<root_account>,arn:aws:iam::111122223333:root,2019-01-02T03:04:05+00:00,not_supported,2024-03-11T09:14:02+00:00,not_supported,not_supported,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
alice,arn:aws:iam::111122223333:user/alice,2020-05-06T07:08:09+00:00,true,2024-04-01T10:00:00+00:00,2024-01-01T00:00:00+00:00,2024-07-01T00:00:00+00:00,true,true,2023-12-24T12:00:00+00:00,2024-04-02T11:22:33+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
";

#[test]
fn header_has_22_distinct_columns() {
    let mut names: Vec<&str> = COLUMNS.iter().map(|(name, _)| *name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 22);
    assert_eq!((COLUMNS[USER].0, COLUMNS[ARN].0), ("user", "arn"));
}

#[test]
fn parses_full_report() {
    let report = parse(FULL.as_bytes()).expect("full report parses");
    assert_eq!(report.account_id.as_deref(), Some("111122223333"));
    assert_eq!(report.rows.len(), 2);

    let alice = &report.rows[1];
    assert_eq!(alice.row_index, 1);
    assert_eq!(alice.user(), "alice");
    assert_eq!(alice.arn(), "arn:aws:iam::111122223333:user/alice");
    assert_eq!(
        alice.time("user_creation_time"),
        Some(at("2020-05-06 07:08:09"))
    );
    assert_eq!(alice.flag("password_enabled"), Some(true));
    assert_eq!(
        alice.time("password_last_used"),
        Some(at("2024-04-01 10:00:00"))
    );
    assert_eq!(
        alice.time("password_last_changed"),
        Some(at("2024-01-01 00:00:00"))
    );
    assert_eq!(
        alice.time("password_next_rotation"),
        Some(at("2024-07-01 00:00:00"))
    );
    assert_eq!(alice.flag("mfa_active"), Some(true));
    assert_eq!(alice.flag("access_key_1_active"), Some(true));
    assert_eq!(
        alice.time("access_key_1_last_rotated"),
        Some(at("2023-12-24 12:00:00"))
    );
    assert_eq!(
        alice.time("access_key_1_last_used_date"),
        Some(at("2024-04-02 11:22:33"))
    );
    assert_eq!(
        alice.text("access_key_1_last_used_region"),
        Some("us-east-1")
    );
    assert_eq!(alice.text("access_key_1_last_used_service"), Some("s3"));
    assert_eq!(alice.flag("access_key_2_active"), Some(false));
    assert_eq!(alice.time("access_key_2_last_rotated"), None);
    assert_eq!(alice.text("access_key_2_last_used_region"), None);
    assert_eq!(alice.flag("cert_1_active"), Some(false));
    assert_eq!(alice.time("cert_1_last_rotated"), None);
    assert_eq!(alice.flag("cert_2_active"), Some(false));
    assert_eq!(alice.time("cert_2_last_rotated"), None);
    let special_columns: Vec<&str> = alice.special_values.iter().map(|(c, _)| *c).collect();
    assert_eq!(
        special_columns,
        [
            "access_key_2_last_rotated",
            "access_key_2_last_used_date",
            "access_key_2_last_used_region",
            "access_key_2_last_used_service",
            "cert_1_last_rotated",
            "cert_2_last_rotated",
        ]
    );
}

#[test]
fn root_row() {
    let report = parse(FULL.as_bytes()).expect("full report parses");
    let root = &report.rows[0];
    assert_eq!(root.row_index, 0);
    assert_eq!(root.user(), "<root_account>");
    assert_eq!(root.arn(), "arn:aws:iam::111122223333:root");
    assert_eq!(root.flag("password_enabled"), None);
    assert_eq!(
        root.time("password_last_used"),
        Some(at("2024-03-11 09:14:02"))
    );
    assert!(root
        .special_values
        .contains(&("password_enabled", "not_supported".to_owned())));
    assert!(root
        .special_values
        .contains(&("password_next_rotation", "not_supported".to_owned())));
    assert_eq!(root.flag("mfa_active"), Some(false));
}

#[test]
fn account_prefers_root_row() {
    let csv = "user,arn\n\
            bob,arn:aws:iam::999999999999:user/bob\n\
            <root_account>,arn:aws:iam::111122223333:root\n";
    let report = parse(csv.as_bytes()).expect("parses");
    assert_eq!(report.account_id.as_deref(), Some("111122223333"));
}

#[test]
fn account_from_user_arn_in_other_partitions() {
    let gov = "user,arn\nbob,arn:aws-us-gov:iam::444455556666:user/ops/bob\n";
    let report = parse(gov.as_bytes()).expect("parses");
    assert_eq!(report.account_id.as_deref(), Some("444455556666"));

    let cn = "user,arn\nbob,not-an-arn\ncarol,arn:aws-cn:iam::777788889999:user/carol\n";
    let report = parse(cn.as_bytes()).expect("parses");
    assert_eq!(report.account_id.as_deref(), Some("777788889999"));
}

#[test]
fn no_rows_no_account() {
    let report = parse(b"user,arn,mfa_active\n").expect("header only parses");
    assert!(report.rows.is_empty());
    assert_eq!(report.account_id, None);
}

#[test]
fn bom_and_crlf() {
    let csv = "\u{FEFF}user,arn,mfa_active\r\n\
            alice,arn:aws:iam::111122223333:user/alice,true\r\n\
            bob,arn:aws:iam::111122223333:user/bob,false\r\n";
    let report = parse(csv.as_bytes()).expect("parses");
    assert_eq!(report.rows.len(), 2);
    assert_eq!(report.rows[0].user(), "alice");
    assert_eq!(report.rows[0].flag("mfa_active"), Some(true));
    assert_eq!(report.rows[1].arn(), "arn:aws:iam::111122223333:user/bob");
    assert_eq!(report.rows[1].flag("mfa_active"), Some(false));
    assert!(report.rows.iter().all(|r| r.special_values.is_empty()));
}

#[test]
fn subset_of_columns_in_other_order() {
    let csv = "mfa_active,access_key_1_last_used_region,arn,password_last_used,user\n\
            TRUE,eu-west-1,arn:aws:iam::111122223333:user/alice,2024-02-03T04:05:06Z,alice\n";
    let report = parse(csv.as_bytes()).expect("parses");
    let row = &report.rows[0];
    assert_eq!(row.user(), "alice");
    assert_eq!(row.arn(), "arn:aws:iam::111122223333:user/alice");
    assert_eq!(row.flag("mfa_active"), Some(true));
    assert_eq!(row.text("access_key_1_last_used_region"), Some("eu-west-1"));
    assert_eq!(
        row.time("password_last_used"),
        Some(at("2024-02-03 04:05:06"))
    );
    // Columns absent from the header stay None.
    assert_eq!(row.time("user_creation_time"), None);
    assert_eq!(row.flag("password_enabled"), None);
    assert_eq!(row.flag("access_key_1_active"), None);
    assert!(row.special_values.is_empty());
}

#[test]
fn booleans_ignore_case() {
    let csv = "user,arn,password_enabled,mfa_active,access_key_1_active,cert_1_active\n\
            a,arn:aws:iam::1:user/a,TRUE,false,True,FALSE\n";
    let row = &parse(csv.as_bytes()).expect("parses").rows[0];
    assert_eq!(row.flag("password_enabled"), Some(true));
    assert_eq!(row.flag("mfa_active"), Some(false));
    assert_eq!(row.flag("access_key_1_active"), Some(true));
    assert_eq!(row.flag("cert_1_active"), Some(false));
}

#[test]
fn timestamps_are_converted_to_utc() {
    let csv = "user,arn,user_creation_time,password_last_used,password_last_changed,cert_1_last_rotated\n\
            a,arn:aws:iam::1:user/a,2024-03-11T09:14:02+00:00,2024-03-11T09:14:02.123Z,2024-03-11T11:14:02+02:00,2024-03-11 09:14:02\n";
    let row = &parse(csv.as_bytes()).expect("parses").rows[0];
    assert_eq!(
        row.time("user_creation_time"),
        Some(at("2024-03-11 09:14:02"))
    );
    let fractional = at("2024-03-11 09:14:02")
        .checked_add_signed(chrono::TimeDelta::milliseconds(123))
        .expect("in range");
    assert_eq!(row.time("password_last_used"), Some(fractional));
    assert_eq!(
        row.time("password_last_changed"),
        Some(at("2024-03-11 09:14:02"))
    );
    assert_eq!(
        row.time("cert_1_last_rotated"),
        Some(at("2024-03-11 09:14:02"))
    );
}

#[test]
fn special_values_of_each_kind() {
    let csv = "user,arn,password_enabled,password_last_used,password_next_rotation,\
            access_key_1_last_used_region,access_key_1_last_used_service,mfa_active,user_creation_time\n\
            a,arn:aws:iam::1:user/a,not_supported,no_information,N/A,N/A,N/A,maybe,yesterday\n";
    let row = &parse(csv.as_bytes()).expect("parses").rows[0];
    assert_eq!(row.flag("password_enabled"), None);
    assert_eq!(row.time("password_last_used"), None);
    assert_eq!(row.time("password_next_rotation"), None);
    assert_eq!(row.text("access_key_1_last_used_region"), None);
    assert_eq!(row.text("access_key_1_last_used_service"), None);
    assert_eq!(row.flag("mfa_active"), None);
    assert_eq!(row.time("user_creation_time"), None);
    let expected: Vec<(&str, String)> = [
        ("password_enabled", "not_supported"),
        ("password_last_used", "no_information"),
        ("password_next_rotation", "N/A"),
        ("access_key_1_last_used_region", "N/A"),
        ("access_key_1_last_used_service", "N/A"),
        ("mfa_active", "maybe"),
        ("user_creation_time", "yesterday"),
    ]
    .into_iter()
    .map(|(c, v)| (c, v.to_owned()))
    .collect();
    assert_eq!(row.special_values, expected);
}

#[test]
fn empty_fields_are_none_but_not_special() {
    let csv = "user,arn,mfa_active,password_last_used,access_key_1_last_used_region\n\
            a,arn:aws:iam::1:user/a,,,\n";
    let row = &parse(csv.as_bytes()).expect("parses").rows[0];
    assert_eq!(row.flag("mfa_active"), None);
    assert_eq!(row.time("password_last_used"), None);
    assert_eq!(row.text("access_key_1_last_used_region"), None);
    assert!(row.special_values.is_empty());
}

#[test]
fn unknown_header_column_is_an_error() {
    let err = parse(b"user,arn,mfa_enabled\na,b,true\n").expect_err("unknown column");
    assert_eq!(err.position, "line 1, column 3");
    assert!(err.cause.contains("`mfa_enabled`"), "{}", err.cause);
    assert!(err.cause.contains("user, arn"), "{}", err.cause);
    assert_eq!(err.snippet.as_deref(), Some("user,arn,mfa_enabled"));
}

#[test]
fn header_without_user_or_arn_is_an_error() {
    let err = parse(b"user,mfa_active\na,true\n").expect_err("no arn");
    assert_eq!(err.position, "line 1");
    assert!(err.cause.contains("`arn`"), "{}", err.cause);

    let err = parse(b"arn\narn:aws:iam::1:root\n").expect_err("no user");
    assert!(err.cause.contains("`user`"), "{}", err.cause);
}

#[test]
fn duplicate_header_column_is_an_error() {
    let err = parse(b"user,arn,user\n").expect_err("duplicate");
    assert_eq!(err.position, "line 1, column 3");
    assert!(err.cause.contains("duplicate"), "{}", err.cause);
}

#[test]
fn empty_input_is_an_error() {
    let err = parse(b"").expect_err("empty");
    assert_eq!(err.position, "line 1");
    assert!(parse(b"\xEF\xBB\xBF").is_err());
}

#[test]
fn wrong_field_count_names_the_line() {
    let csv = "user,arn,mfa_active\r\n\
            a,arn:aws:iam::1:user/a,true\r\n\
            b,arn:aws:iam::1:user/b\r\n";
    let err = parse(csv.as_bytes()).expect_err("short row");
    assert_eq!(err.position, "line 3");
    assert!(err.cause.contains("expected 3"), "{}", err.cause);
    assert!(err.cause.contains("found 2"), "{}", err.cause);
    assert_eq!(err.snippet.as_deref(), Some("b,arn:aws:iam::1:user/b"));
}

#[test]
fn line_numbers_count_blank_lines_and_quoted_newlines() {
    let csv = "user,arn,mfa_active\r\n\r\n\
            \"a\r\nb\",arn:aws:iam::1:user/a,true\r\n\
            \r\n\
            c,arn:aws:iam::1:user/c,true,extra\r\n";
    let err = parse(csv.as_bytes()).expect_err("long row");
    assert_eq!(err.position, "line 6");
    assert_eq!(
        err.snippet.as_deref(),
        Some("c,arn:aws:iam::1:user/c,true,extra")
    );
}

#[test]
fn non_utf8_names_the_line() {
    let err = parse(b"user,arn\na,arn:aws:iam::1:user/a\nb\xff,arn:aws:iam::1:user/b\n")
        .expect_err("invalid UTF-8");
    assert_eq!(err.position, "line 3, column 1");
    assert!(err.cause.contains("UTF-8"), "{}", err.cause);
    assert_eq!(
        err.snippet.as_deref(),
        Some("b\u{FFFD},arn:aws:iam::1:user/b")
    );

    let err = parse(b"user,\xfearn\n").expect_err("invalid UTF-8 header");
    assert_eq!(err.position, "line 1, column 2");
}

#[test]
fn quoted_fields() {
    let csv = "\"user\",\"arn\"\n\"a, b\",\"arn:aws:iam::1:user/a\"\n";
    let row = &parse(csv.as_bytes()).expect("parses").rows[0];
    assert_eq!(row.user(), "a, b");
}

#[test]
fn file_name_times() {
    let cases = [
        (
            "111122223333_credential-report_2024-05-01T08-00-00Z.csv",
            "2024-05-01 08:00:00",
        ),
        (
            "credential-report-444455556666-20240603T080000Z.csv",
            "2024-06-03 08:00:00",
        ),
        ("cred_2024-06-03 08:00:00.csv", "2024-06-03 08:00:00"),
        ("report-2024-06-03.csv", "2024-06-03 00:00:00"),
        (
            "reports/2023/report-2024-06-03T17:45:10Z.csv",
            "2024-06-03 17:45:10",
        ),
        ("20240603_report.csv", "2024-06-03 00:00:00"),
    ];
    for (name, expected) in cases {
        assert_eq!(
            report_time_from_file_name(name),
            Some(at(expected)),
            "{name}"
        );
    }
}

#[test]
fn file_names_without_time() {
    for name in [
        "credential-report.csv",
        "111122223333_credential-report.csv",
        "report-2024-13-40.csv",
        "202406031.csv",
        "",
    ] {
        assert_eq!(report_time_from_file_name(name), None, "{name}");
    }
}

#[test]
fn sniffs_credential_reports() {
    assert!(looks_like_credential_report(FULL.as_bytes()));
    assert!(looks_like_credential_report(
        b"\xEF\xBB\xBFuser,arn,mfa_active\r\n"
    ));
    assert!(looks_like_credential_report(b"\"user\",\"arn\"\r\n"));
    assert!(looks_like_credential_report(b"user,arn"));
}

#[test]
fn sniff_rejects_other_files() {
    assert!(!looks_like_credential_report(
        b"{\"Records\":[{\"eventVersion\":\"1.08\"}]}"
    ));
    assert!(!looks_like_credential_report(b"name,age\nalice,30\n"));
    assert!(!looks_like_credential_report(b"arn,user\n"));
    assert!(!looks_like_credential_report(b"user,arnold\n"));
    assert!(!looks_like_credential_report(b""));
}
