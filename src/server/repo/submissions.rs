//! Submissions for review (`submissions`): the frozen copy, the queue, a
//! reviewer's claim and the decision. Conditions that must hold under
//! concurrency (one submission in review per app, one decision per
//! submission, a live claim keeps others out) live in the statements.

use sqlx::{AnyPool, FromRow};

use crate::domain::app::{AppKind, AppStatus};
use crate::domain::review::SubmissionStatus;
use crate::server::ids::new_id;

/// A submission with the names its pages show.
#[derive(Debug, Clone, FromRow)]
pub struct SubmissionRow {
    pub id: String,
    pub app_id: String,
    pub version: i64,
    pub snapshot: String,
    pub notes: String,
    pub test_plan: String,
    #[sqlx(try_from = "String")]
    pub status: SubmissionStatus,
    #[sqlx(try_from = "String")]
    pub previous_status: AppStatus,
    pub submitted_by_name: String,
    pub submitted_at: i64,
    pub claimed_by: Option<String>,
    pub claimed_by_name: Option<String>,
    pub claim_expires_at: Option<i64>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_note: String,
    /// JSON object: field key → the reviewer's note on it.
    pub field_notes: String,
    /// JSON list of the pre-review checks' results.
    pub checks: String,
    pub app_name: String,
    #[sqlx(try_from = "String")]
    pub app_kind: AppKind,
    pub publisher: String,
}

const SELECT: &str = "SELECT s.id, s.app_id, s.version, s.snapshot, s.notes, s.test_plan, s.status, \
            s.previous_status, sb.display_name AS submitted_by_name, s.submitted_at, s.claimed_by, \
            cb.display_name AS claimed_by_name, s.claim_expires_at, db.display_name AS decided_by_name, \
            s.decided_at, s.decision_note, s.field_notes, s.checks, a.name AS app_name, a.kind AS app_kind, acc.name AS publisher \
     FROM submissions s JOIN apps a ON a.id = s.app_id JOIN accounts acc ON acc.id = a.account_id \
     JOIN users sb ON sb.id = s.submitted_by LEFT JOIN users cb ON cb.id = s.claimed_by \
     LEFT JOIN users db ON db.id = s.decided_by";

/// What a submission is made of.
pub struct NewSubmission<'a> {
    pub app_id: &'a str,
    pub snapshot: &'a str,
    pub notes: &'a str,
    pub test_plan: &'a str,
    /// JSON list of the pre-review checks' results.
    pub checks: &'a str,
    pub previous_status: AppStatus,
    pub submitted_by: &'a str,
    pub now: i64,
}

/// Records a submission as the app's next version; `false` when one is
/// already in review (the unique index decides, also between two racing
/// submits).
pub async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    new: NewSubmission<'_>,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO submissions (id, app_id, version, snapshot, notes, test_plan, status, \
                previous_status, submitted_by, submitted_at, checks) \
         SELECT $1, $2, COALESCE(MAX(version), 0) + 1, $3, $4, $5, 'in_review', $6, $7, $8, $9 \
         FROM submissions WHERE app_id = $2 \
         ON CONFLICT DO NOTHING",
    )
    .bind(new_id("sub"))
    .bind(new.app_id)
    .bind(new.snapshot)
    .bind(new.notes)
    .bind(new.test_plan)
    .bind(new.previous_status.as_str())
    .bind(new.submitted_by)
    .bind(new.now)
    .bind(new.checks)
    .execute(&mut **tx)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// A submission's version and frozen snapshot (JSON), read inside the
