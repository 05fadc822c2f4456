//! The developer's apps: list, create (the Build App wizard), delete, and
//! the App information form.
#![allow(
    clippy::too_many_arguments,
    reason = "a server function behind a plain HTML form takes one argument per field"
)]

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::app::{AppStatus, AppType};
use crate::domain::app_access::AppRole;
use crate::error::AppError;

/// An app as its pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppOut {
    pub id: String,
    pub name: String,
    pub app_type: AppType,
    pub status: AppStatus,
    /// The approved version live on the Marketplace, if any: edits since
    /// are a draft of the next version.
    pub live_version: Option<i64>,
    /// Last change, as a date ("" for those who may only see the app).
    pub updated: String,
    /// The caller's relation to the app: what its pages offer them.
    pub role: AppRole,
}

impl AppOut {
    /// The caller's relation to the app.
    pub fn role(&self) -> AppRole {
        self.role
    }
}

#[cfg(feature = "ssr")]
impl AppOut {
    pub(crate) fn from_row(row: crate::server::repo::apps::AppRow, role: AppRole) -> AppOut {
        use crate::domain::app_access::AppAction;
        AppOut {
            role,
            app_type: AppType {
                marketplace: row.marketplace != 0,
                kind: row.kind,
            },
            status: row.status,
            live_version: row.live_version,
            updated: if role.may(AppAction::Open) {
                crate::server::context::date(row.updated_at)
            } else {
                String::new()
            },
            id: row.id,
            name: row.name,
        }
    }
}

/// The current account's apps, most recently changed first.
#[server(endpoint = "my_apps")]
pub async fn my_apps() -> Result<Vec<AppOut>, AppError> {
    use crate::server::{context, repo};
    context::finish(
        async {
            let user = context::require_user().await?;
            let rows = repo::collaborators::apps_with_relation(
                &context::state()?.db.pool,
                &user.account_id,
                &user.user_id,
            )
            .await?;
            Ok(rows
                .into_iter()
                .map(|row| {
                    let role =
                        AppRole::of(user.role, row.is_creator != 0, row.is_collaborator != 0);
                    AppOut::from_row(row.app, role)
                })
                .collect())
        }
        .await,
    )
}

/// The current account's app `id` as its pages show it, if the caller may
/// open it (see `server::app_access`).
#[cfg(feature = "ssr")]
pub(crate) async fn open_app(
    id: &str,
) -> Result<(crate::server::app_access::AppAccess, AppOut), AppError> {
    use crate::domain::app_access::AppAction;
    let access = crate::server::app_access::require(id, AppAction::Open).await?;
    let out = AppOut::from_row(access.app.clone(), access.role);
    Ok((access, out))
}

/// One app of the current account: its name and status for anyone in the
/// account, the rest for those who may open it.
#[server(endpoint = "app_detail")]
pub async fn app_detail(id: String) -> Result<AppOut, AppError> {
    use crate::domain::app_access::AppAction;
    use crate::server::{app_access, context};
    context::finish(
        async {
            let access = app_access::require(&id, AppAction::See).await?;
            Ok(AppOut::from_row(access.app, access.role))
        }
        .await,
    )
}

