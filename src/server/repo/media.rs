//! Listing media (`app_media`): the icon, preview images and the video.
//!
//! The draft holds the rows with `detached = 0`. A row the draft let go of
//! (deleted, or an icon replaced) while the live Marketplace listing still
//! shows it is only detached: it is served until an approved version stops
//! showing it, and then deleted (`prune_detached`).

use sqlx::{AnyPool, FromRow};

use crate::domain::media::{MediaKind, MAX_IMAGES, MAX_IMAGES_WITH_VIDEO};
use crate::server::ids::new_id;

/// A media item without its bytes.
#[derive(Debug, Clone, FromRow)]
pub struct MediaRow {
    pub id: String,
    pub app_id: String,
    #[sqlx(try_from = "String")]
    pub kind: MediaKind,
    pub content_type: String,
    pub position: i64,
    pub byte_size: i64,
    pub width: i64,
    pub height: i64,
    pub etag: String,
}

const MEDIA_COLUMNS: &str =
    "id, app_id, kind, content_type, position, byte_size, width, height, etag";

/// True (in SQL) when the live listing of row `m`'s app shows it.
const LISTED: &str = "EXISTS (SELECT 1 FROM marketplace_listings l WHERE l.app_id = m.app_id \
     AND (l.icon = m.id OR (' ' || l.media || ' ') LIKE ('% ' || m.id || ' %')))";

/// What an upload stores.
pub struct NewMedia<'a> {
    pub app_id: &'a str,
    pub account_id: &'a str,
    pub kind: MediaKind,
    pub content_type: &'a str,
    pub width: u32,
    pub height: u32,
    pub etag: &'a str,
    pub bytes: &'a [u8],
    pub now: i64,
}

/// What came of an insert.
#[derive(Debug, PartialEq, Eq)]
pub enum Inserted {
    Added(String),
    /// No such app in that account.
    NoApp,
    /// The listing already holds as many of that kind as it may.
    Full,
}

/// Marks the app changed, first thing in a transaction: this locks its row
/// (PostgreSQL) or takes the write lock (SQLite), so changes to one app's
/// media run one after the other. False when the account has no such app,
/// or it went into review since the caller's check (frozen then).
async fn touch_app(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    account_id: &str,
    app_id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let touched = sqlx::query(
        "UPDATE apps SET updated_at = $1 WHERE id = $2 AND account_id = $3 AND status <> 'in_review'",
    )
        .bind(now)
        .bind(app_id)
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    Ok(touched.rows_affected() == 1)
}

/// Takes an item out of the draft: deleted, or only detached while the live
/// listing shows it. True when the draft held it.
async fn retire(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    app_id: &str,
    media_id: &str,
) -> Result<bool, sqlx::Error> {
    let detached = sqlx::query(&format!(
        "UPDATE app_media SET detached = 1 WHERE id = $1 AND app_id = $2 AND detached = 0 \
         AND id IN (SELECT m.id FROM app_media m WHERE m.id = $1 AND {LISTED})"
    ))
    .bind(media_id)
    .bind(app_id)
    .execute(&mut **tx)
    .await?;
    if detached.rows_affected() == 1 {
        return Ok(true);
    }
    let deleted =
        sqlx::query("DELETE FROM app_media WHERE id = $1 AND app_id = $2 AND detached = 0")
            .bind(media_id)
            .bind(app_id)
            .execute(&mut **tx)
            .await?;
    Ok(deleted.rows_affected() == 1)
}

