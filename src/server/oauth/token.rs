//! `POST /oauth/token`: the authorization_code (with PKCE), rotating
//! refresh_token, client_credentials and account_credentials grants.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use super::client::{
    answer, authenticate, no_store, parameters, required, Client, Failure, OAuthError,
};
use super::{pkce_challenge, ACCESS_TTL_MS, REFRESH_TTL_MS};
use crate::domain::app::AppKind;
use crate::domain::oauth::{Scope, TokenKind};
use crate::server::ids::{hash_secret, new_ordered_id, new_token, token_key};
use crate::server::repo::{self, tokens::NewGrant};
use crate::server::state::AppState;

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
            let client = authenticate(state, headers, params).await?;
            authorization_code(state, &client, params).await
        }
        "refresh_token" => {
            let client = authenticate(state, headers, params).await?;
            refresh_token(state, &client, params).await
        }
        "client_credentials" => {
            let client = authenticate(state, headers, params).await?;
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
            let client = authenticate(state, headers, params).await?;
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
    let access = new_token(now);
    let refresh = with_refresh.then(|| new_token(now));
    let grant = NewGrant {
        id: new_ordered_id("grt", now),
        app_id: client.app_id.clone(),
        install_id: install_id.map(str::to_owned),
        client_id: client.client_id.clone(),
        account_id: account_id.to_owned(),
        user_id: user_id.map(str::to_owned),
        scopes: scopes.to_owned(),
        now,
        access_hash: token_key(&access),
        access_expires_at: now + ACCESS_TTL_MS,
        refresh: refresh
            .as_deref()
            .map(|refresh| (token_key(refresh), now + REFRESH_TTL_MS)),
    };
    state.grant_writer.write(&state.db, grant).await?;
    Ok(token_answer(state, &access, refresh.as_deref(), scopes))
}

/// A successful token answer, fields in PROTOCOL.md's order (a struct
/// rather than a `json!` map: this is written for every grant).
#[derive(Serialize)]
struct TokenAnswer<'a> {
    access_token: &'a str,
    token_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
    expires_in: i64,
    scope: &'a str,
    api_url: &'a str,
}

fn token_answer(state: &AppState, access: &str, refresh: Option<&str>, scopes: &str) -> Response {
    no_store(
        Json(TokenAnswer {
            access_token: access,
            token_type: "bearer",
            refresh_token: refresh,
            expires_in: ACCESS_TTL_MS / 1000,
            scope: scopes,
            api_url: state.config.base_url(),
        })
        .into_response(),
    )
}

async fn authorization_code(
    state: &AppState,
    client: &Client,
    params: &HashMap<String, String>,
) -> Result<Response, Failure> {
    let pool = &state.db.pool;
    let code = required(params, "code")?;
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
            super::revoke_grant(state, grant_id, now).await?;
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
    // RFC 6749 §4.1.3: when the authorization request named a redirect_uri
    // the token request must repeat it, byte for byte. When it named none
    // (the registered one was used) a redirect_uri sent now must be that one.
    let asked = params.get("redirect_uri").filter(|r| !r.is_empty());
    match (stored.redirect_uri.as_str(), asked) {
        ("", None) => {}
        ("", Some(asked)) if *asked == client.redirect_url => {}
        (_, None) => {
            return Err(OAuthError::invalid_grant(
                "redirect_uri is missing: the authorization request had one, so this request must repeat it.",
            )
            .into())
        }
        (sent, Some(asked)) if sent == asked => {}
        _ => {
            return Err(OAuthError::invalid_grant(
                "redirect_uri does not match the authorization request.",
            )
            .into())
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
        (None, None) => {}
    }
    let Some(install) = repo::oauth::install_by_id(pool, &stored.install_id).await? else {
        return Err(OAuthError::invalid_grant("The app was uninstalled.").into());
    };
    let (access, refresh) = (new_token(now), new_token(now));
    let turn = state.db.write_turn().await;
    let redeemed = repo::tokens::redeem_code(
        &state.db,
        &code_hash,
        &NewGrant {
            id: new_ordered_id("grt", now),
            app_id: client.app_id.clone(),
            install_id: Some(install.id.clone()),
            client_id: client.client_id.clone(),
            account_id: install.account_id.clone(),
            user_id: Some(stored.user_id.clone()),
            scopes: install.scopes.clone(),
            now,
            access_hash: token_key(&access),
            access_expires_at: now + ACCESS_TTL_MS,
            refresh: Some((token_key(&refresh), now + REFRESH_TTL_MS)),
        },
    )
    .await?;
    drop(turn);
    if !redeemed {
        // Another request spent it between our read and our write.
        if let Some(first) = repo::tokens::grant_of_code(pool, &code_hash).await? {
            super::revoke_grant(state, &first, now).await?;
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
    let presented = required(params, "refresh_token")?;
    let old_key = token_key(presented);
    let now = state.now_ms();
    let token = repo::tokens::find_token(pool, &old_key)
        .await?
        .filter(|t| t.kind == TokenKind::Refresh)
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
        super::revoke_grant(state, &token.grant_id, now).await?;
        return Err(OAuthError::invalid_grant(
            "The refresh token was already used; every token of this grant is now revoked.",
        )
        .into());
    }
    if token.expires_at <= now {
        return Err(OAuthError::invalid_grant("The refresh token has expired.").into());
    }
    let (access, refresh) = (new_token(now), new_token(now));
    let turn = state.db.write_turn().await;
    let rotated = repo::tokens::rotate_refresh(
        pool,
        &old_key,
        &token.grant_id,
        now,
        (&token_key(&access), now + ACCESS_TTL_MS),
        (&token_key(&refresh), now + REFRESH_TTL_MS),
    )
    .await?;
    drop(turn);
    if !rotated {
        super::revoke_grant(state, &token.grant_id, now).await?;
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
    let account_id = required(params, "account_id")?;
    let Some(install) = repo::oauth::account_install(
        &state.db.pool,
        &client.app_id,
        client.environment,
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