/// The wizard's last step: makes the app and opens its pages. The name
/// must be unique across all apps at this moment; of two people racing
/// for one name exactly one wins.
#[server(endpoint = "create_app")]
pub async fn create_app(app_type: String, name: String) -> Result<(), AppError> {
    use crate::domain::app::{app_name_key, validate_app_name};
    use crate::domain::fields::FieldErrors;
    use crate::server::{context, repo};
    context::finish(
        async {
            let user = context::require_user().await?;
            let mut errors = FieldErrors::new();
            let app_type = AppType::parse(&app_type);
            if app_type.is_none() {
                errors.add("app_type", "Choose what kind of app to build.");
            }
            let name = errors.check("name", validate_app_name(&name));
            errors.into_result()?;
            let (app_type, name) = (
                app_type.expect("checked above"),
                name.expect("checked above"),
            );
            let state = context::state()?;
            let mut change = crate::server::change::Change::begin(&state).await?;
            let created = repo::apps::create(
                &mut change,
                repo::apps::NewApp {
                    account_id: &user.account_id,
                    created_by: &user.user_id,
                    marketplace: app_type.marketplace,
                    kind: app_type.kind.as_str(),
                    name: &name,
                    name_key: &app_name_key(&name),
                    now: state.now_ms(),
                },
            )
            .await;
            match created {
                Ok(id) => {
                    change
                        .audit(
                            &user,
                            (&id, &user.account_id),
                            crate::domain::audit::AuditAction::AppCreated,
                            &format!("{}: {name}", app_type.label()),
                        )
                        .await?;
                    change.commit().await?;
                    context::redirect(&format!("/apps/{id}"));
                    Ok(())
                }
                Err(err) if repo::is_unique_violation(&err) => {
                    Err(AppError::field("name", "That name is taken."))
                }
                Err(err) => Err(err.into()),
            }
        }
        .await,
    )
}

/// Deletes an app that is not published.
#[server(endpoint = "delete_app")]
pub async fn delete_app(id: String) -> Result<(), AppError> {
    use crate::domain::app_access::AppAction;
    use crate::server::{context, repo};
    context::finish(
        async {
            let crate::server::app_access::AppAccess { user, app, .. } =
                crate::server::app_access::require(&id, AppAction::Delete).await?;
            let state = context::state()?;
            if app.status == AppStatus::Published || app.live_version.is_some() {
                return Err(AppError::refused("A published app cannot be deleted."));
            }
            // Its grants and tokens go with it (cascade).
            let mut change = crate::server::change::Change::begin(&state).await?;
            if !repo::apps::delete_unpublished(&mut change, &user.account_id, &id).await? {
                return Err(AppError::NotFound);
            }
            change.commit().await?;
            context::redirect("/apps?deleted=1");
            Ok(())
        }
        .await,
    )
}

/// The "App information" page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InformationOut {
    pub app: AppOut,
    pub short_description: String,
    pub long_description: String,
    pub contact_name: String,
    pub contact_email: String,
    pub privacy_url: String,
    pub support_url: String,
    pub configure_url: String,
    /// Category slugs.
    pub categories: Vec<String>,
    /// Preview images (in order), then the video if there is one.
    pub media: Vec<crate::api::media::MediaOut>,
    /// Shown on the listing as the publisher.
    pub account_name: String,
    /// The reviewer's notes on fields of the last (rejected) submission.
    pub review_notes: Vec<crate::api::review::FieldNoteOut>,
}

/// An app's listing fields.
#[server(endpoint = "app_information")]
pub async fn app_information(id: String) -> Result<InformationOut, AppError> {
    use crate::server::{context, repo};
    context::finish(
        async {
            let (access, app) = open_app(&id).await?;
            let user = access.user;
            let pool = &context::state()?.db.pool;
            let info = repo::apps::information(pool, &user.account_id, &id)
                .await?
                .ok_or(AppError::NotFound)?;
            let media = crate::api::media::media_of(&app.id).await?;
            let categories = info.category_list();
            let review_notes = crate::api::review::open_field_notes(&user.account_id, &id).await?;
            Ok(InformationOut {
                review_notes,
                categories,
                media,
                account_name: user.account_name,
                app,
                short_description: info.short_description,
                long_description: info.long_description,
                contact_name: info.contact_name,
                contact_email: info.contact_email,
                privacy_url: info.privacy_url,
                support_url: info.support_url,
                configure_url: info.configure_url,
            })
        }
        .await,
    )
}

