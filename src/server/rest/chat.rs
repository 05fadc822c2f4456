//! The chat message API for bots: `POST /v2/im/chat/messages`, and
//! `PUT`/`DELETE /v2/im/chat/messages/{messageId}` for a bot's own
//! messages (Zoom's chatbot message endpoints). A bot token (scope
//! `imchat:bot`, from `client_credentials`) reaches only accounts where the
//! bot is installed now, and there only the account's channels, its own
//! conversations and the account's members.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{db_error, ApiError, Caller};
use crate::domain::chat::{parse_content, parse_jid, robot_jid, Content, Jid};
use crate::domain::oauth::Scope;
use crate::domain::text::check_text;
use crate::domain::time::iso;
use crate::server::chat::publish;
use crate::server::repo::chat as repo;
use crate::server::state::AppState;

/// What a bot sends (POST and PUT).
#[derive(Debug, Default, Deserialize)]
struct MessageBody {
    #[serde(default)]
    robot_jid: String,
    #[serde(default)]
    to_jid: String,
    #[serde(default)]
    account_id: String,
    #[serde(default)]
    content: Value,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, 300, message)
}

fn parse_body(body: &[u8]) -> Result<MessageBody, ApiError> {
    let body: MessageBody = serde_json::from_slice(body).map_err(|e| {
        invalid(format!(
            "The request body is not valid JSON for a chat message: {e}."
        ))
    })?;
    for (field, value) in [
        ("robot_jid", &body.robot_jid),
        ("to_jid", &body.to_jid),
        ("account_id", &body.account_id),
    ] {
        check_text(value).map_err(|reason| invalid(format!("{field}: {reason}")))?;
    }
    Ok(body)
}

/// The checks every call makes: a bot token, its own `robot_jid`, and an
/// account where it is installed now.
async fn installed_in(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    robot: &str,
    account_id: &str,
) -> Result<(), ApiError> {
    caller.require_any(&[Scope::ImchatBot])?;
    if robot != robot_jid(&caller.app_id) {
        return Err(invalid(format!(
            "robot_jid must be this bot's, {}.",
            robot_jid(&caller.app_id)
        )));
    }
    if account_id.is_empty() {
        return Err(invalid("account_id is required."));
    }
    let installed = repo::installed_bot(&state.db.pool, account_id, &caller.app_id)
        .await
        .map_err(db_error(headers))?;
    if installed.is_none() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            7010,
            format!("The bot is not installed in account {account_id}."),
        ));
    }
    Ok(())
}

fn checked_content(value: &Value) -> Result<(Content, String), ApiError> {
    let content = parse_content(value).map_err(invalid)?;
    let stored = serde_json::to_string(&content).unwrap_or_default();
    if stored.len() > crate::domain::chat::MAX_CONTENT_BYTES {
        return Err(invalid(format!(
            "content is at most {} KiB as stored; this one is {} KiB.",
            crate::domain::chat::MAX_CONTENT_BYTES / 1024,
            stored.len().div_ceil(1024)
        )));
    }
    Ok((content, stored))
}

