//! Session cookies. The cookie carries a 256-bit random token; the database
//! keeps only its SHA-256, so a leaked database cannot be replayed as
//! sign-ins. Every sign-in gets a fresh token (no session fixation).
//! Behind https the cookie is `__Host-portico_session` (see
//! `Config::session_cookie_name`). A session ends after its lifetime, or
//! sooner when unused for the idle timeout; use pushes that deadline
//! forward, written at most once a minute per session.

use axum::http::HeaderMap;
use cookie::{Cookie, SameSite};

use crate::domain::account::Role;
use crate::server::ids::{hash_secret, new_secret};
use crate::server::repo;
use crate::server::state::AppState;

/// How stale a session's idle deadline may get before a request writes
/// it again: reads stay reads for every request but one a minute.
const TOUCH_EVERY_MS: i64 = 60_000;

/// The signed-in user, in the account they currently work in.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user_id: String,
    pub email: String,
    pub display_name: String,
    pub is_reviewer: bool,
    pub account_id: String,
    pub account_name: String,
    pub role: Role,
    pub created_at: i64,
}

/// The session token from the request's Cookie header, if any. Only the
/// configured name counts: behind https a plain `portico_session` cookie
/// (which anything on plain http could have set) is ignored.
pub fn token_from_headers(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let name = state.config.session_cookie_name();
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .map(|cookie| cookie.value().to_owned())
        .filter(|token| !token.is_empty())
}

/// The user behind the request's session cookie, if it is valid.
pub async fn user_from_headers(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<SessionUser>, sqlx::Error> {
    let Some(token) = token_from_headers(state, headers) else {
        return Ok(None);
    };
    let id_hash = hash_secret(&token);
    let now = state.now_ms();
    let row = repo::sessions::find_user(&state.db.pool, &id_hash, now).await?;
    if let Some(row) = &row {
        let idle_until = (now + idle_ms(state)).min(row.expires_at);
        if row.idle_until < idle_until - TOUCH_EVERY_MS {
            // The request goes on if this fails: the next one tries again.
            if let Err(err) = repo::sessions::touch(&state.db.pool, &id_hash, idle_until).await {
                tracing::warn!(error = %err, "could not push a session's idle deadline");
            }
        }
    }
    Ok(row.and_then(|row| {
        Some(SessionUser {
            role: Role::parse(&row.role)?,
            user_id: row.user_id,
            email: row.email,
            display_name: row.display_name,
            is_reviewer: row.is_reviewer != 0,
            account_id: row.account_id,
            account_name: row.account_name,
            created_at: row.created_at,
        })
    }))
}

/// Starts a session for `user_id`; returns the Set-Cookie header value.
pub async fn start(state: &AppState, user_id: &str) -> Result<String, sqlx::Error> {
    let token = new_secret();
    let now = state.now_ms();
    let lifetime_ms = state.config.session_hours * 3_600_000;
    let expires_at = now + lifetime_ms;
    repo::sessions::create(
        &state.db.pool,
        &hash_secret(&token),
        user_id,
        now,
        expires_at,
        expires_at.min(now + idle_ms(state)),
    )
    .await?;
    Ok(cookie(state, token, lifetime_ms / 1000))
}

/// Ends the request's session, if any; returns the Set-Cookie that clears it.
pub async fn end(state: &AppState, headers: &HeaderMap) -> Result<String, sqlx::Error> {
    if let Some(token) = token_from_headers(state, headers) {
        repo::sessions::delete(&state.db.pool, &hash_secret(&token)).await?;
    }
    Ok(cookie(state, String::new(), 0))
}

/// Ends every session of `user_id` but the request's own (after a
/// password change); returns how many ended.
pub async fn end_others(
    state: &AppState,
    headers: &HeaderMap,
    user_id: &str,
) -> Result<u64, sqlx::Error> {
    let keep = token_from_headers(state, headers)
        .map(|token| hash_secret(&token))
        .unwrap_or_default();
    repo::sessions::delete_others(&state.db.pool, user_id, &keep).await
}

fn idle_ms(state: &AppState) -> i64 {
    state.config.session_idle_minutes * 60_000
}

fn cookie(state: &AppState, value: String, max_age_seconds: i64) -> String {
    // No Domain attribute, ever: a `__Host-` cookie must not have one.
    Cookie::build((state.config.session_cookie_name(), value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.cookies_secure())
        .max_age(cookie::time::Duration::seconds(max_age_seconds))
        .build()
        .to_string()
}
