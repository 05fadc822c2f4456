//! Listing media as the App information page sees them, and the server
//! functions that delete and reorder them. Uploads are a plain multipart
//! route (`server::media`), so that the browser can report progress.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::media::MediaKind;
use crate::error::AppError;

/// A stored preview image or video.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaOut {
    pub id: String,
    pub kind: MediaKind,
    pub content_type: String,
    /// Pixels (0 for a video).
    pub width: u32,
    pub height: u32,
    pub byte_size: u64,
    /// Where the bytes are served.
    pub url: String,
}

/// A media list as JSON text, read only where it is shown.
///
/// The App information page's data carries its media this way: the page's
/// own code (the form) then holds no reader for `MediaOut`, which comes with
/// the media list and preview's chunk (`pages::apps::information`). On the
/// wire it is the same JSON array as a `Vec<MediaOut>`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MediaListJson(Box<serde_json::value::RawValue>);

impl MediaListJson {
    /// Writes `list` as JSON.
    #[cfg(feature = "ssr")]
    pub fn new(list: &[MediaOut]) -> Result<Self, AppError> {
        serde_json::value::to_raw_value(list)
            .map(MediaListJson)
            .map_err(|e| crate::server::context::internal(format!("media list: {e}")))
    }

    /// Reads the list (from bytes, as every other answer is read, so the
    /// browser compiles one reader for it).
    pub fn list(&self) -> Vec<MediaOut> {
        serde_json::from_slice(self.0.get().as_bytes()).unwrap_or_default()
    }
}

impl PartialEq for MediaListJson {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get()
    }
}

impl Eq for MediaListJson {}

impl MediaOut {
    /// The address a media item is served at.
    pub fn url_for(id: &str) -> String {
        format!("/media/{id}")
    }
}

#[cfg(feature = "ssr")]
impl MediaOut {
    pub(crate) fn from_row(row: crate::server::repo::media::MediaRow) -> Option<MediaOut> {
        Some(MediaOut {
            kind: MediaKind::parse(&row.kind)?,
            url: MediaOut::url_for(&row.id),
            id: row.id,
            content_type: row.content_type,
            width: u32::try_from(row.width).ok()?,
            height: u32::try_from(row.height).ok()?,
            byte_size: u64::try_from(row.byte_size).ok()?,
        })
    }
}

/// The app's media after a change, in order (images first).
#[cfg(feature = "ssr")]
pub(crate) async fn media_of(app_id: &str) -> Result<Vec<MediaOut>, AppError> {
    use crate::server::{context, repo};
    let rows = repo::media::list_for_app(&context::state()?.db.pool, app_id).await?;
    Ok(rows.into_iter().filter_map(MediaOut::from_row).collect())
}

/// Deletes a preview image or the video; returns what is left.
#[server(endpoint = "delete_media")]
pub async fn delete_media(app_id: String, media_id: String) -> Result<Vec<MediaOut>, AppError> {
    use crate::server::{context, repo};
    context::finish(
        async {
            let user = crate::server::app_access::require(
                &app_id,
                crate::domain::app_access::AppAction::Edit,
            )
            .await?
            .user;
            let state = context::state()?;
            let deleted = repo::media::delete(
                &state.db.pool,
                &user.account_id,
                &app_id,
                &media_id,
                state.now_ms(),
            )
            .await?;
            if !deleted {
                return Err(AppError::NotFound);
            }
            media_of(&app_id).await
        }
        .await,
    )
}

/// Moves a preview image one place earlier (`direction` = "up") or later
/// ("down"); returns the new order. Moving past either end changes nothing.
#[server(endpoint = "move_media")]
pub async fn move_media(
    app_id: String,
    media_id: String,
    direction: String,
) -> Result<Vec<MediaOut>, AppError> {
    use crate::server::{context, repo};
    context::finish(
        async {
            let user = crate::server::app_access::require(
                &app_id,
                crate::domain::app_access::AppAction::Edit,
            )
            .await?
            .user;
            let state = context::state()?;
            let pool = &state.db.pool;
            let earlier = match direction.as_str() {
                "up" => true,
                "down" => false,
                _ => return Err(AppError::field("direction", "Move up or down.")),
            };
            // Not found and "already first" both leave things as they are;
            // only an app the caller may not edit is an error (above).
            repo::media::move_item(
                pool,
                &user.account_id,
                &app_id,
                &media_id,
                earlier,
                state.now_ms(),
            )
            .await?;
            media_of(&app_id).await
        }
        .await,
    )
}
