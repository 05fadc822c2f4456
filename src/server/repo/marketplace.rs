//! The Marketplace (`marketplace_listings`): the live version of every
//! approved Marketplace app, written at approval from the submission's
//! frozen snapshot, and read by browse, search and the app page. Only
//! approved Marketplace apps have a row, so private apps and drafts never
//! appear. Search is full text per dialect (see `db::install_search`).

use sqlx::{AnyPool, FromRow};

use crate::domain::app::AppKind;
use crate::domain::marketplace::{fts5_query, tsquery, Browse, Sort, Tier, MAX_RANKED, PAGE_SIZE};
use crate::domain::review::Snapshot;
use crate::server::db::{Db, Dialect, SEARCH_TABLES};

/// A listing as the Marketplace shows it.
#[derive(Debug, Clone, FromRow)]
pub struct ListingRow {
    pub app_id: String,
    pub version: i64,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub kind: AppKind,
    pub short_description: String,
    pub long_description: String,
    pub categories: String,
    pub privacy_url: String,
    pub support_url: String,
    pub scopes: String,
    pub install_option: String,
    pub landing_url: String,
    pub release_notes: String,
    pub media: String,
    /// The icon's media id ('' for a version approved before icons).
    pub icon: String,
    pub published_at: i64,
    pub updated_at: i64,
    pub installs: i64,
    pub publisher: String,
}

/// A listing as a results card shows it: what browse and search read
/// (a page of them per request), without the long texts of the app page.
#[derive(Debug, Clone, FromRow)]
pub struct ListingCardRow {
    pub app_id: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub kind: AppKind,
    pub short_description: String,
    pub categories: String,
    pub media: String,
    pub icon: String,
    pub installs: i64,
    pub publisher: String,
}

const CARD_SELECT: &str = "SELECT l.app_id, l.name, l.kind, l.short_description, l.categories, \
            l.media, l.icon, l.installs, acc.name AS publisher";

const SELECT: &str = "SELECT l.app_id, l.version, l.name, l.kind, l.short_description, \
            l.long_description, l.categories, l.privacy_url, l.support_url, l.scopes, \
            l.install_option, l.landing_url, l.release_notes, l.media, l.icon, l.published_at, \
            l.updated_at, l.installs, acc.name AS publisher";

const FROM: &str = "FROM marketplace_listings l JOIN apps a ON a.id = l.app_id \
     JOIN accounts acc ON acc.id = a.account_id";

/// What an approval makes live.
pub struct Publish<'a> {
    pub app_id: &'a str,
    pub submission_id: &'a str,
    pub version: i64,
    pub snapshot: &'a Snapshot,
    pub now: i64,
    pub dialect: Dialect,
}

