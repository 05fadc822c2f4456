//! Webhook settings and event subscriptions.

use sqlx::{AnyPool, FromRow};

/// An app's Secret Token(s) (sealed) and deauthorization URL.
#[derive(Debug, Clone, FromRow)]
pub struct WebhookRow {
    pub secret_token_enc: String,
    pub old_secret_token_enc: Option<String>,
    pub old_secret_expires_at: Option<i64>,
    pub deauthorization_url: String,
}

/// The app's webhook settings, if it has any yet (a read only).
pub async fn settings(pool: &AnyPool, app_id: &str) -> Result<Option<WebhookRow>, sqlx::Error> {
    sqlx::query_as::<_, WebhookRow>(
        "SELECT secret_token_enc, old_secret_token_enc, old_secret_expires_at, deauthorization_url \
         FROM app_webhooks WHERE app_id = $1",
    )
    .bind(app_id)
    .fetch_optional(pool)
    .await
}

/// Gives the app its first Secret Token (`sealed_new`) unless it has one;
/// returns its settings either way.
pub async fn settings_or_create(
    pool: &AnyPool,
    app_id: &str,
    sealed_new: &str,
) -> Result<WebhookRow, sqlx::Error> {
    sqlx::query("INSERT INTO app_webhooks (app_id, secret_token_enc) VALUES ($1, $2) ON CONFLICT (app_id) DO NOTHING")
        .bind(app_id)
        .bind(sealed_new)
        .execute(pool)
        .await?;
    settings(pool, app_id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
}

/// Replaces the Secret Token; the current one stays valid (deliveries
/// carry both signatures) until `old_expires_at`.
pub async fn rotate_secret(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    app_id: &str,
    sealed_new: &str,
    old_expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE app_webhooks SET old_secret_token_enc = secret_token_enc, old_secret_expires_at = $1, \
                secret_token_enc = $2 WHERE app_id = $3",
    )
    .bind(old_expires_at)
    .bind(sealed_new)
    .bind(app_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn save_deauthorization_url(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    app_id: &str,
    url: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE app_webhooks SET deauthorization_url = $1 WHERE app_id = $2")
        .bind(url)
        .bind(app_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A row of `event_subscriptions`.
#[derive(Debug, Clone, FromRow)]
pub struct SubscriptionRow {
    pub id: String,
    pub name: String,
    pub development_url: String,
    pub production_url: String,
    pub events: String,
    pub validated_at: i64,
    pub disabled_at: Option<i64>,
}

pub async fn subscriptions(
    pool: &AnyPool,
    app_id: &str,
) -> Result<Vec<SubscriptionRow>, sqlx::Error> {
    sqlx::query_as::<_, SubscriptionRow>(
        "SELECT id, name, development_url, production_url, events, validated_at, disabled_at \
         FROM event_subscriptions WHERE app_id = $1 ORDER BY created_at, id",
    )
    .bind(app_id)
    .fetch_all(pool)
    .await
}

/// Turns one of the app's subscriptions on (endpoints just validated) or
/// off; false when the app has no such subscription.
pub async fn set_subscription_active(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    app_id: &str,
    id: &str,
    on: bool,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let query = if on {
        "UPDATE event_subscriptions SET disabled_at = NULL, validated_at = $1 \
         WHERE id = $2 AND app_id = $3"
    } else {
        "UPDATE event_subscriptions SET disabled_at = COALESCE(disabled_at, $1) \
         WHERE id = $2 AND app_id = $3"
    };
    let done = sqlx::query(query)
        .bind(now)
        .bind(id)
        .bind(app_id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// What a subscription holds.
pub struct SubscriptionFields<'a> {
    pub name: &'a str,
    pub development_url: &'a str,
    pub production_url: &'a str,
    pub events: &'a str,
}

/// Adds a subscription (`id` new) or replaces one of the app's; false when
/// `existing` names no subscription of this app.
pub async fn save_subscription(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    app_id: &str,
    existing: Option<&str>,
    fields: SubscriptionFields<'_>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let changed = match existing {
        Some(id) => sqlx::query(
            "UPDATE event_subscriptions SET name = $1, development_url = $2, production_url = $3, events = $4, \
                    validated_at = $5, disabled_at = NULL WHERE id = $6 AND app_id = $7",
        )
        .bind(fields.name)
        .bind(fields.development_url)
        .bind(fields.production_url)
        .bind(fields.events)
        .bind(now)
        .bind(id)
        .bind(app_id)
        .execute(&mut **tx)
        .await?
        .rows_affected(),
        None => sqlx::query(
            "INSERT INTO event_subscriptions (id, app_id, name, development_url, production_url, events, validated_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(crate::server::ids::new_id("sub"))
        .bind(app_id)
        .bind(fields.name)
        .bind(fields.development_url)
        .bind(fields.production_url)
        .bind(fields.events)
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected(),
    };
    Ok(changed == 1)
}

pub async fn delete_subscription(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    app_id: &str,
    id: &str,
) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM event_subscriptions WHERE id = $1 AND app_id = $2")
            .bind(id)
            .bind(app_id)
            .execute(&mut **tx)
            .await?
            .rows_affected()
            == 1,
    )
}

/// A subscription whose endpoints are due for their periodic challenge.
#[derive(Debug, Clone, FromRow)]
pub struct DueSubscription {
    pub id: String,
    pub app_id: String,
    pub development_url: String,
    pub production_url: String,
}

/// Enabled subscriptions last validated before `before`.
pub async fn due_for_revalidation(
    pool: &AnyPool,
    before: i64,
    limit: i64,
) -> Result<Vec<DueSubscription>, sqlx::Error> {
    sqlx::query_as::<_, DueSubscription>(
        "SELECT id, app_id, development_url, production_url FROM event_subscriptions \
         WHERE disabled_at IS NULL AND validated_at < $1 ORDER BY validated_at LIMIT $2",
    )
    .bind(before)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Records the outcome of a periodic challenge: validated now, or disabled.
pub async fn record_revalidation(
    pool: &AnyPool,
    id: &str,
    passed: bool,
    now: i64,
) -> Result<(), sqlx::Error> {
    let sql = if passed {
        "UPDATE event_subscriptions SET validated_at = $1 WHERE id = $2"
    } else {
        "UPDATE event_subscriptions SET disabled_at = $1 WHERE id = $2"
    };
    sqlx::query(sql).bind(now).bind(id).execute(pool).await?;
    Ok(())
}
