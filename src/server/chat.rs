//! Team chat on the server: who may do what to a conversation (one place,
//! `conversation`), posting (a slash command becomes a `bot_notification`
//! for its bot, through the outbox like every webhook), a bot's buttons
//! (`interactive_message_actions`), a bot's install (`bot_installed` and
//! its welcome message), and the live updates every open conversation
//! page listens to (server-sent events, `live`).

use serde_json::json;

use super::auth::session::SessionUser;
use super::change::Change;
use super::repo::chat::{self as repo, ChannelRow, MessageRow};
use super::repo::outbox::NewEvent;
use super::state::AppState;
use crate::domain::chat::{channel_jid, robot_jid, user_jid, BotState, ChatMessage, Content};
use crate::error::AppError;

mod live;
pub use live::{events, publish, ChatHub, CHAT_CHANNEL, MAX_LISTENERS};

/// The message as its conversation shows it.
pub fn message_out(row: &MessageRow) -> ChatMessage {
    ChatMessage {
        id: row.id.clone(),
        seq: row.seq,
        author: row.author.clone(),
        is_bot: row.app_id.is_some(),
        text: row.text.clone(),
        content: (!row.content.is_empty())
            .then(|| serde_json::from_str::<Content>(&row.content).ok())
            .flatten(),
        bot_state: BotState::parse(&row.bot_state).unwrap_or(BotState::None),
        created_ms: row.created_at,
        edited: row.edited_at.is_some(),
    }
}

/// What someone may do to a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatAction {
    /// See it in the list and its name (any account member, for a channel).
    See,
    /// Read its messages, listen, post, press a bot's buttons: members.
    Take,
    /// Join: a channel, by any account member.
    Join,
}

