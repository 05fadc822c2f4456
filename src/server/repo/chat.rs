//! Team chat (`chat_channels`, `chat_members`, `chat_messages`) and chat
//! bots' settings (`chat_bots`). Every read of a conversation or a message
//! names the account it must belong to.

use sqlx::{AnyPool, FromRow};

use crate::domain::app::Environment;
use crate::server::ids::new_id;

/// A chat bot app's command and endpoints.
#[derive(Debug, Clone, Default, FromRow)]
pub struct BotRow {
    pub app_id: String,
    pub slash_command: String,
    pub description: String,
    pub hint: String,
    pub welcome_message: String,
    pub development_url: String,
    pub production_url: String,
    pub validated_at: i64,
}

impl BotRow {
    /// The bot endpoint for installs of `environment`.
    pub fn url(&self, environment: Environment) -> &str {
        match environment {
            Environment::Development => &self.development_url,
            Environment::Production => &self.production_url,
        }
    }
}

pub async fn bot(pool: &AnyPool, app_id: &str) -> Result<Option<BotRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT app_id, slash_command, description, hint, welcome_message, development_url, \
                production_url, validated_at FROM chat_bots WHERE app_id = $1",
    )
    .bind(app_id)
    .fetch_optional(pool)
    .await
}

/// Saves a bot's settings (the endpoints passed their challenge just now).
pub async fn save_bot(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    bot: &BotRow,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO chat_bots (app_id, slash_command, description, hint, welcome_message, \
                development_url, production_url, validated_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
         ON CONFLICT (app_id) DO UPDATE SET slash_command = excluded.slash_command, \
                description = excluded.description, hint = excluded.hint, \
                welcome_message = excluded.welcome_message, \
                development_url = excluded.development_url, \
                production_url = excluded.production_url, \
                validated_at = excluded.validated_at, updated_at = excluded.updated_at",
    )
    .bind(&bot.app_id)
    .bind(&bot.slash_command)
    .bind(&bot.description)
    .bind(&bot.hint)
    .bind(&bot.welcome_message)
    .bind(&bot.development_url)
    .bind(&bot.production_url)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A bot installed in an account, with where its events go.
#[derive(Debug, Clone, FromRow)]
pub struct InstalledBot {
    pub app_id: String,
    pub app_name: String,
    pub install_id: String,
    #[sqlx(try_from = "String")]
    pub environment: Environment,
    pub slash_command: String,
    pub description: String,
    pub hint: String,
    pub development_url: String,
    pub production_url: String,
}

impl InstalledBot {
    /// Where this install's events go ('' for nowhere yet).
    pub fn url(&self) -> &str {
        match self.environment {
            Environment::Development => &self.development_url,
            Environment::Production => &self.production_url,
        }
    }
}

/// The bots installed in `account_id` (each app once: a production
/// install wins over a trial one), by command.
pub async fn installed_bots(
    pool: &AnyPool,
    account_id: &str,
) -> Result<Vec<InstalledBot>, sqlx::Error> {
    let mut bots: Vec<InstalledBot> = sqlx::query_as(
        "SELECT b.app_id, a.name AS app_name, i.id AS install_id, i.environment, b.slash_command, \
                b.description, b.hint, b.development_url, b.production_url \
         FROM installs i JOIN apps a ON a.id = i.app_id JOIN chat_bots b ON b.app_id = i.app_id \
         WHERE i.account_id = $1 AND a.kind = 'chat_bot' \
         ORDER BY b.slash_command, i.created_at, i.environment DESC",
    )
    .bind(account_id)
    .fetch_all(pool)
    .await?;
    bots.dedup_by(|later, first| later.app_id == first.app_id);
    Ok(bots)
}

/// Another bot that answers `command` in an account where bot `app_id` is
/// installed, if any: its name (a bot may not take a command from under
/// another's users).
pub async fn command_taken(
    pool: &AnyPool,
    app_id: &str,
    command: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT a.name FROM installs i JOIN apps a ON a.id = i.app_id \
         JOIN chat_bots b ON b.app_id = i.app_id \
         WHERE b.slash_command = $2 AND i.app_id <> $1 \
           AND i.account_id IN (SELECT mine.account_id FROM installs mine WHERE mine.app_id = $1) \
         ORDER BY a.name LIMIT 1",
    )
    .bind(app_id)
    .bind(command)
    .fetch_optional(pool)
    .await
}

