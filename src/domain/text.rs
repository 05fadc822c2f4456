//! Text that comes from outside: what may be stored, and how someone
//! else's bytes become text that can be.
//!
//! PostgreSQL's `text` cannot hold a NUL character (SQLite's can), and a
//! receiver's answer need not be UTF-8 at all. What a person or a client
//! sends is refused when it holds a NUL ("invalid input", before anything
//! is written); what a webhook receiver answers is kept, made safe.

/// Why text with a NUL character is refused.
pub const NUL_MESSAGE: &str = "Invalid input: text cannot contain a NUL character (\\0).";

/// `Err` with the reason when `text` cannot be stored as given: it holds a
/// NUL character. (A Rust string is valid UTF-8 already.)
pub fn check_text(text: &str) -> Result<(), &'static str> {
    if text.contains('\0') {
        Err(NUL_MESSAGE)
    } else {
        Ok(())
    }
}

/// A value for a log line, or "none" when empty.
pub fn or_none(value: &str) -> &str {
    if value.is_empty() {
        "none"
    } else {
        value
    }
}

/// Someone else's bytes as text that can be stored and shown: invalid
/// UTF-8 replaced by U+FFFD, NUL characters removed, at most `max_bytes`
/// bytes (cut at a character boundary).
pub fn sanitize(bytes: &[u8], max_bytes: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len().min(max_bytes));
    for c in text.chars().filter(|c| *c != '\0') {
        if out.len() + c.len_utf8() > max_bytes {
            break;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_refused_and_everything_else_kept() {
        assert_eq!(check_text("Standup ☕ \u{7f}\t"), Ok(()));
        assert_eq!(check_text("a\0b"), Err(NUL_MESSAGE));
    }

    #[test]
    fn foreign_bytes_become_bounded_text_without_nul() {
        assert_eq!(sanitize(b"ok\0 \xff\xfe!", 100), "ok \u{fffd}\u{fffd}!");
        // Never more than the bound, never half a character.
        assert_eq!(sanitize("éé".as_bytes(), 3), "é");
        assert_eq!(sanitize(b"\xff\xff", 4), "\u{fffd}");
        assert_eq!(sanitize(&[0; 10], 4), "");
    }
}