/// The conversation `channel_id` of the caller's account, if the caller
/// may do `action` to it; `NotFound` otherwise (another account's
/// conversation does not exist for them), `Refused` when they may see it
/// but must join first.
pub async fn conversation(
    state: &AppState,
    user: &SessionUser,
    channel_id: &str,
    action: ChatAction,
) -> Result<ChannelRow, AppError> {
    let channel = repo::channel(&state.db.pool, &user.account_id, &user.user_id, channel_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let member = channel.member == 1;
    let is_channel = channel.kind == "channel";
    match action {
        ChatAction::See if member || is_channel => Ok(channel),
        ChatAction::Join if is_channel => Ok(channel),
        ChatAction::Take if member => Ok(channel),
        ChatAction::Take if is_channel => Err(AppError::refused(
            "Join the channel to read and post in it.",
        )),
        _ => Err(AppError::NotFound),
    }
}

/// Posts `text` as `user` to `channel` (which they may `Take`). A slash
/// command goes to its bot as `bot_notification`; one no installed bot
/// answers is refused beside the field, and nothing is stored or sent.
pub async fn post(
    state: &AppState,
    user: &SessionUser,
    channel: &ChannelRow,
    text: &str,
) -> Result<String, AppError> {
    use crate::domain::chat::{parse_command, validate_message};
    let text = validate_message(text).map_err(|m| AppError::field("text", m))?;
    let now = state.now_ms();
    let mut bot_event: Option<(String, repo::InstalledBot, String)> = None;
    if let Some((command, args)) = parse_command(&text) {
        let bots = repo::installed_bots(&state.db.pool, &user.account_id).await?;
        let Some(bot) = bots.iter().find(|b| b.slash_command == command).cloned() else {
            let known: Vec<String> = bots
                .iter()
                .filter(|b| !b.slash_command.is_empty())
                .map(|b| format!("/{}", b.slash_command))
                .collect();
            let hint = if known.is_empty() {
                "No bot is installed in this account yet.".to_owned()
            } else {
                format!("Commands here: {}.", known.join(", "))
            };
            return Err(AppError::field(
                "text",
                format!("No bot answers /{command}. {hint} Nothing was sent."),
            ));
        };
        if bot.url().is_empty() {
            return Err(AppError::field(
                "text",
                format!(
                    "{} has no bot endpoint for its {} install yet, so /{command} cannot reach it. Nothing was sent.",
                    bot.app_name,
                    bot.environment.as_str()
                ),
            ));
        }
        bot_event = Some((super::ids::new_id("evt"), bot, args.to_owned()));
    }
    let mut change = Change::begin(state).await?;
    let id = repo::insert_message(
        &mut change,
        repo::NewMessage {
            channel_id: &channel.id,
            account_id: &user.account_id,
            user_id: Some(&user.user_id),
            app_id: None,
            text: &text,
            content: "",
            event_id: bot_event.as_ref().map(|(id, _, _)| id.as_str()),
            bot_state: if bot_event.is_some() {
                BotState::Sent.as_str()
            } else {
                ""
            },
            now,
        },
    )
    .await?;
    if let Some((event_id, bot, args)) = &bot_event {
        let payload = json!({
            "accountId": user.account_id,
            "channelName": told_name(channel),
            "cmd": args,
            "robotJid": robot_jid(&bot.app_id),
            "timestamp": now,
            "toJid": reply_jid(channel, user),
            "triggerId": id,
            "userId": user.user_id,
            "userJid": user_jid(&user.user_id),
            "userName": user.display_name,
        });
        let body = json!({ "event": "bot_notification", "event_ts": now, "payload": payload });
        change
            .queue(NewEvent {
                id: event_id,
                app_id: &bot.app_id,
                subscription_id: None,
                event_type: "bot_notification",
                url: bot.url(),
                body: &body.to_string(),
                now,
                is_test: false,
            })
            .await?;
    }
    repo::mark_read_own(&mut **change, &channel.id, &user.user_id).await?;
    change.commit().await?;
    publish(state, &user.account_id, &channel.id, &id, false).await;
    Ok(id)
}

/// Where a bot answers what was said in `channel`: the channel, or in a
/// bot's own conversation, the member (as Zoom's 1:1 bot chats do).
fn reply_jid(channel: &ChannelRow, user: &SessionUser) -> String {
    if channel.kind == "channel" {
        channel_jid(&channel.id)
    } else {
        // A bot never speaks in two members' direct conversation: it
        // answers the member who asked, in its own conversation with them.
        user_jid(&user.user_id)
    }
}

/// The conversation's name as a bot is told it: a channel's, or its own
/// name; never who else is in a direct conversation.
fn told_name(channel: &ChannelRow) -> &str {
    if channel.kind == "direct" {
        ""
    } else {
        &channel.name
    }
}

/// A press of button `value` on bot message `message_id` by `user`: sends
/// `interactive_message_actions` to the bot, if it is still installed.
/// Returns the conversation.
pub async fn press(
    state: &AppState,
    user: &SessionUser,
    message_id: &str,
    value: &str,
) -> Result<String, AppError> {
    let pool = &state.db.pool;
    let message = repo::message(pool, &user.account_id, message_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let channel = conversation(state, user, &message.channel_id, ChatAction::Take).await?;
    let (Some(app_id), Some(content)) = (
        message.app_id.as_deref(),
        serde_json::from_str::<Content>(&message.content).ok(),
    ) else {
        return Err(AppError::NotFound);
    };
    let action = content.action(value).ok_or(AppError::NotFound)?.clone();
    let bot = repo::installed_bot(pool, &user.account_id, app_id)
        .await?
        .filter(|b| !b.url().is_empty())
        .ok_or_else(|| AppError::refused("That bot is no longer installed here."))?;
    let now = state.now_ms();
    let payload = json!({
        "accountId": user.account_id,
        "channelName": told_name(&channel),
        "robotJid": robot_jid(app_id),
        "toJid": reply_jid(&channel, user),
        "userId": user.user_id,
        "userJid": user_jid(&user.user_id),
        "userName": user.display_name,
        "messageId": message.id,
        "actionItem": { "text": action.text, "value": action.value },
        "original": content,
        "timestamp": now,
    });
    let body =
        json!({ "event": "interactive_message_actions", "event_ts": now, "payload": payload });
    let mut change = Change::begin(state).await?;
    change
        .queue(NewEvent {
            id: &super::ids::new_id("evt"),
            app_id,
            subscription_id: None,
            event_type: "interactive_message_actions",
            url: bot.url(),
            body: &body.to_string(),
            now,
            is_test: false,
        })
        .await?;
    change.commit().await?;
    Ok(channel.id)
}

/// After `user` installed bot `app_id` (install `environment`) in their
/// account: `bot_installed` to its endpoint, and its welcome message in
/// their conversation with it.
pub async fn installed(
    state: &AppState,
    user: &SessionUser,
    app_id: &str,
    environment: crate::domain::app::Environment,
) -> Result<(), sqlx::Error> {
    let Some(bot) = repo::bot(&state.db.pool, app_id).await? else {
        return Ok(());
    };
    let now = state.now_ms();
    let mut change = Change::begin(state).await?;
    let url = bot.url(environment).to_owned();
    if !url.is_empty() {
        let body = json!({
            "event": "bot_installed",
            "event_ts": now,
            "payload": {
                "accountId": user.account_id,
                "robotJid": robot_jid(app_id),
                "timestamp": now,
                "userId": user.user_id,
                "userJid": user_jid(&user.user_id),
                "userName": user.display_name,
            },
        });
        change
            .queue(NewEvent {
                id: &super::ids::new_id("evt"),
                app_id,
                subscription_id: None,
                event_type: "bot_installed",
                url: &url,
                body: &body.to_string(),
                now,
                is_test: false,
            })
            .await?;
    }
    let mut welcome = None;
    if !bot.welcome_message.is_empty() {
        let channel =
            repo::bot_conversation(&mut change, &user.account_id, app_id, &user.user_id, now)
                .await?;
        let id = repo::insert_message(
            &mut change,
            repo::NewMessage {
                channel_id: &channel,
                account_id: &user.account_id,
                user_id: None,
                app_id: Some(app_id),
                text: &bot.welcome_message,
                content: "",
                event_id: None,
                bot_state: "",
                now,
            },
        )
        .await?;
        welcome = Some((channel, id));
    }
    change.commit().await?;
    if let Some((channel, id)) = welcome {
        publish(state, &user.account_id, &channel, &id, false).await;
    }
    Ok(())
}

/// After an attempt to deliver a `bot_notification`: its command's message
/// says whether the bot got it.
pub async fn delivery_outcome(state: &AppState, event_id: &str, delivered: bool) {
    let bot_state = if delivered {
        BotState::Delivered
    } else {
        BotState::NoAnswer
    };
    let changed = {
        let _turn = state.db.write_turn().await;
        repo::set_bot_state(&state.db.pool, event_id, bot_state.as_str()).await
    };
    match changed {
        Ok(Some((account_id, channel_id, message_id))) => {
            publish(state, &account_id, &channel_id, &message_id, false).await
        }
        Ok(None) => {}
        Err(err) => tracing::warn!(error = %err, "a command's delivery state could not be saved"),
    }
}

/// Before bot `app_id` is installed in `account_id`: whether it is already
/// (`Ok(true)`), or the refusal when another bot installed there answers
/// the same slash command.
pub async fn check_install(
    state: &AppState,
    account_id: &str,
    app_id: &str,
) -> Result<Result<bool, String>, sqlx::Error> {
    let pool = &state.db.pool;
    let Some(bot) = repo::bot(pool, app_id).await? else {
        let installed = repo::installed_bot(pool, account_id, app_id).await?;
        return Ok(Ok(installed.is_some()));
    };
    let installed = repo::installed_bots(pool, account_id).await?;
    if let Some(other) = installed
        .iter()
        .find(|b| b.app_id != app_id && b.slash_command == bot.slash_command)
    {
        return Ok(Err(format!(
            "{} is already installed in this account and answers /{}. Two bots cannot share a command in one account: uninstall {} first.",
            other.app_name, bot.slash_command, other.app_name
        )));
    }
    Ok(Ok(installed.iter().any(|b| b.app_id == app_id)))
}
