//! Opening an input: decompression (with a size cap against gzip bombs) and classification
//! by content, with the path as a hint where AWS's layout says more than the bytes do.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::{Arc, Mutex};

use flate2::read::MultiGzDecoder;
use sha2::{Digest, Sha256};

use super::credreport;

pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const READ_BUFFER: usize = 256 << 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    None,
}

impl Compression {
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::None => "none",
        }
    }
}

/// What the first bytes of the (decompressed) data say the file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    Json,
    /// Apache Parquet (`PAR1`), e.g. Amazon Security Lake's OCSF files.
    Parquet,
    CredentialReport,
    Empty,
    Other(String),
}

/// What CloudTrail's S3 layout says about a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathHint {
    Digest,
    Insight,
    Plain,
}

pub fn path_hint(path: &Path) -> PathHint {
    for part in path.components() {
        match part.as_os_str().to_str() {
            Some("CloudTrail-Digest") => return PathHint::Digest,
            Some("CloudTrail-Insight") => return PathHint::Insight,
            _ => {}
        }
    }
    PathHint::Plain
}

/// A name that promises JSON: content that is not JSON is then a failure, not a skip.
pub fn name_promises_json(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    [
        ".json",
        ".json.gz",
        ".ndjson",
        ".ndjson.gz",
        ".jsonl",
        ".jsonl.gz",
    ]
    .iter()
    .any(|ext| name.ends_with(ext))
}

/// Stops reading once more than `limit` bytes came out of the decompressor.
struct Capped<R> {
    inner: R,
    remaining: u64,
    limit: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 {
            // Probe one byte: exactly `limit` bytes of data is still fine.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::other(format!(
                    "decompressed data exceeds the limit of {} MiB (raise it with --max-decompressed-mb)",
                    self.limit >> 20
                ))),
            };
        }
        let want = buf
            .len()
            .min(self.remaining.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..want])?;
        self.remaining -= n as u64;
        Ok(n)
    }
}

pub type Input = BufReader<Box<dyn Read + Send>>;

/// Opens a file for decoding: gunzips it when it starts with the gzip magic (all members of a
/// multi-member file), and caps the decompressed size.
pub fn open(path: &Path, max_decompressed: u64) -> io::Result<(Compression, Input)> {
    open_with(path, max_decompressed, None)
}

/// Like [`open`], and also hashes the decompressed bytes as they are read (see [`ContentHash`]).
pub fn open_hashed(
    path: &Path,
    max_decompressed: u64,
) -> io::Result<(Compression, Input, ContentHash)> {
    let hash = ContentHash::default();
    let (compression, input) = open_with(path, max_decompressed, Some(hash.clone()))?;
    Ok((compression, input, hash))
}

fn open_with(
    path: &Path,
    max_decompressed: u64,
    hash: Option<ContentHash>,
) -> io::Result<(Compression, Input)> {
    let mut file = File::open(path)?;
    let mut magic = [0u8; 2];
    let mut got = 0;
    while got < 2 {
        match file.read(&mut magic[got..])? {
            0 => break,
            n => got += n,
        }
    }
    let gzip = got == 2 && magic == GZIP_MAGIC;
    Ok(open_reader(File::open(path)?, gzip, max_decompressed, hash))
}

/// Wraps the bytes of an input for decoding: gunzipped (every member) when `gzip`, with the
/// decompressed size capped, and hashed as read when `hash` is given.
pub fn open_reader(
    source: impl Read + Send + 'static,
    gzip: bool,
    max_decompressed: u64,
    hash: Option<ContentHash>,
) -> (Compression, Input) {
    let (compression, inner): (Compression, Box<dyn Read + Send>) = if gzip {
        let gz = MultiGzDecoder::new(BufReader::with_capacity(READ_BUFFER, source));
        let capped = Capped {
            inner: gz,
            remaining: max_decompressed,
            limit: max_decompressed,
        };
        (Compression::Gzip, Box::new(capped))
    } else {
        (Compression::None, Box::new(source))
    };
    let inner: Box<dyn Read + Send> = match hash {
        Some(hash) => Box::new(Hashing { inner, hash }),
        None => inner,
    };
    (compression, BufReader::with_capacity(READ_BUFFER, inner))
}

/// The SHA-256 of a file's decompressed content, fed by the reader under the decoder's buffer:
/// what CloudTrail's digests record for a log file (`hashValue`) and for the previous digest.
#[derive(Clone, Default)]
pub struct ContentHash(Arc<Mutex<Sha256>>);

