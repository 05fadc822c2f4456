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
        if let (AppError::Busy { .. }, Some(options)) = (err, use_context::<ResponseOptions>()) {
            options.insert_header(
                header::RETRY_AFTER,
                HeaderValue::from(crate::server::auth::password::RETRY_AFTER_SECONDS),
            );
        }
        if accepts_html {
            send_form_error_back(err);
        } else if let (Some(options), Ok(status)) = (
            use_context::<ResponseOptions>(),
            StatusCode::from_u16(err.status_code()),
        ) {
            options.set_status(status);
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
///
/// A path that cannot be a header value (a control character slipped
/// through) goes home instead: `leptos_axum::redirect` would panic on it.
pub fn redirect(path: &str) {
    if HeaderValue::from_str(path).is_ok() {
        leptos_axum::redirect(path);
    } else {
        tracing::warn!(path = %path.escape_debug(), "redirect to an invalid header value refused");
        leptos_axum::redirect("/");
    }
}

/// A same-origin path to return to after sign-in; anything else becomes `/`.
///
/// Only an absolute path, not `//host` (another host to browsers). No control
/// characters anywhere, because browsers drop tabs and newlines from URLs
/// (`/\t/evil.example` becomes `//evil.example`) and a header value cannot
/// hold them; no backslashes, which browsers read as `/`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.chars().any(|c| c.is_control() || c == '\\') =>
        {
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

/// The query parameter beside Leptos' `__path` and `__err` that carries
/// the server's signature of both.
const FORM_ERROR_SIGNATURE: &str = "__sig";

/// The query parameters of a plain form post's error round trip (the
/// fields as typed, `returned_form`, included).
const FORM_ERROR_PARAMS: [&str; 4] = [
    "__path",
    "__err",
    FORM_ERROR_SIGNATURE,
    crate::server::returned_form::FORM_PARAM,
];

/// How long a signed form error may be shown after the failed post: long
/// enough for the redirect back, short enough that a copied link is dead.
const FORM_ERROR_LIFETIME_MS: i64 = 10 * 60 * 1000;

/// HMAC-SHA256 of a failed post's error as one page shows it: the server
/// function's `path`, the `page` the form was on, the session that posted
/// (its token's hash, "" when signed out), the signature's `expires_at` and
/// the encoded error. Bound to all of these so that a signature made for
/// one person's error, on one page, cannot be replayed to another person,
/// on another page, or later (some messages repeat what was typed). The
/// key is derived from the server key for this use alone.
fn form_error_mac(
    path: &str,
    page: &str,
    expires_at: i64,
    encoded_error: &str,
) -> Option<hmac::Hmac<sha2::Sha256>> {
    use hmac::Mac;
    type HmacSha256 = hmac::Hmac<sha2::Sha256>;
    let state = state().ok()?;
    let server_key = state.config.secret_key.as_deref()?;
    let mut derive = HmacSha256::new_from_slice(server_key.as_bytes()).ok()?;
    derive.update(b"portico form-error signing key v1");
    let key = derive.finalize().into_bytes();
    let session = use_context::<Parts>()
        .and_then(|parts| session::token_from_headers(&state, &parts.headers))
        .map(|token| crate::server::ids::hash_secret(&token))
        .unwrap_or_default();
    let mut mac = HmacSha256::new_from_slice(&key).ok()?;
    let expires_at = expires_at.to_string();
    for part in [
        path,
        page,
        session.as_str(),
        expires_at.as_str(),
        encoded_error,
    ] {
        mac.update(part.as_bytes());
        mac.update(b"\n");
    }
    Some(mac)
}

/// For a failed plain form post: sends the browser back to the form (the
/// Referer) with the error in the URL, as Leptos does, plus the server's
/// signature of it, so that the page shows only errors the server wrote
/// (see `carried_form_error_is_genuine`). An earlier error's parameters
/// are dropped from the Referer first.
fn send_form_error_back(err: &AppError) {
    use base64::Engine;
    use hmac::Mac;
    use leptos::server_fn::error::ServerFnUrlError;

    let (Some(parts), Some(options)) = (use_context::<Parts>(), use_context::<ResponseOptions>())
    else {
        return;
    };
    // A page's render (a GET) calls server functions too; its response
    // goes nowhere else.
    if parts.method != axum::http::Method::POST {
        return;
    }
    let Some(mut back) = parts
        .headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| url::Url::parse(v).ok())
    else {
        return;
    };
    retain_query(&mut back, |key| !FORM_ERROR_PARAMS.contains(&key));
    let path = parts.uri.path();
    let Ok(mut back) = ServerFnUrlError::new(path, err.clone()).to_url(back.as_str()) else {
        return;
    };
    let encoded_error = back
        .query_pairs()
        .find(|(key, _)| key == "__err")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    let Ok(state) = state() else {
        return;
    };
    let expires_at = state.now_ms() + FORM_ERROR_LIFETIME_MS;
    let Some(mac) = form_error_mac(path, back.path(), expires_at, &encoded_error) else {
        return;
    };
    let signature = format!(
        "{expires_at}.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    );
    back.query_pairs_mut()
        .append_pair(FORM_ERROR_SIGNATURE, &signature);
    if let Ok(location) = HeaderValue::from_str(back.as_str()) {
        options.insert_header(header::LOCATION, location);
    }
}

/// Keeps the query parameters whose name passes `keep`.
fn retain_query(url: &mut url::Url, keep: impl Fn(&str) -> bool) {
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(key, _)| keep(key))
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
}

/// Whether the error a page's URL carries for the server function at
/// `path` (`encoded_error` is Leptos' `__err`) was written by this server
/// for a failed plain form post. When it was not (anyone can put words in
/// a link), the page's response sends the browser to the same address
/// without it, so that the browser, which cannot check the signature,
/// never starts with it either.
pub fn carried_form_error_is_genuine(path: &str, encoded_error: &str) -> bool {
    use base64::Engine;
    use hmac::Mac;

    let Some(parts) = use_context::<Parts>() else {
        return false;
    };
    let query = parts.uri.query().unwrap_or_default();
    let now = state().map(|s| s.now_ms()).unwrap_or(i64::MAX);
    // `<expires_at>.<mac>`, still in force.
    let signature = url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == FORM_ERROR_SIGNATURE)
        .and_then(|(_, value)| {
            let (expires_at, mac) = value.split_once('.')?;
            let expires_at: i64 = expires_at.parse().ok()?;
            let mac = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(mac.as_bytes())
                .ok()?;
            (expires_at > now).then_some((expires_at, mac))
        });
    let genuine = signature.is_some_and(|(expires_at, signature)| {
        form_error_mac(path, parts.uri.path(), expires_at, encoded_error)
            .is_some_and(|mac| mac.verify_slice(&signature).is_ok())
    });
    if !genuine {
        let mut clean = url::Url::parse("http://localhost/").expect("a valid base");
        clean.set_path(parts.uri.path());
        clean.set_query(Some(query));
        retain_query(&mut clean, |key| !FORM_ERROR_PARAMS.contains(&key));
        let target = match clean.query() {
            Some(query) => format!("{}?{query}", clean.path()),
            None => clean.path().to_owned(),
        };
        // The request's own path, but `//host/…` is one too: only ever
        // back to this site.
        redirect(&safe_next(Some(&target)));
    }
    genuine
}
