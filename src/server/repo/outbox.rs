//! The webhook outbox (`webhook_events`) and its attempts.
//!
//! Claiming is one `UPDATE` that takes only unleased due rows (locked with
//! SKIP LOCKED on PostgreSQL; SQLite has one writer), so of two workers
//! (in one process or several sharing PostgreSQL) exactly one takes an
//! event, and the attempt number it takes is handed out once.

use crate::domain::app::Environment;
use crate::domain::events::DeliveryStatus;
use sqlx::{Any, AnyPool, FromRow, Transaction};

use crate::server::db::{Db, Dialect};

/// An event to write.
pub struct NewEvent<'a> {
    pub id: &'a str,
    pub app_id: &'a str,
    pub subscription_id: Option<&'a str>,
    pub event_type: &'a str,
    pub url: &'a str,
    pub body: &'a str,
    pub now: i64,
    /// Sent by "Send test event": marked so in the delivery log.
    pub is_test: bool,
}

/// Writes an event inside the caller's transaction (the change it reports
/// commits with it, or neither does).
pub async fn insert(tx: &mut Transaction<'_, Any>, event: NewEvent<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO webhook_events (id, app_id, subscription_id, event_type, url, body, status, next_attempt_at, created_at, is_test) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7, $8)",
    )
    .bind(event.id)
    .bind(event.app_id)
    .bind(event.subscription_id)
    .bind(event.event_type)
    .bind(event.url)
    .bind(event.body)
    .bind(event.now)
    .bind(i64::from(event.is_test))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Who should hear about an event in an account: each subscribed endpoint
/// of each app installed there (for the whole account, or for `user_id`),
/// with the install's environment and scopes; and each subscribed
/// endpoint of the account's own webhook-only apps, which are never
/// installed: they hear their account's events (`webhook_only` = 1, no
/// scopes, the development environment).
#[derive(Debug, Clone, FromRow)]
pub struct Listener {
    pub app_id: String,
    pub subscription_id: String,
    #[sqlx(try_from = "String")]
    pub environment: Environment,
    pub development_url: String,
    pub production_url: String,
    pub events: String,
    pub scopes: String,
    /// NULL for an account-wide install (and a webhook-only app).
    pub user_id: Option<String>,
    /// 1 for a webhook-only app of the account itself.
    pub webhook_only: i64,
}

pub async fn listeners(
    tx: &mut Transaction<'_, Any>,
    account_id: &str,
    user_id: &str,
) -> Result<Vec<Listener>, sqlx::Error> {
    sqlx::query_as::<_, Listener>(
        "SELECT i.app_id, s.id AS subscription_id, i.environment, s.development_url, s.production_url, \
                s.events, i.scopes, i.user_id, CAST(0 AS BIGINT) AS webhook_only \
         FROM installs i JOIN event_subscriptions s ON s.app_id = i.app_id \
         WHERE i.account_id = $1 AND (i.user_id IS NULL OR i.user_id = $2) AND s.disabled_at IS NULL \
         UNION ALL \
         SELECT a.id, s.id, 'development', s.development_url, s.production_url, \
                s.events, '', NULL, CAST(1 AS BIGINT) \
         FROM apps a JOIN event_subscriptions s ON s.app_id = a.id \
         WHERE a.account_id = $1 AND a.kind = 'webhook_only' AND s.disabled_at IS NULL",
    )
    .bind(account_id)
    .bind(user_id)
    .fetch_all(&mut **tx)
    .await
}

/// A claimed event, ready to send.
#[derive(Debug, Clone, FromRow)]
pub struct Claimed {
    pub id: String,
    pub app_id: String,
    pub event_type: String,
    pub subscription_id: Option<String>,
    pub url: String,
    pub body: String,
    /// This attempt's number (1 for the first).
    pub attempts: i64,
}

