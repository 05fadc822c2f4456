//! An app's OAuth client credentials: development and production client
//! id and secret. A secret is shown once, when it is made; rotating keeps
//! the previous one valid for a grace period.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::apps::AppOut;
use crate::api::oauth::OAuthSettingsOut;
use crate::domain::app::Environment;
#[cfg(feature = "ssr")]
use crate::domain::app_access::AppAction;
use crate::error::AppError;

/// How long a rotated secret keeps working: 24 hours.
pub const ROTATION_GRACE_MS: i64 = 24 * 3_600_000;

/// One environment's credentials, without the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentOut {
    /// `development` or `production`.
    pub environment: Environment,
    pub client_id: String,
    /// When the current secret was made (Unix ms).
    pub secret_created_ms: i64,
    /// The previous secret's grace period, while it still works.
    pub old_secret: Option<GraceOut>,
    /// Production credentials work only once the app is approved.
    pub active: bool,
}

/// A secret just made: the only time it is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSecretOut {
    pub environment: Environment,
    pub client_id: String,
    pub client_secret: String,
    /// The secret it replaced, if any, and how long that one still works.
    pub old_secret: Option<GraceOut>,
}

/// A replaced secret's grace period, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraceOut {
    /// When it stops working (Unix ms).
    pub until_ms: i64,
    /// The time left when the page was made: `23 h 59 min`.
    pub remaining: String,
}

impl GraceOut {
    /// The grace period ending at `until_ms`, if it has not ended `now`.
    pub fn at(now_ms: i64, until_ms: i64) -> Option<Self> {
        crate::domain::time::remaining(now_ms, until_ms).map(|remaining| GraceOut {
            until_ms,
            remaining,
        })
    }
}

#[cfg(feature = "ssr")]
fn check_environment(environment: &str) -> Result<Environment, AppError> {
    Environment::parse(environment)
        .ok_or_else(|| AppError::field("environment", "Choose development or production."))
}

/// The app of the current account that may have credentials (not a
/// webhook-only app), if the caller may do `action` to it, with who the
/// caller is to it.
#[cfg(feature = "ssr")]
async fn oauth_app(
    id: &str,
    action: AppAction,
) -> Result<crate::server::app_access::AppAccess, AppError> {
    let access = crate::server::app_access::require(id, action).await?;
    if access.app.kind == crate::domain::app::AppKind::WebhookOnly {
        return Err(AppError::refused(
            "Webhook-only apps have no OAuth credentials.",
        ));
    }
    Ok(access)
}

/// Who may rotate or revoke an environment's secret: the production one
/// only the app's managers, the development one its collaborators too.
#[cfg(feature = "ssr")]
fn secret_action(environment: Environment) -> AppAction {
    if environment == Environment::Production {
        AppAction::RotateProductionSecret
    } else {
        AppAction::Develop
    }
}

/// The Credentials page, in one request (and one reader in the browser
/// bundle): the app, each environment's credentials (those made so far), a
/// secret made by a plain form post just before (see `generate_secret`),
/// which this call shows and forgets, and the OAuth settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialsOut {
    pub app: AppOut,
    pub environments: Vec<EnvironmentOut>,
    pub new_secret: Option<NewSecretOut>,
    /// None for a webhook-only app: it has no OAuth credentials or
    /// settings (and `environments` is empty).
    pub settings: Option<OAuthSettingsOut>,
}

/// The cookie that carries a new secret from a plain form post to the page
/// it redirects to (once; HttpOnly, SameSite=Strict, scoped to that page,
/// two minutes). With JavaScript the secret comes in the action's answer.
pub const NEW_SECRET_COOKIE: &str = "portico_new_secret";

/// The Credentials page's data.
#[server(endpoint = "credentials_page")]
pub async fn credentials_page(id: String) -> Result<CredentialsOut, AppError> {
    use crate::server::context;
    context::finish(
        async {
            // The app is looked up once for the whole page.
            let (access, app) = crate::api::apps::open_app(&id).await?;
            let row = access.app;
            if app.app_type.kind == crate::domain::app::AppKind::WebhookOnly {
                return Ok(CredentialsOut {
                    app,
                    environments: Vec::new(),
                    new_secret: None,
                    settings: None,
                });
            }
            let environments = environments_of(&id, row.production_active()).await?;
            use base64::Engine;
            let new_secret = context::take_flash_cookie(NEW_SECRET_COOKIE, &credentials_path(&id))?
                .and_then(|value| {
                    base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .decode(value)
                        .ok()
                })
                .and_then(|json| serde_json::from_slice::<NewSecretOut>(&json).ok())
                .filter(|made| made.client_id.len() == 22);
            let settings = crate::api::oauth::settings_of(&row).await?;
            Ok(CredentialsOut {
                app,
                environments,
                new_secret,
                settings: Some(settings),
            })
        }
        .await,
    )
}

