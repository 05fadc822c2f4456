//! `/v2/users/{userId}/meetings` and `/v2/meetings/{meetingId}`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Value};

use super::users::resolve_user;
use super::{db_error, ApiError, Caller};
use crate::domain::meeting::{validate_meeting, MeetingInput};
use crate::domain::oauth::Scope;
use crate::domain::text::check_text;
use crate::domain::time::iso;
use crate::server::objects::meeting_json;
use crate::server::repo::{self, meetings::MeetingRow};
use crate::server::state::AppState;

/// A meeting as the API takes it (create: all but topic optional; PATCH:
/// any subset).
#[derive(Debug, Default, Deserialize)]
pub struct MeetingBody {
    topic: Option<String>,
    start_time: Option<String>,
    duration: Option<i64>,
    agenda: Option<String>,
}

fn validation_error(errors: crate::domain::fields::FieldErrors) -> ApiError {
    let text: Vec<String> = errors.0.iter().map(|(f, m)| format!("{f}: {m}")).collect();
    ApiError::new(StatusCode::BAD_REQUEST, 300, text.join(" "))
}

fn parse_body(body: &[u8]) -> Result<MeetingBody, ApiError> {
    let body: MeetingBody = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            300,
            format!("The request body is not valid JSON for a meeting: {e}."),
        )
    })?;
    // JSON may carry "\u0000", which PostgreSQL cannot store.
    for (field, value) in [
        ("topic", &body.topic),
        ("start_time", &body.start_time),
        ("agenda", &body.agenda),
    ] {
        if let Some(Err(reason)) = value.as_deref().map(check_text) {
            return Err(ApiError::invalid_input(format!("{field}: {reason}")));
        }
    }
    Ok(body)
}

/// `POST /v2/users/{userId}/meetings`.
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(caller): Extension<Caller>,
    Path(user_id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let host = resolve_user(
        &state,
        &headers,
        &caller,
        &user_id,
        Scope::MeetingWrite,
        Scope::MeetingWriteAdmin,
    )
    .await?;
    let body = parse_body(&body)?;
    let now = state.now_ms();
    let input = MeetingInput {
        topic: body.topic.unwrap_or_default(),
        start_time: body.start_time.unwrap_or_else(|| iso(now)),
        duration: body.duration.unwrap_or(60).to_string(),
        agenda: body.agenda.unwrap_or_default(),
    };
    let valid = validate_meeting(&input).map_err(validation_error)?;
    let row = crate::server::meetings::create(&state, &caller.account_id, &host.user_id, &valid)
        .await
        .map_err(db_error(&headers))?;
    Ok((
        StatusCode::CREATED,
        Json(meeting_json(state.config.base_url(), &row)),
    )
        .into_response())
}

/// `GET /v2/users/{userId}/meetings`.
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(caller): Extension<Caller>,
    Path(user_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let host = resolve_user(
        &state,
        &headers,
        &caller,
        &user_id,
        Scope::MeetingRead,
        Scope::MeetingReadAdmin,
    )
    .await?;
    // Only the token's account: a user may host meetings in several.
    let rows =
        repo::meetings::for_host_in_account(&state.db.pool, &caller.account_id, &host.user_id)
            .await
            .map_err(db_error(&headers))?;
    let meetings: Vec<Value> = rows
        .iter()
        .map(|m| meeting_json(state.config.base_url(), m))
        .collect();
    Ok(Json(json!({
        "page_size": meetings.len().max(30),
        "total_records": meetings.len(),
        "next_page_token": "",
        "meetings": meetings,
    })))
}

/// The meeting, if the caller may see it: in its account, and hosted by
/// the token's user unless it holds the `:admin` scope. Anything else is
/// "not found", so tokens learn nothing about others' meetings.
async fn visible_meeting(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    meeting_id: &str,
    user_scope: Scope,
    admin_scope: Scope,
) -> Result<MeetingRow, ApiError> {
    caller.require_any(&[user_scope, admin_scope])?;
    let not_found = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            3001,
            format!("Meeting {meeting_id} is not found or has expired."),
        )
    };
    let id: i64 = meeting_id.parse().map_err(|_| not_found())?;
    let row = repo::meetings::find_in_account(&state.db.pool, &caller.account_id, id)
        .await
        .map_err(db_error(headers))?
        .ok_or_else(not_found)?;
    let own = caller.user_id.as_deref() == Some(row.host_id.as_str());
    if (own && caller.has(user_scope)) || caller.has(admin_scope) {
        Ok(row)
    } else {
        Err(not_found())
    }
}

/// `GET /v2/meetings/{meetingId}`.
pub async fn get_one(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(caller): Extension<Caller>,
    Path(meeting_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let row = visible_meeting(
        &state,
        &headers,
        &caller,
        &meeting_id,
        Scope::MeetingRead,
        Scope::MeetingReadAdmin,
    )
    .await?;
    Ok(Json(meeting_json(state.config.base_url(), &row)))
}

/// `PATCH /v2/meetings/{meetingId}`: changes the fields given; 204.
pub async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(caller): Extension<Caller>,
    Path(meeting_id): Path<String>,
    body: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    let row = visible_meeting(
        &state,
        &headers,
        &caller,
        &meeting_id,
        Scope::MeetingWrite,
        Scope::MeetingWriteAdmin,
    )
    .await?;
    let body = parse_body(&body)?;
    let input = MeetingInput {
        topic: body.topic.unwrap_or_else(|| row.topic.clone()),
        start_time: body.start_time.unwrap_or_else(|| row.start_time.clone()),
        duration: body.duration.unwrap_or(row.duration).to_string(),
        agenda: body.agenda.unwrap_or_else(|| row.agenda.clone()),
    };
    let valid = validate_meeting(&input).map_err(validation_error)?;
    crate::server::meetings::update(&state, &row, &valid)
        .await
        .map_err(db_error(&headers))?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /v2/meetings/{meetingId}`: 204.
pub async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(caller): Extension<Caller>,
    Path(meeting_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let row = visible_meeting(
        &state,
        &headers,
        &caller,
        &meeting_id,
        Scope::MeetingWrite,
        Scope::MeetingWriteAdmin,
    )
    .await?;
    crate::server::meetings::delete(&state, &row)
        .await
        .map_err(db_error(&headers))?;
    Ok(StatusCode::NO_CONTENT)
}
