//! Accounts and their members.

use crate::domain::account::Role;
use sqlx::{AnyPool, FromRow};

/// A member as listed on the members page.
#[derive(Debug, Clone, FromRow)]
pub struct MemberRow {
    pub user_id: String,
    pub display_name: String,
    pub email: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub created_at: i64,
}

/// One of a user's accounts.
#[derive(Debug, Clone, FromRow)]
pub struct MembershipRow {
    pub account_id: String,
    pub account_name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
}

/// Every member of an account, owners first, then by name.
pub async fn members(pool: &AnyPool, account_id: &str) -> Result<Vec<MemberRow>, sqlx::Error> {
    sqlx::query_as::<_, MemberRow>(
        "SELECT u.id AS user_id, u.display_name, u.email, m.role, m.created_at \
         FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.account_id = $1 \
         ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, \
                  u.display_name, u.email",
    )
    .bind(account_id)
    .fetch_all(pool)
    .await
}

/// One member of an account, by user id or email.
pub async fn member(
    pool: &AnyPool,
    account_id: &str,
    id_or_email: &str,
) -> Result<Option<MemberRow>, sqlx::Error> {
    sqlx::query_as::<_, MemberRow>(
        "SELECT u.id AS user_id, u.display_name, u.email, m.role, m.created_at \
         FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.account_id = $1 AND (u.id = $2 OR u.email = $3)",
    )
    .bind(account_id)
    .bind(id_or_email)
    .bind(id_or_email.to_lowercase())
    .fetch_optional(pool)
    .await
}

/// The accounts a user belongs to.
pub async fn memberships_of(
    pool: &AnyPool,
    user_id: &str,
) -> Result<Vec<MembershipRow>, sqlx::Error> {
    sqlx::query_as::<_, MembershipRow>(
        "SELECT a.id AS account_id, a.name AS account_name, m.role \
         FROM memberships m JOIN accounts a ON a.id = m.account_id \
         WHERE m.user_id = $1 ORDER BY a.name",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await
}

/// A user's role in an account, if they belong to it.
pub async fn role_of(
    pool: &AnyPool,
    account_id: &str,
    user_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar::<_, String>(
        "SELECT role FROM memberships WHERE account_id = $1 AND user_id = $2",
    )
    .bind(account_id)
    .bind(user_id)
    .fetch_optional(pool)
    .await
}

// The last-owner guard is inside the statement, so two admins demoting the
// last two owners at once cannot both succeed.
// `account` is the placeholder that holds the account id.
fn unless_last_owner(account: &str) -> String {
    format!(
        "(role <> 'owner' OR (SELECT COUNT(*) FROM memberships o \
         WHERE o.account_id = {account} AND o.role = 'owner') > 1)"
    )
}

/// Changes a member's role; returns false when that would leave the account
/// without an owner (or the member is gone).
pub async fn set_role(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    account_id: &str,
    user_id: &str,
    role: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&format!(
        "UPDATE memberships SET role = $1 WHERE account_id = $2 AND user_id = $3 \
         AND ($1 = 'owner' OR {})",
        unless_last_owner("$2")
    ))
    .bind(role)
    .bind(account_id)
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes a member; returns false when they are the last owner (or gone).
/// A user whose current account this was moves to another of theirs.
/// Their OAuth grants in the account end with the membership (every
/// access and refresh token acting as them there), and codes they were
/// given but have not redeemed are spent, so none can start a new grant.
pub async fn remove_member(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    account_id: &str,
    user_id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&format!(
        "DELETE FROM memberships WHERE account_id = $1 AND user_id = $2 AND {}",
        unless_last_owner("$1")
    ))
    .bind(account_id)
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE users SET current_account_id = COALESCE( \
           (SELECT m.account_id FROM memberships m WHERE m.user_id = $1 ORDER BY m.created_at LIMIT 1), \
           current_account_id) \
         WHERE id = $1 AND current_account_id = $2",
    )
    .bind(user_id)
    .bind(account_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE oauth_grants SET revoked_at = $1 \
         WHERE account_id = $2 AND user_id = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(account_id)
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE oauth_codes SET used_at = $1 \
         WHERE user_id = $3 AND used_at IS NULL \
           AND install_id IN (SELECT i.id FROM installs i WHERE i.account_id = $2)",
    )
    .bind(now)
    .bind(account_id)
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(true)
}
