//! The database pool: SQLite (the embedded default) or PostgreSQL.
//!
//! Both run through sqlx's `Any` driver so the repositories hold one copy of
//! every query. The dialect rules that keeps possible: `$1` placeholders
//! (SQLite accepts them too), ids as TEXT, times as BIGINT milliseconds,
//! flags as BIGINT 0/1, and `ON CONFLICT … DO NOTHING` / `RETURNING`, which
//! both understand. Where the dialects part, each for speed on a hot path:
//! the webhook worker's claim (`repo::outbox::claim_batch`), the grouped
//! grant insert (`repo::tokens::insert_grants`) and, on PostgreSQL only,
//! the change-notice triggers below.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Connection, Executor};

mod search;
use search::install_search;
pub use search::SEARCH_TABLES;

/// Which database engine the pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server shared by any number of Portico processes.
    Postgres,
}

/// The pool plus its dialect.
#[derive(Debug, Clone)]
pub struct Db {
    /// The connection pool.
    pub pool: AnyPool,
    /// The engine behind it.
    pub dialect: Dialect,
    /// SQLite takes one writer at a time; the others wait in its busy
    /// handler, which sleeps in growing steps (tens of milliseconds under
    /// load). Hot write paths queue here instead, so they wait only as
    /// long as the write ahead of them.
    write_gate: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl Db {
    /// Waits for this process's turn to write (SQLite only; PostgreSQL
    /// takes concurrent writers, so there the answer is immediate).
    pub async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.dialect {
            Dialect::Sqlite => Some(self.write_gate.lock().await),
            Dialect::Postgres => None,
        }
    }
}

/// SQLite: a writer checkpoints by itself only past this many WAL pages
/// (SQLite's default is 1,000); below it the background job does.
const WAL_CHECKPOINT_PAGES: u32 = 10_000;

/// SQLite only (the background job runs it only there): copies what the
/// WAL holds into the database file, as far as readers allow, waiting for
/// no one (PASSIVE), so that writers seldom reach `WAL_CHECKPOINT_PAGES`
/// and copy it themselves. (Holding the write turn for a last pass, so
/// that the WAL starts over after every checkpoint, was tried: grants were
/// slower than with this.)
pub async fn checkpoint(db: &Db) -> Result<(), sqlx::Error> {
    sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Opens (and for SQLite, creates) the database, then applies migrations.
pub async fn connect(url: &str, max_connections: u32) -> Result<Db, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let (dialect, url) = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        (Dialect::Postgres, url.to_owned())
    } else if let Some(path) = url
        .strip_prefix("sqlite://")
        .or(url.strip_prefix("sqlite:"))
    {
        let file = path.split('?').next().unwrap_or(path);
        if let Some(parent) = Path::new(file).parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(sqlx::Error::Io)?;
            }
        }
        let url = if path.contains("mode=") {
            format!("sqlite://{path}")
        } else if path.contains('?') {
            format!("sqlite://{path}&mode=rwc")
        } else {
            format!("sqlite://{path}?mode=rwc")
        };
        (Dialect::Sqlite, url)
    } else {
        return Err(sqlx::Error::Configuration(
            "DATABASE_URL must start with sqlite:// or postgres://".into(),
        ));
    };

    let options = AnyConnectOptions::from_str(&url)?;
    // Migrations run on a connection of their own first: SQLite's cache
    // marks (`sqlite_cache_marks`) watch tables that only exist after them,
    // and each connection of the pool makes its own when it opens.
    let migrating = open_pool(options.clone(), 1, dialect, false).await?;
    sqlx::migrate!("./migrations").run(&migrating).await?;
    if dialect == Dialect::Postgres {
        install_cache_notices(&migrating).await?;
    }
    install_search(&migrating, dialect).await?;
    install_audit_guard(&migrating, dialect).await?;
    migrating.close().await;
    let pool = open_pool(options, max_connections, dialect, true).await?;
    let db = Db {
        pool,
        dialect,
        write_gate: Default::default(),
    };
    crate::server::repo::marketplace::backfill_live_versions(&db).await?;
    Ok(db)
}

