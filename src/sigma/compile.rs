//! A Sigma rule's detection, compiled to a SQL predicate over one row of `events`.
//!
//! Matching follows the Sigma specification: strings compare case-insensitively unless
//! `|cased`; `*` and `?` are wildcards (`\` escapes them); a list of values matches any of them
//! (all of them with `|all`); a map of fields matches when every field does; a missing field
//! matches only `null`. Every test is NULL-safe, so `not filter` holds for an event that lacks
//! the filter's field, as the specification requires.

use std::collections::BTreeMap;

use base64::Engine;
use rsigma_parser::value::{SpecialChar, StringPart};
use rsigma_parser::{
    ConditionExpr, Detection, DetectionItem, Detections, Modifier, Quantifier, SelectorPattern,
    SigmaString, SigmaValue,
};

use super::fields::{json_path, locate, Location};

/// A boolean expression over one event, kept as a tree so that a cheap prefilter over typed
/// columns only can be derived from it (see [`Pred::column_prefilter`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Pred {
    /// A NULL-safe SQL test; `json` when it reads a JSON column or `raw` (costly).
    Atom {
        sql: String,
        json: bool,
    },
    And(Vec<Pred>),
    Or(Vec<Pred>),
    Not(Box<Pred>),
    Const(bool),
}

impl Pred {
    pub fn to_sql(&self) -> String {
        match self {
            Pred::Atom { sql, .. } => sql.clone(),
            Pred::Const(true) => "true".into(),
            Pred::Const(false) => "false".into(),
            Pred::Not(inner) => format!("NOT {}", inner.to_sql()),
            Pred::And(parts) => join(parts, " AND "),
            Pred::Or(parts) => join(parts, " OR "),
        }
    }

    /// A condition on typed columns only that every matching event satisfies (it may hold
    /// for more): `None` when no column narrows the rule down. Scanning the typed columns
    /// first spares reading the JSON of events that cannot match.
    pub fn column_prefilter(&self) -> Option<Pred> {
        match simplify(self.relax(true)) {
            Pred::Const(true) => None,
            other => Some(other),
        }
    }

    /// Replaces every JSON test by a constant: true where the result must be a superset
    /// (`wider`), false where it must be a subset (under `not`).
    fn relax(&self, wider: bool) -> Pred {
        match self {
            Pred::Atom { json: true, .. } => Pred::Const(wider),
            Pred::Atom { .. } | Pred::Const(_) => self.clone(),
            Pred::Not(inner) => Pred::Not(Box::new(inner.relax(!wider))),
            Pred::And(parts) => Pred::And(parts.iter().map(|p| p.relax(wider)).collect()),
            Pred::Or(parts) => Pred::Or(parts.iter().map(|p| p.relax(wider)).collect()),
        }
    }
}

fn join(parts: &[Pred], separator: &str) -> String {
    match parts {
        [] => unreachable!("simplify removes empty conjunctions"),
        [one] => one.to_sql(),
        _ => format!(
            "({})",
            parts
                .iter()
                .map(Pred::to_sql)
                .collect::<Vec<_>>()
                .join(separator)
        ),
    }
}

/// Folds constants and flattens nested `and`/`or`.
pub fn simplify(pred: Pred) -> Pred {
    match pred {
        Pred::Not(inner) => match simplify(*inner) {
            Pred::Const(value) => Pred::Const(!value),
            other => Pred::Not(Box::new(other)),
        },
        Pred::And(parts) => combine(parts, true),
        Pred::Or(parts) => combine(parts, false),
        other => other,
    }
}

fn combine(parts: Vec<Pred>, is_and: bool) -> Pred {
    let mut kept = Vec::new();
    for part in parts.into_iter().map(simplify) {
        match part {
            Pred::Const(value) if value == is_and => {}
            Pred::Const(value) => return Pred::Const(value),
            Pred::And(inner) if is_and => kept.extend(inner),
            Pred::Or(inner) if !is_and => kept.extend(inner),
            other => kept.push(other),
        }
    }
    match (kept.len(), kept.pop()) {
        (_, None) => Pred::Const(is_and),
        (1, Some(only)) => only,
        (_, Some(last)) => {
            kept.push(last);
            if is_and {
                Pred::And(kept)
            } else {
                Pred::Or(kept)
            }
        }
    }
}