/// The install of bot `app_id` in `account_id`, if it is installed there.
pub async fn installed_bot(
    pool: &AnyPool,
    account_id: &str,
    app_id: &str,
) -> Result<Option<InstalledBot>, sqlx::Error> {
    Ok(installed_bots(pool, account_id)
        .await?
        .into_iter()
        .find(|b| b.app_id == app_id))
}

/// A conversation as a member's list shows it.
#[derive(Debug, Clone, FromRow)]
pub struct ChannelRow {
    pub id: String,
    pub account_id: String,
    pub kind: String,
    /// The channel's name; for a direct conversation, the other member's
    /// name; for a bot's, the bot's.
    pub name: String,
    pub bot_app_id: Option<String>,
    pub last_seq: i64,
    /// Whether the caller is a member (`1`).
    pub member: i64,
    /// Messages by others after the caller's last read.
    pub unread: i64,
}

fn channel_select(filter: &str) -> String {
    format!(
        "SELECT c.id, c.account_id, c.kind, \
                CASE WHEN c.kind = 'direct' THEN COALESCE((SELECT u.display_name FROM chat_members om \
                        JOIN users u ON u.id = om.user_id \
                        WHERE om.channel_id = c.id AND om.user_id <> $2 ORDER BY u.display_name LIMIT 1), c.name) \
                     WHEN c.kind = 'bot' THEN COALESCE((SELECT a.name FROM apps a WHERE a.id = c.bot_app_id), c.name) \
                     ELSE c.name END AS name, \
                c.bot_app_id, c.last_seq, \
                CASE WHEN m.user_id IS NULL THEN 0 ELSE 1 END AS member, \
                CASE WHEN m.user_id IS NULL THEN 0 ELSE \
                  (SELECT COUNT(*) FROM chat_messages x WHERE x.channel_id = c.id \
                     AND x.seq > m.read_seq AND (x.user_id IS NULL OR x.user_id <> $2)) END AS unread \
         FROM chat_channels c LEFT JOIN chat_members m ON m.channel_id = c.id AND m.user_id = $2 \
         WHERE c.account_id = $1 AND {filter}"
    )
}

/// The account's channels (joined or not) and the caller's own direct and
/// bot conversations.
pub async fn channels_for(
    pool: &AnyPool,
    account_id: &str,
    user_id: &str,
) -> Result<Vec<ChannelRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{} ORDER BY c.kind, c.name_key",
        channel_select("(c.kind = 'channel' OR m.user_id IS NOT NULL)")
    ))
    .bind(account_id)
    .bind(user_id)
    .fetch_all(pool)
    .await
}

/// One conversation of `account_id`, as `user_id` sees it.
pub async fn channel(
    pool: &AnyPool,
    account_id: &str,
    user_id: &str,
    channel_id: &str,
) -> Result<Option<ChannelRow>, sqlx::Error> {
    sqlx::query_as(&channel_select("c.id = $3"))
        .bind(account_id)
        .bind(user_id)
        .bind(channel_id)
        .fetch_optional(pool)
        .await
}

/// A conversation to make.
pub struct NewChannel<'a> {
    pub account_id: &'a str,
    /// `channel`, `direct` or `bot`.
    pub kind: &'a str,
    pub name: &'a str,
    /// Unique per account and kind: a channel's lower-cased name, a direct
    /// conversation's two members, a bot conversation's bot and member.
    pub name_key: &'a str,
    pub bot_app_id: Option<&'a str>,
    /// The first is its creator.
    pub members: &'a [&'a str],
}

/// Creates a conversation with its first members; `None` when its key is
/// taken (a channel of that name exists, or the conversation does).
pub async fn create_channel(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    new: NewChannel<'_>,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    let NewChannel {
        account_id,
        kind,
        name,
        name_key,
        bot_app_id,
        members,
    } = new;
    let id = new_id("chn");
    let inserted = sqlx::query(
        "INSERT INTO chat_channels (id, account_id, kind, name, name_key, bot_app_id, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
    )
    .bind(&id)
    .bind(account_id)
    .bind(kind)
    .bind(name)
    .bind(name_key)
    .bind(bot_app_id)
    .bind(members.first().copied())
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Ok(None);
    }
    for user_id in members {
        join(&mut **tx, &id, user_id, now).await?;
    }
    Ok(Some(id))
}

