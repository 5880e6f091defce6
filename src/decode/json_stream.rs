//! A streaming splitter for JSON documents too large to hold in memory.
//!
//! It does not build values: it finds where each value starts and ends (tracking nesting and
//! strings) and hands out the exact bytes, so a CloudTrail record can be parsed by serde from a
//! slice (borrowing its strings) and stored verbatim as the `raw` column. Only the bytes of the
//! current value are buffered, whatever the size of the file.

use std::io::{self, BufRead};

/// Where the splitter stopped and why.
#[derive(Debug)]
pub struct StreamError {
    /// Offset in the (decompressed) stream where the problem was noticed.
    pub offset: u64,
    pub line: u64,
    pub cause: String,
    /// The value was larger than allowed and was skipped whole: the stream stands after it,
    /// so reading can go on with the next value.
    pub skipped: bool,
}

impl StreamError {
    pub fn position(&self) -> String {
        format!(
            "line {}, byte {} of the decompressed data",
            self.line, self.offset
        )
    }
}

pub struct JsonStream<R> {
    reader: R,
    offset: u64,
    line: u64,
    /// When set, every consumed byte is also appended here (used to keep the raw text of a
    /// top-level object while its keys are examined one by one).
    capture: Option<Vec<u8>>,
}

impl<R: BufRead> JsonStream<R> {
    pub fn new(reader: R) -> Self {
        JsonStream {
            reader,
            offset: 0,
            line: 1,
            capture: None,
        }
    }

    pub fn offset(&self) -> u64 {
        self.offset
    }

    pub fn line(&self) -> u64 {
        self.line
    }

    pub fn error(&self, cause: impl Into<String>) -> StreamError {
        StreamError {
            offset: self.offset,
            line: self.line,
            cause: cause.into(),
            skipped: false,
        }
    }

    pub fn start_capture(&mut self) {
        self.capture = Some(Vec::new());
    }

    pub fn take_capture(&mut self) -> Option<Vec<u8>> {
        self.capture.take()
    }

    fn consume(&mut self, n: usize) -> Result<(), StreamError> {
        let buf = self
            .reader
            .fill_buf()
            .map_err(|e| io_error(self.offset, self.line, e))?;
        let taken = &buf[..n];
        self.line += memchr::memchr_iter(b'\n', taken).count() as u64;
        if let Some(capture) = self.capture.as_mut() {
            capture.extend_from_slice(taken);
        }
        self.reader.consume(n);
        self.offset += n as u64;
        Ok(())
    }

