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
    let pool = AnyPoolOptions::new()
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
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await?;

    sqlx::migrate!("./migrations").run(&pool).await?;
    if dialect == Dialect::Postgres {
        install_change_notices(&pool).await?;
    }
    Ok(Db {
        pool,
        dialect,
        write_gate: Default::default(),
    })
}

/// Tables whose changes end tokens, change clients or change members that
/// processes may hold in their caches (`server/cache.rs`).
const NOTICED_TABLES: [&str; 8] = [
    "oauth_grants",
    "oauth_tokens",
    "app_credentials",
    "apps",
    // The cached client's redirect settings and scopes, and its publisher.
    "app_oauth",
    "accounts",
    "memberships",
    "users",
];

/// PostgreSQL only: triggers that `NOTIFY portico_forget` when a statement
/// updated or deleted rows of `NOTICED_TABLES`, so that every process
/// sharing the database forgets what it cached. A notification is sent at
/// commit, and only when rows changed (the statement's transition table is
/// not empty). Not a migration, because SQLite has no such triggers and the
/// migrations are shared; written with `CREATE OR REPLACE`, under a lock,
/// so that processes starting together do not trip over each other.
async fn install_change_notices(pool: &AnyPool) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(7461726001)")
        .execute(&mut *tx)
        .await?;
    sqlx::query(&format!(
        "CREATE OR REPLACE FUNCTION portico_forget() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN \
           IF EXISTS (SELECT 1 FROM changed) THEN PERFORM pg_notify('{}', TG_TABLE_NAME); END IF; \
           RETURN NULL; \
         END $$",
        super::cache::CHANNEL
    ))
    .execute(&mut *tx)
    .await?;
    for table in NOTICED_TABLES {
        // One trigger per event: PostgreSQL allows transition tables only
        // on single-event triggers.
        for event in ["UPDATE", "DELETE"] {
            sqlx::query(&format!(
                "CREATE OR REPLACE TRIGGER {table}_{event}_forget AFTER {event} ON {table} \
                 REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION portico_forget()",
                event = event.to_lowercase()
            ))
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await
}