/// The conversation of `kind` with `name_key` in the account, if any.
pub async fn channel_by_key(
    db: impl sqlx::Executor<'_, Database = sqlx::Any>,
    account_id: &str,
    kind: &str,
    name_key: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM chat_channels WHERE account_id = $1 AND kind = $2 AND name_key = $3",
    )
    .bind(account_id)
    .bind(kind)
    .bind(name_key)
    .fetch_optional(db)
    .await
}

/// Makes `user_id` a member (nothing if already), having read everything
/// so far.
pub async fn join(
    db: impl sqlx::Executor<'_, Database = sqlx::Any>,
    channel_id: &str,
    user_id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO chat_members (channel_id, user_id, joined_at, read_seq) \
         VALUES ($1, $2, $3, (SELECT last_seq FROM chat_channels WHERE id = $1)) \
         ON CONFLICT DO NOTHING",
    )
    .bind(channel_id)
    .bind(user_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn leave(pool: &AnyPool, channel_id: &str, user_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM chat_members WHERE channel_id = $1 AND user_id = $2")
        .bind(channel_id)
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// The members' ids and names.
pub async fn members(
    pool: &AnyPool,
    channel_id: &str,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.display_name FROM chat_members m JOIN users u ON u.id = m.user_id \
         WHERE m.channel_id = $1 ORDER BY u.display_name, u.id",
    )
    .bind(channel_id)
    .fetch_all(pool)
    .await
}

/// Everything up to `seq` was seen (never moves back).
pub async fn mark_read(
    pool: &AnyPool,
    channel_id: &str,
    user_id: &str,
    seq: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE chat_members SET read_seq = $3 \
         WHERE channel_id = $1 AND user_id = $2 AND read_seq < $3",
    )
    .bind(channel_id)
    .bind(user_id)
    .bind(seq)
    .execute(pool)
    .await?;
    Ok(())
}

/// A message with its author's name.
#[derive(Debug, Clone, FromRow)]
pub struct MessageRow {
    pub id: String,
    pub channel_id: String,
    pub account_id: String,
    pub seq: i64,
    pub user_id: Option<String>,
    pub app_id: Option<String>,
    pub author: String,
    pub text: String,
    pub content: String,
    pub bot_state: String,
    pub created_at: i64,
    pub edited_at: Option<i64>,
}

const MESSAGE_SELECT: &str = "SELECT m.id, m.channel_id, m.account_id, m.seq, m.user_id, m.app_id, \
        COALESCE(u.display_name, a.name, '') AS author, m.text, m.content, m.bot_state, \
        m.created_at, m.edited_at \
     FROM chat_messages m LEFT JOIN users u ON u.id = m.user_id LEFT JOIN apps a ON a.id = m.app_id";

/// What a new message holds.
pub struct NewMessage<'a> {
    pub channel_id: &'a str,
    pub account_id: &'a str,
    pub user_id: Option<&'a str>,
    pub app_id: Option<&'a str>,
    pub text: &'a str,
    pub content: &'a str,
    pub event_id: Option<&'a str>,
    pub bot_state: &'a str,
    pub now: i64,
}

/// Adds a message with the conversation's next number; returns its id.
pub async fn insert_message(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    m: NewMessage<'_>,
) -> Result<String, sqlx::Error> {
    let seq: i64 = sqlx::query_scalar(
        "UPDATE chat_channels SET last_seq = last_seq + 1 WHERE id = $1 AND account_id = $2 \
         RETURNING last_seq",
    )
    .bind(m.channel_id)
    .bind(m.account_id)
    .fetch_one(&mut **tx)
    .await?;
    let id = new_id("msg");
    sqlx::query(
        "INSERT INTO chat_messages (id, channel_id, account_id, seq, user_id, app_id, text, content, \
                event_id, bot_state, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&id)
    .bind(m.channel_id)
    .bind(m.account_id)
    .bind(seq)
    .bind(m.user_id)
    .bind(m.app_id)
    .bind(m.text)
    .bind(m.content)
    .bind(m.event_id)
    .bind(m.bot_state)
    .bind(m.now)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// The latest `limit` messages of a conversation of `account_id`, oldest
/// first.
pub async fn messages(
    pool: &AnyPool,
    account_id: &str,
    channel_id: &str,
    limit: i64,
) -> Result<Vec<MessageRow>, sqlx::Error> {
    let mut rows: Vec<MessageRow> = sqlx::query_as(&format!(
        "{MESSAGE_SELECT} WHERE m.account_id = $1 AND m.channel_id = $2 ORDER BY m.seq DESC LIMIT $3"
    ))
    .bind(account_id)
    .bind(channel_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.reverse();
    Ok(rows)
}

/// One message of `account_id`.
pub async fn message(
    pool: &AnyPool,
    account_id: &str,
    message_id: &str,
) -> Result<Option<MessageRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{MESSAGE_SELECT} WHERE m.account_id = $1 AND m.id = $2"
    ))
    .bind(account_id)
    .bind(message_id)
    .fetch_optional(pool)
    .await
}

