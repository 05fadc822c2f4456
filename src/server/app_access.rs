//! "May THIS user do THIS to THIS app?", answered in one place for every
//! app-scoped server function and route (the rule itself is
//! `domain::app_access`). An app of another account does not exist for the
//! caller (404); an app of their own account that they may not touch in
//! that way is refused with 403 and the reason.

use sqlx::AnyPool;

use crate::domain::app::AppStatus;
use crate::domain::app_access::{AppAction, AppRole, IN_REVIEW_REFUSAL};
use crate::error::AppError;
use crate::server::auth::session::SessionUser;
use crate::server::repo::apps::AppRow;
use crate::server::{context, repo};

/// An app the caller may act on, with who they are to it.
pub struct AppAccess {
    pub user: SessionUser,
    pub app: AppRow,
    pub role: AppRole,
}

impl AppAccess {
    /// The app and its account, as the audit log records them.
    pub fn target(&self) -> (&str, &str) {
        (&self.app.id, &self.app.account_id)
    }

    /// Appends `action` (with `detail`: what changed, never a secret) to
    /// the app's audit log, in `change`'s transaction.
    pub async fn audit(
        &self,
        change: &mut crate::server::change::Change<'_>,
        action: crate::domain::audit::AuditAction,
        detail: &str,
    ) -> Result<(), sqlx::Error> {
        change
            .audit(&self.user, self.target(), action, detail)
            .await
    }
}

/// The signed-in caller's app `app_id`, if they may do `action` to it.
pub async fn require(app_id: &str, action: AppAction) -> Result<AppAccess, AppError> {
    let user = context::require_user().await?;
    authorize(&context::state()?.db.pool, user, app_id, action).await
}

/// `user`'s app `app_id`, if they may do `action` to it (for plain routes,
/// which have the pool in hand rather than in context).
pub async fn authorize(
    pool: &AnyPool,
    user: SessionUser,
    app_id: &str,
    action: AppAction,
) -> Result<AppAccess, AppError> {
    let row = repo::collaborators::app_relation(pool, &user.account_id, &user.user_id, app_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let role = AppRole::of(user.role, row.is_creator != 0, row.is_collaborator != 0);
    if !role.may(action) {
        return Err(AppError::forbidden(role.refusal(action)));
    }
    if action.frozen_in_review() && row.app.status == AppStatus::InReview {
        return Err(AppError::refused(IN_REVIEW_REFUSAL));
    }
    Ok(AppAccess {
        user,
        app: row.app,
        role,
    })
}
