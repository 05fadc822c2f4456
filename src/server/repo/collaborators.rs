//! An app's collaborators, and the caller's relation to an app (what
//! `server::app_access` decides on). A collaborator row counts only while
//! its user is a member of the app's account: every read joins
//! `memberships`.

use sqlx::{AnyPool, FromRow};

use crate::server::repo::apps::AppRow;

/// An app of the account with what decides the caller's relation to it.
#[derive(Debug, Clone, FromRow)]
pub struct AppRelationRow {
    #[sqlx(flatten)]
    pub app: AppRow,
    /// 1 when the caller created the app.
    pub is_creator: i64,
    /// 1 when the caller is one of its collaborators.
    pub is_collaborator: i64,
}

const RELATION_COLUMNS: &str = "a.id, a.account_id, a.marketplace, a.kind, a.name, a.status, \
     a.created_at, a.updated_at, \
     CASE WHEN a.created_by = $2 THEN 1 ELSE 0 END AS is_creator, \
     CASE WHEN EXISTS (SELECT 1 FROM app_collaborators c \
                       WHERE c.app_id = a.id AND c.user_id = $2) THEN 1 ELSE 0 END AS is_collaborator";

/// App `id` of account `account_id` with `user_id`'s relation to it; `None`
/// when the account has no such app.
pub async fn app_relation(
    pool: &AnyPool,
    account_id: &str,
    user_id: &str,
    id: &str,
) -> Result<Option<AppRelationRow>, sqlx::Error> {
    sqlx::query_as::<_, AppRelationRow>(&format!(
        "SELECT {RELATION_COLUMNS} FROM apps a WHERE a.account_id = $1 AND a.id = $3"
    ))
    .bind(account_id)
    .bind(user_id)
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// Every app of the account with `user_id`'s relation to each, most
/// recently changed first.
pub async fn apps_with_relation(
    pool: &AnyPool,
    account_id: &str,
    user_id: &str,
) -> Result<Vec<AppRelationRow>, sqlx::Error> {
    sqlx::query_as::<_, AppRelationRow>(&format!(
        "SELECT {RELATION_COLUMNS} FROM apps a WHERE a.account_id = $1 \
         ORDER BY a.updated_at DESC, a.name"
    ))
    .bind(account_id)
    .bind(user_id)
    .fetch_all(pool)
    .await
}

/// A member of the account as the Collaborators section lists them.
#[derive(Debug, Clone, FromRow)]
pub struct PersonRow {
    pub user_id: String,
    pub display_name: String,
    pub email: String,
}

/// The app's collaborators who are still members of its account, by name.
pub async fn list(
    pool: &AnyPool,
    account_id: &str,
    app_id: &str,
) -> Result<Vec<PersonRow>, sqlx::Error> {
    sqlx::query_as::<_, PersonRow>(
        "SELECT u.id AS user_id, u.display_name, u.email \
         FROM app_collaborators c \
         JOIN memberships m ON m.user_id = c.user_id AND m.account_id = $1 \
         JOIN users u ON u.id = c.user_id \
         WHERE c.app_id = $2 \
         ORDER BY u.display_name, u.email",
    )
    .bind(account_id)
    .bind(app_id)
    .fetch_all(pool)
    .await
}

/// Members of the account who could be added: plain members who neither
/// created the app nor collaborate on it yet (owners and admins manage
/// every app already).
pub async fn candidates(
    pool: &AnyPool,
    account_id: &str,
    app_id: &str,
) -> Result<Vec<PersonRow>, sqlx::Error> {
    sqlx::query_as::<_, PersonRow>(
        "SELECT u.id AS user_id, u.display_name, u.email \
         FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.account_id = $1 AND m.role = 'member' \
           AND u.id <> (SELECT created_by FROM apps WHERE id = $2) \
           AND NOT EXISTS (SELECT 1 FROM app_collaborators c \
                           WHERE c.app_id = $2 AND c.user_id = u.id) \
         ORDER BY u.display_name, u.email",
    )
    .bind(account_id)
    .bind(app_id)
    .fetch_all(pool)
    .await
}

/// Adds `user_id` as a collaborator of the account's app `app_id`, only if
/// they are a plain member of that account and not its creator (decided in
/// the statement, so a role change racing with it cannot slip through);
/// returns whether a row was added.
pub async fn add(
    pool: &AnyPool,
    account_id: &str,
    app_id: &str,
    user_id: &str,
    added_by: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO app_collaborators (app_id, user_id, added_by, added_at) \
         SELECT a.id, m.user_id, $4, $5 \
         FROM apps a JOIN memberships m ON m.account_id = a.account_id \
         WHERE a.id = $2 AND a.account_id = $1 AND m.user_id = $3 \
           AND m.role = 'member' AND a.created_by <> $3 \
         ON CONFLICT (app_id, user_id) DO NOTHING",
    )
    .bind(account_id)
    .bind(app_id)
    .bind(user_id)
    .bind(added_by)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes a collaborator of the account's app; returns whether one was.
pub async fn remove(
    pool: &AnyPool,
    account_id: &str,
    app_id: &str,
    user_id: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM app_collaborators WHERE app_id = $1 AND user_id = $2 \
           AND app_id IN (SELECT id FROM apps WHERE account_id = $3)",
    )
    .bind(app_id)
    .bind(user_id)
    .bind(account_id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The display name of the app's creator.
pub async fn creator_name(pool: &AnyPool, app_id: &str) -> Result<String, sqlx::Error> {
    sqlx::query_scalar::<_, String>(
        "SELECT u.display_name FROM apps a JOIN users u ON u.id = a.created_by WHERE a.id = $1",
    )
    .bind(app_id)
    .fetch_optional(pool)
    .await
    .map(Option::unwrap_or_default)
}
