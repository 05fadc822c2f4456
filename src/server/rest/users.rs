//! `/v2/users/me`, `/v2/users`, `/v2/users/{userId}`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use serde_json::{json, Value};

use super::{db_error, ApiError, Caller};
use crate::domain::account::Role;
use crate::domain::oauth::Scope;
use crate::domain::time::iso;
use crate::server::repo;
use crate::server::state::AppState;

/// Zoom's user object.
fn user_json(
    id: &str,
    name: &str,
    email: &str,
    role: Role,
    account_id: &str,
    created_at: i64,
) -> Value {
    let (first, last) = name.split_once(' ').unwrap_or((name, ""));
    json!({
        "id": id,
        "first_name": first,
        "last_name": last,
        "display_name": name,
        "email": email,
        "type": 1,
        "role_name": role.label(),
        "account_id": account_id,
        "status": "active",
        "timezone": "UTC",
        "language": "en-US",
        "created_at": iso(created_at),
    })
}

fn no_such_user() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, 1001, "User does not exist.")
}

/// Resolves a `{userId}` path value (`me`, an id or an email) to a member
/// of the caller's account the caller may act on. User scopes reach only
/// the token's own user; `:admin` scopes any member of the account.
pub async fn resolve_user(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    user_id: &str,
    user_scope: Scope,
    admin_scope: Scope,
) -> Result<Arc<repo::accounts::MemberRow>, ApiError> {
    caller.require_any(&[user_scope, admin_scope])?;
    crate::domain::text::check_text(user_id)
        .map_err(|reason| ApiError::invalid_input(format!("userId: {reason}")))?;
    let wanted = if user_id == "me" {
        caller.user_id.clone().ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                1001,
                "This token acts for an account, not a user: use a user ID instead of “me”.",
            )
        })?
    } else {
        user_id.to_owned()
    };
    let member = find_member(state, &caller.account_id, &wanted)
        .await
        .map_err(db_error(headers))?
        .ok_or_else(no_such_user)?;
    let own = caller.user_id.as_deref() == Some(member.user_id.as_str());
    if (own && caller.has(user_scope)) || caller.has(admin_scope) {
        Ok(member)
    } else {
        // Someone else's data with a user scope: as if they did not exist.
        Err(no_such_user())
    }
}

/// The member of `account_id` with this user id or email: from this
/// process's cache when it may be used (`server/cache.rs`), else from the
/// database (then kept; someone not found is not).
async fn find_member(
    state: &AppState,
    account_id: &str,
    id_or_email: &str,
) -> Result<Option<Arc<repo::accounts::MemberRow>>, sqlx::Error> {
    let key = format!("{account_id}\n{id_or_email}");
    let read = repo::accounts::member(&state.db.pool, account_id, id_or_email);
    let caches = &state.caches;
    caches
        .members
        .read_through(caches.usable(), &key, state.now_ms(), read, |_| true)
        .await
}

/// `GET /v2/users/me`.
pub async fn me(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Value>, ApiError> {
    one(
        State(state),
        headers,
        Extension(caller),
        Path("me".to_owned()),
    )
    .await
}

/// `GET /v2/users/{userId}`.
pub async fn one(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(caller): Extension<Caller>,
    Path(user_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let m = resolve_user(
        &state,
        &headers,
        &caller,
        &user_id,
        Scope::UserRead,
        Scope::UserReadAdmin,
    )
    .await?;
    Ok(Json(user_json(
        &m.user_id,
        &m.display_name,
        &m.email,
        m.role,
        &caller.account_id,
        m.created_at,
    )))
}

/// `GET /v2/users`: every member of the account (`user:read:admin`).
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Value>, ApiError> {
    caller.require_any(&[Scope::UserReadAdmin])?;
    let members = repo::accounts::members(&state.db.pool, &caller.account_id)
        .await
        .map_err(db_error(&headers))?;
    let users: Vec<Value> = members
        .iter()
        .map(|m| {
            user_json(
                &m.user_id,
                &m.display_name,
                &m.email,
                m.role,
                &caller.account_id,
                m.created_at,
            )
        })
        .collect();
    Ok(Json(json!({
        "page_count": 1,
        "page_number": 1,
        "page_size": users.len().max(30),
        "total_records": users.len(),
        "next_page_token": "",
        "users": users,
    })))
}
