//! CloudTrail documents: S3 archive objects (`{"Records":[…]}`), bare arrays, NDJSON, console
//! Event-history / `LookupEvents` exports (record as a string in `CloudTrailEvent`), digests.
//!
//! `split_document` walks a document and hands out each record's exact bytes; `visit_record`
//! parses one record into typed, borrowed fields. Free-form parts are not parsed: the case keeps
//! the record's text and reads them from it.

use std::borrow::Cow;
use std::io::BufRead;

use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::json_stream::{describe_byte, JsonStream, StreamError};
use super::lowercase::LowerRecord;
use super::DecodeError;

/// Largest single record (or top-level value of a document) accepted.
pub const MAX_RECORD_BYTES: usize = 64 << 20;

pub(crate) type Text<'a> = Cow<'a, str>;

#[derive(Deserialize, Default)]
pub struct Record<'a> {
    #[serde(rename = "eventVersion", borrow)]
    pub event_version: Option<Text<'a>>,
    #[serde(rename = "eventID", borrow)]
    pub event_id: Option<Text<'a>>,
    #[serde(rename = "eventTime", borrow)]
    pub event_time: Option<Text<'a>>,
    #[serde(rename = "eventSource", borrow)]
    pub event_source: Option<Text<'a>>,
    #[serde(rename = "eventName", borrow)]
    pub event_name: Option<Text<'a>>,
    #[serde(rename = "eventType", borrow)]
    pub event_type: Option<Text<'a>>,
    #[serde(rename = "eventCategory", borrow)]
    pub event_category: Option<Text<'a>>,
    #[serde(rename = "awsRegion", borrow)]
    pub aws_region: Option<Text<'a>>,
    #[serde(rename = "recipientAccountId", borrow)]
    pub recipient_account_id: Option<Text<'a>>,
    #[serde(rename = "sourceIPAddress", borrow)]
    pub source_ip: Option<Text<'a>>,
    #[serde(rename = "userAgent", borrow)]
    pub user_agent: Option<Text<'a>>,
    #[serde(rename = "errorCode", borrow)]
    pub error_code: Option<Text<'a>>,
    #[serde(rename = "errorMessage", borrow)]
    pub error_message: Option<Text<'a>>,
    #[serde(rename = "readOnly", default, deserialize_with = "flexible_bool")]
    pub read_only: Option<bool>,
    #[serde(
        rename = "managementEvent",
        default,
        deserialize_with = "flexible_bool"
    )]
    pub management_event: Option<bool>,
    #[serde(rename = "requestID", borrow)]
    pub request_id: Option<Text<'a>>,
    #[serde(rename = "sharedEventID", borrow)]
    pub shared_event_id: Option<Text<'a>>,
    #[serde(rename = "userIdentity", borrow)]
    pub user_identity: Option<UserIdentity<'a>>,
    #[serde(rename = "requestParameters", borrow)]
    pub request_parameters: Option<&'a RawValue>,
    #[serde(rename = "responseElements", borrow)]
    pub response_elements: Option<&'a RawValue>,
    #[serde(rename = "additionalEventData", borrow)]
    pub additional_event_data: Option<&'a RawValue>,
    /// Console Event-history / LookupEvents items carry the real record as a JSON string.
    #[serde(rename = "CloudTrailEvent", borrow)]
    pub cloudtrail_event: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
pub struct UserIdentity<'a> {
    #[serde(rename = "type", borrow)]
    pub kind: Option<Text<'a>>,
    #[serde(rename = "principalId", borrow)]
    pub principal_id: Option<Text<'a>>,
    #[serde(borrow)]
    pub arn: Option<Text<'a>>,
    #[serde(rename = "accountId", borrow)]
    pub account_id: Option<Text<'a>>,
    #[serde(rename = "accessKeyId", borrow)]
    pub access_key_id: Option<Text<'a>>,
    #[serde(rename = "userName", borrow)]
    pub user_name: Option<Text<'a>>,
    #[serde(rename = "invokedBy", borrow)]
    pub invoked_by: Option<Text<'a>>,
    #[serde(rename = "onBehalfOf", borrow)]
    pub on_behalf_of: Option<OnBehalfOf<'a>>,
    #[serde(rename = "sessionContext", borrow)]
    pub session_context: Option<SessionContext<'a>>,
}

