//! Users: sign-up, lookup, failed sign-in counting, reviewers.

use sqlx::{AnyPool, FromRow};

use crate::domain::account::Role;
use crate::server::ids::new_id;

/// A row of `users`.
#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub is_reviewer: i64,
    pub current_account_id: String,
    pub failed_signins: i64,
    pub locked_until: i64,
    pub created_at: i64,
}

const USER_COLUMNS: &str = "id, email, display_name, password_hash, is_reviewer, \
     current_account_id, failed_signins, locked_until, created_at";

/// What a new user needs.
pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub is_reviewer: bool,
    pub now: i64,
}

/// Creates the user together with their own account, whose owner they are.
/// Returns the new user's id. A taken email fails with a unique violation
/// and leaves nothing behind.
pub async fn create_with_account(pool: &AnyPool, user: NewUser<'_>) -> Result<String, sqlx::Error> {
    let user_id = new_id("usr");
    let account_id = new_id("acct");
    let account_name = format!("{}'s account", user.display_name);
    let mut tx = pool.begin().await?;
    // The user row points at the account, so the account comes first.
    sqlx::query("INSERT INTO accounts (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(&account_id)
        .bind(&account_name)
        .bind(user.now)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO users (id, email, display_name, password_hash, is_reviewer, \
         current_account_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&user_id)
    .bind(user.email)
    .bind(user.display_name)
    .bind(user.password_hash)
    .bind(i64::from(user.is_reviewer))
    .bind(&account_id)
    .bind(user.now)
    .execute(&mut *tx)
    .await?;
    add_owner(&mut tx, &account_id, &user_id, user.now).await?;
    tx.commit().await?;
    Ok(user_id)
}

/// Gives a user who has lost every membership a fresh account of their
/// own, so that every user always has an account.
pub async fn create_personal_account(
    pool: &AnyPool,
    user_id: &str,
    display_name: &str,
    now: i64,
) -> Result<String, sqlx::Error> {
    let account_id = new_id("acct");
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO accounts (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(&account_id)
        .bind(format!("{display_name}'s account"))
        .bind(now)
        .execute(&mut *tx)
        .await?;
    add_owner(&mut tx, &account_id, user_id, now).await?;
    sqlx::query("UPDATE users SET current_account_id = $1 WHERE id = $2")
        .bind(&account_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(account_id)
}

async fn add_owner(
    conn: &mut sqlx::AnyConnection,
    account_id: &str,
    user_id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO memberships (account_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(account_id)
    .bind(user_id)
    .bind(Role::Owner.as_str())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The user with this (lower-cased) email.
pub async fn find_by_email(pool: &AnyPool, email: &str) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as::<_, UserRow>(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE email = $1"
    ))
    .bind(email)
    .fetch_optional(pool)
    .await
}

/// The user with this id.
pub async fn find_by_id(pool: &AnyPool, id: &str) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as::<_, UserRow>(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// Counts one more failed sign-in and returns the new count. The increment
/// is done by the database, so concurrent failures on several processes
/// all count.
pub async fn record_failed_sign_in(pool: &AnyPool, id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar::<_, i64>(
        "UPDATE users SET failed_signins = failed_signins + 1 WHERE id = $1 RETURNING failed_signins",
    )
    .bind(id)
    .fetch_one(pool)
    .await
}

/// Refuses sign-in for this user until `until` (ms).
pub async fn lock_until(pool: &AnyPool, id: &str, until: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET locked_until = $1 WHERE id = $2 AND locked_until < $1")
        .bind(until)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Clears the failure count after a successful sign-in.
pub async fn reset_failed_sign_ins(pool: &AnyPool, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET failed_signins = 0, locked_until = 0 WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Makes an existing user a reviewer.
pub async fn set_reviewer(pool: &AnyPool, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET is_reviewer = 1 WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Changes a user's display name (in the caller's transaction, with its
/// `user.updated` events).
pub async fn set_display_name(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    name: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET display_name = $1 WHERE id = $2")
        .bind(name)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Makes `account_id` the account the user works in. Only succeeds when
/// the user is a member of it; returns whether it did.
pub async fn set_current_account(
    pool: &AnyPool,
    user_id: &str,
    account_id: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET current_account_id = $1 WHERE id = $2 AND EXISTS \
         (SELECT 1 FROM memberships m WHERE m.account_id = $1 AND m.user_id = $2)",
    )
    .bind(account_id)
    .bind(user_id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
