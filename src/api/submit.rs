//! The developer's side of review: the Submit page (what is missing, the
//! submission in review, the history), submitting, withdrawing, and
//! activating a private app, which is not reviewed. Who may is
//! `server::app_access` (AppAction::Submit); the reviewers' side is
//! `api::review`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::apps::AppOut;
use crate::api::review::SubmissionOut;
#[cfg(feature = "ssr")]
use crate::domain::review::SubmissionStatus;
use crate::domain::review::{FieldChange, Missing};
use crate::error::AppError;

/// The Submit page: what is missing, the submission in review (if any)
/// and every earlier one with its decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitPageOut {
    pub app: AppOut,
    pub missing: Vec<Missing>,
    pub in_review: Option<SubmissionOut>,
    pub history: Vec<SubmissionOut>,
    /// What the working copy changes in the live version (empty without
    /// one, or when nothing changed).
    pub changes: Vec<FieldChange>,
    /// An OAuth app without a production client secret yet: approval
    /// would list it, but nobody could install it until one is made.
    pub lacks_production_secret: bool,
}

/// The Submit page's data.
#[server(endpoint = "submit_page")]
pub async fn submit_page(id: String) -> Result<SubmitPageOut, AppError> {
    use crate::server::{context, repo, review};
    context::finish(
        async {
            let (access, app) = crate::api::apps::open_app(&id).await?;
            let state = context::state()?;
            let pool = &state.db.pool;
            let account_id = &access.user.account_id;
            let snapshot = review::snapshot_of(pool, account_id, &access.app).await?;
            let changes = match review::live_snapshot(pool, &id).await? {
                Some(live) => crate::domain::review::diff(&live, &snapshot),
                None => Vec::new(),
            };
            let now = state.now_ms();
            let mut history: Vec<SubmissionOut> = repo::submissions::for_app(pool, account_id, &id)
                .await?
                .into_iter()
                .map(|row| SubmissionOut::from_row(row, now))
                .collect();
            let in_review = history
                .iter()
                .position(|s| s.status == SubmissionStatus::InReview)
                .map(|at| history.remove(at));
            let lacks_production_secret = access.app.kind
                != crate::domain::app::AppKind::WebhookOnly
                && repo::oauth::client_of_app(
                    pool,
                    &id,
                    crate::domain::app::Environment::Production,
                )
                .await?
                .is_none();
            Ok(SubmitPageOut {
                lacks_production_secret,
                app,
                missing: crate::domain::review::checklist(&snapshot),
                in_review,
                history,
                changes,
            })
        }
        .await,
    )
}

/// Submits the app as it is now: refused while anything on the checklist
/// is missing, while another version is in review, or when a live app has
/// not changed since its approved version. The submitted copy is frozen,
/// and so is the app's configuration until a decision or a withdrawal; a
/// live version stays live meanwhile.
#[server(endpoint = "submit_app")]
pub async fn submit_app(
    id: String,
    #[server(flatten)] form: crate::domain::review::SubmitIn,
) -> Result<(), AppError> {
    use crate::domain::app::AppStatus;
    use crate::domain::app_access::AppAction;
    use crate::domain::review::{checklist, validate_submit};
    use crate::server::change::Change;
    use crate::server::repo::submissions::NewSubmission;
    use crate::server::{app_access, context, repo, review};
    context::finish(
        async {
            let access = app_access::require(&id, AppAction::Submit).await?;
            let form = validate_submit(&form)?;
            match access.app.status {
                AppStatus::InReview => {
                    return Err(AppError::refused(
                        "This app is already in review: withdraw that submission to submit again.",
                    ))
                }
                AppStatus::Published if access.app.marketplace == 0 => {
                    return Err(AppError::refused(
                        "A private app is activated, not reviewed.",
                    ))
                }
                AppStatus::Draft | AppStatus::Rejected | AppStatus::Published => {}
            }
            let state = context::state()?;
            // The automated checks first, outside the transaction: they
            // wait on other servers, and nobody's writes should wait on
            // them. Run on the app as it is now; the submission freezes it
            // a moment later.
            let before =
                review::snapshot_of(&state.db.pool, &access.user.account_id, &access.app).await?;
            if !checklist(&before).is_empty() {
                return Err(not_ready(checklist(&before).len()));
            }
            let live = review::live_snapshot(&state.db.pool, &id).await?;
            let unchanged = |snapshot: &crate::domain::review::Snapshot| {
                live.as_ref()
                    .is_some_and(|live| crate::domain::review::diff(live, snapshot).is_empty())
            };
            if unchanged(&before) {
                return Err(nothing_changed());
            }
            let checks = review::pre_review_checks(&state, &id, &before).await?;
            let checks = serde_json::to_string(&checks).map_err(context::internal)?;
            let now = state.now_ms();
            // The app's row first: edits wait from here on (and one that
            // slipped in before the check is refused by its own write).
            let mut change = Change::begin(&state).await?;
            if !repo::apps::begin_review(&mut change, &id, now).await? {
                return Err(AppError::refused(
                    "Another version of this app is already in review.",
                ));
            }
            let mut snapshot =
                review::snapshot_of(&state.db.pool, &access.user.account_id, &access.app).await?;
            snapshot.release_notes = form.release_notes.clone();
            let missing = checklist(&snapshot);
            if !missing.is_empty() {
                return Err(not_ready(missing.len()));
            }
            if unchanged(&snapshot) {
                return Err(nothing_changed());
            }
            let snapshot = serde_json::to_string(&snapshot).map_err(context::internal)?;
            let inserted = repo::submissions::insert(
                &mut change,
                NewSubmission {
                    app_id: &id,
                    snapshot: &snapshot,
                    notes: &form.notes,
                    test_plan: &form.test_plan,
                    checks: &checks,
                    previous_status: access.app.status,
                    submitted_by: &access.user.user_id,
                    now,
                },
            )
            .await?;
            if !inserted {
                return Err(AppError::refused(
                    "Another version of this app is already in review.",
                ));
            }
            access
                .audit(
                    &mut change,
                    crate::domain::audit::AuditAction::Submitted,
                    "",
                )
                .await?;
            let version = repo::submissions::latest_version(&mut change, &id).await?;
            crate::server::mail::notify(
                &mut change,
                &state,
                repo::notifications::Recipient::User(&access.user.user_id),
                &crate::domain::notify::Message::submitted(&id, &access.app.name, version),
                None,
            )
            .await?;
            change.commit().await?;
            crate::server::mail::wake(&state);
            context::redirect(&format!("/apps/{id}/submit?submitted=1"));
            Ok(())
        }
        .await,
    )
}

