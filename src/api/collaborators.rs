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
            let mut change = crate::server::change::Change::begin(&state).await?;
            let added = repo::collaborators::add(
                &mut change,
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
            let who = display_name(&user_id).await?;
            access
                .audit(
                    &mut change,
                    crate::domain::audit::AuditAction::CollaboratorAdded,
                    &who,
                )
                .await?;
            change.commit().await?;
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
            let mut change = crate::server::change::Change::begin(&state).await?;
            if !repo::collaborators::remove(
                &mut change,
                &access.user.account_id,
                &id,
                &user_id,
                &access.user.user_id,
            )
            .await?
            {
                return Err(AppError::NotFound);
            }
            let who = display_name(&user_id).await?;
            access
                .audit(
                    &mut change,
                    crate::domain::audit::AuditAction::CollaboratorRemoved,
                    &who,
                )
                .await?;
            change.commit().await?;
            if context::is_plain_form_post()? {
                context::redirect(&format!("/apps/{id}?collaborators=removed#collaborators"));
            }
            Ok(())
        }
        .await,
    )
}

/// A user's name for the audit log (their id if they are gone).
#[cfg(feature = "ssr")]
async fn display_name(user_id: &str) -> Result<String, AppError> {
    use crate::server::{context, repo};
    Ok(repo::users::find_by_id(&context::state()?.db.pool, user_id)
        .await?
        .map_or_else(|| user_id.to_owned(), |u| u.display_name))
}

/// One entry of an app's audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntryOut {
    pub id: String,
    pub actor: String,
    pub action: crate::domain::audit::AuditAction,
    pub detail: String,
    pub at_ms: i64,
}

/// The Activity page: the app's audit log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityOut {
    pub app: crate::api::apps::AppOut,
    /// The filter applied (`AuditGroup::as_str`), empty for all.
    pub group: String,
    pub entries: Vec<AuditEntryOut>,
}

/// The most entries one page shows.
pub const ACTIVITY_LIMIT: i64 = 200;

/// The app's audit log for its managers, newest first, optionally one
/// group of actions (`group`, see `domain::audit::AuditGroup`).
#[server(endpoint = "app_activity")]
pub async fn app_activity(id: String, group: Option<String>) -> Result<ActivityOut, AppError> {
    use crate::domain::app_access::AppAction;
    use crate::domain::audit::AuditGroup;
    use crate::server::{app_access, context, repo};
    context::finish(
        async {
            let access = app_access::require(&id, AppAction::ReadAuditLog).await?;
            let state = context::state()?;
            let group = group.as_deref().and_then(AuditGroup::parse);
            let actions = group.map(AuditGroup::actions).unwrap_or_default();
            let entries = repo::audit::for_app(
                &state.db.pool,
                &access.app.account_id,
                &id,
                &actions,
                ACTIVITY_LIMIT,
            )
            .await?
            .into_iter()
            .map(audit_out)
            .collect();
            Ok(ActivityOut {
                app: crate::api::apps::AppOut::from_row(access.app, access.role),
                group: group.map(|g| g.as_str().to_owned()).unwrap_or_default(),
                entries,
            })
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
pub(crate) fn audit_out(row: crate::server::repo::audit::EntryRow) -> AuditEntryOut {
    AuditEntryOut {
        id: row.id,
        actor: row.actor_name,
        action: row.action,
        detail: row.detail,
        at_ms: row.at,
    }
}
