//! Sign-up, sign-in, sign-out and "who am I".

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::account::Role;
use crate::error::AppError;

/// The signed-in user as pages see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserOut {
    pub id: String,
    pub email: String,
    pub display_name: String,
    /// Platform staff who review app submissions.
    pub is_reviewer: bool,
    /// The account the user works in now.
    pub account_id: String,
    pub account_name: String,
    /// Their role in that account.
    pub role: Role,
}

#[cfg(feature = "ssr")]
impl From<crate::server::auth::session::SessionUser> for UserOut {
    fn from(user: crate::server::auth::session::SessionUser) -> Self {
        UserOut {
            id: user.user_id,
            email: user.email,
            display_name: user.display_name,
            is_reviewer: user.is_reviewer,
            account_id: user.account_id,
            account_name: user.account_name,
            role: user.role,
        }
    }
}

/// The signed-in user, or `None`.
#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<UserOut>, AppError> {
    use crate::server::context;
    context::finish(context::user().await.map(|user| user.map(UserOut::from)))
}

/// Creates a user and their account, signs them in, and (with an invite
/// token) joins them to the inviting account.
#[server(endpoint = "sign_up")]
pub async fn sign_up(
    email: String,
    display_name: String,
    password: String,
    invite: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{auth, context};
    context::finish(
        async {
            let state = context::state()?;
            let user_id = auth::accounts::sign_up(&state, &email, &display_name, &password).await?;
            let cookie = auth::session::start(&state, &user_id).await?;
            context::set_cookie(&cookie);
            let destination = match invite.filter(|t| !t.is_empty()) {
                Some(token) => {
                    crate::api::account::join_with_invite(&state, &token, &user_id).await?
                }
                None => "/".to_owned(),
            };
            context::redirect(&destination);
            Ok(())
        }
        .await,
    )
}

/// Signs in with email and password. Sends the browser on to `next` (a
/// path on this site), or joins the account of `invite`.
#[server(endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    invite: Option<String>,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{auth, context};
    context::finish(
        async {
            let state = context::state()?;
            let user_id = auth::accounts::sign_in(&state, &email, &password).await?;
            // A fresh token at every sign-in; the old one, if any, ends.
            auth::session::end(&state, &context::parts()?.headers).await?;
            let cookie = auth::session::start(&state, &user_id).await?;
            context::set_cookie(&cookie);
            let destination = match invite.filter(|t| !t.is_empty()) {
                Some(token) => {
                    crate::api::account::join_with_invite(&state, &token, &user_id).await?
                }
                None => context::safe_next(next.as_deref()),
            };
            context::redirect(&destination);
            Ok(())
        }
        .await,
    )
}

/// Ends the session.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::server::{auth, context};
    context::finish(
        async {
            let cookie = auth::session::end(&context::state()?, &context::parts()?.headers).await?;
            context::set_cookie(&cookie);
            context::redirect("/");
            Ok(())
        }
        .await,
    )
}
