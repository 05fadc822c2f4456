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
    pub installed_by: String,
    pub installed: String,
    /// Whether this user may uninstall it (their own install, or an
    /// account-wide one when they are an owner or admin).
    pub can_uninstall: bool,
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
                    can_uninstall: row.user_id.is_some() || user.role.can_manage_members(),
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
    use crate::server::{context, repo};
    context::finish(
        async {
            let user = context::require_user().await?;
            let state = context::state()?;
            let install = repo::oauth::install_in_account(&state.db.pool, &user.account_id, &id)
                .await?
                .ok_or(AppError::NotFound)?;
            match install.user_id.as_deref() {
                Some(owner) if owner != user.user_id => return Err(AppError::NotFound),
                None if !user.role.can_manage_members() => return Err(AppError::no_permission()),
                _ => {}
            }
            crate::server::webhooks::events::uninstall(&state, &install, &user.user_id).await?;
            if context::is_plain_form_post()? {
                context::redirect("/installed?uninstalled=1");
            }
            Ok(())
        }
        .await,
    )
}
