//! Random identifiers and secrets.
//!
//! Ids carry a prefix naming what they are (`usr_…`, `acct_…`), as Svix and
//! Stripe do, so a stray id in a log says what it points at. Secrets are
//! 256 random bits; only their SHA-256 is stored.
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
}