/// Replaces the content of bot `app_id`'s own message in `account_id`;
/// false when there is no such message.
pub async fn edit_bot_message(
    pool: &AnyPool,
    account_id: &str,
    app_id: &str,
    message_id: &str,
    (content, text): (&str, &str),
    now: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE chat_messages SET content = $4, text = $6, edited_at = $5 \
         WHERE id = $3 AND account_id = $1 AND app_id = $2",
    )
    .bind(account_id)
    .bind(app_id)
    .bind(message_id)
    .bind(content)
    .bind(now)
    .bind(text)
    .execute(pool)
    .await?
    .rows_affected()
        == 1)
}

/// Deletes bot `app_id`'s own message in `account_id`; returns its
/// conversation, `None` when there is no such message.
pub async fn delete_bot_message(
    pool: &AnyPool,
    account_id: &str,
    app_id: &str,
    message_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "DELETE FROM chat_messages WHERE id = $3 AND account_id = $1 AND app_id = $2 \
         RETURNING channel_id",
    )
    .bind(account_id)
    .bind(app_id)
    .bind(message_id)
    .fetch_optional(pool)
    .await
}

/// Records how the delivery of a command went on its message; returns the
/// message's account, conversation and id when it changed.
pub async fn set_bot_state(
    pool: &AnyPool,
    event_id: &str,
    bot_state: &str,
) -> Result<Option<(String, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE chat_messages SET bot_state = $2 WHERE event_id = $1 AND bot_state <> $2 \
         RETURNING account_id, channel_id, id",
    )
    .bind(event_id)
    .bind(bot_state)
    .fetch_optional(pool)
    .await
}

/// The bot conversation of `app_id` with `user_id` in `account_id`,
/// made when it does not exist yet.
pub async fn bot_conversation(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    account_id: &str,
    app_id: &str,
    user_id: &str,
    now: i64,
) -> Result<String, sqlx::Error> {
    let key = format!("{app_id} {user_id}");
    if let Some(id) = channel_by_key(&mut **tx, account_id, "bot", &key).await? {
        return Ok(id);
    }
    match create_channel(
        tx,
        NewChannel {
            account_id,
            kind: "bot",
            name: "",
            name_key: &key,
            bot_app_id: Some(app_id),
            members: &[user_id],
        },
        now,
    )
    .await?
    {
        Some(id) => Ok(id),
        None => channel_by_key(&mut **tx, account_id, "bot", &key)
            .await?
            .ok_or(sqlx::Error::RowNotFound),
    }
}

/// The poster has read everything up to their own message.
pub async fn mark_read_own(
    db: impl sqlx::Executor<'_, Database = sqlx::Any>,
    channel_id: &str,
    user_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE chat_members SET read_seq = (SELECT last_seq FROM chat_channels WHERE id = $1) \
         WHERE channel_id = $1 AND user_id = $2",
    )
    .bind(channel_id)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(())
}

/// The messages after number `after`, oldest first, at most `limit`.
pub async fn messages_after(
    pool: &AnyPool,
    account_id: &str,
    channel_id: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<MessageRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{MESSAGE_SELECT} WHERE m.account_id = $1 AND m.channel_id = $2 AND m.seq > $3 \
         ORDER BY m.seq LIMIT $4"
    ))
    .bind(account_id)
    .bind(channel_id)
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await
}