/// The credentials of app `id` (already found; `production_active`: its
/// production credentials work), per environment.
#[cfg(feature = "ssr")]
async fn environments_of(
    id: &str,
    production_active: bool,
) -> Result<Vec<EnvironmentOut>, AppError> {
    use crate::server::{context, repo};
    let state = context::state()?;
    let now = state.now_ms();
    let rows = repo::credentials::for_app(&state.db.pool, id).await?;
    Ok(rows
        .into_iter()
        .map(|row| EnvironmentOut {
            active: row.environment == Environment::Development || production_active,
            environment: row.environment,
            client_id: row.client_id,
            secret_created_ms: row.secret_created_at,
            old_secret: row
                .old_secret_expires_at
                .and_then(|until| GraceOut::at(now, until)),
        })
        .collect())
}

#[cfg(feature = "ssr")]
fn credentials_path(id: &str) -> String {
    format!("/apps/{id}/credentials")
}

/// The app's credentials per environment (those made so far).
#[server(endpoint = "app_credentials")]
pub async fn app_credentials(id: String) -> Result<Vec<EnvironmentOut>, AppError> {
    use crate::server::context;
    context::finish(
        async {
            let access = oauth_app(&id, AppAction::Open).await?;
            environments_of(&id, access.app.production_active()).await
        }
        .await,
    )
}

/// Makes the environment's first secret, or rotates it (the previous one
/// keeps working for `ROTATION_GRACE_MS`). Answers with the secret: it is
/// stored only as its hash and cannot be shown again.
#[server(endpoint = "generate_secret")]
pub async fn generate_secret(id: String, environment: String) -> Result<NewSecretOut, AppError> {
    use crate::server::{context, ids, repo};
    context::finish(
        async {
            let environment = check_environment(&environment)?;
            let access = oauth_app(&id, secret_action(environment)).await?;
            let state = context::state()?;
            let now = state.now_ms();
            let secret = ids::new_secret();
            let mut change = crate::server::change::Change::begin(&state).await?;
            let client_id = repo::credentials::issue_secret(
                &mut change,
                &id,
                environment,
                &ids::new_client_id(),
                &ids::hash_secret(&secret),
                now,
                now + ROTATION_GRACE_MS,
            )
            .await?;
            access
                .audit(
                    &mut change,
                    crate::domain::audit::AuditAction::SecretGenerated,
                    &format!(
                        "{} client {client_id}; the previous secret, if any, works for 24 h more",
                        environment.label()
                    ),
                )
                .await?;
            change.commit().await?;
            let rotated = repo::credentials::for_app(&state.db.pool, &id)
                .await?
                .into_iter()
                .find(|row| row.environment == environment)
                .and_then(|row| row.old_secret_expires_at);
            let made = NewSecretOut {
                environment,
                client_id,
                client_secret: secret,
                old_secret: rotated.and_then(|until| GraceOut::at(now, until)),
            };
            if context::is_plain_form_post()? {
                use base64::Engine;
                let json = serde_json::to_vec(&made).map_err(context::internal)?;
                let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
                context::set_flash_cookie(NEW_SECRET_COOKIE, &value, &credentials_path(&id));
                context::redirect(&credentials_path(&id));
            }
            Ok(made)
        }
        .await,
    )
}

/// Ends the previous secret's grace period now.
#[server(endpoint = "revoke_old_secret")]
pub async fn revoke_old_secret(id: String, environment: String) -> Result<(), AppError> {
    use crate::server::{context, repo};
    context::finish(
        async {
            let environment = check_environment(&environment)?;
            let access = oauth_app(&id, secret_action(environment)).await?;
            let state = context::state()?;
            let mut change = crate::server::change::Change::begin(&state).await?;
            repo::credentials::revoke_old_secret(&mut change, &id, environment).await?;
            access
                .audit(
                    &mut change,
                    crate::domain::audit::AuditAction::OldSecretRevoked,
                    environment.label(),
                )
                .await?;
            change.commit().await?;
            Ok(())
        }
        .await,
    )
}