/// The refusal of a new version that is the live one.
#[cfg(feature = "ssr")]
fn nothing_changed() -> AppError {
    AppError::refused("Nothing changed since the live version: there is no new version to review.")
}

/// The refusal of a submission while `missing` things are missing.
#[cfg(feature = "ssr")]
fn not_ready(missing: usize) -> AppError {
    AppError::refused(format!(
        "Not ready for review yet: {} missing, as listed on this page.",
        if missing == 1 {
            "one thing is".to_owned()
        } else {
            format!("{missing} things are")
        }
    ))
}

/// Takes the submission in review back: the app returns to the status it
/// had and can be changed again.
#[server(endpoint = "withdraw_submission")]
pub async fn withdraw_submission(id: String) -> Result<(), AppError> {
    use crate::domain::app_access::AppAction;
    use crate::server::change::Change;
    use crate::server::{app_access, context, repo};
    context::finish(
        async {
            let access = app_access::require(&id, AppAction::Submit).await?;
            let state = context::state()?;
            let now = state.now_ms();
            let mut change = Change::begin(&state).await?;
            let Some(previous) = repo::submissions::withdraw(&mut change, &id, now).await? else {
                return Err(AppError::refused(
                    "Nothing of this app is in review: it may have been decided just now.",
                ));
            };
            repo::apps::set_status(&mut change, &id, previous, now).await?;
            // Out of review: the reviewers' trial installs end.
            repo::oauth::end_trial_installs(&mut change, &id).await?;
            access
                .audit(
                    &mut change,
                    crate::domain::audit::AuditAction::Withdrawn,
                    "",
                )
                .await?;
            change.commit().await?;
            context::redirect(&format!("/apps/{id}/submit?withdrawn=1"));
            Ok(())
        }
        .await,
    )
}

/// A private app is not reviewed: its managers activate it, which turns
/// its production credentials on for its own account only (another
/// account is refused at the consent page), or deactivate it again.
#[server(endpoint = "set_private_app_active")]
pub async fn set_private_app_active(id: String, active: String) -> Result<(), AppError> {
    use crate::domain::app_access::AppAction;
    use crate::server::change::Change;
    use crate::server::{app_access, context, repo};
    context::finish(
        async {
            let access = app_access::require(&id, AppAction::Submit).await?;
            if access.app.marketplace != 0 {
                return Err(AppError::refused(
                    "A Marketplace app is published through review: submit it instead.",
                ));
            }
            let active = active == "on";
            let state = context::state()?;
            let mut change = Change::begin(&state).await?;
            if !repo::apps::set_private_active(&mut change, &id, active, state.now_ms()).await? {
                return Err(AppError::refused(if active {
                    "This app is already active."
                } else {
                    "This app is not active."
                }));
            }
            let action = if active {
                crate::domain::audit::AuditAction::Activated
            } else {
                crate::domain::audit::AuditAction::Deactivated
            };
            access.audit(&mut change, action, "").await?;
            change.commit().await?;
            context::redirect(&format!(
                "/apps/{id}/submit?{}=1",
                if active { "activated" } else { "deactivated" }
            ));
            Ok(())
        }
        .await,
    )
}
