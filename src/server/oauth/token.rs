//! `/oauth/token`, `/oauth/revoke`, `/oauth/introspect`,
//! `/oauth/data/compliance` and `/.well-known/oauth-authorization-server`.
//!
//! Parameters come from the query string or a form body (real clients do
//! both; the body wins when a name is in both). Clients authenticate with
//! HTTP Basic or `client_id`/`client_secret` in the parameters; a public
//! client may send only `client_id` when it proves a PKCE challenge.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{pkce_challenge, ACCESS_TTL_MS, REFRESH_TTL_MS};
use crate::domain::app::AppKind;
use crate::domain::oauth::Scope;
use crate::server::context::{internal_for, request_id_of};
use crate::server::ids::{hash_secret, new_id, new_secret};
use crate::server::repo::{self, tokens::NewGrant};
use crate::server::state::AppState;

/// An OAuth error answer: `{"reason", "error"}` with its status.
#[derive(Debug)]
pub struct OAuthError {
    status: StatusCode,
    error: &'static str,
    reason: String,
}

impl OAuthError {
    fn new(status: StatusCode, error: &'static str, reason: impl Into<String>) -> Self {
        Self {
            status,
            error,
            reason: reason.into(),
        }
    }

    fn invalid_grant(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", reason)
    }

    fn invalid_request(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", reason)
    }

