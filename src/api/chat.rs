//! Team chat: the conversations of the signed-in member's account
//! (channels, direct conversations, conversations with bots), their
//! messages, and posting (a slash command goes to its bot). Who may do
//! what to a conversation is decided in one place,
//! `server::chat::conversation`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::chat::ChatMessage;
use crate::error::AppError;

/// A conversation in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationOut {
    pub id: String,
    /// `channel`, `direct` or `bot`.
    pub kind: String,
    pub name: String,
    pub member: bool,
    pub unread: i64,
}

/// A slash command someone may type here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandOut {
    pub command: String,
    pub bot: String,
    pub description: String,
    pub hint: String,
}

/// The chat page: the list, and the open conversation if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatOut {
    pub conversations: Vec<ConversationOut>,
    /// The account's other members, for a direct conversation.
    pub people: Vec<(String, String)>,
    pub commands: Vec<CommandOut>,
    pub open: Option<OpenOut>,
}

/// The open conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenOut {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub member: bool,
    pub members: Vec<String>,
    /// The latest messages, oldest first (empty until joined).
    pub messages: Vec<ChatMessage>,
}

/// How many messages a conversation page shows.
pub const PAGE_MESSAGES: i64 = 100;

/// `/chat` and `/chat/:id`.
#[server(endpoint = "chat_page")]
pub async fn chat_page(channel: Option<String>) -> Result<ChatOut, AppError> {
    use crate::server::chat::{conversation, message_out, ChatAction};
    use crate::server::{context, repo};
    context::finish(
        async {
            let user = context::require_user().await?;
            let state = context::state()?;
            let pool = &state.db.pool;
            let open = match channel.as_deref().filter(|c| !c.is_empty()) {
                None => None,
                Some(id) => {
                    let row = conversation(&state, &user, id, ChatAction::See).await?;
                    let member = row.member == 1;
                    let messages = if member {
                        let rows =
                            repo::chat::messages(pool, &user.account_id, &row.id, PAGE_MESSAGES)
                                .await?;
                        // Writers take turns (SQLite has one at a time).
                        let _turn = state.db.write_turn().await;
                        repo::chat::mark_read(pool, &row.id, &user.user_id, row.last_seq).await?;
                        rows.iter().map(message_out).collect()
                    } else {
                        Vec::new()
                    };
                    let members = repo::chat::members(pool, &row.id)
                        .await?
                        .into_iter()
                        .map(|(_, name)| name)
                        .collect();
                    Some(OpenOut {
                        id: row.id,
                        kind: row.kind,
                        name: row.name,
                        member,
                        members,
                        messages,
                    })
                }
            };
            let conversations = repo::chat::channels_for(pool, &user.account_id, &user.user_id)
                .await?
                .into_iter()
                .map(|c| ConversationOut {
                    // The open one was just read.
                    unread: if open.as_ref().is_some_and(|o| o.id == c.id) {
                        0
                    } else {
                        c.unread
                    },
                    id: c.id,
                    kind: c.kind,
                    name: c.name,
                    member: c.member == 1,
                })
                .collect();
            let people = repo::accounts::members(pool, &user.account_id)
                .await?
                .into_iter()
                .filter(|m| m.user_id != user.user_id)
                .map(|m| (m.user_id, m.display_name))
                .collect();
            let commands = repo::chat::installed_bots(pool, &user.account_id)
                .await?
                .into_iter()
                .filter(|b| !b.slash_command.is_empty())
                .map(|b| CommandOut {
                    command: b.slash_command,
                    bot: b.app_name,
                    description: b.description,
                    hint: b.hint,
                })
                .collect();
            Ok(ChatOut {
                conversations,
                people,
                commands,
                open,
            })
        }
        .await,
    )
}

/// A new channel in the account, with its creator as the first member.
#[server(endpoint = "create_channel")]
pub async fn create_channel(name: String) -> Result<(), AppError> {
    use crate::domain::chat::validate_channel_name;
    use crate::server::{context, repo};
    context::finish(
        async {
            let user = context::require_user().await?;
            let name = validate_channel_name(&name).map_err(|m| AppError::field("name", m))?;
            let state = context::state()?;
            let mut change = crate::server::change::Change::begin(&state).await?;
            let created = repo::chat::create_channel(
                &mut change,
                repo::chat::NewChannel {
                    account_id: &user.account_id,
                    kind: "channel",
                    name: &name,
                    name_key: &name.to_lowercase(),
                    bot_app_id: None,
                    members: &[&user.user_id],
                },
                state.now_ms(),
            )
            .await?;
            let Some(id) = created else {
                return Err(AppError::field(
                    "name",
                    "A channel of that name exists already: join it, or choose another name.",
                ));
            };
            change.commit().await?;
            context::redirect(&format!("/chat/{id}"));
            Ok(())
        }
        .await,
    )
}

