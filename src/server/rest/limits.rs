//! The API rate limiter: fixed one-minute windows per app and account,
//! counted in the database so that every Portico process shares them.
//!
//! Writing every hit would make each API call a database write (on SQLite,
//! a turn at its single writer). Instead each process counts locally and
//! adds its count to the shared row once it reaches 1% of the limit, or a
//! second has passed, or the shared total it last saw says the limit may
//! be near. Together the processes can therefore overshoot by at most 1%
//! of the limit each; with small limits (under 100) every hit is written.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::server::db::Db;
use crate::server::repo;

/// How a window stands after one more hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// Hits in the window so far, every process included (as far as known).
    pub hits: i64,
    /// When the window started (ms).
    pub window_start: i64,
}

/// The window length.
pub const WINDOW_MS: i64 = 60_000;
/// How often a process reports its local count at the latest.
const SYNC_EVERY_MS: i64 = 1_000;

#[derive(Debug, Default)]
struct Local {
    window_start: i64,
    /// The shared total the last report answered with.
    shared: i64,
    /// Hits here since then.
    unsynced: i64,
    last_sync: i64,
}

/// Per-process counts in front of the shared table.
#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, Local>>,
}

impl RateLimiter {
    /// Counts a hit on `bucket` at `now` under `limit` per window.
    pub async fn hit(
        &self,
        db: &Db,
        bucket: &str,
        limit: i64,
        now: i64,
    ) -> Result<Standing, sqlx::Error> {
        let window_start = now - now.rem_euclid(WINDOW_MS);
        let chunk = (limit / 100).max(1);
        let (report, estimate) = {
            let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
            // Forget other windows now and then, so the map stays small.
            if buckets.len() > 10_000 {
                buckets.retain(|_, local| local.window_start == window_start);
            }
            let local = buckets.entry(bucket.to_owned()).or_default();
            if local.window_start != window_start {
                *local = Local {
                    window_start,
                    ..Local::default()
                };
            }
            local.unsynced += 1;
            let estimate = local.shared + local.unsynced;
            let due = local.unsynced >= chunk
                || now - local.last_sync >= SYNC_EVERY_MS
                || estimate + chunk > limit;
            if due {
                let report = local.unsynced;
                local.unsynced = 0;
                local.last_sync = now;
                (Some(report), estimate)
            } else {
                (None, estimate)
            }
        };
        let Some(report) = report else {
            return Ok(Standing {
                hits: estimate,
                window_start,
            });
        };
        let shared = {
            let _turn = db.write_turn().await;
            repo::rate_limits::add_hits(&db.pool, bucket, window_start, report).await?
        };
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(local) = buckets
            .get_mut(bucket)
            .filter(|l| l.window_start == window_start)
        {
            local.shared = local.shared.max(shared);
            return Ok(Standing {
                hits: shared + local.unsynced,
                window_start,
            });
        }
        Ok(Standing {
            hits: shared,
            window_start,
        })
    }
}