    fn invalid_client(reason: impl Into<String>) -> Self {
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
fn no_store(mut res: Response) -> Response {
    let headers = res.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

/// Query-string and form-body parameters together.
fn parameters(query: Option<&str>, body: &[u8]) -> HashMap<String, String> {
    let mut params: HashMap<String, String> = query
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    params.extend(url::form_urlencoded::parse(body).into_owned());
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

/// An authenticated (or, for PKCE, identified public) client.
struct Client {
    client_id: String,
    app_id: String,
    kind: AppKind,
    account_id: String,
    environment: String,
    /// False for a public client that sent no secret.
    confidential: bool,
}

async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
    allow_public: bool,
) -> Result<Client, Failure> {
    let (client_id, secret) = client_credentials(headers, params)?;
    let pool = &state.db.pool;
    let Some(row) = repo::oauth::client(pool, &client_id).await? else {
        return Err(OAuthError::invalid_client("Unknown client or wrong client secret.").into());
    };
    let confidential = match secret {
        // One query: the secret is checked against the row's hashes.
        Some(secret) if row.secret_matches(&hash_secret(&secret), state.now_ms()) => true,
        Some(_) => {
            return Err(
                OAuthError::invalid_client("Unknown client or wrong client secret.").into(),
            );
        }
        None if allow_public => false,
        None => {
            return Err(OAuthError::invalid_client("The client secret is missing.").into());
        }
    };
    if row.environment == "production" && row.status != "published" {
        return Err(OAuthError::invalid_client(
            "Production credentials are inactive until the app is approved.",
        )
        .into());
    }
    Ok(Client {
        client_id,
        kind: AppKind::parse(&row.kind).unwrap_or(AppKind::WebhookOnly),
        app_id: row.app_id,
        account_id: row.account_id,
        environment: row.environment,
        confidential,
    })
}

/// An OAuth error, or an internal failure (logged, never shown).
enum Failure {
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

fn answer(headers: &HeaderMap, result: Result<Response, Failure>) -> Response {
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

/// `POST /oauth/token`.
pub async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let params = parameters(query.as_deref(), &body);
    answer(&headers, token_inner(&state, &headers, &params).await)
}

async fn token_inner(
    state: &AppState,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Result<Response, Failure> {
    let grant_type = params
        .get("grant_type")
        .map(String::as_str)
        .unwrap_or_default();
    match grant_type {
        "authorization_code" => {
            let client = authenticate(state, headers, params, true).await?;
            authorization_code(state, &client, params).await
        }
        "refresh_token" => {
            let client = authenticate(state, headers, params, true).await?;
            refresh_token(state, &client, params).await
        }
        "client_credentials" => {
            let client = authenticate(state, headers, params, false).await?;
            if client.kind != AppKind::ChatBot {
                return Err(OAuthError::new(
                    StatusCode::BAD_REQUEST,
                    "unsupported_grant_type",
                    "client_credentials is for chat bot apps.",
                )
                .into());
            }
            let scopes = Scope::ImchatBot.as_str();
            let account_id = client.account_id.clone();
            issue(state, &client, None, &account_id, None, scopes, false).await
        }
        "account_credentials" => {
            let client = authenticate(state, headers, params, false).await?;
            account_credentials(state, &client, params).await
        }
        "" => Err(OAuthError::invalid_request("grant_type is missing.").into()),
        other => Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("Unsupported grant type “{other}”."),
        )
        .into()),
    }
}

/// Starts a grant and answers with its tokens.
async fn issue(
    state: &AppState,
    client: &Client,
    install_id: Option<&str>,
    account_id: &str,
    user_id: Option<&str>,
    scopes: &str,
    with_refresh: bool,
) -> Result<Response, Failure> {
    let now = state.now_ms();
    let grant_id = new_id("grt");
    let (access, refresh) = (new_secret(), new_secret());
    let (access_hash, refresh_hash) = (hash_secret(&access), hash_secret(&refresh));
    let _turn = state.db.write_turn().await;
    repo::tokens::create_grant(
        &state.db.pool,
        &NewGrant {
            id: &grant_id,
            app_id: &client.app_id,
            install_id,
            client_id: &client.client_id,
            account_id,
            user_id,
            scopes,
            now,
            access_hash: &access_hash,
            access_expires_at: now + ACCESS_TTL_MS,
            refresh: with_refresh.then_some((refresh_hash.as_str(), now + REFRESH_TTL_MS)),
        },
    )
    .await?;
    Ok(token_answer(
        state,
        &access,
        with_refresh.then_some(refresh.as_str()),
        scopes,
    ))
}

fn token_answer(state: &AppState, access: &str, refresh: Option<&str>, scopes: &str) -> Response {
    let mut body = json!({
        "access_token": access,
        "token_type": "bearer",
        "expires_in": ACCESS_TTL_MS / 1000,
        "scope": scopes,
        "api_url": state.config.base_url(),
    });
    if let Some(refresh) = refresh {
        body["refresh_token"] = Value::String(refresh.to_owned());
    }
    no_store(Json(body).into_response())
}

async fn authorization_code(
    state: &AppState,
    client: &Client,
    params: &HashMap<String, String>,
) -> Result<Response, Failure> {
    let pool = &state.db.pool;
    let code = params
        .get("code")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| OAuthError::invalid_request("code is missing."))?;
    let code_hash = hash_secret(code);
    let now = state.now_ms();
    let Some(stored) = repo::tokens::find_code(pool, &code_hash).await? else {
        return Err(OAuthError::invalid_grant("The authorization code is not valid.").into());
    };
    if stored.client_id != client.client_id {
        return Err(OAuthError::invalid_grant(
            "The authorization code was issued to another client.",
        )
        .into());
    }
    if stored.used_at.is_some() {
        // A second use: someone else may hold the code. End what the first
        // use issued (RFC 6749 §4.1.2).
        if let Some(grant_id) = stored.grant_id.as_deref() {
            repo::tokens::revoke_grant(pool, grant_id, now).await?;
        }
        return Err(OAuthError::invalid_grant(
            "The authorization code was already used; the tokens it issued are revoked.",
        )
        .into());
    }
    if stored.expires_at <= now {
        return Err(OAuthError::invalid_grant(
            "The authorization code has expired (codes last 5 minutes).",
        )
        .into());
    }
    if let Some(asked) = params.get("redirect_uri").filter(|r| !r.is_empty()) {
        if *asked != stored.redirect_uri {
            return Err(OAuthError::invalid_grant(
                "redirect_uri does not match the authorization request.",
            )
            .into());
        }
    }
    let verifier = params.get("code_verifier").filter(|v| !v.is_empty());
    match (stored.code_challenge.as_deref(), verifier) {
        (Some(challenge), Some(verifier)) => {
            if !super::is_pkce_value(verifier) || pkce_challenge(verifier) != challenge {
                return Err(OAuthError::invalid_grant(
                    "code_verifier does not match the code_challenge.",
                )
                .into());
            }
        }
        (Some(_), None) => {
            return Err(OAuthError::invalid_grant(
                "code_verifier is missing (the request had a code_challenge).",
            )
            .into())
        }
        (None, Some(_)) => {
            return Err(OAuthError::invalid_grant(
                "A code_verifier was sent but the authorization request had no code_challenge.",
            )
            .into())
        }
        (None, None) if !client.confidential => {
            return Err(
                OAuthError::invalid_client("A client without a secret must use PKCE.").into(),
            )
        }
        (None, None) => {}
    }
    let Some(install) = repo::oauth::install_by_id(pool, &stored.install_id).await? else {
        return Err(OAuthError::invalid_grant("The app was uninstalled.").into());
    };
    let grant_id = new_id("grt");
    let (access, refresh) = (new_secret(), new_secret());
    let (access_hash, refresh_hash) = (hash_secret(&access), hash_secret(&refresh));
    let turn = state.db.write_turn().await;
    let redeemed = repo::tokens::redeem_code(
        pool,
        &code_hash,
        &NewGrant {
            id: &grant_id,
            app_id: &client.app_id,
            install_id: Some(&install.id),
            client_id: &client.client_id,
            account_id: &install.account_id,
            user_id: Some(&stored.user_id),
            scopes: &install.scopes,
            now,
            access_hash: &access_hash,
            access_expires_at: now + ACCESS_TTL_MS,
            refresh: Some((&refresh_hash, now + REFRESH_TTL_MS)),
        },
    )
    .await?;
    drop(turn);
    if !redeemed {
        // Another request spent it between our read and our write.
        if let Some(first) = repo::tokens::grant_of_code(pool, &code_hash).await? {
            repo::tokens::revoke_grant(pool, &first, now).await?;
        }
        return Err(OAuthError::invalid_grant(
            "The authorization code was already used; the tokens it issued are revoked.",
        )
        .into());
    }
    Ok(token_answer(
        state,
        &access,
        Some(&refresh),
        &install.scopes,
    ))
}

async fn refresh_token(
    state: &AppState,
    client: &Client,
    params: &HashMap<String, String>,
) -> Result<Response, Failure> {
    let pool = &state.db.pool;
    let presented = params
        .get("refresh_token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| OAuthError::invalid_request("refresh_token is missing."))?;
    let old_hash = hash_secret(presented);
    let now = state.now_ms();
    let token = repo::tokens::find_token(pool, &old_hash)
        .await?
        .filter(|t| t.kind == "refresh")
        .ok_or_else(|| OAuthError::invalid_grant("The refresh token is not valid."))?;
    if token.client_id != client.client_id {
        return Err(
            OAuthError::invalid_grant("The refresh token was issued to another client.").into(),
        );
    }
    if token.revoked_at.is_some() {
        return Err(OAuthError::invalid_grant("The refresh token was revoked.").into());
    }
    if token.used_at.is_some() {
        repo::tokens::revoke_grant(pool, &token.grant_id, now).await?;
        return Err(OAuthError::invalid_grant(
            "The refresh token was already used; every token of this grant is now revoked.",
        )
        .into());
    }
    if token.expires_at <= now {
        return Err(OAuthError::invalid_grant("The refresh token has expired.").into());
    }
    let (access, refresh) = (new_secret(), new_secret());
    let turn = state.db.write_turn().await;
    let rotated = repo::tokens::rotate_refresh(
        pool,
        &old_hash,
        &token.grant_id,
        now,
        (&hash_secret(&access), now + ACCESS_TTL_MS),
        (&hash_secret(&refresh), now + REFRESH_TTL_MS),
    )
    .await?;
    drop(turn);
    if !rotated {
        repo::tokens::revoke_grant(pool, &token.grant_id, now).await?;
        return Err(OAuthError::invalid_grant(
            "The refresh token was already used; every token of this grant is now revoked.",
        )
        .into());
    }
    Ok(token_answer(state, &access, Some(&refresh), &token.scopes))
}

async fn account_credentials(
    state: &AppState,
    client: &Client,
    params: &HashMap<String, String>,
) -> Result<Response, Failure> {
    if client.kind != AppKind::AccountLevel {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "account_credentials is for account-level apps.",
        )
        .into());
    }
    let account_id = params
        .get("account_id")
        .filter(|a| !a.is_empty())
        .ok_or_else(|| OAuthError::invalid_request("account_id is missing."))?;
    let Some(install) = repo::oauth::account_install(
        &state.db.pool,
        &client.app_id,
        &client.environment,
        account_id,
    )
    .await?
    else {
        return Err(OAuthError::invalid_grant("The app is not installed on that account.").into());
    };
    issue(
        state,
        client,
        Some(&install.id),
        account_id,
        None,
        &install.scopes,
        false,
    )
    .await
}

/// `POST /oauth/revoke` (RFC 7009): ends the token's whole grant. Answers
/// success for unknown tokens too, as the RFC asks.
pub async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let params = parameters(query.as_deref(), &body);
    let result = async {
        let client = authenticate(&state, &headers, &params, true).await?;
        let presented = params
            .get("token")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| OAuthError::invalid_request("token is missing."))?;
        if let Some(token) =
            repo::tokens::find_token(&state.db.pool, &hash_secret(presented)).await?
        {
            if token.client_id == client.client_id {
                repo::tokens::revoke_grant(&state.db.pool, &token.grant_id, state.now_ms()).await?;
            }
        }
        Ok(no_store(
            Json(json!({ "status": "success" })).into_response(),
        ))
    }
    .await;
    answer(&headers, result)
}

