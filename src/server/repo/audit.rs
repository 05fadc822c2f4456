//! The audit log (`audit_log`): appended to in the transaction of the
//! change it records (so a change and its entry commit or roll back
//! together), and read per app. The database refuses updates and deletes
//! (`db::install_audit_guard`).

use sqlx::{AnyPool, FromRow};

use crate::domain::audit::AuditAction;
use crate::server::ids::new_id;

/// An entry to append.
pub struct Entry<'a> {
    pub app_id: &'a str,
    pub account_id: &'a str,
    pub actor_id: &'a str,
    pub actor_name: &'a str,
    pub action: AuditAction,
    /// What changed, in words; never a secret's value.
    pub detail: &'a str,
    pub now: i64,
}

/// Appends an entry.
pub async fn record(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    entry: Entry<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (id, app_id, account_id, actor_id, actor_name, action, detail, at, seq) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, COALESCE(MAX(seq), 0) + 1 FROM audit_log WHERE app_id = $2",
    )
    .bind(new_id("aud"))
    .bind(entry.app_id)
    .bind(entry.account_id)
    .bind(entry.actor_id)
    .bind(entry.actor_name)
    .bind(entry.action.as_str())
    .bind(entry.detail)
    .bind(entry.now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A stored entry.
#[derive(Debug, Clone, FromRow)]
pub struct EntryRow {
    pub id: String,
    pub actor_name: String,
    #[sqlx(try_from = "String")]
    pub action: AuditAction,
    pub detail: String,
    pub at: i64,
}

/// The app's entries, newest first, at most `limit`; `actions` empty for
/// every kind. `account_id` is the app's account: a manager's query
/// names their own, a reviewer's the app's (read from the app first).
pub async fn for_app(
    pool: &AnyPool,
    account_id: &str,
    app_id: &str,
    actions: &[AuditAction],
    limit: i64,
) -> Result<Vec<EntryRow>, sqlx::Error> {
    // The filter as one bound list: ' a b c ' LIKE '% x %'.
    let wanted = format!(
        " {} ",
        actions
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    );
    sqlx::query_as::<_, EntryRow>(
        "SELECT id, actor_name, action, detail, at FROM audit_log \
         WHERE app_id = $1 AND account_id = $2 \
           AND ($3 = '  ' OR $3 LIKE '% ' || action || ' %') \
         ORDER BY seq DESC, id DESC LIMIT $4",
    )
    .bind(app_id)
    .bind(account_id)
    .bind(wanted)
    .bind(limit)
    .fetch_all(pool)
    .await
}
