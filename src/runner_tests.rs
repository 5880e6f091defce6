//! Unit tests of the runner (kept apart so runner.rs stays readable).

use super::*;

fn rows(severities: &[&str]) -> (Vec<String>, Vec<Row>) {
    let rows = severities
        .iter()
        .map(|s| {
            let mut row = Map::new();
            row.insert("severity".into(), Value::String((*s).into()));
            Row::from_json(Value::Object(row).to_string()).unwrap()
        })
        .collect();
    (vec!["severity".into()], rows)
}

#[test]
fn a_finding_takes_its_most_severe_row() {
    let (columns, found) = rows(&["medium", "high", "low"]);
    assert_eq!(
        row_severity(Severity::Critical, &columns, &found),
        Ok(Severity::High)
    );
}

#[test]
fn only_failed_attempts_do_not_raise_the_header_severity() {
    let (columns, found) = rows(&["high"]);
    assert_eq!(
        row_severity(Severity::Critical, &columns, &found),
        Ok(Severity::High)
    );
}

#[test]
fn without_a_severity_column_or_rows_the_header_decides() {
    assert_eq!(
        row_severity(Severity::High, &["event_id".into()], &[]),
        Ok(Severity::High)
    );
    let (columns, _) = rows(&[]);
    assert_eq!(
        row_severity(Severity::High, &columns, &[]),
        Ok(Severity::High)
    );
}

#[test]
fn a_row_above_the_header_or_unknown_is_an_error() {
    let (columns, found) = rows(&["critical"]);
    assert!(row_severity(Severity::High, &columns, &found)
        .unwrap_err()
        .contains("above the header"));
    let (columns, found) = rows(&["urgent"]);
    assert!(row_severity(Severity::High, &columns, &found)
        .unwrap_err()
        .contains("`urgent`"));
}