/// The predicate of a rule's whole detection (its conditions or-ed, as Sigma's list form of
/// `condition` means).
pub fn detection(detections: &Detections) -> Result<Pred, String> {
    if detections.timeframe.is_some() {
        return Err(
            "`timeframe` (Sigma 1 aggregation) is not supported: write a correlation rule".into(),
        );
    }
    if detections.conditions.is_empty() {
        return Err("the detection has no condition".into());
    }
    // Named detections in a fixed order, so the SQL is the same on every run.
    let named: BTreeMap<&str, &Detection> = detections
        .named
        .iter()
        .map(|(name, det)| (name.as_str(), det))
        .collect();
    let mut compiled = BTreeMap::new();
    for (name, det) in &named {
        compiled.insert(
            *name,
            block(det).map_err(|e| format!("detection `{name}`: {e}"))?,
        );
    }
    let conditions = detections
        .conditions
        .iter()
        .map(|c| condition(c, &compiled))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(simplify(Pred::Or(conditions)))
}

fn condition(expr: &ConditionExpr, named: &BTreeMap<&str, Pred>) -> Result<Pred, String> {
    Ok(match expr {
        ConditionExpr::And(parts) => Pred::And(
            parts
                .iter()
                .map(|p| condition(p, named))
                .collect::<Result<_, _>>()?,
        ),
        ConditionExpr::Or(parts) => Pred::Or(
            parts
                .iter()
                .map(|p| condition(p, named))
                .collect::<Result<_, _>>()?,
        ),
        ConditionExpr::Not(inner) => Pred::Not(Box::new(condition(inner, named)?)),
        ConditionExpr::Identifier(name) => named
            .get(name.as_str())
            .cloned()
            .ok_or_else(|| format!("the condition names `{name}`, which is not defined"))?,
        ConditionExpr::Selector {
            quantifier,
            pattern,
        } => {
            let chosen: Vec<Pred> = named
                .iter()
                .filter(|(name, _)| match pattern {
                    // `them` leaves out identifiers starting with an underscore (spec 2.0).
                    SelectorPattern::Them => !name.starts_with('_'),
                    SelectorPattern::Pattern(glob) => glob_matches(glob, name),
                })
                .map(|(_, pred)| pred.clone())
                .collect();
            if chosen.is_empty() {
                return Err(format!("`{quantifier} of {pattern}` matches no detection"));
            }
            match quantifier {
                Quantifier::Any => Pred::Or(chosen),
                Quantifier::All => Pred::And(chosen),
                Quantifier::Count(n) => {
                    let sum = chosen
                        .iter()
                        .map(|p| format!("CAST({} AS INTEGER)", simplify(p.clone()).to_sql()))
                        .collect::<Vec<_>>()
                        .join(" + ");
                    Pred::Atom {
                        sql: format!("({sum}) >= {n}"),
                        json: chosen.iter().any(reads_json),
                    }
                }
            }
        }
    })
}

fn reads_json(pred: &Pred) -> bool {
    match pred {
        Pred::Atom { json, .. } => *json,
        Pred::Const(_) => false,
        Pred::Not(inner) => reads_json(inner),
        Pred::And(parts) | Pred::Or(parts) => parts.iter().any(reads_json),
    }
}

/// `selection_*`-style patterns of a condition (`*` any run, `?` one character).
fn glob_matches(glob: &str, name: &str) -> bool {
    fn go(g: &[char], n: &[char]) -> bool {
        match (g.first(), n.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&g[1..], n) || (!n.is_empty() && go(g, &n[1..])),
            (Some('?'), Some(_)) => go(&g[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => go(&g[1..], &n[1..]),
            _ => false,
        }
    }
    let g: Vec<char> = glob.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go(&g, &n)
}

fn block(det: &Detection) -> Result<Pred, String> {
    Ok(match det {
        Detection::AllOf(items) => Pred::And(items.iter().map(item).collect::<Result<_, _>>()?),
        Detection::AnyOf(dets) => Pred::Or(dets.iter().map(block).collect::<Result<_, _>>()?),
        Detection::And(dets) => Pred::And(dets.iter().map(block).collect::<Result<_, _>>()?),
        Detection::Keywords(values) => {
            Pred::Or(values.iter().map(keyword).collect::<Result<_, _>>()?)
        }
        Detection::ArrayMatch { field, .. } => {
            return Err(format!(
                "`{field}[…]` array blocks are an rsigma extension, not Sigma: not supported"
            ))
        }
        Detection::Conditional { .. } => {
            return Err("nested conditional blocks are an rsigma extension: not supported".into())
        }
    })
}

/// A keyword: a case-insensitive substring of the whole record as written.
fn keyword(value: &SigmaValue) -> Result<Pred, String> {
    let text = match value {
        SigmaValue::String(s) => s.clone(),
        SigmaValue::Integer(n) => SigmaString::new(&n.to_string()),
        SigmaValue::Float(n) => SigmaString::new(&n.to_string()),
        SigmaValue::Bool(b) => SigmaString::new(&b.to_string()),
        SigmaValue::Null => return Err("a keyword cannot be null".into()),
    };
    Ok(Pred::Atom {
        sql: coalesce(&string_test(
            "CAST(raw AS VARCHAR)",
            &text,
            Anchor::Contains,
            false,
        )),
        json: true,
    })
}

/// How a string value is anchored in the field.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Anchor {
    Whole,
    Contains,
    StartsWith,
    EndsWith,
}

