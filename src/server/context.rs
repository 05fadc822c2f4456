//! What a server function reaches through Leptos context: the app state,
//! the request, the signed-in user, and the response it may amend.

use std::fmt::Display;

use axum::http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

use crate::error::AppError;
use crate::server::auth::session::{self, SessionUser};
use crate::server::state::AppState;

/// The header the request-id middleware sets on every request.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The app state (provided to every server function and page render).
///
/// An error rather than a panic when missing: a page's resource can still
/// be running after its request was dropped (the client went away), when
/// the request's context is gone.
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| lost_context("AppState"))
}

/// The request's head (see `state` on why it can be missing).
pub fn parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or_else(|| lost_context("request parts"))
}

fn lost_context(what: &str) -> AppError {
    tracing::debug!(what, "request context gone (request dropped?)");
    AppError::Internal {
        request_id: "-".to_owned(),
    }
}

/// The current request's id, or a new one outside a request.
pub fn request_id() -> String {
    match use_context::<Parts>() {
        Some(parts) => request_id_of(&parts.headers),
        None => crate::server::ids::new_id("req"),
    }
}

/// The id the request-id middleware gave a request.
pub fn request_id_of(headers: &HeaderMap) -> String {
    headers
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| crate::server::ids::new_id("req"))
}

/// Logs an internal failure and turns it into the error users see: a
/// generic sentence and the request id, never the detail.
pub fn internal(detail: impl Display) -> AppError {
    internal_for(request_id(), detail)
}

/// `internal` for plain routes, which have the request id in hand.
pub fn internal_for(request_id: String, detail: impl Display) -> AppError {
    tracing::error!(%request_id, error = %detail, "internal error");
    AppError::Internal { request_id }
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        internal(format!("database: {err}"))
    }
}

/// The signed-in user, if any.
pub async fn user() -> Result<Option<SessionUser>, AppError> {
    Ok(session::user_from_headers(&state()?, &parts()?.headers).await?)
}

/// The signed-in user, or `Unauthenticated`.
pub async fn require_user() -> Result<SessionUser, AppError> {
    user().await?.ok_or(AppError::Unauthenticated)
}

/// Adds a Set-Cookie header to the response.
pub fn set_cookie(value: &str) {
    if let (Some(options), Ok(value)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(value),
    ) {
        options.append_header(header::SET_COOKIE, value);
    }
}

/// Gives a failed server function the HTTP status that fits its error, for
/// JSON clients. Plain form posts (which accept HTML) keep the redirect
/// back to the form that Leptos makes for them, with the error in the URL.
pub fn finish<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(err) = &result {
        let accepts_html = use_context::<Parts>()
            .and_then(|p| {
                p.headers
                    .get(header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| v.contains("text/html"))
            })
            .unwrap_or(false);
        if !accepts_html {
            if let (Some(options), Ok(status)) = (
                use_context::<ResponseOptions>(),
                StatusCode::from_u16(err.status_code()),
            ) {
                options.set_status(status);
                if let AppError::Busy { .. } = err {
                    options.insert_header(
                        header::RETRY_AFTER,
                        HeaderValue::from(crate::server::auth::password::RETRY_AFTER_SECONDS),
                    );
                }
            }
        }
    }
    result
}

/// True when the request is a plain HTML form post (no JavaScript): the
/// browser asked for HTML, not the JSON the Leptos client asks for.
pub fn is_plain_form_post() -> Result<bool, AppError> {
    Ok(parts()?
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html")))
}

/// Sets a short-lived cookie for the page at `path` to read once.
pub fn set_flash_cookie(name: &str, value: &str, path: &str) {
    let cookie = cookie::Cookie::build((name.to_owned(), value.to_owned()))
        .path(path.to_owned())
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .secure(state().map(|s| s.config.cookies_secure()).unwrap_or(true))
        .max_age(cookie::time::Duration::seconds(120))
        .build();
    set_cookie(&cookie.to_string());
}

/// Reads a flash cookie from the request and clears it in the response.
pub fn take_flash_cookie(name: &str, path: &str) -> Result<Option<String>, AppError> {
    let value = parts()?
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned());
    if value.is_some() {
        let clear = cookie::Cookie::build((name.to_owned(), String::new()))
            .path(path.to_owned())
            .max_age(cookie::time::Duration::seconds(0))
            .build();
        set_cookie(&clear.to_string());
    }
    Ok(value)
}

/// Sends the browser to `path` after the server function: a 302 for plain
/// form posts, a header the Leptos client follows otherwise.
pub fn redirect(path: &str) {
    leptos_axum::redirect(path);
}

/// A same-site path to return to after sign-in; anything else becomes `/`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// A date for people (UTC), e.g. `2026-11-29`.
pub fn date(ms: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}
