//! Background housekeeping inside each Portico process.

use std::time::Duration;

use super::db::{self, Dialect};
use super::repo;
use super::state::AppState;

/// Starts the periodic jobs: expired-session clean-up (hourly), the
/// 72-hour re-validation of webhook endpoints (checked every 10 minutes)
/// and, on SQLite, WAL checkpoints (every 100 ms; see `db::connect`).
pub fn spawn(state: AppState) {
    if state.db.dialect == Dialect::Sqlite {
        let db = state.db.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(err) = db::checkpoint(&db).await {
                    tracing::warn!(error = %err, "WAL checkpoint failed");
                }
            }
        });
    }
    let revalidation = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            match super::webhooks::challenge::revalidate_due(&revalidation).await {
                Ok((0, 0)) => {}
                Ok((passed, disabled)) => {
                    tracing::info!(passed, disabled, "webhook endpoints re-validated")
                }
                Err(err) => tracing::warn!(error = %err, "webhook re-validation failed"),
            }
        }
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match repo::sessions::delete_expired(&state.db.pool, state.now_ms()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "expired sessions removed"),
                Err(err) => tracing::warn!(error = %err, "expired-session clean-up failed"),
            }
        }
    });
}
