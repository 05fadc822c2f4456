//! Notifications (`notifications`): what Portico told each person, listed
//! on their Notifications page, and the email queue when SMTP is set up
//! (`mail_state` `pending` until sent, or `failed` after the last retry).

use sqlx::{AnyPool, FromRow};

use crate::domain::notify::Message;
use crate::server::ids::new_id;

/// One notification, as its page lists it.
#[derive(Debug, Clone, FromRow)]
pub struct NotificationRow {
    pub id: String,
    pub subject: String,
    pub body: String,
    pub link: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
    pub mail_state: String,
}

/// Where a notification goes.
pub enum Recipient<'a> {
    /// A Portico user (their email address is looked up in the same statement).
    User(&'a str),
    /// An address that may have no account yet (an invite).
    Address(&'a str),
}

/// Queues `message` in the caller's transaction, so it exists exactly when
/// the change it tells of does. `mail` says whether to email it (SMTP is
/// configured); `sealed_secret` is text only the email may carry (an invite
/// link), sealed with the server key and wiped once the mail is settled.
pub async fn queue(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    to: Recipient<'_>,
    message: &Message,
    mail: bool,
    sealed_secret: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let mail_state = if mail { "pending" } else { "off" };
    let (user_id, address) = match to {
        Recipient::User(user_id) => (Some(user_id), ""),
        Recipient::Address(address) => (None, address),
    };
    sqlx::query(
        "INSERT INTO notifications (id, user_id, email, subject, body, link, created_at, \
                mail_state, mail_next_at, sealed_secret) \
         VALUES ($1, $2, COALESCE((SELECT email FROM users WHERE id = $2), $9), \
                 $3, $4, $5, $6, $7, $6, $8)",
    )
    .bind(new_id("ntf"))
    .bind(user_id)
    .bind(&message.subject)
    .bind(&message.body)
    .bind(&message.link)
    .bind(now)
    .bind(mail_state)
    .bind(sealed_secret)
    .bind(address)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The user's notifications, newest first (at most `limit`).
pub async fn for_user(
    pool: &AnyPool,
    user_id: &str,
    limit: i64,
) -> Result<Vec<NotificationRow>, sqlx::Error> {
    sqlx::query_as::<_, NotificationRow>(
        "SELECT id, subject, body, link, created_at, read_at, mail_state FROM notifications \
         WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// How many of the user's notifications are unread.
pub async fn unread_count(pool: &AnyPool, user_id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id)
        .fetch_one(pool)
        .await
}

/// Marks every notification of the user read.
pub async fn mark_all_read(pool: &AnyPool, user_id: &str, now: i64) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
            .bind(now)
            .bind(user_id)
            .execute(pool)
            .await?
            .rows_affected(),
    )
}

/// An email to send.
#[derive(Debug, Clone, FromRow)]
pub struct DueMail {
    pub id: String,
    pub email: String,
    pub subject: String,
    pub body: String,
    pub sealed_secret: String,
    pub mail_attempts: i64,
}

/// Claims up to `limit` due emails for `lease_ms`: each claim is its own
/// conditional update, so two processes never send the same one (the one
/// whose update found it still due has it).
pub async fn claim_due(
    pool: &AnyPool,
    now: i64,
    lease_ms: i64,
    limit: i64,
) -> Result<Vec<DueMail>, sqlx::Error> {
    let candidates: Vec<DueMail> = sqlx::query_as(
        "SELECT id, email, subject, body, sealed_secret, mail_attempts FROM notifications \
         WHERE mail_state = 'pending' AND mail_next_at <= $1 ORDER BY mail_next_at LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let mut claimed = Vec::with_capacity(candidates.len());
    for mail in candidates {
        let taken = sqlx::query(
            "UPDATE notifications SET mail_next_at = $1, mail_attempts = mail_attempts + 1 \
             WHERE id = $2 AND mail_state = 'pending' AND mail_next_at <= $3",
        )
        .bind(now + lease_ms)
        .bind(&mail.id)
        .bind(now)
        .execute(pool)
        .await?;
        if taken.rows_affected() == 1 {
            claimed.push(mail);
        }
    }
    Ok(claimed)
}

/// Records how a claimed email went: sent, retried at `retry_at`, or
/// failed for good (`retry_at` None). A settled mail forgets its secret.
pub async fn settle(
    pool: &AnyPool,
    id: &str,
    outcome: Result<(), &str>,
    retry_at: Option<i64>,
) -> Result<(), sqlx::Error> {
    let (state, next, error) = match (outcome, retry_at) {
        (Ok(()), _) => ("sent", None, ""),
        (Err(error), Some(at)) => ("pending", Some(at), error),
        (Err(error), None) => ("failed", None, error),
    };
    let error: String = error
        .chars()
        .filter(|c| !c.is_control())
        .take(500)
        .collect();
    sqlx::query(
        "UPDATE notifications SET mail_state = $1, mail_next_at = $2, mail_error = $3, \
                sealed_secret = CASE WHEN $1 = 'pending' THEN sealed_secret ELSE '' END \
         WHERE id = $4",
    )
    .bind(state)
    .bind(next)
    .bind(error)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}
