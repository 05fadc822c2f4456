//! Meetings.

use sqlx::{Any, AnyPool, FromRow, Transaction};

use crate::domain::meeting::ValidMeeting;

/// A row of `meetings`.
#[derive(Debug, Clone, FromRow)]
pub struct MeetingRow {
    pub id: i64,
    pub account_id: String,
    pub host_id: String,
    pub host_email: String,
    pub topic: String,
    pub start_time: String,
    pub duration: i64,
    pub agenda: String,
    pub created_at: i64,
}

const SELECT: &str = "SELECT m.id, m.account_id, m.host_id, u.email AS host_email, m.topic, \
            m.start_time, m.duration, m.agenda, m.created_at \
     FROM meetings m JOIN users u ON u.id = m.host_id";

/// Creates a meeting with a random 11-digit id, inside the caller's
/// transaction (its events are written in the same one); returns it.
pub async fn create(
    tx: &mut Transaction<'_, Any>,
    account_id: &str,
    host_id: &str,
    meeting: &ValidMeeting,
    now: i64,
) -> Result<MeetingRow, sqlx::Error> {
    use rand::Rng;
    // 9 × 10^10 ids: a collision (a unique violation, then a 500) is
    // vanishingly rare for one account's meetings.
    let id: i64 = rand::thread_rng().gen_range(10_000_000_000..100_000_000_000);
    sqlx::query(
        "INSERT INTO meetings (id, account_id, host_id, topic, start_time, duration, agenda, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(id)
    .bind(account_id)
    .bind(host_id)
    .bind(&meeting.topic)
    .bind(&meeting.start_time)
    .bind(meeting.duration)
    .bind(&meeting.agenda)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query_as::<_, MeetingRow>(&format!("{SELECT} WHERE m.id = $1"))
        .bind(id)
        .fetch_one(&mut **tx)
        .await
}

/// A host's meetings in every account they belong to, soonest first
/// (the Meetings page keeps the current account's).
pub async fn for_host(pool: &AnyPool, host_id: &str) -> Result<Vec<MeetingRow>, sqlx::Error> {
    sqlx::query_as::<_, MeetingRow>(&format!(
        "{SELECT} WHERE m.host_id = $1 ORDER BY m.start_time, m.id"
    ))
    .bind(host_id)
    .fetch_all(pool)
    .await
}

/// A host's meetings in one account, soonest first.
pub async fn for_host_in_account(
    pool: &AnyPool,
    account_id: &str,
    host_id: &str,
) -> Result<Vec<MeetingRow>, sqlx::Error> {
    sqlx::query_as::<_, MeetingRow>(&format!(
        "{SELECT} WHERE m.account_id = $1 AND m.host_id = $2 ORDER BY m.start_time, m.id"
    ))
    .bind(account_id)
    .bind(host_id)
    .fetch_all(pool)
    .await
}

/// One meeting, only within the account.
pub async fn find_in_account(
    pool: &AnyPool,
    account_id: &str,
    id: i64,
) -> Result<Option<MeetingRow>, sqlx::Error> {
    sqlx::query_as::<_, MeetingRow>(&format!("{SELECT} WHERE m.id = $1 AND m.account_id = $2"))
        .bind(id)
        .bind(account_id)
        .fetch_optional(pool)
        .await
}

/// Replaces a meeting's fields (in the caller's transaction), only
/// within its account.
pub async fn update(
    tx: &mut Transaction<'_, Any>,
    account_id: &str,
    id: i64,
    meeting: &ValidMeeting,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE meetings SET topic = $1, start_time = $2, duration = $3, agenda = $4, updated_at = $5 \
         WHERE id = $6 AND account_id = $7",
    )
    .bind(&meeting.topic)
    .bind(&meeting.start_time)
    .bind(meeting.duration)
    .bind(&meeting.agenda)
    .bind(now)
    .bind(id)
    .bind(account_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Deletes a meeting (in the caller's transaction), only within its
/// account.
pub async fn delete(
    tx: &mut Transaction<'_, Any>,
    account_id: &str,
    id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM meetings WHERE id = $1 AND account_id = $2")
        .bind(id)
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
