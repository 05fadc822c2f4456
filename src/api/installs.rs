//! "Installed apps": what the signed-in user (and their account) has
//! installed, and uninstalling, which ends every token of the install.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// One installed app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstalledOut {
    pub id: String,
    pub app_name: String,
    pub app_type: String,
    /// True: installed for the whole account.
    pub account_wide: bool,
    pub environment: crate::domain::app::Environment,
    pub scopes: Vec<String>,
    /// Scopes a newer version of the app asks for that this install has
    /// not approved (it keeps working with `scopes` until someone does).
    pub new_scopes: Vec<crate::api::oauth::ScopeOut>,
    /// Every scope the app asks for now, space-separated: what approving
    /// the new ones agrees to (sent back with the approval).
    pub app_scopes: String,
    pub installed_by: String,
    pub installed: String,
    /// Whether this user may uninstall it, or approve its new scopes
    /// (their own install, or an account-wide one when they are an owner
    /// or admin).
    pub can_uninstall: bool,
}

/// The install `id` of the caller's account, if they may manage it
/// (`may_manage`): the one lookup of uninstall and approve_scopes.
#[cfg(feature = "ssr")]
async fn managed_install(
    state: &crate::server::state::AppState,
    user: &crate::server::auth::session::SessionUser,
    id: &str,
) -> Result<crate::server::repo::oauth::InstallRow, AppError> {
    let install =
        crate::server::repo::oauth::install_in_account(&state.db.pool, &user.account_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
    may_manage(user, &install)?;
    Ok(install)
}

/// May `user` manage `install` (uninstall it, approve its new scopes)?
/// Their own install, or an account-wide one when they are an owner or
/// admin. Someone else's own install is not theirs to see: `NotFound`.
#[cfg(feature = "ssr")]
fn may_manage(
    user: &crate::server::auth::session::SessionUser,
    install: &crate::server::repo::oauth::InstallRow,
) -> Result<(), AppError> {
    match install.user_id.as_deref() {
        Some(owner) if owner != user.user_id => Err(AppError::NotFound),
        None if !user.role.can_manage_members() => Err(AppError::forbidden(
            "Only an owner or admin of the account can manage an app installed for the whole account.",
        )),
        _ => Ok(()),
    }
}

/// The user's installs in the current account, and the account's.
#[server(endpoint = "installed_apps")]
pub async fn installed_apps() -> Result<Vec<InstalledOut>, AppError> {
    use crate::server::{context, repo};
    context::finish(
        async {
            let user = context::require_user().await?;
            let rows = repo::oauth::installs_for(
                &context::state()?.db.pool,
                &user.account_id,
                &user.user_id,
            )
            .await?;
            Ok(rows
                .into_iter()
                .map(|row| InstalledOut {
                    can_uninstall: may_manage(&user, &row).is_ok(),
                    new_scopes: row
                        .unapproved_scopes()
                        .iter()
                        .map(|scope| crate::api::oauth::ScopeOut::named(scope))
                        .collect(),
                    app_scopes: row.app_scopes.clone(),
                    account_wide: row.user_id.is_none(),
                    app_type: row.kind.label().to_owned(),
                    id: row.id,
                    app_name: row.app_name,
                    environment: row.environment,
                    scopes: row.scopes.split_whitespace().map(str::to_owned).collect(),
                    installed_by: row.installed_by_name,
                    installed: context::date(row.created_at),
                })
                .collect())
        }
        .await,
    )
}

/// Uninstalls: the install, its grants and every token go at once.
#[server(endpoint = "uninstall")]
pub async fn uninstall(id: String) -> Result<(), AppError> {
    use crate::server::context;
    context::finish(
        async {
            let user = context::require_user().await?;
            let state = context::state()?;
            let install = managed_install(&state, &user, &id).await?;
            crate::server::webhooks::events::uninstall(&state, &install, &user.user_id).await?;
            if context::is_plain_form_post()? {
                context::redirect("/installed?uninstalled=1");
            }
            Ok(())
        }
        .await,
    )
}

/// Approves the scopes a newer version of an installed app asks for:
/// the install (and its tokens, from their next request) gets `scopes`,
/// which must be what the app asks for now (what the page showed).
#[server(endpoint = "approve_scopes")]
pub async fn approve_scopes(id: String, scopes: String) -> Result<(), AppError> {
    use crate::server::{context, repo};
    context::finish(
        async {
            let user = context::require_user().await?;
            let state = context::state()?;
            let install = managed_install(&state, &user, &id).await?;
            if install.unapproved_scopes().is_empty() {
                return Err(AppError::refused(
                    "There is nothing new to approve: the install already has every scope the app asks for.",
                ));
            }
            let mut change = crate::server::change::Change::begin(&state).await?;
            if !repo::oauth::approve_install_scopes(&mut change, &user.account_id, &id, &scopes)
                .await?
            {
                return Err(AppError::refused(
                    "The app asks for different scopes since this page was shown: look at them again.",
                ));
            }
            change.commit().await?;
            if context::is_plain_form_post()? {
                context::redirect("/installed?approved=1");
            }
            Ok(())
        }
        .await,
    )
}
