//! The OAuth 2.0 authorization server (PROTOCOL.md, "OAuth"):
//! `authorize` checks authorization requests and records consent,
//! `token` issues and rotates tokens, `token_admin` revokes and
//! introspects them and serves the RFC 8414 metadata; `client` is what
//! the token endpoints share (parameters, client authentication, errors);
//! `grant_writer` writes credentials grants in groups.
//!
//! Codes, access and refresh tokens are 256 random bits, handed out once
//! and stored only as their SHA-256.

pub mod authorize;
pub mod client;
pub mod grant_writer;
pub mod token;
pub mod token_admin;

use std::sync::Arc;

use crate::domain::oauth::TokenKind;
use crate::server::repo::{self, oauth::ClientRow, tokens::TokenRow};
use crate::server::state::AppState;

/// Authorization codes live five minutes.
pub const CODE_TTL_MS: i64 = 5 * 60_000;
/// Access tokens live an hour (`expires_in: 3600`, as Zoom's).
pub const ACCESS_TTL_MS: i64 = 3_600_000;
/// Refresh tokens live 90 days (as Zoom's), or until used once.
pub const REFRESH_TTL_MS: i64 = 90 * 24 * 3_600_000;

/// The token whose key (`ids::token_key`) is `token_hash`, with its grant: from this
/// process's cache when it may be used (`server/cache.rs`), else from the
/// database. Only live access tokens are kept: refresh tokens are read
/// once each, and a token found revoked or expired is answered from the
/// database every time (it is rare, and must never come back to life).
pub async fn find_token(
    state: &AppState,
    token_hash: &str,
) -> Result<Option<Arc<TokenRow>>, sqlx::Error> {
    let now = state.now_ms();
    let read = repo::tokens::find_token(&state.db.pool, token_hash);
    let live =
        |t: &TokenRow| t.kind == TokenKind::Access && t.revoked_at.is_none() && t.expires_at > now;
    let caches = &state.caches;
    caches
        .tokens
        .read_through(caches.usable(), token_hash, now, read, live)
        .await
}

/// The OAuth client with this id: from this process's cache when it may
/// be used, else from the database (then kept). Unknown ids are not kept.
pub async fn find_client(
    state: &AppState,
    client_id: &str,
) -> Result<Option<Arc<ClientRow>>, sqlx::Error> {
    let read = repo::oauth::client(&state.db.pool, client_id);
    let caches = &state.caches;
    caches
        .clients
        .read_through(caches.usable(), client_id, state.now_ms(), read, |_| true)
        .await
}

/// Ends a grant (every token in it); caches forget it at the commit.
pub async fn revoke_grant(state: &AppState, grant_id: &str, now: i64) -> Result<(), sqlx::Error> {
    let mut change = super::change::Change::begin(state).await?;
    repo::tokens::revoke_grant(&mut change, grant_id, now).await?;
    change.commit().await
}

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