/// transaction that decides on it.
pub async fn frozen(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as::<_, (i64, String)>("SELECT version, snapshot FROM submissions WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

/// The status and field notes of the app's latest submission.
pub async fn latest_notes(
    pool: &AnyPool,
    account_id: &str,
    app_id: &str,
) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as::<_, (String, String)>(
        "SELECT s.status, s.field_notes FROM submissions s JOIN apps a ON a.id = s.app_id \
         WHERE s.app_id = $1 AND a.account_id = $2 ORDER BY s.version DESC LIMIT 1",
    )
    .bind(app_id)
    .bind(account_id)
    .fetch_optional(pool)
    .await
}

/// Every submission of an app, newest first (the app's history).
pub async fn for_app(
    pool: &AnyPool,
    account_id: &str,
    app_id: &str,
) -> Result<Vec<SubmissionRow>, sqlx::Error> {
    sqlx::query_as::<_, SubmissionRow>(&format!(
        "{SELECT} WHERE s.app_id = $1 AND a.account_id = $2 ORDER BY s.version DESC"
    ))
    .bind(app_id)
    .bind(account_id)
    .fetch_all(pool)
    .await
}

/// Takes the app's submission back out of review; returns the app's
/// status from before it was submitted, or `None` when none was in review.
pub async fn withdraw(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    app_id: &str,
    now: i64,
) -> Result<Option<AppStatus>, sqlx::Error> {
    let previous = sqlx::query_scalar::<_, String>(
        "UPDATE submissions SET status = 'withdrawn', decided_at = $1 \
         WHERE app_id = $2 AND status = 'in_review' RETURNING previous_status",
    )
    .bind(now)
    .bind(app_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(previous.and_then(|p| AppStatus::parse(&p)))
}

/// Submissions in review, oldest first (the review queue), across every
/// account: reviewers are the platform's staff.
pub async fn queue(
    pool: &AnyPool,
    kind: Option<AppKind>,
) -> Result<Vec<SubmissionRow>, sqlx::Error> {
    sqlx::query_as::<_, SubmissionRow>(&format!(
        "{SELECT} WHERE s.status = 'in_review' AND ($1 = '' OR a.kind = $1) \
         ORDER BY s.submitted_at, s.id"
    ))
    .bind(kind.map_or("", AppKind::as_str))
    .fetch_all(pool)
    .await
}

/// One submission, for a reviewer.
pub async fn find(pool: &AnyPool, id: &str) -> Result<Option<SubmissionRow>, sqlx::Error> {
    sqlx::query_as::<_, SubmissionRow>(&format!("{SELECT} WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// An app's submissions before `version`, newest first (for a reviewer).
pub async fn earlier(
    pool: &AnyPool,
    app_id: &str,
    version: i64,
) -> Result<Vec<SubmissionRow>, sqlx::Error> {
    sqlx::query_as::<_, SubmissionRow>(&format!(
        "{SELECT} WHERE s.app_id = $1 AND s.version < $2 ORDER BY s.version DESC"
    ))
    .bind(app_id)
    .bind(version)
    .fetch_all(pool)
    .await
}

/// The snapshot of the app's last approved submission before `version`.
pub async fn last_approved_before(
    pool: &AnyPool,
    app_id: &str,
    version: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT snapshot FROM submissions WHERE app_id = $1 AND status = 'approved' AND version < $2 \
         ORDER BY version DESC LIMIT 1",
    )
    .bind(app_id)
    .bind(version)
    .fetch_optional(pool)
    .await
}

/// Whether `user_id` belongs to the account of the submission's app (a
/// reviewer never reviews their own account's apps).
pub async fn is_own(pool: &AnyPool, id: &str, user_id: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM submissions s JOIN apps a ON a.id = s.app_id \
         JOIN memberships m ON m.account_id = a.account_id WHERE s.id = $1 AND m.user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .fetch_one(pool)
    .await?
        > 0)
}

/// `reviewer` claims a submission in review until `until`, unless another
/// reviewer's claim is still live; `false` then (or when it is decided).
pub async fn claim(
    pool: &AnyPool,
    id: &str,
    reviewer: &str,
    now: i64,
    until: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE submissions SET claimed_by = $1, claim_expires_at = $2 \
         WHERE id = $3 AND status = 'in_review' \
           AND (claimed_by IS NULL OR claimed_by = $1 OR claim_expires_at <= $4) \
           AND NOT EXISTS (SELECT 1 FROM apps a JOIN memberships m ON m.account_id = a.account_id \
                           WHERE a.id = submissions.app_id AND m.user_id = $1)",
    )
    .bind(reviewer)
    .bind(until)
    .bind(id)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records `reviewer`'s decision on a submission still in review that no
/// other reviewer holds a live claim on, of an app outside the
/// reviewer's own accounts; returns its app, or `None` when
/// the decision was not recorded (decided already, withdrawn, claimed).
pub async fn decide(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    reviewer: &str,
    status: SubmissionStatus,
    note: &str,
    field_notes: &str,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar::<_, String>(
        "UPDATE submissions SET status = $1, decided_by = $2, decided_at = $3, decision_note = $4, \
                field_notes = $6 \
         WHERE id = $5 AND status = 'in_review' \
           AND (claimed_by IS NULL OR claimed_by = $2 OR claim_expires_at <= $3) \
           AND NOT EXISTS (SELECT 1 FROM apps a JOIN memberships m ON m.account_id = a.account_id \
                           WHERE a.id = submissions.app_id AND m.user_id = $2) \
         RETURNING app_id",
    )
    .bind(status.as_str())
    .bind(reviewer)
    .bind(now)
    .bind(note)
    .bind(id)
    .bind(field_notes)
    .fetch_optional(&mut **tx)
    .await
}

/// Who submitted a submission, and its version (inside the caller's
/// transaction).
pub async fn submitter(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    submission_id: &str,
) -> Result<Option<(String, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT submitted_by, version FROM submissions WHERE id = $1")
        .bind(submission_id)
        .fetch_optional(&mut **tx)
        .await
}

/// The app's newest submission's version (inside the caller's transaction).
pub async fn latest_version(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    app_id: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM submissions WHERE app_id = $1")
        .bind(app_id)
        .fetch_one(&mut **tx)
        .await
}