/// `POST /v2/im/chat/messages`.
pub async fn send(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(caller): Extension<Caller>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let body = parse_body(&body)?;
    installed_in(&state, &headers, &caller, &body.robot_jid, &body.account_id).await?;
    let (content, stored) = checked_content(&body.content)?;
    let pool = &state.db.pool;
    let now = state.now_ms();
    let to = parse_jid(&body.to_jid).ok_or_else(|| {
        invalid("to_jid must be a channel's or a user's JID from a bot_notification.")
    })?;
    let not_there = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            4130,
            format!("No such channel or user in account {}.", body.account_id),
        )
    };
    let mut change = crate::server::change::Change::begin(&state)
        .await
        .map_err(db_error(&headers))?;
    let channel_id = match to {
        Jid::Channel(id) => {
            let channel = repo::channel(pool, &body.account_id, "", id)
                .await
                .map_err(db_error(&headers))?
                .ok_or_else(not_there)?;
            // A bot speaks in channels and in its own conversations, never
            // in two members' direct one.
            let own = channel.bot_app_id.as_deref() == Some(caller.app_id.as_str());
            if channel.kind != "channel" && !own {
                return Err(not_there());
            }
            channel.id
        }
        Jid::User(user_id) => {
            // By id only (`member` also finds an email).
            if crate::server::repo::accounts::member(pool, &body.account_id, user_id)
                .await
                .map_err(db_error(&headers))?
                .is_none_or(|m| m.user_id != user_id)
            {
                return Err(not_there());
            }
            repo::bot_conversation(&mut change, &body.account_id, &caller.app_id, user_id, now)
                .await
                .map_err(db_error(&headers))?
        }
        Jid::Robot(_) => return Err(not_there()),
    };
    let id = repo::insert_message(
        &mut change,
        repo::NewMessage {
            channel_id: &channel_id,
            account_id: &body.account_id,
            user_id: None,
            app_id: Some(&caller.app_id),
            text: &content.summary(),
            content: &stored,
            event_id: None,
            bot_state: "",
            now,
        },
    )
    .await
    .map_err(db_error(&headers))?;
    change.commit().await.map_err(db_error(&headers))?;
    publish(&state, &body.account_id, &channel_id, &id, false).await;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "message_id": id,
            "robot_jid": body.robot_jid,
            "sent_time": iso(now),
            "to_jid": body.to_jid,
        })),
    )
        .into_response())
}

/// `PUT /v2/im/chat/messages/{messageId}`: new content for the bot's own
/// message.
pub async fn edit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(caller): Extension<Caller>,
    Path(message_id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let body = parse_body(&body)?;
    installed_in(&state, &headers, &caller, &body.robot_jid, &body.account_id).await?;
    let (content, stored) = checked_content(&body.content)?;
    let pool = &state.db.pool;
    let now = state.now_ms();
    let edited = {
        let _turn = state.db.write_turn().await;
        repo::edit_bot_message(
            pool,
            &body.account_id,
            &caller.app_id,
            &message_id,
            (&stored, &content.summary()),
            now,
        )
        .await
        .map_err(db_error(&headers))?
    };
    let message = match edited {
        true => repo::message(pool, &body.account_id, &message_id)
            .await
            .map_err(db_error(&headers))?,
        false => None,
    };
    let Some(message) = message else {
        return Err(no_message());
    };
    publish(
        &state,
        &body.account_id,
        &message.channel_id,
        &message_id,
        false,
    )
    .await;
    Ok(Json(json!({
        "message_id": message_id,
        "robot_jid": body.robot_jid,
        "sent_time": iso(now),
    }))
    .into_response())
}

fn no_message() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        5301,
        "No such message of this bot in that account.",
    )
}

/// The query of a DELETE.
#[derive(Debug, Deserialize)]
pub struct DeleteQuery {
    #[serde(default)]
    robot_jid: String,
    #[serde(default)]
    account_id: String,
}

/// `DELETE /v2/im/chat/messages/{messageId}?robot_jid=…&account_id=…`.
pub async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(caller): Extension<Caller>,
    Path(message_id): Path<String>,
    Query(query): Query<DeleteQuery>,
) -> Result<Response, ApiError> {
    installed_in(
        &state,
        &headers,
        &caller,
        &query.robot_jid,
        &query.account_id,
    )
    .await?;
    let channel = {
        let _turn = state.db.write_turn().await;
        repo::delete_bot_message(
            &state.db.pool,
            &query.account_id,
            &caller.app_id,
            &message_id,
        )
        .await
        .map_err(db_error(&headers))?
    };
    let Some(channel_id) = channel else {
        return Err(no_message());
    };
    publish(&state, &query.account_id, &channel_id, &message_id, true).await;
    Ok(Json(json!({ "message_id": message_id, "robot_jid": query.robot_jid })).into_response())
}
