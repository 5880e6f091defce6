//! Sigma correlation rules as SQL: the events each referenced rule matches are windowed per
//! group (sliding windows of `timespan`, a window starting at each event), overlapping windows
//! that meet the condition merge into one finding, and the finding lists every event inside.
//!
//! - `event_count`: events in the window; `value_count`: distinct values of the condition's
//!   `field`; `temporal`: every referenced rule matched in the window, in any order;
//!   `temporal_ordered`: they matched in the order listed (a chain of ASOF joins).
//!
//! An event whose group-by field is missing takes part in no group. Windows are inclusive: two
//! events exactly `timespan` apart are in one window.

use rsigma_parser::{ConditionOperator, CorrelationCondition, CorrelationRule, CorrelationType};

use super::compile::{single_value, string_literal, Pred};
use super::fields::locate;

/// A rule a correlation refers to: how it is named there and what it matches.
pub struct Referenced<'a> {
    pub reference: &'a str,
    pub predicate: &'a Pred,
}

/// The finding query of a correlation over the rules it refers to (in the rule's order).
pub fn compile(rule: &CorrelationRule, referenced: &[Referenced]) -> Result<String, String> {
    if rule.window != rsigma_parser::WindowMode::Sliding {
        return Err(
            "only sliding windows are supported (`window: tumbling` or `session` is not)".into(),
        );
    }
    let seconds = rule.timespan.seconds;
    let (predicates, value_field) = match &rule.condition {
        CorrelationCondition::Threshold {
            predicates, field, ..
        } => (
            predicates.clone(),
            field.as_ref().and_then(|f| f.first().cloned()),
        ),
        CorrelationCondition::Extended(_) => return Err(
            "boolean conditions over rule names (extended temporal conditions) are not supported"
                .into(),
        ),
    };
    let kind = rule.correlation_type;
    if kind == CorrelationType::ValueCount && value_field.is_none() {
        return Err("a value_count correlation needs `condition.field`".into());
    }
    if !matches!(
        kind,
        CorrelationType::EventCount
            | CorrelationType::ValueCount
            | CorrelationType::Temporal
            | CorrelationType::TemporalOrdered
    ) {
        return Err(format!(
            "correlation type `{}` is not supported (event_count, value_count, temporal, temporal_ordered are)",
            kind.as_str()
        ));
    }
    let groups: Vec<String> = (0..rule.group_by.len()).map(|i| format!("g{i}")).collect();
    let mut selects = Vec::new();
    for referenced_rule in referenced {
        let field_sql = |name: &str| -> Result<String, String> {
            let actual = rule
                .aliases
                .iter()
                .find(|a| a.alias == name)
                .map(|alias| {
                    alias
                        .mapping
                        .get(referenced_rule.reference)
                        .cloned()
                        .ok_or_else(|| {
                            format!(
                                "alias `{name}` has no field for rule `{}`",
                                referenced_rule.reference
                            )
                        })
                })
                .transpose()?
                .unwrap_or_else(|| name.to_string());
            Ok(single_value(&locate(&actual)?))
        };
        let mut columns = vec![
            "event_row".to_string(),
            "event_time".to_string(),
            "event_id".to_string(),
            "recipient_account_id".to_string(),
            format!("{} AS rule", string_literal(referenced_rule.reference)),
        ];
        let mut not_null = Vec::new();
        for (i, name) in rule.group_by.iter().enumerate() {
            let sql = field_sql(name)?;
            not_null.push(format!("{sql} IS NOT NULL"));
            columns.push(format!("{sql} AS g{i}"));
        }
        if let Some(field) = &value_field {
            columns.push(format!("{} AS counted_value", field_sql(field)?));
        }
        let mut filter = vec![
            referenced_rule.predicate.to_sql(),
            "event_time IS NOT NULL".into(),
        ];
        filter.extend(not_null);
        selects.push(format!(
            "SELECT {} FROM events WHERE {}",
            columns.join(", "),
            filter.join(" AND ")
        ));
    }
    let partition = if groups.is_empty() {
        String::new()
    } else {
        format!("PARTITION BY {} ", groups.join(", "))
    };
    let frame = format!(
        "OVER ({partition}ORDER BY event_time RANGE BETWEEN CURRENT ROW AND INTERVAL {seconds} SECOND FOLLOWING)"
    );
    let rules_count = referenced.len();
    let starts = match kind {
        CorrelationType::EventCount | CorrelationType::ValueCount => {
            let measure = if kind == CorrelationType::EventCount {
                format!("count(*) {frame}")
            } else {
                format!("count(DISTINCT counted_value) {frame}")
            };
            format!(
                "measured AS (SELECT *, {measure} AS measure FROM matched),
     starts AS (SELECT {g}event_time AS window_start FROM measured WHERE {cond})",
                g = prefix(&groups),
                cond = threshold("measure", &predicates)
            )
        }
        CorrelationType::Temporal => format!(
            "measured AS (SELECT *, count(DISTINCT rule) {frame} AS measure FROM matched),
     starts AS (SELECT {g}event_time AS window_start FROM measured WHERE measure = {rules_count})",
            g = prefix(&groups),
        ),
        _ => temporal_ordered(referenced, &groups, seconds),
    };
    let same_group = |left: &str, right: &str| {
        groups
            .iter()
            .map(|g| format!(" AND {left}.{g} = {right}.{g}"))
            .collect::<String>()
    };
    let partition_starts = if groups.is_empty() {
        String::new()
    } else {
        format!("PARTITION BY {} ", groups.join(", "))
    };
    let group_columns: String = rule
        .group_by
        .iter()
        .enumerate()
        .map(|(i, name)| format!("s.g{i} AS {}, ", quote_identifier(name)))
        .collect();
    let group_keys: String = groups.iter().map(|g| format!("s.{g}, ")).collect();
    let value_column = if value_field.is_some() {
        "count(DISTINCT m.counted_value) AS distinct_values, "
    } else {
        ""
    };
    Ok(format!(
        "WITH matched AS (
         {union}
     ),
     {starts},
     ends AS (SELECT *, window_start + INTERVAL {seconds} SECOND AS window_end FROM starts),
     flagged AS (
         SELECT *, CASE WHEN window_start <= max(window_end) OVER ({partition_starts}ORDER BY window_start
                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) THEN 0 ELSE 1 END AS opens
         FROM ends
     ),
     islands AS (SELECT *, sum(opens) OVER ({partition_starts}ORDER BY window_start ROWS UNBOUNDED PRECEDING) AS island FROM flagged),
     spans AS (SELECT {g}island, min(window_start) AS span_start, max(window_end) AS span_end FROM islands GROUP BY ALL)
SELECT CASE WHEN count(DISTINCT m.recipient_account_id) = 1 THEN min(m.recipient_account_id) END AS account_id,
       {group_columns}strftime(min(m.event_time), '%Y-%m-%dT%H:%M:%SZ') AS first_event,
       strftime(max(m.event_time), '%Y-%m-%dT%H:%M:%SZ') AS last_event,
       count(DISTINCT m.event_row) AS events, {value_column}list_sort(list(DISTINCT m.rule)) AS rules,
       list(DISTINCT m.event_id ORDER BY m.event_id) AS event_ids
FROM spans s JOIN matched m ON m.event_time BETWEEN s.span_start AND s.span_end{join}
GROUP BY {group_keys}s.island
ORDER BY first_event, account_id, event_ids",
        union = selects.join("\n         UNION ALL\n         "),
        g = prefix(&groups),
        join = same_group("m", "s"),
    ))
}

