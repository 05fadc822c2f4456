//! Apps.

use sqlx::{AnyPool, FromRow};

use crate::server::ids::new_id;

/// A row of `apps`.
#[derive(Debug, Clone, FromRow)]
pub struct AppRow {
    pub id: String,
    pub account_id: String,
    pub marketplace: i64,
    pub kind: String,
    pub name: String,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const APP_COLUMNS: &str = "id, account_id, marketplace, kind, name, status, created_at, updated_at";

/// What a new app needs.
pub struct NewApp<'a> {
    pub account_id: &'a str,
    pub created_by: &'a str,
    pub marketplace: bool,
    pub kind: &'a str,
    pub name: &'a str,
    pub name_key: &'a str,
    pub now: i64,
}

/// Creates an app; a taken name fails with a unique violation (the index
/// on `name_key` decides races: exactly one of two creators wins).
pub async fn create(pool: &AnyPool, app: NewApp<'_>) -> Result<String, sqlx::Error> {
    let id = new_id("app");
    sqlx::query(
        "INSERT INTO apps (id, account_id, created_by, marketplace, kind, name, name_key, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(&id)
    .bind(app.account_id)
    .bind(app.created_by)
    .bind(i64::from(app.marketplace))
    .bind(app.kind)
    .bind(app.name)
    .bind(app.name_key)
    .bind(app.now)
    .execute(pool)
    .await?;
    Ok(id)
}

/// The account's apps, most recently changed first.
pub async fn list_for_account(
    pool: &AnyPool,
    account_id: &str,
) -> Result<Vec<AppRow>, sqlx::Error> {
    sqlx::query_as::<_, AppRow>(&format!(
        "SELECT {APP_COLUMNS} FROM apps WHERE account_id = $1 ORDER BY updated_at DESC, name"
    ))
    .bind(account_id)
    .fetch_all(pool)
    .await
}

/// One app, only if it belongs to the account (others' apps do not exist
/// as far as the caller can tell).
pub async fn find_in_account(
    pool: &AnyPool,
    account_id: &str,
    id: &str,
) -> Result<Option<AppRow>, sqlx::Error> {
    sqlx::query_as::<_, AppRow>(&format!(
        "SELECT {APP_COLUMNS} FROM apps WHERE id = $1 AND account_id = $2"
    ))
    .bind(id)
    .bind(account_id)
    .fetch_optional(pool)
    .await
}

/// Deletes an app of the account unless it is published; returns whether
/// one was deleted.
pub async fn delete_unpublished(
    pool: &AnyPool,
    account_id: &str,
    id: &str,
) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("DELETE FROM apps WHERE id = $1 AND account_id = $2 AND status <> 'published'")
            .bind(id)
            .bind(account_id)
            .execute(pool)
            .await?;
    Ok(done.rows_affected() == 1)
}
