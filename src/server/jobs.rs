//! Background housekeeping inside each Portico process.

use std::time::Duration;

use super::repo;
use super::state::AppState;

/// Starts the periodic jobs (expired-session clean-up).
pub fn spawn(state: AppState) {
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
