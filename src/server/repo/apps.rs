//! Apps.

use crate::domain::app::{AppKind, AppStatus};
use sqlx::{AnyPool, FromRow};

use crate::server::ids::new_id;

/// A row of `apps`.
#[derive(Debug, Clone, FromRow)]
pub struct AppRow {
    pub id: String,
    pub account_id: String,
    pub marketplace: i64,
    #[sqlx(try_from = "String")]
    pub kind: AppKind,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub status: AppStatus,
    pub created_at: i64,
    pub updated_at: i64,
    /// The approved version live on the Marketplace (None: never approved).
    pub live_version: Option<i64>,
    /// `marketplace` or `landing_page` (domain::listing::InstallOption).
    pub install_option: String,
    pub landing_url: String,
}

impl AppRow {
    /// Whether its production credentials work: an approved version is
    /// live, or the private app is activated (status published).
    pub fn production_active(&self) -> bool {
        self.status == AppStatus::Published || self.live_version.is_some()
    }
}

/// The columns of `AppRow` (unqualified: they read the same from `apps a`).
pub(crate) const APP_COLUMNS: &str =
    "id, account_id, marketplace, kind, name, status, created_at, \
     updated_at, live_version, install_option, landing_url";

/// What a new app needs.
pub struct NewApp<'a> {
    pub account_id: &'a str,
    pub created_by: &'a str,
    pub marketplace: bool,
    pub kind: &'a str,
    pub name: &'a str,
    pub name_key: &'a str,
    pub now: i64,
}

