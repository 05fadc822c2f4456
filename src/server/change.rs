//! One change to the database, and what must follow its commit.
//!
//! Every write that raises events or touches rows this process caches goes
//! through a `Change`: `begin` takes SQLite's write turn and opens a
//! transaction; the caller writes through it (it derefs to the
//! transaction) and queues events with `raise` or `queue`; `commit`
//! commits, then forgets this process's caches if the transaction changed
//! a cached column, then wakes the webhook worker if an event was queued.
//!
//! Nobody decides by hand whether a change needs forgetting: the database
//! says so. Triggers on the cached tables (`db::install_cache_notices`,
//! generated from `cache::CACHED_COLUMNS`) mark the transaction when a
//! cached column changes or a cached row goes, and `commit` reads the mark
//! before committing. On PostgreSQL the same triggers tell the other
//! processes.

use std::ops::{Deref, DerefMut};

use serde_json::Value;
use sqlx::{Any, Transaction};

use super::db;
use super::repo::{self, outbox::NewEvent};
use super::state::AppState;
use super::webhooks::events;

/// A transaction in progress, with what its commit must set off.
pub struct Change<'s> {
    state: &'s AppState,
    tx: Transaction<'static, Any>,
    /// SQLite: this process's write turn, held until the commit.
    _turn: Option<tokio::sync::MutexGuard<'s, ()>>,
    /// How many webhook events the transaction queued.
    queued: usize,
}

impl<'s> Change<'s> {
    /// Waits for the write turn (SQLite) and opens a transaction.
    pub async fn begin(state: &'s AppState) -> Result<Self, sqlx::Error> {
        let turn = state.db.write_turn().await;
        let tx = state.db.pool.begin().await?;
        Ok(Self {
            state,
            tx,
            _turn: turn,
            queued: 0,
        })
    }

    /// Raises `event_type` about `object` (concerning `user_id` in
    /// `account_id`) for every interested endpoint (`events::raise`).
    pub async fn raise(
        &mut self,
        event_type: &str,
        account_id: &str,
        user_id: &str,
        object: &Value,
        now_ms: i64,
    ) -> Result<(), sqlx::Error> {
        self.queued += events::raise(
            &mut self.tx,
            event_type,
            account_id,
            user_id,
            object,
            now_ms,
        )
        .await?;
        Ok(())
    }

    /// Queues one event for one endpoint.
    pub async fn queue(&mut self, event: NewEvent<'_>) -> Result<(), sqlx::Error> {
        repo::outbox::insert(&mut self.tx, event).await?;
        self.queued += 1;
        Ok(())
    }

    /// Appends to the app's audit log, in this transaction: the entry
    /// commits with the change or not at all. `detail` names what
    /// changed, never a secret.
    pub async fn audit(
        &mut self,
        actor: &crate::server::auth::session::SessionUser,
        (app_id, account_id): (&str, &str),
        action: crate::domain::audit::AuditAction,
        detail: &str,
    ) -> Result<(), sqlx::Error> {
        let now = self.state.now_ms();
        repo::audit::record(
            &mut self.tx,
            repo::audit::Entry {
                app_id,
                account_id,
                actor_id: &actor.user_id,
                actor_name: &actor.display_name,
                action,
                detail: &crate::domain::text::sanitize(detail.as_bytes(), 2000),
                now,
            },
        )
        .await
    }

    /// Commits; then forgets the caches if a cached column changed, and
    /// wakes the webhook worker if events were queued. Dropping a `Change`
    /// instead rolls it back, marks and events with it.
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        let forget = db::cached_rows_changed(&mut self.tx, self.state.db.dialect).await?;
        self.tx.commit().await?;
        if forget {
            self.state.caches.forget();
        }
        if self.queued > 0 {
            self.state.webhook_wakeup.notify_one();
        }
        Ok(())
    }
}

impl Deref for Change<'_> {
    type Target = Transaction<'static, Any>;

    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl DerefMut for Change<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}
