//! Sessions, kept in the database so every Portico process sees them.
//! A session ends at `expires_at` (its absolute lifetime) or, unused, at
//! `idle_until`, whichever comes first.

use sqlx::{AnyPool, FromRow};

/// The signed-in user behind a session, in their current account.
#[derive(Debug, Clone, FromRow)]
pub struct SessionUserRow {
    pub user_id: String,
    pub email: String,
    pub display_name: String,
    pub is_reviewer: i64,
    pub account_id: String,
    pub account_name: String,
    pub role: String,
    pub created_at: i64,
    /// The session's idle deadline, for the caller to push forward.
    pub idle_until: i64,
    /// The session's absolute end.
    pub expires_at: i64,
}

/// Stores a new session.
pub async fn create(
    pool: &AnyPool,
    id_hash: &str,
    user_id: &str,
    now: i64,
    expires_at: i64,
    idle_until: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, created_at, expires_at, idle_until) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id_hash)
    .bind(user_id)
    .bind(now)
    .bind(expires_at)
    .bind(idle_until)
    .execute(pool)
    .await?;
    Ok(())
}

/// The user of a live session (neither expired nor idle past its
/// deadline), with their role in their current account.
pub async fn find_user(
    pool: &AnyPool,
    id_hash: &str,
    now: i64,
) -> Result<Option<SessionUserRow>, sqlx::Error> {
    sqlx::query_as::<_, SessionUserRow>(
        "SELECT u.id AS user_id, u.email, u.display_name, u.is_reviewer, \
                a.id AS account_id, a.name AS account_name, m.role, u.created_at, s.idle_until, s.expires_at \
         FROM sessions s \
         JOIN users u ON u.id = s.user_id \
         JOIN memberships m ON m.user_id = u.id AND m.account_id = u.current_account_id \
         JOIN accounts a ON a.id = m.account_id \
         WHERE s.id_hash = $1 AND s.expires_at > $2 AND s.idle_until > $2",
    )
    .bind(id_hash)
    .bind(now)
    .fetch_optional(pool)
    .await
}

/// Ends one session.
pub async fn delete(pool: &AnyPool, id_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(pool)
        .await?;
    Ok(())
}

/// Pushes a session's idle deadline forward to `idle_until` (never back;
/// the caller keeps it within the session's absolute end).
pub async fn touch(pool: &AnyPool, id_hash: &str, idle_until: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET idle_until = $1 WHERE id_hash = $2 AND idle_until < $1")
        .bind(idle_until)
        .bind(id_hash)
        .execute(pool)
        .await?;
    Ok(())
}

/// Ends every session of the user except the one with `keep_hash`.
pub async fn delete_others(
    pool: &AnyPool,
    user_id: &str,
    keep_hash: &str,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
        .bind(user_id)
        .bind(keep_hash)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

/// Removes expired and idle sessions; returns how many.
pub async fn delete_expired(pool: &AnyPool, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR idle_until <= $1")
        .bind(now)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