/// Joins a channel of the account.
#[server(endpoint = "join_channel")]
pub async fn join_channel(channel: String) -> Result<(), AppError> {
    use crate::server::chat::{conversation, ChatAction};
    use crate::server::{context, repo};
    context::finish(
        async {
            let user = context::require_user().await?;
            let state = context::state()?;
            let row = conversation(&state, &user, &channel, ChatAction::Join).await?;
            let _turn = state.db.write_turn().await;
            repo::chat::join(&state.db.pool, &row.id, &user.user_id, state.now_ms()).await?;
            context::redirect(&format!("/chat/{}", row.id));
            Ok(())
        }
        .await,
    )
}

/// Leaves a channel (a direct conversation cannot be left).
#[server(endpoint = "leave_channel")]
pub async fn leave_channel(channel: String) -> Result<(), AppError> {
    use crate::server::chat::{conversation, ChatAction};
    use crate::server::{context, repo};
    context::finish(
        async {
            let user = context::require_user().await?;
            let state = context::state()?;
            let row = conversation(&state, &user, &channel, ChatAction::Take).await?;
            if row.kind != "channel" {
                return Err(AppError::refused("Only a channel can be left."));
            }
            let _turn = state.db.write_turn().await;
            repo::chat::leave(&state.db.pool, &row.id, &user.user_id).await?;
            context::redirect("/chat");
            Ok(())
        }
        .await,
    )
}

/// Opens (making it the first time) the direct conversation with another
/// member of the account.
#[server(endpoint = "open_direct")]
pub async fn open_direct(person: String) -> Result<(), AppError> {
    use crate::server::{context, repo};
    context::finish(
        async {
            let user = context::require_user().await?;
            let state = context::state()?;
            let pool = &state.db.pool;
            if person == user.user_id
                // By id only (`member` also finds an email).
                || repo::accounts::member(pool, &user.account_id, &person)
                    .await?
                    .is_none_or(|m| m.user_id != person)
            {
                return Err(AppError::field(
                    "person",
                    "Choose a member of this account.",
                ));
            }
            let mut pair = [user.user_id.as_str(), person.as_str()];
            pair.sort_unstable();
            let key = pair.join(" ");
            let mut change = crate::server::change::Change::begin(&state).await?;
            let id =
                match repo::chat::channel_by_key(&mut **change, &user.account_id, "direct", &key)
                    .await?
                {
                    Some(id) => id,
                    None => repo::chat::create_channel(
                        &mut change,
                        repo::chat::NewChannel {
                            account_id: &user.account_id,
                            kind: "direct",
                            name: "",
                            name_key: &key,
                            bot_app_id: None,
                            members: &pair,
                        },
                        state.now_ms(),
                    )
                    .await?
                    .ok_or_else(|| {
                        AppError::refused("Try again: that conversation was just made.")
                    })?,
                };
            change.commit().await?;
            context::redirect(&format!("/chat/{id}"));
            Ok(())
        }
        .await,
    )
}

/// Posts a message (or a slash command) to a conversation the caller is a
/// member of. Answers the message as the conversation will show it.
#[server(endpoint = "post_message")]
pub async fn post_message(channel: String, text: String) -> Result<ChatMessage, AppError> {
    use crate::server::chat::{conversation, message_out, post, ChatAction};
    use crate::server::{context, repo};
    context::finish(
        async {
            let user = context::require_user().await?;
            let state = context::state()?;
            let row = conversation(&state, &user, &channel, ChatAction::Take).await?;
            let id = post(&state, &user, &row, &text).await?;
            let message = repo::chat::message(&state.db.pool, &user.account_id, &id)
                .await?
                .ok_or(AppError::NotFound)?;
            if context::is_plain_form_post()? {
                context::redirect(&format!("/chat/{}#message-{}", row.id, id));
            }
            Ok(message_out(&message))
        }
        .await,
    )
}

/// A press of a bot message's button: the bot hears of it
/// (`interactive_message_actions`) and may edit its message.
#[server(endpoint = "press_button")]
pub async fn press_button(message: String, value: String) -> Result<(), AppError> {
    use crate::server::context;
    context::finish(
        async {
            let user = context::require_user().await?;
            let state = context::state()?;
            let channel = crate::server::chat::press(&state, &user, &message, &value).await?;
            if context::is_plain_form_post()? {
                context::redirect(&format!("/chat/{channel}?pressed=1#message-{message}"));
            }
            Ok(())
        }
        .await,
    )
}
