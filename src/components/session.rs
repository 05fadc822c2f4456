//! The sign-in state every page and the header share.

use crate::api::auth::{SignOut, UserOut};
use crate::components::form::ActionOf;
use crate::components::resource::PageResource;
use crate::error::AppError;

/// Sign-in state, shared by the header and the pages, and the sign-out
/// action (the header's). Created inside the router so that a plain form
/// post's error (carried back in the URL) reaches the action that made it.
/// Sign-in and sign-up actions live in their pages; both answer with a
/// redirect, and the next page reads `user` afresh.
#[derive(Clone, Copy)]
pub struct AuthContext {
    /// The signed-in user; refetched on sign-out and on every navigation.
    pub user: PageResource<Result<Option<UserOut>, AppError>>,
    pub sign_out: ActionOf<SignOut>,
}