const UNSUPPORTED_MODIFIERS: &[(Modifier, &str)] = &[
    (Modifier::Base64Offset, "base64offset"),
    (Modifier::Wide, "wide/utf16le"),
    (Modifier::Utf16be, "utf16be"),
    (Modifier::Utf16, "utf16"),
    (Modifier::WindAsh, "windash"),
    (Modifier::Expand, "expand"),
    (Modifier::Minute, "minute"),
    (Modifier::Hour, "hour"),
    (Modifier::Day, "day"),
    (Modifier::Week, "week"),
    (Modifier::Month, "month"),
    (Modifier::Year, "year"),
];

fn item(item: &DetectionItem) -> Result<Pred, String> {
    let spec = &item.field;
    let Some(field) = spec.name.as_deref() else {
        // A list of keywords under a name-less key.
        return Ok(Pred::Or(
            item.values.iter().map(keyword).collect::<Result<_, _>>()?,
        ));
    };
    for (modifier, name) in UNSUPPORTED_MODIFIERS {
        if spec.has_modifier(*modifier) {
            return Err(format!(
                "modifier `|{name}` is not supported (it targets Windows logs, encoded payloads or placeholders, not CloudTrail)"
            ));
        }
    }
    let location = locate(field)?;
    let json = matches!(location, Location::Json { .. });
    let has = |m| spec.has_modifier(m);
    if has(Modifier::Exists) {
        let [SigmaValue::Bool(want)] = item.values.as_slice() else {
            return Err(format!("`{field}|exists` takes true or false"));
        };
        let present = values_any(&location, &|v| format!("{v} IS NOT NULL"));
        let sql = if *want {
            present
        } else {
            format!("NOT {present}")
        };
        return Ok(Pred::Atom { sql, json });
    }
    if has(Modifier::FieldRef) {
        return fieldref(field, &location, spec, &item.values);
    }
    let mut tests = Vec::new();
    for value in &item.values {
        tests.push(value_test(field, &location, spec, value)?);
    }
    if tests.is_empty() {
        return Err(format!("`{field}` has no value"));
    }
    let atoms: Vec<Pred> = tests
        .into_iter()
        .map(|sql| Pred::Atom { sql, json })
        .collect();
    Ok(if has(Modifier::All) {
        Pred::And(atoms)
    } else {
        Pred::Or(atoms)
    })
}

