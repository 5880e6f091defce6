//! Numbers and labels as the charts print them.

use crate::terminal::is_unsafe_char;

/// Makes an untrusted label safe to show: unsafe characters (controls, bidi
/// overrides; see [`is_unsafe_char`]) become U+FFFD, whitespace is trimmed,
/// and anything past `max_chars` is cut with "…". XML escaping itself is done
/// by the SVG backend.
pub fn clean_label(raw: &str, max_chars: usize) -> String {
    let cleaned: String = raw
        .trim()
        .chars()
        .map(|c| if is_unsafe_char(c) { '\u{FFFD}' } else { c })
        .collect();
    if cleaned.is_empty() {
        return "(empty)".to_string();
    }
    if cleaned.chars().count() <= max_chars {
        return cleaned;
    }
    let mut cut: String = cleaned.chars().take(max_chars.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// 1234567 -> "1,234,567".
pub(super) fn fmt_count(v: u64) -> String {
    let digits = v.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Short form for tight spaces: 950, 1.2k, 45k, 3.4M.
pub(super) fn fmt_compact(v: u64) -> String {
    if v < 1000 {
        return v.to_string();
    }
    let units = ["k", "M", "G", "T", "P", "E"];
    let mut x = v as f64;
    for unit in units {
        x /= 1000.0;
        if x < 9.95 {
            // Whole numbers (axis ticks like 1k) need no decimal.
            return if x.fract() == 0.0 {
                format!("{x:.0}{unit}")
            } else {
                format!("{x:.1}{unit}")
            };
        }
        if x < 999.5 {
            return format!("{x:.0}{unit}");
        }
    }
    format!("{x:.0}E")
}

/// A round axis maximum a little above `v`: a multiple of 1, 2 or 5 x 10^k
/// with at most 8 steps (never 0, so the axis has a span).
pub(super) fn nice_ceiling(v: u64) -> u64 {
    if v < 5 {
        return 5;
    }
    let target = v.saturating_add(v / 20);
    let mut magnitude = 1u64;
    loop {
        for mult in [1u64, 2, 5] {
            let step = magnitude.saturating_mul(mult);
            if target.div_ceil(step) <= 8 {
                return target.div_ceil(step).saturating_mul(step);
            }
        }
        if magnitude > u64::MAX / 10 {
            return target;
        }
        magnitude *= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        assert_eq!(fmt_count(0), "0");
        assert_eq!(fmt_count(999), "999");
        assert_eq!(fmt_count(1000), "1,000");
        assert_eq!(fmt_count(1234567), "1,234,567");
        assert_eq!(fmt_count(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn compact() {
        assert_eq!(fmt_compact(999), "999");
        assert_eq!(fmt_compact(1000), "1k");
        assert_eq!(fmt_compact(1234), "1.2k");
        assert_eq!(fmt_compact(45_600), "46k");
        assert_eq!(fmt_compact(999_999), "1.0M");
        assert_eq!(fmt_compact(u64::MAX), "18E");
    }

    #[test]
    fn labels() {
        assert_eq!(clean_label("abcdef", 4), "abc…");
        assert_eq!(clean_label("abcd", 4), "abcd");
        assert_eq!(clean_label("  ", 4), "(empty)");
        assert_eq!(clean_label("  a b  ", 4), "a b");
        assert_eq!(
            clean_label("evil\u{0}\u{202E}gnp.exe", 40),
            "evil\u{FFFD}\u{FFFD}gnp.exe"
        );
        assert_eq!(clean_label("a\tb\nc", 40), "a\u{FFFD}b\u{FFFD}c");
    }

    #[test]
    fn ceilings() {
        assert!(nice_ceiling(97) >= 97);
        assert_eq!(nice_ceiling(0), 5);
        assert_eq!(nice_ceiling(20_600), 25_000);
        assert_eq!(nice_ceiling(6_100), 7_000);
        assert_eq!(nice_ceiling(u64::MAX), u64::MAX);
    }
}
