//! A bounded walk over one record of a MaxMind DB data section, done before maxminddb decodes
//! it: maxminddb 0.27.3 skips values it does not need (unknown keys) recursively and without a
//! depth limit, so a deeply nested or cyclic record in a corrupt or hostile file could
//! otherwise overflow the stack, which aborts the process. This walk uses a heap stack.

/// Deepest nesting (maps, arrays and followed pointers) accepted in one record; GeoIP2 City
/// records nest about 4 deep.
const MAX_RECORD_DEPTH: usize = 64;
/// Most values visited in one record (a City record has a few hundred); this stops pointer
/// cycles and pointer fan-out.
const MAX_RECORD_VALUES: usize = 100_000;

/// True when the record at `offset` of the data section `data` is well formed within the
/// limits above.
pub(super) fn record_is_sane(data: &[u8], offset: usize) -> bool {
    skip_value(data, offset).is_some()
}

/// Where the value at `offset` ends (after any pointer it starts with), when it is well formed
/// within the limits above.
fn skip_value(data: &[u8], offset: usize) -> Option<usize> {
    let mut walk = Walk {
        data,
        p: offset,
        stack: vec![Level {
            remaining: 1,
            resume: None,
        }],
    };
    let mut visited = 0usize;
    while let Some(level) = walk.stack.last_mut() {
        if level.remaining == 0 {
            if let Some(resume) = level.resume {
                walk.p = resume;
            }
            walk.stack.pop();
            continue;
        }
        level.remaining -= 1;
        visited += 1;
        if visited > MAX_RECORD_VALUES {
            return None;
        }
        walk.value()?;
    }
    Some(walk.p)
}

/// Where the metadata section starts: after the last occurrence of this marker.
const METADATA_MARKER: &[u8] = b"\xab\xcd\xefMaxMind.com";

/// The search tree's shape as the file's metadata gives it.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct TreeLayout {
    pub node_count: u64,
    pub record_size: u64,
}

/// Reads `node_count` and `record_size` from the metadata map at the end of a MaxMind DB file.
/// Done before maxminddb sees the file: 0.27.3 walks the search tree when it opens a file
/// without checking that the file is long enough to hold it, and panics on one that is not.
pub(super) fn tree_layout(bytes: &[u8]) -> Option<TreeLayout> {
    let start = memchr::memmem::rfind(bytes, METADATA_MARKER)? + METADATA_MARKER.len();
    let data = &bytes[start..];
    let mut walk = Walk {
        data,
        p: 0,
        stack: Vec::new(),
    };
    let ctrl = walk.byte()?;
    if ctrl >> 5 != 7 {
        return None;
    }
    let entries = walk.size(ctrl)?;
    let (mut node_count, mut record_size) = (None, None);
    for _ in 0..entries {
        let key_ctrl = walk.byte()?;
        if key_ctrl >> 5 != 2 {
            return None;
        }
        let key_size = walk.size(key_ctrl)?;
        let key = walk.take(key_size)?;
        let value_ctrl = *data.get(walk.p)?;
        match (key, value_ctrl >> 5) {
            (b"node_count", 5 | 6) => node_count = Some(walk.unsigned()?),
            (b"record_size", 5 | 6) => record_size = Some(walk.unsigned()?),
            _ => walk.p = skip_value(data, walk.p)?,
        }
    }
    Some(TreeLayout {
        node_count: node_count?,
        record_size: record_size?,
    })
}

/// Values still to read at one level, and where to carry on after a followed pointer.
struct Level {
    remaining: usize,
    resume: Option<usize>,
}

struct Walk<'a> {
    data: &'a [u8],
    /// Where the next value starts in `data`.
    p: usize,
    stack: Vec<Level>,
}

impl<'a> Walk<'a> {
    /// Reads one value: its control byte(s), then its payload, or pushes a level for what a
    /// map, an array or a pointer holds. None when the value is malformed or over a limit.
    fn value(&mut self) -> Option<()> {
        let ctrl = self.byte()?;
        let kind = match ctrl >> 5 {
            1 => return self.pointer(ctrl),
            0 => self.extended_type()?,
            kind => kind,
        };
        let size = self.size(ctrl)?;
        self.payload(kind, size)
    }