/// One value of one field, as a NULL-safe SQL test.
fn value_test(
    field: &str,
    location: &Location,
    spec: &rsigma_parser::FieldSpec,
    value: &SigmaValue,
) -> Result<String, String> {
    let has = |m| spec.has_modifier(m);
    let comparison = [
        (Modifier::Gt, ">"),
        (Modifier::Gte, ">="),
        (Modifier::Lt, "<"),
        (Modifier::Lte, "<="),
    ]
    .into_iter()
    .find(|(m, _)| has(*m));
    if let Some((_, op)) = comparison {
        let number = match value {
            SigmaValue::Integer(n) => n.to_string(),
            SigmaValue::Float(n) => n.to_string(),
            SigmaValue::String(s) => s
                .as_plain()
                .filter(|t| t.trim().parse::<f64>().is_ok())
                .ok_or_else(|| format!("`{field}` compares with a non-number `{s}`"))?,
            other => return Err(format!("`{field}` compares with a non-number `{other}`")),
        };
        return Ok(values_any(location, &|v| {
            format!("TRY_CAST({v} AS DOUBLE) {op} {number}")
        }));
    }
    let negate = has(Modifier::Neq);
    let test = |body: &dyn Fn(&str) -> String| {
        let any = values_any(location, body);
        if negate {
            format!("NOT {any}")
        } else {
            any
        }
    };
    match value {
        SigmaValue::Null => Ok(if negate {
            values_any(location, &|v| format!("{v} IS NOT NULL"))
        } else {
            format!(
                "NOT {}",
                values_any(location, &|v| format!("{v} IS NOT NULL"))
            )
        }),
        SigmaValue::Bool(b) => Ok(test(&|v| format!("lower({v}) = '{b}'"))),
        SigmaValue::Integer(_) | SigmaValue::Float(_) => {
            let text = value.to_string();
            Ok(test(&|v| {
                format!(
                    "({v} = {} OR TRY_CAST({v} AS DOUBLE) = {text})",
                    string_literal(&text)
                )
            }))
        }
        SigmaValue::String(s) => {
            if has(Modifier::Re) {
                return regex(field, location, spec, s, negate);
            }
            if has(Modifier::Cidr) {
                return cidr(field, location, s);
            }
            let anchor = if has(Modifier::Contains) {
                Anchor::Contains
            } else if has(Modifier::StartsWith) {
                Anchor::StartsWith
            } else if has(Modifier::EndsWith) {
                Anchor::EndsWith
            } else {
                Anchor::Whole
            };
            let cased = has(Modifier::Cased);
            let s = if has(Modifier::Base64) {
                let plain = s
                    .as_plain()
                    .ok_or_else(|| format!("`{field}|base64` with wildcards"))?;
                // Encoded text is case-sensitive.
                return Ok(test(&|v| {
                    string_test(
                        v,
                        &SigmaString::from_raw(
                            &base64::engine::general_purpose::STANDARD.encode(&plain),
                        ),
                        anchor,
                        true,
                    )
                }));
            } else {
                s
            };
            Ok(test(&|v| string_test(v, s, anchor, cased)))
        }
    }
}

fn regex(
    field: &str,
    location: &Location,
    spec: &rsigma_parser::FieldSpec,
    s: &SigmaString,
    negate: bool,
) -> Result<String, String> {
    let mut flags = String::new();
    for (modifier, flag) in [
        (Modifier::IgnoreCase, 'i'),
        (Modifier::Multiline, 'm'),
        (Modifier::DotAll, 's'),
    ] {
        if spec.has_modifier(modifier) {
            flags.push(flag);
        }
    }
    let pattern = if flags.is_empty() {
        s.original.clone()
    } else {
        format!("(?{flags}){}", s.original)
    };
    // DuckDB matches with RE2; Rust's regex crate accepts the same syntax (no look-around,
    // no back-references), so a pattern it rejects would fail in the query.
    regex::Regex::new(&pattern).map_err(|e| {
        format!("`{field}|re`: the pattern is not supported (RE2 syntax, no look-around or back-references): {e}")
    })?;
    let literal = string_literal(&pattern);
    let any = values_any(location, &|v| format!("regexp_matches({v}, {literal})"));
    Ok(if negate { format!("NOT {any}") } else { any })
}

/// `|cidr`: an IPv4 network as a range of the address's 32-bit value.
fn cidr(field: &str, location: &Location, s: &SigmaString) -> Result<String, String> {
    let text = s.original.trim();
    let (addr, bits) = text.split_once('/').unwrap_or((text, "32"));
    let Ok(addr) = addr.parse::<std::net::Ipv4Addr>() else {
        return Err(format!(
            "`{field}|cidr {text}`: only IPv4 networks are supported"
        ));
    };
    let bits: u32 = bits
        .parse()
        .ok()
        .filter(|b| *b <= 32)
        .ok_or_else(|| format!("`{field}|cidr {text}`: invalid prefix length"))?;
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    let low = u32::from(addr) & mask;
    let high = low | !mask;
    Ok(values_any(location, &|v| {
        format!(
            "(regexp_full_match({v}, '(\\d{{1,3}})\\.(\\d{{1,3}})\\.(\\d{{1,3}})\\.(\\d{{1,3}})') AND \
             list_reduce(list_transform(string_split({v}, '.'), lambda o: TRY_CAST(o AS UBIGINT)), lambda a, b: a * 256 + b) BETWEEN {low} AND {high})"
        )
    }))
}

