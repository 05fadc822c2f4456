//! Team chat on the server: who may do what to a conversation (one place,
//! `conversation`), posting (a slash command becomes a `bot_notification`
//! for its bot, through the outbox like every webhook), a bot's buttons
//! (`interactive_message_actions`), a bot's install (`bot_installed` and
//! its welcome message), and the live updates every open conversation
//! page listens to (server-sent events, `events`).
//!
//! Live updates: a change is told to this process's listeners at once
//! (`ChatHub`, a broadcast channel); on PostgreSQL it is also told to the
//! other processes with `NOTIFY`, whose listeners read the message once
//! per process and tell their own listeners. A listener that connects
//! (or reconnects) after a message was posted gets it from the database
//! first (`after` / `Last-Event-ID`), so nothing falls between the page's
//! render and its connection.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::sync::{broadcast, oneshot, Semaphore};

use super::auth::session::{user_from_headers, SessionUser};
use super::change::Change;
use super::repo::chat::{self as repo, ChannelRow, MessageRow};
use super::repo::outbox::NewEvent;
use super::state::AppState;
use crate::domain::chat::{
    channel_jid, robot_jid, user_jid, BotState, ChatMessage, ChatUpdate, Content,
};
use crate::error::AppError;

/// The NOTIFY channel of chat changes between processes.
pub const CHAT_CHANNEL: &str = "portico_chat";
/// Live listeners one process serves at once; more are answered 503.
pub const MAX_LISTENERS: usize = 20_000;
/// Updates a slow listener may fall behind before it is told to reload.
const BACKLOG: usize = 1024;

/// How often an open stream checks that its listener may still listen
/// (signed in, still a member).
const RECHECK: Duration = Duration::from_secs(30);

/// This process's listeners, and its ear for other processes.
///
/// Each conversation with listeners has a broadcast channel of its own,
/// so that a busy conversation never makes another's listeners fall
/// behind; it goes when its last listener does.
#[derive(Debug)]
pub struct ChatHub {
    /// By `room_key` (account and conversation).
    rooms: Mutex<HashMap<String, broadcast::Sender<Arc<ChatUpdate>>>>,
    listeners: Arc<Semaphore>,
    per_user: Arc<Mutex<HashMap<String, usize>>>,
    /// Streams one user may hold at once (`--chat-streams-per-user`).
    per_user_limit: usize,
    /// Tells this process's own notices from others'.
    origin: String,
    postgres_url: Option<String>,
    listener: OnceLock<oneshot::Sender<()>>,
}

fn room_key(account_id: &str, channel_id: &str) -> String {
    format!("{account_id} {channel_id}")
}

/// One of a user's listener slots, given back when dropped.
struct UserSlot {
    per_user: Arc<Mutex<HashMap<String, usize>>>,
    user_id: String,
}

impl Drop for UserSlot {
    fn drop(&mut self) {
        let mut counts = self.per_user.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = counts.get_mut(&self.user_id) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.user_id);
            }
        }
    }
}

impl ChatHub {
    pub fn new(postgres_url: Option<String>, per_user_limit: usize) -> Self {
        Self {
            per_user_limit,
            rooms: Mutex::default(),
            listeners: Arc::new(Semaphore::new(MAX_LISTENERS)),
            per_user: Arc::default(),
            origin: super::ids::new_id("proc"),
            postgres_url,
            listener: OnceLock::new(),
        }
    }

    /// How many listeners are connected now (for the bench and tests).
    pub fn listener_count(&self) -> usize {
        MAX_LISTENERS - self.listeners.available_permits()
    }

    /// Starts listening to other processes (PostgreSQL; once).
    pub fn start(&self, state: &AppState) {
        if let Some(url) = &self.postgres_url {
            self.listener.get_or_init(|| {
                let (stop, stopped) = oneshot::channel();
                tokio::spawn(listen(state.clone(), url.clone(), stopped));
                stop
            });
        }
    }

    fn take_user_slot(&self, user_id: &str) -> Option<UserSlot> {
        let mut counts = self.per_user.lock().unwrap_or_else(|e| e.into_inner());
        let count = counts.entry(user_id.to_owned()).or_default();
        if *count >= self.per_user_limit {
            return None;
        }
        *count += 1;
        Some(UserSlot {
            per_user: self.per_user.clone(),
            user_id: user_id.to_owned(),
        })
    }

