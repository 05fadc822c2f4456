//! Webhooks (issue 5): the endpoint challenge, raising events into the
//! outbox, the worker that delivers them, and signing the way Zoom and
//! Standard Webhooks receivers check. Outgoing requests go through
//! `server::outbound`.

pub mod challenge;
pub mod events;
pub mod sign;
pub mod worker;

use crate::server::repo::{self, webhooks::WebhookRow};
use crate::server::state::AppState;

/// The app's webhook settings and the Secret Tokens that sign now: the
/// current one first, then the previous one during its grace period. An
/// app that has none yet gets its first token here; otherwise this only
/// reads (it runs for every delivery). A token that does not open under
/// the server key is left out.
pub async fn secret_tokens(
    state: &AppState,
    app_id: &str,
    now: i64,
) -> Result<(Vec<String>, WebhookRow), sqlx::Error> {
    let row = match repo::webhooks::settings(&state.db.pool, app_id).await? {
        Some(row) => row,
        None => {
            let sealed = state.secrets.seal(&sign::new_secret_token());
            repo::webhooks::settings_or_create(&state.db.pool, app_id, &sealed).await?
        }
    };
    let mut tokens: Vec<String> = state
        .secrets
        .open(&row.secret_token_enc)
        .into_iter()
        .collect();
    if let (Some(old), Some(until)) = (&row.old_secret_token_enc, row.old_secret_expires_at) {
        if until > now {
            tokens.extend(state.secrets.open(old));
        }
    }
    Ok((tokens, row))
}

/// The address rules an endpoint URL meets when it is saved, beyond its
/// form (`domain::events::validate_endpoint_url`): not Portico itself (a
/// delivery must not be a way to make Portico call its own routes), and a
/// destination the outbound client will send to (no private or local
/// address, checked after DNS, unless private destinations are allowed).
/// `Err` is the message for the field. Subscription endpoints meet the
/// same through their challenge, which goes through the same client.
pub async fn check_endpoint(state: &AppState, url: &str) -> Result<(), String> {
    let own = url::Url::parse(state.config.base_url()).map(|u| u.origin());
    if let (Ok(endpoint), Ok(own)) = (url::Url::parse(url), &own) {
        if endpoint.origin() == *own {
            return Err("An endpoint cannot be Portico itself.".into());
        }
    }
    state
        .outbound
        .check_destination(url)
        .await
        .map(|_| ())
        .map_err(|err| err.to_string())
}