#[derive(Deserialize, Default)]
pub struct OnBehalfOf<'a> {
    #[serde(rename = "userId", borrow)]
    pub user_id: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
pub struct SessionContext<'a> {
    #[serde(rename = "sessionIssuer", borrow)]
    pub session_issuer: Option<SessionIssuer<'a>>,
    #[serde(borrow)]
    pub attributes: Option<SessionAttributes<'a>>,
}

#[derive(Deserialize, Default)]
pub struct SessionIssuer<'a> {
    #[serde(rename = "type", borrow)]
    pub kind: Option<Text<'a>>,
    #[serde(borrow)]
    pub arn: Option<Text<'a>>,
    #[serde(rename = "userName", borrow)]
    pub user_name: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
pub struct SessionAttributes<'a> {
    #[serde(
        rename = "mfaAuthenticated",
        default,
        deserialize_with = "flexible_bool"
    )]
    pub mfa_authenticated: Option<bool>,
    #[serde(rename = "creationDate", borrow)]
    pub creation_date: Option<Text<'a>>,
}

/// `readOnly` and friends are booleans in AWS output but strings ("true") in some exports.
pub(crate) fn flexible_bool<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flexible<'a> {
        Bool(bool),
        Text(#[serde(borrow)] Cow<'a, str>),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Option::<Flexible>::deserialize(deserializer)? {
        Some(Flexible::Bool(value)) => Some(value),
        Some(Flexible::Text(text)) if text.eq_ignore_ascii_case("true") => Some(true),
        Some(Flexible::Text(text)) if text.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    })
}

impl Record<'_> {
    /// `responseElements.ConsoleLogin` ("Success" / "Failure") of a sign-in event.
    pub fn console_login_result(&self) -> Option<String> {
        #[derive(Deserialize)]
        struct Login {
            #[serde(rename = "ConsoleLogin")]
            result: Option<String>,
        }
        let raw = self.response_elements?.get();
        if !raw.contains("ConsoleLogin") {
            return None;
        }
        read_part::<Login>(raw)?.result
    }

    /// `additionalEventData.MFAUsed` exactly as written (Yes, No, YES…).
    pub fn mfa_used(&self) -> Option<String> {
        #[derive(Deserialize)]
        struct Mfa {
            #[serde(rename = "MFAUsed")]
            used: Option<String>,
        }
        let raw = self.additional_event_data?.get();
        if !raw.contains("MFAUsed") {
            return None;
        }
        read_part::<Mfa>(raw)?.used
    }

    fn looks_like_a_record(&self) -> bool {
        self.event_time.is_some() || self.event_name.is_some() || self.event_id.is_some()
    }
}

/// A free-form part: an object, or (Athena exports) a string holding one.
fn read_part<T: serde::de::DeserializeOwned>(raw: &str) -> Option<T> {
    if raw.starts_with('"') {
        serde_json::from_str(&serde_json::from_str::<String>(raw).ok()?).ok()
    } else {
        serde_json::from_str(raw).ok()
    }
}

/// The camelCase record; when it has none of eventTime, eventName, eventID (nor is a console
/// item), the same text read with lowercase names (`super::lowercase`, Athena-style exports).
fn parse(text: &str) -> Result<Record<'_>, serde_json::Error> {
    let record: Record = serde_json::from_str(text)?;
    if record.looks_like_a_record() || record.cloudtrail_event.is_some() {
        return Ok(record);
    }
    let lower: LowerRecord = serde_json::from_str(text)?;
    Ok(if lower.looks_like_a_record() {
        lower.into()
    } else {
        record
    })
}