/// Takes up to `limit` due events for `owner` until `lease_until`, oldest
/// first.
pub async fn claim_batch(
    db: &Db,
    owner: &str,
    now: i64,
    lease_until: i64,
    limit: i64,
) -> Result<Vec<Claimed>, sqlx::Error> {
    // A query with a dialect of its own (db.rs lists them). PostgreSQL: the queue idiom
    // — lock the oldest due rows, skipping those another process is
    // locking, so concurrent workers take different events instead of
    // waiting on each other — with the ids gathered first (ARRAY(...) runs
    // once) so the update is a primary-key lookup whatever the planner's
    // statistics say. (Written as `id IN (subquery)`, a plan made while the
    // table was young joined every due row against the batch: 90 ms a
    // claim with 13,000 events due.) SQLite has one writer at a time, so
    // the plain form is already exclusive there.
    let sql = match db.dialect {
        Dialect::Postgres => {
            "UPDATE webhook_events SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
             WHERE id = ANY(ARRAY(SELECT id FROM webhook_events \
                                  WHERE status = 'pending' AND next_attempt_at <= $3 \
                                    AND (lease_until IS NULL OR lease_until < $3) \
                                  ORDER BY next_attempt_at, id LIMIT $4 \
                                  FOR UPDATE SKIP LOCKED)) \
             RETURNING id, app_id, event_type, subscription_id, url, body, attempts"
        }
        Dialect::Sqlite => {
            "UPDATE webhook_events SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM webhook_events \
                          WHERE status = 'pending' AND next_attempt_at <= $3 \
                            AND (lease_until IS NULL OR lease_until < $3) \
                          ORDER BY next_attempt_at, id LIMIT $4) \
             RETURNING id, app_id, event_type, subscription_id, url, body, attempts"
        }
    };
    // Not a prepared statement: planned each time with the real `now` and
    // limit, PostgreSQL walks the index for the oldest few; a generic plan
    // (made after five runs, from a young table's statistics) sorted every
    // due row on each claim instead.
    sqlx::query_as::<_, Claimed>(sql)
        .persistent(false)
        .bind(owner)
        .bind(lease_until)
        .bind(now)
        .bind(limit)
        .fetch_all(&db.pool)
        .await
}

/// Takes the next due event for `owner` until `lease_until`, if any.
pub async fn claim(
    db: &Db,
    owner: &str,
    now: i64,
    lease_until: i64,
) -> Result<Option<Claimed>, sqlx::Error> {
    Ok(claim_batch(db, owner, now, lease_until, 1)
        .await?
        .into_iter()
        .next())
}

/// An attempt's outcome.
pub struct AttemptRecord<'a> {
    pub event_id: &'a str,
    pub attempt: i64,
    pub started_at: i64,
    pub status_code: Option<i64>,
    pub latency_ms: i64,
    pub error: Option<&'a str>,
    pub response_excerpt: &'a str,
    /// The request's headers as sent, one `name: value` per line.
    pub request_headers: &'a str,
    /// The answer's headers, one `name: value` per line.
    pub response_headers: &'a str,
}

/// What becomes of the event after an attempt.
#[derive(Debug, Clone, Copy)]
pub enum Next {
    Delivered,
    RetryAt(i64),
    Failed,
}

