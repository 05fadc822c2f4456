//! Fixed-window rate limits kept in the database, so that every Portico
//! process sharing it counts against the same limit.

use sqlx::AnyPool;

/// Adds `hits` to `bucket` in the window starting at `window_start` (a
/// new window starts from zero); returns the hits so far in it, from every
/// process.
pub async fn add_hits(
    pool: &AnyPool,
    bucket: &str,
    window_start: i64,
    hits: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, $3) \
         ON CONFLICT (bucket) DO UPDATE SET \
             hits = CASE WHEN rate_limits.window_start = excluded.window_start \
                         THEN rate_limits.hits + excluded.hits ELSE excluded.hits END, \
             window_start = excluded.window_start \
         RETURNING hits",
    )
    .bind(bucket)
    .bind(window_start)
    .bind(hits)
    .fetch_one(pool)
    .await
}