/// Parses one record and calls `visit` with it and the text to keep as `raw`. A console
/// Event-history item is unwrapped: the record inside `CloudTrailEvent` is what is kept.
pub fn visit_record<T>(
    bytes: &[u8],
    visit: impl FnOnce(&Record<'_>, &str) -> T,
) -> Result<T, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "invalid UTF-8 (byte 0x{:02x} at byte {} of the record)",
            bytes[e.valid_up_to()],
            e.valid_up_to()
        )
    })?;
    let record = parse(text).map_err(|e| format!("invalid record: {e}"))?;
    if let Some(inner) = &record.cloudtrail_event {
        let inner_text = inner.to_string();
        let inner_record = parse(&inner_text)
            .map_err(|e| format!("invalid record inside CloudTrailEvent: {e}"))?;
        return check(&inner_record).map(|()| visit(&inner_record, &inner_text));
    }
    check(&record).map(|()| visit(&record, text))
}

fn check(record: &Record) -> Result<(), String> {
    if record.looks_like_a_record() {
        Ok(())
    } else {
        Err("not a CloudTrail record (no eventTime, eventName or eventID, nor lowercase)".into())
    }
}

/// What a JSON document turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentKind {
    /// `{"Records":[…]}` as delivered to S3.
    Records,
    /// `[record, …]`.
    Array,
    /// One record per line (or concatenated records).
    Lines,
    /// `{"Events":[{…, "CloudTrailEvent": "…"}]}` from the console or `lookup-events`.
    Lookup,
    /// A CloudTrail digest file: evidence, not events. Holds the document's text.
    Digest(Vec<u8>),
    /// `aws cloudtrail list-public-keys` output (`PublicKeyList`). Holds the document's text.
    PublicKeys(Vec<u8>),
    /// Digest signatures saved from S3 metadata (see `decode::signatures`). Holds the text.
    DigestSignatures(Vec<u8>),
    /// A saved AWS CLI output for the posture checks (`decode::posture`). Holds the text.
    Posture(Vec<u8>),
    /// Valid JSON but not CloudTrail; the reason says what it was.
    NotCloudTrail(String),
}

/// Where a record sits in its document, for error messages.
pub struct RecordPlace {
    pub index: u64,
    pub offset: u64,
    pub line: u64,
}

impl RecordPlace {
    pub fn describe(&self) -> String {
        format!(
            "record {} (line {}, byte {} of the decompressed data)",
            self.index, self.line, self.offset
        )
    }
}

fn structural(err: StreamError) -> DecodeError {
    DecodeError::new(err.position(), err.cause)
}

/// Walks a JSON document and calls `on_record` with the bytes of every record, or with why a
/// record was skipped (larger than MAX_RECORD_BYTES: read past, never held). Errors that break
/// the document's structure end the walk; a record that fails to parse is the callback's
/// business (the walk goes on).
pub fn split_document<R: BufRead>(
    stream: &mut JsonStream<R>,
    on_record: impl FnMut(Result<&[u8], String>, RecordPlace),
) -> Result<DocumentKind, DecodeError> {
    let mut splitter = Splitter {
        buffer: Vec::with_capacity(8 << 10),
        index: 0,
        on_record,
    };
    match stream.peek_non_ws().map_err(structural)? {
        None => Ok(DocumentKind::NotCloudTrail("empty file".into())),
        Some(b'[') => {
            splitter.array(stream)?;
            expect_end(stream)?;
            Ok(DocumentKind::Array)
        }
        Some(b'{') => splitter.object(stream),
        Some(other) => Ok(DocumentKind::NotCloudTrail(format!(
            "not a JSON object or array (starts with {})",
            describe_byte(other)
        ))),
    }
}

/// Hands out the records of one document, numbered in order.
struct Splitter<F> {
    buffer: Vec<u8>,
    index: u64,
    on_record: F,
}

