//! What a client does with tokens it holds — `POST /oauth/revoke` and
//! `POST /oauth/introspect` — plus Zoom's legacy `POST
//! /oauth/data/compliance` and the RFC 8414 metadata.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::client::{no_store, required, with_client, OAuthError};
use crate::domain::oauth::{Scope, TokenKind};
use crate::server::ids::token_key;
use crate::server::repo;
use crate::server::state::AppState;

/// The client authentication methods every endpoint accepts (all clients
/// are confidential: see `client`), as the RFC 8414 metadata lists them.
const AUTH_METHODS: [&str; 2] = ["client_secret_basic", "client_secret_post"];

/// `POST /oauth/revoke` (RFC 7009): ends the token's whole grant. Answers
/// success for unknown tokens too, as the RFC asks; a token issued to
/// another client is refused (RFC 7009 §2.1) and left alone.
///
/// As on Zoom, revoking what a user's consent issued deauthorizes the app
/// for that install: the install goes (with every token it has) and the
/// app's deauthorization endpoint hears `app_deauthorized`, exactly as
/// when the user uninstalls from the Installed apps page. Client and
/// account credentials grants only end themselves.
pub async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    with_client(
        &state,
        &headers,
        query.as_deref(),
        &body,
        async |client, params| {
            let presented = required(params, "token")?;
            if let Some(token) =
                repo::tokens::find_token(&state.db.pool, &token_key(presented)).await?
            {
                if token.client_id != client.client_id {
                    return Err(OAuthError::new(
                        StatusCode::BAD_REQUEST,
                        "unauthorized_client",
                        "This token was issued to another client; only that client may revoke it.",
                    )
                    .into());
                }
                deauthorize_or_revoke(&state, &token).await?;
            }
            Ok(no_store(
                Json(json!({ "status": "success" })).into_response(),
            ))
        },
    )
    .await
}

async fn deauthorize_or_revoke(
    state: &AppState,
    token: &repo::tokens::TokenRow,
) -> Result<(), sqlx::Error> {
    let pool = &state.db.pool;
    if let Some(install_id) = &token.install_id {
        if token.revoked_at.is_none()
            && repo::tokens::grant_from_consent(pool, &token.grant_id).await?
        {
            if let Some(install) = repo::oauth::install_by_id(pool, install_id).await? {
                let acting = token.user_id.as_deref().unwrap_or(&install.account_id);
                crate::server::webhooks::events::uninstall(state, &install, acting).await?;
                return Ok(());
            }
        }
    }
    super::revoke_grant(state, &token.grant_id, state.now_ms()).await
}

/// `POST /oauth/introspect` (RFC 7662): only the client a token was
/// issued to learns that it is active.
pub async fn introspect(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    with_client(
        &state,
        &headers,
        query.as_deref(),
        &body,
        async |client, params| {
            let presented = required(params, "token")?;
            let now = state.now_ms();
            let token = super::find_token(&state, &token_key(presented))
                .await?
                .filter(|t| {
                    t.client_id == client.client_id
                        && t.revoked_at.is_none()
                        && t.used_at.is_none()
                        && t.expires_at > now
                });
            let body = match token {
                None => json!({ "active": false }),
                Some(t) => {
                    let mut body = json!({
                        "active": true,
                        "scope": t.scopes,
                        "client_id": t.client_id,
                        "exp": t.expires_at / 1000,
                        "iat": t.created_at / 1000,
                        "sub": t.user_id,
                        "account_id": t.account_id,
                        "iss": state.config.base_url(),
                    });
                    // RFC 7662 §2.2 means the RFC 6749 §7.1 type, the one
                    // the token answer gave. A refresh token is never sent
                    // as a Bearer, so it has no type to report.
                    if t.kind == TokenKind::Access {
                        body["token_type"] = json!("Bearer");
                    }
                    body
                }
            };
            Ok(no_store(Json(body).into_response()))
        },
    )
    .await
}

/// `POST /oauth/data/compliance`: Zoom's legacy data-compliance call.
/// Accepted from an authenticated client and answered 200.
pub async fn compliance(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    with_client(&state, &headers, query.as_deref(), &body, async |_, _| {
        Ok(no_store(
            Json(json!({ "status": "success" })).into_response(),
        ))
    })
    .await
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
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
        "scopes_supported": scopes,
        "service_documentation": format!("{base}/"),
    }))
    .into_response()
}
