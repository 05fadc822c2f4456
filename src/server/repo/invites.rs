//! Invites: a link an owner or admin hands to someone so they join the account.

use sqlx::{AnyPool, FromRow};

use crate::domain::account::Role;
use crate::server::ids::new_id;

/// A usable invite, with what the invitee is shown.
#[derive(Debug, Clone, FromRow)]
pub struct InviteRow {
    pub id: String,
    pub account_id: String,
    pub account_name: String,
    pub inviter_name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub expires_at: i64,
}

/// An invite not yet used, as listed for admins.
#[derive(Debug, Clone, FromRow)]
pub struct PendingInviteRow {
    pub id: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub inviter_name: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// Stores an invite whose token hashes to `token_hash`; returns its id.
pub async fn create(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    token_hash: &str,
    account_id: &str,
    role: &str,
    created_by: &str,
    now: i64,
    expires_at: i64,
) -> Result<String, sqlx::Error> {
    let id = new_id("inv");
    sqlx::query(
        "INSERT INTO invites (id, token_hash, account_id, role, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(token_hash)
    .bind(account_id)
    .bind(role)
    .bind(created_by)
    .bind(now)
    .bind(expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// The invite with this token hash, if it is unused, unrevoked and unexpired.
pub async fn find_usable(
    pool: &AnyPool,
    token_hash: &str,
    now: i64,
) -> Result<Option<InviteRow>, sqlx::Error> {
    sqlx::query_as::<_, InviteRow>(
        "SELECT i.id, i.account_id, a.name AS account_name, u.display_name AS inviter_name, \
                i.role, i.expires_at \
         FROM invites i JOIN accounts a ON a.id = i.account_id JOIN users u ON u.id = i.created_by \
         WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL \
           AND i.expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(pool)
    .await
}

/// Uses the invite for `user_id`: they join the account with the invite's
/// role (keeping a higher role they already have) and it becomes their
/// current account. Returns false if the invite was used meanwhile.
/// The join is written in the caller's transaction (with its
/// `user.created` event).
pub async fn accept(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    invite: &InviteRow,
    user_id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let claimed = sqlx::query(
        "UPDATE invites SET accepted_by = $1, accepted_at = $2 \
         WHERE id = $3 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2",
    )
    .bind(user_id)
    .bind(now)
    .bind(&invite.id)
    .execute(&mut **tx)
    .await?;
    if claimed.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO memberships (account_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id, user_id) DO NOTHING",
    )
    .bind(&invite.account_id)
    .bind(user_id)
    .bind(invite.role.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE users SET current_account_id = $1 WHERE id = $2")
        .bind(&invite.account_id)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(true)
}

/// Unused, unexpired invites of an account, newest first.
pub async fn pending(
    pool: &AnyPool,
    account_id: &str,
    now: i64,
) -> Result<Vec<PendingInviteRow>, sqlx::Error> {
    sqlx::query_as::<_, PendingInviteRow>(
        "SELECT i.id, i.role, u.display_name AS inviter_name, i.created_at, i.expires_at \
         FROM invites i JOIN users u ON u.id = i.created_by \
         WHERE i.account_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL \
           AND i.expires_at > $2 ORDER BY i.created_at DESC",
    )
    .bind(account_id)
    .bind(now)
    .fetch_all(pool)
    .await
}

/// Revokes an unused invite of this account; returns whether one was.
pub async fn revoke(
    pool: &AnyPool,
    account_id: &str,
    invite_id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE invites SET revoked_at = $1 WHERE id = $2 AND account_id = $3 \
         AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(invite_id)
    .bind(account_id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