impl<F: FnMut(Result<&[u8], String>, RecordPlace)> Splitter<F> {
    fn emit(&mut self, source: &mut dyn RecordSource) -> Result<(), DecodeError> {
        self.buffer.clear();
        let place = RecordPlace {
            index: self.index,
            offset: source.offset(),
            line: source.line(),
        };
        match source.read_record(&mut self.buffer) {
            Ok(()) => (self.on_record)(Ok(&self.buffer), place),
            Err(skipped) if skipped.skipped => (self.on_record)(Err(skipped.cause), place),
            Err(broken) => return Err(structural(broken)),
        }
        self.index += 1;
        Ok(())
    }

    /// Every element of the array the stream is at.
    fn array<R: BufRead>(&mut self, stream: &mut JsonStream<R>) -> Result<(), DecodeError> {
        if !stream.open_container(b'[', b']').map_err(structural)? {
            loop {
                self.emit(stream)?;
                if !stream.next_in_container(b']').map_err(structural)? {
                    break;
                }
            }
        }
        Ok(())
    }

    /// A document that starts with `{`: a `Records` or `Events` container, a digest, another
    /// JSON object, or the first of several records (one per line).
    fn object<R: BufRead>(
        &mut self,
        stream: &mut JsonStream<R>,
    ) -> Result<DocumentKind, DecodeError> {
        stream.start_capture();
        let mut kind = None;
        let mut keys = Vec::new();
        let mut scratch = Vec::new();
        // The first member beside the records that is not valid JSON: the splitter only checks
        // structure, so serde checks these (a record's own members are checked when the record
        // is parsed, so this matters only once the document turns out to be a container).
        let mut invalid_member: Option<DecodeError> = None;
        if !stream.open_container(b'{', b'}').map_err(structural)? {
            loop {
                let key = stream.read_key(&mut scratch).map_err(structural)?;
                let container = match key.as_str() {
                    "Records" => Some(DocumentKind::Records),
                    "Events" => Some(DocumentKind::Lookup),
                    _ => None,
                };
                if let Some(container_kind) = container {
                    stream.take_capture();
                    expect_array(stream, &key)?;
                    self.array(stream)?;
                    kind = Some(container_kind);
                } else {
                    scratch.clear();
                    stream
                        .read_value(&mut scratch, MAX_RECORD_BYTES)
                        .map_err(structural)?;
                    if invalid_member.is_none() {
                        // A full parse: skipping (IgnoredAny) checks neither UTF-8 nor escapes.
                        if let Err(e) = serde_json::from_slice::<serde_json::Value>(&scratch) {
                            invalid_member = Some(structural(stream.error(format!(
                                "the document's `{key}` member is not valid JSON: {e}"
                            ))));
                        }
                    }
                    keys.push(key);
                }
                if !stream.next_in_container(b'}').map_err(structural)? {
                    break;
                }
            }
        }
        if let Some(kind) = kind {
            expect_end(stream)?;
            return match invalid_member {
                Some(error) => Err(error),
                None => Ok(kind),
            };
        }
        let first = stream.take_capture().unwrap_or_default();
        let has = |name: &str| keys.iter().any(|k| k == name);
        if has("digestStartTime") || has("logFiles") {
            expect_end(stream)?;
            return Ok(DocumentKind::Digest(first));
        }
        if has("PublicKeyList") || super::signatures::is_signature_document(&keys) {
            expect_end(stream)?;
            return Ok(match has("PublicKeyList") {
                true => DocumentKind::PublicKeys(first),
                false => DocumentKind::DigestSignatures(first),
            });
        }
        if super::posture::is_posture_document(&keys) {
            expect_end(stream)?;
            return Ok(DocumentKind::Posture(first));
        }
        let lower = has("eventtime") || has("eventname") || has("eventid");
        if !(has("eventTime")
            || has("eventName")
            || has("eventID")
            || has("CloudTrailEvent")
            || lower)
        {
            return Ok(DocumentKind::NotCloudTrail(
                "a JSON object without Records, Events or CloudTrail record fields".into(),
            ));
        }
        self.lines(stream, &first)
    }