impl ContentHash {
    /// Reads what the decoder left unread, then returns the hex SHA-256 of everything.
    pub fn finish(self, input: &mut Input) -> io::Result<String> {
        io::copy(input, &mut io::sink())?;
        let hasher = self
            .0
            .lock()
            .map_err(|_| io::Error::other("content hash poisoned"))?;
        Ok(format!("{:x}", hasher.clone().finalize()))
    }
}

struct Hashing<R> {
    inner: R,
    hash: ContentHash,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut hasher) = self.hash.0.lock() {
            hasher.update(&buf[..n]);
        }
        Ok(n)
    }
}

/// Classifies by the first bytes of the data (a UTF-8 BOM and whitespace are skipped; leading
/// whitespace is consumed, so a file of nothing but blanks reads to its end, within the cap).
pub fn classify(input: &mut Input) -> io::Result<Content> {
    let mut at_start = true;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(Content::Empty);
        }
        let head = if at_start {
            buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(buf)
        } else {
            buf
        };
        at_start = false;
        let Some(first) = head.iter().find(|b| !b.is_ascii_whitespace()) else {
            let len = buf.len();
            input.consume(len);
            continue;
        };
        return Ok(match first {
            _ if head.starts_with(b"PAR1") => Content::Parquet,
            b'{' | b'[' => Content::Json,
            _ if credreport::looks_like_credential_report(head) => Content::CredentialReport,
            _ if head.iter().take(512).any(|&b| b == 0) => {
                Content::Other("binary data, not JSON or CSV".into())
            }
            _ => Content::Other("neither JSON nor an IAM credential report".into()),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{write::GzEncoder, Compression as Level};
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Level::default());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn reads_multi_member_gzip_and_caps_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("two.json.gz");
        let mut bytes = gzip(b"{\"Records\":[");
        bytes.extend(gzip(b"]}"));
        std::fs::write(&path, bytes).unwrap();

        let (compression, mut input) = open(&path, 1 << 20).unwrap();
        assert_eq!(compression, Compression::Gzip);
        let mut text = String::new();
        input.read_to_string(&mut text).unwrap();
        assert_eq!(text, "{\"Records\":[]}");

        let (_, mut input) = open(&path, 4).unwrap();
        let err = input.read_to_string(&mut String::new()).unwrap_err();
        assert!(err.to_string().contains("exceeds the limit"), "{err}");
    }

    #[test]
    fn content_hash_covers_every_decompressed_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.json.gz");
        let mut bytes = gzip(b"{\"Records\":[");
        bytes.extend(gzip(b"]}\n"));
        std::fs::write(&path, bytes).unwrap();
        let (_, mut input, hash) = open_hashed(&path, 1 << 20).unwrap();
        assert_eq!(classify(&mut input).unwrap(), Content::Json);
        let expected = format!("{:x}", Sha256::digest(b"{\"Records\":[]}\n"));
        assert_eq!(hash.finish(&mut input).unwrap(), expected);
    }

    #[test]
    fn classifies_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let check = |name: &str, data: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, data).unwrap();
            classify(&mut open(&path, 1 << 20).unwrap().1).unwrap()
        };
        assert_eq!(check("a.txt", b"  [1]"), Content::Json);
        assert_eq!(
            check("b", b"\xEF\xBB\xBFuser,arn\r\n"),
            Content::CredentialReport
        );
        assert_eq!(check("c", b""), Content::Empty);
        assert!(matches!(check("d", b"hello"), Content::Other(_)));
        assert!(matches!(check("e", b"\x00\x01\x02"), Content::Other(r) if r.contains("binary")));
    }

    #[test]
    fn path_says_digest_or_insight() {
        let digest = Path::new("AWSLogs/1/CloudTrail-Digest/us-east-1/2024/05/01/x.json.gz");
        assert_eq!(path_hint(digest), PathHint::Digest);
        let insight = Path::new("AWSLogs/o-abc/1/CloudTrail-Insight/eu-west-1/x.json.gz");
        assert_eq!(path_hint(insight), PathHint::Insight);
        assert_eq!(
            path_hint(Path::new("AWSLogs/1/CloudTrail/x.json.gz")),
            PathHint::Plain
        );
        assert!(name_promises_json(Path::new("a/B.JSON.GZ")));
        assert!(!name_promises_json(Path::new("notes.txt")));
    }
}
