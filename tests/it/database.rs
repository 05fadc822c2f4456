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

/// Writers leave checkpoints to the background job (`db::checkpoint`) up
/// to 10,000 WAL pages; the job's checkpoint puts what the WAL holds into
/// the database file itself. Read here by a second connection that looks
/// at the file only (`immutable`: the WAL is ignored).
#[test]
fn sqlite_checkpoints_are_the_background_jobs_work() {
    runtime().block_on(async {
        use sqlx::sqlite::SqliteConnectOptions;
        use sqlx::{ConnectOptions, Connection};

        let app = TestApp::sqlite().await;
        let db = &app.state.db;
        let pages: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(pages, 10_000);
        portico::server::db::checkpoint(db).await.unwrap();
        sqlx::query("CREATE TABLE wal_probe (x BIGINT)")
            .execute(&db.pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO wal_probe (x) VALUES (7)")
            .execute(&db.pool)
            .await
            .unwrap();

        let path = app
            .state
            .config
            .database_url
            .trim_start_matches("sqlite://")
            .to_owned();
        let in_file = || {
            let path = path.clone();
            async move {
                let mut file = SqliteConnectOptions::new()
                    .filename(&path)
                    .immutable(true)
                    .connect()
                    .await
                    .unwrap();
                let tables: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM sqlite_master WHERE name = 'wal_probe'",
                )
                .fetch_one(&mut file)
                .await
                .unwrap();
                file.close().await.unwrap();
                tables
            }
        };
        assert_eq!(in_file().await, 0, "the new table is only in the WAL");
        portico::server::db::checkpoint(db).await.unwrap();
        assert_eq!(in_file().await, 1, "the checkpoint copied it into the file");
        app.cleanup().await;
    });
}
