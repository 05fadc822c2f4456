//! Random identifiers and secrets.
//!
//! Ids carry a prefix naming what they are (`usr_…`, `acct_…`), as Svix and
//! Stripe do, so a stray id in a log says what it points at. Secrets are
//! 256 random bits; only their SHA-256 is stored (for OAuth tokens, led by
//! the time they were issued: `token_key`).
//!
//! Randomness comes from the thread's CSPRNG (`rand::thread_rng`: ChaCha,
//! seeded and periodically reseeded from the OS), not a system call per
//! value: a token request makes three of them.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new id: `prefix_` + 16 random bytes in URL-safe base64.
pub fn new_id(prefix: &str) -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{prefix}_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// A new id that sorts after the ones made before it (`prefix_`, the time
/// in milliseconds as 12 hex digits, 12 random bytes): for rows made at a
/// high rate, whose index then grows at one end instead of changing pages
/// all over it.
pub fn new_ordered_id(prefix: &str, now_ms: i64) -> String {
    let mut bytes = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!(
        "{prefix}_{:012x}{}",
        now_ms.max(0),
        URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// A new OAuth client id: 16 random bytes in URL-safe base64 (22
/// characters, like Zoom's), no prefix, since clients treat it as opaque.
pub fn new_client_id() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A new 256-bit secret in URL-safe base64 (43 characters).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A new OAuth access or refresh token: the issue time in milliseconds
/// as 12 hex digits, a dot, and a 256-bit secret (56 characters in all).
/// The time part is public and carries no secret; it exists so that the
/// token's database key (`token_key`) sorts by issue time. Clients treat
/// tokens as opaque, as Zoom's documentation tells them to.
pub fn new_token(now_ms: i64) -> String {
    format!("{:012x}.{}", now_ms.max(0), new_secret())
}

/// What the database keeps for a presented token, and looks it up by: the
/// token's SHA-256 in hex, led by its issue-time part (`new_token`) when it
/// has one.
///
/// Why the lead: tokens are written at the server's highest write rate
/// (every `client_credentials` grant), and a key that is only a hash puts
/// each new row at a random place in the index, so every insert changes a
/// different page. Led by the time, new keys go to the end of the index,
/// which on SQLite wrote about 40% less per group of grants. The whole
/// token is still hashed and compared, so the lead adds nothing an
/// attacker can use. Tokens issued before this format (43 characters, no
/// dot) keep their plain-hash keys and keep working.
pub fn token_key(presented: &str) -> String {
    match presented.split_once('.') {
        Some((issued, _))
            if issued.len() == 12
                && issued
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) =>
        {
            format!("{issued}.{}", hash_secret(presented))
        }
        _ => hash_secret(presented),
    }
}

/// The hex SHA-256 of a secret: what the database keeps instead of it.
/// High-entropy secrets need no slow hash; passwords use argon2id instead.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_secrets_are_unique_and_shaped() {
        let a = new_id("usr");
        assert!(a.starts_with("usr_"));
        assert_ne!(a, new_id("usr"));
        let secret = new_secret();
        assert_eq!(secret.len(), 43);
        assert_eq!(hash_secret(&secret).len(), 64);
        assert_eq!(hash_secret("x"), hash_secret("x"));
        assert_ne!(hash_secret(&secret), hash_secret(&new_secret()));
        let (early, late) = (new_ordered_id("grt", 1_000), new_ordered_id("grt", 1_001));
        assert!(early < late && early.starts_with("grt_0000000003e8"));
        assert_ne!(new_ordered_id("grt", 5), new_ordered_id("grt", 5));
    }

    #[test]
    fn token_keys_sort_by_issue_time_and_hash_the_whole_token() {
        let token = new_token(1_000);
        assert_eq!(token.len(), 56);
        assert!(token.starts_with("0000000003e8."));
        let key = token_key(&token);
        assert_eq!(key, format!("0000000003e8.{}", hash_secret(&token)));
        assert!(
            !key.contains(&token[13..]),
            "the secret part is never stored"
        );
        // Later tokens sort after earlier ones, whatever their secrets.
        assert!(token_key(&new_token(999)) < key && key < token_key(&new_token(1_001)));
        // Same time, another secret: another key.
        assert_ne!(token_key(&new_token(1_000)), key);
        // Tokens of the earlier format (no dot) and anything that is not
        // a time lead are looked up by their plain hash.
        let old = new_secret();
        assert_eq!(token_key(&old), hash_secret(&old));
        for odd in [
            "0000000003E8.x",
            "3e8.x",
            "0000000003g8.x",
            ".x",
            "zzzzzzzzzzzz.x",
        ] {
            assert_eq!(token_key(odd), hash_secret(odd), "{odd}");
        }
    }
}