    fn subscribe(
        &self,
        account_id: &str,
        channel_id: &str,
    ) -> broadcast::Receiver<Arc<ChatUpdate>> {
        let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        // Rooms whose listeners all left, forgotten now and then.
        if rooms.len() > 1024 {
            rooms.retain(|_, sender| sender.receiver_count() > 0);
        }
        rooms
            .entry(room_key(account_id, channel_id))
            .or_insert_with(|| broadcast::channel(BACKLOG).0)
            .subscribe()
    }

    /// Tells this process's listeners of the conversation.
    fn tell(&self, account_id: &str, channel_id: &str, update: ChatUpdate) {
        let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        let key = room_key(account_id, channel_id);
        if let Some(sender) = rooms.get(&key) {
            if sender.send(Arc::new(update)).is_err() {
                rooms.remove(&key);
            }
        }
    }
}

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

/// Tells listeners (here, and on PostgreSQL in every process) that message
/// `message_id` of `channel_id` is new or changed, or, with `deleted`, gone.
/// A failure here is logged: the change itself is saved, and a listener
/// sees it on its next load.
pub async fn publish(
    state: &AppState,
    account_id: &str,
    channel_id: &str,
    message_id: &str,
    deleted: bool,
) {
    let update = if deleted {
        Some(ChatUpdate::Deleted {
            id: message_id.to_owned(),
        })
    } else {
        match repo::message(&state.db.pool, account_id, message_id).await {
            Ok(Some(row)) => Some(ChatUpdate::Message {
                message: message_out(&row),
            }),
            Ok(None) => None,
            Err(err) => {
                tracing::warn!(error = %err, "a chat message could not be read for its listeners");
                None
            }
        }
    };
    if let Some(update) = update {
        state.chat.tell(account_id, channel_id, update);
    }
    if state.chat.postgres_url.is_some() {
        let notice = json!({
            "origin": state.chat.origin,
            "account_id": account_id,
            "channel_id": channel_id,
            "message_id": message_id,
            "deleted": deleted,
        });
        if let Err(err) = sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHAT_CHANNEL)
            .bind(notice.to_string())
            .execute(&state.db.pool)
            .await
        {
            tracing::warn!(error = %err, "a chat change could not be told to other processes");
        }
    }
}

