//! Text from the evidence (user agents, user names, file names) is attacker-controlled: before it
//! reaches a terminal, control characters, which could move the cursor, rewrite earlier
//! lines or change the window title, are replaced by visible escapes.

/// Replaces every control character (C0, DEL, C1) except tab with a `\u{…}` escape.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && c != '\t' {
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
}
