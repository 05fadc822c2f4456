//! An app's collaborators, and the caller's relation to an app (what
//! `server::app_access` decides on). Being an app's creator or one of its
//! collaborators counts only within the membership it happened in: a
//! collaborator row, or the app's creation, must be no older than the
//! user's current membership of the app's account. Someone removed from
//! the account who is invited back starts as a plain member again.

use sqlx::{AnyPool, FromRow};

use crate::server::repo::apps::{AppRow, APP_COLUMNS};

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

/// True when user `$2` created app `a` during their current membership.
const IS_CREATOR: &str = "a.created_by = $2 AND EXISTS (SELECT 1 FROM memberships cm \
     WHERE cm.account_id = a.account_id AND cm.user_id = $2 AND cm.created_at <= a.created_at)";

/// True when user `$2` was added to app `a` during their current membership.
const IS_COLLABORATOR: &str = "EXISTS (SELECT 1 FROM app_collaborators c \
     JOIN memberships cm ON cm.account_id = a.account_id AND cm.user_id = c.user_id \
     WHERE c.app_id = a.id AND c.user_id = $2 AND cm.created_at <= c.added_at)";

fn relation_columns() -> String {
    format!(
        "{APP_COLUMNS}, \
         CASE WHEN {IS_CREATOR} THEN 1 ELSE 0 END AS is_creator, \
         CASE WHEN {IS_COLLABORATOR} THEN 1 ELSE 0 END AS is_collaborator"
    )
}

/// App `id` of account `account_id` with `user_id`'s relation to it; `None`
/// when the account has no such app.
pub async fn app_relation(
    pool: &AnyPool,
    account_id: &str,
    user_id: &str,
    id: &str,
) -> Result<Option<AppRelationRow>, sqlx::Error> {
    sqlx::query_as::<_, AppRelationRow>(&format!(
        "SELECT {} FROM apps a WHERE a.account_id = $1 AND a.id = $3",
        relation_columns()
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
        "SELECT {} FROM apps a WHERE a.account_id = $1 ORDER BY a.updated_at DESC, a.name",
        relation_columns()
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
         WHERE c.app_id = $2 AND m.created_at <= c.added_at \
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
                           WHERE c.app_id = $2 AND c.user_id = u.id \
                             AND m.created_at <= c.added_at) \
         ORDER BY u.display_name, u.email",
    )
    .bind(account_id)
    .bind(app_id)
    .fetch_all(pool)
    .await
}

/// True when `o`, the membership of user `$4` in app `a`'s account, makes
/// them a manager of the app: an owner or admin, or its creator during
/// this membership (the rule of `domain::app_access`, inside statements so
/// that a role change racing with a request cannot slip through).
const CALLER_MANAGES: &str = "(o.role IN ('owner', 'admin') \
     OR (a.created_by = $4 AND o.created_at <= a.created_at))";

/// Adds `user_id` as a collaborator of the account's app `app_id`, on
/// behalf of `added_by`. Decided in the statement, so that a role change
/// racing with it cannot slip through: `added_by` must still manage the
/// app (an owner or admin of the account, or its creator during their
/// current membership; the rule of `domain::app_access`), and `user_id`
/// must be a plain member who did not create it. A row left from an
/// earlier membership is renewed. Returns whether a row was written.
pub async fn add(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    account_id: &str,
    app_id: &str,
    user_id: &str,
    added_by: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&format!(
        "INSERT INTO app_collaborators (app_id, user_id, added_by, added_at) \
         SELECT a.id, m.user_id, $4, $5 \
         FROM apps a JOIN memberships m ON m.account_id = a.account_id \
         WHERE a.id = $2 AND a.account_id = $1 AND m.user_id = $3 \
           AND m.role = 'member' AND a.created_by <> $3 \
           AND EXISTS (SELECT 1 FROM memberships o \
                       WHERE o.account_id = a.account_id AND o.user_id = $4 AND {CALLER_MANAGES}) \
           AND NOT EXISTS (SELECT 1 FROM app_collaborators c \
                           WHERE c.app_id = a.id AND c.user_id = $3 AND c.added_at >= m.created_at) \
         ON CONFLICT (app_id, user_id) DO UPDATE SET added_by = excluded.added_by, added_at = excluded.added_at"
    ))
    .bind(account_id)
    .bind(app_id)
    .bind(user_id)
    .bind(added_by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes a collaborator of the account's app on behalf of `removed_by`,
/// who must still manage it (checked in the statement, as in `add`);
/// returns whether one was removed.
pub async fn remove(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    account_id: &str,
    app_id: &str,
    user_id: &str,
    removed_by: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&format!(
        "DELETE FROM app_collaborators WHERE app_id = $1 AND user_id = $2 \
           AND app_id IN (SELECT a.id FROM apps a JOIN memberships o \
                          ON o.account_id = a.account_id AND o.user_id = $4 \
                          WHERE a.account_id = $3 AND {CALLER_MANAGES})"
    ))
    .bind(app_id)
    .bind(user_id)
    .bind(account_id)
    .bind(removed_by)
    .execute(&mut **tx)
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
