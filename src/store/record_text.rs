//! How a CloudTrail record's text is stored: the values of `requestParameters` and
//! `responseElements` apart from the rest of the record.
//!
//! Investigations filter on those two parts far more than on anything else in a record, and
//! reading them from the whole text meant decompressing every record near a candidate: about
//! a quarter of the CPU of a report. Stored apart, a query reads the parts alone (a fifth of
//! the text). Nothing is stored twice: the parts are exact substrings of the record, cut out
//! of it, and the `events` view puts the record back together character for character:
//!
//! ```text
//! with_request = insert(rest, request_parameters_at, request_parameters_text)
//! raw          = insert(with_request, response_elements_at, response_elements_text)
//! insert(s, k, x) = the first k characters of s, then x, then the rest of s
//! ```
//!
//! Offsets count characters (Unicode code points), as DuckDB's `substr` does.

/// A part cut out of the record: its exact text and where it goes back.
#[derive(Debug, Clone, PartialEq)]
pub struct Part<'a> {
    pub text: &'a str,
    /// Characters before it in the text it is inserted into (see the module documentation).
    pub at: i32,
}

/// A record as stored: the rest of its text once the parts are cut out.
#[derive(Debug, PartialEq)]
pub struct SplitRecord<'a> {
    pub rest: String,
    pub request_parameters: Option<Part<'a>>,
    pub response_elements: Option<Part<'a>>,
}

/// Markers of records whose free-form parts the view reads from other keys (Athena's lowercase
/// names, OCSF): such records are kept whole, so the view's reading of them is unchanged.
const KEPT_WHOLE_WHEN_CONTAINING: [&str; 3] =
    ["\"requestparameters\"", "\"responseelements\"", "\"class_uid\""];

/// Cuts the values of `requestParameters` and `responseElements` out of `raw`. `request` and
/// `response` are the values as parsed from `raw` (borrowed from it); a value is cut only
/// when it lies in `raw` right after its exact key. `None`: the record is stored whole.
pub fn split<'a>(
    raw: &'a str,
    request: Option<&'a str>,
    response: Option<&'a str>,
) -> Option<SplitRecord<'a>> {
    if KEPT_WHOLE_WHEN_CONTAINING
        .iter()
        .any(|marker| memchr::memmem::find(raw.as_bytes(), marker.as_bytes()).is_some())
    {
        return None;
    }
    let request = request.and_then(|value| locate(raw, value, "requestParameters"));
    let response = response.and_then(|value| locate(raw, value, "responseElements"));
    if request.is_none() && response.is_none() {
        return None;
    }
    // The request's offset is counted in the text without the response (it goes back first).
    let response_part = match response {
        Some((start, end)) => Some(Part {
            text: &raw[start..end],
            at: characters(&raw[..start])?,
        }),
        None => None,
    };
    let request_part = match request {
        Some((start, end)) => {
            let response_before = match response {
                Some((r_start, r_end)) if r_start < start => raw[r_start..r_end].chars().count(),
                _ => 0,
            };
            Some(Part {
                text: &raw[start..end],
                at: characters(&raw[..start])? - i32::try_from(response_before).ok()?,
            })
        }
        None => None,
    };
    // One copy of the text between the cut ranges, in order.
    let mut cuts: Vec<(usize, usize)> = request.into_iter().chain(response).collect();
    cuts.sort_unstable();
    let mut rest = String::with_capacity(raw.len());
    let mut from = 0;
    for (start, end) in cuts {
        rest.push_str(&raw[from..start]);
        from = end;
    }
    rest.push_str(&raw[from..]);
    Some(SplitRecord {
        rest,
        request_parameters: request_part,
        response_elements: response_part,
    })
}

/// The byte range of `value` in `raw`, when `value` is a slice of `raw` preceded by `"key"`,
/// optional white space, `:` and optional white space.
fn locate(raw: &str, value: &str, key: &str) -> Option<(usize, usize)> {
    let start = (value.as_ptr() as usize).checked_sub(raw.as_ptr() as usize)?;
    let end = start.checked_add(value.len())?;
    if end > raw.len() || raw.get(start..end)? != value || value.is_empty() {
        return None;
    }
    let before = raw[..start].trim_end_matches(is_json_space);
    let before = before.strip_suffix(':')?.trim_end_matches(is_json_space);
    let before = before.strip_suffix('"')?.strip_suffix(key)?;
    before.ends_with('"').then_some((start, end))
}

fn is_json_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn characters(text: &str) -> Option<i32> {
    i32::try_from(text.chars().count()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The view's reassembly (see the module documentation), in Rust.
    fn reassemble(split: &SplitRecord) -> String {
        fn insert(s: &str, part: &Option<Part>) -> String {
            match part {
                None => s.to_string(),
                Some(p) => {
                    let k: usize = s.chars().take(p.at as usize).map(char::len_utf8).sum();
                    format!("{}{}{}", &s[..k], p.text, &s[k..])
                }
            }
        }
        insert(
            &insert(&split.rest, &split.request_parameters),
            &split.response_elements,
        )
    }

    fn value<'a>(raw: &'a str, text: &str) -> &'a str {
        let start = raw.find(text).unwrap();
        &raw[start..start + text.len()]
    }

    #[test]
    fn the_parts_are_cut_out_and_the_record_comes_back_exactly() {
        for raw in [
            r#"{"eventName":"é✓","requestParameters":{"a":"ü"},"x":"😀","responseElements":{"b":[1]}}"#,
            // The response before the request, white space around the colons.
            "{\"responseElements\" :\n {\"b\":\"ö\"}, \"é\":1, \"requestParameters\":\t[\"x\"]}",
        ] {
            let (request, response) = if raw.contains(r#"{"a":"ü"}"#) {
                (value(raw, r#"{"a":"ü"}"#), value(raw, r#"{"b":[1]}"#))
            } else {
                (value(raw, r#"["x"]"#), value(raw, r#"{"b":"ö"}"#))
            };
            let split = split(raw, Some(request), Some(response)).unwrap();
            assert!(!split.rest.contains(request) && !split.rest.contains(response));
            assert_eq!(split.request_parameters.as_ref().unwrap().text, request);
            assert_eq!(reassemble(&split), raw);
        }
        let raw = r#"{"requestParameters":"s","responseElements":null}"#;
        let only_request = split(raw, Some(value(raw, "\"s\"")), None).unwrap();
        assert_eq!(only_request.rest, r#"{"requestParameters":,"responseElements":null}"#);
        assert_eq!(reassemble(&only_request), raw);
    }

    #[test]
    fn values_not_under_their_exact_key_or_beside_other_spellings_stay_whole() {
        let raw = r#"{"requestParameterz":{"a":1}}"#;
        assert_eq!(split(raw, Some(value(raw, r#"{"a":1}"#)), None), None);
        // A value that is not part of the record (decoded from an escaped string).
        let elsewhere = String::from(r#"{"a":1}"#);
        let raw = r#"{"requestParameters":{"a":1}}"#;
        assert_eq!(split(raw, Some(&elsewhere), None), None);
        for raw in [
            r#"{"requestParameters":{"a":1},"requestparameters":"{}"}"#,
            r#"{"requestParameters":{"a":1},"class_uid":6003}"#,
        ] {
            assert_eq!(split(raw, Some(value(raw, r#"{"a":1}"#)), None), None);
        }
        assert_eq!(split(r#"{"a":1}"#, None, None), None);
    }
}
