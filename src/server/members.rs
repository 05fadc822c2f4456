//! Joining an account: the invite page's Join, with the `user.created`
//! event the account's subscribers hear, in the same transaction.

use crate::error::AppError;
use crate::server::change::Change;
use crate::server::state::AppState;
use crate::server::webhooks::events;
use crate::server::{ids, repo};

/// Joins `user_id` to the invite's account; returns where to send them: the
/// members page, or back to the invite page (which explains) when the
/// invite can no longer be used.
pub async fn join_with_invite(
    state: &AppState,
    token: &str,
    user_id: &str,
) -> Result<String, AppError> {
    let now = state.now_ms();
    let escaped: String = url::form_urlencoded::byte_serialize(token.as_bytes()).collect();
    let expired = format!("/invite/{escaped}");
    let Some(invite) =
        repo::invites::find_usable(&state.db.pool, &ids::hash_secret(token), now).await?
    else {
        return Ok(expired);
    };
    let joiner = repo::users::find_by_id(&state.db.pool, user_id).await?;
    let mut change = Change::begin(state).await?;
    if !repo::invites::accept(&mut change, &invite, user_id, now).await? {
        return Ok(expired);
    }
    if let Some(joiner) = joiner {
        let object = events::user_object(user_id, &joiner.display_name, &joiner.email);
        change
            .raise("user.created", &invite.account_id, user_id, &object, now)
            .await?;
    }
    change.commit().await?;
    Ok("/account/members".to_owned())
}
