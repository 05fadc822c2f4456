//! Fixed-window rate limits kept in the database, so that every Portico
//! process sharing it counts against the same limit.

use sqlx::AnyPool;

/// Counts one hit for `bucket` in the window starting at `window_start`
/// (a new window resets the count); returns the hits so far in it.
pub async fn hit(pool: &AnyPool, bucket: &str, window_start: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (bucket) DO UPDATE SET \
             hits = CASE WHEN rate_limits.window_start = excluded.window_start \
                         THEN rate_limits.hits + 1 ELSE 1 END, \
             window_start = excluded.window_start \
         RETURNING hits",
    )
    .bind(bucket)
    .bind(window_start)
    .fetch_one(pool)
    .await
}
