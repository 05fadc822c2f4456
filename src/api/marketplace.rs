//! The Marketplace: browse and search the live versions of approved apps,
//! and one app's page with its Install (or "Visit site to add"). Open to
//! anyone, signed in or not: it shows only what the listing's review
//! approved. Rules are `domain::marketplace`; data is
//! `server::repo::marketplace`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::oauth::ScopeOut;
use crate::domain::app::AppKind;
use crate::domain::marketplace::{Browse, BrowseIn};
use crate::domain::media::MediaKind;
use crate::error::AppError;

/// An app in the results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingCardOut {
    pub app_id: String,
    pub name: String,
    pub kind: AppKind,
    pub short_description: String,
    pub publisher: String,
    /// Category labels.
    pub categories: Vec<String>,
    pub installs: i64,
    /// The first preview image, if any.
    pub image: Option<String>,
    /// The app icon's media id, if the live version has one.
    pub icon: Option<String>,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketplaceOut {
    /// The query as understood (what the form shows back).
    pub browse: Browse,
    pub apps: Vec<ListingCardOut>,
    pub has_next: bool,
}

/// One page of the Marketplace.
#[server(endpoint = "browse_marketplace")]
pub async fn browse_marketplace(
    #[server(flatten)] query: BrowseIn,
) -> Result<MarketplaceOut, AppError> {
    use crate::domain::listing::category_label;
    use crate::domain::marketplace::{browse, PAGE_SIZE};
    use crate::server::{context, repo};
    context::finish(
        async {
            let state = context::state()?;
            let browse = browse(&query);
            let mut rows = repo::marketplace::browse(&state.db, &browse).await?;
            let has_next = rows.len() > PAGE_SIZE;
            rows.truncate(PAGE_SIZE);
            let apps = rows
                .into_iter()
                .map(|row| ListingCardOut {
                    categories: row
                        .categories
                        .split_whitespace()
                        .filter_map(category_label)
                        .map(str::to_owned)
                        .collect(),
                    image: row.media.split_whitespace().next().map(str::to_owned),
                    icon: (!row.icon.is_empty()).then(|| row.icon.clone()),
                    app_id: row.app_id,
                    name: row.name,
                    kind: row.kind,
                    short_description: row.short_description,
                    publisher: row.publisher,
                    installs: row.installs,
                })
                .collect();
            Ok(MarketplaceOut {
                browse,
                apps,
                has_next,
            })
        }
        .await,
    )
}

/// A picture or the video of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingMediaOut {
    pub id: String,
    pub kind: MediaKind,
    pub width: i64,
    pub height: i64,
}

/// How a visitor adds the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum InstallOut {
    /// Portico's own authorization (consent) page for the production
    /// client, to the reviewed redirect URL.
    Authorize { url: String },
    /// The developer's site.
    LandingPage { url: String },
    /// Not installable right now (for example, no production credentials).
    Unavailable { reason: String },
}

/// One app's Marketplace page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketplaceAppOut {
    pub app_id: String,
    pub version: i64,
    pub name: String,
    pub kind: AppKind,
    pub publisher: String,
    pub short_description: String,
    pub long_description: String,
    pub categories: Vec<(String, String)>,
    pub privacy_url: String,
    pub support_url: String,
    pub scopes: Vec<ScopeOut>,
    pub release_notes: String,
    pub media: Vec<ListingMediaOut>,
    /// The app icon's media id, if the live version has one.
    pub icon: Option<String>,
    pub installs: i64,
    pub published_ms: i64,
    pub updated_ms: i64,
    pub install: InstallOut,
}

/// `/marketplace/:id`: the live version of an approved app.
#[server(endpoint = "marketplace_app")]
pub async fn marketplace_app(id: String) -> Result<MarketplaceAppOut, AppError> {
    use crate::domain::app::Environment;
    use crate::domain::listing::category_label;
    use crate::server::oauth::authorize::install_path;
    use crate::server::{context, repo};
    context::finish(
        async {
            let state = context::state()?;
            let pool = &state.db.pool;
            let row = repo::marketplace::find(pool, &id)
                .await?
                .ok_or(AppError::NotFound)?;
            let stored = repo::media::listed_for_app(pool, &id).await?;
            // In the order approved, and only what was approved (a draft's
            // new uploads are not shown; what it deleted still is).
            let media = row
                .media
                .split_whitespace()
                .filter_map(|mid| stored.iter().find(|m| m.id == mid))
                .map(|m| ListingMediaOut {
                    id: m.id.clone(),
                    kind: m.kind,
                    width: m.width,
                    height: m.height,
                })
                .collect();
            let install = if row.install_option == "landing_page" {
                InstallOut::LandingPage {
                    url: row.landing_url.clone(),
                }
            } else {
                match repo::oauth::client_of_app(pool, &id, Environment::Production).await? {
                    Some(client) if client.active() && !client.redirect_url().is_empty() => {
                        InstallOut::Authorize {
                            url: install_path(&client),
                        }
                    }
                    _ => InstallOut::Unavailable {
                        reason: "This app cannot be installed right now: its publisher has not set up production credentials.".into(),
                    },
                }
            };
            Ok(MarketplaceAppOut {
                categories: row
                    .categories
                    .split_whitespace()
                    .filter_map(|slug| category_label(slug).map(|l| (slug.to_owned(), l.to_owned())))
                    .collect(),
                scopes: row
                    .scopes
                    .split_whitespace()
                    .map(ScopeOut::named)
                    .collect(),
                media,
                icon: (!row.icon.is_empty()).then(|| row.icon.clone()),
                install,
                app_id: row.app_id,
                version: row.version,
                name: row.name,
                kind: row.kind,
                publisher: row.publisher,
                short_description: row.short_description,
                long_description: row.long_description,
                privacy_url: row.privacy_url,
                support_url: row.support_url,
                release_notes: row.release_notes,
                installs: row.installs,
                published_ms: row.published_at,
                updated_ms: row.updated_at,
            })
        }
        .await,
    )
}
