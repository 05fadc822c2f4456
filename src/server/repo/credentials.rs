//! OAuth client credentials (`app_credentials`).

use crate::domain::app::Environment;
use sqlx::{AnyPool, FromRow};

/// One environment's credentials (the secret only as its hash).
#[derive(Debug, Clone, FromRow)]
pub struct CredentialRow {
    #[sqlx(try_from = "String")]
    pub environment: Environment,
    pub client_id: String,
    pub secret_created_at: i64,
    pub old_secret_expires_at: Option<i64>,
}

/// The app's credentials, development first.
pub async fn for_app(pool: &AnyPool, app_id: &str) -> Result<Vec<CredentialRow>, sqlx::Error> {
    sqlx::query_as::<_, CredentialRow>(
        "SELECT environment, client_id, secret_created_at, old_secret_expires_at \
         FROM app_credentials WHERE app_id = $1 ORDER BY environment",
    )
    .bind(app_id)
    .fetch_all(pool)
    .await
}

/// Gives an environment a new secret: the first one (with `new_client_id`)
/// or a rotation, which keeps the current secret valid until
/// `old_expires_at`. Returns the environment's client id.
pub async fn issue_secret(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    app_id: &str,
    environment: Environment,
    new_client_id: &str,
    secret_hash: &str,
    now: i64,
    old_expires_at: i64,
) -> Result<String, sqlx::Error> {
    let rotated = sqlx::query(
        "UPDATE app_credentials SET old_secret_hash = secret_hash, old_secret_expires_at = $1, \
                secret_hash = $2, secret_created_at = $3 \
         WHERE app_id = $4 AND environment = $5",
    )
    .bind(old_expires_at)
    .bind(secret_hash)
    .bind(now)
    .bind(app_id)
    .bind(environment.as_str())
    .execute(&mut **tx)
    .await?;
    if rotated.rows_affected() == 0 {
        sqlx::query(
            "INSERT INTO app_credentials (app_id, environment, client_id, secret_hash, secret_created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(app_id)
        .bind(environment.as_str())
        .bind(new_client_id)
        .bind(secret_hash)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    let (client_id,): (String,) = sqlx::query_as(
        "SELECT client_id FROM app_credentials WHERE app_id = $1 AND environment = $2",
    )
    .bind(app_id)
    .bind(environment.as_str())
    .fetch_one(&mut **tx)
    .await?;
    Ok(client_id)
}

/// Ends the grace period of the previous secret now.
pub async fn revoke_old_secret(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    app_id: &str,
    environment: Environment,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE app_credentials SET old_secret_hash = NULL, old_secret_expires_at = NULL \
         WHERE app_id = $1 AND environment = $2",
    )
    .bind(app_id)
    .bind(environment.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