/// Creates an app; a taken name fails with a unique violation (the index
/// on `name_key` decides races: exactly one of two creators wins).
pub async fn create(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    app: NewApp<'_>,
) -> Result<String, sqlx::Error> {
    let id = new_id("app");
    sqlx::query(
        "INSERT INTO apps (id, account_id, created_by, marketplace, kind, name, name_key, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(&id)
    .bind(app.account_id)
    .bind(app.created_by)
    .bind(i64::from(app.marketplace))
    .bind(app.kind)
    .bind(app.name)
    .bind(app.name_key)
    .bind(app.now)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// Deletes an app of the account unless it is published; returns whether
/// one was deleted.
pub async fn delete_unpublished(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    account_id: &str,
    id: &str,
) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("DELETE FROM apps WHERE id = $1 AND account_id = $2 AND status <> 'published' AND live_version IS NULL")
            .bind(id)
            .bind(account_id)
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// An app with its listing fields.
#[derive(Debug, Clone, FromRow)]
pub struct InformationRow {
    #[sqlx(flatten)]
    pub app: AppRow,
    pub short_description: String,
    pub long_description: String,
    pub contact_name: String,
    pub contact_email: String,
    pub privacy_url: String,
    pub support_url: String,
    pub configure_url: String,
    pub categories: String,
}

impl InformationRow {
    /// The category slugs (stored comma-separated).
    pub fn category_list(&self) -> Vec<String> {
        self.categories
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// An app of the account with its listing fields, in one read.
pub async fn information(
    pool: &AnyPool,
    account_id: &str,
    id: &str,
) -> Result<Option<InformationRow>, sqlx::Error> {
    sqlx::query_as::<_, InformationRow>(&format!(
        "SELECT {APP_COLUMNS}, short_description, long_description, contact_name, contact_email, \
                privacy_url, support_url, configure_url, categories \
         FROM apps WHERE id = $1 AND account_id = $2"
    ))
    .bind(id)
    .bind(account_id)
    .fetch_optional(pool)
    .await
}

/// Saves the listing fields that are `Some`, leaving the others as they
/// are, in one statement (each field is saved whole or not at all). False
/// when the app went into review since the caller's check (frozen then).
pub async fn update_information(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    account_id: &str,
    id: &str,
    patch: &crate::domain::listing::InformationPatch,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE apps SET \
           short_description = COALESCE($1, short_description), \
           long_description = COALESCE($2, long_description), \
           contact_name = COALESCE($3, contact_name), \
           contact_email = COALESCE($4, contact_email), \
           privacy_url = COALESCE($5, privacy_url), \
           support_url = COALESCE($6, support_url), \
           configure_url = COALESCE($7, configure_url), \
           categories = COALESCE($8, categories), \
           updated_at = $9 \
         WHERE id = $10 AND account_id = $11 AND status <> 'in_review'",
    )
    .bind(patch.short_description.clone())
    .bind(patch.long_description.clone())
    .bind(patch.contact_name.clone())
    .bind(patch.contact_email.clone())
    .bind(patch.privacy_url.clone())
    .bind(patch.support_url.clone())
    .bind(patch.configure_url.clone())
    .bind(patch.categories.as_ref().map(|c| c.join(",")))
    .bind(now)
    .bind(id)
    .bind(account_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Renames an app; a name another app has fails with a unique violation.
pub async fn rename(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    account_id: &str,
    id: &str,
    name: &str,
    name_key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE apps SET name = $1, name_key = $2 WHERE id = $3 AND account_id = $4")
        .bind(name)
        .bind(name_key)
        .bind(id)
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Puts a draft, rejected or published (a new version of a live app)
/// Marketplace app into review, first thing in the submission's
/// transaction: this locks its row (PostgreSQL) or takes the write lock
/// (SQLite), so no edit lands between the snapshot and the submission.
/// False when the app is in review already.
pub async fn begin_review(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE apps SET status = 'in_review', updated_at = $1 \
         WHERE id = $2 AND marketplace = 1 AND status IN ('draft', 'rejected', 'published')",
    )
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Turns a private app's production credentials on (`active`: a draft
/// becomes published, for its own account only) or off again. False when
/// the app is not private or is not in the status the change starts from.
pub async fn set_private_active(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    active: bool,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let (to, from) = if active {
        (AppStatus::Published, AppStatus::Draft)
    } else {
        (AppStatus::Draft, AppStatus::Published)
    };
    let done = sqlx::query(
        "UPDATE apps SET status = $1, updated_at = $2 WHERE id = $3 AND marketplace = 0 AND status = $4",
    )
    .bind(to.as_str())
    .bind(now)
    .bind(id)
    .bind(from.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Makes version `version` live: production credentials use its reviewed
/// scopes, production redirect URL, allow list and strict mode from now
/// on (the last two as they are now: frozen since the submission).
pub async fn set_live(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    version: i64,
    scopes: &str,
    redirect_url: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE apps SET live_version = $1, live_scopes = $2, live_redirect_url = $3, \
                live_allow_list = COALESCE((SELECT allow_list FROM app_oauth WHERE app_id = $4), ''), \
                live_strict_mode = COALESCE((SELECT strict_mode FROM app_oauth WHERE app_id = $4), 1) \
         WHERE id = $4",
    )
    .bind(version)
    .bind(scopes)
    .bind(redirect_url)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The account an app belongs to (for a reviewer's audit entry).
pub async fn account_of(
    db: impl sqlx::Executor<'_, Database = sqlx::Any>,
    id: &str,
) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT account_id FROM apps WHERE id = $1")
        .bind(id)
        .fetch_one(db)
        .await
}

/// Saves how users add the app; false when it is in review (frozen).
pub async fn save_install_option(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    option: &str,
    landing_url: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE apps SET install_option = $1, landing_url = $2, updated_at = $3 \
         WHERE id = $4 AND status <> 'in_review'",
    )
    .bind(option)
    .bind(landing_url)
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves an app to `status` (submission, withdrawal, a decision).
pub async fn set_status(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    status: AppStatus,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE apps SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status.as_str())
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Records that the app changed now (its "last change" on My apps), in
/// the change's transaction: false when the app went into review since
/// the caller's check (its configuration is frozen then).
pub async fn touch(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE apps SET updated_at = $1 WHERE id = $2 AND status <> 'in_review'")
            .bind(now)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected() == 1)
}
