//! Listing media as the App information page sees them, and the server
//! functions that delete and reorder them. Uploads are a plain multipart
//! route (`server::media`), so that the browser can report progress.

use leptos::prelude::*;

use crate::error::AppError;

pub use crate::domain::media::MediaOut;

/// A stored row as the page sees it (`None` for a row no longer valid).
#[cfg(feature = "ssr")]
fn from_row(row: crate::server::repo::media::MediaRow) -> Option<MediaOut> {
    Some(MediaOut {
        kind: row.kind,
        url: MediaOut::url_for(&row.id),
        id: row.id,
        content_type: row.content_type,
        width: u32::try_from(row.width).ok()?,
        height: u32::try_from(row.height).ok()?,
        byte_size: u64::try_from(row.byte_size).ok()?,
    })
}

/// The app's media after a change, in order (images first).
#[cfg(feature = "ssr")]
pub(crate) async fn media_of(app_id: &str) -> Result<Vec<MediaOut>, AppError> {
    use crate::server::{context, repo};
    let rows = repo::media::list_for_app(&context::state()?.db.pool, app_id).await?;
    Ok(rows.into_iter().filter_map(from_row).collect())
}

/// Deletes a preview image or the video; returns what is left.
#[server(endpoint = "delete_media")]
pub async fn delete_media(app_id: String, media_id: String) -> Result<Vec<MediaOut>, AppError> {
    use crate::server::{context, repo};
    context::finish(
        async {
            let access = crate::server::app_access::require(
                &app_id,
                crate::domain::app_access::AppAction::Edit,
            )
            .await?;
            let state = context::state()?;
            let mut change = crate::server::change::Change::begin(&state).await?;
            let deleted = repo::media::delete(
                &mut change,
                &access.user.account_id,
                &app_id,
                &media_id,
                state.now_ms(),
            )
            .await?;
            if !deleted {
                return Err(AppError::NotFound);
            }
            access
                .audit(
                    &mut change,
                    crate::domain::audit::AuditAction::MediaRemoved,
                    &media_id,
                )
                .await?;
            change.commit().await?;
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
            let access = crate::server::app_access::require(
                &app_id,
                crate::domain::app_access::AppAction::Edit,
            )
            .await?;
            let state = context::state()?;
            let earlier = match direction.as_str() {
                "up" => true,
                "down" => false,
                _ => return Err(AppError::field("direction", "Move up or down.")),
            };
            // Not found and "already first" both leave things as they are;
            // only an app the caller may not edit is an error (above).
            let mut change = crate::server::change::Change::begin(&state).await?;
            if repo::media::move_item(
                &mut change,
                &access.user.account_id,
                &app_id,
                &media_id,
                earlier,
                state.now_ms(),
            )
            .await?
            {
                access
                    .audit(
                        &mut change,
                        crate::domain::audit::AuditAction::MediaMoved,
                        &format!("{media_id} {}", if earlier { "earlier" } else { "later" }),
                    )
                    .await?;
                change.commit().await?;
            }
            media_of(&app_id).await
        }
        .await,
    )
}
