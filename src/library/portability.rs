//! SQL forms that DuckDB and Spark read differently (or that the translator to Spark SQL,
//! sqlglot, cannot carry over), rejected by `rootlens queries lint` with the portable way to
//! write them. The investigations run on DuckDB here and on Spark through `spark/`; written
//! in the portable subset, both give the same rows (tests/spark.rs compares them).

/// One non-portable form: where it is (1-based line of the query's SQL) and what to write.
#[derive(Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

/// The SQL with comments blanked and the contents of string literals replaced by `x` (quotes
/// kept), so the checks below see only code; offsets and line breaks are unchanged.
fn code_only(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '-' if chars.peek() == Some(&'-') => {
                out.push(' ');
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                    out.push(' ');
                }
            }
            '\'' => {
                out.push('\'');
                while let Some(c) = chars.next() {
                    if c == '\'' {
                        if chars.peek() == Some(&'\'') {
                            chars.next();
                            out.push_str("xx");
                            continue;
                        }
                        out.push('\'');
                        break;
                    }
                    out.push(if c == '\n' { '\n' } else { 'x' });
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// The byte ranges of the arguments of the call whose `(` is at `open`, split at top-level
/// commas, and the offset of its `)`.
fn call_arguments(code: &str, open: usize) -> (Vec<std::ops::Range<usize>>, usize) {
    let mut depth = 0;
    let mut start = open + 1;
    let mut args = Vec::new();
    for (i, c) in code[open..].char_indices() {
        let at = open + i;
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => {
                depth -= 1;
                if depth == 0 {
                    args.push(start..at);
                    return (args, at);
                }
            }
            ',' if depth == 1 => {
                args.push(start..at);
                start = at + 1;
            }
            _ => {}
        }
    }
    (args, code.len())
}

/// Every call of `name(` in `code` (a word of its own, any case), with the offset of its `(`.
fn calls<'a>(code: &'a str, name: &'a str) -> impl Iterator<Item = (usize, usize)> + 'a {
    let lower = code.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(pos) = lower[from..].find(name) {
        let at = from + pos;
        from = at + name.len();
        let before_ok = at == 0 || {
            let b = lower.as_bytes()[at - 1];
            !(b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        };
        let rest = &lower[at + name.len()..];
        let paren = rest.len() - rest.trim_start().len();
        if before_ok && rest.trim_start().starts_with('(') {
            found.push((at, at + name.len() + paren));
        }
    }
    found.into_iter()
}

fn line_of(code: &str, offset: usize) -> usize {
    code[..offset].matches('\n').count() + 1
}

/// The non-portable forms in one investigation's SQL.
pub fn check(sql: &str) -> Vec<Problem> {
    let code = code_only(sql);
    let lower = code.to_ascii_lowercase();
    let mut problems = Vec::new();
    let mut report = |offset: usize, message: &str| {
        problems.push(Problem {
            line: line_of(&code, offset),
            message: message.to_string(),
        })
    };

    // `->` with a path: JSON in DuckDB (strings keep their quotes), text in Spark. A lambda's
    // `x -> …` is not followed by a string or a number.
    for (at, _) in lower.match_indices("->") {
        let rest = lower[at + 2..].trim_start();
        if !lower[at..].starts_with("->>")
            && (rest.starts_with('\'') || rest.starts_with(|c: char| c.is_ascii_digit()))
        {
            report(at, "`->` returns JSON in DuckDB (a string keeps its quotes) and text in Spark: use `->>` for the value as text, or json_extract(x, '$.path') where JSON is meant");
        }
    }
    for (at, open) in calls(&code, "regexp_replace") {
        let (args, _) = call_arguments(&code, open);
        // The options are a string literal: read them in the SQL itself, not the masked code.
        let global = args
            .get(3)
            .is_some_and(|options| sql[options.clone()].contains('g'));
        if !global {
            report(at, "regexp_replace without the 'g' option replaces the first match in DuckDB and every match in Spark: pass 'g' (every match), or use regexp_extract for one");
        }
    }
    for (at, _) in calls(&code, "len") {
        report(at, "len() counts characters of text and elements of a list in DuckDB, and only text in Spark: use array_length(list) or length(text)");
    }
    for (at, _) in calls(&code, "epoch_ms") {
        report(at, "epoch_ms() converts both ways in DuckDB and does not translate to Spark: use epoch(t) (seconds) or make_timestamp");
    }
    for (at, open) in calls(&code, "count") {
        let (args, close) = call_arguments(&code, open);
        let distinct = args
            .first()
            .is_some_and(|a| lower[a.clone()].trim_start().starts_with("distinct"));
        let after = lower.get(close + 1..).unwrap_or("").trim_start();
        if distinct && after.starts_with("over") {
            report(at, "count(DISTINCT …) OVER (…) is not allowed in Spark: count the distinct values in a grouped subquery and join it");
        }
    }
    for (at, _) in lower.match_indices("by") {
        let before = lower[..at].trim_end();
        let set_operation = ["union", "all", "except", "intersect", "distinct"]
            .iter()
            .any(|op| before.ends_with(op));
        let word_start = set_operation && before.len() < at;
        let rest = &lower[at + 2..];
        let name = rest.trim_start();
        if word_start
            && rest.len() > name.len()
            && name.starts_with("name")
            && !name[4..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        {
            report(at, "UNION … BY NAME matches columns by name in DuckDB only: list the same columns in the same order in every branch");
        }
    }
    for (at, open) in calls(&code, "list") {
        let (_, close) = call_arguments(&code, open);
        let inside = &lower[open..close];
        if inside.split("order by").nth(1).is_some_and(|order| {
            order
                .split_whitespace()
                .any(|w| w.trim_end_matches(',') == "desc")
        }) {
            report(at, "list(… ORDER BY … DESC) is not translated to Spark: order ascending (and reverse with list_reverse where needed)");
        }
    }
    problems.sort_by_key(|p| p.line);
    problems
}

#[cfg(test)]
mod tests {
    use super::check;

    fn messages(sql: &str) -> Vec<String> {
        check(sql)
            .into_iter()
            .map(|p| format!("{}: {}", p.line, p.message))
            .collect()
    }

    #[test]
    fn portable_forms_pass() {
        let sql = "SELECT request_parameters->>'$.userName' AS u,\n\
                   json_extract(request_parameters, '$.policy') AS p,\n\
                   regexp_replace(user_agent, '[0-9]', '', 'g') AS ua,\n\
                   array_length(list(x ORDER BY t, id)) AS n,\n\
                   list_filter(l, x -> x > 1) AS f,\n\
                   count(DISTINCT source_ip) AS ips,\n\
                   length(user_agent) AS chars,\n\
                   (SELECT name FROM t ORDER BY name) AS n2\n\
                   -- a comment may say -> 'x', len(x) or epoch_ms(t)\n\
                   FROM events WHERE event_name = 'len(x) -> ''y'''";
        assert_eq!(messages(sql), Vec::<String>::new());
    }

    #[test]
    fn each_non_portable_form_is_named_with_its_line() {
        let sql = "SELECT request_parameters->'$.userName' AS u,\n\
                   regexp_replace(user_agent, '[0-9]', '') AS ua,\n\
                   len(list(x)) AS n,\n\
                   epoch_ms(event_time) AS ms,\n\
                   count(DISTINCT source_ip) OVER (PARTITION BY user_arn) AS ips\n\
                   FROM events UNION ALL BY NAME SELECT 1";
        let found = messages(sql);
        let lines: Vec<&str> = found.iter().map(|m| m.split(':').next().unwrap()).collect();
        assert_eq!(lines, ["1", "2", "3", "4", "5", "6"], "{found:#?}");
        assert!(found[0].contains("use `->>`"));
        assert!(found[1].contains("'g'"));
        assert!(found[2].contains("array_length"));
        assert!(found[5].contains("BY NAME"));
    }
}