/// A pool on `options`; with `with_marks`, SQLite connections carry the
/// cache marks (the database must be migrated by then).
async fn open_pool(
    options: AnyConnectOptions,
    max_connections: u32,
    dialect: Dialect,
    with_marks: bool,
) -> Result<AnyPool, sqlx::Error> {
    AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        // sqlx pings every connection it hands out by default: on SQLite a
        // round trip to the connection's thread, on PostgreSQL one over the
        // network, before every query. Only a connection that sat idle for
        // a while (and may have been dropped by the server or a firewall)
        // is checked here.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > Duration::from_secs(30) {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if dialect == Dialect::Sqlite {
                    // WAL lets readers run beside the writer; the busy timeout
                    // makes a second writer wait instead of failing at once.
                    // Checkpoints (copying the WAL into the database file,
                    // with an fsync) are the background job's work
                    // (`jobs::spawn`), not a writer's: a commit that also
                    // checkpoints holds up every write queued behind it.
                    // A writer still checkpoints when the WAL passes
                    // `WAL_CHECKPOINT_PAGES` (no background job, as in
                    // tests, or one that falls behind); the file is cut
                    // back to 64 MiB after a checkpoint.
                    conn.execute(
                        format!(
                            "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
                             PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
                             PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}; \
                             PRAGMA journal_size_limit = 67108864;"
                        )
                        .as_str(),
                    )
                    .await?;
                    if with_marks {
                        conn.execute(sqlite_cache_marks().as_str()).await?;
                    }
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await
}

/// The notification channel the PostgreSQL triggers below write to, and
/// every process listens on (`cache.rs`).
pub const CHANGE_CHANNEL: &str = "portico_forget";

/// The columns of the rows that processes hold in their caches
/// (`server/cache.rs`): access tokens with their grant, OAuth clients with
/// their app, redirect settings, scopes and publisher, and members with
/// their user. Triggers generated from this list mark a transaction that
/// changes one of these columns or deletes such a row (`Change::commit`
/// forgets this process's caches then), and on PostgreSQL tell the other
/// processes. A column left out changes without anyone forgetting: keep
/// this list in step with the cached rows' queries.
pub const CACHED_COLUMNS: [(&str, &[&str]); 8] = [
    (
        "oauth_grants",
        &[
            "id",
            "app_id",
            "install_id",
            "client_id",
            "account_id",
            "user_id",
            "scopes",
            "revoked_at",
        ],
    ),
    // `used_at` is set only on refresh tokens, which are never kept: a
    // refresh must not make every process forget.
    (
        "oauth_tokens",
        &["token_hash", "grant_id", "kind", "created_at", "expires_at"],
    ),
    (
        "app_credentials",
        &[
            "app_id",
            "environment",
            "client_id",
            "secret_hash",
            "old_secret_hash",
            "old_secret_expires_at",
        ],
    ),
    // Not `updated_at` or the listing: saving a description forgets nothing.
    (
        "apps",
        &[
            "id",
            "account_id",
            "marketplace",
            "name",
            "kind",
            "status",
            "live_version",
            "live_scopes",
            "live_redirect_url",
            "live_allow_list",
            "live_strict_mode",
        ],
    ),
    (
        "app_oauth",
        &[
            "app_id",
            "development_redirect_url",
            "production_redirect_url",
            "allow_list",
            "strict_mode",
            "scopes",
        ],
    ),
    ("accounts", &["id", "name"]),
    (
        "memberships",
        &["account_id", "user_id", "role", "created_at"],
    ),
    // Not `current_account_id` or the password: switching accounts forgets nothing.
    ("users", &["id", "email", "display_name"]),
];

