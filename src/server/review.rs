//! Review, on the server: who may review (one check for every reviewer
//! function), and the copy of an app that a submission freezes.

use std::collections::BTreeSet;

use sqlx::AnyPool;

use crate::domain::media::MediaKind;
use crate::domain::review::Snapshot;
use crate::error::AppError;
use crate::server::auth::session::SessionUser;
use crate::server::context;
use crate::server::repo::{self, apps::AppRow};

/// The signed-in caller, if they are a reviewer (platform staff). Every
/// reviewer server function starts here; a reviewer acts across accounts,
/// on submissions only.
pub async fn require_reviewer() -> Result<SessionUser, AppError> {
    let user = context::require_user().await?;
    if !user.is_reviewer {
        return Err(AppError::forbidden(
            "Only Portico's reviewers can see the review queue and decide on submissions.",
        ));
    }
    Ok(user)
}

/// App `app` (of `account_id`) as it is now: its listing, media counts,
/// OAuth settings, events and deauthorization endpoint.
pub async fn snapshot_of(
    pool: &AnyPool,
    account_id: &str,
    app: &AppRow,
) -> Result<Snapshot, AppError> {
    let info = repo::apps::information(pool, account_id, &app.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let media = repo::media::list_for_app(pool, &app.id).await?;
    let oauth = repo::oauth::settings(pool, &app.id).await?;
    let subscriptions = repo::webhooks::subscriptions(pool, &app.id).await?;
    let events: BTreeSet<String> = subscriptions
        .iter()
        .filter(|s| s.disabled_at.is_none())
        .flat_map(|s| s.events.split_whitespace().map(str::to_owned))
        .collect();
    let deauthorization_url = repo::webhooks::settings(pool, &app.id)
        .await?
        .map(|w| w.deauthorization_url)
        .unwrap_or_default();
    let categories = info.category_list();
    Ok(Snapshot {
        categories,
        name: app.name.clone(),
        kind: Some(app.kind),
        marketplace: app.marketplace != 0,
        short_description: info.short_description,
        long_description: info.long_description,
        contact_name: info.contact_name,
        contact_email: info.contact_email,
        privacy_url: info.privacy_url,
        support_url: info.support_url,
        configure_url: info.configure_url,
        images: media.iter().filter(|m| m.kind == MediaKind::Image).count(),
        has_video: media.iter().any(|m| m.kind == MediaKind::Video),
        development_redirect_url: oauth.development_redirect_url,
        production_redirect_url: oauth.production_redirect_url,
        scopes: oauth.scopes.split_whitespace().map(str::to_owned).collect(),
        events: events.into_iter().collect(),
        deauthorization_url,
    })
}
