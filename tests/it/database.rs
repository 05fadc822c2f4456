//! How the embedded SQLite database is opened.

use crate::support::{runtime, TestApp};

#[test]
fn sqlite_is_created_migrated_and_runs_in_wal_with_foreign_keys() {
    runtime().block_on(async {
        let app = TestApp::sqlite().await;
        let pool = &app.state.db.pool;
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(pool).await.unwrap();
        assert_eq!(mode.to_lowercase(), "wal");
        let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(pool).await.unwrap();
        assert_eq!(foreign_keys, 1);
        let busy_timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout").fetch_one(pool).await.unwrap();
        assert_eq!(busy_timeout, 5000);
        let migrations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = 1")
            .fetch_one(pool)
            .await
            .unwrap();
        assert!(migrations >= 1);
        // Foreign keys are enforced: a membership of nobody is refused.
        let orphan = sqlx::query(
            "INSERT INTO memberships (account_id, user_id, role, created_at) VALUES ('acct_x', 'usr_x', 'member', 0)",
        )
        .execute(pool)
        .await;
        assert!(orphan.is_err());
        app.cleanup().await;
    });
}