/// The audit log is append-only, and the database says so: an update or
/// a delete of `audit_log` fails, whoever sends it.
async fn install_audit_guard(pool: &AnyPool, dialect: Dialect) -> Result<(), sqlx::Error> {
    let statements: &[&str] = match dialect {
        Dialect::Sqlite => &[
            "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log \
             BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
            "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log \
             BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        ],
        Dialect::Postgres => &[
            "SELECT pg_advisory_xact_lock(7461726003)",
            "CREATE OR REPLACE FUNCTION portico_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
            "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log \
             FOR EACH ROW EXECUTE FUNCTION portico_append_only()",
        ],
    };
    let mut tx = pool.begin().await?;
    for statement in statements {
        sqlx::query(statement).execute(&mut *tx).await?;
    }
    tx.commit().await
}

/// The `WHEN` condition of an update trigger on `columns`: one of them
/// changed.
fn changed_condition(dialect: Dialect, columns: &[&str]) -> String {
    let differs = match dialect {
        Dialect::Sqlite => "IS NOT",
        Dialect::Postgres => "IS DISTINCT FROM",
    };
    columns
        .iter()
        .map(|c| format!("OLD.{c} {differs} NEW.{c}"))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// SQLite, on every connection: a temporary table that the connection's
/// temporary triggers write a row to when its transaction changes a cached
/// column (temporary triggers may watch the main database's tables and are
/// the connection's own, so no other connection sees the mark; the table
/// is transactional, so a rollback takes the mark with it).
fn sqlite_cache_marks() -> String {
    let mut sql =
        String::from("CREATE TEMP TABLE IF NOT EXISTS cache_marks (changed INTEGER NOT NULL);");
    for (table, columns) in CACHED_COLUMNS {
        let when = changed_condition(Dialect::Sqlite, columns);
        sql.push_str(&format!(
            "CREATE TEMP TRIGGER IF NOT EXISTS {table}_update_mark AFTER UPDATE ON main.{table} \
             FOR EACH ROW WHEN {when} BEGIN INSERT INTO cache_marks VALUES (1); END; \
             CREATE TEMP TRIGGER IF NOT EXISTS {table}_delete_mark AFTER DELETE ON main.{table} \
             FOR EACH ROW BEGIN INSERT INTO cache_marks VALUES (1); END;"
        ));
    }
    sql
}

/// Whether the transaction changed a cached column so far (see
/// `CACHED_COLUMNS`); clears the mark.
pub async fn cached_rows_changed(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    dialect: Dialect,
) -> Result<bool, sqlx::Error> {
    match dialect {
        Dialect::Sqlite => Ok(sqlx::query("DELETE FROM temp.cache_marks")
            .execute(&mut **tx)
            .await?
            .rows_affected()
            > 0),
        Dialect::Postgres => {
            let (mark,): (Option<String>,) =
                sqlx::query_as("SELECT current_setting('portico.cache_marked', true)")
                    .fetch_one(&mut **tx)
                    .await?;
            Ok(mark.as_deref() == Some("1"))
        }
    }
}

/// PostgreSQL only: row triggers on `CACHED_COLUMNS` that mark the
/// transaction (a transaction-local setting, read by
/// `cached_rows_changed`) and `NOTIFY` every process sharing the database
/// (delivered at commit; PostgreSQL sends one of equal notifications per
/// transaction). Not a migration, because the SQLite side is per
/// connection and the list lives in code; written under a lock, so that
/// processes starting together do not trip over each other.
async fn install_cache_notices(pool: &AnyPool) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(7461726001)")
        .execute(&mut *tx)
        .await?;
    sqlx::query(&format!(
        "CREATE OR REPLACE FUNCTION portico_forget() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN \
           PERFORM set_config('portico.cache_marked', '1', true); \
           PERFORM pg_notify('{CHANGE_CHANNEL}', TG_TABLE_NAME); \
           RETURN NULL; \
         END $$"
    ))
    .execute(&mut *tx)
    .await?;
    for (table, columns) in CACHED_COLUMNS {
        let when = changed_condition(Dialect::Postgres, columns);
        // Earlier versions had statement triggers of these names.
        for statement in [
            format!("DROP TRIGGER IF EXISTS {table}_update_forget ON {table}"),
            format!("DROP TRIGGER IF EXISTS {table}_delete_forget ON {table}"),
            format!(
                "CREATE TRIGGER {table}_update_forget AFTER UPDATE ON {table} \
                 FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION portico_forget()"
            ),
            format!(
                "CREATE TRIGGER {table}_delete_forget AFTER DELETE ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION portico_forget()"
            ),
        ] {
            sqlx::query(&statement).execute(&mut *tx).await?;
        }
    }
    tx.commit().await
}