/// Hears other processes' chat changes and tells this process's
/// listeners, until `stop` fires.
async fn listen(state: AppState, url: String, mut stop: oneshot::Receiver<()>) {
    use sqlx::postgres::PgListener;
    loop {
        let connected = async {
            let mut listener = PgListener::connect(&url).await?;
            listener.listen(CHAT_CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        let mut listener = tokio::select! {
            _ = &mut stop => return,
            connected = connected => match connected {
                Ok(listener) => listener,
                Err(err) => {
                    tracing::warn!("chat listener cannot connect: {err}");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
        };
        loop {
            let heard = tokio::select! {
                _ = &mut stop => return,
                heard = listener.try_recv() => heard,
            };
            let notice = match heard {
                Ok(Some(notice)) => notice,
                Ok(None) | Err(_) => break,
            };
            let Ok(notice) = serde_json::from_str::<serde_json::Value>(notice.payload()) else {
                continue;
            };
            let text = |key: &str| notice[key].as_str().unwrap_or_default().to_owned();
            if text("origin") == state.chat.origin {
                continue;
            }
            let (account_id, channel_id, message_id) =
                (text("account_id"), text("channel_id"), text("message_id"));
            let update = if notice["deleted"].as_bool().unwrap_or(false) {
                ChatUpdate::Deleted { id: message_id }
            } else {
                match repo::message(&state.db.pool, &account_id, &message_id).await {
                    Ok(Some(row)) => ChatUpdate::Message {
                        message: message_out(&row),
                    },
                    _ => continue,
                }
            };
            state.chat.tell(&account_id, &channel_id, update);
        }
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

/// `after`: the last message the page already shows.
#[derive(Debug, serde::Deserialize)]
pub struct EventsQuery {
    #[serde(default)]
    after: Option<i64>,
}

/// `GET /chat/{channel_id}/events`: the conversation's live updates, as
/// server-sent events (`update`, JSON `ChatUpdate`; `id` the last message
/// number, which a reconnecting browser sends back as `Last-Event-ID`).
pub async fn events(
    State(state): State<AppState>,
    Path(channel_id): Path<String>,
    Query(query): Query<EventsQuery>,
    headers: HeaderMap,
) -> Response {
    let user = match user_from_headers(&state, &headers).await {
        Ok(Some(user)) => user,
        Ok(None) => return (StatusCode::UNAUTHORIZED, "Sign in to listen.").into_response(),
        Err(err) => {
            super::context::internal_for(super::context::request_id_of(&headers), err);
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let channel = match conversation(&state, &user, &channel_id, ChatAction::Take).await {
        Ok(channel) => channel,
        Err(AppError::Refused { message }) => {
            return (StatusCode::FORBIDDEN, message).into_response()
        }
        Err(_) => return (StatusCode::NOT_FOUND, "No such conversation.").into_response(),
    };
    let Some(user_slot) = state.chat.take_user_slot(&user.user_id) else {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            "Too many open conversations: close a tab or two.",
        )
            .into_response();
    };
    let Ok(permit) = state.chat.listeners.clone().try_acquire_owned() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "Too many listeners; try again soon.",
        )
            .into_response();
    };
    state.chat.start(&state);
    // Subscribed before the backlog is read: nothing falls between.
    let receiver = state.chat.subscribe(&user.account_id, &channel.id);
    let last_event = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok());
    let after = last_event.or(query.after).unwrap_or(channel.last_seq);
    let backlog =
        match repo::messages_after(&state.db.pool, &user.account_id, &channel.id, after, 200).await
        {
            Ok(rows) => rows,
            Err(err) => {
                super::context::internal_for(super::context::request_id_of(&headers), err);
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        };
    struct Listening {
        receiver: broadcast::Receiver<Arc<ChatUpdate>>,
        backlog: std::vec::IntoIter<MessageRow>,
        state: AppState,
        /// The request's headers (its session), for the re-checks.
        headers: HeaderMap,
        user_id: String,
        channel_id: String,
        last_seq: i64,
        recheck_at: tokio::time::Instant,
        _permit: tokio::sync::OwnedSemaphorePermit,
        _user_slot: UserSlot,
    }
    let start = Listening {
        receiver,
        backlog: backlog.into_iter(),
        state: state.clone(),
        headers,
        user_id: user.user_id.clone(),
        channel_id: channel.id.clone(),
        last_seq: after,
        recheck_at: tokio::time::Instant::now() + RECHECK,
        _permit: permit,
        _user_slot: user_slot,
    };
    let stream = futures::stream::unfold(start, |mut l| async move {
        if let Some(row) = l.backlog.next() {
            let message = message_out(&row);
            let event = update_event(&mut l.last_seq, &ChatUpdate::Message { message });
            return Some((Ok::<_, Infallible>(event), l));
        }
        loop {
            let heard = tokio::select! {
                heard = l.receiver.recv() => heard,
                _ = tokio::time::sleep_until(l.recheck_at) => {
                    // Signed out, removed from the account or the
                    // conversation: the stream ends.
                    // Boxed: the check's future is large and lives only
                    // while it runs, not in every idle stream.
                    let check = Box::pin(still_listening(&l.state, &l.headers, &l.user_id, &l.channel_id));
                    if !check.await {
                        return None;
                    }
                    l.recheck_at = tokio::time::Instant::now() + RECHECK;
                    continue;
                }
            };
            match heard {
                Ok(update) => {
                    let event = update_event(&mut l.last_seq, &update);
                    return Some((Ok(event), l));
                }
                // Fell behind: the page reloads what it missed.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    return Some((Ok(Event::default().event("reload").data("lagged")), l));
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
        .into_response()
}

/// Whether the listener of `headers` may still listen to `channel_id`.
async fn still_listening(
    state: &AppState,
    headers: &HeaderMap,
    user_id: &str,
    channel_id: &str,
) -> bool {
    match user_from_headers(state, headers).await {
        Ok(Some(user)) if user.user_id == user_id => {
            conversation(state, &user, channel_id, ChatAction::Take)
                .await
                .is_ok()
        }
        Ok(_) => false,
        // The database is away a moment: keep listening, ask again later.
        Err(_) => true,
    }
}

/// One update as an event; a new last message moves the event id on.
fn update_event(last_seq: &mut i64, update: &ChatUpdate) -> Event {
    let mut event = Event::default()
        .event("update")
        .data(serde_json::to_string(update).unwrap_or_default());
    if let ChatUpdate::Message { message } = update {
        if message.seq > *last_seq {
            *last_seq = message.seq;
            event = event.id(message.seq.to_string());
        }
    }
    event
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