    /// The next `n` bytes, or None when they run past the end.
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let start = self.p;
        let end = start.checked_add(n).filter(|&end| end <= self.data.len())?;
        self.p = end;
        Some(&self.data[start..end])
    }

    /// A uint16 or uint32 value.
    fn unsigned(&mut self) -> Option<u64> {
        let ctrl = self.byte()?;
        let size = self.size(ctrl)?;
        (size <= 4).then_some(())?;
        Some(big_endian(0, self.take(size)?) as u64)
    }

    fn byte(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    /// A pointer: 1 to 4 bytes, relative to the data section; its target is walked as one
    /// value, then the walk carries on after the pointer.
    fn pointer(&mut self, ctrl: u8) -> Option<()> {
        let len = usize::from((ctrl >> 3) & 3) + 1;
        let high = if len == 4 { 0 } else { usize::from(ctrl & 7) };
        let value = big_endian(high, self.take(len)?);
        let target = value + [0, 0, 2_048, 526_336, 0][len];
        let resume = self.p;
        self.push(1, Some(resume))?;
        self.p = target;
        Some(())
    }

    /// The type in the byte after an extended control byte (8 and up; 7 + 0 is invalid).
    fn extended_type(&mut self) -> Option<u8> {
        match self.byte()?.checked_add(7) {
            Some(kind) if kind > 7 => Some(kind),
            _ => None,
        }
    }

    /// The payload size: the control byte's low 5 bits, extended by 1 to 3 bytes from 29 up.
    fn size(&mut self, ctrl: u8) -> Option<usize> {
        let size = usize::from(ctrl & 0x1f);
        if size < 29 {
            return Some(size);
        }
        let n = size - 28;
        let value = big_endian(0, self.take(n)?);
        Some([0, 29, 285, 65_821][n] + value)
    }

    /// Skips a scalar's payload, checking its size against its type, or pushes a level for a
    /// map's keys and values or an array's items.
    fn payload(&mut self, kind: u8, size: usize) -> Option<()> {
        let size_ok = match kind {
            2 | 4 => true,                          // string, bytes
            3 => size == 8,                         // double
            15 => size == 4,                        // float
            5 => size <= 2,                         // uint16
            6 | 8 => size <= 4,                     // uint32, int32
            9 => size <= 8,                         // uint64
            10 => size <= 16,                       // uint128
            14 => return (size <= 1).then_some(()), // boolean: the size is the value
            7 => return self.push(size * 2, None),  // map
            11 => return self.push(size, None),     // array
            _ => false,
        };
        if !size_ok {
            return None;
        }
        self.take(size).map(|_| ())
    }

    fn push(&mut self, remaining: usize, resume: Option<usize>) -> Option<()> {
        if self.stack.len() >= MAX_RECORD_DEPTH {
            return None;
        }
        self.stack.push(Level { remaining, resume });
        Some(())
    }
}

/// `bytes` as a big-endian number after the high bits `high`.
fn big_endian(high: usize, bytes: &[u8]) -> usize {
    bytes
        .iter()
        .fold(high, |acc, &b| (acc << 8) | usize::from(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::geo::test_support::nested_maps;

    #[test]
    fn record_sanity_walk() {
        // {"en": "London", "n": 2.5, "u": 7u16, "l": [1u32, 2u32]}
        let mut good = vec![0xE4, 0x42, b'e', b'n', 0x46];
        good.extend_from_slice(b"London");
        good.extend_from_slice(&[0x41, b'n', 0x68]);
        good.extend_from_slice(&2.5f64.to_be_bytes());
        good.extend_from_slice(&[
            0x41, b'u', 0xA1, 7, 0x41, b'l', 0x02, 0x04, 0xC1, 1, 0xC1, 2,
        ]);
        assert!(record_is_sane(&good, 0));
        assert!(!record_is_sane(&good[..good.len() - 1], 0), "truncated");
        assert!(!record_is_sane(&good, good.len()), "offset past the end");
        // A pointer to the record, from a second record placed after it.
        let mut with_ptr = good.clone();
        with_ptr.extend_from_slice(&[0xE1, 0x41, b'p', 0x20, 0x00]);
        assert!(record_is_sane(&with_ptr, good.len()));

        assert!(record_is_sane(&nested_maps(MAX_RECORD_DEPTH - 1), 0));
        assert!(!record_is_sane(&nested_maps(MAX_RECORD_DEPTH + 1), 0));
        assert!(!record_is_sane(&nested_maps(100_000), 0));
        // A pointer to itself, and a map whose value points back at the map.
        assert!(!record_is_sane(&[0x20, 0x00], 0));
        assert!(!record_is_sane(&[0xE1, 0x41, b'a', 0x20, 0x00], 0));
        // Fan-out: 25 levels, each an array of two pointers to the next level, so 2^25
        // values within the depth limit.
        let mut fan = Vec::new();
        for level in 0..25u8 {
            let next = (level + 1) * 6;
            fan.extend_from_slice(&[0x02, 0x04, 0x20, next, 0x20, next]);
        }
        fan.extend_from_slice(&[0x01, 0x07]);
        assert!(!record_is_sane(&fan, 0));
        assert!(
            record_is_sane(&fan, 20 * 6),
            "the last five levels are fine"
        );
        // Bad sizes and types.
        assert!(!record_is_sane(&[0x64, 0, 0, 0, 0], 0), "double of size 4");
        assert!(
            !record_is_sane(&[0x00, 0x09], 0),
            "unknown extended type 16"
        );
        assert!(!record_is_sane(&[0x00, 0x05], 0), "container type 12");
    }
}
