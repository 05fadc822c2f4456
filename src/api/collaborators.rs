//! An app's overview with its Collaborators section: who manages the app,
//! who collaborates on it, and adding or removing collaborators (the app's
//! managers only; see `domain::app_access`).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::apps::AppOut;
use crate::error::AppError;

/// A member of the account, as the Collaborators section names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonOut {
    pub user_id: String,
    pub name: String,
    pub email: String,
}

/// The app's overview page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewOut {
    pub app: AppOut,
    /// Who created the app ("" for those who may only see it).
    pub creator: String,
    /// Its collaborators (empty for those who may only see it).
    pub collaborators: Vec<PersonOut>,
    /// Plain members who could be added (only for its managers).
    pub candidates: Vec<PersonOut>,
}

#[cfg(feature = "ssr")]
impl From<crate::server::repo::collaborators::PersonRow> for PersonOut {
    fn from(row: crate::server::repo::collaborators::PersonRow) -> Self {
        PersonOut {
            user_id: row.user_id,
            name: row.display_name,
            email: row.email,
        }
    }
}

/// `/apps/:id`: the app's summary and Collaborators section. Anyone in
/// the account gets the app's name and status; the rest only those who
/// may open it.
#[server(endpoint = "app_overview")]
pub async fn app_overview(id: String) -> Result<OverviewOut, AppError> {
    use crate::domain::app_access::AppAction;
    use crate::server::{app_access, context, repo};
    context::finish(
        async {
            let access = app_access::require(&id, AppAction::See).await?;
            let role = access.role;
            let pool = &context::state()?.db.pool;
            let account_id = &access.user.account_id;
            let (creator, collaborators) = if role.may(AppAction::Open) {
                let creator = repo::collaborators::creator_name(pool, &id).await?;
                let list = repo::collaborators::list(pool, account_id, &id).await?;
                (creator, list.into_iter().map(PersonOut::from).collect())
            } else {
                (String::new(), Vec::new())
            };
            let candidates = if role.may(AppAction::ManageCollaborators) {
                repo::collaborators::candidates(pool, account_id, &id)
                    .await?
                    .into_iter()
                    .map(PersonOut::from)
                    .collect()
            } else {
                Vec::new()
            };
            Ok(OverviewOut {
                app: AppOut::from_row(access.app, role),
                creator,
                collaborators,
                candidates,
            })
        }
        .await,
    )
}

/// Adds a plain member of the account as a collaborator of the app.
#[server(endpoint = "add_collaborator")]
pub async fn add_collaborator(id: String, user_id: String) -> Result<(), AppError> {
    use crate::domain::app_access::AppAction;
    use crate::server::{app_access, context, repo};
    context::finish(
        async {
            let access = app_access::require(&id, AppAction::ManageCollaborators).await?;
            let state = context::state()?;
            let added = repo::collaborators::add(
                &state.db.pool,
                &access.user.account_id,
                &id,
                &user_id,
                &access.user.user_id,
                state.now_ms(),
            )
            .await?;
            if !added {
                return Err(AppError::field(
                    "user_id",
                    "Choose a member of this account who is not yet a collaborator. \
                     Owners, admins and the app's creator manage it already.",
                ));
            }
            if context::is_plain_form_post()? {
                context::redirect(&format!("/apps/{id}?collaborators=added#collaborators"));
            }
            Ok(())
        }
        .await,
    )
}

/// Removes a collaborator from the app.
#[server(endpoint = "remove_collaborator")]
pub async fn remove_collaborator(id: String, user_id: String) -> Result<(), AppError> {
    use crate::domain::app_access::AppAction;
    use crate::server::{app_access, context, repo};
    context::finish(
        async {
            let access = app_access::require(&id, AppAction::ManageCollaborators).await?;
            let state = context::state()?;
            if !repo::collaborators::remove(
                &state.db.pool,
                &access.user.account_id,
                &id,
                &user_id,
                &access.user.user_id,
            )
            .await?
            {
                return Err(AppError::NotFound);
            }
            if context::is_plain_form_post()? {
                context::redirect(&format!("/apps/{id}?collaborators=removed#collaborators"));
            }
            Ok(())
        }
        .await,
    )
}