/// Adds a media item at the end of its kind's list, unless the listing is
/// full; a new icon replaces the old one. Two uploads racing for the last
/// place are counted one after the other (see `touch_app`).
pub async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    media: NewMedia<'_>,
) -> Result<Inserted, sqlx::Error> {
    if !touch_app(tx, media.account_id, media.app_id, media.now).await? {
        return Ok(Inserted::NoApp);
    }
    let id = new_id("med");
    // Room for an image: fewer than 6, or fewer than 5 beside a video.
    // Room for a video: none yet, and at most 5 images.
    // Room for an icon: always, once the old one is retired.
    let room = match media.kind {
        MediaKind::Image => format!(
            "(SELECT COUNT(*) FROM app_media WHERE app_id = $2 AND kind = 'image' AND detached = 0) < \
             CASE WHEN EXISTS (SELECT 1 FROM app_media WHERE app_id = $2 AND kind = 'video' AND detached = 0) \
                  THEN {MAX_IMAGES_WITH_VIDEO} ELSE {MAX_IMAGES} END"
        ),
        MediaKind::Video => format!(
            "NOT EXISTS (SELECT 1 FROM app_media WHERE app_id = $2 AND kind = 'video' AND detached = 0) AND \
             (SELECT COUNT(*) FROM app_media WHERE app_id = $2 AND kind = 'image' AND detached = 0) <= {MAX_IMAGES_WITH_VIDEO}"
        ),
        MediaKind::Icon => {
            let current: Vec<(String,)> = sqlx::query_as(
                "SELECT id FROM app_media WHERE app_id = $1 AND kind = 'icon' AND detached = 0",
            )
            .bind(media.app_id)
            .fetch_all(&mut **tx)
            .await?;
            for (old,) in current {
                retire(tx, media.app_id, &old).await?;
            }
            "1 = 1".to_owned()
        }
    };
    let added = sqlx::query(&format!(
        "INSERT INTO app_media (id, app_id, kind, content_type, position, byte_size, width, height, etag, bytes, created_at) \
         SELECT $1, $2, $3, $4, \
                COALESCE((SELECT MAX(position) FROM app_media WHERE app_id = $2 AND kind = $3), 0) + 1, \
                $5, $6, $7, $8, $9, $10 \
         WHERE {room}"
    ))
    .bind(&id)
    .bind(media.app_id)
    .bind(media.kind.as_str())
    .bind(media.content_type)
    .bind(media.bytes.len() as i64)
    .bind(i64::from(media.width))
    .bind(i64::from(media.height))
    .bind(media.etag)
    .bind(media.bytes.to_vec())
    .bind(media.now)
    .execute(&mut **tx)
    .await?;
    if added.rows_affected() != 1 {
        return Ok(Inserted::Full);
    }
    Ok(Inserted::Added(id))
}

/// The draft's media: the icon, then images, then the video, each kind
/// in its order.
pub async fn list_for_app(pool: &AnyPool, app_id: &str) -> Result<Vec<MediaRow>, sqlx::Error> {
    sqlx::query_as::<_, MediaRow>(&format!(
        "SELECT {MEDIA_COLUMNS} FROM app_media WHERE app_id = $1 AND detached = 0 ORDER BY kind, position"
    ))
    .bind(app_id)
    .fetch_all(pool)
    .await
}

/// The media the live listing shows (detached or not), in no order.
pub async fn listed_for_app(pool: &AnyPool, app_id: &str) -> Result<Vec<MediaRow>, sqlx::Error> {
    sqlx::query_as::<_, MediaRow>(&format!(
        "SELECT {MEDIA_COLUMNS} FROM app_media m WHERE m.app_id = $1 AND {LISTED}"
    ))
    .bind(app_id)
    .fetch_all(pool)
    .await
}

/// What an approval makes live: the draft's images and video in order,
/// and its icon.
pub async fn live_media(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    app_id: &str,
) -> Result<(Vec<String>, Option<String>), sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, kind FROM app_media WHERE app_id = $1 AND detached = 0 ORDER BY kind, position",
    )
    .bind(app_id)
    .fetch_all(&mut **tx)
    .await?;
    let icon = rows
        .iter()
        .find(|(_, k)| k == "icon")
        .map(|(id, _)| id.clone());
    let shown = rows
        .into_iter()
        .filter(|(_, k)| k != "icon")
        .map(|(id, _)| id)
        .collect();
    Ok((shown, icon))
}

