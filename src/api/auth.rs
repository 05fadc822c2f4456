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

/// Creates a user and their account and signs them in. With an invite
/// token it sends them back to the invite's page, where joining is their
/// own explicit step (Join or Decline), never a side effect of signing up.
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
            let destination = invite_page(invite.as_deref()).unwrap_or_else(|| "/".to_owned());
            context::redirect(&destination);
            Ok(())
        }
        .await,
    )
}

/// Signs in with email and password. Sends the browser on to `next` (a
/// path on this site), or back to the page of `invite` to decide there.
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
            let destination = invite_page(invite.as_deref())
                .unwrap_or_else(|| context::safe_next(next.as_deref()));
            context::redirect(&destination);
            Ok(())
        }
        .await,
    )
}

/// The page of the invite whose token a sign-up or sign-in carried.
#[cfg(feature = "ssr")]
fn invite_page(token: Option<&str>) -> Option<String> {
    token.filter(|token| !token.is_empty()).map(|token| {
        let escaped: String = url::form_urlencoded::byte_serialize(token.as_bytes()).collect();
        format!("/invite/{escaped}")
    })
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