/// `a|fieldref: b`: the field equals (contains, starts or ends with) the other field's value.
fn fieldref(
    field: &str,
    location: &Location,
    spec: &rsigma_parser::FieldSpec,
    values: &[SigmaValue],
) -> Result<Pred, String> {
    let this = single_value(location);
    let mut atoms = Vec::new();
    for value in values {
        let SigmaValue::String(other) = value else {
            return Err(format!(
                "`{field}|fieldref` names a field with a non-string"
            ));
        };
        let other_location = locate(&other.original)?;
        let that = single_value(&other_location);
        let (a, b) = if spec.has_modifier(Modifier::Cased) {
            (this.clone(), that)
        } else {
            (format!("lower({this})"), format!("lower({that})"))
        };
        let sql = if spec.has_modifier(Modifier::Contains) {
            format!("contains({a}, {b})")
        } else if spec.has_modifier(Modifier::StartsWith) {
            format!("starts_with({a}, {b})")
        } else if spec.has_modifier(Modifier::EndsWith) {
            format!("ends_with({a}, {b})")
        } else {
            format!("{a} = {b}")
        };
        atoms.push(Pred::Atom {
            sql: coalesce(&sql),
            json: matches!(location, Location::Json { .. })
                || matches!(other_location, Location::Json { .. }),
        });
    }
    Ok(if spec.has_modifier(Modifier::All) {
        Pred::And(atoms)
    } else {
        Pred::Or(atoms)
    })
}

/// The field's value as one text expression (the direct path, no array search).
pub fn single_value(location: &Location) -> String {
    match location {
        Location::Column(sql) => sql.clone(),
        Location::Json { base, path } if path.is_empty() => format!("CAST({base} AS VARCHAR)"),
        Location::Json { base, path } => format!("({base} ->> {})", json_path(path, &[])),
    }
}

/// A NULL-safe test that some value of the field satisfies `test` (given the value's SQL).
/// A JSON path also looks through arrays on the way (CloudTrail nests lists of objects:
/// `requestParameters.containerDefinitions.command`, `resources.ARN`): the free-form part
/// itself and each key but the last may be an array of objects.
fn values_any(location: &Location, test: &dyn Fn(&str) -> String) -> String {
    match location {
        Location::Json { base, path } if !path.is_empty() && (base != "raw" || path.len() >= 2) => {
            // Where an array may sit: before each key (before the first only below a
            // free-form part; the record itself is an object).
            let first = usize::from(base == "raw");
            let places: Vec<usize> = (first..path.len()).collect();
            // Every combination of arrays (at most 3 places, else all or none).
            let mut combinations: Vec<Vec<usize>> = Vec::new();
            if places.len() <= 3 {
                for mask in 1u32..(1 << places.len()) {
                    combinations.push(
                        (0..places.len())
                            .filter(|i| mask & (1 << i) != 0)
                            .map(|i| places[i])
                            .collect(),
                    );
                }
            } else {
                combinations.push(places);
            }
            let mut lists = vec![format!("[{}]", single_value(location))];
            for wildcards in combinations {
                lists.push(format!(
                    "json_extract_string({base}, {})",
                    json_path(path, &wildcards)
                ));
            }
            format!(
                "coalesce(len(list_filter(list_concat({}), lambda v: {})) > 0, false)",
                lists.join(", "),
                test("v")
            )
        }
        _ => coalesce(&test(&single_value(location))),
    }
}

fn coalesce(sql: &str) -> String {
    format!("coalesce({sql}, false)")
}

/// A string test of `value` (text SQL) against a Sigma string with its wildcards.
fn string_test(value: &str, s: &SigmaString, anchor: Anchor, cased: bool) -> String {
    let fold = |text: &str| {
        if cased {
            text.to_string()
        } else {
            text.to_lowercase()
        }
    };
    let subject = if cased {
        value.to_string()
    } else {
        format!("lower({value})")
    };
    if let Some(plain) = s.as_plain() {
        let literal = string_literal(&fold(&plain));
        return match anchor {
            Anchor::Whole => format!("{subject} = {literal}"),
            Anchor::Contains => format!("contains({subject}, {literal})"),
            Anchor::StartsWith => format!("starts_with({subject}, {literal})"),
            Anchor::EndsWith => format!("ends_with({subject}, {literal})"),
        };
    }
    let mut pattern = String::new();
    if matches!(anchor, Anchor::Contains | Anchor::EndsWith) {
        pattern.push('%');
    }
    for part in &s.parts {
        match part {
            StringPart::Plain(text) => {
                for c in fold(text).chars() {
                    if matches!(c, '%' | '_' | '\\') {
                        pattern.push('\\');
                    }
                    pattern.push(c);
                }
            }
            StringPart::Special(SpecialChar::WildcardMulti) => pattern.push('%'),
            StringPart::Special(SpecialChar::WildcardSingle) => pattern.push('_'),
        }
    }
    if matches!(anchor, Anchor::Contains | Anchor::StartsWith) {
        pattern.push('%');
    }
    format!("{subject} LIKE {} ESCAPE '\\'", string_literal(&pattern))
}

/// A SQL string literal.
pub fn string_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}