/// Saves the information form: every valid field is kept, every invalid
/// one is reported beside its field and left as it was.
#[server(endpoint = "update_information")]
pub async fn update_information(
    id: String,
    name: String,
    short_description: String,
    long_description: String,
    contact_name: String,
    contact_email: String,
    privacy_url: String,
    support_url: String,
    configure_url: String,
    categories: Option<Vec<String>>,
) -> Result<(), AppError> {
    use crate::domain::app::app_name_key;
    use crate::domain::listing::{validate_information, InformationIn};
    use crate::server::{context, repo};
    context::finish(
        async {
            let access =
                crate::server::app_access::require(&id, crate::domain::app_access::AppAction::Edit)
                    .await?;
            let (user, app) = (&access.user, &access.app);
            let state = context::state()?;
            let before = repo::apps::information(&state.db.pool, &user.account_id, &id)
                .await?
                .ok_or(AppError::NotFound)?;
            let (patch, mut errors) = validate_information(&InformationIn {
                name,
                short_description,
                long_description,
                contact_name,
                contact_email,
                privacy_url,
                support_url,
                configure_url,
                categories: categories.unwrap_or_default(),
            });
            let mut change = crate::server::change::Change::begin(&state).await?;
            if !repo::apps::update_information(
                &mut change,
                &user.account_id,
                &id,
                &patch,
                state.now_ms(),
            )
            .await?
            {
                return Err(AppError::refused(
                    crate::domain::app_access::IN_REVIEW_REFUSAL,
                ));
            }
            if let Some(name) = patch.name.as_deref().filter(|n| *n != app.name) {
                // In a savepoint: on PostgreSQL a unique violation ends the
                // transaction, and the valid fields are still to be saved.
                let mut renaming = sqlx::Connection::begin(&mut **change).await?;
                match repo::apps::rename(
                    &mut renaming,
                    &user.account_id,
                    &id,
                    name,
                    &app_name_key(name),
                )
                .await
                {
                    Ok(()) => renaming.commit().await?,
                    Err(err) if repo::is_unique_violation(&err) => {
                        renaming.rollback().await?;
                        errors.add("name", "That name is taken.")
                    }
                    Err(err) => return Err(err.into()),
                }
            }
            let mut changed = changed_fields(&before, &patch);
            if errors.get("name").is_some() {
                changed.retain(|f| *f != "name");
            }
            if !changed.is_empty() {
                access
                    .audit(
                        &mut change,
                        crate::domain::audit::AuditAction::ListingSaved,
                        &changed.join(", "),
                    )
                    .await?;
            }
            change.commit().await?;
            errors.into_result()?;
            context::redirect(&format!("/apps/{id}/information?saved=1"));
            Ok(())
        }
        .await,
    )
}

/// The listing fields a saved patch changes, by the names the audit log
/// shows.
#[cfg(feature = "ssr")]
fn changed_fields(
    before: &crate::server::repo::apps::InformationRow,
    patch: &crate::domain::listing::InformationPatch,
) -> Vec<&'static str> {
    let categories = before.category_list();
    [
        ("name", patch.name.as_deref(), before.app.name.as_str()),
        (
            "short description",
            patch.short_description.as_deref(),
            &before.short_description,
        ),
        (
            "long description",
            patch.long_description.as_deref(),
            &before.long_description,
        ),
        (
            "contact name",
            patch.contact_name.as_deref(),
            &before.contact_name,
        ),
        (
            "contact email",
            patch.contact_email.as_deref(),
            &before.contact_email,
        ),
        (
            "privacy policy URL",
            patch.privacy_url.as_deref(),
            &before.privacy_url,
        ),
        (
            "support URL",
            patch.support_url.as_deref(),
            &before.support_url,
        ),
        (
            "configuration URL",
            patch.configure_url.as_deref(),
            &before.configure_url,
        ),
    ]
    .into_iter()
    .filter(|(_, new, old)| new.is_some_and(|new| new != *old))
    .map(|(field, _, _)| field)
    .chain(
        patch
            .categories
            .as_ref()
            .filter(|c| **c != categories)
            .map(|_| "categories"),
    )
    .collect()
}
