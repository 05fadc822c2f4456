//! The Marketplace's full-text search tables and triggers, installed at
//! start-up after the migrations (`db::connect`).

use sqlx::AnyPool;

use super::Dialect;

/// The Marketplace's full-text search, which the dialects spell apart
/// (so it is not a migration). Both use words as written, without stemming
/// (`unicode61` and the `simple` configuration), so a search finds the
/// same apps on either; repo::marketplace::browse queries them.
///
/// Best match is tiered (`domain::marketplace`): every word in the name,
/// then in the name or short description, then anywhere; newest first
/// (`seq`) within a tier.
/// - SQLite: one contentless FTS5 table per tier (`SEARCH_TABLES`), whose
///   rowid is the listing's `seq`, kept equal to `marketplace_listings` by
///   triggers, with prefix indexes for the prefix lengths a search word
///   has. A tier is then read newest first and stops after a page, the
///   cost of a page rather than of every match.
/// - PostgreSQL: a generated `tsvector` (name weight A, short description
///   B, long description C) with a GIN index; a tier is a weight filter.
///
/// Idempotent, and on PostgreSQL serialised between processes starting
/// together.
pub(super) async fn install_search(pool: &AnyPool, dialect: Dialect) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    match dialect {
        Dialect::Sqlite => {
            // The first layout (migration 0019): one table ranked by bm25
            // over every match, keyed by app_id.
            for old in [
                "DROP TRIGGER IF EXISTS marketplace_search_insert",
                "DROP TRIGGER IF EXISTS marketplace_search_update",
                "DROP TRIGGER IF EXISTS marketplace_search_delete",
                "DROP TABLE IF EXISTS marketplace_search",
            ] {
                sqlx::query(old).execute(&mut *tx).await?;
            }
            for (table, columns) in SEARCH_TABLES {
                let exists: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
                )
                .bind(table)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(&format!(
                    "CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5({columns}, \
                       content = '', contentless_delete = 1, \
                       tokenize = 'unicode61 remove_diacritics 2', prefix = '{SEARCH_PREFIXES}')"
                ))
                .execute(&mut *tx)
                .await?;
                if exists == 0 {
                    sqlx::query(&format!(
                        "INSERT INTO {table} (rowid, {columns}) SELECT seq, {columns} \
                         FROM marketplace_listings"
                    ))
                    .execute(&mut *tx)
                    .await?;
                }
            }
            let insert = SEARCH_TABLES
                .iter()
                .map(|(table, columns)| {
                    let values = columns
                        .split(", ")
                        .map(|c| format!("NEW.{c}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    format!("INSERT INTO {table} (rowid, {columns}) VALUES (NEW.seq, {values});")
                })
                .collect::<String>();
            let delete = SEARCH_TABLES
                .iter()
                .map(|(table, _)| format!("DELETE FROM {table} WHERE rowid = OLD.seq;"))
                .collect::<String>();
            let triggers = [
                format!(
                    "CREATE TRIGGER IF NOT EXISTS marketplace_fts_insert AFTER INSERT ON marketplace_listings \
                     BEGIN {insert} END"
                ),
                format!(
                    "CREATE TRIGGER IF NOT EXISTS marketplace_fts_update \
                       AFTER UPDATE OF seq, name, short_description, long_description ON marketplace_listings \
                     BEGIN {delete} {insert} END"
                ),
                format!(
                    "CREATE TRIGGER IF NOT EXISTS marketplace_fts_delete AFTER DELETE ON marketplace_listings \
                     BEGIN {delete} END"
                ),
            ];
            for trigger in triggers {
                sqlx::query(&trigger).execute(&mut *tx).await?;
            }
        }
        Dialect::Postgres => {
            for statement in [
                "SELECT pg_advisory_xact_lock(7461726002)",
                "ALTER TABLE marketplace_listings ADD COLUMN IF NOT EXISTS search tsvector \
                   GENERATED ALWAYS AS (\
                     setweight(to_tsvector('simple', name), 'A') || \
                     setweight(to_tsvector('simple', short_description), 'B') || \
                     setweight(to_tsvector('simple', long_description), 'C')) STORED",
                "CREATE INDEX IF NOT EXISTS marketplace_search ON marketplace_listings USING GIN (search)",
                // Sorting by name in byte order, as SQLite does.
                "CREATE INDEX IF NOT EXISTS marketplace_by_name_bytes \
                   ON marketplace_listings (name_key COLLATE \"C\", app_id)",
            ] {
                sqlx::query(statement).execute(&mut *tx).await?;
            }
        }
    }
    tx.commit().await
}

/// SQLite's full-text tables, best tier first: (table, the listing's
/// columns it holds). `repo::marketplace` reads them in this order.
pub const SEARCH_TABLES: [(&str, &str); 3] = [
    ("marketplace_fts_name", "name"),
    ("marketplace_fts_brief", "name, short_description"),
    (
        "marketplace_fts_full",
        "name, short_description, long_description",
    ),
];

/// The prefix lengths SQLite indexes: a search word of 3 to 12 characters
/// (`domain::marketplace::MIN_PREFIX_CHARS` on) is read as a prefix from
/// its own index, newest first, without gathering every word it begins;
/// a longer word is rare enough to gather.
const SEARCH_PREFIXES: &str = "3 4 5 6 7 8 9 10 11 12";
