//! What every token endpoint shares: parameters from the query string or
//! a form body (real clients do both; the body wins when a name is in
//! both), client authentication (HTTP Basic, or `client_id` /
//! `client_secret` in the parameters), and the JSON error answer.
//!
//! Every client is confidential: each credential set gets its secret when
//! it is made, and no app setting declares a public client. So every call
//! to the token, revoke, introspect and compliance endpoints must carry
//! the secret (RFC 6749 §2.3, §6; RFC 9700 §2.5): a `client_id` alone,
//! with or without PKCE, is `invalid_client`. The RFC 8414 metadata
//! (`token_admin::AUTH_METHODS`) lists exactly these two methods.

use std::collections::HashMap;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::domain::app::{AppKind, Environment};
use crate::server::context::{internal_for, request_id_of};
use crate::server::ids::hash_secret;
use crate::server::state::AppState;

/// An OAuth error answer: `{"reason", "error"}` with its status.
#[derive(Debug)]
pub struct OAuthError {
    status: StatusCode,
    error: &'static str,
    reason: String,
}

impl OAuthError {
    pub fn new(status: StatusCode, error: &'static str, reason: impl Into<String>) -> Self {
        Self {
            status,
            error,
            reason: reason.into(),
        }
    }

    pub fn invalid_grant(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", reason)
    }

    pub fn invalid_request(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", reason)
    }

    pub fn invalid_client(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", reason)
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut res = (
            self.status,
            Json(json!({ "reason": self.reason, "error": self.error })),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"oauth\""),
            );
        }
        no_store(res)
    }
}

/// Token answers must not be cached (RFC 6749 §5.1).
pub fn no_store(mut res: Response) -> Response {
    let headers = res.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

/// Query-string and form-body parameters together (Zoom's clients put
/// the grant's parameters in the query string). A `client_secret` counts
/// only from the body: a secret in a URL ends up in logs, and RFC 6749
/// §2.3.1 forbids it there. A value holding a NUL is no value (it is
/// treated as missing): PostgreSQL cannot compare text holding one.
pub fn parameters(query: Option<&str>, body: &[u8]) -> HashMap<String, String> {
    let mut params: HashMap<String, String> = query
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .filter(|(key, _)| key != "client_secret")
                .collect()
        })
        .unwrap_or_default();
    params.extend(url::form_urlencoded::parse(body).into_owned());
    params.retain(|_, value| !value.contains('\0'));
    params
}

/// The client id and secret from HTTP Basic (RFC 6749 §2.3.1: each part
/// form-encoded, then base64), or from the parameters.
fn client_credentials(
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Result<(String, Option<String>), OAuthError> {
    if let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        if let Some(encoded) = value
            .strip_prefix("Basic ")
            .or_else(|| value.strip_prefix("basic "))
        {
            use base64::Engine;
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(|| {
                    OAuthError::invalid_client("The Basic authorization header is malformed.")
                })?;
            let (id, secret) = decoded.split_once(':').ok_or_else(|| {
                OAuthError::invalid_client("The Basic authorization header is malformed.")
            })?;
            let decode = |part: &str| -> String {
                url::form_urlencoded::parse(format!("v={part}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            return Ok((decode(id), Some(decode(secret))));
        }
    }
    let id = params
        .get("client_id")
        .filter(|id| !id.is_empty())
        .ok_or_else(|| {
            OAuthError::invalid_client(
                "Client authentication is required: HTTP Basic with the client ID and secret.",
            )
        })?;
    Ok((id.clone(), params.get("client_secret").cloned()))
}

/// A client that proved its secret.
pub struct Client {
    pub client_id: String,
    pub app_id: String,
    pub kind: AppKind,
    pub account_id: String,
    pub environment: Environment,
    /// The redirect URL registered for these credentials (what a code is
    /// sent to when its authorization request named none).
    pub redirect_url: String,
}

pub async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Result<Client, Failure> {
    let (client_id, secret) = client_credentials(headers, params)?;
    let Some(row) = super::find_client(state, &client_id).await? else {
        return Err(OAuthError::invalid_client("Unknown client or wrong client secret.").into());
    };
    match secret.filter(|s| !s.is_empty()) {
        // One query: the secret is checked against the row's hashes.
        Some(secret) if row.secret_matches(&hash_secret(&secret), state.now_ms()) => {}
        Some(_) => {
            return Err(
                OAuthError::invalid_client("Unknown client or wrong client secret.").into(),
            );
        }
        None => {
            return Err(OAuthError::invalid_client(
                "The client secret is missing: send it with HTTP Basic or as client_secret.",
            )
            .into());
        }
    }
    if !row.active() {
        return Err(OAuthError::invalid_client(
            "Production credentials are inactive until the app is approved.",
        )
        .into());
    }
    Ok(Client {
        client_id,
        kind: row.kind,
        app_id: row.app_id.clone(),
        account_id: row.account_id.clone(),
        environment: row.environment,
        redirect_url: row.redirect_url().to_owned(),
    })
}

/// An OAuth error, or an internal failure (logged, never shown).
pub enum Failure {
    OAuth(OAuthError),
    Internal(sqlx::Error),
}

impl From<OAuthError> for Failure {
    fn from(err: OAuthError) -> Self {
        Failure::OAuth(err)
    }
}

impl From<sqlx::Error> for Failure {
    fn from(err: sqlx::Error) -> Self {
        Failure::Internal(err)
    }
}

pub fn answer(headers: &HeaderMap, result: Result<Response, Failure>) -> Response {
    match result {
        Ok(res) => res,
        Err(Failure::OAuth(err)) => err.into_response(),
        Err(Failure::Internal(err)) => {
            let request_id = request_id_of(headers);
            internal_for(request_id.clone(), err);
            no_store(
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Json(json!({
                        "reason": format!("Internal error; quote request id {request_id}."),
                        "error": "server_error",
                    })),
                )
                    .into_response(),
            )
        }
    }
}

/// Runs an endpoint that only needs an authenticated client: merges the
/// parameters, authenticates, calls `handle`, and answers its errors.
pub async fn with_client(
    state: &AppState,
    headers: &HeaderMap,
    query: Option<&str>,
    body: &[u8],
    handle: impl AsyncFnOnce(&Client, &HashMap<String, String>) -> Result<Response, Failure>,
) -> Response {
    let params = parameters(query, body);
    let result = async {
        let client = authenticate(state, headers, &params).await?;
        handle(&client, &params).await
    }
    .await;
    answer(headers, result)
}

/// A parameter that must be present and not empty.
pub fn required<'a>(
    params: &'a HashMap<String, String>,
    name: &str,
) -> Result<&'a str, OAuthError> {
    params
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| OAuthError::invalid_request(format!("{name} is missing.")))
}
