//! Session cookies. The cookie carries a 256-bit random token; the database
//! keeps only its SHA-256, so a leaked database cannot be replayed as
//! sign-ins. Every sign-in gets a fresh token (no session fixation).

use axum::http::HeaderMap;
use cookie::{Cookie, SameSite};

use crate::domain::account::Role;
use crate::server::ids::{hash_secret, new_secret};
use crate::server::repo;
use crate::server::state::AppState;

/// The session cookie's name.
pub const COOKIE_NAME: &str = "portico_session";

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

/// The session token from the request's Cookie header, if any.
pub fn token_from_headers(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == COOKIE_NAME)
        .map(|cookie| cookie.value().to_owned())
        .filter(|token| !token.is_empty())
}

/// The user behind the request's session cookie, if it is valid.
pub async fn user_from_headers(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<SessionUser>, sqlx::Error> {
    let Some(token) = token_from_headers(headers) else {
        return Ok(None);
    };
    let row =
        repo::sessions::find_user(&state.db.pool, &hash_secret(&token), state.now_ms()).await?;
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
    repo::sessions::create(
        &state.db.pool,
        &hash_secret(&token),
        user_id,
        now,
        now + lifetime_ms,
    )
    .await?;
    Ok(cookie(state, token, lifetime_ms / 1000))
}

/// Ends the request's session, if any; returns the Set-Cookie that clears it.
pub async fn end(state: &AppState, headers: &HeaderMap) -> Result<String, sqlx::Error> {
    if let Some(token) = token_from_headers(headers) {
        repo::sessions::delete(&state.db.pool, &hash_secret(&token)).await?;
    }
    Ok(cookie(state, String::new(), 0))
}

fn cookie(state: &AppState, value: String, max_age_seconds: i64) -> String {
    Cookie::build((COOKIE_NAME, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.cookies_secure())
        .max_age(cookie::time::Duration::seconds(max_age_seconds))
        .build()
        .to_string()
}