    /// The next byte that is not JSON whitespace, without consuming it; None at the end.
    pub fn peek_non_ws(&mut self) -> Result<Option<u8>, StreamError> {
        loop {
            let buf = match self.reader.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_error(self.offset, self.line, e)),
            };
            if buf.is_empty() {
                return Ok(None);
            }
            match buf
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            {
                Some(pos) => {
                    let next = buf[pos];
                    self.consume(pos)?;
                    return Ok(Some(next));
                }
                None => {
                    let len = buf.len();
                    self.consume(len)?;
                }
            }
        }
    }

    /// Consumes `expected` after optional whitespace.
    pub fn expect(&mut self, expected: u8) -> Result<(), StreamError> {
        match self.peek_non_ws()? {
            Some(b) if b == expected => self.consume(1),
            Some(b) => Err(self.error(format!(
                "expected '{}' but found {}",
                expected as char,
                describe_byte(b)
            ))),
            None => Err(self.error(format!(
                "expected '{}' but the data ends (truncated file?)",
                expected as char
            ))),
        }
    }

    /// After a container element: consumes ',' and returns true, or consumes `close` and
    /// returns false.
    pub fn next_in_container(&mut self, close: u8) -> Result<bool, StreamError> {
        match self.peek_non_ws()? {
            Some(b',') => {
                self.consume(1)?;
                Ok(true)
            }
            Some(b) if b == close => {
                self.consume(1)?;
                Ok(false)
            }
            Some(b) => Err(self.error(format!(
                "expected ',' or '{}' but found {}",
                close as char,
                describe_byte(b)
            ))),
            None => Err(self.error(format!(
                "expected ',' or '{}' but the data ends (truncated file?)",
                close as char
            ))),
        }
    }

    /// Consumes `open` and reports whether the container is empty (its `close` follows).
    pub fn open_container(&mut self, open: u8, close: u8) -> Result<bool, StreamError> {
        self.expect(open)?;
        if self.peek_non_ws()? == Some(close) {
            self.consume(1)?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Reads an object key and the ':' after it.
    pub fn read_key(&mut self, scratch: &mut Vec<u8>) -> Result<String, StreamError> {
        scratch.clear();
        if self.peek_non_ws()? != Some(b'"') {
            return Err(self.error("expected an object key (a string)"));
        }
        self.read_value(scratch, usize::MAX)?;
        let key: String = serde_json::from_slice(scratch)
            .map_err(|e| self.error(format!("invalid object key: {e}")))?;
        self.expect(b':')?;
        Ok(key)
    }

    /// Appends the exact bytes of the next JSON value to `out`. Checks nesting and string
    /// boundaries only; serde validates the content. A value over `limit` bytes is read to its
    /// end without being kept (memory stays bounded) and reported as skipped.
    pub fn read_value(&mut self, out: &mut Vec<u8>, limit: usize) -> Result<(), StreamError> {
        let first = self
            .peek_non_ws()?
            .ok_or_else(|| self.error("expected a value but the data ends (truncated file?)"))?;
        let start_len = out.len();
        let mut size = 0usize;
        let mut scan = ValueScan {
            depth: 0,
            in_string: false,
            escaped: false,
            scalar: !matches!(first, b'{' | b'[' | b'"'),
        };
        loop {
            let buf = match self.reader.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_error(self.offset, self.line, e)),
            };
            if buf.is_empty() {
                if scan.scalar && size > 0 {
                    return self.within_limit("a single JSON value", size, limit);
                }
                return Err(self.error(
                    "the data ends inside a value (truncated file or unbalanced brackets)",
                ));
            }
            let end = scan.scan(buf).map_err(|i| StreamError {
                offset: self.offset + i as u64,
                line: self.line,
                cause: format!("unexpected '{}'", buf[i] as char),
                skipped: false,
            })?;
            let take = end.unwrap_or(buf.len());
            size = size.saturating_add(take);
            keep_within(out, start_len, &buf[..take], size, limit);
            self.consume(take)?;
            if end.is_some() {
                return self.within_limit("a single JSON value", size, limit);
            }
        }
    }

    /// The end of reading one value or line of `size` bytes: fine, or it was over `limit` and
    /// was skipped (`what` names it in the message).
    fn within_limit(&self, what: &str, size: usize, limit: usize) -> Result<(), StreamError> {
        if size <= limit {
            return Ok(());
        }
        Err(StreamError {
            skipped: true,
            ..self.error(format!(
                "{what} of {size} bytes is larger than the {limit} allowed; skipped"
            ))
        })
    }

    /// Appends the rest of the current line (without its newline) to `out`. NDJSON is read
    /// this way so that one broken line cannot swallow the lines after it. A line over `limit`
    /// bytes is read to its end without being kept and reported as skipped.
    pub fn read_line(&mut self, out: &mut Vec<u8>, limit: usize) -> Result<(), StreamError> {
        let start_len = out.len();
        let mut size = 0usize;
        loop {
            let buf = self
                .reader
                .fill_buf()
                .map_err(|e| io_error(self.offset, self.line, e))?;
            if buf.is_empty() {
                return self.within_limit("a single line", size, limit);
            }
            let (take, done) = match memchr::memchr(b'\n', buf) {
                Some(pos) => (pos + 1, true),
                None => (buf.len(), false),
            };
            size = size.saturating_add(take);
            keep_within(out, start_len, &buf[..take], size, limit);
            self.consume(take)?;
            if done {
                if size <= limit {
                    out.pop();
                }
                return self.within_limit("a single line", size, limit);
            }
        }
    }
}

/// A read error at a place in the stream; an early end is the usual sign of truncation.
/// How far `read_value` has got into a value, across buffer refills.
struct ValueScan {
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// A number, `true`, `false` or `null`: ends at a delimiter, not a bracket.
    scalar: bool,
}

impl ValueScan {
    /// Where the value ends within `buf` (exclusive), or None when it goes on past it. Err
    /// holds the index of a closing bracket that closes nothing.
    fn scan(&mut self, buf: &[u8]) -> Result<Option<usize>, usize> {
        let mut i = 0;
        while i < buf.len() {
            let b = buf[i];
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else {
                    // Jump to the next quote or backslash: most bytes are string content.
                    match memchr::memchr2(b'"', b'\\', &buf[i..]) {
                        Some(pos) => {
                            i += pos;
                            if buf[i] == b'\\' {
                                self.escaped = true;
                            } else {
                                self.in_string = false;
                                if self.depth == 0 {
                                    return Ok(Some(i + 1));
                                }
                            }
                        }
                        None => i = buf.len() - 1,
                    }
                }
            } else if self.scalar {
                if matches!(b, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r') {
                    return Ok(Some(i));
                }
            } else {
                match b {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => {
                        self.depth = self.depth.checked_sub(1).ok_or(i)?;
                        if self.depth == 0 {
                            return Ok(Some(i + 1));
                        }
                    }
                    _ => {}
                }
            }
            i += 1;
        }
        Ok(None)
    }
}

