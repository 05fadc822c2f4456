//! Live updates of team chat: every open conversation page listens to
//! its conversation's changes (server-sent events, `events`).
//!
//! A change is told to this process's listeners at once (`ChatHub`, a
//! broadcast channel per conversation); on PostgreSQL it is also told to
//! the other processes with `NOTIFY`, whose listeners read the message
//! once per process and tell their own listeners. A listener that
//! connects (or reconnects) after a message was posted gets it from the
//! database first (`after` / `Last-Event-ID`), so nothing falls between
//! the page's render and its connection.

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

use super::{conversation, message_out, ChatAction};
use crate::domain::chat::ChatUpdate;
use crate::error::AppError;
use crate::server::auth::session::user_from_headers;
use crate::server::repo::chat::{self as repo, MessageRow};
use crate::server::state::AppState;

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
            origin: crate::server::ids::new_id("proc"),
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
            crate::server::context::internal_for(
                crate::server::context::request_id_of(&headers),
                err,
            );
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
                crate::server::context::internal_for(
                    crate::server::context::request_id_of(&headers),
                    err,
                );
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
