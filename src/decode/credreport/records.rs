//! The CSV reader of credential reports, with line numbers people can find.

use crate::decode::DecodeError;

/// CSV records with their raw bytes and 1-based line numbers, counted here because the csv
/// crate's own line count drifts on CRLF input.
pub(super) struct Records<'a> {
    body: &'a [u8],
    reader: csv::Reader<&'a [u8]>,
    pub(super) record: csv::ByteRecord,
    /// Line of the current record.
    pub(super) line: usize,
    /// Bytes of `body` whose line breaks are already counted in `line`.
    counted: usize,
}

impl<'a> Records<'a> {
    pub(super) fn new(body: &'a [u8]) -> Self {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            // Field counts are checked by `parse`, to report them with a snippet.
            .flexible(true)
            .from_reader(body);
        Records {
            body,
            reader,
            record: csv::ByteRecord::new(),
            line: 1,
            counted: 0,
        }
    }

    /// Reads the next record into `self.record` and returns its bytes without line breaks.
    pub(super) fn next(&mut self) -> Result<Option<&'a [u8]>, DecodeError> {
        let more = self
            .reader
            .read_byte_record(&mut self.record)
            .map_err(|err| DecodeError::new(format!("line {}", self.line), err.to_string()))?;
        if !more {
            return Ok(None);
        }
        let offset = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        let start = offset(self.record.position().map_or(0, csv::Position::byte));
        let end = offset(self.reader.position().byte());
        let span = self.body.get(start..end).unwrap_or_default();
        // After a CRLF (or blank lines) the csv crate starts the next record at a line break.
        let lead = span
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        let mut raw = &span[lead..];
        while let [rest @ .., b'\r' | b'\n'] = raw {
            raw = rest;
        }
        let content_start = start.saturating_add(lead);
        self.line += self
            .body
            .get(self.counted..content_start)
            .map_or(0, |skipped| skipped.iter().filter(|&&b| b == b'\n').count());
        self.counted = content_start;
        Ok(Some(raw))
    }
}
