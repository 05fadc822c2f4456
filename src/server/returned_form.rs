//! A refused plain form post comes back as it was typed.
//!
//! Without JavaScript, a server function that refuses a post sends the
//! browser back to the form's page with the error in the address
//! (`__err`, see `context::send_form_error_back`). The page is then drawn
//! from the saved data, so everything typed would be gone, valid fields
//! included. So, around every server function (`http::guard_server_fns`),
//! `keep` stores the posted fields when the answer is such a redirect and
//! adds `__form=<id>` to it; before the page is drawn, `load` takes them
//! back (once, for the same session) and puts them in the request, where
//! `FormAction::typed` finds them for the form they came from.
//!
//! Stored in the database, not in a process, because the redirect may be
//! answered by another process on the same PostgreSQL. Bounded: fields of
//! at most `MAX_FIELDS_BYTES`, at most `MAX_ROWS` waiting at once, each
//! gone after `LIFETIME_MS`. Never stored: a field whose name says it is a
//! password, secret or token.

use axum::extract::{Request, State};
use axum::http::{header, request::Parts, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use super::auth::session;
use super::ids::{hash_secret, new_id};
use super::repo::returned_forms::{self, NewReturnedForm};
use super::state::AppState;

/// The query parameter that names the stored fields.
pub const FORM_PARAM: &str = "__form";

/// How long fields wait for their page: as long as a signed form error.
const LIFETIME_MS: i64 = 10 * 60 * 1000;

/// The most a post's stored fields may take (names and values); a bigger
/// post comes back with its error but without its fields.
const MAX_FIELDS_BYTES: usize = 64 * 1024;

/// The most rows waiting at once, whoever posted them: a stranger posting
/// refused forms in a loop fills this much and no more.
const MAX_ROWS: i64 = 10_000;

/// The fields of one refused post, for the page drawn next.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReturnedForm {
    /// The server function's path (`/api/save_redirects`).
    pub form_path: String,
    /// `(name, value)` in the order posted.
    pub fields: Vec<(String, String)>,
}

/// Whether a field is one never kept: what a password manager fills or a
/// secret the page shows once.
fn is_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["password", "secret", "token"]
        .iter()
        .any(|word| name.contains(word))
}

/// The fields of a URL-encoded body worth giving back.
fn fields_of(body: &[u8]) -> Option<Vec<(String, String)>> {
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(body)
        .filter(|(name, _)| !is_secret(name))
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    let bytes: usize = fields.iter().map(|(n, v)| n.len() + v.len()).sum();
    (!fields.is_empty() && bytes <= MAX_FIELDS_BYTES).then_some(fields)
}

/// The hash of the request's session token, `""` when signed out.
fn session_hash(state: &AppState, parts: &Parts) -> String {
    session::token_from_headers(state, &parts.headers)
        .map(|token| hash_secret(&token))
        .unwrap_or_default()
}

/// After a server function: when it sent a plain form post back to its
/// page with an error, keeps the posted fields and names them in the
/// redirect. Any failure here only means the form comes back empty.
pub async fn keep(
    state: &AppState,
    parts: &Parts,
    body: &[u8],
    mut response: Response,
) -> Response {
    let Some(location) = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .filter(|l| l.contains("__err="))
        .map(str::to_owned)
    else {
        return response;
    };
    let Some(fields) = fields_of(body) else {
        return response;
    };
    let Ok(json) = serde_json::to_string(&fields) else {
        return response;
    };
    let id = new_id("form");
    let now = state.now_ms();
    let session_hash = session_hash(state, parts);
    let form = NewReturnedForm {
        id: &id,
        session_hash: &session_hash,
        form_path: parts.uri.path(),
        fields: &json,
        expires_at: now + LIFETIME_MS,
    };
    match returned_forms::store(&state.db.pool, form, now, MAX_ROWS).await {
        Ok(true) => {}
        // Full: the form comes back with its error but empty.
        Ok(false) => return response,
        Err(err) => {
            tracing::warn!(error = %err, "a refused form's fields could not be kept");
            return response;
        }
    }
    let Ok(mut back) = url::Url::parse(&location) else {
        return response;
    };
    back.query_pairs_mut().append_pair(FORM_PARAM, &id);
    if let Ok(value) = HeaderValue::from_str(back.as_str()) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// Before a page is drawn: takes the fields named by `__form` (once, and
/// only for the session that posted them) into the request's extensions.
pub async fn load(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let id = req.uri().query().and_then(|query| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == FORM_PARAM)
            .map(|(_, value)| value.into_owned())
    });
    if let Some(id) = id.filter(|_| req.method() == axum::http::Method::GET) {
        let (mut parts, body) = req.into_parts();
        if let Some(form) = take(&state, &parts, &id).await {
            parts.extensions.insert(form);
        }
        req = Request::from_parts(parts, body);
    }
    next.run(req).await
}

/// Reads and deletes the row `id` if it belongs to this session and has
/// not expired.
async fn take(state: &AppState, parts: &Parts, id: &str) -> Option<ReturnedForm> {
    let row = returned_forms::take(
        &state.db.pool,
        id,
        &session_hash(state, parts),
        state.now_ms(),
    )
    .await
    .inspect_err(|err| tracing::warn!(error = %err, "a refused form's fields could not be read"))
    .ok()
    .flatten();
    let (form_path, fields) = row?;
    Some(ReturnedForm {
        form_path,
        fields: serde_json::from_str(&fields).ok()?,
    })
}

/// The fields given back to the form of the server function at
/// `form_path`, when the page being drawn is its way back.
pub fn fields_for(form_path: &str) -> Option<Vec<(String, String)>> {
    let parts = leptos::prelude::use_context::<Parts>()?;
    let form = parts.extensions.get::<ReturnedForm>()?;
    (form.form_path == form_path).then(|| form.fields.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_never_kept_and_big_posts_not_at_all() {
        let fields =
            fields_of(b"name=Acme&password=hunter2&new_password=x&client_secret=s&secret_token=t&url=https%3A%2F%2Fa")
                .unwrap();
        assert_eq!(
            fields,
            vec![
                ("name".to_owned(), "Acme".to_owned()),
                ("url".to_owned(), "https://a".to_owned())
            ]
        );
        assert_eq!(fields_of(b"password=only"), None);
        let big = format!("a={}", "x".repeat(MAX_FIELDS_BYTES));
        assert_eq!(fields_of(big.as_bytes()), None);
    }
}