/// Adds `bytes` (the value or line is `size` bytes long so far) to what `out` holds from
/// `start_len` on, or drops all of it once the value is over `limit`: past the limit nothing
/// more of it is kept.
fn keep_within(out: &mut Vec<u8>, start_len: usize, bytes: &[u8], size: usize, limit: usize) {
    if size <= limit {
        out.extend_from_slice(bytes);
    } else {
        out.truncate(start_len);
    }
}

fn io_error(offset: u64, line: u64, err: io::Error) -> StreamError {
    let cause = if err.kind() == io::ErrorKind::UnexpectedEof {
        "the file ends early (truncated or incomplete compressed stream)".to_string()
    } else {
        err.to_string()
    };
    StreamError {
        offset,
        line,
        cause,
        skipped: false,
    }
}

pub fn describe_byte(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", b as char)
    } else {
        format!("byte 0x{b:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Result<Vec<String>, StreamError> {
        let mut stream = JsonStream::new(io::BufReader::with_capacity(3, text.as_bytes()));
        let mut found = Vec::new();
        if stream.open_container(b'[', b']')? {
            return Ok(found);
        }
        loop {
            let mut out = Vec::new();
            stream.read_value(&mut out, usize::MAX)?;
            found.push(String::from_utf8(out).unwrap());
            if !stream.next_in_container(b']')? {
                return Ok(found);
            }
        }
    }

    #[test]
    fn splits_values_across_tiny_buffers() {
        let got = values(r#" [ {"a":"x]}\"y"}, [1,[2]], "s\\", 12.5e3 , true,null ] "#).unwrap();
        assert_eq!(
            got,
            vec![
                r#"{"a":"x]}\"y"}"#,
                "[1,[2]]",
                r#""s\\""#,
                "12.5e3",
                "true",
                "null"
            ]
        );
        assert!(values("[]").unwrap().is_empty());
    }

    #[test]
    fn reports_truncation_with_its_offset() {
        let err = values(r#"[{"a":1},{"b":"#).unwrap_err();
        assert!(err.cause.contains("truncated"), "{}", err.cause);
        assert_eq!(err.offset, 14);
        let err = values(r#"[{"a":1} {"b":2}]"#).unwrap_err();
        assert!(err.cause.contains("expected ',' or ']'"), "{}", err.cause);
    }

    #[test]
    fn counts_lines_and_captures() {
        let mut stream = JsonStream::new("\n\n{\"k\":\n1}".as_bytes());
        stream.start_capture();
        let mut out = Vec::new();
        stream.read_value(&mut out, usize::MAX).unwrap();
        assert_eq!(stream.line(), 4);
        assert_eq!(stream.take_capture().unwrap(), b"\n\n{\"k\":\n1}");
    }

    #[test]
    fn enforces_the_value_limit() {
        let mut stream = JsonStream::new(io::BufReader::with_capacity(4, &b"[\"0123456789\"]"[..]));
        stream.open_container(b'[', b']').unwrap();
        let err = stream.read_value(&mut Vec::new(), 5).unwrap_err();
        assert!(
            err.skipped && err.cause.contains("larger than the 5 allowed"),
            "{}",
            err.cause
        );
    }

    #[test]
    fn a_value_over_the_limit_is_skipped_whole_and_reading_goes_on() {
        let mut stream = JsonStream::new(
            &br#"{"a":"0123456789abcdef"} {"b":1} "tail line"
{"c":2}"#[..],
        );
        let mut out = Vec::new();
        let skipped = stream.read_value(&mut out, 10).unwrap_err();
        assert!(skipped.skipped, "{}", skipped.cause);
        assert!(
            skipped
                .cause
                .contains("24 bytes is larger than the 10 allowed"),
            "{}",
            skipped.cause
        );
        assert!(out.is_empty());
        stream.read_value(&mut out, 10).unwrap();
        assert_eq!(out, br#"{"b":1}"#);
        out.clear();
        let skipped = stream.read_line(&mut out, 5).unwrap_err();
        assert!(skipped.skipped && out.is_empty(), "{}", skipped.cause);
        stream.read_line(&mut out, 10).unwrap();
        assert_eq!(out, br#"{"c":2}"#);
    }
}
