//! Users: sign-up, lookup, sign-in attempt counting, passwords, reviewers.

use std::sync::OnceLock;

use sqlx::{AnyPool, FromRow};

use crate::domain::account::{sign_in_lock_seconds, Role};
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
    pub created_at: i64,
}

const USER_COLUMNS: &str = "id, email, display_name, password_hash, is_reviewer, \
     current_account_id, created_at";

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

/// An attempt admitted by `admit_sign_in`: its number among the
/// consecutive unsuccessful ones, and the lock it set (0: none).
#[derive(Debug, Clone, Copy, FromRow)]
pub struct AdmittedAttempt {
    pub failures: i64,
    pub locked_until: i64,
}

/// Counts a sign-in attempt for this user before its password is checked,
/// unless the user is locked at `now`: then `None`, and nothing changes.
///
/// One statement decides both, so attempts arriving together (from one
/// process or several) are numbered one by one, and the attempt that
/// reaches the backoff threshold sets the lock before its own hash runs:
/// no attempt after it is admitted until the lock ends. Every attempt
/// counts as a failure until it succeeds (`clear_sign_in_attempts`).
pub async fn admit_sign_in(
    pool: &AnyPool,
    user_id: &str,
    now: i64,
) -> Result<Option<AdmittedAttempt>, sqlx::Error> {
    static SQL: OnceLock<String> = OnceLock::new();
    let sql = SQL.get_or_init(|| {
        let lock_ms = lock_ms_sql("sign_in_attempts.failures + 1");
        format!(
            "INSERT INTO sign_in_attempts (user_id, failures, locked_until) VALUES ($1, 1, $3) \
             ON CONFLICT (user_id) DO UPDATE SET \
               failures = sign_in_attempts.failures + 1, \
               locked_until = CASE WHEN {lock_ms} > 0 THEN $2 + {lock_ms} \
                              ELSE sign_in_attempts.locked_until END \
             WHERE sign_in_attempts.locked_until <= $2 \
             RETURNING failures, locked_until"
        )
    });
    let first_lock_ms = sign_in_lock_seconds(1) * 1000;
    sqlx::query_as::<_, AdmittedAttempt>(sql)
        .bind(user_id)
        .bind(now)
        .bind(if first_lock_ms > 0 {
            now + first_lock_ms
        } else {
            0
        })
        .fetch_optional(pool)
        .await
}

/// `sign_in_lock_seconds`, in milliseconds, of the failure count `count`
/// (an SQL expression), as one portable CASE. Written out from the domain
/// function, so the schedule has one definition.
fn lock_ms_sql(count: &str) -> String {
    let cap = sign_in_lock_seconds(i64::from(u32::MAX));
    let last_below_cap = (1..=1_000)
        .rev()
        .find(|&n| sign_in_lock_seconds(n) != cap)
        .unwrap_or(0);
    let arms: String = (1..=last_below_cap)
        .map(|n| format!(" WHEN {n} THEN {}", sign_in_lock_seconds(n) * 1000))
        .collect();
    format!("(CASE {count}{arms} ELSE {} END)", cap * 1000)
}

/// Until when the user's sign-in is locked (ms; 0 when never).
pub async fn sign_in_locked_until(pool: &AnyPool, user_id: &str) -> Result<i64, sqlx::Error> {
    Ok(
        sqlx::query_scalar::<_, i64>(
            "SELECT locked_until FROM sign_in_attempts WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_optional(pool)
        .await?
        .unwrap_or(0),
    )
}

/// Forgets the user's unsuccessful attempts (and lock) after a success.
pub async fn clear_sign_in_attempts(pool: &AnyPool, user_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sign_in_attempts WHERE user_id = $1")
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Replaces the user's password hash.
pub async fn set_password_hash(
    pool: &AnyPool,
    user_id: &str,
    password_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(user_id)
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
