//! Raising events: a change writes one outbox row per interested endpoint
//! in its own transaction. An endpoint is interested when its app is
//! installed where the change happened (for the whole account, or for the
//! user concerned), it subscribed to the event type, and the install holds
//! a scope that may read the object (`meeting:read` for the host's own
//! install, `meeting:read:admin` for an account-wide one; likewise
//! `user:read`). A webhook-only app has no install and no scopes: it sends
//! the events of its own account (its developer's) to its endpoints, per
//! the event types it subscribed to, as on Zoom.

use serde_json::{json, Value};
use sqlx::{Any, Transaction};

use crate::domain::app::Environment;
use crate::domain::oauth::{parse_scope_list, Scope};
use crate::server::ids::new_id;
use crate::server::repo::{self, outbox::NewEvent};

/// The compact JSON body of an event (what `JSON.stringify` would give).
pub fn body(event_type: &str, now_ms: i64, account_id: &str, object: &Value) -> String {
    json!({
        "event": event_type,
        "event_ts": now_ms,
        "payload": { "account_id": account_id, "object": object },
    })
    .to_string()
}

/// The user object of `user.*` events (Zoom's shape, abridged).
pub fn user_object(id: &str, display_name: &str, email: &str) -> Value {
    let (first, last) = display_name.split_once(' ').unwrap_or((display_name, ""));
    json!({
        "id": id,
        "first_name": first,
        "last_name": last,
        "display_name": display_name,
        "email": email,
        "type": 1,
    })
}

/// Writes `event_type` about `object` (concerning `user_id` in
/// `account_id`) for every interested endpoint. Returns how many.
pub async fn raise(
    tx: &mut Transaction<'_, Any>,
    event_type: &str,
    account_id: &str,
    user_id: &str,
    object: &Value,
    now_ms: i64,
) -> Result<usize, sqlx::Error> {
    let (user_scope, admin_scope) = if event_type.starts_with("user.") {
        (Scope::UserRead, Scope::UserReadAdmin)
    } else {
        (Scope::MeetingRead, Scope::MeetingReadAdmin)
    };
    let listeners = repo::outbox::listeners(tx, account_id, user_id).await?;
    let body = body(event_type, now_ms, account_id, object);
    let mut raised = 0;
    for listener in listeners {
        if !listener.events.split_whitespace().any(|e| e == event_type) {
            continue;
        }
        let scopes = parse_scope_list(&listener.scopes);
        let allowed = listener.webhook_only == 1
            || match listener.user_id {
                Some(_) => scopes.contains(&user_scope) || scopes.contains(&admin_scope),
                None => scopes.contains(&admin_scope),
            };
        let url = if listener.environment == Environment::Production {
            &listener.production_url
        } else if listener.webhook_only == 1 && listener.development_url.is_empty() {
            // A webhook-only subscription may give only a production
            // endpoint: its account's events go there then.
            &listener.production_url
        } else {
            &listener.development_url
        };
        if !allowed || url.is_empty() {
            continue;
        }
        repo::outbox::insert(
            tx,
            NewEvent {
                id: &new_id("evt"),
                app_id: &listener.app_id,
                subscription_id: Some(&listener.subscription_id),
                event_type,
                url,
                body: &body,
                now: now_ms,
                is_test: false,
            },
        )
        .await?;
        raised += 1;
    }
    Ok(raised)
}

/// Removes an install and, when the app has a deauthorization endpoint,
/// writes its `app_deauthorized` event in the same transaction.
/// `signature` is the hex HMAC-SHA256 of `client_id:user_id:deauthorization_time`
/// keyed with the app's Secret Token. Returns false when no such install.
pub async fn uninstall(
    state: &crate::server::state::AppState,
    install: &repo::oauth::InstallRow,
    acting_user_id: &str,
) -> Result<bool, sqlx::Error> {
    let now = state.now_ms();
    let client_id =
        repo::oauth::client_of_app(&state.db.pool, &install.app_id, install.environment)
            .await?
            .map(|c| c.client_id)
            .unwrap_or_default();
    let (tokens, _) = super::secret_tokens(state, &install.app_id, now).await?;
    let mut change = crate::server::change::Change::begin(state).await?;
    if !repo::oauth::delete_install(&mut change, &install.id).await? {
        return Ok(false);
    }
    repo::marketplace::recount_installs(&mut **change, &install.app_id).await?;
    let url = repo::oauth::deauthorization_url(&mut change, &install.app_id).await?;
    if !url.is_empty() {
        let user_id = install.user_id.as_deref().unwrap_or(acting_user_id);
        let time = crate::domain::time::iso(now);
        let signed = format!("{client_id}:{user_id}:{time}");
        let signature = super::sign::validation_token(
            tokens.first().map(String::as_str).unwrap_or_default(),
            &signed,
        );
        let body = json!({
            "event": "app_deauthorized",
            "event_ts": now,
            "payload": {
                "account_id": install.account_id,
                "user_id": user_id,
                "signature": signature,
                "deauthorization_time": time,
                "client_id": client_id,
            },
        })
        .to_string();
        change
            .queue(NewEvent {
                id: &new_id("evt"),
                app_id: &install.app_id,
                subscription_id: None,
                event_type: "app_deauthorized",
                url: &url,
                body: &body,
                now,
                is_test: false,
            })
            .await?;
    }
    change.commit().await?;
    Ok(true)
}
