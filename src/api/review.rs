//! Deciding on submitted apps (reviewers), and the submissions and field
//! notes both sides read. The developer's side (the Submit page, submit,
//! withdraw, private activation) is `api::submit`. The rules are
//! `domain::review`; who may is `server::app_access` (AppAction::Submit)
//! for the developer side and `server::review::require_reviewer` for every
//! reviewer function.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::app::AppKind;
use crate::domain::review::{FieldChange, Snapshot, SubmissionStatus};
use crate::error::AppError;

/// One submission as its pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionOut {
    pub id: String,
    pub app_id: String,
    pub app_name: String,
    pub app_kind: AppKind,
    pub publisher: String,
    pub version: i64,
    pub status: SubmissionStatus,
    pub submitted_by: String,
    pub submitted_ms: i64,
    pub notes: String,
    pub test_plan: String,
    /// The reviewer holding it, while their claim lasts.
    pub claimed_by: Option<String>,
    pub claim_expires_ms: Option<i64>,
    pub decided_by: Option<String>,
    pub decided_ms: Option<i64>,
    /// What the reviewer told the developer.
    pub decision_note: String,
    /// The reviewer's notes on single fields, in `NOTE_FIELDS` order.
    pub field_notes: Vec<FieldNoteOut>,
    /// The automated pre-review checks, run when it was submitted.
    pub checks: Vec<crate::domain::review::PreReviewCheck>,
}

/// A reviewer's note on one field, with where the field is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldNoteOut {
    pub field: String,
    pub label: String,
    /// The app page (`/apps/{id}/{page}`) holding the field.
    pub page: String,
    pub note: String,
}

/// The notes the developer still has to act on: those of the app's latest
/// submission, when it was rejected.
#[cfg(feature = "ssr")]
pub(crate) async fn open_field_notes(
    account_id: &str,
    app_id: &str,
) -> Result<Vec<FieldNoteOut>, AppError> {
    use crate::server::{context, repo};
    let pool = &context::state()?.db.pool;
    Ok(
        match repo::submissions::latest_notes(pool, account_id, app_id).await? {
            Some((status, json)) if status == SubmissionStatus::Rejected.as_str() => {
                field_notes_of(&json)
            }
            _ => Vec::new(),
        },
    )
}