/// Deletes the detached media no live listing shows any more (after a new
/// version went live).
pub async fn prune_detached(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    app_id: &str,
) -> Result<u64, sqlx::Error> {
    let pruned = sqlx::query(&format!(
        "DELETE FROM app_media WHERE app_id = $1 AND detached = 1 \
         AND id NOT IN (SELECT m.id FROM app_media m WHERE m.app_id = $1 AND {LISTED})"
    ))
    .bind(app_id)
    .execute(&mut **tx)
    .await?;
    Ok(pruned.rows_affected())
}

/// A media item to serve, with who may see it.
#[derive(Debug, Clone, FromRow)]
pub struct ServedMedia {
    pub content_type: String,
    pub etag: String,
    pub bytes: Vec<u8>,
    pub account_id: String,
    /// 1 when the live Marketplace listing shows it (then it is public).
    pub listed: i64,
}

/// A media item's head (for conditional requests: no bytes read).
#[derive(Debug, Clone, FromRow)]
pub struct MediaHead {
    pub etag: String,
    pub app_id: String,
    pub account_id: String,
    /// 1 when the live Marketplace listing shows it (then it is public).
    pub listed: i64,
}

/// The item's ETag and owner, without its bytes.
pub async fn head(pool: &AnyPool, id: &str) -> Result<Option<MediaHead>, sqlx::Error> {
    sqlx::query_as::<_, MediaHead>(&format!(
        "SELECT m.etag, m.app_id, a.account_id, CASE WHEN {LISTED} THEN 1 ELSE 0 END AS listed \
         FROM app_media m JOIN apps a ON a.id = m.app_id WHERE m.id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// The item with its bytes.
pub async fn find(pool: &AnyPool, id: &str) -> Result<Option<ServedMedia>, sqlx::Error> {
    sqlx::query_as::<_, ServedMedia>(&format!(
        "SELECT m.content_type, m.etag, m.bytes, a.account_id, CASE WHEN {LISTED} THEN 1 ELSE 0 END AS listed \
         FROM app_media m JOIN apps a ON a.id = m.app_id WHERE m.id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// Takes an item out of an app's draft in the account (see `retire`); true
/// when the draft held it.
pub async fn delete(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    account_id: &str,
    app_id: &str,
    media_id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    if !touch_app(tx, account_id, app_id, now).await? {
        return Ok(false);
    }
    retire(tx, app_id, media_id).await
}

/// Swaps an item with its neighbour of the same kind (`earlier`: the one
/// before it). True when it moved; false at either end or when not found.
pub async fn move_item(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    account_id: &str,
    app_id: &str,
    media_id: &str,
    earlier: bool,
    now: i64,
) -> Result<bool, sqlx::Error> {
    if !touch_app(tx, account_id, app_id, now).await? {
        return Ok(false);
    }
    let item: Option<(String, i64)> = sqlx::query_as(
        "SELECT kind, position FROM app_media WHERE id = $1 AND app_id = $2 AND detached = 0",
    )
    .bind(media_id)
    .bind(app_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((kind, position)) = item else {
        return Ok(false);
    };
    let neighbour_sql = if earlier {
        "SELECT id, position FROM app_media WHERE app_id = $1 AND kind = $2 AND position < $3 \
         AND detached = 0 ORDER BY position DESC LIMIT 1"
    } else {
        "SELECT id, position FROM app_media WHERE app_id = $1 AND kind = $2 AND position > $3 \
         AND detached = 0 ORDER BY position ASC LIMIT 1"
    };
    let neighbour: Option<(String, i64)> = sqlx::query_as(neighbour_sql)
        .bind(app_id)
        .bind(&kind)
        .bind(position)
        .fetch_optional(&mut **tx)
        .await?;
    let Some((other_id, other_position)) = neighbour else {
        return Ok(false);
    };
    for (id, new_position) in [(media_id, other_position), (other_id.as_str(), position)] {
        sqlx::query("UPDATE app_media SET position = $1 WHERE id = $2")
            .bind(new_position)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(true)
}
