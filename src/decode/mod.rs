//! Bytes to typed records. Every error carries the place in the file it was found.

pub mod cloudtrail;
pub mod credential_facts;
pub mod credreport;
pub mod digest;
pub mod json_stream;
pub mod lowercase;
pub mod ocsf;
pub mod posture;
pub mod pubkeys;
pub mod signatures;
pub mod sniff;

use std::fmt;

/// A problem found in one input file: where and why, with a bounded excerpt of the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Human-readable place, e.g. "record 12 (byte 40960 of the decompressed data)" or "line 7".
    pub position: String,
    pub cause: String,
    pub snippet: Option<String>,
}

impl DecodeError {
    pub fn new(position: impl Into<String>, cause: impl Into<String>) -> Self {
        DecodeError {
            position: position.into(),
            cause: cause.into(),
            snippet: None,
        }
    }

    pub fn with_snippet(mut self, bytes: &[u8]) -> Self {
        self.snippet = Some(snippet(bytes));
        self
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.position, self.cause)
    }
}

impl std::error::Error for DecodeError {}

/// Longest excerpt of offending input kept in `load_errors`.
pub const SNIPPET_LIMIT: usize = 200;

/// A bounded, lossily decoded excerpt of input bytes, safe to store and print.
pub fn snippet(bytes: &[u8]) -> String {
    let end = bytes.len().min(SNIPPET_LIMIT);
    let mut text = String::from_utf8_lossy(&bytes[..end]).into_owned();
    if bytes.len() > SNIPPET_LIMIT {
        text.push('…');
    }
    text
}
