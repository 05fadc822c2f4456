//! An app's OAuth settings (`app_oauth`), the clients the authorization
//! server knows (credentials joined with their app and settings), and
//! installs.

use crate::domain::app::{AppKind, AppStatus, Environment};
use sqlx::{AnyPool, FromRow};

use crate::server::ids::new_id;

/// An app's OAuth settings; defaults when none were saved.
#[derive(Debug, Clone, Default, FromRow)]
pub struct SettingsRow {
    pub development_redirect_url: String,
    pub production_redirect_url: String,
    pub allow_list: String,
    pub strict_mode: i64,
    pub scopes: String,
    pub publish_token: Option<String>,
    pub publish_fingerprint: Option<String>,
}

const SETTINGS_COLUMNS: &str = "development_redirect_url, production_redirect_url, allow_list, \
     strict_mode, scopes, publish_token, publish_fingerprint";

/// The app's settings (strict mode on and nothing set, when never saved).
pub async fn settings(pool: &AnyPool, app_id: &str) -> Result<SettingsRow, sqlx::Error> {
    let row = sqlx::query_as::<_, SettingsRow>(&format!(
        "SELECT {SETTINGS_COLUMNS} FROM app_oauth WHERE app_id = $1"
    ))
    .bind(app_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.unwrap_or(SettingsRow {
        strict_mode: 1,
        ..SettingsRow::default()
    }))
}

