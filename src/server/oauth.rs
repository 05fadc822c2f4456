//! The OAuth 2.0 authorization server (PROTOCOL.md, "OAuth"):
//! `authorize` checks authorization requests and records consent,
//! `token` issues and rotates tokens, `token_admin` revokes and
//! introspects them and serves the RFC 8414 metadata; `client` is what
//! the token endpoints share (parameters, client authentication, errors).
//!
//! Codes, access and refresh tokens are 256 random bits, handed out once
//! and stored only as their SHA-256.

pub mod authorize;
pub mod client;
pub mod token;
pub mod token_admin;

/// Authorization codes live five minutes.
pub const CODE_TTL_MS: i64 = 5 * 60_000;
/// Access tokens live an hour (`expires_in: 3600`, as Zoom's).
pub const ACCESS_TTL_MS: i64 = 3_600_000;
/// Refresh tokens live 90 days (as Zoom's), or until used once.
pub const REFRESH_TTL_MS: i64 = 90 * 24 * 3_600_000;

/// S256 of a PKCE code verifier (RFC 7636 §4.2): base64url(SHA-256(verifier)).
pub fn pkce_challenge(verifier: &str) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A code verifier or challenge: 43–128 characters of
/// `[A-Za-z0-9-._~]` (RFC 7636 §4.1).
pub fn is_pkce_value(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636 appendix B.
    #[test]
    fn pkce_matches_the_rfc_example() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(is_pkce_value(verifier));
        assert_eq!(
            pkce_challenge(verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(!is_pkce_value("short"));
        assert!(!is_pkce_value(&"a".repeat(129)));
        assert!(!is_pkce_value(&format!("{}+", "a".repeat(43))));
    }
}