    /// The object just read was a record: the document is one record per line. Records on one
    /// line each are read line by line, so a broken line is one bad record; pretty-printed
    /// records one after another are read value by value.
    fn lines<R: BufRead>(
        &mut self,
        stream: &mut JsonStream<R>,
        first: &[u8],
    ) -> Result<DocumentKind, DecodeError> {
        let one_per_line = !first.trim_ascii().contains(&b'\n');
        self.emit(&mut JsonStream::new(first.trim_ascii()))?;
        let mut lines = Lines {
            stream,
            one_per_line,
        };
        loop {
            match lines.stream.peek_non_ws().map_err(structural)? {
                None => return Ok(DocumentKind::Lines),
                // In line mode a line that is not an object is one bad record.
                Some(_) if lines.one_per_line => self.emit(&mut lines)?,
                Some(b'{') => self.emit(&mut lines)?,
                Some(other) => {
                    return Err(structural(lines.stream.error(format!(
                        "expected the next record ('{{') but found {}",
                        describe_byte(other)
                    ))))
                }
            }
        }
    }
}

/// The value after `"key":` must be an array of records.
fn expect_array<R: BufRead>(stream: &mut JsonStream<R>, key: &str) -> Result<(), DecodeError> {
    match stream.peek_non_ws().map_err(structural)? {
        Some(b'[') => Ok(()),
        Some(other) => Err(DecodeError::new(
            stream.error("").position(),
            format!("\"{key}\" is not an array (found {})", json_type_of(other)),
        )),
        None => Err(structural(
            stream.error(format!("the data ends after \"{key}\" (truncated file?)")),
        )),
    }
}

/// The one thing `split_document` needs from a stream to hand out a record, so the first
/// record of an NDJSON document (already read) goes through the same path as the rest.
trait RecordSource {
    fn offset(&self) -> u64;
    fn line(&self) -> u64;
    fn read_record(&mut self, out: &mut Vec<u8>) -> Result<(), StreamError>;
}

impl<R: BufRead> RecordSource for JsonStream<R> {
    fn offset(&self) -> u64 {
        JsonStream::offset(self)
    }
    fn line(&self) -> u64 {
        JsonStream::line(self)
    }
    fn read_record(&mut self, out: &mut Vec<u8>) -> Result<(), StreamError> {
        self.read_value(out, MAX_RECORD_BYTES)
    }
}

/// The rest of a one-record-per-line document.
struct Lines<'s, R> {
    stream: &'s mut JsonStream<R>,
    one_per_line: bool,
}

impl<R: BufRead> RecordSource for Lines<'_, R> {
    fn offset(&self) -> u64 {
        self.stream.offset()
    }
    fn line(&self) -> u64 {
        self.stream.line()
    }
    fn read_record(&mut self, out: &mut Vec<u8>) -> Result<(), StreamError> {
        if self.one_per_line {
            self.stream.read_line(out, MAX_RECORD_BYTES)?;
            let trimmed = out.trim_ascii_end().len();
            out.truncate(trimmed);
            Ok(())
        } else {
            self.stream.read_record(out)
        }
    }
}

fn expect_end<R: BufRead>(stream: &mut JsonStream<R>) -> Result<(), DecodeError> {
    match stream.peek_non_ws().map_err(structural)? {
        None => Ok(()),
        Some(other) => Err(structural(stream.error(format!(
            "unexpected data after the end of the document ({})",
            describe_byte(other)
        )))),
    }
}

fn json_type_of(first: u8) -> &'static str {
    match first {
        b'{' => "an object",
        b'"' => "a string",
        b'n' => "null",
        b't' | b'f' => "a boolean",
        _ => "a number or something else",
    }
}

#[cfg(test)]
#[path = "cloudtrail_tests.rs"]
mod tests;