/// Makes an approved version the app's listing (the first approval
/// creates it; later ones replace it, keeping its first publication time
/// and install count).
pub async fn publish(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    p: Publish<'_>,
) -> Result<(), sqlx::Error> {
    let s = p.snapshot;
    // The draft's media are what was submitted: media cannot change while
    // an app is in review.
    let (media, icon) = crate::server::repo::media::live_media(tx, p.app_id).await?;
    let kind = s.kind.map_or("", AppKind::as_str);
    let install_option = if s.install_option.is_empty() {
        "marketplace"
    } else {
        s.install_option.as_str()
    };
    if p.dialect == Dialect::Postgres {
        // A first approval takes the next `seq`: one approval at a time
        // reads the highest (SQLite has one writer anyway).
        sqlx::query("SELECT pg_advisory_xact_lock(7461726004)")
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query(
        "INSERT INTO marketplace_listings (app_id, submission_id, version, name, name_key, kind, \
                short_description, long_description, categories, privacy_url, support_url, scopes, \
                install_option, landing_url, release_notes, media, icon, published_at, updated_at, installs, \
                seq) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $18, $17, $17, \
                (SELECT COUNT(*) FROM installs WHERE app_id = $1 AND environment = 'production'), \
                (SELECT COALESCE(MAX(seq), 0) + 1 FROM marketplace_listings)) \
         ON CONFLICT (app_id) DO UPDATE SET submission_id = excluded.submission_id, \
                version = excluded.version, name = excluded.name, name_key = excluded.name_key, \
                kind = excluded.kind, short_description = excluded.short_description, \
                long_description = excluded.long_description, categories = excluded.categories, \
                privacy_url = excluded.privacy_url, support_url = excluded.support_url, \
                scopes = excluded.scopes, install_option = excluded.install_option, \
                landing_url = excluded.landing_url, release_notes = excluded.release_notes, \
                media = excluded.media, icon = excluded.icon, updated_at = excluded.updated_at",
    )
    .bind(p.app_id)
    .bind(p.submission_id)
    .bind(p.version)
    .bind(&s.name)
    .bind(s.name.to_lowercase())
    .bind(kind)
    .bind(&s.short_description)
    .bind(&s.long_description)
    .bind(s.categories.join(" "))
    .bind(&s.privacy_url)
    .bind(&s.support_url)
    .bind(s.scopes.join(" "))
    .bind(install_option)
    .bind(&s.landing_url)
    .bind(&s.release_notes)
    .bind(media.join(" "))
    .bind(p.now)
    .bind(icon.unwrap_or_default())
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM marketplace_categories WHERE app_id = $1")
        .bind(p.app_id)
        .execute(&mut **tx)
        .await?;
    for category in &s.categories {
        sqlx::query(
            "INSERT INTO marketplace_categories (category, app_id) VALUES ($1, $2) \
             ON CONFLICT DO NOTHING",
        )
        .bind(category)
        .bind(p.app_id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Makes an approved version live: its listing (`publish`) and the
/// reviewed scopes and redirect URL production credentials use
/// (`apps::set_live`), in one transaction.
pub async fn make_live(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    live: Publish<'_>,
) -> Result<(), sqlx::Error> {
    let (app_id, version) = (live.app_id, live.version);
    let (scopes, redirect_url) = (
        live.snapshot.scopes.join(" "),
        live.snapshot.production_redirect_url.clone(),
    );
    publish(tx, live).await?;
    crate::server::repo::media::prune_detached(tx, app_id).await?;
    crate::server::repo::apps::set_live(tx, app_id, version, &scopes, &redirect_url).await
}

/// Counts the app's production installs again (after an install or an
/// uninstall); nothing happens for an app without a listing.
pub async fn recount_installs(
    db: impl sqlx::Executor<'_, Database = sqlx::Any>,
    app_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE marketplace_listings SET installs = \
           (SELECT COUNT(*) FROM installs WHERE app_id = $1 AND environment = 'production') \
         WHERE app_id = $1",
    )
    .bind(app_id)
    .execute(db)
    .await?;
    Ok(())
}

/// One page of listings for `query` (one more than `PAGE_SIZE` when a
/// next page exists).
pub async fn browse(db: &Db, query: &Browse) -> Result<Vec<ListingCardRow>, sqlx::Error> {
    let limit = i64::try_from(PAGE_SIZE + 1).unwrap_or(i64::MAX);
    let offset = i64::try_from(query.offset()).unwrap_or(0);
    let searching = !query.words.is_empty();
    // Every statement uses $1 the category ('' for any), $2 limit, $3
    // offset and $4 the search ('' for none); PostgreSQL's best match adds
    // $5 and $6, the search in the first two tiers. A category is a check
    // per row in the sort's order, which stops after a page.
    let category = |app_id: &str| {
        format!(
            "($1 = '' OR EXISTS (SELECT 1 FROM marketplace_categories mc \
               WHERE mc.category = $1 AND mc.app_id = {app_id}))"
        )
    };
    let order = match query.sort {
        Sort::Newest => "l.published_at DESC, l.app_id",
        Sort::MostInstalled => "l.installs DESC, l.app_id",
        // Byte order of the lowercased name on both engines (PostgreSQL's
        // default collation would order differently from SQLite's).
        Sort::Name => match db.dialect {
            Dialect::Sqlite => "l.name_key, l.app_id",
            Dialect::Postgres => "l.name_key COLLATE \"C\", l.app_id",
        },
        Sort::Relevance if !searching => "l.published_at DESC, l.app_id",
        Sort::Relevance => "m.tier, l.seq DESC",
    };
    // The matches each search reads, as (seq, tier): for best match, per
    // tier the newest `offset + limit` (enough for this page whatever the
    // other tiers hold), merged to each app's best tier; for another sort,
    // the newest MAX_RANKED, sorted afterwards.
    let matches = |tier: Tier, n: &str| match db.dialect {
        Dialect::Sqlite => {
            let table = SEARCH_TABLES[tier as usize].0;
            format!(
                "SELECT * FROM (SELECT rowid AS seq, {t} AS tier FROM {table} \
                   WHERE {table} MATCH $4 AND {c} ORDER BY rowid DESC LIMIT {n})",
                t = tier as usize,
                c = category(&format!(
                    "(SELECT cl.app_id FROM marketplace_listings cl WHERE cl.seq = {table}.rowid)"
                )),
            )
        }
        Dialect::Postgres => {
            let param = match tier {
                Tier::Name => "$5",
                Tier::NameAndShortDescription => "$6",
                Tier::Anywhere => "$4",
            };
            format!(
                "(SELECT x.seq, {t} AS tier FROM marketplace_listings x \
                   WHERE x.search @@ to_tsquery('simple', {param}) AND {c} \
                   ORDER BY x.seq DESC LIMIT {n})",
                t = tier as usize,
                c = category("x.app_id"),
            )
        }
    };
    let sql = if !searching {
        format!(
            "{CARD_SELECT} {FROM} WHERE {c} AND $4 = '' ORDER BY {order} LIMIT $2 OFFSET $3",
            c = category("l.app_id")
        )
    } else if query.sort == Sort::Relevance {
        let tiers = Tier::ALL
            .iter()
            .map(|&tier| matches(tier, "$2 + $3"))
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        format!(
            "{CARD_SELECT} FROM (SELECT seq, MIN(tier) AS tier FROM ({tiers}) t GROUP BY seq \
                            ORDER BY tier, seq DESC LIMIT $2 OFFSET $3) m \
             JOIN marketplace_listings l ON l.seq = m.seq \
             JOIN apps a ON a.id = l.app_id JOIN accounts acc ON acc.id = a.account_id \
             ORDER BY {order}"
        )
    } else {
        format!(
            "{CARD_SELECT} FROM ({m}) m JOIN marketplace_listings l ON l.seq = m.seq \
             JOIN apps a ON a.id = l.app_id JOIN accounts acc ON acc.id = a.account_id \
             ORDER BY {order} LIMIT $2 OFFSET $3",
            m = matches(Tier::Anywhere, &MAX_RANKED.to_string()),
        )
    };
    let search = match (searching, db.dialect) {
        (false, _) => String::new(),
        (true, Dialect::Sqlite) => fts5_query(&query.words),
        (true, Dialect::Postgres) => tsquery(&query.words, Tier::Anywhere),
    };
    let mut statement = sqlx::query_as::<_, ListingCardRow>(&sql)
        .bind(query.category.as_deref().unwrap_or(""))
        .bind(limit)
        .bind(offset)
        .bind(search);
    if searching && query.sort == Sort::Relevance && db.dialect == Dialect::Postgres {
        statement = statement
            .bind(tsquery(&query.words, Tier::Name))
            .bind(tsquery(&query.words, Tier::NameAndShortDescription));
    }
    statement.fetch_all(&db.pool).await
}

/// The live listing of an app, if it has one.
pub async fn find(pool: &AnyPool, app_id: &str) -> Result<Option<ListingRow>, sqlx::Error> {
    sqlx::query_as::<_, ListingRow>(&format!("{SELECT} {FROM} WHERE l.app_id = $1"))
        .bind(app_id)
        .fetch_optional(pool)
        .await
}

/// The snapshot of the app's live (last approved) version, if any.
pub async fn live_snapshot(pool: &AnyPool, app_id: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT s.snapshot FROM marketplace_listings l JOIN submissions s ON s.id = l.submission_id \
         WHERE l.app_id = $1",
    )
    .bind(app_id)
    .fetch_optional(pool)
    .await
}

/// Apps approved before versions existed (migration 0019) are published
/// without a live version: this gives each its last approved submission
/// as the live version, listing included, the way an approval would.
/// Idempotent; run at start-up after the migrations. Returns how many.
pub async fn backfill_live_versions(db: &Db) -> Result<usize, sqlx::Error> {
    let pending: Vec<(String, String, i64, String, i64)> = sqlx::query_as(
        "SELECT a.id, s.id, s.version, s.snapshot, COALESCE(s.decided_at, s.submitted_at) \
         FROM apps a JOIN submissions s ON s.app_id = a.id \
         WHERE a.marketplace = 1 AND a.live_version IS NULL AND s.status = 'approved' \
           AND s.version = (SELECT MAX(version) FROM submissions x \
                            WHERE x.app_id = a.id AND x.status = 'approved')",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut done = 0;
    for (app_id, submission_id, version, json, approved_at) in pending {
        // One bad row never stops the others: it stays as it was.
        let Ok(snapshot) = serde_json::from_str::<Snapshot>(&json) else {
            continue;
        };
        let _turn = db.write_turn().await;
        let mut tx = db.pool.begin().await?;
        make_live(
            &mut tx,
            Publish {
                app_id: &app_id,
                submission_id: &submission_id,
                version,
                snapshot: &snapshot,
                now: approved_at,
                dialect: db.dialect,
            },
        )
        .await?;
        tx.commit().await?;
        done += 1;
    }
    Ok(done)
}