async fn ensure_row(
    db: impl sqlx::Executor<'_, Database = sqlx::Any>,
    app_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO app_oauth (app_id) VALUES ($1) ON CONFLICT (app_id) DO NOTHING")
        .bind(app_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Saves redirect URLs, the allow list (one per line) and strict mode.
pub async fn save_redirects(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    app_id: &str,
    redirects: &crate::domain::oauth::ValidRedirects,
) -> Result<(), sqlx::Error> {
    ensure_row(&mut **tx, app_id).await?;
    sqlx::query(
        "UPDATE app_oauth SET development_redirect_url = $1, production_redirect_url = $2, \
                allow_list = $3, strict_mode = $4 WHERE app_id = $5",
    )
    .bind(&redirects.development)
    .bind(&redirects.production)
    .bind(redirects.allow_list.join("\n"))
    .bind(i64::from(redirects.strict_mode))
    .bind(app_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Saves the app's scopes (space-separated wire form).
pub async fn save_scopes(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    app_id: &str,
    scopes: &str,
) -> Result<(), sqlx::Error> {
    ensure_row(&mut **tx, app_id).await?;
    sqlx::query("UPDATE app_oauth SET scopes = $1 WHERE app_id = $2")
        .bind(scopes)
        .bind(app_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Records a new Publishable URL token and what it was made from.
pub async fn save_publish_token(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    app_id: &str,
    token: &str,
    fingerprint: &str,
) -> Result<(), sqlx::Error> {
    ensure_row(&mut **tx, app_id).await?;
    sqlx::query(
        "UPDATE app_oauth SET publish_token = $1, publish_fingerprint = $2 WHERE app_id = $3",
    )
    .bind(token)
    .bind(fingerprint)
    .bind(app_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The app a Publishable URL token belongs to.
pub async fn app_of_publish_token(
    pool: &AnyPool,
    token: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT app_id FROM app_oauth WHERE publish_token = $1")
        .bind(token)
        .fetch_optional(pool)
        .await
}

/// A client as the authorization server sees it: one environment's
/// credentials with its app and the app's settings.
#[derive(Debug, Clone, FromRow)]
pub struct ClientRow {
    pub client_id: String,
    #[sqlx(try_from = "String")]
    pub environment: Environment,
    pub app_id: String,
    pub app_name: String,
    /// 0 for a private app: its production credentials serve only its own
    /// account.
    pub marketplace: i64,
    #[sqlx(try_from = "String")]
    pub kind: AppKind,
    #[sqlx(try_from = "String")]
    pub status: AppStatus,
    pub account_id: String,
    pub publisher: String,
    /// The approved version live, if any (then production uses its
    /// reviewed scopes and redirect URL, whatever the draft says).
    pub live_version: Option<i64>,
    pub development_redirect_url: Option<String>,
    pub production_redirect_url: Option<String>,
    pub allow_list: Option<String>,
    pub strict_mode: Option<i64>,
    pub scopes: Option<String>,
    pub secret_hash: String,
    pub old_secret_hash: Option<String>,
    pub old_secret_expires_at: Option<i64>,
}

impl ClientRow {
    /// Whether this client may be used: development always; production
    /// once a version is approved (or the private app is activated).
    pub fn active(&self) -> bool {
        self.environment == Environment::Development
            || self.status == AppStatus::Published
            || self.live_version.is_some()
    }

    /// Whether `secret_hash` is the current secret's, or the previous
    /// one's within its grace period.
    pub fn secret_matches(&self, secret_hash: &str, now: i64) -> bool {
        self.secret_hash == secret_hash
            || (self.old_secret_hash.as_deref() == Some(secret_hash)
                && self.old_secret_expires_at.is_some_and(|at| at > now))
    }

    /// The redirect URL registered for this client's environment.
    pub fn redirect_url(&self) -> &str {
        let url = if self.environment == Environment::Production {
            &self.production_redirect_url
        } else {
            &self.development_redirect_url
        };
        url.as_deref().unwrap_or_default()
    }
}

// A production client of a live app is the reviewed version: its name,
// scopes, redirect URL, allow list and strict mode are the approved ones,
// whatever the draft says since.
const CLIENT_SELECT: &str = "SELECT c.client_id, c.environment, a.id AS app_id, \
            CASE WHEN c.environment = 'production' AND a.live_version IS NOT NULL \
                 THEN COALESCE((SELECT l.name FROM marketplace_listings l WHERE l.app_id = a.id), a.name) \
                 ELSE a.name END AS app_name, \
            a.marketplace, a.kind, a.status, a.account_id, acc.name AS publisher, a.live_version, \
            o.development_redirect_url, \
            CASE WHEN a.live_version IS NOT NULL THEN a.live_redirect_url \
                 ELSE o.production_redirect_url END AS production_redirect_url, \
            CASE WHEN c.environment = 'production' AND a.live_version IS NOT NULL THEN a.live_allow_list \
                 ELSE o.allow_list END AS allow_list, \
            CASE WHEN c.environment = 'production' AND a.live_version IS NOT NULL THEN a.live_strict_mode \
                 ELSE o.strict_mode END AS strict_mode, \
            CASE WHEN c.environment = 'production' AND a.live_version IS NOT NULL THEN a.live_scopes \
                 ELSE o.scopes END AS scopes, \
            c.secret_hash, c.old_secret_hash, c.old_secret_expires_at \
     FROM app_credentials c JOIN apps a ON a.id = c.app_id JOIN accounts acc ON acc.id = a.account_id \
     LEFT JOIN app_oauth o ON o.app_id = a.id";

/// The client with this id, if any.
pub async fn client(pool: &AnyPool, client_id: &str) -> Result<Option<ClientRow>, sqlx::Error> {
    sqlx::query_as::<_, ClientRow>(&format!("{CLIENT_SELECT} WHERE c.client_id = $1"))
        .bind(client_id)
        .fetch_optional(pool)
        .await
}

/// The client of an app's environment, if its credentials were made.
pub async fn client_of_app(
    pool: &AnyPool,
    app_id: &str,
    environment: Environment,
) -> Result<Option<ClientRow>, sqlx::Error> {
    sqlx::query_as::<_, ClientRow>(&format!(
        "{CLIENT_SELECT} WHERE a.id = $1 AND c.environment = $2"
    ))
    .bind(app_id)
    .bind(environment.as_str())
    .fetch_optional(pool)
    .await
}

/// What an install is made of.
pub struct NewInstall<'a> {
    pub app_id: &'a str,
    pub environment: Environment,
    pub account_id: &'a str,
    /// `Some` for a user-managed app (installed for that user only).
    pub user_id: Option<&'a str>,
    pub installed_by: &'a str,
    pub scopes: &'a str,
    pub now: i64,
}

/// Installs an app, or updates the scopes of the existing install for the
/// same owner; returns the install's id.
pub async fn upsert_install(
    pool: &AnyPool,
    install: NewInstall<'_>,
) -> Result<String, sqlx::Error> {
    let owner_key = format!(
        "{}|{}|{}|{}",
        install.app_id,
        install.environment,
        install.account_id,
        install.user_id.unwrap_or("*")
    );
    sqlx::query_scalar(
        "INSERT INTO installs (id, app_id, environment, account_id, user_id, installed_by, scopes, owner_key, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (owner_key) DO UPDATE SET scopes = excluded.scopes \
         RETURNING id",
    )
    .bind(new_id("ins"))
    .bind(install.app_id)
    .bind(install.environment.as_str())
    .bind(install.account_id)
    .bind(install.user_id)
    .bind(install.installed_by)
    .bind(install.scopes)
    .bind(owner_key)
    .bind(install.now)
    .fetch_one(pool)
    .await
}

/// An install, with its app, for the Installed apps page.
#[derive(Debug, Clone, FromRow)]
pub struct InstallRow {
    pub id: String,
    pub app_id: String,
    pub app_name: String,
    #[sqlx(try_from = "String")]
    pub kind: AppKind,
    #[sqlx(try_from = "String")]
    pub environment: Environment,
    pub account_id: String,
    pub user_id: Option<String>,
    pub installed_by_name: String,
    /// What the install consented to.
    pub scopes: String,
    /// What the app asks for now in the install's environment (production:
    /// the live version's; development: the draft's).
    pub app_scopes: String,
    pub created_at: i64,
}

impl InstallRow {
    /// Scopes the app asks for now that the install never consented to.
    pub fn unapproved_scopes(&self) -> Vec<String> {
        let consented: Vec<&str> = self.scopes.split_whitespace().collect();
        self.app_scopes
            .split_whitespace()
            .filter(|s| !consented.contains(s))
            .map(str::to_owned)
            .collect()
    }
}

const INSTALL_SELECT: &str = "SELECT i.id, i.app_id, a.name AS app_name, a.kind, i.environment, \
            i.account_id, i.user_id, u.display_name AS installed_by_name, i.scopes, \
            CASE WHEN i.environment = 'production' AND a.live_version IS NOT NULL THEN a.live_scopes \
                 ELSE COALESCE((SELECT o.scopes FROM app_oauth o WHERE o.app_id = a.id), '') END AS app_scopes, \
            i.created_at \
     FROM installs i JOIN apps a ON a.id = i.app_id JOIN users u ON u.id = i.installed_by";

/// Gives an install (of `account_id`) the scopes the app asks for now,
/// after its owner approved them, and the install's unrevoked grants with
/// it: their tokens carry the new scopes from the next request on (the
/// token cache forgets at commit). Only what the install still lacks is
/// asked for, so `expected` (what the person saw and approved) must still
/// be what the app asks for: a version approved in between is not
/// approved unseen. False when it is not.
pub async fn approve_install_scopes(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    account_id: &str,
    install_id: &str,
    expected: &str,
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query(
        "UPDATE installs SET scopes = $1 WHERE id = $2 AND account_id = $3 AND $1 = \
            (SELECT CASE WHEN installs.environment = 'production' AND a.live_version IS NOT NULL THEN a.live_scopes \
                         ELSE COALESCE((SELECT o.scopes FROM app_oauth o WHERE o.app_id = a.id), '') END \
             FROM apps a WHERE a.id = installs.app_id)",
    )
    .bind(expected)
    .bind(install_id)
    .bind(account_id)
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query("UPDATE oauth_grants SET scopes = $1 WHERE install_id = $2 AND revoked_at IS NULL")
        .bind(expected)
        .bind(install_id)
        .execute(&mut **tx)
        .await?;
    Ok(true)
}

/// What a user sees as installed: their own installs in the account and
/// the account's account-wide ones.
pub async fn installs_for(
    pool: &AnyPool,
    account_id: &str,
    user_id: &str,
) -> Result<Vec<InstallRow>, sqlx::Error> {
    sqlx::query_as::<_, InstallRow>(&format!(
        "{INSTALL_SELECT} WHERE i.account_id = $1 AND (i.user_id IS NULL OR i.user_id = $2) \
         ORDER BY i.created_at DESC, a.name"
    ))
    .bind(account_id)
    .bind(user_id)
    .fetch_all(pool)
    .await
}

/// One install in the account.
pub async fn install_in_account(
    pool: &AnyPool,
    account_id: &str,
    id: &str,
) -> Result<Option<InstallRow>, sqlx::Error> {
    sqlx::query_as::<_, InstallRow>(&format!(
        "{INSTALL_SELECT} WHERE i.account_id = $1 AND i.id = $2"
    ))
    .bind(account_id)
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// An install by id (for the authorization server).
pub async fn install_by_id(pool: &AnyPool, id: &str) -> Result<Option<InstallRow>, sqlx::Error> {
    sqlx::query_as::<_, InstallRow>(&format!("{INSTALL_SELECT} WHERE i.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// The account-wide install of an app's environment in an account.
pub async fn account_install(
    pool: &AnyPool,
    app_id: &str,
    environment: Environment,
    account_id: &str,
) -> Result<Option<InstallRow>, sqlx::Error> {
    sqlx::query_as::<_, InstallRow>(&format!(
        "{INSTALL_SELECT} WHERE i.app_id = $1 AND i.environment = $2 AND i.account_id = $3 \
         AND i.user_id IS NULL"
    ))
    .bind(app_id)
    .bind(environment.as_str())
    .bind(account_id)
    .fetch_optional(pool)
    .await
}

/// Ends the reviewers' trial installs of an app (development installs in
/// accounts other than the app's own, which only a reviewer can make
/// while the app is in review): when its review ends, their grants,
/// tokens and codes go with them, in the caller's transaction. Returns
/// how many.
pub async fn end_trial_installs(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    app_id: &str,
) -> Result<usize, sqlx::Error> {
    let trials: Vec<(String,)> = sqlx::query_as(
        "SELECT i.id FROM installs i JOIN apps a ON a.id = i.app_id \
         WHERE i.app_id = $1 AND i.environment = 'development' AND i.account_id <> a.account_id",
    )
    .bind(app_id)
    .fetch_all(&mut **tx)
    .await?;
    for (id,) in &trials {
        delete_install(tx, id).await?;
    }
    Ok(trials.len())
}

/// Removes an install inside the caller's transaction (its
/// `app_deauthorized` event commits with it): its grants, tokens and codes
/// go at once.
pub async fn delete_install(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
) -> Result<bool, sqlx::Error> {
    // Explicit deletes as well as the cascade: the grants and tokens must
    // be gone in the same transaction whatever the database's settings.
    sqlx::query(
        "DELETE FROM oauth_tokens WHERE grant_id IN (SELECT id FROM oauth_grants WHERE install_id = $1)",
    )
    .bind(id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM oauth_grants WHERE install_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM oauth_codes WHERE install_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let removed = sqlx::query("DELETE FROM installs WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(removed == 1)
}

/// Where an app's `app_deauthorized` goes (empty: nowhere).
pub async fn deauthorization_url(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    app_id: &str,
) -> Result<String, sqlx::Error> {
    Ok(sqlx::query_scalar::<_, String>(
        "SELECT deauthorization_url FROM app_webhooks WHERE app_id = $1",
    )
    .bind(app_id)
    .fetch_optional(&mut **tx)
    .await?
    .unwrap_or_default())
}