/// Records attempts and moves their events on, in one transaction (the
/// worker writes what a batch of deliveries came to at once), each only
/// while `owner` still holds that event's lease: a worker whose lease ran
/// out must not overwrite the worker that took over. Returns, per
/// attempt, whether the event moved. The attempt row is written either
/// way: the request was made.
pub async fn finish_attempts(
    pool: &AnyPool,
    owner: &str,
    finished: &[(AttemptRecord<'_>, Next)],
) -> Result<Vec<bool>, sqlx::Error> {
    if finished.is_empty() {
        return Ok(Vec::new());
    }
    // Two statements for the whole batch, whatever its size: on
    // PostgreSQL every statement is a round trip. VALUES columns are
    // column1, column2, … on both databases.
    let rows = |width: usize, first: usize, shape: &dyn Fn(usize) -> String| {
        super::values_rows(finished.len(), width, first, shape)
    };
    let moves = rows(5, 2, &|p| {
        format!(
            "(${p}, ${}, CAST(${} AS BIGINT), CAST(${} AS BIGINT), CAST(${} AS BIGINT))",
            p + 1,
            p + 2,
            p + 3,
            p + 4
        )
    });
    // The ids again as a plain list: that makes the update a primary-key
    // lookup on both databases, whatever PostgreSQL's statistics say of
    // the join with VALUES (a young table's plan may scan it whole).
    let ids = rows(5, 2, &|p| format!("${p}"));
    let update = format!(
        "UPDATE webhook_events SET status = v.column2, next_attempt_at = v.column3, \
                lease_owner = NULL, lease_until = NULL, last_status = v.column4 \
         FROM (VALUES {moves}) AS v \
         WHERE webhook_events.id IN ({ids}) AND webhook_events.id = v.column1 \
           AND webhook_events.lease_owner = $1 \
           AND webhook_events.attempts = v.column5 \
         RETURNING webhook_events.id"
    );
    let mut update = sqlx::query_scalar::<_, String>(&update).bind(owner);
    for (record, next) in finished {
        let (status, next_at) = match next {
            Next::Delivered => (DeliveryStatus::Delivered, record.started_at),
            Next::RetryAt(at) => (DeliveryStatus::Pending, *at),
            Next::Failed => (DeliveryStatus::Failed, record.started_at),
        };
        update = update
            .bind(record.event_id)
            .bind(status.as_str())
            .bind(next_at)
            .bind(record.status_code)
            .bind(record.attempt);
    }
    let attempts = rows(9, 1, &|p| {
        format!(
            "(${p}, CAST(${} AS BIGINT), CAST(${} AS BIGINT), CAST(${} AS BIGINT), CAST(${} AS BIGINT), ${}, ${}, ${}, ${})",
            p + 1,
            p + 2,
            p + 3,
            p + 4,
            p + 5,
            p + 6,
            p + 7,
            p + 8
        )
    });
    let insert = format!(
        "INSERT INTO webhook_attempts (event_id, attempt, started_at, status_code, latency_ms, error, response_excerpt, \
                                       request_headers, response_headers) \
         VALUES {attempts}"
    );
    let mut insert = sqlx::query(&insert);
    for (record, _) in finished {
        insert = insert
            .bind(record.event_id)
            .bind(record.attempt)
            .bind(record.started_at)
            .bind(record.status_code)
            .bind(record.latency_ms)
            .bind(record.error)
            .bind(record.response_excerpt)
            .bind(record.request_headers)
            .bind(record.response_headers);
    }
    let mut tx = pool.begin().await?;
    let moved = update.fetch_all(&mut *tx).await?;
    insert.execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(finished
        .iter()
        .map(|(record, _)| moved.iter().any(|id| id == record.event_id))
        .collect())
}

/// Turns a subscription off (its endpoint answered 410 Gone).
pub async fn disable_subscription(pool: &AnyPool, id: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE event_subscriptions SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Queues an event again ("Redeliver"): same id, next attempt now.
pub async fn redeliver(
    pool: &AnyPool,
    app_id: &str,
    id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE webhook_events SET status = 'pending', next_attempt_at = $1 \
         WHERE id = $2 AND app_id = $3 AND (lease_until IS NULL OR lease_until < $1)",
    )
    .bind(now)
    .bind(id)
    .bind(app_id)
    .execute(pool)
    .await?
    .rows_affected()
        == 1)
}

/// An event in the delivery log.
#[derive(Debug, Clone, FromRow)]
pub struct EventRow {
    pub id: String,
    pub event_type: String,
    pub url: String,
    #[sqlx(try_from = "String")]
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub next_attempt_at: i64,
    pub created_at: i64,
    /// The body exactly as sent.
    pub body: String,
    /// 1 for "Send test event".
    pub is_test: i64,
}

/// The app's most recent events, optionally of one status.
pub async fn log(
    pool: &AnyPool,
    app_id: &str,
    status: Option<DeliveryStatus>,
    limit: i64,
) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query_as::<_, EventRow>(
        "SELECT id, event_type, url, status, attempts, last_status, next_attempt_at, created_at, body, is_test \
         FROM webhook_events WHERE app_id = $1 AND ($2 = '' OR status = $2) \
         ORDER BY created_at DESC, id DESC LIMIT $3",
    )
    .bind(app_id)
    .bind(status.map_or("", DeliveryStatus::as_str))
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// An attempt in the delivery log.
#[derive(Debug, Clone, FromRow)]
pub struct AttemptRow {
    pub event_id: String,
    pub attempt: i64,
    pub started_at: i64,
    pub status_code: Option<i64>,
    pub latency_ms: i64,
    pub error: Option<String>,
    pub response_excerpt: String,
    pub request_headers: String,
    pub response_headers: String,
}

/// The attempts of the app's recent events.
pub async fn attempts(
    pool: &AnyPool,
    app_id: &str,
    limit: i64,
) -> Result<Vec<AttemptRow>, sqlx::Error> {
    sqlx::query_as::<_, AttemptRow>(
        "SELECT a.event_id, a.attempt, a.started_at, a.status_code, a.latency_ms, a.error, a.response_excerpt, \
                a.request_headers, a.response_headers \
         FROM webhook_attempts a JOIN webhook_events e ON e.id = a.event_id \
         WHERE e.app_id = $1 ORDER BY a.started_at DESC LIMIT $2",
    )
    .bind(app_id)
    .bind(limit)
    .fetch_all(pool)
    .await
}