/// `POST /oauth/introspect` (RFC 7662): only the client a token was
/// issued to learns that it is active.
pub async fn introspect(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let params = parameters(query.as_deref(), &body);
    let result = async {
        let client = authenticate(&state, &headers, &params, false).await?;
        let presented = params
            .get("token")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| OAuthError::invalid_request("token is missing."))?;
        let now = state.now_ms();
        let token = repo::tokens::find_token(&state.db.pool, &hash_secret(presented))
            .await?
            .filter(|t| {
                t.client_id == client.client_id
                    && t.revoked_at.is_none()
                    && t.used_at.is_none()
                    && t.expires_at > now
            });
        let body = match token {
            None => json!({ "active": false }),
            Some(t) => json!({
                "active": true,
                "scope": t.scopes,
                "client_id": t.client_id,
                "token_type": if t.kind == "access" { "access_token" } else { "refresh_token" },
                "exp": t.expires_at / 1000,
                "iat": t.created_at / 1000,
                "sub": t.user_id,
                "account_id": t.account_id,
                "iss": state.config.base_url(),
            }),
        };
        Ok(no_store(Json(body).into_response()))
    }
    .await;
    answer(&headers, result)
}

/// `POST /oauth/data/compliance`: Zoom's legacy data-compliance call.
/// Accepted from an authenticated client and answered 200.
pub async fn compliance(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let params = parameters(query.as_deref(), &body);
    let result = async {
        authenticate(&state, &headers, &params, false).await?;
        Ok(no_store(
            Json(json!({ "status": "success" })).into_response(),
        ))
    }
    .await;
    answer(&headers, result)
}

/// `GET /.well-known/oauth-authorization-server` (RFC 8414).
pub async fn metadata(State(state): State<AppState>) -> Response {
    let base = state.config.base_url();
    let scopes: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
    Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/oauth/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "revocation_endpoint": format!("{base}/oauth/revoke"),
        "introspection_endpoint": format!("{base}/oauth/introspect"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials", "account_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": scopes,
        "service_documentation": format!("{base}/"),
    }))
    .into_response()
}