/// The reviewer's notes the developer still has to act on, for the app's
/// pages to show beside their fields (`ReviewNote`).
#[server(endpoint = "review_field_notes")]
pub async fn review_field_notes(id: String) -> Result<Vec<FieldNoteOut>, AppError> {
    use crate::server::context;
    context::finish(
        async {
            let access =
                crate::server::app_access::require(&id, crate::domain::app_access::AppAction::Open)
                    .await?;
            open_field_notes(&access.user.account_id, &id).await
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
fn field_notes_of(json: &str) -> Vec<FieldNoteOut> {
    use crate::domain::review::NOTE_FIELDS;
    let map: std::collections::BTreeMap<String, String> =
        serde_json::from_str(json).unwrap_or_default();
    NOTE_FIELDS
        .iter()
        .filter_map(|(key, label, page, _)| {
            map.get(*key).map(|note| FieldNoteOut {
                field: (*key).to_owned(),
                label: (*label).to_owned(),
                page: (*page).to_owned(),
                note: note.clone(),
            })
        })
        .collect()
}

#[cfg(feature = "ssr")]
impl SubmissionOut {
    pub(crate) fn from_row(row: crate::server::repo::submissions::SubmissionRow, now: i64) -> Self {
        let live_claim = row.claim_expires_at.is_some_and(|until| until > now)
            && row.status == SubmissionStatus::InReview;
        SubmissionOut {
            claimed_by: row.claimed_by_name.filter(|_| live_claim),
            claim_expires_ms: row.claim_expires_at.filter(|_| live_claim),
            id: row.id,
            app_id: row.app_id,
            app_name: row.app_name,
            app_kind: row.app_kind,
            publisher: row.publisher,
            version: row.version,
            status: row.status,
            submitted_by: row.submitted_by_name,
            submitted_ms: row.submitted_at,
            notes: row.notes,
            test_plan: row.test_plan,
            decided_by: row.decided_by_name,
            decided_ms: row.decided_at,
            field_notes: field_notes_of(&row.field_notes),
            checks: serde_json::from_str(&row.checks).unwrap_or_default(),
            decision_note: row.decision_note,
        }
    }
}

/// The review queue: submissions in review, oldest first, optionally of
/// one app type (`kind`, a stored name).
#[server(endpoint = "review_queue")]
pub async fn review_queue(kind: Option<String>) -> Result<Vec<SubmissionOut>, AppError> {
    use crate::server::{context, repo, review};
    context::finish(
        async {
            review::require_reviewer().await?;
            let state = context::state()?;
            let kind = kind.as_deref().and_then(AppKind::parse);
            let now = state.now_ms();
            Ok(repo::submissions::queue(&state.db.pool, kind)
                .await?
                .into_iter()
                .map(|row| SubmissionOut::from_row(row, now))
                .collect())
        }
        .await,
    )
}

/// One submission for its reviewer: the frozen copy, the developer's notes
/// and test plan, and the app's earlier submissions with their decisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewOut {
    pub submission: SubmissionOut,
    pub snapshot: Snapshot,
    /// The caller holds the claim.
    pub claimed_by_me: bool,
    pub earlier: Vec<SubmissionOut>,
    /// Field by field, what this submission changes in the last approved
    /// version before it; `None` for a first version.
    pub changes: Option<Vec<FieldChange>>,
    /// The app's audit log, newest first.
    pub activity: Vec<crate::api::collaborators::AuditEntryOut>,
    /// Where the reviewer installs the app in their own account with its
    /// development credentials, while it is in review (`None` without
    /// development credentials and a development redirect URL).
    pub try_url: Option<String>,
}

/// The review page's data.
#[server(endpoint = "review_submission")]
pub async fn review_submission(submission_id: String) -> Result<ReviewOut, AppError> {
    use crate::server::{context, repo, review};
    context::finish(
        async {
            let reviewer = review::require_reviewer().await?;
            let state = context::state()?;
            let pool = &state.db.pool;
            let row = repo::submissions::find(pool, &submission_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let now = state.now_ms();
            let snapshot: Snapshot =
                serde_json::from_str(&row.snapshot).map_err(context::internal)?;
            let claimed_by_me = row.claimed_by.as_deref() == Some(reviewer.user_id.as_str())
                && row.claim_expires_at.is_some_and(|until| until > now);
            let changes =
                match repo::submissions::last_approved_before(pool, &row.app_id, row.version)
                    .await?
                {
                    Some(json) => {
                        let before: Snapshot =
                            serde_json::from_str(&json).map_err(context::internal)?;
                        Some(crate::domain::review::diff(&before, &snapshot))
                    }
                    None => None,
                };
            let account_id = repo::apps::account_of(pool, &row.app_id).await?;
            let activity = repo::audit::for_app(
                pool,
                &account_id,
                &row.app_id,
                &[],
                crate::api::collaborators::ACTIVITY_LIMIT,
            )
            .await?
            .into_iter()
            .map(crate::api::collaborators::audit_out)
            .collect();
            let earlier = repo::submissions::earlier(pool, &row.app_id, row.version)
                .await?
                .into_iter()
                .map(|r| SubmissionOut::from_row(r, now))
                .collect();
            let try_url = match repo::oauth::client_of_app(
                pool,
                &row.app_id,
                crate::domain::app::Environment::Development,
            )
            .await?
            {
                Some(client)
                    if client.status == crate::domain::app::AppStatus::InReview
                        && !client.redirect_url().is_empty() =>
                {
                    Some(crate::server::oauth::authorize::install_path(&client))
                }
                _ => None,
            };
            Ok(ReviewOut {
                try_url,
                submission: SubmissionOut::from_row(row, now),
                snapshot,
                claimed_by_me,
                earlier,
                changes,
                activity,
            })
        }
        .await,
    )
}

/// Claims a submission for `domain::review::CLAIM_MS`, so that no other
/// reviewer decides on it meanwhile; refused while another reviewer's
/// claim lasts.
#[server(endpoint = "claim_submission")]
pub async fn claim_submission(submission_id: String) -> Result<(), AppError> {
    use crate::domain::review::CLAIM_MS;
    use crate::server::{context, repo, review};
    context::finish(
        async {
            let reviewer = review::require_reviewer().await?;
            let state = context::state()?;
            let pool = &state.db.pool;
            let now = state.now_ms();
            if !repo::submissions::claim(
                pool,
                &submission_id,
                &reviewer.user_id,
                now,
                now + CLAIM_MS,
            )
            .await?
            {
                return Err(why_not(&submission_id, &reviewer.user_id).await?);
            }
            context::redirect(&format!("/review/{submission_id}"));
            Ok(())
        }
        .await,
    )
}

/// Approves or rejects a submission. Exactly one decision is recorded: a
/// second reviewer deciding at the same moment is told who decided.
/// Approval publishes the app (its production credentials work from now
/// on); rejection sends it back to its developers with the note.
#[server(endpoint = "decide_submission")]
pub async fn decide_submission(
    #[server(flatten)] form: crate::domain::review::DecisionIn,
) -> Result<(), AppError> {
    use crate::domain::app::AppStatus;
    use crate::domain::review::{validate_decision, Decision};
    use crate::server::change::Change;
    use crate::server::{context, repo, review};
    context::finish(
        async {
            let reviewer = review::require_reviewer().await?;
            let valid = validate_decision(&form)?;
            let (decision, note) = (valid.decision, valid.note.clone());
            let field_notes =
                serde_json::to_string(&valid.field_notes).map_err(context::internal)?;
            let (submission, app) = match decision {
                Decision::Approve => (SubmissionStatus::Approved, AppStatus::Published),
                Decision::Reject => (SubmissionStatus::Rejected, AppStatus::Rejected),
            };
            let state = context::state()?;
            let now = state.now_ms();
            let mut change = Change::begin(&state).await?;
            let decided = repo::submissions::decide(
                &mut change,
                &form.submission_id,
                &reviewer.user_id,
                submission,
                &note,
                &field_notes,
                now,
            )
            .await?;
            let Some(app_id) = decided else {
                drop(change);
                return Err(why_not(&form.submission_id, &reviewer.user_id).await?);
            };
            let (version, snapshot) = repo::submissions::frozen(&mut change, &form.submission_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let snapshot: Snapshot = serde_json::from_str(&snapshot).map_err(context::internal)?;
            if let Some((submitter, _)) =
                repo::submissions::submitter(&mut change, &form.submission_id).await?
            {
                let labelled: Vec<(&str, &str)> = valid
                    .field_notes
                    .iter()
                    .map(|(field, text)| {
                        (
                            crate::domain::review::note_field(field).map_or("", |f| f.0),
                            text.as_str(),
                        )
                    })
                    .collect();
                crate::server::mail::notify(
                    &mut change,
                    &state,
                    repo::notifications::Recipient::User(&submitter),
                    &crate::domain::notify::Message::decided(
                        &app_id,
                        &snapshot.name,
                        version,
                        decision == Decision::Approve,
                        &note,
                        &labelled,
                    ),
                    None,
                )
                .await?;
            }
            if decision == Decision::Approve {
                publish(
                    &mut change,
                    &app_id,
                    &form.submission_id,
                    version,
                    &snapshot,
                    now,
                    state.db.dialect,
                )
                .await?;
            }
            let account_id = repo::apps::account_of(&mut **change, &app_id).await?;
            change
                .audit(
                    &reviewer,
                    (&app_id, &account_id),
                    match decision {
                        Decision::Approve => crate::domain::audit::AuditAction::Approved,
                        Decision::Reject => crate::domain::audit::AuditAction::Rejected,
                    },
                    &format!(
                        "version {version}: {note}{}",
                        valid
                            .field_notes
                            .iter()
                            .map(|(field, text)| format!(
                                "\n{}: {text}",
                                crate::domain::review::note_field(field).map_or("", |f| f.0)
                            ))
                            .collect::<String>()
                    ),
                )
                .await?;
            repo::apps::set_status(&mut change, &app_id, app, now).await?;
            // The review is over: so are the reviewers' trial installs.
            repo::oauth::end_trial_installs(&mut change, &app_id).await?;
            change.commit().await?;
            crate::server::mail::wake(&state);
            context::redirect("/review?decided=1");
            Ok(())
        }
        .await,
    )
}

/// Makes the approved submission the app's live version: its listing on
/// the Marketplace (with the media it was submitted with: they were frozen
/// with it) and the scopes and redirect URL production credentials use.
#[cfg(feature = "ssr")]
async fn publish(
    change: &mut crate::server::change::Change<'_>,
    app_id: &str,
    submission_id: &str,
    version: i64,
    snapshot: &Snapshot,
    now: i64,
    dialect: crate::server::db::Dialect,
) -> Result<(), AppError> {
    use crate::server::repo;
    repo::marketplace::make_live(
        change,
        repo::marketplace::Publish {
            app_id,
            submission_id,
            version,
            snapshot,
            now,
            dialect,
        },
    )
    .await?;
    Ok(())
}

/// Why a claim or a decision on `submission_id` was not recorded.
#[cfg(feature = "ssr")]
async fn why_not(submission_id: &str, reviewer: &str) -> Result<AppError, AppError> {
    use crate::server::{context, repo};
    let state = context::state()?;
    if repo::submissions::is_own(&state.db.pool, submission_id, reviewer).await? {
        return Ok(AppError::forbidden(
            "You belong to this app's account: another reviewer must review it.",
        ));
    }
    let row = repo::submissions::find(&state.db.pool, submission_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(AppError::refused(match row.status {
        SubmissionStatus::InReview => format!(
            "{} is reviewing this submission: their claim lasts until {} UTC.",
            row.claimed_by_name
                .unwrap_or_else(|| "Another reviewer".into()),
            crate::domain::time::iso(row.claim_expires_at.unwrap_or_default())
        ),
        SubmissionStatus::Withdrawn => "The developer withdrew this submission.".to_owned(),
        decided => format!(
            "{} already decided: {}.",
            row.decided_by_name
                .unwrap_or_else(|| "Another reviewer".into()),
            decided.label().to_lowercase()
        ),
    }))
}
