//! Text from the evidence (user agents, user names, file names) is attacker-controlled: before it
//! reaches a terminal, unsafe characters ([`is_unsafe_char`]), which could move the cursor,
//! rewrite earlier lines, change the window title or reorder what is shown, are replaced by
//! visible escapes.

/// Characters that must not reach a reader as they are, on a terminal or in a chart: control
/// characters (C0, DEL, C1), which drive terminals and break XML, and bidi marks, overrides and
/// isolates, which make text read differently from what it is ("evil\u{202E}gnp.exe" shows as
/// "evilexe.png").
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Replaces every unsafe character except tab with a `\u{…}` escape.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        // A tab only moves to the next tab stop: harmless on a terminal.
        if is_unsafe_char(c) && c != '\t' {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn neutralises_escape_sequences() {
        assert_eq!(sanitize("a\u{1b}[31mred\u{7}"), "a\\u{1b}[31mred\\u{7}");
        assert_eq!(sanitize("line\nbreak\r"), "line\\u{a}break\\u{d}");
        assert_eq!(sanitize("\u{9b}2J"), "\\u{9b}2J");
        assert_eq!(sanitize("tab\tand ünïcode ✓"), "tab\tand ünïcode ✓");
    }

    #[test]
    fn neutralises_bidi_controls() {
        assert_eq!(sanitize("evil\u{202E}gnp.exe"), "evil\\u{202e}gnp.exe");
        assert_eq!(sanitize("a\u{2066}b\u{2069}"), "a\\u{2066}b\\u{2069}");
        assert_eq!(sanitize("שלום abc"), "שלום abc");
    }
}