/// `temporal_ordered`: from each event of the first rule, the earliest event of the next rule
/// at or after it, and so on; a chain whose last event is within the timespan of its first
/// opens a window.
fn temporal_ordered(referenced: &[Referenced], groups: &[String], seconds: u64) -> String {
    let mut ctes = vec![format!(
        "chain0 AS (SELECT {g}event_time AS window_start, event_time AS reached FROM matched WHERE rule = {first})",
        g = prefix(groups),
        first = string_literal(referenced[0].reference)
    )];
    for (step, next) in referenced.iter().enumerate().skip(1) {
        let equal: String = groups
            .iter()
            .map(|g| format!("c.{g} = n.{g} AND "))
            .collect();
        let keep: String = groups.iter().map(|g| format!("c.{g}, ")).collect();
        ctes.push(format!(
            "chain{step} AS (SELECT {keep}c.window_start, n.event_time AS reached FROM chain{prev} c
         ASOF JOIN (SELECT * FROM matched WHERE rule = {name}) n ON {equal}n.event_time >= c.reached)",
            prev = step - 1,
            name = string_literal(next.reference),
        ));
    }
    ctes.push(format!(
        "starts AS (SELECT DISTINCT {g}window_start FROM chain{last} WHERE reached <= window_start + INTERVAL {seconds} SECOND)",
        g = prefix(groups),
        last = referenced.len() - 1,
    ));
    ctes.join(",\n     ")
}

fn prefix(groups: &[String]) -> String {
    groups.iter().map(|g| format!("{g}, ")).collect()
}

fn threshold(measure: &str, predicates: &[(ConditionOperator, u64)]) -> String {
    predicates
        .iter()
        .map(|(op, value)| {
            let op = match op {
                ConditionOperator::Lt => "<",
                ConditionOperator::Lte => "<=",
                ConditionOperator::Gt => ">",
                ConditionOperator::Gte => ">=",
                ConditionOperator::Eq => "=",
                ConditionOperator::Neq => "<>",
            };
            format!("{measure} {op} {value}")
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
